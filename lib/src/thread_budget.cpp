// SPDX-License-Identifier: LGPL-2.1-or-later
#include "thread_budget.h"

#include <algorithm>
#include <fstream>
#include <string>

namespace neuralisp {

ThreadBudget::ThreadBudget(int cores, std::function<double()> idle_cores)
    : cores_(std::max(1, cores)), threads_(cores_), idle_cores_(std::move(idle_cores)) {
  if (!idle_cores_) idle_cores_ = IdleCores(cores_);
}

int ThreadBudget::next(Clock::time_point now) {
  if (trying_ == 0 && threads_ < cores_ && now >= try_after_) {
    // Tried only where the step up would find a core free.
    if (idle_cores_() >= 0.5 * (std::min(cores_, threads_ * 2) - threads_)) trying_ = std::min(cores_, threads_ * 2);
    else try_after_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kFirstBackoffS));
  }
  return trying_ ? trying_ : threads_;
}

void ThreadBudget::observed(int threads, double wall_ms, double cpu_ms, Clock::time_point now) {
  if (threads <= 1 || wall_ms < kShortestRunMs) return;
  const bool starved = cpu_ms < kStarvedCpuShare * wall_ms;
  const bool was_trying = trying_ != 0;
  trying_ = 0;
  starved_runs_ = starved ? starved_runs_ + 1 : 0;
  // A try is judged by its one run; the present team by two in a row.
  if (starved && !was_trying && starved_runs_ < kStarvedRunsInARow) return;
  if (!starved) {
    if (was_trying) {
      // The step up held: the next one waits the first back-off.
      threads_ = threads;
      backoff_s_ = kFirstBackoffS;
      try_after_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kFirstBackoffS));
    }
    return;
  }
  starved_runs_ = 0;
  threads_ = std::max(1, threads / 2);
  try_after_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(backoff_s_));
  backoff_s_ = std::min(kLongestBackoffS, backoff_s_ * 2);
}

double IdleCores::operator()() {
  std::ifstream stat("/proc/stat");
  std::string label;
  unsigned long long value = 0, idle = 0, total = 0;
  if (!(stat >> label) || label != "cpu") return cores_;
  for (int field = 0; field < 8 && stat >> value; ++field) {
    total += value;
    if (field == 3 || field == 4) idle += value;  // idle, iowait
  }
  const unsigned long long d_total = total - last_total_, d_idle = idle - last_idle_;
  const bool first = last_total_ == 0;
  last_idle_ = idle;
  last_total_ = total;
  if (first || d_total == 0) return cores_;
  return cores_ * static_cast<double>(d_idle) / static_cast<double>(d_total);
}

}  // namespace neuralisp
