// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <memory>
#include <vector>

#include "neuralisp/frame.h"
#include "neuralisp/model.h"
#include "neuralisp/processor.h"
#include "neuralisp/status.h"

namespace neuralisp {

struct RestorerOptions {
  ModelOptions model;
  RuntimeSettings runtime;
};

// How much of each degradation to remove, 0..1 on the task-vector scale of the model card
// (models/restore/README.md): blur sigma / 4, noise sigma / 50, (100 - JPEG quality) / 90.
// 0 keeps a degradation, 1 removes all of it.
struct RestoreTask {
  float deblur = 0.0f;
  float denoise = 0.0f;
  float dejpeg = 0.0f;
};

// Where the task comes from.
enum class RestoreMode {
  kManual,  // each output's task as set_tasks() gives it
  kBlind,   // every output removes the degradation the model estimates in the frames, smoothed
            // over time (needs a model with an `estimate` method)
};

// Controllable restoration with several outputs from one pass of a shared trunk: each output
// frame gets its own task, and the model's trunk runs once per frame (per tile) while a head runs
// per output from its features. A model that estimates its input's degradation levels does so
// once per frame; the trunk is told the estimate, smoothed over frames, in either mode. Frames in
// any supported RGB or YUV format.
class Restorer final : public Processor {
 public:
  static Status create(const RestorerOptions& options, std::unique_ptr<Restorer>& restorer);
  ~Restorer() override;

  // One task per output of the next process() call, in order. Takes effect from the next frame.
  // In blind mode only their number counts.
  Status set_tasks(const std::vector<RestoreTask>& tasks);
  // Fails for kBlind when the model cannot estimate levels. Takes effect from the next frame.
  Status set_mode(RestoreMode mode);
  // The smoothed estimate of the input's degradation as a task (all zero before the first frame,
  // after reset() and for a model that does not estimate).
  RestoreTask estimate() const noexcept;
  // As many outputs as tasks, each of the input's format and size.
  Status process(const FrameView& input, const std::vector<FrameView>& outputs) override;
  void configure(const RuntimeSettings& settings) noexcept override;
  // Forgets the estimate, so that the next frame starts a new one; clears the statistics.
  void reset() noexcept override;
  // "outputs", "blind" (1 or 0), where the last frame's time went: "convert-in-ms",
  // "estimate-ms", "trunk-ms", "heads-ms", "convert-out-ms"; with a model that estimates, also
  // the estimate in the degradations' units: "blur-sigma" (pixels), "noise-sigma" (0-255
  // scale), "jpeg-quality" (100 = none).
  Statistics statistics() const noexcept override;
  const ModelInfo* model_info() const noexcept override;

 private:
  struct Impl;
  explicit Restorer(std::unique_ptr<Impl> impl);
  Status restore(const FrameView& input, const std::vector<FrameView>& outputs);
  void update_estimate(const std::vector<float>& levels);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralisp
