// SPDX-License-Identifier: LGPL-2.1-or-later
#include "temporal_average.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace neuralisp {
namespace {

// The motion test: a cell's squared difference from the average, summed over its channels and
// its 3x3 neighbourhood, over what the noise of both explains. Its mean is 1 where the scene
// stood still (a chi-square over 108 values for 12-channel cells, standard deviation 0.14 for
// white noise, about twice that for a camera's correlated noise); the average restarts fully
// above kMoving and blends in between, so that a slightly wrong noise estimate costs some
// averaging rather than a hard switch that would flicker.
constexpr float kStill = 2.0f;
constexpr float kMoving = 4.0f;
// A second test sees what the first misses: a smooth change (a gentle gradient panning, light
// changing) shows in the mean difference over 6x6 pixels per colour, where white noise averages
// out 36-fold. Three values per cell make a noisier statistic (a chi-square over 3, mean 1), so
// its thresholds are higher: 1 in 150 still cells passes kMeanStill. A camera's noise is
// correlated between neighbouring pixels and colours (demosaicking) and averages out less: the
// test is scaled by the frame's median over white noise's (0.789), where that is higher, so
// that a still scene's correlated noise does not pass for motion (it flagged 4.5% of the demo's
// cells, and those were then not averaged).
constexpr float kMeanStill = 4.0f;
constexpr float kMeanMoving = 8.0f;
constexpr float kWhiteNoiseMedian = 0.789f;
// Where more than this share of the frame moves, the camera probably does (a pan, a zoom, a
// shake): the whole average restarts. The tests above still miss low-contrast texture sliding by,
// which averaging over a moving camera would smear (0.9 dB below single frames on pans of the
// McMaster photos; still scenes flag at most 0.5% of their cells, pans and zooms 8% or more).
constexpr float kCameraMotion = 0.05f;
// The most frames an average holds (as weight): slow changes of light still come through, and
// a missed motion fades within a second.
constexpr float kMinWeight = 1.0f / 16.0f;
// A frame whose noise is under this sigma (0-1 scale) is clean: any difference is motion.
constexpr float kNoiseFloor = 0.5f / 255.0f;

}  // namespace

Status TemporalAverage::fuse(const ImageView& frame, const ImageView& noise, int map_cells) {
  const int w = frame.width, h = frame.height, c = frame.channels;
  if (noise.channels != 1 || noise.width * map_cells < w || noise.height * map_cells < h)
    return Status::Error(ErrorCode::kInvalidArgument, "the noise map does not cover the frame");
  const bool same_size = has_state_ && average_.width() == w && average_.height() == h && average_.channels() == c;
  if (!same_size) {
    for (Status s : {average_.resize(w, h, c), variance_.resize(w, h, 1), motion_.resize(w, h, kMotionChannels), tests_.resize(w, h, 2), moved_.resize(w, h, 1),
                     residual_.resize(noise.width, noise.height, 1)})
      if (!s.ok()) return s;
  }
  const ImageView avg = average_.view(), var = variance_.view(), motion = motion_.view();
  auto sigma_at = [&](int x, int y) { return std::max(noise.row(y / map_cells)[x / map_cells], kNoiseFloor); };

  if (!same_size) {
    for (int y = 0; y < h; ++y) {
      std::memcpy(avg.row(y), frame.row(y), sizeof(float) * w * c);
      std::fill(var.row(y), var.row(y) + w, 1.0f);
    }
  } else {
    // The difference per cell, in units of the noise in the frame and in the average.
    // Per cell: the squared difference over the noise, and the difference summed per colour
    // (channel k is colour k / group of the unshuffled layout).
    const int group = std::max(c / 3, 1), colours = c / group;
    for (int y = 0; y < h; ++y) {
      const float *in = frame.row(y), *a = avg.row(y), *v = var.row(y);
      float* m = motion.row(y);
      for (int x = 0; x < w; ++x) {
        float sum = 0.0f;
        float* colour_sums = m + x * kMotionChannels + 1;
        std::fill(colour_sums, colour_sums + 3, 0.0f);
        for (int k = 0; k < c; ++k) {
          const float d = in[x * c + k] - a[x * c + k];
          sum += d * d;
          colour_sums[std::min(k / group, 2)] += d;
        }
        const float sigma = sigma_at(x, y);
        const float noise = sigma * sigma * (1.0f + v[x]);
        m[x * kMotionChannels] = sum / (static_cast<float>(c) * noise);
        // Scaled so that the 3x3 sum below is a mean in units of its own noise.
        const float scale = 1.0f / std::sqrt(9.0f * group * noise);
        for (int k = 0; k < colours; ++k) colour_sums[k] *= scale;
      }
    }
    // Both statistics over the 3x3 neighbourhood (edges repeated).
    const ImageView tests = tests_.view();
    for (int y = 0; y < h; ++y) {
      const float* rows[3] = {motion.row(std::max(y - 1, 0)), motion.row(y), motion.row(std::min(y + 1, h - 1))};
      float* t = tests.row(y);
      for (int x = 0; x < w; ++x) {
        const int left = std::max(x - 1, 0), right = std::min(x + 1, w - 1);
        float sums[kMotionChannels] = {};
        for (const float* r : rows)
          for (int k = 0; k < kMotionChannels; ++k)
            sums[k] += r[left * kMotionChannels + k] + r[x * kMotionChannels + k] + r[right * kMotionChannels + k];
        t[2 * x] = sums[0] / 9.0f;
        t[2 * x + 1] = (sums[1] * sums[1] + sums[2] * sums[2] + sums[3] * sums[3]) / 3.0f;
      }
    }
    means_.clear();
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) means_.push_back(tests.row(y)[2 * x + 1]);
    std::nth_element(means_.begin(), means_.begin() + means_.size() / 2, means_.end());
    const float mean_scale = std::max(1.0f, means_[means_.size() / 2] / kWhiteNoiseMedian);
    // How much each cell moved, 0 to 1.
    const ImageView moved = moved_.view();
    std::size_t moving_cells = 0;
    for (int y = 0; y < h; ++y) {
      const float* t = tests.row(y);
      for (int x = 0; x < w; ++x) {
        const float moving =
            std::max(std::clamp((t[2 * x] - kStill) / (kMoving - kStill), 0.0f, 1.0f),
                     std::clamp((t[2 * x + 1] / mean_scale - kMeanStill) / (kMeanMoving - kMeanStill), 0.0f, 1.0f));
        moved.row(y)[x] = moving;
        moving_cells += moving >= 0.5f;
      }
    }
    // The blend: the weight that averages optimally where still (inverse variance), 1 where
    // moving, and 1 everywhere when the camera moves.
    const bool camera_moved = moving_cells > kCameraMotion * static_cast<float>(w) * static_cast<float>(h);
    for (int y = 0; y < h; ++y) {
      const float *in = frame.row(y), *m = moved.row(y);
      float *a = avg.row(y), *v = var.row(y);
      for (int x = 0; x < w; ++x) {
        const float moving = camera_moved ? 1.0f : m[x];
        const float still_weight = std::max(1.0f / (1.0f + 1.0f / v[x]), kMinWeight);
        const float weight = moving + (1.0f - moving) * still_weight;
        if (weight >= 1.0f) {  // exactly this frame, as the single-frame path sees it
          std::copy(in + x * c, in + (x + 1) * c, a + x * c);
          v[x] = 1.0f;
          continue;
        }
        for (int k = 0; k < c; ++k) a[x * c + k] += weight * (in[x * c + k] - a[x * c + k]);
        v[x] = (1.0f - weight) * (1.0f - weight) * v[x] + weight * weight;
      }
    }
  }
  has_state_ = true;

  // The noise left, per block of the map: the frame's sigma times the root of the block's largest
  // variance factor, so that a cell that restarted (moving, or its noise not averaging out) is
  // denoised as much as a single frame would be, at the cost of its block's still cells (told
  // the mean, the restarted cells kept noise the single frame removes: 1.5 dB below it on the
  // demo's camera noise).
  const ImageView residual = residual_.view();
  for (int by = 0; by < noise.height; ++by) {
    for (int bx = 0; bx < noise.width; ++bx) {
      float most = 0.0f;
      for (int y = by * map_cells; y < std::min((by + 1) * map_cells, h); ++y)
        for (int x = bx * map_cells; x < std::min((bx + 1) * map_cells, w); ++x) most = std::max(most, var.row(y)[x]);
      residual.row(by)[bx] = noise.row(by)[bx] * std::sqrt(most);
    }
  }
  return Status::Ok();
}

}  // namespace neuralisp
