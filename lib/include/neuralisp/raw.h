// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <memory>
#include <vector>

#include "neuralisp/frame.h"
#include "neuralisp/model.h"
#include "neuralisp/processor.h"
#include "neuralisp/status.h"

namespace neuralisp {

// How a sensor's code values relate to light. Negative = the format's default: black 0, white
// the largest code of the frame's bit depth.
struct RawLevels {
  float black_level = -1.0f;
  float white_level = -1.0f;
};

enum class RawRendering {
  kFull,      // the neural ISP: demosaic and denoise, white balance, colour and tone (sRGB out)
  kDemosaic,  // demosaic and denoise only, in the mosaic's own colours and tone (as bayer2rgb)
};

struct RawRenderParams {
  RawRendering rendering = RawRendering::kFull;
  RawLevels levels;
  // Empty: estimated by the network from the frame (auto white balance, colour matrix).
  std::vector<float> white_balance;  // 3 gains, R G B
  std::vector<float> color_matrix;   // 9 values, row-major
};

struct RawRendererOptions {
  ModelOptions model;
  RuntimeSettings runtime;
};

// A neural ISP (models/raw/README.md, after DeepISP): Bayer frames in, RGB frames out. A low-level
// network demosaics and denoises the mosaic at half resolution (tiled for large frames); a global
// network looks at a small copy of the frame and estimates the white balance and a colour
// transform, smoothed over frames so that video does not flicker; the transform and the tone
// curve are then applied per pixel in C++ (ColorTransform).
class RawRenderer final : public Processor {
 public:
  static Status create(const RawRendererOptions& options, std::unique_ptr<RawRenderer>& renderer);
  ~RawRenderer() override;

  // Take effect from the next frame.
  Status set_params(const RawRenderParams& params);
  // A Bayer input (even width and height), one RGB-family output of the same size.
  Status process(const FrameView& input, const std::vector<FrameView>& outputs) override;
  void configure(const RuntimeSettings& settings) noexcept override;
  // Forgets the smoothed white balance and colour estimate.
  void reset() noexcept override;
  // "red-gain", "blue-gain" (white balance used, green = 1), "auto-white-balance" (1 or 0), and
  // where the time went: "convert-in-ms", "demosaic-ms", "color-ms", "convert-out-ms".
  Statistics statistics() const noexcept override;
  const ModelInfo* model_info() const noexcept override;

 private:
  struct Impl;
  explicit RawRenderer(std::unique_ptr<Impl> impl);
  Status render(const FrameView& input, const FrameView& output);
  std::unique_ptr<Impl> impl_;
};

struct RawSynthesizeParams {
  RawLevels levels;
  // The camera the RAW is made for, as a renderer would undo it: white-balance gains (R G B)
  // and the colour matrix from balanced camera RGB to linear sRGB. Empty = the model's defaults.
  std::vector<float> white_balance;
  std::vector<float> color_matrix;
};

struct RawSynthesizerOptions {
  ModelOptions model;
  RuntimeSettings runtime;
};

// A reverse ISP (models/raw/README.md, after RST-ISP-Net and unprocessing): RGB frames in, RAW
// Bayer frames out. The inverse steps that are known stay explicit in the model (tone curve,
// gamma, colour matrix, white balance); a small network learns what they miss; the mosaic is
// sampled in C++ for whatever pattern and bit depth the output frame has.
class RawSynthesizer final : public Processor {
 public:
  static Status create(const RawSynthesizerOptions& options, std::unique_ptr<RawSynthesizer>& synthesizer);
  ~RawSynthesizer() override;

  Status set_params(const RawSynthesizeParams& params);
  // An RGB or YUV input, one Bayer output of the same (even) size.
  Status process(const FrameView& input, const std::vector<FrameView>& outputs) override;
  void configure(const RuntimeSettings& settings) noexcept override;
  void reset() noexcept override;
  // "convert-in-ms", "network-ms", "convert-out-ms".
  Statistics statistics() const noexcept override;
  const ModelInfo* model_info() const noexcept override;
  // The white balance and colour matrix the model uses when none are given.
  std::vector<float> default_white_balance() const;
  std::vector<float> default_color_matrix() const;

 private:
  struct Impl;
  explicit RawSynthesizer(std::unique_ptr<Impl> impl);
  Status synthesize(const FrameView& input, const FrameView& output);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralisp
