// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralisp/enhancer.h"

#include <algorithm>
#include <cmath>

#include "guard.h"
#include "network_input.h"
#include "neuralisp/color.h"

namespace neuralisp {
namespace {

// The signature an enhancement model declares (models/enhance/export.py).
bool is_enhancer(const ModelInfo& info) {
  const MethodSpec* estimate = info.method("estimate");
  return info.task == "enhance" && info.unshuffle == 1 && estimate && estimate->inputs.size() == 2 &&
         estimate->inputs[0].kind == ValueKind::kMap && estimate->inputs[0].channels == 3 &&
         estimate->inputs[1].kind == ValueKind::kVector && estimate->inputs[1].shape == std::vector<int>{4} &&
         estimate->outputs.size() == 3 && estimate->outputs[0].kind == ValueKind::kVector &&
         estimate->outputs[0].shape == std::vector<int>{3} && estimate->outputs[1].kind == ValueKind::kTensor &&
         estimate->outputs[1].shape == std::vector<int>{3, 10} && estimate->outputs[2].kind == ValueKind::kVector &&
         estimate->outputs[2].shape.size() == 1 && estimate->outputs[2].shape[0] >= 2;
}

// The network's view of the frame (models/enhance/net.py: THUMBNAIL_SIDE).
constexpr int kThumbnailSide = 64;
// Frames without a time are taken this far apart.
constexpr double kDefaultFrameSeconds = 1.0 / 30.0;
// Time constants in the smoothing time: an exponential approach covers 99% of a step in ln(100).
// The output lags the view (the parameters respond to it more than linearly): settling the view
// to 95% instead (three time constants), the output of an early model took 0.70 s to come within
// 5% of its final level after a +3 EV step of light, for a smoothing time of 0.5 s; with 99%, 0.47 s.
constexpr double kStepsToSettle = 4.605;

constexpr float kLuma[3] = {0.299f, 0.587f, 0.114f};

bool in_unit_range(float v, float low) { return std::isfinite(v) && v >= low && v <= 1.0f; }

struct ThumbnailStats {
  double luminance = 0.0, chroma = 0.0;
};

ThumbnailStats stats_of(const ImageView& image) {
  ThumbnailStats s;
  for (int y = 0; y < image.height; ++y) {
    const float* row = image.row(y);
    for (int x = 0; x < image.width; ++x) {
      const float* p = row + 3 * x;
      s.luminance += kLuma[0] * p[0] + kLuma[1] * p[1] + kLuma[2] * p[2];
      s.chroma += std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]});
    }
  }
  const double n = static_cast<double>(image.width) * image.height;
  s.luminance /= n;
  s.chroma /= n;
  return s;
}

}  // namespace

EnhanceStyle enhance_preset_style(EnhancePreset preset) noexcept {
  // models/enhance/style.py: PRESETS (the model file lists them in its "presets" field).
  switch (preset) {
    case EnhancePreset::kNatural: return {0.0f, 0.0f, 0.0f, 0.0f};
    case EnhancePreset::kVivid: return {0.1f, 0.35f, 0.7f, 0.0f};
    case EnhancePreset::kWarm: return {0.0f, 0.0f, 0.1f, 0.6f};
    case EnhancePreset::kCool: return {0.0f, 0.0f, 0.0f, -0.6f};
    case EnhancePreset::kLowLight: return {0.8f, -0.1f, 0.2f, 0.0f};
    case EnhancePreset::kFilm: return {0.0f, -0.35f, -0.35f, 0.3f};
    case EnhancePreset::kMono: return {0.0f, 0.2f, -1.0f, 0.0f};
  }
  return {};
}

struct Enhancer::Impl {
  std::unique_ptr<Model> model;
  EnhanceParams params;
  Image frame, thumbnail, smoothed, preview;
  std::vector<Value> outputs;
  bool has_view = false;
  double next_frame_time = NAN, last_frame_time = NAN;
  ColorTransform transform;
  double exposure_ev = 0.0, saturation_change = 1.0;
  double convert_in_ms = 0.0, network_ms = 0.0, transform_ms = 0.0, convert_out_ms = 0.0;

  // The weight of this frame's view in the smoothed one, from the time since the last frame.
  float smoothing_weight() {
    const double now = next_frame_time;
    double elapsed = kDefaultFrameSeconds;
    if (std::isfinite(now) && std::isfinite(last_frame_time)) elapsed = now - last_frame_time;
    last_frame_time = now;
    next_frame_time = NAN;
    if (!has_view || params.smoothing_seconds <= 0.0f || elapsed < 0.0) return 1.0f;
    return static_cast<float>(1.0 - std::exp(-kStepsToSettle * elapsed / params.smoothing_seconds));
  }
};

Enhancer::Enhancer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Enhancer::~Enhancer() = default;

Status Enhancer::create(const EnhancerOptions& options, std::unique_ptr<Enhancer>& enhancer) {
  return guarded("creating the enhancer", [&]() -> Status {
    auto impl = std::make_unique<Impl>();
    Status status = Model::load(options.model, impl->model);
    if (!status.ok()) return status;
    if (!is_enhancer(impl->model->info()))
      return Status::Error(ErrorCode::kInvalidModel, "model '" + options.model.path + "' is a '" +
                                                         impl->model->info().task +
                                                         "' model, not an enhancement model with an estimate method");
    status = impl->thumbnail.resize(kThumbnailSide, kThumbnailSide, 3);
    if (status.ok()) status = impl->smoothed.resize(kThumbnailSide, kThumbnailSide, 3);
    if (status.ok()) status = impl->preview.resize(kThumbnailSide, kThumbnailSide, 3);
    if (!status.ok()) return status;
    enhancer.reset(new Enhancer(std::move(impl)));
    enhancer->configure(options.runtime);
    return Status::Ok();
  });
}

Status Enhancer::set_params(const EnhanceParams& params) {
  const EnhanceStyle& s = params.style;
  for (float v : {s.exposure, s.contrast, s.saturation, s.warmth})
    if (!in_unit_range(v, -1.0f))
      return Status::Error(ErrorCode::kInvalidArgument, "style coefficients must lie in -1..1");
  if (!in_unit_range(params.strength, 0.0f))
    return Status::Error(ErrorCode::kInvalidArgument, "strength must lie in 0..1");
  if (!std::isfinite(params.smoothing_seconds) || params.smoothing_seconds < 0.0f)
    return Status::Error(ErrorCode::kInvalidArgument, "the smoothing time must be 0 or more seconds");
  impl_->params = params;
  return Status::Ok();
}

void Enhancer::set_frame_time(double seconds) noexcept { impl_->next_frame_time = seconds; }

// The enhancer never tiles (the network sees a thumbnail): only the threads apply.
void Enhancer::configure(const RuntimeSettings& settings) noexcept { impl_->model->set_threads(settings.threads); }

void Enhancer::reset() noexcept {
  Impl& e = *impl_;
  e.has_view = false;
  e.next_frame_time = e.last_frame_time = NAN;
  e.exposure_ev = 0.0;
  e.saturation_change = 1.0;
  e.convert_in_ms = e.network_ms = e.transform_ms = e.convert_out_ms = 0.0;
}

Statistics Enhancer::statistics() const noexcept {
  try {
    const Impl& e = *impl_;
    const ColorTransform& t = e.transform;
    return {{"exposure-ev", e.exposure_ev},
            {"red-gain", t.gains[0] / t.gains[1]},
            {"blue-gain", t.gains[2] / t.gains[1]},
            {"saturation-change", e.saturation_change},
            {"convert-in-ms", e.convert_in_ms},
            {"network-ms", e.network_ms},
            {"transform-ms", e.transform_ms},
            {"convert-out-ms", e.convert_out_ms}};
  } catch (...) {
    return {};
  }
}

const ModelInfo* Enhancer::model_info() const noexcept { return &impl_->model->info(); }

