// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <cstddef>
#include <vector>

#include "neuralisp/frame.h"
#include "neuralisp/status.h"

namespace neuralisp {

// Float pixels, channels interleaved (HWC), values nominally in 0..1. This is the layout the
// networks take as channels-last tensors, so a frame converts into it once and is used in place.
struct ImageView {
  float* data = nullptr;
  int width = 0;
  int height = 0;
  int channels = 0;
  std::ptrdiff_t row_stride = 0;  // in floats

  float* row(int y) const { return data + y * row_stride; }
};

// An owning image whose storage is reused across frames of the same size (no per-frame
// allocation once the stream is running).
class Image {
 public:
  void resize(int width, int height, int channels);
  ImageView view() const { return view_; }
  int width() const { return view_.width; }
  int height() const { return view_.height; }
  int channels() const { return view_.channels; }

 private:
  std::vector<float> storage_;
  ImageView view_;
};

// Frame <-> image conversion honouring strides. RGB-family and YUV formats give 3 channels
// (R, G, B; YUV decoded with the frame's colorimetry and not clipped, so that a round trip is
// exact); Bayer formats give 4 channels at half resolution in the order R, G1 (green on red
// rows), G2, B whatever the pattern, normalised by 2^bayer_bits - 1. Odd sizes are supported:
// chroma and Bayer cells at the right and bottom edges cover the pixels that exist.
// `image` must have the size image_size_for() gives; it may be a window of a larger image.
Status frame_to_image(const FrameView& frame, const ImageView& image);
// Writes an image back into `frame`. `alpha_source`, when given, supplies alpha/padding bytes for
// formats that have them (RGBA, xRGB, ...): they are copied, not invented.
Status image_to_frame(const ImageView& image, const FrameView& frame, const FrameView* alpha_source = nullptr);

// A window of an image, e.g. the unpadded part of a padded network input or one tile.
ImageView crop(const ImageView& image, int x, int y, int width, int height);

struct ImageSize {
  int width;
  int height;
  int channels;
};
// The image size that frame_to_image produces for a frame of this format and size.
ImageSize image_size_for(PixelFormat format, int width, int height);
// Checks that a view describes a frame this library can read or write (planes, strides, sizes).
Status validate_frame(const FrameView& frame);

}  // namespace neuralisp
