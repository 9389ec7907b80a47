// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralisp/denoiser.h"

#include <numeric>

#include "frame_checks.h"
#include "guard.h"
#include "network_input.h"
#include "temporal_average.h"
#include "tiling.h"

namespace neuralisp {
namespace {

double mean_of(const ImageView& v) {
  double sum = 0.0;
  for (int y = 0; y < v.height; ++y) {
    const float* row = v.row(y);
    sum = std::accumulate(row, row + v.width * v.channels, sum);
  }
  return sum / (static_cast<double>(v.width) * v.height * v.channels);
}

}  // namespace

struct Denoiser::Impl {
  std::unique_ptr<Model> model;
  RuntimeSettings runtime;
  DenoiseParams params;
  Image input;
  Tiler tiler;
  std::vector<Value> inputs;
  std::vector<Value> outputs;
  std::vector<ImageView> images;
  bool can_fuse = false;  // the model has estimate() and denoise_map()
  TemporalAverage temporal;
  std::vector<Value> noise;  // estimate()'s output: the frame's noise map
  Image given_noise;         // the given level as a map
  Image conditioning;        // the noise map denoise_map() is told, times the strength
  float noise_level = 0.0f;
  // Where the last frame's time went, in milliseconds.
  double convert_in_ms = 0.0, network_ms = 0.0, fuse_ms = 0.0, convert_out_ms = 0.0;

  // Cells of the network input per value of the 1/8-resolution noise map.
  int map_cells() const { return model->info().alignment / model->info().unshuffle; }

  // The frame's noise map at 1/8 resolution: estimated on the whole frame, or the given level
  // everywhere. Sets noise_level, the map's mean.
  Status frame_noise(bool estimate, ImageView* map) {
    const ImageView frame = input.view();
    if (estimate) {
      Status s = model->run("estimate", {Value::of_image(frame)}, noise);
      if (!s.ok()) return s;
      *map = noise[0].image;
    } else {
      Status s = given_noise.resize(frame.width / map_cells(), frame.height / map_cells(), 1);
      if (!s.ok()) return s;
      *map = given_noise.view();
      for (int y = 0; y < map->height; ++y) std::fill(map->row(y), map->row(y) + map->width, params.noise_level / 255.0f);
    }
    noise_level = static_cast<float>(mean_of(*map) * 255.0);
    return Status::Ok();
  }

  // What denoise_map() is told: the map times the strength.
  Status condition_on(const ImageView& map) {
    Status s = conditioning.resize(map.width, map.height, 1);
    if (!s.ok()) return s;
    const ImageView out = conditioning.view();
    for (int y = 0; y < map.height; ++y)
      for (int x = 0; x < map.width; ++x) out.row(y)[x] = map.row(y)[x] * params.strength;
    return Status::Ok();
  }