Status Enhancer::process(const FrameView& input, const std::vector<FrameView>& outputs) {
  if (outputs.size() != 1) return Status::Error(ErrorCode::kInvalidArgument, "the enhancer writes one output frame");
  const FrameView& output = outputs[0];
  if (input.format == PixelFormat::kBayer8 || input.format == PixelFormat::kBayer16 ||
      output.format == PixelFormat::kBayer8 || output.format == PixelFormat::kBayer16)
    return Status::Error(ErrorCode::kUnsupported, "the enhancer takes RGB or YUV frames, not Bayer mosaics");
  if (input.width != output.width || input.height != output.height)
    return Status::Error(ErrorCode::kInvalidArgument, "input and output frames differ in size");
  return guarded("enhancing a frame", [&] { return impl_->model->run_job([&] { return enhance(input, output); }); });
}

Status Enhancer::enhance(const FrameView& input, const FrameView& output) {
  Impl& e = *impl_;
  const Clock::time_point start = Clock::now();
  Status status = frame_to_network_input(input, e.model->info(), e.frame);
  if (!status.ok()) return status;
  const Clock::time_point converted = Clock::now();

  // The network's view: the frame area-averaged to 64x64, smoothed over frame time.
  status = resize_image(e.frame.view(), e.thumbnail.view());
  if (!status.ok()) return status;
  const float weight = e.smoothing_weight();
  const ImageView now = e.thumbnail.view(), view = e.smoothed.view();
  for (int y = 0; y < kThumbnailSide; ++y) {
    const float* n = now.row(y);
    float* s = view.row(y);
    for (int x = 0; x < 3 * kThumbnailSide; ++x) s[x] = weight >= 1.0f ? n[x] : s[x] + weight * (n[x] - s[x]);
  }
  e.has_view = true;
  const EnhanceStyle& style = e.params.style;
  status = e.model->run("estimate",
                        {Value::of_image(view, ValueKind::kMap),
                         Value::of_vector({style.exposure, style.contrast, style.saturation, style.warmth})},
                        e.outputs);
  if (!status.ok()) return status;

  // The estimate, moved toward the identity by 1 - strength.
  const float k = e.params.strength;
  const ColorTransform identity;
  ColorTransform& t = e.transform;
  for (int i = 0; i < 3; ++i) t.gains[i] = identity.gains[i] + k * (e.outputs[0].values[i] - identity.gains[i]);
  for (int i = 0; i < 30; ++i) t.matrix[i] = identity.matrix[i] + k * (e.outputs[1].values[i] - identity.matrix[i]);
  const std::vector<float>& tone = e.outputs[2].values;
  t.tone.resize(tone.size());
  for (std::size_t i = 0; i < tone.size(); ++i) {
    const float straight = static_cast<float>(i) / static_cast<float>(tone.size() - 1);
    t.tone[i] = straight + k * (tone[i] - straight);
  }
  // What the parameters do to the scene, for the statistics: the smoothed view transformed.
  std::copy(view.data, view.data + 3 * kThumbnailSide * kThumbnailSide, e.preview.view().data);
  status = apply_color_transform(t, e.preview.view(), 1);
  if (!status.ok()) return status;
  const ThumbnailStats before = stats_of(view), after = stats_of(e.preview.view());
  e.exposure_ev = std::log2(std::max(after.luminance, 1e-4) / std::max(before.luminance, 1e-4));
  e.saturation_change = after.chroma / std::max(before.chroma, 1e-4);
  const Clock::time_point estimated = Clock::now();

  status = apply_color_transform(t, e.frame.view(), 1);
  if (!status.ok()) return status;
  const Clock::time_point transformed = Clock::now();
  status = image_to_frame(e.frame.view(), output, 1, &input);
  if (!status.ok()) return status;
  e.convert_in_ms = ms_between(start, converted);
  e.network_ms = ms_between(converted, estimated);
  e.transform_ms = ms_between(estimated, transformed);
  e.convert_out_ms = ms_between(transformed, Clock::now());
  return Status::Ok();
}

}  // namespace neuralisp
