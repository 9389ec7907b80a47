// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <memory>

#include "neuralisp/frame.h"
#include "neuralisp/model.h"
#include "neuralisp/processor.h"
#include "neuralisp/status.h"

namespace neuralisp {

struct DenoiserOptions {
  ModelOptions model;
  RuntimeSettings runtime;
};

struct DenoiseParams {
  float noise_level = -1.0f;  // sigma on the 0-255 scale; negative: estimate it from the frame
  float strength = 1.0f;      // multiplies the noise level the network is conditioned on
  // Video: average each pixel over the frames in which it stayed still (restarting where the
  // scene moves), and denoise that average for the noise left in it. Frames must follow each
  // other; reset() starts again (a flush, a seek, a cut).
  bool temporal = false;
};

// Camera-noise removal for frames in any supported RGB or YUV format (see FrameView): converts
// straight into the model's input layout (padding to its alignment), runs the network (tiled
// when the frame is large) and writes the result straight into the output frame.
// Statistics: "noise-level" (sigma 0-255, estimated or given), "estimated" (1 or 0), "strength".
class Denoiser final : public Processor {
 public:
  static Status create(const DenoiserOptions& options, std::unique_ptr<Denoiser>& denoiser);
  ~Denoiser() override;

  // Takes effect from the next frame.
  Status set_params(const DenoiseParams& params);
  // One output of the input's format and size (it may be the input's memory only for formats
  // without subsampled chroma).
  Status process(const FrameView& input, const std::vector<FrameView>& outputs) override;
  void configure(const RuntimeSettings& settings) noexcept override;
  // Forgets the temporal average (the next frame is denoised alone) and the statistics.
  void reset() noexcept override;
  Statistics statistics() const noexcept override;
  const ModelInfo* model_info() const noexcept override;
  // The noise level (sigma 0-255) of the last frame, estimated or given.
  float noise_level() const noexcept;
  // Whether the model can denoise over time (DenoiseParams::temporal): it has the estimate()
  // and denoise_map() methods of the bundled models.
  bool can_denoise_over_time() const noexcept;

 private:
  struct Impl;
  explicit Denoiser(std::unique_ptr<Impl> impl);
  Status denoise(const FrameView& input, const FrameView& output);
  Status denoise_over_time(bool estimate);
  Status denoise_alone(bool estimate);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralisp
