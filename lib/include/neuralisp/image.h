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
  // Fails (instead of throwing) when the memory cannot be had.
  Status resize(int width, int height, int channels);
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
//
// `unshuffle` 2 or 4 (RGB and YUV frames) writes the layout a network reads after
// pixel_unshuffle(unshuffle): image pixel (x, y) holds the unshuffle x unshuffle block of frame
// pixels at (x * unshuffle, y * unshuffle), channel c * unshuffle^2 + dy * unshuffle + dx, so that
// the frame is read once and no full-resolution tensor is needed. The image may be larger than
// the frame (a network's alignment): the pixels beyond the frame repeat its last column and row.
// It may be a window of a larger image (a tile).
Status frame_to_image(const FrameView& frame, const ImageView& image, int unshuffle = 1);
// Writes the frame's part of an image (same layout rules) back into `frame`, rounding and
// clipping to the frame's code values. `alpha_source`, when given, supplies alpha/padding bytes
// for formats that have them (RGBA, xRGB, ...): they are copied, not invented.
Status image_to_frame(const ImageView& image, const FrameView& frame, int unshuffle = 1,
                      const FrameView* alpha_source = nullptr);

// A window of an image, e.g. the unpadded part of a padded network input or one tile.
ImageView crop(const ImageView& image, int x, int y, int width, int height);

// Resamples `source` into `target`'s size (area averaging when shrinking, bilinear otherwise):
// a model's global stage (a colour transform, say) runs once on a downscaled frame, untiled, so
// that tiles share one estimate and show no colour seams.
Status resize_image(const ImageView& source, const ImageView& target);

struct ImageSize {
  int width;
  int height;
  int channels;
};
// The image size that frame_to_image produces for a frame of this format and size, unpadded.
ImageSize image_size_for(PixelFormat format, int width, int height, int unshuffle = 1);
// Checks that a view describes a frame this library can read or write (planes, strides, sizes).
Status validate_frame(const FrameView& frame);

}  // namespace neuralisp
