// SPDX-License-Identifier: LGPL-2.1-or-later
// Image resampling, for the global stages of a model that run once on a downscaled frame.
#include <algorithm>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "guard.h"
#include "neuralisp/image.h"
#include "parallel.h"

namespace neuralisp {
namespace {

// Output i of m averages inputs [floor(i n / m), ceil((i + 1) n / m)): PyTorch's
// adaptive_avg_pool2d, which the global stages are trained with (models/raw, models/enhance).
int bin_begin(int i, int n, int m) { return static_cast<int>(static_cast<long>(i) * n / m); }
int bin_end(int i, int n, int m) { return static_cast<int>((static_cast<long>(i + 1) * n + m - 1) / m); }

// Reads every source pixel once, target rows shared among the cores (a 1080p frame to 64x64 took
// 4.4 ms with OpenCV's INTER_AREA, whose fractional weights also differ from the training's bins).
// Channels is the channel count when known at compile time (the inner loop unrolls), 0 otherwise.
template <int Channels>
void average_into_bins(const ImageView& from, const ImageView& to) {
  const int c = Channels > 0 ? Channels : from.channels;
  parallel_parts(to.height, [&](int ty) {
    std::vector<double> sums(static_cast<std::size_t>(c) * to.width);
    const int y0 = bin_begin(ty, from.height, to.height), y1 = bin_end(ty, from.height, to.height);
    for (int y = y0; y < y1; ++y) {
      const float* row = from.row(y);
      for (int tx = 0; tx < to.width; ++tx) {
        float bin[Channels > 0 ? Channels : CV_CN_MAX] = {};
        for (int x = bin_begin(tx, from.width, to.width), x1 = bin_end(tx, from.width, to.width); x < x1; ++x)
          for (int k = 0; k < c; ++k) bin[k] += row[c * x + k];
        for (int k = 0; k < c; ++k) sums[c * tx + k] += bin[k];
      }
    }
    float* out = to.row(ty);
    for (int tx = 0; tx < to.width; ++tx) {
      const double area =
          static_cast<double>(y1 - y0) * (bin_end(tx, from.width, to.width) - bin_begin(tx, from.width, to.width));
      for (int k = 0; k < c; ++k) out[c * tx + k] = static_cast<float>(sums[c * tx + k] / area);
    }
  });
}

}  // namespace

Status resize_image(const ImageView& source, const ImageView& target) {
  if (source.data == nullptr || target.data == nullptr || source.channels != target.channels ||
      source.channels < 1 || source.channels > CV_CN_MAX || source.width < 1 || source.height < 1 ||
      target.width < 1 || target.height < 1 ||
      source.row_stride < static_cast<std::ptrdiff_t>(source.width) * source.channels ||
      target.row_stride < static_cast<std::ptrdiff_t>(target.width) * target.channels)
    return Status::Error(ErrorCode::kInvalidArgument, "resize needs two images with the same channels and rows that hold them");
  return guarded("resizing an image", [&] {
    // Area averaging when shrinking, so that a global estimate sees every pixel, not a sample.
    if (target.width <= source.width && target.height <= source.height) {
      if (source.channels == 3)
        average_into_bins<3>(source, target);
      else if (source.channels == 4)
        average_into_bins<4>(source, target);
      else
        average_into_bins<0>(source, target);
      return Status::Ok();
    }
    const int type = CV_32FC(source.channels);
    const cv::Mat from(source.height, source.width, type, source.data, source.row_stride * sizeof(float));
    cv::Mat to(target.height, target.width, type, target.data, target.row_stride * sizeof(float));
    cv::resize(from, to, to.size(), 0, 0, cv::INTER_LINEAR);
    return Status::Ok();
  });
}

}  // namespace neuralisp
