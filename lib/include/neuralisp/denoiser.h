// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <memory>

#include "neuralisp/frame.h"
#include "neuralisp/model.h"
#include "neuralisp/status.h"

namespace neuralisp {

struct DenoiserOptions {
  ModelOptions model;
  // Largest tile side in pixels. Frames larger than this are processed in overlapping tiles
  // blended across the overlap, which bounds memory. 0 picks a size that keeps a 720p frame whole.
  int tile_size = 0;
};

struct DenoiseParams {
  float noise_level = -1.0f;  // sigma on the 0-255 scale; negative: estimate it from the frame
  float strength = 1.0f;      // multiplies the noise level the network is conditioned on
};

struct DenoiseResult {
  float noise_level = 0.0f;  // mean sigma (0-255) that was estimated, or the one given
};

// Camera-noise removal for frames in any supported format (see FrameView): converts, pads to the
// model's alignment, runs the network (tiled when the frame is large) and converts back.
class Denoiser {
 public:
  static Status create(const DenoiserOptions& options, std::unique_ptr<Denoiser>& denoiser);
  ~Denoiser();

  // `output` must have the same format and size as `input` (it may be the same memory only for
  // formats without subsampled chroma). Bayer formats are refused.
  Status process(const FrameView& input, const FrameView& output, const DenoiseParams& params,
                 DenoiseResult* result = nullptr);
  void set_threads(int threads);
  void set_tile_size(int tile_size);

 private:
  static Status create_unguarded(const DenoiserOptions& options, std::unique_ptr<Denoiser>& denoiser);
  Status denoise(const FrameView& input, const FrameView& output, const DenoiseParams& params,
                 DenoiseResult* result);
  struct Impl;
  explicit Denoiser(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralisp
