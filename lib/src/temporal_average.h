// SPDX-License-Identifier: LGPL-2.1-or-later
// Motion-adaptive recursive averaging of noisy frames: the evidence a video has that one frame
// does not. A camera's temporal noise reduction averages each pixel over the frames in which it
// stayed the same; here that average, and the noise left in it, are what the spatial denoiser is
// then given, so that it removes only what averaging could not.
#pragma once

#include <cstddef>
#include <vector>

#include "neuralisp/image.h"
#include "neuralisp/status.h"

namespace neuralisp {

class TemporalAverage {
 public:
  // `bands`: how many bands of rows a frame is split into (0: one per thread of the calling
  // thread's LibTorch team; fewer where the frame is short). The result does not depend on it.
  explicit TemporalAverage(int bands = 0) : bands_wanted_(bands) {}

  // Starts again from the next frame (a flush, a seek, a cut, a new size).
  void reset() noexcept { has_state_ = false; }

  // Fuses `frame` (a network input: cells of any number of channels, values 0-1) into the
  // running average. `noise` is the frame's noise sigma (0-1 scale) on a coarser grid, one value
  // for each `map_cells` x `map_cells` block of cells (the denoiser's level map). Where a cell
  // differs from the average by more than that noise explains, the scene moved there and the
  // average restarts from this frame, so that moving things neither smear nor leave ghosts.
  // The bands run over the calling thread's LibTorch team (see parallel_parts).
  Status fuse(const ImageView& frame, const ImageView& noise, int map_cells);

  // The fused frame, and the noise sigma left in it on the noise map's grid (the frame's noise
  // where the scene moved, less where frames were averaged), valid until the next fuse().
  ImageView average() const { return average_.view(); }
  ImageView residual_noise() const { return residual_.view(); }

 private:
  // What one band of rows works with.
  struct Band {
    Image motion;              // three rows: per cell, how far this frame is from the average
    Image row_sums;            // their sums along the rows, three rows and the row below the band
    Image moved;               // one row: per cell, 0 still to 1 moving
    std::vector<float> means;  // a sample of the colour test, for its median
    std::size_t moving_cells = 0;
    int first_row = 0, end_row = 0;  // its rows of cells: [first_row, end_row)
  };
  // Fuses one band's rows; the bands run at once.
  void fuse_band(Band& band, const ImageView& frame, const ImageView& noise, int map_cells, bool same_size);

  int bands_wanted_;
  Image average_;
  Image variance_;             // per cell: the average's noise variance relative to one frame's
  std::vector<Band> bands_;
  std::vector<float> means_;   // the bands' samples together
  // From the previous frame: whether the camera moved, and the colour test's scale.
  bool camera_moved_ = false;
  float mean_scale_ = 1.0f;
  Image residual_;
  bool has_state_ = false;
};

}  // namespace neuralisp
