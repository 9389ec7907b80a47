// SPDX-License-Identifier: LGPL-2.1-or-later
#include "parallel.h"

#include <ATen/Parallel.h>
#include <opencv2/core.hpp>

#include <cstdint>

namespace neuralisp {

namespace {
thread_local bool on_inference_thread = false;
}  // namespace

void mark_inference_thread() { on_inference_thread = true; }

int team_size() { return on_inference_thread ? at::get_num_threads() : cv::getNumThreads(); }

void parallel_parts(int parts, const std::function<void(int part)>& body) {
  if (on_inference_thread) {
    at::parallel_for(0, parts, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t part = begin; part < end; ++part) body(static_cast<int>(part));
    });
  } else {
    cv::parallel_for_(cv::Range(0, parts), [&](const cv::Range& range) {
      for (int part = range.start; part < range.end; ++part) body(part);
    });
  }
}

}  // namespace neuralisp
