// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralisp/degrader.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "bayer.h"
#include "frame_checks.h"
#include "guard.h"
#include "neuralisp/image.h"

namespace neuralisp {
namespace {

// The simulated camera: white-balance gains divided out when unprocessing and applied again by
// the simulated ISP (a daylight setting typical of phone sensors).
constexpr float kRedGain = 2.0f;
constexpr float kBlueGain = 1.7f;
constexpr float kGamma = 2.2f;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

float smoothstep(float x) { return x * x * (3.0f - 2.0f * x); }
float inverse_smoothstep(float y) { return 0.5f - std::sin(std::asin(1.0f - 2.0f * y) / 3.0f); }
float clamp01(float v) { return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v); }

// A transfer curve on 0..1 sampled into a table: the per-pixel pow/asin of the simulated ISP cost
// more than the rest of the degradation put together.
class Curve {
 public:
  template <typename F>
  explicit Curve(F f) {
    for (int i = 0; i <= kSteps; ++i) table_[i] = f(static_cast<float>(i) / kSteps);
  }
  float operator()(float v) const {
    const float at = clamp01(v) * kSteps;
    const int i = std::min(static_cast<int>(at), kSteps - 1);
    return table_[i] + (at - i) * (table_[i + 1] - table_[i]);
  }

 private:
  static constexpr int kSteps = 4096;
  float table_[kSteps + 1];
};

// sRGB-like display value -> linear light, and back, for the simulated camera.
const Curve& to_linear() {
  static const Curve curve([](float v) { return std::pow(inverse_smoothstep(v), kGamma); });
  return curve;
}
const Curve& to_display() {
  static const Curve curve([](float v) { return smoothstep(std::pow(v, 1.0f / kGamma)); });
  return curve;
}

// RGGB: which colour a photosite at (x, y) samples.
int cfa_channel(int x, int y) { return (y & 1) ? ((x & 1) ? 2 : 1) : ((x & 1) ? 1 : 0); }

// Bilinear demosaicking as normalised convolution: exact at borders and for any frame size.
void demosaic(const cv::Mat& mosaic, cv::Mat& rgb) {
  static const cv::Mat kernel = (cv::Mat_<float>(3, 3) << 0.25f, 0.5f, 0.25f, 0.5f, 1.0f, 0.5f, 0.25f, 0.5f, 0.25f);
  std::vector<cv::Mat> planes(3);
  for (int c = 0; c < 3; ++c) {
    cv::Mat sampled(mosaic.size(), CV_32F, 0.0f), mask(mosaic.size(), CV_32F, 0.0f);
    for (int y = 0; y < mosaic.rows; ++y) {
      const float* in = mosaic.ptr<float>(y);
      float* s = sampled.ptr<float>(y);
      float* m = mask.ptr<float>(y);
      for (int x = 0; x < mosaic.cols; ++x)
        if (cfa_channel(x, y) == c) {
          s[x] = in[x];
          m[x] = 1.0f;
        }
    }
    cv::Mat sum, weight;
    cv::filter2D(sampled, sum, CV_32F, kernel, cv::Point(-1, -1), 0, cv::BORDER_CONSTANT);
    cv::filter2D(mask, weight, CV_32F, kernel, cv::Point(-1, -1), 0, cv::BORDER_CONSTANT);
    planes[c] = cv::Mat(mosaic.size(), CV_32F);
    for (int y = 0; y < mosaic.rows; ++y) {
      const float* in = mosaic.ptr<float>(y);
      const float* s = sum.ptr<float>(y);
      const float* w = weight.ptr<float>(y);
      float* out = planes[c].ptr<float>(y);
      // A channel absent from a tiny frame's neighbourhood falls back to the local sample.
      for (int x = 0; x < mosaic.cols; ++x) out[x] = w[x] > 0.0f ? s[x] / w[x] : in[x];
    }
  }
  cv::merge(planes, rgb);
}

// Shot-noise gain and read-noise variance (linear RAW, 0..1 scale) for a camera-noise level:
// log-uniform in the range of phone sensors, read noise following shot noise (Brooks et al. 2019).
void camera_noise_parameters(float level, float* shot, float* read) {
  const float log_shot = std::log(1e-4f) + clamp01(level) * (std::log(2e-2f) - std::log(1e-4f));
  *shot = std::exp(log_shot);
  *read = std::exp(2.18f * log_shot + 1.20f);
}

void add_camera_noise(cv::Mat& rgb, float level, cv::RNG& rng) {
  float shot, read;
  camera_noise_parameters(level, &shot, &read);
  const float gains[3] = {kRedGain, 1.0f, kBlueGain};
  cv::Mat mosaic(rgb.size(), CV_32F), noise(rgb.size(), CV_32F);
  rng.fill(noise, cv::RNG::NORMAL, 0.0, 1.0);
  const Curve& linear = to_linear();
  const Curve& display = to_display();
  for (int y = 0; y < rgb.rows; ++y) {
    const float* px = rgb.ptr<float>(y);
    const float* n = noise.ptr<float>(y);
    float* out = mosaic.ptr<float>(y);
    for (int x = 0; x < rgb.cols; ++x) {
      const int c = cfa_channel(x, y);
      const float raw = linear(px[3 * x + c]) / gains[c];
      out[x] = clamp01(raw + n[x] * std::sqrt(raw * shot + read));
    }
  }
  demosaic(mosaic, rgb);
  for (int y = 0; y < rgb.rows; ++y) {
    float* px = rgb.ptr<float>(y);
    for (int x = 0; x < rgb.cols; ++x)
      for (int c = 0; c < 3; ++c) px[3 * x + c] = display(px[3 * x + c] * gains[c]);
  }
}

Status jpeg_round_trip(cv::Mat& rgb, int quality) {
  cv::Mat bytes, bgr;
  rgb.convertTo(bytes, CV_8UC3, 255.0);
  cv::cvtColor(bytes, bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> encoded;
  if (!cv::imencode(".jpg", bgr, encoded, {cv::IMWRITE_JPEG_QUALITY, quality}))
    return Status::Error(ErrorCode::kRuntime, "JPEG encoding failed");
  bgr = cv::imdecode(encoded, cv::IMREAD_COLOR);
  if (bgr.empty()) return Status::Error(ErrorCode::kRuntime, "JPEG decoding failed");
  cv::cvtColor(bgr, bytes, cv::COLOR_BGR2RGB);
  bytes.convertTo(rgb, CV_32FC3, 1.0 / 255.0);
  return Status::Ok();
}

}  // namespace


struct Degrader::Impl {
  DegradeParams params;
  std::uint64_t frame_number = 0;
  Image image;
};

Degrader::Degrader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Degrader::~Degrader() = default;

Status Degrader::create(std::unique_ptr<Degrader>& degrader) {
  return guarded("creating the degrader", [&] {
    degrader.reset(new Degrader(std::make_unique<Impl>()));
    return Status::Ok();
  });
}

Status Degrader::set_params(const DegradeParams& p) {
  if (!(p.noise >= 0.0f) || !(p.camera_noise >= 0.0f) || p.camera_noise > 1.0f || !(p.blur >= 0.0f) ||
      p.jpeg_quality < 0 || p.jpeg_quality > 100)
    return Status::Error(ErrorCode::kInvalidArgument, "degradation parameter out of range");
  impl_->params = p;
  return Status::Ok();
}

void Degrader::set_frame_number(std::uint64_t frame_number) noexcept { impl_->frame_number = frame_number; }

void Degrader::reset() noexcept { impl_->frame_number = 0; }

Status Degrader::process(const FrameView& input, const std::vector<FrameView>& outputs) {
  if (input.format == PixelFormat::kBayer8 || input.format == PixelFormat::kBayer16) {
    if (outputs.size() != 1 || outputs[0].format != input.format || outputs[0].width != input.width ||
        outputs[0].height != input.height || outputs[0].bayer != input.bayer ||
        outputs[0].bayer_bits != input.bayer_bits)
      return Status::Error(ErrorCode::kInvalidArgument, "the degrader writes one frame of the input's Bayer format");
    if (impl_->params.blur > 0.0f || impl_->params.jpeg_quality > 0)
      return Status::Error(ErrorCode::kInvalidArgument,
                           "blur and jpeg-quality apply to RGB frames; a Bayer frame takes camera-noise and noise");
    return guarded("degrading a Bayer frame", [&] { return degrade_bayer(input, outputs[0]); });
  }
  const Status status = check_rgb_frames(input, outputs, 1, "degrader");
  if (!status.ok()) return status;
  return guarded("degrading a frame", [&] { return degrade(input, outputs[0]); });
}

Status Degrader::degrade_bayer(const FrameView& input, const FrameView& output) {
  const DegradeParams& p = impl_->params;
  const SensorLevels levels = sensor_levels(p.levels, input);
  Status status = check_bayer(input, levels);
  if (status.ok()) status = validate_frame(output);
  if (!status.ok()) return status;
  const bool wide = input.format == PixelFormat::kBayer16;
  const float maximum = static_cast<float>((1 << (wide ? input.bayer_bits : 8)) - 1);
  const float black = levels.black, white = levels.white;
  float shot = 0.0f, read = 0.0f;
  if (p.camera_noise > 0.0f) camera_noise_parameters(p.camera_noise, &shot, &read);
  const float white_sigma = p.noise / 255.0f;
  const float range = white - black;
  cv::RNG rng(splitmix64(p.seed ^ splitmix64(impl_->frame_number)));
  for (int y = 0; y < input.height; ++y) {
    const std::uint8_t* in = input.planes[0] + y * input.strides[0];
    std::uint8_t* out = output.planes[0] + y * output.strides[0];
    for (int x = 0; x < input.width; ++x) {
      std::uint16_t code16 = 0;
      if (wide) std::memcpy(&code16, in + 2 * x, 2);
      const float code = wide ? code16 : in[x];
      float v = (code - black) / range;
      if (p.camera_noise > 0.0f) v += static_cast<float>(rng.gaussian(1.0)) * std::sqrt(std::max(v, 0.0f) * shot + read);
      if (p.noise > 0.0f) v += static_cast<float>(rng.gaussian(white_sigma));
      const float noisy = std::clamp(black + v * range + 0.5f, 0.0f, maximum);
      if (wide) {
        const std::uint16_t written = static_cast<std::uint16_t>(noisy);
        std::memcpy(out + 2 * x, &written, 2);
      } else {
        out[x] = static_cast<std::uint8_t>(noisy);
      }
    }
  }
  return Status::Ok();
}

Status Degrader::degrade(const FrameView& input, const FrameView& output) {
  const DegradeParams& p = impl_->params;
  Status status = impl_->image.resize(input.width, input.height, 3);
  if (!status.ok()) return status;
  const ImageView view = impl_->image.view();
  status = frame_to_image(input, view);
  if (!status.ok()) return status;
  cv::Mat rgb(view.height, view.width, CV_32FC3, view.data, view.row_stride * sizeof(float));
  cv::RNG rng(splitmix64(p.seed ^ splitmix64(impl_->frame_number)));

  if (p.blur > 0.0f) cv::GaussianBlur(rgb, rgb, cv::Size(0, 0), p.blur, p.blur, cv::BORDER_REPLICATE);
  if (p.camera_noise > 0.0f) add_camera_noise(rgb, p.camera_noise, rng);
  if (p.noise > 0.0f) {
    cv::Mat noise(rgb.size(), CV_32FC3);
    rng.fill(noise, cv::RNG::NORMAL, 0.0, p.noise / 255.0);
    rgb += noise;
  }
  if (p.jpeg_quality > 0) {
    status = jpeg_round_trip(rgb, p.jpeg_quality);
    if (!status.ok()) return status;
  }
  return image_to_frame(view, output, 1, &input);
}

}  // namespace neuralisp
