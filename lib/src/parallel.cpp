// SPDX-License-Identifier: LGPL-2.1-or-later
#include "parallel.h"

#include <ATen/Parallel.h>

#include <cstdint>

namespace neuralisp {

int team_size() { return at::get_num_threads(); }

void parallel_parts(int parts, const std::function<void(int part)>& body) {
  at::parallel_for(0, parts, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t part = begin; part < end; ++part) body(static_cast<int>(part));
  });
}

}  // namespace neuralisp