  // denoise_map() over the image tile by tile, each tile told its window of the conditioning map.
  Status denoise_tiles_as_mapped(const ImageView& image, const ImageView& conditioning) {
    const ModelInfo& info = model->info();
    const TileFunction run_tile = [&](const ImageView& tile, std::vector<ImageView>& tile_images) -> Status {
      inputs.assign({Value::of_image(tile),
                     Value::of_image(companion_window(image, tile, conditioning, map_cells()), ValueKind::kMap)});
      Status s = model->run("denoise_map", inputs, outputs);
      if (!s.ok()) return s;
      tile_images.assign({outputs[0].image});
      return Status::Ok();
    };
    return tiler.run(image, {info.unshuffle, info.alignment, info.overlap, runtime.tile_size}, run_tile, &images);
  }
};

Denoiser::Denoiser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Denoiser::~Denoiser() = default;

Status Denoiser::create(const DenoiserOptions& options, std::unique_ptr<Denoiser>& denoiser) {
  return guarded("creating the denoiser", [&]() -> Status {
    auto impl = std::make_unique<Impl>();
    Status status = Model::load(options.model, impl->model);
    if (!status.ok()) return status;
    const ModelInfo& info = impl->model->info();
    const MethodSpec* forward = info.method("forward");
    const bool fits = info.task == "denoise" && forward && forward->inputs.size() == 3 &&
                      forward->inputs[0].kind == ValueKind::kImage && forward->inputs[0].channels == 3 &&
                      forward->outputs.size() == 2 && forward->outputs[0].kind == ValueKind::kImage &&
                      forward->outputs[0].scale == 1.0f && forward->outputs[1].kind == ValueKind::kMap;
    if (!fits)
      return Status::Error(ErrorCode::kInvalidModel, "model '" + options.model.path + "' is a '" + info.task +
                                                         "' model, not a denoiser of the expected signature");
    const MethodSpec* estimate = info.method("estimate");
    const MethodSpec* denoise_map = info.method("denoise_map");
    impl->can_fuse = estimate && estimate->inputs.size() == 1 && estimate->outputs.size() == 1 &&
                     estimate->outputs[0].kind == ValueKind::kMap && denoise_map &&
                     denoise_map->inputs.size() == 2 && denoise_map->inputs[1].kind == ValueKind::kMap &&
                     denoise_map->inputs[1].scale == estimate->outputs[0].scale;
    denoiser.reset(new Denoiser(std::move(impl)));
    denoiser->configure(options.runtime);
    return Status::Ok();
  });
}

Status Denoiser::set_params(const DenoiseParams& params) {
  if (!(params.strength >= 0.0f) || !(params.noise_level <= 255.0f))
    return Status::Error(ErrorCode::kInvalidArgument, "strength must be >= 0 and noise level <= 255");
  if (params.temporal && !impl_->can_fuse)
    return Status::Error(ErrorCode::kInvalidArgument,
                         "the model cannot denoise over time (it has no estimate() and denoise_map() methods)");
  if (!params.temporal) impl_->temporal.reset();
  impl_->params = params;
  return Status::Ok();
}

void Denoiser::configure(const RuntimeSettings& settings) noexcept {
  impl_->runtime = settings;
  impl_->model->set_threads(settings.threads);
}

void Denoiser::reset() noexcept {
  impl_->temporal.reset();
  impl_->noise_level = 0.0f;
  impl_->convert_in_ms = impl_->network_ms = impl_->fuse_ms = impl_->convert_out_ms = 0.0;
}

Statistics Denoiser::statistics() const noexcept {
  try {
    return {{"noise-level", impl_->noise_level},
            {"estimated", impl_->params.noise_level < 0.0f ? 1.0 : 0.0},
            {"strength", impl_->params.strength},
            {"convert-in-ms", impl_->convert_in_ms},
            {"network-ms", impl_->network_ms},
            {"fuse-ms", impl_->fuse_ms},
            {"convert-out-ms", impl_->convert_out_ms}};
  } catch (...) {
    return {};
  }
}

const ModelInfo* Denoiser::model_info() const noexcept { return &impl_->model->info(); }

float Denoiser::noise_level() const noexcept { return impl_->noise_level; }

bool Denoiser::can_denoise_over_time() const noexcept { return impl_->can_fuse; }

Status Denoiser::process(const FrameView& input, const std::vector<FrameView>& outputs) {
  const Status status = check_rgb_frames(input, outputs, 1, "denoiser");
  if (!status.ok()) return status;
  return guarded("denoising a frame", [&] { return impl_->model->run_job([&] { return denoise(input, outputs[0]); }); });
}

Status Denoiser::denoise(const FrameView& input, const FrameView& output) {
  Impl& d = *impl_;
  const ModelInfo& info = d.model->info();
  const int u = info.unshuffle;
  const Clock::time_point start = Clock::now();
  Status status = frame_to_network_input(input, info, d.input);
  if (!status.ok()) return status;

  const bool estimate = d.params.noise_level < 0.0f;
  const Clock::time_point converted = Clock::now();
  if (d.params.temporal) {
    status = denoise_over_time(estimate);
  } else if (d.can_fuse) {
    status = denoise_alone(estimate);
  } else {
    d.inputs.assign({Value(), Value::of_scalar(estimate ? -1.0f : d.params.noise_level / 255.0f),
                     Value::of_scalar(d.params.strength)});
    const TileFunction run_tile = [&d](const ImageView& tile, std::vector<ImageView>& images) -> Status {
      d.inputs[0] = Value::of_image(tile);
      Status s = d.model->run("forward", d.inputs, d.outputs);
      if (!s.ok()) return s;
      images.assign({d.outputs[0].image, d.outputs[1].image});
      return Status::Ok();
    };
    status = d.tiler.run(d.input.view(), {u, info.alignment, info.overlap, d.runtime.tile_size}, run_tile, &d.images);
    if (status.ok()) d.noise_level = estimate ? static_cast<float>(mean_of(d.images[1]) * 255.0) : d.params.noise_level;
  }
  if (!status.ok()) return status;
  const Clock::time_point inferred = Clock::now();
  status = image_to_frame(d.images[0], output, u, &input);
  if (!status.ok()) return status;
  d.convert_in_ms = ms_between(start, converted);
  if (!d.params.temporal) d.fuse_ms = 0.0;
  d.network_ms = ms_between(converted, inferred) - d.fuse_ms;
  d.convert_out_ms = ms_between(inferred, Clock::now());
  return Status::Ok();
}

Status Denoiser::denoise_over_time(bool estimate) {
  Impl& d = *impl_;
  // The frame's own noise (as forward() would see it), then the average and what is left in it.
  ImageView noise;
  Status status = d.frame_noise(estimate, &noise);
  if (!status.ok()) return status;
  const Clock::time_point fuse_start = Clock::now();
  status = d.temporal.fuse(d.input.view(), noise, d.map_cells());
  if (!status.ok()) return status;
  status = d.condition_on(d.temporal.residual_noise());
  if (!status.ok()) return status;
  d.fuse_ms = ms_between(fuse_start, Clock::now());
  return d.denoise_tiles_as_mapped(d.temporal.average(), d.conditioning.view());
}

Status Denoiser::denoise_alone(bool estimate) {
  Impl& d = *impl_;
  // forward() per tile would estimate each tile's noise from the tile alone, and the maps of
  // overlapping tiles differ where their windows do; estimated once on the whole frame, every
  // tile is told the map an untiled run uses (forward(x, level, s) is denoise_map(x, map * s)).
  ImageView noise;
  Status status = d.frame_noise(estimate, &noise);
  if (!status.ok()) return status;
  status = d.condition_on(noise);
  if (!status.ok()) return status;
  return d.denoise_tiles_as_mapped(d.input.view(), d.conditioning.view());
}

}  // namespace neuralisp
