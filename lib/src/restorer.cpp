// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralisp/restorer.h"

#include <algorithm>
#include <numeric>

#include "frame_checks.h"
#include "guard.h"
#include "network_input.h"
#include "tiling.h"

namespace neuralisp {
namespace {

// The signature a restoration model declares (models/restore/export.py): trunk(image, levels)
// -> features, head(features, task) -> image.
bool is_restorer(const ModelInfo& info) {
  const MethodSpec* trunk = info.method("trunk");
  const MethodSpec* head = info.method("head");
  return info.task == "restore" && trunk && head && trunk->inputs.size() == 2 &&
         trunk->inputs[0].kind == ValueKind::kImage && trunk->inputs[0].channels == 3 &&
         trunk->inputs[1].kind == ValueKind::kVector && trunk->inputs[1].shape == std::vector<int>{3} &&
         trunk->outputs.size() == 1 && trunk->outputs[0].kind == ValueKind::kFeatures && head->inputs.size() == 2 &&
         head->inputs[0].kind == ValueKind::kFeatures && head->inputs[1].kind == ValueKind::kVector &&
         head->inputs[1].shape == std::vector<int>{3} && head->outputs.size() == 1 &&
         head->outputs[0].kind == ValueKind::kImage && head->outputs[0].channels == 3 && head->outputs[0].scale == 1.0f;
}

// Whether the model measures its input's levels: estimate(image) -> levels:vector/3.
bool can_estimate(const ModelInfo& info) {
  const MethodSpec* estimate = info.method("estimate");
  return estimate && estimate->inputs.size() == 1 && estimate->inputs[0].kind == ValueKind::kImage &&
         estimate->inputs[0].channels == 3 && estimate->outputs.size() == 1 &&
         estimate->outputs[0].kind == ValueKind::kVector && estimate->outputs[0].shape == std::vector<int>{3};
}

bool in_range(float v) { return v >= 0.0f && v <= 1.0f; }

// The estimate follows the frames with this weight per frame (a time constant of about 8
// frames): quick enough to follow a scene change, slow enough that the restoration does not
// flicker with the estimate's frame-to-frame noise.
constexpr float kEstimateSmoothing = 0.12f;
// So slow a quantity is measured on every eighth frame only (the first after a start or reset
// always), with the weight of the frames since the last measurement: the same time constant for
// an eighth of the cost (the estimate is 5 of 35 ms per 640x480 frame). What varies between two
// measurements of one scene is its noise's realisation, which moves the levels far less than
// the smoothing's steps; a new scene is followed within 8 frames.
constexpr int kEstimateEvery = 8;
constexpr float compounded_weight(float per_frame, int frames) {
  float kept = 1.0f;
  for (int i = 0; i < frames; ++i) kept *= 1.0f - per_frame;
  return 1.0f - kept;
}
constexpr float kEstimateWeight = compounded_weight(kEstimateSmoothing, kEstimateEvery);

// The levels are statistics of the whole frame, measured on at most this many frame pixels per
// side (a centred window of a larger frame): a megapixel pins them down, and a 4K frame's
// estimate then costs what a 720p one does.
constexpr int kEstimateWindowSide = 1280;
// The window's origin keeps the frame's JPEG block grid (16: 4:2:0 macroblocks), whose
// phase the estimator reads.
constexpr int kJpegGrid = 16;

// The centred window of `input` (the frame unshuffled by `unshuffle`) that the levels are
// measured on.
ImageView estimate_window(const ImageView& input, int unshuffle, int alignment) {
  const int step = std::lcm(kJpegGrid, alignment);
  auto window = [&](int cells, int& origin) {
    const int frame = cells * unshuffle;
    const int side = std::min(frame, kEstimateWindowSide / alignment * alignment);
    origin = (frame - side) / 2 / step * step / unshuffle;
    return side / unshuffle;
  };
  int x0 = 0, y0 = 0;
  ImageView v = input;
  v.width = window(input.width, x0);
  v.height = window(input.height, y0);
  v.data = input.row(y0) + static_cast<std::ptrdiff_t>(x0) * input.channels;
  return v;
}

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
  int frames_since_estimate = 0;
  RestoreTask estimate;
  // Told to the trunk: the smoothed estimate, or the trunk's declared levels for a model that
  // does not estimate.
  Value trunk_levels;
  std::vector<Value> measured;
  Image input;
  Tiler tiler;
  std::vector<Value> trunk;
  // One head's outputs per task: the views stay valid while the tile is blended.
  std::vector<std::vector<Value>> heads;
  std::vector<ImageView> images;
  double convert_in_ms = 0.0, estimate_ms = 0.0, trunk_ms = 0.0, heads_ms = 0.0, convert_out_ms = 0.0;
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
    restorer->reset();  // the trunk's levels start as the model declares them
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
                         "blind mode needs a model with an 'estimate' method (image -> levels:vector/3)");
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
  impl_->frames_since_estimate = 0;
  impl_->estimate = RestoreTask();
  impl_->trunk_levels = Value::of_vector(impl_->model->info().method("trunk")->inputs[1].defaults);
  impl_->convert_in_ms = impl_->estimate_ms = impl_->trunk_ms = impl_->heads_ms = impl_->convert_out_ms = 0.0;
}

