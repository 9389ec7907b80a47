// SPDX-License-Identifier: LGPL-2.1-or-later
// The per-pixel half of a global colour model. It runs on every pixel of every frame (ispenhance
// at 1080p: 2 million pixels), so rows are split over the cores and each row is worked in short
// planar runs that the compiler vectorises; the tone curve is resampled once per call into a
// dense table, so that a pixel finds its segment by one multiplication.
#include <algorithm>
#include <cmath>

#include "guard.h"
#include "neuralisp/color.h"
#include "parallel.h"

namespace neuralisp {
namespace {

// Entries of the dense tone table, interpolated linearly like the curve's own samples: between
// the curve's knots it reproduces the curve exactly.
constexpr int kToneTableSize = 4096;
// Pixels worked at once: three planar runs of this length stay in L1.
constexpr int kRun = 256;

std::vector<float> dense_tone_table(const std::vector<float>& tone) {
  std::vector<float> table(kToneTableSize);
  const float last = static_cast<float>(tone.size() - 1);
  for (int i = 0; i < kToneTableSize; ++i) {
    const float position = static_cast<float>(i) / (kToneTableSize - 1) * last;
    const int k = std::min(static_cast<int>(position), static_cast<int>(tone.size()) - 2);
    const float t = position - static_cast<float>(k);
    table[i] = tone[k] + t * (tone[k + 1] - tone[k]);
  }
  return table;
}

template <int Cells>
struct Kernel {
  const ColorTransform& ct;
  const std::vector<float>& table;  // empty: no tone curve
  bool quadratic;
  static constexpr int cells = Cells;

  // Pixels [first, first + n) of a row: pixel p is offset p % Cells of cell p / Cells (colour c
  // at channel c * Cells + offset).
  void run(float* row, int channels, int first, int n) const {
    alignas(64) float r[kRun], g[kRun], b[kRun], out[3][kRun];
    for (int i = 0; i < n; ++i) {
      const int p = first + i;
      const float* cell = row + (p / cells) * channels + p % cells;
      r[i] = cell[0] * ct.gains[0];
      g[i] = cell[cells] * ct.gains[1];
      b[i] = cell[2 * cells] * ct.gains[2];
    }
    for (int c = 0; c < 3; ++c) {
      const float* w = ct.matrix.data() + 10 * c;
      float* o = out[c];
      if (quadratic) {
        for (int i = 0; i < n; ++i)
          o[i] = w[0] * r[i] + w[1] * g[i] + w[2] * b[i] + w[3] * r[i] * r[i] + w[4] * g[i] * g[i] +
                 w[5] * b[i] * b[i] + w[6] * r[i] * g[i] + w[7] * r[i] * b[i] + w[8] * g[i] * b[i] + w[9];
      } else {
        for (int i = 0; i < n; ++i) o[i] = w[0] * r[i] + w[1] * g[i] + w[2] * b[i];
      }
      for (int i = 0; i < n; ++i) o[i] = std::min(std::max(o[i], 0.0f), 1.0f);
      if (!table.empty()) {
        const float* t = table.data();
        for (int i = 0; i < n; ++i) {
          const float position = o[i] * (kToneTableSize - 1);
          const int k = std::min(static_cast<int>(position), kToneTableSize - 2);
          o[i] = t[k] + (position - static_cast<float>(k)) * (t[k + 1] - t[k]);
        }
      }
    }
    for (int i = 0; i < n; ++i) {
      const int p = first + i;
      float* cell = row + (p / cells) * channels + p % cells;
      cell[0] = out[0][i];
      cell[cells] = out[1][i];
      cell[2 * cells] = out[2][i];
    }
  }
};

}  // namespace

bool ColorTransform::is_identity() const {
  const ColorTransform identity;
  return gains == identity.gains && matrix == identity.matrix && tone.empty();
}

std::vector<float> camera_tone_curve(int samples) {
  std::vector<float> curve(static_cast<std::size_t>(std::max(samples, 2)));
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const float x = std::pow(static_cast<float>(i) / static_cast<float>(curve.size() - 1), 1.0f / 2.2f);
    curve[i] = 3.0f * x * x - 2.0f * x * x * x;
  }
  return curve;
}

Status apply_color_transform(const ColorTransform& transform, const ImageView& image, int unshuffle) {
  if (unshuffle != 1 && unshuffle != 2 && unshuffle != 4)
    return Status::Error(ErrorCode::kInvalidArgument, "unshuffle must be 1, 2 or 4");
  if (image.data == nullptr || image.channels != 3 * unshuffle * unshuffle)
    return Status::Error(ErrorCode::kInvalidArgument, "a colour transform needs an RGB image in the unshuffled layout");
  for (float v : transform.gains)
    if (!std::isfinite(v)) return Status::Error(ErrorCode::kInvalidArgument, "white-balance gains must be finite");
  for (float v : transform.matrix)
    if (!std::isfinite(v)) return Status::Error(ErrorCode::kInvalidArgument, "colour matrix values must be finite");
  if (transform.tone.size() == 1)
    return Status::Error(ErrorCode::kInvalidArgument, "a tone curve needs at least two samples");
  return guarded("applying a colour transform", [&] {
    bool quadratic = false;
    for (int c = 0; c < 3; ++c)
      for (int k = 3; k < 10; ++k) quadratic = quadratic || transform.matrix[10 * c + k] != 0.0f;
    const std::vector<float> table = transform.tone.empty() ? std::vector<float>() : dense_tone_table(transform.tone);
    const auto apply = [&](const auto& kernel) {
      const int pixels_per_row = image.width * kernel.cells;
      parallel_parts(image.height, [&](int y) {
        for (int first = 0; first < pixels_per_row; first += kRun)
          kernel.run(image.row(y), image.channels, first, std::min(kRun, pixels_per_row - first));
      });
    };
    if (unshuffle == 1)
      apply(Kernel<1>{transform, table, quadratic});
    else if (unshuffle == 2)
      apply(Kernel<4>{transform, table, quadratic});
    else
      apply(Kernel<16>{transform, table, quadratic});
    return Status::Ok();
  });
}

}  // namespace neuralisp
