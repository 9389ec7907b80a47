// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <cstdint>
#include <memory>

#include "neuralisp/frame.h"
#include "neuralisp/processor.h"
#include "neuralisp/raw.h"
#include "neuralisp/status.h"

namespace neuralisp {

struct DegradeParams {
  float noise = 0.0f;         // additive white Gaussian noise, sigma on the 0-255 scale
  float camera_noise = 0.0f;  // 0..1: shot + read noise of a simulated sensor, added in RAW
  float blur = 0.0f;          // Gaussian blur sigma in pixels (optics)
  int jpeg_quality = 0;       // 1..100: JPEG encode/decode round trip; 0 = none
  std::uint64_t seed = 0;
  RawLevels levels;           // Bayer frames: the sensor's black and white levels
};

// Deterministic synthetic camera degradations, applied in the order a camera would: optics blur,
// sensor noise in RAW (unprocess to linear RGGB, shot + read noise, bilinear demosaic, process
// back), then additive noise and finally compression. The noise of frame n depends only on
// (seed, n), so runs are reproducible frame for frame. No model, no statistics.
//
// Bayer frames are RAW already: camera noise is added to each photosite in linear units between
// the black and white levels (NERDS: isprgb2raw ! ispdegrade camera-noise=... ! ispraw2rgb), and
// `noise` is Gaussian with that sigma on a 0-255 scale of the same range. Blur and JPEG apply to
// RGB frames only.
class Degrader final : public Processor {
 public:
  static Status create(std::unique_ptr<Degrader>& degrader);
  ~Degrader() override;

  // Take effect from the next frame. The frame number picks the noise of the next frame (an
  // element counts every frame, processed or passed through).
  Status set_params(const DegradeParams& params);
  void set_frame_number(std::uint64_t frame_number) noexcept;
  // One output of the input's format and size (and Bayer pattern and depth).
  Status process(const FrameView& input, const std::vector<FrameView>& outputs) override;
  void configure(const RuntimeSettings&) noexcept override {}
  // Back to frame 0.
  void reset() noexcept override;
  Statistics statistics() const noexcept override { return {}; }
  const ModelInfo* model_info() const noexcept override { return nullptr; }

 private:
  struct Impl;
  explicit Degrader(std::unique_ptr<Impl> impl);
  Status degrade(const FrameView& input, const FrameView& output);
  Status degrade_bayer(const FrameView& input, const FrameView& output);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralisp
