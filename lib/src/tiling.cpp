// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tiling.h"

#include <algorithm>

namespace neuralisp {
namespace {

// 1080p frames run whole: with bfloat16 weights and pooled intermediates their memory is
// moderate, and a whole frame does no redundant work in overlaps.
constexpr int kDefaultTileSize = 1920;

// Splits `size` (a multiple of `align`) into the fewest tiles of at most `max_tile` that overlap
// by at least `overlap`, all of one aligned length so that the network sees a single input
// shape, spread evenly rather than leaving a mostly redundant last tile.
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
float ramp(int i, int length, float overlap, bool has_before, bool has_after) {
  float w = 1.0f;
  if (has_before) w = std::min(w, (i + 0.5f) / overlap);
  if (has_after) w = std::min(w, (length - i - 0.5f) / overlap);
  return w;
}

// `value` (in frame pixels) in an output's units, when that output is `out` long for a tile
// `tile` pixels long; false when it does not fall on the output's grid.
bool to_output_units(int value, int out, int tile, int* result) {
  const long long scaled = static_cast<long long>(value) * out;
  if (scaled % tile != 0) return false;
  *result = static_cast<int>(scaled / tile);
  return true;
}

}  // namespace

ImageView companion_window(const ImageView& whole, const ImageView& tile, const ImageView& companion, int ratio) {
  const std::ptrdiff_t offset = tile.data - whole.data;
  const int y = static_cast<int>(offset / whole.row_stride);
  const int x = static_cast<int>(offset % whole.row_stride) / whole.channels;
  return crop(companion, x / ratio, y / ratio, (tile.width + ratio - 1) / ratio, (tile.height + ratio - 1) / ratio);
}

Status Tiler::run(const ImageView& input, const TileGeometry& g, const TileFunction& tile,
                  std::vector<ImageView>* outputs) {
  const int u = g.unshuffle, align = g.alignment;
  const int width = input.width * u, height = input.height * u;
  const int overlap = (g.overlap + align - 1) / align * align;
  int tile_side = (g.tile_size > 0 ? g.tile_size : kDefaultTileSize) / align * align;
  tile_side = std::max(tile_side, 2 * overlap + 4 * align);
  if (width <= tile_side && height <= tile_side) return tile(input, *outputs);

  const Split columns = split_evenly(width, tile_side, overlap, align);
  const Split rows = split_evenly(height, tile_side, overlap, align);
  const int tw = columns.length, th = rows.length;
  std::vector<ImageView> pieces;
  bool first = true;
  for (int y0 : rows.origins) {
    for (int x0 : columns.origins) {
      Status status = tile(crop(input, x0 / u, y0 / u, tw / u, th / u), pieces);
      if (!status.ok()) return status;
      if (first) {
        sums_.resize(pieces.size());
        weights_.resize(pieces.size());
      } else if (pieces.size() != sums_.size()) {
        return Status::Error(ErrorCode::kInvalidModel, "tiles returned different numbers of outputs");
      }
      for (std::size_t i = 0; i < pieces.size(); ++i) {
        const ImageView& piece = pieces[i];
        int full_w, full_h, ox, oy;
        if (!to_output_units(width, piece.width, tw, &full_w) || !to_output_units(height, piece.height, th, &full_h) ||
            !to_output_units(x0, piece.width, tw, &ox) || !to_output_units(y0, piece.height, th, &oy))
          return Status::Error(ErrorCode::kInvalidModel, "a tiled output's scale does not fit the tile grid");
        if (first) {
          status = sums_[i].resize(full_w, full_h, piece.channels);
          if (status.ok()) status = weights_[i].resize(full_w, full_h, 1);
          if (!status.ok()) return status;
          const ImageView s = sums_[i].view(), w = weights_[i].view();
          std::fill(s.data, s.data + static_cast<std::size_t>(s.width) * s.height * s.channels, 0.0f);
          std::fill(w.data, w.data + static_cast<std::size_t>(w.width) * w.height, 0.0f);
        } else if (sums_[i].width() != full_w || sums_[i].height() != full_h || sums_[i].channels() != piece.channels) {
          return Status::Error(ErrorCode::kInvalidModel, "tiles returned outputs of different shapes");
        }
        const ImageView sum = sums_[i].view(), weight = weights_[i].view();
        const float overlap_x = static_cast<float>(overlap) * piece.width / tw;
        const float overlap_y = static_cast<float>(overlap) * piece.height / th;
        const int c = piece.channels;
        for (int y = 0; y < piece.height; ++y) {
          const float wy = ramp(y, piece.height, overlap_y, y0 > 0, y0 + th < height);
          const float* src = piece.row(y);
          float* dst = sum.row(oy + y) + ox * c;
          float* wrow = weight.row(oy + y) + ox;
          for (int x = 0; x < piece.width; ++x) {
            const float w = wy * ramp(x, piece.width, overlap_x, x0 > 0, x0 + tw < width);
            for (int k = 0; k < c; ++k) dst[x * c + k] += w * src[x * c + k];
            wrow[x] += w;
          }
        }
      }
      first = false;
    }
  }
  outputs->clear();
  for (std::size_t i = 0; i < sums_.size(); ++i) {
    const ImageView sum = sums_[i].view(), weight = weights_[i].view();
    for (int y = 0; y < sum.height; ++y) {
      float* dst = sum.row(y);
      const float* wrow = weight.row(y);
      for (int x = 0; x < sum.width; ++x)
        for (int k = 0; k < sum.channels; ++k) dst[x * sum.channels + k] /= wrow[x];
    }
    outputs->push_back(sum);
  }
  return Status::Ok();
}

}  // namespace neuralisp
