// SPDX-License-Identifier: LGPL-2.1-or-later
#include "temporal_average.h"

#include "parallel.h"

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
// shake) or so much of the scene that averaging the rest gains little: the whole average
// restarts. The tests above still miss low-contrast texture sliding by, which averaging over a
// moving camera would smear (0.9 dB below single frames on pans of the McMaster photos; still
// scenes flag at most 0.5% of their cells, pans and zooms 8% or more; at 5%, the real clip of
// cyclists came out 0.6 dB below single frames, at 3% within 0.15 dB).
constexpr float kCameraMotion = 0.03f;
// The most frames an average holds (as weight): slow changes of light still come through, and
// a missed motion fades within a second.
constexpr float kMinWeight = 1.0f / 16.0f;
// A frame whose noise is under this sigma (0-1 scale) is clean: any difference is motion.
constexpr float kNoiseFloor = 0.5f / 255.0f;
// Per cell of the motion image: the squared difference, and the difference summed per colour.
constexpr int kMotionChannels = 4;

// Four floats as one SIMD vector (GCC and Clang vector extensions: SSE here, NEON on ARM), for
// the 12-channel cells (three colours of 2x2 pixels) and the 4-channel motion values, whose
// per-cell loops the compiler does not vectorise by itself (they are sums across channels).
typedef float Vec4 __attribute__((vector_size(16)));
inline Vec4 load(const float* p) {
  Vec4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, Vec4 v) { std::memcpy(p, &v, sizeof v); }
inline float lanes_sum(Vec4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }

// One row of cells of C channels (C = 0: any count, known at run time only, so that for the
// unshuffled frame's 12 the compiler unrolls the channel loops): how far the frame is from the
// average, in units of the noise of both: the squared difference, and the difference summed per
// colour, scaled so that its 3x3 sum is a mean in units of its own noise.
template <int C>
void row_differences(const float* in, const float* a, const float* v, const float* sigmas, int map_cells, int w,
                     int channels, float* out) {
  const int c = C > 0 ? C : channels;
  // Channel k is colour k / group of the unshuffled layout (R, G, B planes of u x u cells).
  const int group = std::max(c / 3, 1), colours = std::min(c / group, 3);
  for (int x = 0; x < w; ++x) {
    float* o = out + x * kMotionChannels;
    if (C == 12) {
      // A colour's four values (its 2x2 pixels) are one vector.
      const Vec4 d[3] = {load(in + x * 12) - load(a + x * 12), load(in + x * 12 + 4) - load(a + x * 12 + 4),
                         load(in + x * 12 + 8) - load(a + x * 12 + 8)};
      const Vec4 square = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      store(o, Vec4{lanes_sum(square), lanes_sum(d[0]), lanes_sum(d[1]), lanes_sum(d[2])});
      continue;
    }
    float sum = 0.0f, colour[3] = {0.0f, 0.0f, 0.0f};
    for (int k = 0; k < c; ++k) {
      const float d = in[x * c + k] - a[x * c + k];
      sum += d * d;
      if (k / group < colours) colour[k / group] += d;
    }
    o[0] = sum;
    o[1] = colour[0];
    o[2] = colour[1];
    o[3] = colour[2];
  }
  // The scaling in a loop of its own that the compiler vectorises.
  for (int x0 = 0; x0 < w; x0 += map_cells) {
    const float sigma = std::max(sigmas[x0 / map_cells], kNoiseFloor);
    const float sigma2 = sigma * sigma;
    for (int x = x0; x < std::min(x0 + map_cells, w); ++x) {
      const float inverse = 1.0f / (sigma2 * (1.0f + v[x]));
      const float scale = std::sqrt(inverse / (9.0f * static_cast<float>(group)));
      float* o = out + x * kMotionChannels;
      o[0] *= inverse / static_cast<float>(c);
      o[1] *= scale;
      o[2] *= scale;
      o[3] *= scale;
    }
  }
}

// One row of the average moved toward the frame by each cell's weight: the weight that averages
// optimally where still (inverse variance), 1 where moving.
template <int C>
void row_blend(const float* in, const float* moved, int w, int channels, float* a, float* v) {
  const int c = C > 0 ? C : channels;
  for (int x = 0; x < w; ++x) {
    const float still_weight = std::max(v[x] / (1.0f + v[x]), kMinWeight);
    const float weight = moved[x] + (1.0f - moved[x]) * still_weight;
    for (int k = 0; k < c; ++k) a[x * c + k] += weight * (in[x * c + k] - a[x * c + k]);
    v[x] = (1.0f - weight) * (1.0f - weight) * v[x] + weight * weight;
  }
}

// How far row y of the frame is from the average (see row_differences), into `motion`, and its
// sums over three cells along the row into `row_sums`.
void differences(int y, const ImageView& frame, const ImageView& avg, const ImageView& var, const ImageView& noise,
                 int map_cells, float* motion, float* row_sums) {
  const int w = frame.width, c = frame.channels;
  const float *in = frame.row(y), *a = avg.row(y), *v = var.row(y), *sigmas = noise.row(y / map_cells);
  if (c == 12)
    row_differences<12>(in, a, v, sigmas, map_cells, w, c, motion);
  else
    row_differences<0>(in, a, v, sigmas, map_cells, w, c, motion);
  for (int x = 0; x < w; ++x)
    store(row_sums + x * kMotionChannels, load(motion + std::max(x - 1, 0) * kMotionChannels) +
                                              load(motion + x * kMotionChannels) +
                                              load(motion + std::min(x + 1, w - 1) * kMotionChannels));
}

// The most bands a frame is split into, and the fewest rows of cells in one (a band costs two
// rows compared twice).
constexpr int kMostBands = 64;
constexpr int kFewestBandRows = 16;

}  // namespace

Status TemporalAverage::fuse(const ImageView& frame, const ImageView& noise, int map_cells) {
  const int w = frame.width, h = frame.height, c = frame.channels;
  if (noise.channels != 1 || noise.width * map_cells < w || noise.height * map_cells < h)
    return Status::Error(ErrorCode::kInvalidArgument, "the noise map does not cover the frame");
  if (c > 64) return Status::Error(ErrorCode::kInvalidArgument, "temporal averaging takes at most 64 channels");
  const bool same_size = has_state_ && average_.width() == w && average_.height() == h && average_.channels() == c;
  if (!same_size) {
    for (Status s : {average_.resize(w, h, c), variance_.resize(w, h, 1), residual_.resize(noise.width, noise.height, 1)})
      if (!s.ok()) return s;
  }
  // Bands of rows (one per thread), of whole blocks of the noise map, so that each band also finds
  // its blocks' residual. A band's edge rows are compared with the average before the threads
  // start, so that a neighbour blending them cannot change what the band sees.
  const int parts = std::clamp(std::min(bands_wanted_ > 0 ? bands_wanted_ : team_size(), h / kFewestBandRows), 1,
                               kMostBands);
  const int band_rows = ((h + parts - 1) / parts + map_cells - 1) / map_cells * map_cells;
  bands_.resize(static_cast<std::size_t>(parts));
  const ImageView avg = average_.view(), var = variance_.view();
  for (int k = 0; k < parts; ++k) {
    Band& band = bands_[k];
    for (Status s : {band.motion.resize(w, 3, kMotionChannels), band.row_sums.resize(w, 4, kMotionChannels),
                     band.moved.resize(w, 1, 1)})
      if (!s.ok()) return s;
    band.first_row = std::min(h, k * band_rows);
    band.end_row = std::min(h, (k + 1) * band_rows);
    band.means.reserve(static_cast<std::size_t>(band_rows / 2 + 1) * static_cast<std::size_t>(w / 4 + 1));
    if (!same_size || band.first_row >= band.end_row) continue;
    // The row above the band into its place among the band's rows, the one below into the spare.
    if (band.first_row > 0)
      differences(band.first_row - 1, frame, avg, var, noise, map_cells, band.motion.view().row((band.first_row - 1) % 3),
                  band.row_sums.view().row((band.first_row - 1) % 3));
    if (band.end_row < h)
      differences(band.end_row, frame, avg, var, noise, map_cells, band.motion.view().row(0),
                  band.row_sums.view().row(3));
  }
  parallel_parts(parts, [&](int part) { fuse_band(bands_[part], frame, noise, map_cells, same_size); });

  std::size_t moving_cells = 0;
  means_.clear();
  for (int k = 0; k < parts; ++k) {
    moving_cells += bands_[k].moving_cells;
    means_.insert(means_.end(), bands_[k].means.begin(), bands_[k].means.end());
  }
  if (same_size) {
    camera_moved_ = moving_cells > kCameraMotion * static_cast<float>(w) * static_cast<float>(h);
    std::nth_element(means_.begin(), means_.begin() + means_.size() / 2, means_.end());
    mean_scale_ = std::max(1.0f, means_[means_.size() / 2] / kWhiteNoiseMedian);
  } else {
    camera_moved_ = false;
    mean_scale_ = 1.0f;
  }
  has_state_ = true;
  return Status::Ok();
}

void TemporalAverage::fuse_band(Band& band, const ImageView& frame, const ImageView& noise, int map_cells,
                                bool same_size) {
  band.moving_cells = 0;
  band.means.clear();
  const int y0 = band.first_row, y1 = band.end_row;
  if (y0 >= y1) return;
  const int w = frame.width, h = frame.height, c = frame.channels;
  const ImageView avg = average_.view(), var = variance_.view(), motion = band.motion.view(), sums = band.row_sums.view();
  const bool twelve = c == 12;
  // One pass down the band, so that each row of the frame and the average is still in cache
  // when it is blended (three passes took 3.8 ms a 640x480 frame, one 2.1): the differences of
  // row y + 1, the 3x3 statistics of row y (from three rows of sums along the rows), its motion
  // and its blend. The decisions about the whole frame (the camera moved; the colour test's
  // scale) use the previous frame's counts: a pan's first frame is still blended cell by cell.
  const bool restart = !same_size || camera_moved_;
  const float mean_scale = mean_scale_;
  if (same_size) differences(y0, frame, avg, var, noise, map_cells, motion.row(y0 % 3), sums.row(y0 % 3));
  for (int y = y0; y < y1; ++y) {
    float *a = avg.row(y), *v = var.row(y);
    const float* in = frame.row(y);
    if (same_size) {
      if (y + 1 < y1)
        differences(y + 1, frame, avg, var, noise, map_cells, motion.row((y + 1) % 3), sums.row((y + 1) % 3));
      else if (y + 1 < h)  // the row below the band, compared before the next band blended it
        std::memcpy(sums.row((y + 1) % 3), sums.row(3), sizeof(float) * w * kMotionChannels);
      // Edges repeated: the row above the first is the first, the one below the last the last.
      const float *r0 = sums.row(std::max(y - 1, 0) % 3), *r1 = sums.row(y % 3), *r2 = sums.row(std::min(y + 1, h - 1) % 3);
      float* moved = band.moved.view().row(0);
      for (int x = 0; x < w; ++x) {
        const Vec4 t = load(r0 + x * kMotionChannels) + load(r1 + x * kMotionChannels) + load(r2 + x * kMotionChannels);
        const float mean_chi = (t[1] * t[1] + t[2] * t[2] + t[3] * t[3]) / 3.0f;
        if ((x & 3) == 0 && (y & 1) == 0) band.means.push_back(mean_chi);
        moved[x] = std::max(std::clamp((t[0] / 9.0f - kStill) / (kMoving - kStill), 0.0f, 1.0f),
                            std::clamp((mean_chi / mean_scale - kMeanStill) / (kMeanMoving - kMeanStill), 0.0f, 1.0f));
        band.moving_cells += moved[x] >= 0.5f;
      }
      if (!restart) {
        if (twelve)
          row_blend<12>(in, moved, w, c, a, v);
        else
          row_blend<0>(in, moved, w, c, a, v);
        continue;
      }
    }
    // Restarted from the frame, exactly (as the single-frame path sees it).
    std::memcpy(a, in, sizeof(float) * w * c);
    std::fill(v, v + w, 1.0f);
  }

  // The noise left, per block of the map (the band's blocks; the last band's reach to the map's
  // end): the frame's sigma times the root of the block's largest variance factor, so that a cell
  // that restarted (moving, or its noise not averaging out) is denoised as much as a single frame
  // would be, at the cost of its block's still cells (told the mean, the restarted cells kept
  // noise the single frame removes: 1.5 dB below it on the demo's camera noise).
  const ImageView residual = residual_.view();
  const int last_block = y1 == h ? noise.height : y1 / map_cells;
  for (int by = y0 / map_cells; by < last_block; ++by) {
    for (int bx = 0; bx < noise.width; ++bx) {
      float most = 0.0f;
      for (int y = by * map_cells; y < std::min((by + 1) * map_cells, h); ++y)
        for (int x = bx * map_cells; x < std::min((bx + 1) * map_cells, w); ++x) most = std::max(most, var.row(y)[x]);
      residual.row(by)[bx] = noise.row(by)[bx] * std::sqrt(most);
    }
  }
}

}  // namespace neuralisp
