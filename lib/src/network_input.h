// SPDX-License-Identifier: LGPL-2.1-or-later
// What every image processor does before its network runs, and how it times its stages.
#pragma once

#include <chrono>

#include "neuralisp/frame.h"
#include "neuralisp/image.h"
#include "neuralisp/model.h"
#include "neuralisp/status.h"

namespace neuralisp {

// Converts `frame` straight into the model's input layout (pixel-unshuffled by info.unshuffle),
// padded to its alignment by repeating the last column and row; `image` is reused across frames.
Status frame_to_network_input(const FrameView& frame, const ModelInfo& info, Image& image);

using Clock = std::chrono::steady_clock;
inline double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace neuralisp
