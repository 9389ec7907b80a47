// SPDX-License-Identifier: LGPL-2.1-or-later
// The frame checks every RGB/YUV processor makes before it works.
#pragma once

#include <string>
#include <vector>

#include "neuralisp/frame.h"
#include "neuralisp/status.h"

namespace neuralisp {

// `outputs` must be `count` frames of the input's format and size, and the input RGB or YUV.
inline Status check_rgb_frames(const FrameView& input, const std::vector<FrameView>& outputs, std::size_t count,
                               const char* processor) {
  if (outputs.size() != count)
    return Status::Error(ErrorCode::kInvalidArgument, std::string("the ") + processor + " writes " +
                                                          std::to_string(count) + " output frame(s) here, got " +
                                                          std::to_string(outputs.size()));
  for (const FrameView& output : outputs)
    if (input.format != output.format || input.width != output.width || input.height != output.height)
      return Status::Error(ErrorCode::kInvalidArgument, "input and output frames differ in format or size");
  if (input.format == PixelFormat::kBayer8 || input.format == PixelFormat::kBayer16)
    return Status::Error(ErrorCode::kUnsupported, std::string("the ") + processor + " takes RGB or YUV frames, not Bayer");
  return Status::Ok();
}

}  // namespace neuralisp
