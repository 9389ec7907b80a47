// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <memory>

#include "neuralisp/frame.h"
#include "neuralisp/model.h"
#include "neuralisp/processor.h"
#include "neuralisp/status.h"

namespace neuralisp {

// A look, as coefficients in -1..1 of the model's style space (models/enhance/README.md); all 0
// is the natural rendering: exposure, white balance, tone and colour corrected, nothing added.
struct EnhanceStyle {
  float exposure = 0.0f;    // + lifts a dark scene toward a bright key, - lowers a bright one
  float contrast = 0.0f;    // tone bent around the scene's own mean luminance
  float saturation = 0.0f;  // + adds colour where the scene has little, -1 is monochrome
  float warmth = 0.0f;      // + warmer (red up, blue down), - cooler
};

// Named looks: points in the style space the model was trained on.
enum class EnhancePreset { kNatural, kVivid, kWarm, kCool, kLowLight, kFilm, kMono };
EnhanceStyle enhance_preset_style(EnhancePreset preset) noexcept;

struct EnhanceParams {
  EnhanceStyle style;
  // How far the output moves from the input toward the style's rendering: 0 leaves frames
  // unchanged, 1 applies the estimated parameters fully.
  float strength = 1.0f;
  // Time for the network's view of the scene to settle (to 99%) after the scene changes, in
  // seconds of frame time; 0 = every frame on its own.
  float smoothing_seconds = 0.5f;
};

struct EnhancerOptions {
  ModelOptions model;
  RuntimeSettings runtime;
};

// Controllable enhancement (models/enhance/README.md): a network looks at a 64x64 copy of the
// frame and the style and predicts ISP parameters (white-balance and exposure gains, a 3x10
// quadratic colour transform, a tone curve), which are applied to every pixel in C++
// (ColorTransform), so the frame's cost does not depend on the network. On video the network's
// view of the scene is smoothed over time, so the parameters follow light changes without
// flicker while a change of style takes effect on the next frame.
class Enhancer final : public Processor {
 public:
  static Status create(const EnhancerOptions& options, std::unique_ptr<Enhancer>& enhancer);
  ~Enhancer() override;

  // Take effect from the next frame. Coefficients must lie in -1..1, strength in 0..1.
  Status set_params(const EnhanceParams& params);
  // The presentation time of the next frame, in seconds, for the smoothing's time constant;
  // without one, frames are taken as 1/30 s apart. A step back in time restarts the smoothing.
  void set_frame_time(double seconds) noexcept;
  // An RGB-family or YUV frame in, one frame of the same format and size out.
  Status process(const FrameView& input, const std::vector<FrameView>& outputs) override;
  void configure(const RuntimeSettings& settings) noexcept override;
  // Forgets the smoothed view of the scene.
  void reset() noexcept override;
  // What was applied to the last frame: "exposure-ev" (the change of the scene's mean luminance,
  // in stops), "red-gain" and "blue-gain" (white balance, green = 1), "saturation-change"
  // (output over input mean chroma), and where the time went: "convert-in-ms", "network-ms",
  // "transform-ms", "convert-out-ms".
  Statistics statistics() const noexcept override;
  const ModelInfo* model_info() const noexcept override;

 private:
  struct Impl;
  explicit Enhancer(std::unique_ptr<Impl> impl);
  Status enhance(const FrameView& input, const FrameView& output);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralisp
