// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "neuralisp/frame.h"
#include "neuralisp/model.h"
#include "neuralisp/status.h"

namespace neuralisp {

// Settings every processor takes that change rarely: applied once when they change, not with
// every frame.
struct RuntimeSettings {
  int threads = 0;    // inference threads; 0 = automatic (see ModelOptions::threads)
  int tile_size = 0;  // largest tile side in pixels; 0 = automatic (1920: a 1080p frame runs whole)
};

// Plain key/value statistics about the last frame, for an element to post or an app to show.
using Statistics = std::vector<std::pair<std::string, double>>;

// What every element holds: frames in, frames out, state that can be reset. Implementations
// (Denoiser, Degrader, ...) add their own per-frame parameters. No method throws.
class Processor {
 public:
  virtual ~Processor() = default;
  // Processes one frame into the outputs the processor's contract names (one for a filter).
  virtual Status process(const FrameView& input, const std::vector<FrameView>& outputs) = 0;
  virtual void configure(const RuntimeSettings& settings) noexcept = 0;
  // Forgets what was carried from earlier frames (temporal state, estimates, frame counters);
  // elements call it on flush, discontinuity and caps changes.
  virtual void reset() noexcept = 0;
  virtual Statistics statistics() const noexcept = 0;
  // The model it runs (nullptr for processors without one), e.g. to report its precision.
  virtual const ModelInfo* model_info() const noexcept = 0;
};

}  // namespace neuralisp
