// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <cstddef>
#include <cstdint>

namespace neuralisp {

// Pixel layouts the library converts to and from. Names follow GStreamer's: the letters give the
// byte order in memory, x is an ignored byte and A an alpha byte (kept from input to output).
enum class PixelFormat {
  kRGB, kBGR, kRGBx, kBGRx, kxRGB, kxBGR, kRGBA, kBGRA, kARGB, kABGR,
  kI420, kNV12, kYUY2,
  kBayer8,   // one byte per photosite, pattern in FrameView::bayer
  kBayer16,  // one little-endian uint16 per photosite, significant bits in FrameView::bayer_bits
};

enum class BayerPattern { kRGGB, kBGGR, kGRBG, kGBRG };

// Y'CbCr encoding of the YUV formats.
enum class YuvMatrix { kBT601, kBT709 };
struct Colorimetry {
  YuvMatrix matrix = YuvMatrix::kBT601;
  bool full_range = false;
};

// A frame in caller-owned memory: up to three planes, each with its own stride in bytes.
// Nothing is copied or freed through a view.
struct FrameView {
  PixelFormat format = PixelFormat::kRGB;
  int width = 0;
  int height = 0;
  std::uint8_t* planes[3] = {nullptr, nullptr, nullptr};
  std::ptrdiff_t strides[3] = {0, 0, 0};
  Colorimetry colorimetry;
  BayerPattern bayer = BayerPattern::kRGGB;
  int bayer_bits = 8;
};

// Number of planes a format uses.
int plane_count(PixelFormat format);
// Bytes per pixel of an interleaved plane-0 layout (0 for planar/subsampled formats).
int packed_pixel_bytes(PixelFormat format);

}  // namespace neuralisp
