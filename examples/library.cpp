/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libneuralisp without GStreamer: an application that holds frames of its own (here a synthetic
 * gradient with noise added) denoises them through the library's public API, with the models it
 * installs. Built against the installed pkg-config file:
 *
 *   c++ -std=c++17 library.cpp $(pkg-config --cflags --libs neuralisp) -o library-example
 */
#include <neuralisp/denoiser.h>
#include <neuralisp/model.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace {

double psnr(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  double squared = 0.0;
  for (size_t i = 0; i < a.size(); ++i) squared += (a[i] - b[i]) * double(a[i] - b[i]);
  return 10.0 * std::log10(255.0 * 255.0 / std::max(squared / a.size(), 1e-10));
}

neuralisp::FrameView rgb_view(std::vector<std::uint8_t>& pixels, int width, int height) {
  neuralisp::FrameView view;
  view.format = neuralisp::PixelFormat::kRGB;
  view.width = width;
  view.height = height;
  view.planes[0] = pixels.data();
  view.strides[0] = width * 3;
  return view;
}

}  // namespace

int main() {
  constexpr int kWidth = 320, kHeight = 240;
  std::vector<std::uint8_t> clean(kWidth * kHeight * 3), noisy(clean.size()), denoised(clean.size());
  std::mt19937 random(7);
  std::normal_distribution<double> noise(0.0, 20.0);
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x)
      for (int c = 0; c < 3; ++c) {
        const size_t i = (size_t(y) * kWidth + x) * 3 + c;
        clean[i] = static_cast<std::uint8_t>((x * (c + 1) + y * 2) % 256 / 2 + 64);
        noisy[i] = static_cast<std::uint8_t>(std::clamp(clean[i] + noise(random), 0.0, 255.0));
      }

  neuralisp::DenoiserOptions options;
  options.model.path = neuralisp::find_model("denoise/denoise-fast.pt");
  std::unique_ptr<neuralisp::Denoiser> denoiser;
  neuralisp::Status status = neuralisp::Denoiser::create(options, denoiser);
  if (!status.ok()) {
    std::fprintf(stderr, "cannot load the denoiser (%s): %s\n", options.model.path.c_str(), status.message().c_str());
    return 1;
  }
  status = denoiser->process(rgb_view(noisy, kWidth, kHeight), {rgb_view(denoised, kWidth, kHeight)});
  if (!status.ok()) {
    std::fprintf(stderr, "denoising failed: %s\n", status.message().c_str());
    return 1;
  }
  std::printf("model %s\nestimated noise sigma %.1f; PSNR %.2f dB -> %.2f dB\n", options.model.path.c_str(),
              denoiser->noise_level(), psnr(noisy, clean), psnr(denoised, clean));
  return psnr(denoised, clean) > psnr(noisy, clean) ? 0 : 1;
}
