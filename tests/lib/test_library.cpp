// SPDX-License-Identifier: LGPL-2.1-or-later
// libneuralisp unit tests: no GStreamer, synthetic images only.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <neuralisp/degrader.h>
#include <neuralisp/denoiser.h>
#include <neuralisp/image.h>
#include <neuralisp/model.h>

using namespace neuralisp;

namespace {

// A frame in owned memory with a padded stride per plane.
struct OwnedFrame {
  std::vector<std::uint8_t> memory[3];
  FrameView view;

  OwnedFrame(PixelFormat format, int width, int height, int padding = 0) {
    view.format = format;
    view.width = width;
    view.height = height;
    const int cw = (width + 1) / 2, ch = (height + 1) / 2;
    std::ptrdiff_t rows[3] = {height, 0, 0}, bytes[3] = {0, 0, 0};
    switch (format) {
      case PixelFormat::kI420: bytes[0] = width; bytes[1] = bytes[2] = cw; rows[1] = rows[2] = ch; break;
      case PixelFormat::kNV12: bytes[0] = width; bytes[1] = 2 * cw; rows[1] = ch; break;
      case PixelFormat::kYUY2: bytes[0] = 4 * cw; break;
      case PixelFormat::kBayer8: bytes[0] = width; break;
      case PixelFormat::kBayer16: bytes[0] = 2 * width; break;
      default: bytes[0] = packed_pixel_bytes(format) * width; break;
    }
    for (int p = 0; p < plane_count(format); ++p) {
      view.strides[p] = bytes[p] + padding;
      memory[p].assign(view.strides[p] * rows[p], 0);
      view.planes[p] = memory[p].data();
    }
  }
  void fill_random(unsigned seed) {
    std::mt19937 rng(seed);
    for (auto& m : memory)
      for (auto& b : m) b = static_cast<std::uint8_t>(rng());
  }
};

std::string model_path(const char* name) { return std::string(NEURALISP_TEST_DATA_DIR) + "/" + name; }

// A smooth synthetic scene (gradients and edges) in an RGB frame.
void paint_scene(const FrameView& f) {
  for (int y = 0; y < f.height; ++y)
    for (int x = 0; x < f.width; ++x) {
      std::uint8_t* p = f.planes[0] + y * f.strides[0] + 3 * x;
      p[0] = static_cast<std::uint8_t>(40 + 150.0 * x / f.width);
      p[1] = static_cast<std::uint8_t>(((x / 40 + y / 40) % 2) ? 180 : 60);
      p[2] = static_cast<std::uint8_t>(100 + 80.0 * std::sin(y * 0.05));
    }
}

double mean_abs_difference(const FrameView& a, const FrameView& b) {
  double sum = 0.0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < 3 * a.width; ++x)
      sum += std::abs(a.planes[0][y * a.strides[0] + x] - b.planes[0][y * b.strides[0] + x]);
  return sum / (3.0 * a.width * a.height);
}

const PixelFormat kPackedFormats[] = {PixelFormat::kRGB,  PixelFormat::kBGR,  PixelFormat::kRGBx, PixelFormat::kBGRx,
                                      PixelFormat::kxRGB, PixelFormat::kxBGR, PixelFormat::kRGBA, PixelFormat::kBGRA,
                                      PixelFormat::kARGB, PixelFormat::kABGR};

}  // namespace

class PackedRoundTrip : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(PackedRoundTrip, IsExactWithPaddedStridesAndOddSizes) {
  for (auto [w, h] : {std::pair{1, 1}, {3, 5}, {641, 13}}) {
    OwnedFrame in(GetParam(), w, h, 7), out(GetParam(), w, h, 3);
    in.fill_random(w * 31 + h);
    Image image;
    const ImageSize size = image_size_for(GetParam(), w, h);
    image.resize(size.width, size.height, size.channels);
    ASSERT_TRUE(frame_to_image(in.view, image.view()).ok());
    ASSERT_TRUE(image_to_frame(image.view(), out.view, &in.view).ok());
    const int bytes = packed_pixel_bytes(GetParam());
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < bytes * w; ++x)
        ASSERT_EQ(in.view.planes[0][y * in.view.strides[0] + x], out.view.planes[0][y * out.view.strides[0] + x])
            << "at " << x << "," << y << " size " << w << "x" << h;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, PackedRoundTrip, ::testing::ValuesIn(kPackedFormats));

class YuvRoundTrip : public ::testing::TestWithParam<std::tuple<PixelFormat, bool, YuvMatrix>> {};

// Decoding keeps out-of-gamut values unclipped, so YUV -> RGB -> YUV returns the same codes
// (within rounding) for any content whose chroma is constant over each subsampling block.
TEST_P(YuvRoundTrip, KeepsCodesWithinOne) {
  const auto [format, full_range, matrix] = GetParam();
  for (auto [w, h] : {std::pair{1, 1}, {3, 5}, {64, 48}}) {
    OwnedFrame in(format, w, h, 5), out(format, w, h, 0);
    in.fill_random(w + 100 * h);
    in.view.colorimetry = out.view.colorimetry = {matrix, full_range};
    if (!full_range) {  // limited-range frames hold codes in 16..235/240
      for (auto& m : in.memory)
        for (auto& b : m) b = static_cast<std::uint8_t>(16 + b * 219 / 255);
    }
    Image image;
    image.resize(w, h, 3);
    ASSERT_TRUE(frame_to_image(in.view, image.view()).ok());
    ASSERT_TRUE(image_to_frame(image.view(), out.view).ok());
    // YUY2 holds Y0 U Y1 V per pixel pair; the Y1 of an odd width's last pair is padding.
    auto plane0_byte_is_pixel = [&](int x) { return format != PixelFormat::kYUY2 || x % 2 == 1 || x / 2 < w; };
    const int plane0_bytes = format == PixelFormat::kYUY2 ? 4 * ((w + 1) / 2) : w;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < plane0_bytes; ++x) {
        if (!plane0_byte_is_pixel(x)) continue;
        ASSERT_NEAR(in.view.planes[0][y * in.view.strides[0] + x], out.view.planes[0][y * out.view.strides[0] + x], 1)
            << x << "," << y;
      }
    for (int p = 1; p < plane_count(format); ++p)
      for (int y = 0; y < (h + 1) / 2; ++y)
        for (int x = 0; x < (w + 1) / 2 * (format == PixelFormat::kNV12 ? 2 : 1); ++x)
          ASSERT_NEAR(in.view.planes[p][y * in.view.strides[p] + x], out.view.planes[p][y * out.view.strides[p] + x], 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, YuvRoundTrip,
                         ::testing::Combine(::testing::Values(PixelFormat::kI420, PixelFormat::kNV12, PixelFormat::kYUY2),
                                            ::testing::Bool(), ::testing::Values(YuvMatrix::kBT601, YuvMatrix::kBT709)));

TEST(YuvConversion, DecodesKnownColours) {
  OwnedFrame f(PixelFormat::kI420, 2, 2);
  f.view.colorimetry = {YuvMatrix::kBT601, false};
  std::fill(f.memory[0].begin(), f.memory[0].end(), 235);  // white
  f.memory[1][0] = f.memory[2][0] = 128;
  Image image;
  image.resize(2, 2, 3);
  ASSERT_TRUE(frame_to_image(f.view, image.view()).ok());
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(image.view().data[i], 1.0f, 1e-4f);
}

TEST(BayerConversion, RoundTripsEveryPatternAt8And16Bits) {
  for (BayerPattern pattern : {BayerPattern::kRGGB, BayerPattern::kBGGR, BayerPattern::kGRBG, BayerPattern::kGBRG}) {
    for (PixelFormat format : {PixelFormat::kBayer8, PixelFormat::kBayer16}) {
      for (auto [w, h] : {std::pair{2, 2}, {7, 5}, {64, 32}}) {
        OwnedFrame in(format, w, h, 6), out(format, w, h, 2);
        in.fill_random(w * h);
        in.view.bayer = out.view.bayer = pattern;
        in.view.bayer_bits = out.view.bayer_bits = format == PixelFormat::kBayer16 ? 12 : 8;
        if (format == PixelFormat::kBayer16)
          for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) in.view.planes[0][y * in.view.strides[0] + 2 * x + 1] &= 0x0f;
        const ImageSize size = image_size_for(format, w, h);
        ASSERT_EQ(size.channels, 4);
        Image image;
        image.resize(size.width, size.height, 4);
        ASSERT_TRUE(frame_to_image(in.view, image.view()).ok());
        ASSERT_TRUE(image_to_frame(image.view(), out.view).ok());
        const int bytes = format == PixelFormat::kBayer16 ? 2 * w : w;
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < bytes; ++x)
            ASSERT_EQ(in.view.planes[0][y * in.view.strides[0] + x], out.view.planes[0][y * out.view.strides[0] + x]);
      }
    }
  }
}

TEST(BayerConversion, PutsRedFirstWhateverThePattern) {
  OwnedFrame f(PixelFormat::kBayer8, 2, 2);
  f.view.bayer = BayerPattern::kBGGR;  // B G / G R: red at (1, 1)
  f.view.planes[0][f.view.strides[0] + 1] = 255;
  Image image;
  image.resize(1, 1, 4);
  ASSERT_TRUE(frame_to_image(f.view, image.view()).ok());
  EXPECT_FLOAT_EQ(image.view().data[0], 1.0f);
  EXPECT_FLOAT_EQ(image.view().data[3], 0.0f);
}

TEST(Conversion, RefusesBadViews) {
  OwnedFrame f(PixelFormat::kRGB, 4, 4);
  Image image;
  image.resize(4, 4, 3);
  FrameView narrow = f.view;
  narrow.strides[0] = 5;
  EXPECT_EQ(frame_to_image(narrow, image.view()).code(), ErrorCode::kInvalidArgument);
  FrameView missing = f.view;
  missing.planes[0] = nullptr;
  EXPECT_EQ(frame_to_image(missing, image.view()).code(), ErrorCode::kInvalidArgument);
  image.resize(3, 4, 3);
  EXPECT_EQ(frame_to_image(f.view, image.view()).code(), ErrorCode::kInvalidArgument);
}

TEST(Model, MissingFileIsNotFound) {
  std::unique_ptr<Model> model;
  const Status s = Model::load({model_path("does-not-exist.pt")}, model);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_NE(s.message().find("does-not-exist.pt"), std::string::npos);
  EXPECT_FALSE(model);
}

TEST(Model, GarbageTruncatedAndUnlabelledFilesAreInvalid) {
  const std::string garbage = testing::TempDir() + "/garbage.pt";
  std::ofstream(garbage) << "this is not a TorchScript archive";
  std::ifstream real(find_model("denoise/denoise-fast.pt"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(real)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  const std::string truncated = testing::TempDir() + "/truncated.pt";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);

  for (const std::string& path : {garbage, truncated, model_path("no-metadata.pt"), model_path("wrong-shape.pt")}) {
    std::unique_ptr<Model> model;
    const Status s = Model::load({path}, model);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidModel) << path << ": " << s.message();
    EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  }
}

TEST(Model, WrongShapeIsReportedWithTheShape) {
  std::unique_ptr<Model> model;
  const Status s = Model::load({model_path("wrong-shape.pt")}, model);
  EXPECT_NE(s.message().find("output 'image' has shape"), std::string::npos) << s.message();
}

TEST(Model, BundledModelsLoadAndDeclareTheirContract) {
  for (const char* name : {"denoise/denoise-fast.pt", "denoise/denoise-quality.pt"}) {
    std::unique_ptr<Model> model;
    const Status s = Model::load({find_model(name), Device::kCpu, 1}, model);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(model->info().task, "denoise");
    EXPECT_EQ(model->info().outputs.size(), 2u);
    EXPECT_GE(model->info().alignment, 1);
  }
}

TEST(Model, CudaFailsClearlyWithoutCuda) {
  std::unique_ptr<Model> model;
  const Status s = Model::load({find_model("denoise/denoise-fast.pt"), Device::kCuda, 1}, model);
  if (s.ok()) GTEST_SKIP() << "this machine has CUDA";
  EXPECT_EQ(s.code(), ErrorCode::kUnsupported);
  EXPECT_NE(s.message().find("cuda"), std::string::npos);
}

TEST(Model, RunRefusesMisalignedInput) {
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::load({find_model("denoise/denoise-fast.pt")}, model).ok());
  Image image;
  image.resize(model->info().alignment + 1, model->info().alignment, 3);
  std::vector<ImageView> outputs;
  EXPECT_EQ(model->run(image.view(), {-1.0f, 1.0f}, outputs).code(), ErrorCode::kInvalidArgument);
}

TEST(Denoiser, RefusesNonDenoisingUse) {
  std::unique_ptr<Denoiser> denoiser;
  DenoiserOptions options;
  options.model.path = find_model("denoise/denoise-fast.pt");
  ASSERT_TRUE(Denoiser::create(options, denoiser).ok());
  OwnedFrame bayer(PixelFormat::kBayer8, 8, 8), rgb(PixelFormat::kRGB, 8, 8), other(PixelFormat::kRGB, 9, 8);
  EXPECT_EQ(denoiser->process(bayer.view, bayer.view, {}).code(), ErrorCode::kUnsupported);
  EXPECT_EQ(denoiser->process(rgb.view, other.view, {}).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(denoiser->process(rgb.view, rgb.view, {-1.0f, -2.0f}).code(), ErrorCode::kInvalidArgument);
}

// Overlap tiling must be invisible: tiled and whole-frame outputs agree to < 0.5/255 on average.
TEST(Denoiser, TilingSeamsAreInvisible) {
  const int w = 520, h = 390;
  OwnedFrame clean(PixelFormat::kRGB, w, h), noisy(PixelFormat::kRGB, w, h), whole(PixelFormat::kRGB, w, h),
      tiled(PixelFormat::kRGB, w, h);
  paint_scene(clean.view);
  Degrader degrader;
  DegradeParams noise;
  noise.noise = 20.0f;
  noise.seed = 3;
  ASSERT_TRUE(degrader.process(clean.view, noisy.view, noise, 0).ok());

  std::unique_ptr<Denoiser> denoiser;
  DenoiserOptions options;
  options.model.path = find_model("denoise/denoise-fast.pt");
  ASSERT_TRUE(Denoiser::create(options, denoiser).ok());
  for (float level : {-1.0f, 20.0f}) {
    denoiser->set_tile_size(0);
    ASSERT_TRUE(denoiser->process(noisy.view, whole.view, {level, 1.0f}).ok());
    denoiser->set_tile_size(160);
    ASSERT_TRUE(denoiser->process(noisy.view, tiled.view, {level, 1.0f}).ok());
    EXPECT_LT(mean_abs_difference(whole.view, tiled.view), 0.5) << "level " << level;
    EXPECT_GT(mean_abs_difference(noisy.view, tiled.view), 5.0) << "the frame was denoised";
  }
}

TEST(Denoiser, EstimatesTheNoiseLevel) {
  const int w = 256, h = 192;
  OwnedFrame clean(PixelFormat::kRGB, w, h), noisy(PixelFormat::kRGB, w, h), out(PixelFormat::kRGB, w, h);
  paint_scene(clean.view);
  std::unique_ptr<Denoiser> denoiser;
  DenoiserOptions options;
  options.model.path = find_model("denoise/denoise-fast.pt");
  ASSERT_TRUE(Denoiser::create(options, denoiser).ok());
  Degrader degrader;
  for (float sigma : {10.0f, 30.0f}) {
    DegradeParams p;
    p.noise = sigma;
    ASSERT_TRUE(degrader.process(clean.view, noisy.view, p, 0).ok());
    DenoiseResult result;
    ASSERT_TRUE(denoiser->process(noisy.view, out.view, {}, &result).ok());
    EXPECT_NEAR(result.noise_level, sigma, 0.25f * sigma) << "sigma " << sigma;
  }
}

namespace {

double channel_std(const FrameView& a, const FrameView& b) {
  double sum = 0.0, sq = 0.0;
  const double n = 3.0 * a.width * a.height;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < 3 * a.width; ++x) {
      const double d = a.planes[0][y * a.strides[0] + x] - b.planes[0][y * b.strides[0] + x];
      sum += d;
      sq += d * d;
    }
  return std::sqrt(sq / n - (sum / n) * (sum / n));
}

}  // namespace

