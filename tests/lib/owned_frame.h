// SPDX-License-Identifier: LGPL-2.1-or-later
// A frame in owned memory for the library's tests and fuzzer: each plane its own allocation of
// exactly stride x rows bytes (so that AddressSanitizer sees any access past it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <array>
#include <random>
#include <vector>

#include <neuralisp/frame.h>

namespace neuralisp::test_support {

// The bytes a row of each plane holds and the plane's rows, for a frame of this format and size.
inline void plane_geometry(PixelFormat format, int width, int height, std::ptrdiff_t bytes[3], std::ptrdiff_t rows[3]) {
  const int cw = (width + 1) / 2, ch = (height + 1) / 2;
  bytes[0] = bytes[1] = bytes[2] = 0;
  rows[0] = height;
  rows[1] = rows[2] = 0;
  switch (format) {
    case PixelFormat::kI420: bytes[0] = width; bytes[1] = bytes[2] = cw; rows[1] = rows[2] = ch; break;
    case PixelFormat::kNV12: bytes[0] = width; bytes[1] = 2 * cw; rows[1] = ch; break;
    case PixelFormat::kYUY2: bytes[0] = 4 * cw; break;
    case PixelFormat::kBayer8: bytes[0] = width; break;
    case PixelFormat::kBayer16: bytes[0] = 2 * width; break;
    default: bytes[0] = static_cast<std::ptrdiff_t>(packed_pixel_bytes(format)) * width; break;
  }
}

struct OwnedFrame {
  std::vector<std::uint8_t> memory[3];
  FrameView view;

  // `padding[p]` bytes after each row of plane p, filled with `fill` like the rest.
  OwnedFrame(PixelFormat format, int width, int height, const std::array<int, 3>& padding, std::uint8_t fill = 0) {
    view.format = format;
    view.width = width;
    view.height = height;
    std::ptrdiff_t bytes[3], rows[3];
    plane_geometry(format, width, height, bytes, rows);
    for (int p = 0; p < plane_count(format); ++p) {
      view.strides[p] = bytes[p] + padding[p];
      memory[p].assign(view.strides[p] * rows[p], fill);
      view.planes[p] = memory[p].data();
    }
  }
  OwnedFrame(PixelFormat format, int width, int height, int padding = 0)
      : OwnedFrame(format, width, height, {padding, padding, padding}) {}

  void fill_random(unsigned seed) {
    std::mt19937 rng(seed);
    for (auto& m : memory)
      for (auto& b : m) b = static_cast<std::uint8_t>(rng());
  }
};

}  // namespace neuralisp::test_support
