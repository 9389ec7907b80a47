// SPDX-License-Identifier: LGPL-2.1-or-later
#include <algorithm>
#include <cmath>

#include "bayer.h"
#include "guard.h"
#include "network_input.h"
#include "neuralisp/color.h"
#include "neuralisp/raw.h"
#include "tiling.h"

namespace neuralisp {
namespace {

// The signature a neural ISP model declares (models/raw/export.py).
bool is_raw_renderer(const ModelInfo& info) {
  const MethodSpec* demosaic = info.method("demosaic");
  const MethodSpec* color = info.method("color");
  return info.task == "raw2rgb" && info.unshuffle == 2 && demosaic && color && demosaic->inputs.size() == 1 &&
         demosaic->inputs[0].kind == ValueKind::kImage && demosaic->inputs[0].channels == 1 &&
         demosaic->inputs[0].scale == 1.0f && demosaic->outputs.size() == 1 &&
         demosaic->outputs[0].kind == ValueKind::kImage && demosaic->outputs[0].channels == 3 &&
         demosaic->outputs[0].scale == 1.0f && color->inputs.size() == 1 && color->inputs[0].kind == ValueKind::kMap &&
         color->inputs[0].channels == 3 && color->outputs.size() == 2 && color->outputs[0].kind == ValueKind::kVector &&
         color->outputs[0].shape == std::vector<int>{3} && color->outputs[1].kind == ValueKind::kTensor &&
         color->outputs[1].shape == std::vector<int>{3, 10};
}

// The global network's view of the frame: a fixed-size copy, so that its cost does not depend on
// the frame's and it always sees the whole frame, whatever the tiling of the demosaic.
constexpr int kThumbnailSide = 64;

// The estimate follows the frames with this weight per frame (a time constant of about 6
// frames): a light change settles within a quarter second at 25 fps, and the frame-to-frame
// jitter of the estimate does not show as colour flicker.
constexpr float kColorSmoothing = 0.15f;

}  // namespace

struct RawRenderer::Impl {
  std::unique_ptr<Model> model;
  RuntimeSettings runtime;
  RawRenderParams params;
  Image mosaic, mosaic_thumbnail, thumbnail, oriented;
  Tiler tiler;
  std::vector<Value> outputs, color_outputs;
  std::vector<ImageView> images;
  // The smoothed estimate of the global network: gains and the 3x10 transform.
  bool has_estimate = false;
  std::array<float, 3> gains{1.0f, 1.0f, 1.0f};
  std::array<float, 30> matrix{};
  ColorTransform transform;
  double convert_in_ms = 0.0, demosaic_ms = 0.0, color_ms = 0.0, convert_out_ms = 0.0;
};

RawRenderer::RawRenderer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RawRenderer::~RawRenderer() = default;

Status RawRenderer::create(const RawRendererOptions& options, std::unique_ptr<RawRenderer>& renderer) {
  return guarded("creating the RAW renderer", [&]() -> Status {
    auto impl = std::make_unique<Impl>();
    Status status = Model::load(options.model, impl->model);
    if (!status.ok()) return status;
    if (!is_raw_renderer(impl->model->info()))
      return Status::Error(ErrorCode::kInvalidModel, "model '" + options.model.path + "' is a '" +
                                                         impl->model->info().task +
                                                         "' model, not a RAW renderer with demosaic and color methods");
    impl->transform.tone = camera_tone_curve();
    renderer.reset(new RawRenderer(std::move(impl)));
    renderer->configure(options.runtime);
    return Status::Ok();
  });
}

Status RawRenderer::set_params(const RawRenderParams& params) {
  const Status status = check_camera(params.white_balance, params.color_matrix, false);
  if (!status.ok()) return status;
  impl_->params = params;
  return Status::Ok();
}

void RawRenderer::configure(const RuntimeSettings& settings) noexcept {
  impl_->runtime = settings;
  impl_->model->set_threads(settings.threads);
}

void RawRenderer::reset() noexcept {
  impl_->has_estimate = false;
  impl_->convert_in_ms = impl_->demosaic_ms = impl_->color_ms = impl_->convert_out_ms = 0.0;
}

Statistics RawRenderer::statistics() const noexcept {
  try {
    const Impl& r = *impl_;
    const bool full = r.params.rendering == RawRendering::kFull;
    const float green = full ? r.transform.gains[1] : 1.0f;
    return {{"red-gain", full ? r.transform.gains[0] / green : 1.0},
            {"blue-gain", full ? r.transform.gains[2] / green : 1.0},
            {"auto-white-balance", full && r.params.white_balance.empty() ? 1.0 : 0.0},
            {"convert-in-ms", r.convert_in_ms},
            {"demosaic-ms", r.demosaic_ms},
            {"color-ms", r.color_ms},
            {"convert-out-ms", r.convert_out_ms}};
  } catch (...) {
    return {};
  }
}

const ModelInfo* RawRenderer::model_info() const noexcept { return &impl_->model->info(); }

Status RawRenderer::process(const FrameView& input, const std::vector<FrameView>& outputs) {
  if (outputs.size() != 1)
    return Status::Error(ErrorCode::kInvalidArgument, "the RAW renderer writes one output frame");
  const FrameView& output = outputs[0];
  if (input.format != PixelFormat::kBayer8 && input.format != PixelFormat::kBayer16)
    return Status::Error(ErrorCode::kUnsupported, "the RAW renderer takes Bayer frames");
  if (packed_pixel_bytes(output.format) == 0)
    return Status::Error(ErrorCode::kUnsupported, "the RAW renderer writes packed RGB frames (RGB, BGRx, ...)");
  if (input.width != output.width || input.height != output.height)
    return Status::Error(ErrorCode::kInvalidArgument, "input and output frames differ in size");
  return guarded("rendering a RAW frame", [&] { return impl_->model->run_job([&] { return render(input, output); }); });
}

Status RawRenderer::render(const FrameView& input, const FrameView& output) {
  Impl& r = *impl_;
  const ModelInfo& info = r.model->info();
  const Clock::time_point start = Clock::now();
  const SensorLevels levels = sensor_levels(r.params.levels, input);
  const int align = info.alignment;
  const auto round_up = [align](int value) { return (value + align - 1) / align * align; };
  const int cells_x = input.width / 2, cells_y = input.height / 2;
  Status status = r.mosaic.resize(round_up(input.width) / 2, round_up(input.height) / 2, 4);
  if (!status.ok()) return status;
  status = bayer_to_rggb_mosaic(input, levels, r.mosaic.view());
  if (!status.ok()) return status;
  const Clock::time_point converted = Clock::now();

  const bool full = r.params.rendering == RawRendering::kFull;
  const bool estimate = full && (r.params.white_balance.empty() || r.params.color_matrix.empty());
  if (estimate) {
    // The global stage on a small copy of the mosaic (R, mean G, B).
    status = r.mosaic_thumbnail.resize(kThumbnailSide, kThumbnailSide, 4);
    if (status.ok()) status = r.thumbnail.resize(kThumbnailSide, kThumbnailSide, 3);
    if (status.ok()) status = resize_image(crop(r.mosaic.view(), 0, 0, cells_x, cells_y), r.mosaic_thumbnail.view());
    if (!status.ok()) return status;
    const ImageView from = r.mosaic_thumbnail.view(), to = r.thumbnail.view();
    for (int y = 0; y < kThumbnailSide; ++y)
      for (int x = 0; x < kThumbnailSide; ++x) {
        const float* s = from.row(y) + 4 * x;
        float* d = to.row(y) + 3 * x;
        d[0] = s[0];
        d[1] = 0.5f * (s[1] + s[2]);
        d[2] = s[3];
      }
    status = r.model->run("color", {Value::of_image(to, ValueKind::kMap)}, r.color_outputs);
    if (!status.ok()) return status;
    const std::vector<float>& gains = r.color_outputs[0].values;
    const std::vector<float>& matrix = r.color_outputs[1].values;
    const float k = r.has_estimate ? kColorSmoothing : 1.0f;
    for (int i = 0; i < 3; ++i) r.gains[i] += k * (gains[i] - r.gains[i]);
    for (int i = 0; i < 30; ++i) r.matrix[i] += k * (matrix[i] - r.matrix[i]);
    r.has_estimate = true;
  }
  if (full) {
    ColorTransform& t = r.transform;
    if (r.params.white_balance.empty())
      std::copy(r.gains.begin(), r.gains.end(), t.gains.begin());
    else
      std::copy(r.params.white_balance.begin(), r.params.white_balance.end(), t.gains.begin());
    if (r.params.color_matrix.empty()) {
      t.matrix = r.matrix;
    } else {
      t.matrix.fill(0.0f);
      for (int row = 0; row < 3; ++row)
        for (int col = 0; col < 3; ++col) t.matrix[10 * row + col] = r.params.color_matrix[3 * row + col];
    }
  }
  const Clock::time_point colored = Clock::now();

  const TileFunction run_tile = [&r](const ImageView& tile, std::vector<ImageView>& images) -> Status {
    Status s = r.model->run("demosaic", {Value::of_image(tile)}, r.outputs);
    if (!s.ok()) return s;
    images.assign({r.outputs[0].image});
    return Status::Ok();
  };
  status = r.tiler.run(r.mosaic.view(), {2, align, info.overlap, r.runtime.tile_size}, run_tile, &r.images);
  if (!status.ok()) return status;
  const Clock::time_point demosaiced = Clock::now();

  // Back to the frame's orientation, then the colour transform in place and the frame written.
  const CellMirror mirror = rggb_mirror(input.bayer);
  ImageView rgb = crop(r.images[0], 0, 0, cells_x, cells_y);
  if (mirror.columns || mirror.rows) {
    status = r.oriented.resize(cells_x, cells_y, 12);
    if (!status.ok()) return status;
    rggb_to_frame_orientation(r.images[0], mirror, r.oriented.view());
    rgb = r.oriented.view();
  }
  if (full) {
    status = apply_color_transform(r.transform, rgb, 2);
    if (!status.ok()) return status;
  }
  status = image_to_frame(rgb, output, 2);
  if (!status.ok()) return status;
  r.convert_in_ms = ms_between(start, converted);
  r.color_ms = ms_between(converted, colored);
  r.demosaic_ms = ms_between(colored, demosaiced);
  r.convert_out_ms = ms_between(demosaiced, Clock::now());
  return Status::Ok();
}

}  // namespace neuralisp
