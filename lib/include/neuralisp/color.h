// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <array>
#include <vector>

#include "neuralisp/image.h"
#include "neuralisp/status.h"

namespace neuralisp {

// A global colour transform applied to every pixel: the cheap full-resolution half of a model
// whose network only looks at a small copy of the frame and predicts these parameters (a neural
// ISP's white balance and colour, an enhancer's style). In order:
//   1. white-balance gains per channel,
//   2. a 3x10 matrix on the quadratic terms (r, g, b, r*r, g*g, b*b, r*g, r*b, g*b, 1) of the
//      balanced pixel (DeepISP's global transform; a plain 3x3 colour matrix has zeros beyond
//      the first three columns, and those pixels skip the quadratic terms),
//   3. clipping to 0..1 and a tone curve: `tone` samples it at tone.size() evenly spaced inputs
//      from 0 to 1 (linear interpolation between them); empty = none.
struct ColorTransform {
  std::array<float, 3> gains{1.0f, 1.0f, 1.0f};
  std::array<float, 30> matrix{1, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                               0, 1, 0, 0, 0, 0, 0, 0, 0, 0,  //
                               0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  std::vector<float> tone;

  // Whether it changes nothing (then applying it can be skipped).
  bool is_identity() const;
};

// The transfer curve the neural ISP renders with (models/raw/README.md): the sRGB-like gamma
// x^(1/2.2) followed by the smoothstep tone curve 3x^2 - 2x^3 that unprocessing inverts (Brooks
// et al. 2019), sampled at `samples` points for ColorTransform::tone.
std::vector<float> camera_tone_curve(int samples = 1024);

// Applies `transform` in place to an image in the layout pixel_unshuffle(unshuffle) gives (colour
// c of the pixel at offset k of a cell in channel c * unshuffle^2 + k; unshuffle 1 is plain RGB).
Status apply_color_transform(const ColorTransform& transform, const ImageView& image, int unshuffle);

}  // namespace neuralisp
