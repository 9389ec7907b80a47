// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralisp/restorer.h"

#include <algorithm>

#include "frame_checks.h"
#include "guard.h"
#include "network_input.h"
#include "tiling.h"

namespace neuralisp {
namespace {

// The signature a restoration model declares (models/restore/export.py).
bool is_restorer(const ModelInfo& info) {
  const MethodSpec* trunk = info.method("trunk");
  const MethodSpec* head = info.method("head");
  return info.task == "restore" && trunk && head && trunk->inputs.size() == 1 &&
         trunk->inputs[0].kind == ValueKind::kImage && trunk->inputs[0].channels == 3 &&
         trunk->outputs.size() == 1 && trunk->outputs[0].kind == ValueKind::kFeatures && head->inputs.size() == 2 &&
         head->inputs[0].kind == ValueKind::kFeatures && head->inputs[1].kind == ValueKind::kVector &&
         head->inputs[1].shape == std::vector<int>{3} && head->outputs.size() == 1 &&
         head->outputs[0].kind == ValueKind::kImage && head->outputs[0].channels == 3 && head->outputs[0].scale == 1.0f;
}

// Whether the model can run blind: estimate(features) -> levels:vector/3.
bool can_estimate(const ModelInfo& info) {
  const MethodSpec* estimate = info.method("estimate");
  return estimate && estimate->inputs.size() == 1 && estimate->inputs[0].kind == ValueKind::kFeatures &&
         estimate->outputs.size() == 1 && estimate->outputs[0].kind == ValueKind::kVector &&
         estimate->outputs[0].shape == std::vector<int>{3};
}

bool in_range(float v) { return v >= 0.0f && v <= 1.0f; }

// The blind mode's estimate follows the frames with this weight per frame (a time constant of
// about 8 frames): quick enough to follow a scene change, slow enough that the restoration does
// not flicker with the estimate's frame-to-frame noise.
constexpr float kEstimateSmoothing = 0.12f;

// The degradations' units on the task scale (models/restore/README.md).
constexpr float kMaxBlurSigma = 4.0f, kMaxNoiseSigma = 50.0f;

}  // namespace

struct Restorer::Impl {
  std::unique_ptr<Model> model;
  RuntimeSettings runtime;
  std::vector<RestoreTask> tasks;
  RestoreMode mode = RestoreMode::kManual;
  bool can_estimate = false;
  bool has_estimate = false;
  RestoreTask estimate;
  std::vector<Value> levels;
  Image input;
  Tiler tiler;
  std::vector<Value> trunk;
  // One head's outputs per task: the views stay valid while the tile is blended.
  std::vector<std::vector<Value>> heads;
  std::vector<ImageView> images;
  double convert_in_ms = 0.0, trunk_ms = 0.0, heads_ms = 0.0, convert_out_ms = 0.0;
};

Restorer::Restorer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Restorer::~Restorer() = default;

Status Restorer::create(const RestorerOptions& options, std::unique_ptr<Restorer>& restorer) {
  return guarded("creating the restorer", [&]() -> Status {
    auto impl = std::make_unique<Impl>();
    Status status = Model::load(options.model, impl->model);
    if (!status.ok()) return status;
    if (!is_restorer(impl->model->info()))
      return Status::Error(ErrorCode::kInvalidModel, "model '" + options.model.path + "' is a '" +
                                                         impl->model->info().task +
                                                         "' model, not a restorer with trunk and head methods");
    impl->tasks.resize(1);
    impl->can_estimate = can_estimate(impl->model->info());
    restorer.reset(new Restorer(std::move(impl)));
    restorer->configure(options.runtime);
    return Status::Ok();
  });
}

Status Restorer::set_tasks(const std::vector<RestoreTask>& tasks) {
  for (const RestoreTask& t : tasks)
    if (!in_range(t.deblur) || !in_range(t.denoise) || !in_range(t.dejpeg))
      return Status::Error(ErrorCode::kInvalidArgument, "deblur, denoise and dejpeg must be within 0..1");
  return guarded("setting restoration tasks", [&] {
    impl_->tasks = tasks;
    return Status::Ok();
  });
}

Status Restorer::set_mode(RestoreMode mode) {
  if (mode == RestoreMode::kBlind && !impl_->can_estimate)
    return Status::Error(ErrorCode::kInvalidArgument,
                         "blind mode needs a model with an 'estimate' method (features -> levels:vector/3)");
  impl_->mode = mode;
  return Status::Ok();
}

RestoreTask Restorer::estimate() const noexcept { return impl_->estimate; }

void Restorer::configure(const RuntimeSettings& settings) noexcept {
  impl_->runtime = settings;
  impl_->model->set_threads(settings.threads);
}

void Restorer::reset() noexcept {
  impl_->has_estimate = false;
  impl_->estimate = RestoreTask();
  impl_->convert_in_ms = impl_->trunk_ms = impl_->heads_ms = impl_->convert_out_ms = 0.0;
}

Statistics Restorer::statistics() const noexcept {
  try {
    const Impl& r = *impl_;
    const bool blind = r.mode == RestoreMode::kBlind;
    Statistics stats{{"outputs", static_cast<double>(r.tasks.size())},
                     {"blind", blind ? 1.0 : 0.0},
                     {"convert-in-ms", r.convert_in_ms},
                     {"trunk-ms", r.trunk_ms},
                     {"heads-ms", r.heads_ms},
                     {"convert-out-ms", r.convert_out_ms}};
    if (blind) {
      stats.emplace_back("blur-sigma", r.estimate.deblur * kMaxBlurSigma);
      stats.emplace_back("noise-sigma", r.estimate.denoise * kMaxNoiseSigma);
      stats.emplace_back("jpeg-quality", 100.0 - 90.0 * r.estimate.dejpeg);
    }
    return stats;
  } catch (...) {
    return {};
  }
}

const ModelInfo* Restorer::model_info() const noexcept { return &impl_->model->info(); }

Status Restorer::process(const FrameView& input, const std::vector<FrameView>& outputs) {
  const Status status = check_rgb_frames(input, outputs, impl_->tasks.size(), "restorer");
  if (!status.ok()) return status;
  return guarded("restoring a frame", [&] { return restore(input, outputs); });
}

void Restorer::update_estimate(const std::vector<float>& levels, float share) {
  Impl& r = *impl_;
  const RestoreTask measured{std::clamp(levels[0], 0.0f, 1.0f), std::clamp(levels[1], 0.0f, 1.0f),
                             std::clamp(levels[2], 0.0f, 1.0f)};
  if (!r.has_estimate) {
    r.estimate = measured;
    r.has_estimate = true;
    return;
  }
  const float k = kEstimateSmoothing * share;
  r.estimate.deblur += k * (measured.deblur - r.estimate.deblur);
  r.estimate.denoise += k * (measured.denoise - r.estimate.denoise);
  r.estimate.dejpeg += k * (measured.dejpeg - r.estimate.dejpeg);
}

Status Restorer::restore(const FrameView& input, const std::vector<FrameView>& outputs) {
  Impl& r = *impl_;
  const ModelInfo& info = r.model->info();
  const Clock::time_point start = Clock::now();
  Status status = frame_to_network_input(input, info, r.input);
  if (!status.ok()) return status;
  const Clock::time_point converted = Clock::now();

  r.heads.resize(r.tasks.size());
  double trunk_ms = 0.0, heads_ms = 0.0;
  // Per tile: the trunk once, then every head from its features.
  const TileFunction run_tile = [&](const ImageView& tile, std::vector<ImageView>& images) -> Status {
    const Clock::time_point t0 = Clock::now();
    Status s = r.model->run("trunk", {Value::of_image(tile)}, r.trunk);
    if (!s.ok()) return s;
    if (r.mode == RestoreMode::kBlind) {
      s = r.model->run("estimate", {r.trunk[0]}, r.levels);
      if (!s.ok()) return s;
      // Each tile moves the estimate by its share of the frame.
      const ImageView whole = r.input.view();
      const float share = static_cast<float>(tile.width) * tile.height / (static_cast<float>(whole.width) * whole.height);
      update_estimate(r.levels[0].values, std::min(1.0f, share));
    }
    const Clock::time_point t1 = Clock::now();
    images.clear();
    // Blind, every output has the same task: one head serves them all.
    const bool blind = r.mode == RestoreMode::kBlind;
    for (std::size_t i = 0; i < r.tasks.size(); ++i) {
      if (blind && i > 0) {
        images.push_back(images[0]);
        continue;
      }
      const RestoreTask& t = blind ? r.estimate : r.tasks[i];
      s = r.model->run("head", {r.trunk[0], Value::of_vector({t.deblur, t.denoise, t.dejpeg})}, r.heads[i]);
      if (!s.ok()) return s;
      images.push_back(r.heads[i][0].image);
    }
    trunk_ms += ms_between(t0, t1);
    heads_ms += ms_between(t1, Clock::now());
    return Status::Ok();
  };
  status = r.tiler.run(r.input.view(), {info.unshuffle, info.alignment, info.overlap, r.runtime.tile_size}, run_tile,
                       &r.images);
  if (!status.ok()) return status;
  const Clock::time_point inferred = Clock::now();
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    status = image_to_frame(r.images[i], outputs[i], info.unshuffle, &input);
    if (!status.ok()) return status;
  }
  r.convert_in_ms = ms_between(start, converted);
  r.trunk_ms = trunk_ms;
  r.heads_ms = heads_ms;
  r.convert_out_ms = ms_between(inferred, Clock::now());
  return Status::Ok();
}

}  // namespace neuralisp
