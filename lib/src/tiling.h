// SPDX-License-Identifier: LGPL-2.1-or-later
// Overlap tiling with seam blending, shared by every image-to-image task.
#pragma once

#include <vector>

#include "neuralisp/image.h"
#include "neuralisp/model.h"

namespace neuralisp {

struct TiledRun {
  ImageView image;                  // first model output, full size
  std::vector<float> output_means;  // mean of every other output over the whole frame
};

// Runs `model` on `input` (aligned size) whole when it fits in `tile_size`, otherwise on
// overlapping tiles whose outputs are blended with linear ramps across the overlap. The first
// output must be the same size as the input. `blend` is scratch memory reused between calls.
Status run_tiled(Model& model, const ImageView& input, const std::vector<float>& scalars, int tile_size,
                 Image& blend, Image& weights, TiledRun* run);

}  // namespace neuralisp
