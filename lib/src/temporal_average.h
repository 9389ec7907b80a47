// SPDX-License-Identifier: LGPL-2.1-or-later
// Motion-adaptive recursive averaging of noisy frames: the evidence a video has that one frame
// does not. A camera's temporal noise reduction averages each pixel over the frames in which it
// stayed the same; here that average, and the noise left in it, are what the spatial denoiser is
// then given, so that it removes only what averaging could not.
#pragma once

#include <vector>

#include "neuralisp/image.h"
#include "neuralisp/status.h"

namespace neuralisp {

class TemporalAverage {
 public:
  // Starts again from the next frame (a flush, a seek, a cut, a new size).
  void reset() noexcept { has_state_ = false; }

  // Fuses `frame` (a network input: cells of any number of channels, values 0-1) into the
  // running average. `noise` is the frame's noise sigma (0-1 scale) on a coarser grid, one value
  // for each `map_cells` x `map_cells` block of cells (the denoiser's level map). Where a cell
  // differs from the average by more than that noise explains, the scene moved there and the
  // average restarts from this frame, so that moving things neither smear nor leave ghosts.
  Status fuse(const ImageView& frame, const ImageView& noise, int map_cells);

  // The fused frame, and the noise sigma left in it on the noise map's grid (the frame's noise
  // where the scene moved, less where frames were averaged), valid until the next fuse().
  ImageView average() const { return average_.view(); }
  ImageView residual_noise() const { return residual_.view(); }

 private:
  Image average_;
  Image variance_;             // per cell: the average's noise variance relative to one frame's
  Image motion_;               // three rows: per cell, how far this frame is from the average
  Image row_sums_;             // three rows of their sums along the rows
  Image moved_;                // one row: per cell, 0 still to 1 moving
  std::vector<float> means_;   // a sample of the colour test, for its median
  // From the previous frame: whether the camera moved, and the colour test's scale.
  bool camera_moved_ = false;
  float mean_scale_ = 1.0f;
  Image residual_;
  bool has_state_ = false;
};

}  // namespace neuralisp
