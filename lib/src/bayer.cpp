// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bayer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace neuralisp {
namespace {

// Colour (0 R, 1 G, 2 B) of the photosite at offset (x, y) of a 2x2 cell.
int colour_at(BayerPattern pattern, int x, int y) {
  static const int kColours[4][2][2] = {
      {{0, 1}, {1, 2}},  // RGGB (rows of [y][x])
      {{2, 1}, {1, 0}},  // BGGR
      {{1, 0}, {2, 1}},  // GRBG
      {{1, 2}, {0, 1}},  // GBRG
  };
  return kColours[static_cast<int>(pattern)][y][x];
}

inline float code_at(const FrameView& f, int x, int y) {
  const std::uint8_t* row = f.planes[0] + y * f.strides[0];
  if (f.format == PixelFormat::kBayer8) return row[x];
  std::uint16_t v;
  std::memcpy(&v, row + 2 * x, 2);
  return v;
}

}  // namespace

SensorLevels sensor_levels(const RawLevels& levels, const FrameView& frame) {
  const int bits = frame.format == PixelFormat::kBayer8 ? 8 : frame.bayer_bits;
  return {levels.black_level < 0.0f ? 0.0f : levels.black_level,
          levels.white_level < 0.0f ? static_cast<float>((1 << bits) - 1) : levels.white_level};
}

Status check_bayer(const FrameView& frame, const SensorLevels& levels) {
  Status status = validate_frame(frame);
  if (!status.ok()) return status;
  if (frame.format != PixelFormat::kBayer8 && frame.format != PixelFormat::kBayer16)
    return Status::Error(ErrorCode::kInvalidArgument, "not a Bayer frame");
  if (frame.width % 2 != 0 || frame.height % 2 != 0)
    return Status::Error(ErrorCode::kInvalidArgument, "Bayer frames need an even width and height, got " +
                                                          std::to_string(frame.width) + "x" +
                                                          std::to_string(frame.height));
  const int bits = frame.format == PixelFormat::kBayer8 ? 8 : frame.bayer_bits;
  const float maximum = static_cast<float>((1 << bits) - 1);
  if (!(levels.black >= 0.0f) || !(levels.white <= maximum) || !(levels.white > levels.black))
    return Status::Error(ErrorCode::kInvalidArgument,
                         "black and white levels must satisfy 0 <= black < white <= " + std::to_string(bits) +
                             "-bit maximum " + std::to_string(static_cast<int>(maximum)));
  return Status::Ok();
}

Status check_camera(const std::vector<float>& white_balance, const std::vector<float>& color_matrix,
                    bool invertible) {
  if (!white_balance.empty()) {
    if (white_balance.size() != 3)
      return Status::Error(ErrorCode::kInvalidArgument, "white balance needs 3 gains (R, G, B)");
    for (float g : white_balance)
      if (!(g > 0.0f && g <= 16.0f))
        return Status::Error(ErrorCode::kInvalidArgument, "white-balance gains must be within (0, 16]");
  }
  if (!color_matrix.empty()) {
    if (color_matrix.size() != 9)
      return Status::Error(ErrorCode::kInvalidArgument, "a colour matrix needs 9 values (3 rows of R, G, B)");
    for (float v : color_matrix)
      if (!(std::abs(v) <= 16.0f))
        return Status::Error(ErrorCode::kInvalidArgument, "colour matrix values must be within -16..16");
    const std::vector<float>& m = color_matrix;
    const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                       m[2] * (m[3] * m[7] - m[4] * m[6]);
    if (invertible && std::abs(det) < 1e-3)
      return Status::Error(ErrorCode::kInvalidArgument, "the colour matrix cannot be inverted");
  }
  return Status::Ok();
}

CellMirror rggb_mirror(BayerPattern pattern) {
  switch (pattern) {
    case BayerPattern::kRGGB: return {false, false};
    case BayerPattern::kBGGR: return {true, true};
    case BayerPattern::kGRBG: return {true, false};
    case BayerPattern::kGBRG: return {false, true};
  }
  return {};
}

