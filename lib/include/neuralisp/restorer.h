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

// Controllable restoration with several outputs from one pass of a shared trunk: each output
// frame gets its own task, and the model's trunk runs once per frame (per tile) while a head runs
// per output from its features. Frames in any supported RGB or YUV format.
class Restorer final : public Processor {
 public:
  static Status create(const RestorerOptions& options, std::unique_ptr<Restorer>& restorer);
  ~Restorer() override;

  // One task per output of the next process() call, in order. Takes effect from the next frame.
  Status set_tasks(const std::vector<RestoreTask>& tasks);
  // As many outputs as tasks, each of the input's format and size.
  Status process(const FrameView& input, const std::vector<FrameView>& outputs) override;
  void configure(const RuntimeSettings& settings) noexcept override;
  // Nothing is carried from frame to frame yet; clears the statistics.
  void reset() noexcept override;
  // "outputs", and where the last frame's time went: "convert-in-ms", "trunk-ms", "heads-ms",
  // "convert-out-ms".
  Statistics statistics() const noexcept override;
  const ModelInfo* model_info() const noexcept override;

 private:
  struct Impl;
  explicit Restorer(std::unique_ptr<Impl> impl);
  Status restore(const FrameView& input, const std::vector<FrameView>& outputs);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralisp
