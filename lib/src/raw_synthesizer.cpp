// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bayer.h"
#include "guard.h"
#include "network_input.h"
#include "neuralisp/raw.h"
#include "tiling.h"

namespace neuralisp {
namespace {

// The signature a reverse ISP model declares (models/raw/export.py).
bool is_raw_synthesizer(const ModelInfo& info) {
  const MethodSpec* unprocess = info.method("unprocess");
  return info.task == "rgb2raw" && info.unshuffle == 2 && unprocess && unprocess->inputs.size() == 3 &&
         unprocess->inputs[0].kind == ValueKind::kImage && unprocess->inputs[0].channels == 3 &&
         unprocess->inputs[1].kind == ValueKind::kVector && unprocess->inputs[1].shape == std::vector<int>{3} &&
         unprocess->inputs[2].kind == ValueKind::kVector && unprocess->inputs[2].shape == std::vector<int>{9} &&
         unprocess->outputs.size() == 1 && unprocess->outputs[0].kind == ValueKind::kImage &&
         unprocess->outputs[0].channels == 3 && unprocess->outputs[0].scale == 1.0f;
}

}  // namespace

struct RawSynthesizer::Impl {
  std::unique_ptr<Model> model;
  RuntimeSettings runtime;
  RawSynthesizeParams params;
  Image input;
  Tiler tiler;
  std::vector<Value> inputs, outputs;
  std::vector<ImageView> images;
  double convert_in_ms = 0.0, network_ms = 0.0, convert_out_ms = 0.0;
};

RawSynthesizer::RawSynthesizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RawSynthesizer::~RawSynthesizer() = default;

Status RawSynthesizer::create(const RawSynthesizerOptions& options, std::unique_ptr<RawSynthesizer>& synthesizer) {
  return guarded("creating the RAW synthesizer", [&]() -> Status {
    auto impl = std::make_unique<Impl>();
    Status status = Model::load(options.model, impl->model);
    if (!status.ok()) return status;
    if (!is_raw_synthesizer(impl->model->info()))
      return Status::Error(ErrorCode::kInvalidModel, "model '" + options.model.path + "' is a '" +
                                                         impl->model->info().task +
                                                         "' model, not a RAW synthesizer with an unprocess method");
    synthesizer.reset(new RawSynthesizer(std::move(impl)));
    synthesizer->configure(options.runtime);
    return Status::Ok();
  });
}

std::vector<float> RawSynthesizer::default_white_balance() const {
  return impl_->model->info().method("unprocess")->inputs[1].defaults;
}

std::vector<float> RawSynthesizer::default_color_matrix() const {
  return impl_->model->info().method("unprocess")->inputs[2].defaults;
}

Status RawSynthesizer::set_params(const RawSynthesizeParams& params) {
  const Status status = check_camera(params.white_balance, params.color_matrix, true);
  if (!status.ok()) return status;
  impl_->params = params;
  return Status::Ok();
}

void RawSynthesizer::configure(const RuntimeSettings& settings) noexcept {
  impl_->runtime = settings;
  impl_->model->set_threads(settings.threads);
}

void RawSynthesizer::reset() noexcept { impl_->convert_in_ms = impl_->network_ms = impl_->convert_out_ms = 0.0; }

Statistics RawSynthesizer::statistics() const noexcept {
  try {
    return {{"convert-in-ms", impl_->convert_in_ms},
            {"network-ms", impl_->network_ms},
            {"convert-out-ms", impl_->convert_out_ms}};
  } catch (...) {
    return {};
  }
}

const ModelInfo* RawSynthesizer::model_info() const noexcept { return &impl_->model->info(); }

Status RawSynthesizer::process(const FrameView& input, const std::vector<FrameView>& outputs) {
  if (outputs.size() != 1)
    return Status::Error(ErrorCode::kInvalidArgument, "the RAW synthesizer writes one output frame");
  const FrameView& output = outputs[0];
  if (input.format == PixelFormat::kBayer8 || input.format == PixelFormat::kBayer16)
    return Status::Error(ErrorCode::kUnsupported, "the RAW synthesizer takes RGB or YUV frames");
  if (output.format != PixelFormat::kBayer8 && output.format != PixelFormat::kBayer16)
    return Status::Error(ErrorCode::kUnsupported, "the RAW synthesizer writes Bayer frames");
  if (input.width != output.width || input.height != output.height)
    return Status::Error(ErrorCode::kInvalidArgument, "input and output frames differ in size");
  return guarded("synthesizing a RAW frame",
                 [&] { return impl_->model->run_job([&] { return synthesize(input, output); }); });
}

Status RawSynthesizer::synthesize(const FrameView& input, const FrameView& output) {
  Impl& r = *impl_;
  const ModelInfo& info = r.model->info();
  const Clock::time_point start = Clock::now();
  Status status = frame_to_network_input(input, info, r.input);
  if (!status.ok()) return status;
  const Clock::time_point converted = Clock::now();

  r.inputs.assign({Value(),
                   Value::of_vector(r.params.white_balance.empty() ? default_white_balance() : r.params.white_balance),
                   Value::of_vector(r.params.color_matrix.empty() ? default_color_matrix() : r.params.color_matrix)});
  const TileFunction run_tile = [&r](const ImageView& tile, std::vector<ImageView>& images) -> Status {
    r.inputs[0] = Value::of_image(tile);
    Status s = r.model->run("unprocess", r.inputs, r.outputs);
    if (!s.ok()) return s;
    images.assign({r.outputs[0].image});
    return Status::Ok();
  };
  status = r.tiler.run(r.input.view(), {2, info.alignment, info.overlap, r.runtime.tile_size}, run_tile, &r.images);
  if (!status.ok()) return status;
  const Clock::time_point inferred = Clock::now();

  status = rgb_to_bayer_frame(r.images[0], sensor_levels(r.params.levels, output), output);
  if (!status.ok()) return status;
  r.convert_in_ms = ms_between(start, converted);
  r.network_ms = ms_between(converted, inferred);
  r.convert_out_ms = ms_between(inferred, Clock::now());
  return Status::Ok();
}

}  // namespace neuralisp
