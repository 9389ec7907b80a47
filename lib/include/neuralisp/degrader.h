// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <cstdint>
#include <memory>

#include "neuralisp/frame.h"
#include "neuralisp/status.h"

namespace neuralisp {

struct DegradeParams {
  float noise = 0.0f;         // additive white Gaussian noise, sigma on the 0-255 scale
  float camera_noise = 0.0f;  // 0..1: shot + read noise of a simulated sensor, added in RAW
  float blur = 0.0f;          // Gaussian blur sigma in pixels (optics)
  int jpeg_quality = 0;       // 1..100: JPEG encode/decode round trip; 0 = none
  std::uint64_t seed = 0;
};

// Deterministic synthetic camera degradations, applied in the order a camera would: optics blur,
// sensor noise in RAW (unprocess to linear RGGB, shot + read noise, bilinear demosaic, process
// back), then additive noise and finally compression. The noise of frame n depends only on
// (seed, n), so runs are reproducible frame for frame.
class Degrader {
 public:
  Degrader();
  ~Degrader();
  Status process(const FrameView& input, const FrameView& output, const DegradeParams& params,
                 std::uint64_t frame_number);

 private:
  Status degrade(const FrameView& input, const FrameView& output, const DegradeParams& params,
                 std::uint64_t frame_number);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralisp
