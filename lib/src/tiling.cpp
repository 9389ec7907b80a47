// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tiling.h"

#include <algorithm>
#include <numeric>

namespace neuralisp {
namespace {

// Chosen so that 1280x720 runs whole: the largest frames for which the fast denoiser's
// intermediates stay below glibc's mmap threshold (see model.cpp).
constexpr int kDefaultTileSize = 1280;

// Splits `size` (a multiple of `align`) into the fewest tiles of at most `max_tile` that overlap
// by at least `overlap`, all of one aligned length so that the network sees a single input shape, spread evenly
// rather than leaving a mostly redundant last tile.
struct Split {
  int length;
  std::vector<int> origins;
};

Split split_evenly(int size, int max_tile, int overlap, int align) {
  if (size <= max_tile) return {size, {0}};
  const int count = (size - overlap + (max_tile - overlap) - 1) / (max_tile - overlap);
  // Each origin may move down by up to align - 1 below, so the overlap is budgeted with that slack.
  const int wanted = (size + (count - 1) * (overlap + align) + count - 1) / count;
  Split split{std::min((wanted + align - 1) / align * align, size), {}};
  // Origins on the alignment grid: the network's pixel-unshuffle groups then match those of a
  // whole-frame run, so overlapping tiles agree and blend invisibly.
  for (int i = 0; i < count; ++i)
    split.origins.push_back(static_cast<int>(static_cast<long long>(size - split.length) * i / (count - 1)) / align * align);
  return split;
}

// Weight of position i in a tile of `length` that shares its left/right edge with a neighbour:
// ramps from 0 to 1 across `overlap`, so blended neighbours sum to a smooth partition.
float ramp(int i, int length, int overlap, bool has_before, bool has_after) {
  float w = 1.0f;
  if (has_before) w = std::min(w, (i + 0.5f) / overlap);
  if (has_after) w = std::min(w, (length - i - 0.5f) / overlap);
  return w;
}

float mean_of(const ImageView& v) {
  double sum = 0.0;
  for (int y = 0; y < v.height; ++y) {
    const float* row = v.row(y);
    sum = std::accumulate(row, row + v.width * v.channels, sum);
  }
  return static_cast<float>(sum / (static_cast<double>(v.width) * v.height * v.channels));
}

}  // namespace

Status run_tiled(Model& model, const ImageView& input, const std::vector<float>& scalars, int tile_size,
                 Image& blend, Image& weights, TiledRun* run) {
  const ModelInfo& info = model.info();
  const int align = info.alignment;
  const int overlap = (info.overlap + align - 1) / align * align;
  int tile = (tile_size > 0 ? tile_size : kDefaultTileSize) / align * align;
  tile = std::max(tile, 2 * overlap + 4 * align);
  std::vector<ImageView> outputs;

  if (input.width <= tile && input.height <= tile) {
    Status status = model.run(input, scalars, outputs);
    if (!status.ok()) return status;
    run->image = outputs[0];
    run->output_means.clear();
    for (std::size_t i = 1; i < outputs.size(); ++i) run->output_means.push_back(mean_of(outputs[i]));
    return Status::Ok();
  }

  const int channels = input.channels;
  blend.resize(input.width, input.height, channels);
  weights.resize(input.width, input.height, 1);
  const ImageView acc = blend.view(), wsum = weights.view();
  std::fill(acc.data, acc.data + static_cast<std::size_t>(acc.width) * acc.height * channels, 0.0f);
  std::fill(wsum.data, wsum.data + static_cast<std::size_t>(wsum.width) * wsum.height, 0.0f);
  run->output_means.clear();
  double total_area = 0.0;

  const Split columns = split_evenly(input.width, tile, overlap, align);
  const Split rows = split_evenly(input.height, tile, overlap, align);
  const int tw = columns.length, th = rows.length;
  for (int y0 : rows.origins) {
    for (int x0 : columns.origins) {
      Status status = model.run(crop(input, x0, y0, tw, th), scalars, outputs);
      if (!status.ok()) return status;
      const ImageView& out = outputs[0];
      if (out.width != tw || out.height != th || out.channels != channels)
        return Status::Error(ErrorCode::kInvalidModel, "tiled output differs in size from its input");
      for (int y = 0; y < th; ++y) {
        const float wy = ramp(y, th, overlap, y0 > 0, y0 + th < input.height);
        const float* src = out.row(y);
        float* dst = acc.row(y0 + y) + x0 * channels;
        float* wrow = wsum.row(y0 + y) + x0;
        for (int x = 0; x < tw; ++x) {
          const float w = wy * ramp(x, tw, overlap, x0 > 0, x0 + tw < input.width);
          for (int c = 0; c < channels; ++c) dst[x * channels + c] += w * src[x * channels + c];
          wrow[x] += w;
        }
      }
      const double area = static_cast<double>(tw) * th;
      run->output_means.resize(outputs.size() - 1, 0.0f);
      for (std::size_t i = 1; i < outputs.size(); ++i) run->output_means[i - 1] += static_cast<float>(mean_of(outputs[i]) * area);
      total_area += area;
    }
  }
  for (float& m : run->output_means) m = static_cast<float>(m / total_area);
  for (int y = 0; y < acc.height; ++y) {
    float* dst = acc.row(y);
    const float* wrow = wsum.row(y);
    for (int x = 0; x < acc.width; ++x)
      for (int c = 0; c < channels; ++c) dst[x * channels + c] /= wrow[x];
  }
  run->image = acc;
  return Status::Ok();
}

}  // namespace neuralisp