Statistics Restorer::statistics() const noexcept {
  try {
    const Impl& r = *impl_;
    const bool blind = r.mode == RestoreMode::kBlind;
    Statistics stats{{"outputs", static_cast<double>(r.tasks.size())},
                     {"blind", blind ? 1.0 : 0.0},
                     {"convert-in-ms", r.convert_in_ms},
                     {"estimate-ms", r.estimate_ms},
                     {"trunk-ms", r.trunk_ms},
                     {"heads-ms", r.heads_ms},
                     {"convert-out-ms", r.convert_out_ms}};
    if (r.can_estimate) {
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
  return guarded("restoring a frame", [&] { return impl_->model->run_job([&] { return restore(input, outputs); }); });
}

void Restorer::update_estimate(const std::vector<float>& levels) {
  Impl& r = *impl_;
  const RestoreTask measured{std::clamp(levels[0], 0.0f, 1.0f), std::clamp(levels[1], 0.0f, 1.0f),
                             std::clamp(levels[2], 0.0f, 1.0f)};
  if (!r.has_estimate) {
    r.estimate = measured;
    r.has_estimate = true;
  } else {
    r.estimate.deblur += kEstimateWeight * (measured.deblur - r.estimate.deblur);
    r.estimate.denoise += kEstimateWeight * (measured.denoise - r.estimate.denoise);
    r.estimate.dejpeg += kEstimateWeight * (measured.dejpeg - r.estimate.dejpeg);
  }
  r.trunk_levels.values = {r.estimate.deblur, r.estimate.denoise, r.estimate.dejpeg};
}

Status Restorer::restore(const FrameView& input, const std::vector<FrameView>& outputs) {
  Impl& r = *impl_;
  const ModelInfo& info = r.model->info();
  const Clock::time_point start = Clock::now();
  Status status = frame_to_network_input(input, info, r.input);
  if (!status.ok()) return status;
  const Clock::time_point converted = Clock::now();

  double estimate_ms = 0.0, trunk_ms = 0.0, heads_ms = 0.0;
  r.heads.resize(r.tasks.size());
  // Per tile: the trunk once, then every head from its features.
  const TileFunction run_tile = [&](const ImageView& tile, std::vector<ImageView>& images) -> Status {
    const Clock::time_point t0 = Clock::now();
    Status s = r.model->run("trunk", {Value::of_image(tile), r.trunk_levels}, r.trunk);
    if (!s.ok()) return s;
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
  // The levels before tiling, so that every tile's trunk is told the same ones.
  if (r.can_estimate && (!r.has_estimate || ++r.frames_since_estimate >= kEstimateEvery)) {
    r.frames_since_estimate = 0;
    status = r.model->run("estimate", {Value::of_image(estimate_window(r.input.view(), info.unshuffle, info.alignment))},
                          r.measured);
    if (!status.ok()) return status;
    update_estimate(r.measured[0].values);
    estimate_ms = ms_between(converted, Clock::now());
  }
  status = r.tiler.run(r.input.view(), {info.unshuffle, info.alignment, info.overlap, r.runtime.tile_size}, run_tile,
                       &r.images);
  if (!status.ok()) return status;
  const Clock::time_point inferred = Clock::now();
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    status = image_to_frame(r.images[i], outputs[i], info.unshuffle, &input);
    if (!status.ok()) return status;
  }
  r.convert_in_ms = ms_between(start, converted);
  r.estimate_ms = estimate_ms;
  r.trunk_ms = trunk_ms;
  r.heads_ms = heads_ms;
  r.convert_out_ms = ms_between(inferred, Clock::now());
  return Status::Ok();
}

}  // namespace neuralisp