TEST(Degrader, AddsTheRequestedWhiteNoiseReproducibly) {
  OwnedFrame flat(PixelFormat::kRGB, 200, 100), a(PixelFormat::kRGB, 200, 100), b(PixelFormat::kRGB, 200, 100);
  std::fill(flat.memory[0].begin(), flat.memory[0].end(), 128);
  Degrader degrader;
  DegradeParams p;
  p.noise = 25.0f;
  p.seed = 1;
  ASSERT_TRUE(degrader.process(flat.view, a.view, p, 5).ok());
  EXPECT_NEAR(channel_std(flat.view, a.view), 25.0, 1.0);
  ASSERT_TRUE(degrader.process(flat.view, b.view, p, 5).ok());
  EXPECT_EQ(a.memory[0], b.memory[0]) << "same seed and frame, same noise";
  ASSERT_TRUE(degrader.process(flat.view, b.view, p, 6).ok());
  EXPECT_NE(a.memory[0], b.memory[0]) << "another frame, other noise";
}

TEST(Degrader, CameraNoiseIsSignalDependent) {
  OwnedFrame dark(PixelFormat::kRGB, 128, 128), bright(PixelFormat::kRGB, 128, 128), out(PixelFormat::kRGB, 128, 128);
  std::fill(dark.memory[0].begin(), dark.memory[0].end(), 40);
  std::fill(bright.memory[0].begin(), bright.memory[0].end(), 200);
  Degrader degrader;
  DegradeParams p;
  p.camera_noise = 0.8f;
  ASSERT_TRUE(degrader.process(bright.view, out.view, p, 0).ok());
  const double bright_std = channel_std(bright.view, out.view);
  ASSERT_TRUE(degrader.process(dark.view, out.view, p, 0).ok());
  const double dark_std = channel_std(dark.view, out.view);
  EXPECT_GT(bright_std, 2.0);
  EXPECT_GT(dark_std, 2.0);
  EXPECT_NE(std::round(bright_std), std::round(dark_std));
}

TEST(Degrader, BlurAndJpegChangeTheFrame) {
  OwnedFrame scene(PixelFormat::kRGB, 96, 64), out(PixelFormat::kRGB, 96, 64);
  paint_scene(scene.view);
  Degrader degrader;
  DegradeParams blur;
  blur.blur = 2.0f;
  ASSERT_TRUE(degrader.process(scene.view, out.view, blur, 0).ok());
  EXPECT_GT(mean_abs_difference(scene.view, out.view), 0.5);
  DegradeParams jpeg;
  jpeg.jpeg_quality = 10;
  ASSERT_TRUE(degrader.process(scene.view, out.view, jpeg, 0).ok());
  EXPECT_GT(mean_abs_difference(scene.view, out.view), 0.5);
  DegradeParams none;
  ASSERT_TRUE(degrader.process(scene.view, out.view, none, 0).ok());
  EXPECT_EQ(mean_abs_difference(scene.view, out.view), 0.0);
}

TEST(Degrader, HandlesTinyFramesAndRefusesBadValues) {
  OwnedFrame tiny(PixelFormat::kI420, 1, 1), out(PixelFormat::kI420, 1, 1);
  Degrader degrader;
  DegradeParams all;
  all.noise = 10.0f;
  all.camera_noise = 0.5f;
  all.blur = 1.0f;
  all.jpeg_quality = 50;
  EXPECT_TRUE(degrader.process(tiny.view, out.view, all, 0).ok());
  DegradeParams bad;
  bad.camera_noise = 2.0f;
  EXPECT_EQ(degrader.process(tiny.view, out.view, bad, 0).code(), ErrorCode::kInvalidArgument);
}
