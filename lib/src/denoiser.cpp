// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralisp/denoiser.h"

#include <numeric>

#include "frame_checks.h"
#include "guard.h"
#include "network_input.h"
#include "tiling.h"

namespace neuralisp {
namespace {

double mean_of(const ImageView& v) {
  double sum = 0.0;
  for (int y = 0; y < v.height; ++y) {
    const float* row = v.row(y);
    sum = std::accumulate(row, row + v.width * v.channels, sum);
  }
  return sum / (static_cast<double>(v.width) * v.height * v.channels);
}

}  // namespace

struct Denoiser::Impl {
  std::unique_ptr<Model> model;
  RuntimeSettings runtime;
  DenoiseParams params;
  Image input;
  Tiler tiler;
  std::vector<Value> inputs;
  std::vector<Value> outputs;
  std::vector<ImageView> images;
  float noise_level = 0.0f;
  // Where the last frame's time went, in milliseconds.
  double convert_in_ms = 0.0, network_ms = 0.0, convert_out_ms = 0.0;
};

Denoiser::Denoiser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Denoiser::~Denoiser() = default;

Status Denoiser::create(const DenoiserOptions& options, std::unique_ptr<Denoiser>& denoiser) {
  return guarded("creating the denoiser", [&]() -> Status {
    auto impl = std::make_unique<Impl>();
    Status status = Model::load(options.model, impl->model);
    if (!status.ok()) return status;
    const ModelInfo& info = impl->model->info();
    const MethodSpec* forward = info.method("forward");
    const bool fits = info.task == "denoise" && forward && forward->inputs.size() == 3 &&
                      forward->inputs[0].kind == ValueKind::kImage && forward->inputs[0].channels == 3 &&
                      forward->outputs.size() == 2 && forward->outputs[0].kind == ValueKind::kImage &&
                      forward->outputs[0].scale == 1.0f && forward->outputs[1].kind == ValueKind::kMap;
    if (!fits)
      return Status::Error(ErrorCode::kInvalidModel, "model '" + options.model.path + "' is a '" + info.task +
                                                         "' model, not a denoiser of the expected signature");
    denoiser.reset(new Denoiser(std::move(impl)));
    denoiser->configure(options.runtime);
    return Status::Ok();
  });
}

Status Denoiser::set_params(const DenoiseParams& params) {
  if (!(params.strength >= 0.0f) || !(params.noise_level <= 255.0f))
    return Status::Error(ErrorCode::kInvalidArgument, "strength must be >= 0 and noise level <= 255");
  impl_->params = params;
  return Status::Ok();
}

void Denoiser::configure(const RuntimeSettings& settings) noexcept {
  impl_->runtime = settings;
  impl_->model->set_threads(settings.threads);
}

void Denoiser::reset() noexcept {
  impl_->noise_level = 0.0f;
  impl_->convert_in_ms = impl_->network_ms = impl_->convert_out_ms = 0.0;
}

Statistics Denoiser::statistics() const noexcept {
  try {
    return {{"noise-level", impl_->noise_level},
            {"estimated", impl_->params.noise_level < 0.0f ? 1.0 : 0.0},
            {"strength", impl_->params.strength},
            {"convert-in-ms", impl_->convert_in_ms},
            {"network-ms", impl_->network_ms},
            {"convert-out-ms", impl_->convert_out_ms}};
  } catch (...) {
    return {};
  }
}

const ModelInfo* Denoiser::model_info() const noexcept { return &impl_->model->info(); }

float Denoiser::noise_level() const noexcept { return impl_->noise_level; }

Status Denoiser::process(const FrameView& input, const std::vector<FrameView>& outputs) {
  const Status status = check_rgb_frames(input, outputs, 1, "denoiser");
  if (!status.ok()) return status;
  return guarded("denoising a frame", [&] { return denoise(input, outputs[0]); });
}

Status Denoiser::denoise(const FrameView& input, const FrameView& output) {
  Impl& d = *impl_;
  const ModelInfo& info = d.model->info();
  const int u = info.unshuffle;
  const Clock::time_point start = Clock::now();
  Status status = frame_to_network_input(input, info, d.input);
  if (!status.ok()) return status;

  const bool estimate = d.params.noise_level < 0.0f;
  d.inputs.assign({Value(), Value::of_scalar(estimate ? -1.0f : d.params.noise_level / 255.0f),
                   Value::of_scalar(d.params.strength)});
  const TileFunction run_tile = [&d](const ImageView& tile, std::vector<ImageView>& images) -> Status {
    d.inputs[0] = Value::of_image(tile);
    Status s = d.model->run("forward", d.inputs, d.outputs);
    if (!s.ok()) return s;
    images.assign({d.outputs[0].image, d.outputs[1].image});
    return Status::Ok();
  };
  const Clock::time_point converted = Clock::now();
  status = d.tiler.run(d.input.view(), {u, info.alignment, info.overlap, d.runtime.tile_size}, run_tile, &d.images);
  if (!status.ok()) return status;
  const Clock::time_point inferred = Clock::now();
  status = image_to_frame(d.images[0], output, u, &input);
  if (!status.ok()) return status;
  d.convert_in_ms = ms_between(start, converted);
  d.network_ms = ms_between(converted, inferred);
  d.convert_out_ms = ms_between(inferred, Clock::now());
  d.noise_level = estimate ? static_cast<float>(mean_of(d.images[1]) * 255.0) : d.params.noise_level;
  return Status::Ok();
}

}  // namespace neuralisp
