// SPDX-License-Identifier: LGPL-2.1-or-later
// Overlap tiling with seam blending, shared by every image-to-image processor.
#pragma once

#include <functional>
#include <vector>

#include "neuralisp/image.h"
#include "neuralisp/status.h"

namespace neuralisp {

// Runs one tile: its input (a window of the whole input) to image outputs whose memory stays
// valid until the next call.
using TileFunction = std::function<Status(const ImageView& input, std::vector<ImageView>& outputs)>;

struct TileGeometry {
  int unshuffle = 1;   // input cells per frame pixel: the input is the frame unshuffled by this
  int alignment = 1;   // tile origins and sizes in frame pixels are multiples of this
  int overlap = 0;     // frame pixels shared by neighbouring tiles
  int tile_size = 0;   // largest tile side in frame pixels; 0 = automatic
};

// The window of `companion` that `tile` covers, where `tile` is a view into `whole` (a window
// the Tiler passed) and `companion` an image on a grid `ratio` times coarser than `whole`'s (a
// map of one value per ratio x ratio cells), so that a tile's network gets its part of the map.
ImageView companion_window(const ImageView& whole, const ImageView& tile, const ImageView& companion, int ratio);

class Tiler {
 public:
  // Runs `tile` on the whole input when it fits, otherwise on overlapping tiles of one size
  // (one input shape for the network). Every output is blended across the overlaps with linear
  // ramps at its own scale (a map at 1/8 of the frame, an unshuffled image at 1/2, an upscaled
  // image at 2x), which each tile's output size tells. `outputs` are full-size views, valid
  // until the next run.
  Status run(const ImageView& input, const TileGeometry& geometry, const TileFunction& tile,
             std::vector<ImageView>* outputs);

 private:
  std::vector<Image> sums_;
  std::vector<Image> weights_;
};

}  // namespace neuralisp