Status bayer_to_rggb_mosaic(const FrameView& frame, const SensorLevels& levels, const ImageView& mosaic) {
  Status status = check_bayer(frame, levels);
  if (!status.ok()) return status;
  const int cells_x = frame.width / 2, cells_y = frame.height / 2;
  if (mosaic.data == nullptr || mosaic.channels != 4 || mosaic.width < cells_x || mosaic.height < cells_y)
    return Status::Error(ErrorCode::kInvalidArgument, "the mosaic image does not cover the frame's cells");
  const CellMirror m = rggb_mirror(frame.bayer);
  const float scale = 1.0f / (levels.white - levels.black);
  // Offsets (x, y) of R, G1, G2, B in an RGGB cell, as the frame has them after mirroring.
  int offset_x[4], offset_y[4];
  for (int c = 0; c < 4; ++c) {
    offset_x[c] = m.columns ? 1 - c % 2 : c % 2;
    offset_y[c] = m.rows ? 1 - c / 2 : c / 2;
  }
  for (int cy = 0; cy < mosaic.height; ++cy) {
    const int clamped_y = std::min(cy, cells_y - 1);
    const int fy = 2 * (m.rows ? cells_y - 1 - clamped_y : clamped_y);
    float* dst = mosaic.row(cy);
    for (int cx = 0; cx < mosaic.width; ++cx) {
      const int clamped_x = std::min(cx, cells_x - 1);
      const int fx = 2 * (m.columns ? cells_x - 1 - clamped_x : clamped_x);
      for (int c = 0; c < 4; ++c)
        dst[4 * cx + c] = (code_at(frame, fx + offset_x[c], fy + offset_y[c]) - levels.black) * scale;
    }
  }
  return Status::Ok();
}

void rggb_to_frame_orientation(const ImageView& image, CellMirror mirror, const ImageView& frame_oriented) {
  const int cells_x = frame_oriented.width, cells_y = frame_oriented.height;
  // Source channel of each destination channel: colour c at cell offset (dx, dy) is channel
  // c * 4 + dy * 2 + dx, and mirroring flips the offsets.
  int source[12];
  for (int c = 0; c < 3; ++c)
    for (int dy = 0; dy < 2; ++dy)
      for (int dx = 0; dx < 2; ++dx)
        source[c * 4 + dy * 2 + dx] = c * 4 + (mirror.rows ? 1 - dy : dy) * 2 + (mirror.columns ? 1 - dx : dx);
  for (int y = 0; y < cells_y; ++y) {
    const float* src_row = image.row(mirror.rows ? cells_y - 1 - y : y);
    float* dst = frame_oriented.row(y);
    for (int x = 0; x < cells_x; ++x) {
      const float* src = src_row + 12 * (mirror.columns ? cells_x - 1 - x : x);
      for (int k = 0; k < 12; ++k) dst[12 * x + k] = src[source[k]];
    }
  }
}

Status rgb_to_bayer_frame(const ImageView& image, const SensorLevels& levels, const FrameView& frame) {
  Status status = check_bayer(frame, levels);
  if (!status.ok()) return status;
  if (image.data == nullptr || image.channels != 12 || image.width < frame.width / 2 ||
      image.height < frame.height / 2)
    return Status::Error(ErrorCode::kInvalidArgument, "the RGB image does not cover the Bayer frame");
  const float range = levels.white - levels.black;
  for (int y = 0; y < frame.height; ++y) {
    const float* cells = image.row(y / 2);
    std::uint8_t* row = frame.planes[0] + y * frame.strides[0];
    int channel[2];
    for (int dx = 0; dx < 2; ++dx) channel[dx] = colour_at(frame.bayer, dx, y % 2) * 4 + (y % 2) * 2 + dx;
    for (int x = 0; x < frame.width; ++x) {
      float v = levels.black + cells[12 * (x / 2) + channel[x % 2]] * range + 0.5f;
      v = v < 0.0f ? 0.0f : (v > levels.white ? levels.white : v);
      if (frame.format == PixelFormat::kBayer8) {
        row[x] = static_cast<std::uint8_t>(v);
      } else {
        const std::uint16_t code = static_cast<std::uint16_t>(v);
        std::memcpy(row + 2 * x, &code, 2);
      }
    }
  }
  return Status::Ok();
}

}  // namespace neuralisp
