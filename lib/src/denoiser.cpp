// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralisp/denoiser.h"

#include "guard.h"
#include "tiling.h"

namespace neuralisp {
namespace {

// Extends the valid w x h part of `image` to its full (aligned) size by repeating the last
// column and row; works down to 1x1 frames, where mirroring would not.
void replicate_edges(const ImageView& image, int w, int h) {
  const int c = image.channels;
  for (int y = 0; y < h; ++y) {
    float* row = image.row(y);
    for (int x = w; x < image.width; ++x)
      for (int k = 0; k < c; ++k) row[x * c + k] = row[(w - 1) * c + k];
  }
  for (int y = h; y < image.height; ++y) std::copy(image.row(h - 1), image.row(h - 1) + image.width * c, image.row(y));
}

int round_up(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

struct Denoiser::Impl {
  std::unique_ptr<Model> model;
  int tile_size = 0;
  Image input;
  Image blend;
  Image weights;
  std::vector<float> scalars;
};

Denoiser::Denoiser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Denoiser::~Denoiser() = default;

Status Denoiser::create(const DenoiserOptions& options, std::unique_ptr<Denoiser>& denoiser) {
  return guarded("creating the denoiser", [&] { return create_unguarded(options, denoiser); });
}

Status Denoiser::create_unguarded(const DenoiserOptions& options, std::unique_ptr<Denoiser>& denoiser) {
  auto impl = std::make_unique<Impl>();
  Status status = Model::load(options.model, impl->model);
  if (!status.ok()) return status;
  const ModelInfo& info = impl->model->info();
  if (info.task != "denoise" || info.channels != 3 || info.inputs.size() != 3)
    return Status::Error(ErrorCode::kInvalidModel,
                         "model '" + options.model.path + "' is a '" + info.task + "' model, not a denoiser");
  impl->tile_size = options.tile_size;
  denoiser.reset(new Denoiser(std::move(impl)));
  return Status::Ok();
}

void Denoiser::set_threads(int threads) { impl_->model->set_threads(threads); }
void Denoiser::set_tile_size(int tile_size) { impl_->tile_size = tile_size; }

Status Denoiser::process(const FrameView& input, const FrameView& output, const DenoiseParams& params,
                         DenoiseResult* result) {
  if (input.format != output.format || input.width != output.width || input.height != output.height)
    return Status::Error(ErrorCode::kInvalidArgument, "input and output frames differ in format or size");
  if (input.format == PixelFormat::kBayer8 || input.format == PixelFormat::kBayer16)
    return Status::Error(ErrorCode::kUnsupported, "the denoiser takes RGB or YUV frames, not Bayer");
  if (!(params.strength >= 0.0f) || params.noise_level > 255.0f)
    return Status::Error(ErrorCode::kInvalidArgument, "strength must be >= 0 and noise level <= 255");
  return guarded("denoising a frame", [&] { return denoise(input, output, params, result); });
}

Status Denoiser::denoise(const FrameView& input, const FrameView& output, const DenoiseParams& params,
                         DenoiseResult* result) {

  const int align = impl_->model->info().alignment;
  impl_->input.resize(round_up(input.width, align), round_up(input.height, align), 3);
  const ImageView padded = impl_->input.view();
  Status status = frame_to_image(input, crop(padded, 0, 0, input.width, input.height));
  if (!status.ok()) return status;
  replicate_edges(padded, input.width, input.height);

  const bool estimate = params.noise_level < 0.0f;
  impl_->scalars = {estimate ? -1.0f : params.noise_level / 255.0f, params.strength};
  TiledRun run;
  status = run_tiled(*impl_->model, padded, impl_->scalars, impl_->tile_size, impl_->blend, impl_->weights, &run);
  if (!status.ok()) return status;
  status = image_to_frame(crop(run.image, 0, 0, input.width, input.height), output, &input);
  if (!status.ok()) return status;
  if (result) result->noise_level = estimate ? run.output_means.at(0) * 255.0f : params.noise_level;
  return Status::Ok();
}

}  // namespace neuralisp
