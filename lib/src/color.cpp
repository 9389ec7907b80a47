// SPDX-License-Identifier: LGPL-2.1-or-later
// The per-pixel half of a global colour model: plain loops over float images.
#include <algorithm>
#include <cmath>

#include "guard.h"
#include "neuralisp/color.h"

namespace neuralisp {
namespace {

inline float clip01(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }

// The tone curve at v in 0..1, interpolated between its samples.
inline float tone_at(const std::vector<float>& tone, float v) {
  const float position = v * static_cast<float>(tone.size() - 1);
  const int i = std::min(static_cast<int>(position), static_cast<int>(tone.size()) - 2);
  const float t = position - static_cast<float>(i);
  return tone[i] + t * (tone[i + 1] - tone[i]);
}

template <bool Quadratic>
void transform_image(const ColorTransform& ct, const ImageView& image, int unshuffle) {
  const int cells = unshuffle * unshuffle;
  const float* m = ct.matrix.data();
  const bool has_tone = ct.tone.size() >= 2;
  for (int y = 0; y < image.height; ++y) {
    float* row = image.row(y);
    for (int x = 0; x < image.width; ++x) {
      float* cell = row + x * image.channels;
      for (int k = 0; k < cells; ++k) {
        const float r = cell[k] * ct.gains[0], g = cell[cells + k] * ct.gains[1], b = cell[2 * cells + k] * ct.gains[2];
        float out[3];
        for (int c = 0; c < 3; ++c) {
          const float* w = m + 10 * c;
          float v = w[0] * r + w[1] * g + w[2] * b;
          if constexpr (Quadratic)
            v += w[3] * r * r + w[4] * g * g + w[5] * b * b + w[6] * r * g + w[7] * r * b + w[8] * g * b + w[9];
          out[c] = clip01(v);
        }
        for (int c = 0; c < 3; ++c) cell[c * cells + k] = has_tone ? tone_at(ct.tone, out[c]) : out[c];
      }
    }
  }
}

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
    if (quadratic)
      transform_image<true>(transform, image, unshuffle);
    else
      transform_image<false>(transform, image, unshuffle);
    return Status::Ok();
  });
}

}  // namespace neuralisp
