// SPDX-License-Identifier: LGPL-2.1-or-later
// How many threads a model run with threads=0 (one per core) really gets.
#pragma once

#include <chrono>
#include <functional>

namespace neuralisp {

// LibTorch's OpenMP team spins at every barrier between a network's layers, which is what makes
// a quiet machine fast; but when another process or thread keeps one of the cores busy, a member
// of the team is descheduled in the middle of a run and the others wait out the scheduler's slice
// at every barrier: a 640x480 denoising pass went from 11 ms with one thread to 210-435 ms with
// two while a training run held one of the two cores. Such a run is recognisable afterwards:
// the thread that ran it had the CPU for about half of its wall time (the spinning counts as CPU
// time, so an undisturbed team stays near 100%; a quiet machine's runs dip below 75% now and
// then, one at a time). After two such runs in a row the team is halved; one step up is tried
// again after a back-off (1 s, doubling to 64 s while the tries are starved too) and only when
// the machine shows idle cores, so that a try rarely costs a slow frame.
class ThreadBudget {
 public:
  using Clock = std::chrono::steady_clock;
  // `idle_cores`: cores idle since its previous call (reads /proc/stat by default).
  explicit ThreadBudget(int cores, std::function<double()> idle_cores = {});

  // Threads for the next run.
  int next(Clock::time_point now = Clock::now());
  // What a run with `threads` took: wall and the running thread's CPU time.
  void observed(int threads, double wall_ms, double cpu_ms, Clock::time_point now = Clock::now());

  static constexpr double kStarvedCpuShare = 0.6;  // below this share of the wall time: starved
  static constexpr int kStarvedRunsInARow = 2;      // before the team is halved
  static constexpr double kShortestRunMs = 1.0;     // shorter runs say nothing
  static constexpr double kFirstBackoffS = 1.0;
  static constexpr double kLongestBackoffS = 64.0;

 private:
  int cores_;
  int threads_;
  int trying_ = 0;  // a step up being tried, 0 when none
  int starved_runs_ = 0;  // in a row, at the present team size
  Clock::time_point try_after_;
  double backoff_s_ = kFirstBackoffS;
  std::function<double()> idle_cores_;
};

// The machine's idle time, sampled from /proc/stat: idle_cores() is the cores idle since its
// previous call (all of them on the first call, or where /proc/stat cannot be read).
class IdleCores {
 public:
  explicit IdleCores(int cores) : cores_(cores) {}
  double operator()();

 private:
  int cores_;
  unsigned long long last_idle_ = 0, last_total_ = 0;
};

}  // namespace neuralisp
