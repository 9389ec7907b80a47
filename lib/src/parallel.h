// SPDX-License-Identifier: LGPL-2.1-or-later
// The library's one way to split work over the cores.
#pragma once

#include <functional>

namespace neuralisp {

// Called once by the inference thread (model.cpp), the thread every model runs on.
void mark_inference_thread();

// How many threads parallel_parts() splits over on the calling thread: on the inference thread
// (inside Model::run_job), the threads the models' methods run with.
int team_size();

// Runs body(part) for every part = 0 .. parts - 1, shared among the cores. On the inference
// thread the parts run on LibTorch's OpenMP team, the cores the models have just used: OpenCV's
// pool would compete with that team's workers, which spin for a while after each parallel
// region (a 1280x720 frame's colour transform and writing took 4.9-5.6 ms instead of 3.4
// beside them). Elsewhere they run on OpenCV's pool, which every thread shares: an OpenMP team of the
// caller's own would put more OpenMP threads than cores in the process (see model.cpp). `body`
// must not throw.
void parallel_parts(int parts, const std::function<void(int part)>& body);

}  // namespace neuralisp
