// SPDX-License-Identifier: LGPL-2.1-or-later
// Bayer frames in the layout RAW models read and write: the mosaic pixel-unshuffled by 2 (channels
// R, G1, G2, B of each 2x2 cell) in the orientation that makes the pattern RGGB, scaled so that
// the black level is 0 and the white level 1.
#pragma once

#include <vector>

#include "neuralisp/frame.h"
#include "neuralisp/image.h"
#include "neuralisp/raw.h"
#include "neuralisp/status.h"

namespace neuralisp {

// The mirroring that turns a pattern into RGGB (BGGR: both axes, GRBG: columns, GBRG: rows). A
// network that only ever sees RGGB serves every sensor: mirroring keeps each photosite's
// neighbours, where merely relabelling the channels would shift colours by a photosite.
struct CellMirror {
  bool columns = false;
  bool rows = false;
};
CellMirror rggb_mirror(BayerPattern pattern);

// Code values of a sensor's black (no light) and white (saturation) levels.
struct SensorLevels {
  float black = 0.0f;
  float white = 255.0f;
};

// The code values `levels` gives for a Bayer frame (its defaults resolved for the frame's bit depth).
SensorLevels sensor_levels(const RawLevels& levels, const FrameView& frame);
// Checks that `frame` is a Bayer frame with even sides and that 0 <= black < white <= its largest code.
Status check_bayer(const FrameView& frame, const SensorLevels& levels);
// Checks a camera's white balance (empty or 3 gains in (0, 16]) and colour matrix (empty or 9
// values within -16..16, invertible when `invertible`).
Status check_camera(const std::vector<float>& white_balance, const std::vector<float>& color_matrix,
                    bool invertible);

// Fills `mosaic` (4 channels, at least the frame's cells, e.g. padded to a model's alignment)
// with the frame's photosites in RGGB orientation, (code - black) / (white - black), not clipped
// (noise around black stays signed). Cells beyond the frame repeat its last cell column and row.
// The frame's width and height must be even.
Status bayer_to_rggb_mosaic(const FrameView& frame, const SensorLevels& levels, const ImageView& mosaic);

// The inverse for a network's RGB output: `image` is RGB pixel-unshuffled by 2 (12 channels) in
// the orientation bayer_to_rggb_mosaic gave; writes the frame-oriented cells into `frame_oriented`
// (same layout, the frame's cells only), ready for image_to_frame(..., 2).
void rggb_to_frame_orientation(const ImageView& image, CellMirror mirror, const ImageView& frame_oriented);

// Samples camera RGB into a Bayer frame: `image` is RGB pixel-unshuffled by 2 (12 channels, at
// least the frame's cells) in the frame's own orientation; each photosite takes its colour's value
// at its position, scaled to black + value * (white - black) code values, rounded and clipped.
Status rgb_to_bayer_frame(const ImageView& image, const SensorLevels& levels, const FrameView& frame);

}  // namespace neuralisp
