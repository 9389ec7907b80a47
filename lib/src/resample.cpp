// SPDX-License-Identifier: LGPL-2.1-or-later
// Image resampling, for the global stages of a model that run once on a downscaled frame.
#include <opencv2/imgproc.hpp>

#include "guard.h"
#include "neuralisp/image.h"

namespace neuralisp {

Status resize_image(const ImageView& source, const ImageView& target) {
  if (source.data == nullptr || target.data == nullptr || source.channels != target.channels ||
      source.channels < 1 || source.channels > CV_CN_MAX || source.width < 1 || source.height < 1 ||
      target.width < 1 || target.height < 1)
    return Status::Error(ErrorCode::kInvalidArgument, "resize needs two images with the same channels");
  return guarded("resizing an image", [&] {
    const int type = CV_32FC(source.channels);
    const cv::Mat from(source.height, source.width, type, source.data, source.row_stride * sizeof(float));
    cv::Mat to(target.height, target.width, type, target.data, target.row_stride * sizeof(float));
    const bool shrinking = target.width <= source.width && target.height <= source.height;
    // Area averaging when shrinking, so that a global estimate sees every pixel, not a sample.
    cv::resize(from, to, to.size(), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    return Status::Ok();
  });
}

}  // namespace neuralisp
