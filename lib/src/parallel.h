// SPDX-License-Identifier: LGPL-2.1-or-later
// Work between a model's methods, split over the thread team the models run with.
#pragma once

#include <functional>

namespace neuralisp {

// The calling thread's LibTorch team size: on the inference thread (inside Model::run_job), the
// threads the models' methods run with.
int team_size();

// Runs body(part) for every part = 0 .. parts - 1 over the calling thread's LibTorch team, so
// that on the inference thread the work shares the models' cores instead of starting a team of
// its own that would compete with theirs. `body` must not throw.
void parallel_parts(int parts, const std::function<void(int part)>& body);

}  // namespace neuralisp
