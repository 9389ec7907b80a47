// SPDX-License-Identifier: LGPL-2.1-or-later
#include "network_input.h"

namespace neuralisp {

Status frame_to_network_input(const FrameView& frame, const ModelInfo& info, Image& image) {
  const int u = info.unshuffle, align = info.alignment;
  const auto round_up = [align](int value) { return (value + align - 1) / align * align; };
  Status status = image.resize(round_up(frame.width) / u, round_up(frame.height) / u, 3 * u * u);
  if (!status.ok()) return status;
  return frame_to_image(frame, image.view(), u);
}

}  // namespace neuralisp
