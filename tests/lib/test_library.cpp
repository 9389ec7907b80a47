// SPDX-License-Identifier: LGPL-2.1-or-later
// libneuralisp unit tests: no GStreamer, synthetic images only.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <neuralisp/degrader.h>
#include <neuralisp/enhancer.h>
#include <neuralisp/denoiser.h>
#include <neuralisp/image.h>
#include <neuralisp/color.h>
#include <neuralisp/model.h>
#include <neuralisp/raw.h>
#include <neuralisp/restorer.h>

#include <chrono>
#include <thread>

#include "thread_budget.h"

#include "owned_frame.h"
#include "temporal_average.h"
#include "tiling.h"

using namespace neuralisp;
using neuralisp::test_support::OwnedFrame;

namespace {

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
    ASSERT_TRUE(image.resize(size.width, size.height, size.channels).ok());
    ASSERT_TRUE(frame_to_image(in.view, image.view()).ok());
    ASSERT_TRUE(image_to_frame(image.view(), out.view, 1, &in.view).ok());
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
    ASSERT_TRUE(image.resize(w, h, 3).ok());
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
  ASSERT_TRUE(image.resize(2, 2, 3).ok());
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
        ASSERT_TRUE(image.resize(size.width, size.height, 4).ok());
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
  ASSERT_TRUE(image.resize(1, 1, 4).ok());
  ASSERT_TRUE(frame_to_image(f.view, image.view()).ok());
  EXPECT_FLOAT_EQ(image.view().data[0], 1.0f);
  EXPECT_FLOAT_EQ(image.view().data[3], 0.0f);
}

TEST(Conversion, RefusesBadViews) {
  OwnedFrame f(PixelFormat::kRGB, 4, 4);
  Image image;
  ASSERT_TRUE(image.resize(4, 4, 3).ok());
  FrameView narrow = f.view;
  narrow.strides[0] = 5;
  EXPECT_EQ(frame_to_image(narrow, image.view()).code(), ErrorCode::kInvalidArgument);
  FrameView missing = f.view;
  missing.planes[0] = nullptr;
  EXPECT_EQ(frame_to_image(missing, image.view()).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(image.resize(3, 4, 3).ok());
  EXPECT_EQ(frame_to_image(f.view, image.view()).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(frame_to_image(f.view, image.view(), 0).code(), ErrorCode::kInvalidArgument);
}

// Findings of tests/fuzz: a NaN pixel (a model's, past the sparse finite check) writes code 0
// instead of an undefined cast; an alpha source that is no readable frame, and images whose rows
// are shorter than their pixels, are refused instead of read.
TEST(Conversion, FuzzFindingsStayFixed) {
  for (PixelFormat format : {PixelFormat::kRGBA, PixelFormat::kI420, PixelFormat::kBayer16}) {
    OwnedFrame f(format, 4, 4);
    f.view.bayer_bits = 12;
    Image image;
    const ImageSize size = image_size_for(format, 4, 4);
    ASSERT_TRUE(image.resize(size.width, size.height, size.channels).ok());
    std::fill_n(image.view().data, size.width * size.height * size.channels, std::nanf(""));
    image.view().data[0] = INFINITY;
    ASSERT_TRUE(image_to_frame(image.view(), f.view).ok());
    const std::uint8_t* row = f.view.planes[0];
    if (format == PixelFormat::kBayer16) {
      EXPECT_EQ(row[0] | row[1] << 8, 4095);  // +inf: the largest code, NaN: 0
      EXPECT_EQ(row[2] | row[3] << 8, 0);
    } else if (format == PixelFormat::kRGBA) {
      EXPECT_EQ(row[0], 255);
      EXPECT_EQ(row[1], 0);
    } else {
      EXPECT_EQ(row[1], 0);  // a NaN pixel's luma
    }
  }
  OwnedFrame rgba(PixelFormat::kRGBA, 4, 4);
  Image image;
  ASSERT_TRUE(image.resize(4, 4, 3).ok());
  FrameView no_alpha = rgba.view;
  no_alpha.planes[0] = nullptr;
  EXPECT_EQ(image_to_frame(image.view(), rgba.view, 1, &no_alpha).code(), ErrorCode::kInvalidArgument);
  no_alpha = rgba.view;
  no_alpha.strides[0] = -no_alpha.strides[0];
  EXPECT_EQ(image_to_frame(image.view(), rgba.view, 1, &no_alpha).code(), ErrorCode::kInvalidArgument);

  Image small;
  ASSERT_TRUE(small.resize(2, 2, 3).ok());
  ImageView short_rows = image.view();
  short_rows.row_stride = 11;
  EXPECT_EQ(resize_image(short_rows, small.view()).code(), ErrorCode::kInvalidArgument);
}

TEST(Image, ResizeReportsExhaustedMemoryInsteadOfThrowing) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "AddressSanitizer aborts on an impossible allocation instead of throwing";
#endif
  Image image;
  const Status s = image.resize(1 << 20, 1 << 20, 64);
  EXPECT_EQ(s.code(), ErrorCode::kRuntime) << s.message();
  EXPECT_EQ(image.resize(-1, 4, 3).code(), ErrorCode::kInvalidArgument);
}

// The network layout: pixel (x, y) of the image holds the 2x2 block at (2x, 2y), channel
// c * 4 + dy * 2 + dx (PyTorch's pixel_unshuffle), and an aligned image beyond the frame repeats
// its last column and row.
class UnshuffledLayout : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(UnshuffledLayout, MatchesPixelUnshuffleAndRoundTrips) {
  const PixelFormat format = GetParam();
  for (auto [w, h] : {std::pair{1, 1}, {5, 3}, {66, 37}}) {
    OwnedFrame in(format, w, h, 3), out(format, w, h, 1);
    in.fill_random(w * 7 + h);
    Image plain, unshuffled;
    ASSERT_TRUE(plain.resize(w, h, 3).ok());
    const int padded_w = (w + 7) / 8 * 8, padded_h = (h + 7) / 8 * 8;
    ASSERT_TRUE(unshuffled.resize(padded_w / 2, padded_h / 2, 12).ok());
    ASSERT_TRUE(frame_to_image(in.view, plain.view()).ok());
    ASSERT_TRUE(frame_to_image(in.view, unshuffled.view(), 2).ok());
    for (int y = 0; y < padded_h; ++y)
      for (int x = 0; x < padded_w; ++x)
        for (int c = 0; c < 3; ++c) {
          const float want = plain.view().row(std::min(y, h - 1))[3 * std::min(x, w - 1) + c];
          const float got = unshuffled.view().row(y / 2)[(x / 2) * 12 + c * 4 + (y % 2) * 2 + x % 2];
          ASSERT_EQ(want, got) << x << "," << y << "," << c << " in " << w << "x" << h;
        }
    ASSERT_TRUE(image_to_frame(unshuffled.view(), out.view, 2, &in.view).ok());
    OwnedFrame direct(format, w, h, 1);
    ASSERT_TRUE(image_to_frame(plain.view(), direct.view, 1, &in.view).ok());
    for (int p = 0; p < plane_count(format); ++p)
      for (std::size_t y = 0; y * out.view.strides[p] < out.memory[p].size(); ++y)
        for (int x = 0; x < out.view.strides[p] - 1; ++x)
          ASSERT_EQ(out.view.planes[p][y * out.view.strides[p] + x], direct.view.planes[p][y * direct.view.strides[p] + x]);
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, UnshuffledLayout,
                         ::testing::Values(PixelFormat::kRGB, PixelFormat::kBGRA, PixelFormat::kxRGB,
                                           PixelFormat::kI420, PixelFormat::kNV12, PixelFormat::kYUY2));

ModelOptions options_for(const std::string& path, Precision precision = Precision::kAuto) {
  ModelOptions options;
  options.path = path;
  options.precision = precision;
  return options;
}

TEST(Model, MissingFileIsNotFound) {
  std::unique_ptr<Model> model;
  const Status s = Model::load(options_for(model_path("does-not-exist.pt")), model);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_NE(s.message().find("does-not-exist.pt"), std::string::npos);
  EXPECT_FALSE(model);
}

TEST(Model, GarbageTruncatedUnlabelledAndOldFilesAreInvalid) {
  const std::string garbage = testing::TempDir() + "/garbage.pt";
  std::ofstream(garbage) << "this is not a TorchScript archive";
  std::ifstream real(find_model("denoise/denoise-fast.pt"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(real)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  const std::string truncated = testing::TempDir() + "/truncated.pt";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);

  for (const std::string& path : {garbage, truncated, model_path("no-metadata.pt"), model_path("wrong-shape.pt"),
                                   model_path("old-format.pt")}) {
    std::unique_ptr<Model> model;
    const Status s = Model::load(options_for(path), model);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidModel) << path << ": " << s.message();
    EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  }
  std::unique_ptr<Model> model;
  EXPECT_NE(Model::load(options_for(model_path("old-format.pt")), model).message().find("export it again"),
            std::string::npos);
}

// Crafted files: bounds on every metadata field, outputs checked for NaN, no blocking opens.
TEST(Model, HostileFilesAreRefusedWithTheirCause) {
  const struct {
    std::string path;
    const char* cause;
  } cases[] = {{model_path("huge-alignment.pt"), "alignment"},
               {model_path("nan-output.pt"), "NaN"},
               {testing::TempDir(), "not a regular file"}};
  for (const auto& c : cases) {
    std::unique_ptr<Model> model;
    const Status s = Model::load(options_for(c.path), model);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidModel) << c.path << ": " << s.message();
    EXPECT_NE(s.message().find(c.cause), std::string::npos) << s.message();
  }
  const std::string fifo = testing::TempDir() + "/model-fifo.pt";
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::unique_ptr<Model> model;
  const Status s = Model::load(options_for(fifo), model);  // must return, not block on the open
  EXPECT_EQ(s.code(), ErrorCode::kInvalidModel) << s.message();
  std::remove(fifo.c_str());
}

TEST(Model, WrongShapeIsReportedWithTheShape) {
  std::unique_ptr<Model> model;
  const Status s = Model::load(options_for(model_path("wrong-shape.pt")), model);
  EXPECT_NE(s.message().find("output 'image' has shape"), std::string::npos) << s.message();
}

TEST(Model, BundledModelsLoadInEveryPrecisionAndDeclareTheirContract) {
  for (const char* name : {"denoise/denoise-fast.pt", "denoise/denoise-quality.pt"}) {
    for (Precision precision : {Precision::kAuto, Precision::kFp32, Precision::kBf16}) {
      std::unique_ptr<Model> model;
      const Status s = Model::load(options_for(find_model(name), precision), model);
      ASSERT_TRUE(s.ok()) << s.message();
      const ModelInfo& info = model->info();
      EXPECT_EQ(info.task, "denoise");
      EXPECT_EQ(info.unshuffle, 2);
      const Precision expected = precision != Precision::kAuto ? precision
                                 : cpu_has_native_bf16()      ? Precision::kBf16
                                                              : Precision::kFp32;
      EXPECT_EQ(info.precision, expected) << precision_name(precision);
      const MethodSpec* forward = info.method("forward");
      ASSERT_NE(forward, nullptr);
      ASSERT_EQ(forward->inputs.size(), 3u);
      EXPECT_EQ(forward->inputs[0].kind, ValueKind::kImage);
      EXPECT_EQ(forward->inputs[1].kind, ValueKind::kScalar);
      ASSERT_EQ(forward->outputs.size(), 2u);
      EXPECT_EQ(forward->outputs[1].kind, ValueKind::kMap);
      EXPECT_FLOAT_EQ(forward->outputs[1].scale, 0.125f);
    }
  }
}

// Without CUDA the load must fail, not fall back to the CPU silently; with it, it must work.
TEST(Model, CudaLoadsOnlyWhereCudaIs) {
  std::unique_ptr<Model> model;
  ModelOptions options = options_for(find_model("denoise/denoise-fast.pt"));
  options.device = Device::kCuda;
  const Status s = Model::load(options, model);
  if (cuda_available()) {
    EXPECT_TRUE(s.ok()) << s.message();
    return;
  }
  EXPECT_EQ(s.code(), ErrorCode::kUnsupported);
  EXPECT_NE(s.message().find("cuda"), std::string::npos);
}

TEST(Model, RunRefusesWrongInputs) {
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::load(options_for(find_model("denoise/denoise-fast.pt")), model).ok());
  Image misaligned, plain;
  ASSERT_TRUE(misaligned.resize(5, 4, 12).ok());
  ASSERT_TRUE(plain.resize(8, 8, 3).ok());
  std::vector<Value> outputs;
  auto run = [&](const ImageView& image, std::vector<Value> scalars) {
    scalars.insert(scalars.begin(), Value::of_image(image));
    return model->run("forward", scalars, outputs).code();
  };
  EXPECT_EQ(run(misaligned.view(), {Value::of_scalar(-1), Value::of_scalar(1)}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(run(plain.view(), {Value::of_scalar(-1), Value::of_scalar(1)}), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(misaligned.resize(4, 4, 12).ok());
  EXPECT_EQ(run(misaligned.view(), {Value::of_scalar(-1)}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(run(misaligned.view(), {Value::of_scalar(-1), Value::of_vector({1, 2})}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(model->run("trunk", {}, outputs).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(run(misaligned.view(), {Value::of_scalar(-1), Value::of_scalar(1)}) == ErrorCode::kOk);
}

// A shared trunk runs once; each head runs from its features with its own task vector; a global
// method returns a fixed-shape tensor from a downscaled frame.
TEST(Model, TrunkFeaturesFeedSeveralHeads) {
  std::unique_ptr<Model> model;
  const Status loaded = Model::load(options_for(model_path("trunk-and-heads.pt")), model);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  Image frame;
  ASSERT_TRUE(frame.resize(16, 8, 3).ok());
  std::fill(frame.view().data, frame.view().data + 16 * 8 * 3, 0.25f);
  std::vector<Value> trunk, first, second, colour;
  ASSERT_TRUE(model->run("trunk", {Value::of_image(frame.view())}, trunk).ok());
  ASSERT_EQ(trunk.size(), 1u);
  ASSERT_EQ(trunk[0].kind, ValueKind::kFeatures);
  ASSERT_TRUE(model->run("head", {trunk[0], Value::of_vector({0.5f, 0, 0})}, first).ok());
  const float first_value = first[0].image.data[0];
  ASSERT_TRUE(model->run("head", {trunk[0], Value::of_vector({0.125f, 0, 0})}, second).ok());
  EXPECT_FLOAT_EQ(first_value, 0.75f);
  EXPECT_FLOAT_EQ(second[0].image.data[0], 0.375f);
  EXPECT_EQ(second[0].image.width, 16);
  EXPECT_EQ(second[0].image.height, 8);

  Image small;
  ASSERT_TRUE(small.resize(4, 4, 3).ok());
  std::fill(small.view().data, small.view().data + 4 * 4 * 3, 0.5f);
  ASSERT_TRUE(model->run("colour", {Value::of_image(small.view())}, colour).ok());
  ASSERT_EQ(colour[0].kind, ValueKind::kTensor);
  EXPECT_EQ(colour[0].shape, (std::vector<int>{3, 4}));
  ASSERT_EQ(colour[0].values.size(), 12u);
  EXPECT_FLOAT_EQ(colour[0].values[0], 0.5f);
  EXPECT_FLOAT_EQ(colour[0].values[1], 0.0f);
}

// A global stage runs once, untiled, on the frame shrunk by area averaging: its estimate sees
// every pixel (here: the mean colour drives a 3x4 matrix).
TEST(Model, GlobalStageRunsOnADownscaledFrame) {
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::load(options_for(model_path("trunk-and-heads.pt")), model).ok());
  Image frame, small;
  ASSERT_TRUE(frame.resize(64, 48, 3).ok());
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64 * 3; ++x) frame.view().row(y)[x] = (x / 3 + y) % 2 ? 1.0f : 0.0f;  // mean 0.5
  ASSERT_TRUE(small.resize(16, 12, 3).ok());
  ASSERT_TRUE(resize_image(frame.view(), small.view()).ok());
  std::vector<Value> colour;
  ASSERT_TRUE(model->run("colour", {Value::of_image(small.view())}, colour).ok());
  EXPECT_NEAR(colour[0].values[0], 0.5f, 1e-4f);
  Image other_channels;
  ASSERT_TRUE(other_channels.resize(16, 12, 4).ok());
  EXPECT_EQ(resize_image(frame.view(), other_channels.view()).code(), ErrorCode::kInvalidArgument);
}

TEST(Model, AutomaticPrecisionFollowsTheCpu) {
  std::printf("this CPU computes bfloat16 natively: %s\n", cpu_has_native_bf16() ? "yes" : "no");
  EXPECT_STREQ(precision_name(Precision::kBf16), "bf16");
  EXPECT_STREQ(precision_name(Precision::kFp32), "fp32");
}

TEST(ModelPath, FindsTheBundledModelsBesideTheBuild) {
  EXPECT_NE(find_model("denoise/denoise-fast.pt"), "");
  EXPECT_EQ(find_model("denoise/no-such-model.pt"), "");
  EXPECT_GE(model_search_path().size(), 2u);
}

namespace {

std::unique_ptr<Denoiser> make_denoiser(Precision precision = Precision::kAuto, int tile_size = 0) {
  std::unique_ptr<Denoiser> denoiser;
  DenoiserOptions options;
  options.model.path = find_model("denoise/denoise-fast.pt");
  options.model.precision = precision;
  options.runtime.tile_size = tile_size;
  const Status s = Denoiser::create(options, denoiser);
  EXPECT_TRUE(s.ok()) << s.message();
  return denoiser;
}

std::unique_ptr<Degrader> make_degrader() {
  std::unique_ptr<Degrader> degrader;
  EXPECT_TRUE(Degrader::create(degrader).ok());
  return degrader;
}

Status degrade(Degrader& degrader, const FrameView& in, const FrameView& out, const DegradeParams& p,
               std::uint64_t frame) {
  Status s = degrader.set_params(p);
  if (!s.ok()) return s;
  degrader.set_frame_number(frame);
  return degrader.process(in, {out});
}

Status denoise(Denoiser& denoiser, const FrameView& in, const FrameView& out, DenoiseParams p = {}) {
  Status s = denoiser.set_params(p);
  return s.ok() ? denoiser.process(in, {out}) : s;
}

// The painted scene and a copy of it with white noise of `sigma` added.
struct NoisyScene {
  OwnedFrame clean, noisy;
  NoisyScene(int w, int h, float sigma, std::uint64_t seed = 0)
      : clean(PixelFormat::kRGB, w, h), noisy(PixelFormat::kRGB, w, h) {
    paint_scene(clean.view);
    auto degrader = make_degrader();
    DegradeParams noise;
    noise.noise = sigma;
    noise.seed = seed;
    EXPECT_TRUE(degrade(*degrader, clean.view, noisy.view, noise, 0).ok());
  }
};

}  // namespace

TEST(Denoiser, RefusesNonDenoisingUse) {
  auto denoiser = make_denoiser();
  OwnedFrame bayer(PixelFormat::kBayer8, 8, 8), rgb(PixelFormat::kRGB, 8, 8), other(PixelFormat::kRGB, 9, 8);
  EXPECT_EQ(denoise(*denoiser, bayer.view, bayer.view).code(), ErrorCode::kUnsupported);
  EXPECT_EQ(denoise(*denoiser, rgb.view, other.view).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(denoiser->set_params({-1.0f, -2.0f}).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(denoiser->process(rgb.view, {}).code(), ErrorCode::kInvalidArgument);

  std::unique_ptr<Denoiser> wrong;
  DenoiserOptions options;
  options.model.path = model_path("trunk-and-heads.pt");
  EXPECT_EQ(Denoiser::create(options, wrong).code(), ErrorCode::kInvalidModel);
}

// Overlap tiling must be invisible: tiled and whole-frame outputs agree to < 0.5/255 on average.
TEST(Denoiser, TilingSeamsAreInvisible) {
  const int w = 520, h = 390;
  const NoisyScene scene(w, h, 20.0f, 3);
  const FrameView& noisy = scene.noisy.view;
  OwnedFrame whole(PixelFormat::kRGB, w, h), tiled(PixelFormat::kRGB, w, h);

  auto denoiser = make_denoiser();
  // Temporal: each tile's network is told its own window of the noise map.
  for (bool temporal : {false, true})
    for (float level : {-1.0f, 20.0f}) {
      denoiser->configure({0, 0});
      denoiser->reset();
      ASSERT_TRUE(denoise(*denoiser, noisy, whole.view, {level, 1.0f, temporal}).ok());
      const float whole_level = denoiser->noise_level();
      denoiser->configure({0, 160});
      denoiser->reset();
      ASSERT_TRUE(denoise(*denoiser, noisy, tiled.view, {level, 1.0f, temporal}).ok());
      EXPECT_LT(mean_abs_difference(whole.view, tiled.view), 0.5) << "level " << level << " temporal " << temporal;
      EXPECT_GT(mean_abs_difference(noisy, tiled.view), 5.0) << "the frame was denoised";
      EXPECT_NEAR(denoiser->noise_level(), whole_level, 0.5f) << "the level map is blended too";
    }
}

TEST(Denoiser, EstimatesTheNoiseLevelAndReportsItsTime) {
  const int w = 256, h = 192;
  OwnedFrame clean(PixelFormat::kRGB, w, h), noisy(PixelFormat::kRGB, w, h), out(PixelFormat::kRGB, w, h);
  paint_scene(clean.view);
  auto denoiser = make_denoiser();
  auto degrader = make_degrader();
  for (float sigma : {10.0f, 30.0f}) {
    DegradeParams p;
    p.noise = sigma;
    ASSERT_TRUE(degrade(*degrader, clean.view, noisy.view, p, 0).ok());
    ASSERT_TRUE(denoise(*denoiser, noisy.view, out.view).ok());
    EXPECT_NEAR(denoiser->noise_level(), sigma, 0.25f * sigma) << "sigma " << sigma;
  }
  const Statistics list = denoiser->statistics();
  const std::map<std::string, double> stats(list.begin(), list.end());
  EXPECT_EQ(stats.at("estimated"), 1.0);
  EXPECT_GT(stats.at("network-ms"), 0.0);
  EXPECT_GT(stats.at("convert-in-ms") + stats.at("convert-out-ms"), 0.0);
  denoiser->reset();
  EXPECT_EQ(denoiser->noise_level(), 0.0f);
}

namespace {

double psnr(const FrameView& a, const FrameView& b) {
  double sum = 0.0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < 3 * a.width; ++x) {
      const double d = a.planes[0][y * a.strides[0] + x] - b.planes[0][y * b.strides[0] + x];
      sum += d * d;
    }
  return 10.0 * std::log10(255.0 * 255.0 / std::max(sum / (3.0 * a.width * a.height), 1e-10));
}

}  // namespace

// A still scene with fresh noise in every frame: averaged over time, every frame comes out
// better than the one before and far better than one frame alone can; reset() starts again with
// exactly the single-frame output.
TEST(Denoiser, TemporalAveragesStillFramesAndResetsToTheSingleFrameOutput) {
  const int w = 256, h = 192;
  OwnedFrame clean(PixelFormat::kRGB, w, h), noisy(PixelFormat::kRGB, w, h), single(PixelFormat::kRGB, w, h),
      fused(PixelFormat::kRGB, w, h);
  paint_scene(clean.view);
  auto degrader = make_degrader();
  DegradeParams noise;
  noise.noise = 25.0f;
  auto alone = make_denoiser(), over_time = make_denoiser();
  for (float level : {-1.0f, 25.0f}) {
    over_time->reset();
    double previous = 0.0, first_single = 0.0;
    for (int frame = 0; frame < 8; ++frame) {
      ASSERT_TRUE(degrade(*degrader, clean.view, noisy.view, noise, frame).ok());
      ASSERT_TRUE(denoise(*alone, noisy.view, single.view, {level, 1.0f}).ok());
      ASSERT_TRUE(denoise(*over_time, noisy.view, fused.view, {level, 1.0f, true}).ok());
      const double gain = psnr(fused.view, clean.view);
      if (frame == 0) {
        EXPECT_EQ(fused.memory[0], single.memory[0]) << "the first frame is denoised alone";
        first_single = psnr(single.view, clean.view);
      } else if (frame < 4) {
        EXPECT_GT(gain, previous + 0.2) << "frame " << frame << ", level " << level;
      }
      previous = gain;
    }
    EXPECT_GT(previous, first_single + 2.0) << "level " << level;
    over_time->reset();
    ASSERT_TRUE(denoise(*over_time, noisy.view, fused.view, {level, 1.0f, true}).ok());
    EXPECT_EQ(fused.memory[0], single.memory[0]) << "after reset() a frame is denoised alone";
  }
}

// A bright square (2% of the frame, with its trail) moves across a still noisy scene: where it
// was and where it is, the temporal output matches the single-frame output (no ghost, no smear);
// elsewhere it is cleaner.
TEST(Denoiser, TemporalLeavesNoGhostOfMovingThings) {
  const int w = 384, h = 288, side = 32;
  OwnedFrame clean(PixelFormat::kRGB, w, h), noisy(PixelFormat::kRGB, w, h), single(PixelFormat::kRGB, w, h),
      fused(PixelFormat::kRGB, w, h);
  auto degrader = make_degrader();
  DegradeParams noise;
  noise.noise = 20.0f;
  auto alone = make_denoiser(), over_time = make_denoiser();
  auto region_error = [&](const FrameView& out, int x0) {
    double sum = 0.0;
    for (int y = 60; y < 60 + side; ++y)
      for (int x = 3 * x0; x < 3 * (x0 + side); ++x)
        sum += std::abs(out.planes[0][y * out.strides[0] + x] - clean.view.planes[0][y * clean.view.strides[0] + x]);
    return sum / (3.0 * side * side);
  };
  int x0 = 20;
  for (int frame = 0; frame < 8; ++frame, x0 += 24) {
    paint_scene(clean.view);
    for (int y = 60; y < 60 + side; ++y)
      std::fill_n(clean.view.planes[0] + y * clean.view.strides[0] + 3 * x0, 3 * side, std::uint8_t{240});
    ASSERT_TRUE(degrade(*degrader, clean.view, noisy.view, noise, frame).ok());
    ASSERT_TRUE(denoise(*alone, noisy.view, single.view).ok());
    ASSERT_TRUE(denoise(*over_time, noisy.view, fused.view, {-1.0f, 1.0f, true}).ok());
  }
  x0 -= 24;
  EXPECT_LT(region_error(fused.view, x0), region_error(single.view, x0) + 1.0) << "the square where it is now";
  EXPECT_LT(region_error(fused.view, x0 - 24), region_error(single.view, x0 - 24) + 1.0) << "where it was";
  EXPECT_GT(psnr(fused.view, clean.view), psnr(single.view, clean.view) + 1.0) << "the still rest is averaged";
}

// A moving camera (a pan) moves every pixel: nothing is averaged, every frame comes out as the
// single-frame output (from the second frame of the pan on: the first is blended cell by cell,
// the whole frame's decision taken from it).
TEST(Denoiser, TemporalRestartsWhenTheCameraMoves) {
  const int w = 256, h = 192;
  OwnedFrame scene(PixelFormat::kRGB, w + 64, h), clean(PixelFormat::kRGB, w, h), noisy(PixelFormat::kRGB, w, h),
      single(PixelFormat::kRGB, w, h), fused(PixelFormat::kRGB, w, h);
  paint_scene(scene.view);
  auto degrader = make_degrader();
  DegradeParams noise;
  noise.noise = 20.0f;
  auto alone = make_denoiser(), over_time = make_denoiser();
  for (int frame = 0; frame < 6; ++frame) {
    for (int y = 0; y < h; ++y)
      std::memcpy(clean.view.planes[0] + y * clean.view.strides[0], scene.view.planes[0] + y * scene.view.strides[0] + 3 * 5 * frame,
                  3 * w);
    ASSERT_TRUE(degrade(*degrader, clean.view, noisy.view, noise, frame).ok());
    ASSERT_TRUE(denoise(*alone, noisy.view, single.view).ok());
    ASSERT_TRUE(denoise(*over_time, noisy.view, fused.view, {-1.0f, 1.0f, true}).ok());
    if (frame != 1) {
      EXPECT_EQ(fused.memory[0], single.memory[0]) << "frame " << frame;
    }
  }
}

// A frame is fused in bands of rows at once, each band's edge rows compared before any band
// blends: how many bands must not change a value, through still, moving and restarting frames.
TEST(TemporalAverage, BandsDoNotChangeTheResult) {
  const int w = 40, h = 72, channels = 12, map_cells = 4;
  Image frame, noise;
  ASSERT_TRUE(frame.resize(w, h, channels).ok());
  ASSERT_TRUE(noise.resize(w / map_cells, h / map_cells, 1).ok());
  for (int y = 0; y < noise.height(); ++y) std::fill(noise.view().row(y), noise.view().row(y) + noise.width(), 0.05f);
  std::mt19937 rng(7);
  std::normal_distribution<float> white(0.0f, 0.05f);
  TemporalAverage one_band(1), bands(4);
  for (int t = 0; t < 8; ++t) {
    for (int y = 0; y < h; ++y) {
      float* row = frame.view().row(y);
      for (int x = 0; x < w; ++x) {
        // A checkerboard, a small square moving across the band edges, the light up at frame 5
        // (the whole frame moves: the next frame restarts).
        const bool square = x >= 4 * t && x < 4 * t + 6 && y >= 16 && y < 28;
        const float scene = square ? 0.9f : 0.3f + 0.3f * static_cast<float>((x / 8 + y / 8) % 2) + (t == 5 ? 0.3f : 0.0f);
        for (int k = 0; k < channels; ++k) row[x * channels + k] = scene + white(rng);
      }
    }
    ASSERT_TRUE(one_band.fuse(frame.view(), noise.view(), map_cells).ok());
    ASSERT_TRUE(bands.fuse(frame.view(), noise.view(), map_cells).ok());
    for (int y = 0; y < h; ++y)
      ASSERT_EQ(std::memcmp(one_band.average().row(y), bands.average().row(y), sizeof(float) * w * channels), 0)
          << "frame " << t << ", row " << y;
    for (int y = 0; y < noise.height(); ++y)
      ASSERT_EQ(std::memcmp(one_band.residual_noise().row(y), bands.residual_noise().row(y), sizeof(float) * noise.width()),
                0)
          << "frame " << t << ", block row " << y;
  }
}

TEST(Denoiser, RefusesTemporalWithAModelThatCannotFuse) {
  std::unique_ptr<Denoiser> old;
  DenoiserOptions options;
  options.model.path = model_path("identity.pt");  // forward() alone
  ASSERT_TRUE(Denoiser::create(options, old).ok());
  EXPECT_EQ(old->set_params({-1.0f, 1.0f, true}).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(old->set_params({-1.0f, 1.0f, false}).ok());
}

// bfloat16 convolutions with float32 conversion and residual: the same frame comes out within a
// few code values (mean well under one) of the float32 run.
TEST(Denoiser, Bf16AgreesWithFp32) {
  if (!cpu_has_native_bf16()) GTEST_SKIP() << "this CPU has no native bfloat16 (precision=auto runs float32 here)";
  const int w = 320, h = 240;
  const NoisyScene scene(w, h, 25.0f);
  const FrameView& noisy = scene.noisy.view;
  OwnedFrame a(PixelFormat::kRGB, w, h), b(PixelFormat::kRGB, w, h);
  auto fp32 = make_denoiser(Precision::kFp32), bf16 = make_denoiser(Precision::kBf16);
  for (float level : {-1.0f, 25.0f}) {
    ASSERT_TRUE(denoise(*fp32, noisy, a.view, {level, 1.0f}).ok());
    ASSERT_TRUE(denoise(*bf16, noisy, b.view, {level, 1.0f}).ok());
    EXPECT_LT(mean_abs_difference(a.view, b.view), 0.6) << "level " << level;
    int worst = 0;
    for (std::size_t i = 0; i < a.memory[0].size(); ++i) worst = std::max(worst, std::abs(a.memory[0][i] - b.memory[0][i]));
    EXPECT_LE(worst, 12) << "level " << level;
  }
}

// Every output is blended at its own scale: an image upscaled 2x and a map at 1/8 come out of a
// tiled run as out of a whole-frame one (both are local functions of the input).
TEST(Tiler, BlendsEveryOutputAtItsOwnScale) {
  const int w = 96, h = 64;
  Image input, up, map;
  ASSERT_TRUE(input.resize(w, h, 3).ok());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) input.view().row(y)[3 * x + c] = std::sin(0.1f * x + 0.2f * y + c);
  const TileFunction tile = [&](const ImageView& in, std::vector<ImageView>& outputs) -> Status {
    Status s = up.resize(2 * in.width, 2 * in.height, 3);
    if (s.ok()) s = map.resize(in.width / 8, in.height / 8, 1);
    if (!s.ok()) return s;
    for (int y = 0; y < 2 * in.height; ++y)
      for (int x = 0; x < 2 * in.width; ++x)
        for (int c = 0; c < 3; ++c) up.view().row(y)[3 * x + c] = in.row(y / 2)[3 * (x / 2) + c];
    for (int by = 0; by < in.height / 8; ++by)
      for (int bx = 0; bx < in.width / 8; ++bx) {
        float sum = 0.0f;
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x) sum += in.row(8 * by + y)[3 * (8 * bx + x)];
        map.view().row(by)[bx] = sum / 64.0f;
      }
    outputs.assign({up.view(), map.view()});
    return Status::Ok();
  };
  Tiler whole_tiler, tiled_tiler;
  std::vector<ImageView> whole, tiled;
  ASSERT_TRUE(whole_tiler.run(input.view(), {1, 8, 8, 0}, tile, &whole).ok());
  std::vector<float> whole_up(whole[0].data, whole[0].data + 2 * w * 2 * h * 3);
  std::vector<float> whole_map(whole[1].data, whole[1].data + (w / 8) * (h / 8));
  ASSERT_TRUE(tiled_tiler.run(input.view(), {1, 8, 8, 40}, tile, &tiled).ok());
  ASSERT_EQ(tiled[0].width, 2 * w);
  ASSERT_EQ(tiled[0].height, 2 * h);
  ASSERT_EQ(tiled[1].width, w / 8);
  for (int y = 0; y < 2 * h; ++y)
    for (int x = 0; x < 2 * w * 3; ++x) ASSERT_NEAR(tiled[0].row(y)[x], whole_up[(y * 2 * w * 3) + x], 1e-5f);
  for (int y = 0; y < h / 8; ++y)
    for (int x = 0; x < w / 8; ++x) ASSERT_NEAR(tiled[1].row(y)[x], whole_map[y * (w / 8) + x], 1e-5f);
}

std::unique_ptr<Restorer> make_restorer(int tile_size = 0) {
  std::unique_ptr<Restorer> restorer;
  RestorerOptions options;
  options.model.path = model_path("shifting-restorer.pt");
  options.runtime.tile_size = tile_size;
  const Status s = Restorer::create(options, restorer);
  EXPECT_TRUE(s.ok()) << s.message();
  return restorer;
}

// Several outputs from one trunk: each output frame gets its own task (the test model adds a
// tenth of the task's first value), whole or tiled, in any format.
TEST(Restorer, EachOutputGetsItsOwnTask) {
  for (int tile_size : {0, 48}) {
    auto restorer = make_restorer(tile_size);
    for (PixelFormat format : {PixelFormat::kRGB, PixelFormat::kI420}) {
      OwnedFrame in(format, 101, 67), a(format, 101, 67), b(format, 101, 67), c(format, 101, 67);
      for (auto& m : in.memory) std::fill(m.begin(), m.end(), 100);
      ASSERT_TRUE(restorer->set_tasks({{0.0f, 0.5f, 0.0f}, {0.5f, 0.0f, 0.0f}, {1.0f, 1.0f, 1.0f}}).ok());
      const Status s = restorer->process(in.view, {a.view, b.view, c.view});
      ASSERT_TRUE(s.ok()) << s.message();
      EXPECT_EQ(a.memory[0], in.memory[0]) << "deblur 0 leaves the frame as it was";
      const int shift_b = b.memory[0][0] - in.memory[0][0], shift_c = c.memory[0][0] - in.memory[0][0];
      EXPECT_NEAR(shift_b, format == PixelFormat::kRGB ? 13 : 11, 1) << "tile " << tile_size;
      EXPECT_NEAR(shift_c, format == PixelFormat::kRGB ? 26 : 22, 1) << "tile " << tile_size;
      EXPECT_EQ(std::count(b.memory[0].begin(), b.memory[0].end(), b.memory[0][0]),
                static_cast<std::ptrdiff_t>(b.memory[0].size()))
          << "the whole frame, tiles included, got the same task";
    }
    const Statistics list = restorer->statistics();
    const std::map<std::string, double> stats(list.begin(), list.end());
    EXPECT_EQ(stats.at("outputs"), 3.0);
    EXPECT_GT(stats.at("trunk-ms") + stats.at("heads-ms"), 0.0);
  }
}

TEST(Restorer, RefusesWrongUse) {
  auto restorer = make_restorer();
  OwnedFrame rgb(PixelFormat::kRGB, 16, 16), out(PixelFormat::kRGB, 16, 16), bayer(PixelFormat::kBayer8, 16, 16);
  EXPECT_EQ(restorer->set_tasks({{1.5f, 0.0f, 0.0f}}).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(restorer->set_tasks({{0.5f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f}}).ok());
  EXPECT_EQ(restorer->process(rgb.view, {out.view}).code(), ErrorCode::kInvalidArgument) << "one task per output";
  EXPECT_EQ(restorer->process(bayer.view, {bayer.view, bayer.view}).code(), ErrorCode::kUnsupported);
  std::unique_ptr<Restorer> wrong;
  RestorerOptions options;
  for (const char* name : {"trunk-and-heads.pt", "identity.pt"}) {
    options.model.path = model_path(name);
    EXPECT_EQ(Restorer::create(options, wrong).code(), ErrorCode::kInvalidModel) << name;
  }
}

// Blind mode: every output is restored with the model's estimate, which follows the frames
// smoothly and starts afresh after reset(). The test model estimates every level as the frame's
// mean brightness and shifts the frame by a tenth of the deblur task plus a tenth of the deblur
// level its trunk is told.
TEST(Restorer, BlindModeSmoothsTheEstimateAndResets) {
  std::unique_ptr<Restorer> restorer;
  RestorerOptions options;
  options.model.path = model_path("shifting-restorer.pt");
  ASSERT_TRUE(Restorer::create(options, restorer).ok());
  EXPECT_EQ(restorer->set_mode(RestoreMode::kBlind).code(), ErrorCode::kInvalidArgument)
      << "a model without an estimate method cannot run blind";

  options.model.path = model_path("estimating-restorer.pt");
  ASSERT_TRUE(Restorer::create(options, restorer).ok());
  ASSERT_TRUE(restorer->set_mode(RestoreMode::kBlind).ok());
  ASSERT_TRUE(restorer->set_tasks({{0.0f, 0.0f, 0.0f}, {1.0f, 0.0f, 0.0f}}).ok());
  OwnedFrame bright(PixelFormat::kRGB, 64, 48), dark(PixelFormat::kRGB, 64, 48), a(PixelFormat::kRGB, 64, 48),
      b(PixelFormat::kRGB, 64, 48);
  std::fill(bright.memory[0].begin(), bright.memory[0].end(), 204);  // estimate 0.8
  std::fill(dark.memory[0].begin(), dark.memory[0].end(), 51);       // estimate 0.2
  ASSERT_TRUE(restorer->process(bright.view, {a.view, b.view}).ok());
  EXPECT_NEAR(restorer->estimate().deblur, 0.8f, 0.01f) << "the first frame sets the estimate";
  EXPECT_EQ(a.memory[0], b.memory[0]) << "in blind mode every output gets the estimate, not its task";
  EXPECT_NEAR(a.memory[0][0] - 204, 0.2 * 0.8 * 255, 1.5) << "the estimate is the task and the trunk's levels";

  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(restorer->process(dark.view, {a.view, b.view}).ok());
    EXPECT_NEAR(restorer->estimate().deblur, 0.8f, 0.01f) << "the levels are measured on every eighth frame";
  }
  ASSERT_TRUE(restorer->process(dark.view, {a.view, b.view}).ok());
  const float smoothed = restorer->estimate().deblur;
  // The weight of eight frames: 1 - 0.88^8 = 0.64 of the way to 0.2.
  EXPECT_NEAR(smoothed, 0.8f - 0.64f * 0.6f, 0.01f) << "eight dark frames move the estimate only part of the way";
  const Statistics list = restorer->statistics();
  const std::map<std::string, double> stats(list.begin(), list.end());
  EXPECT_EQ(stats.at("blind"), 1.0);
  EXPECT_NEAR(stats.at("noise-sigma"), smoothed * 50.0, 1e-3);
  EXPECT_NEAR(stats.at("blur-sigma"), smoothed * 4.0, 1e-3);
  EXPECT_NEAR(stats.at("jpeg-quality"), 100.0 - 90.0 * smoothed, 1e-3);

  restorer->reset();
  EXPECT_EQ(restorer->estimate().deblur, 0.0f);
  ASSERT_TRUE(restorer->process(dark.view, {a.view, b.view}).ok());
  EXPECT_NEAR(restorer->estimate().deblur, 0.2f, 0.01f) << "after reset the next frame starts a new estimate";

  ASSERT_TRUE(restorer->set_mode(RestoreMode::kManual).ok());
  ASSERT_TRUE(restorer->process(dark.view, {a.view, b.view}).ok());
  EXPECT_NEAR(a.memory[0][0] - 51, 0.1 * 0.2 * 255, 1.5) << "manual mode: the tasks, and the trunk still told the estimate";
  EXPECT_NEAR(b.memory[0][0] - 51, 1.2 * 0.1 * 255, 1.5);
}

// The levels are measured once per frame and every tile's trunk is told the same ones: a frame
// half bright, half dark, cut into tiles, shifts uniformly by its mean. A frame wider than the
// estimate's window is measured on its centre.
TEST(Restorer, EveryTileIsToldTheFramesEstimate) {
  std::unique_ptr<Restorer> restorer;
  RestorerOptions options;
  options.model.path = model_path("estimating-restorer.pt");
  options.runtime.tile_size = 48;
  ASSERT_TRUE(Restorer::create(options, restorer).ok());
  OwnedFrame halves(PixelFormat::kRGB, 128, 64), out(PixelFormat::kRGB, 128, 64);
  for (int y = 0; y < 64; ++y)
    std::fill_n(halves.memory[0].begin() + y * 128 * 3, 64 * 3, 204);  // the left half; the right stays 0
  ASSERT_TRUE(restorer->process(halves.view, {out.view}).ok());
  EXPECT_NEAR(restorer->estimate().denoise, 0.4f, 0.01f);
  const int shift = out.memory[0].back() - halves.memory[0].back();
  EXPECT_NEAR(shift, 0.1 * 0.4 * 255, 1.5);
  EXPECT_EQ(out.memory[0][0] - halves.memory[0][0], shift) << "both halves, in different tiles, got one estimate";

  options.runtime.tile_size = 0;
  ASSERT_TRUE(Restorer::create(options, restorer).ok());
  OwnedFrame wide(PixelFormat::kRGB, 1600, 16), wide_out(PixelFormat::kRGB, 1600, 16);
  for (int y = 0; y < 16; ++y) {
    auto row = wide.memory[0].begin() + y * 1600 * 3;
    std::fill_n(row, 1600 * 3, 102);
    std::fill_n(row, 160 * 3, 255);  // outside the centred 1280-pixel window
  }
  ASSERT_TRUE(restorer->process(wide.view, {wide_out.view}).ok());
  EXPECT_NEAR(restorer->estimate().denoise, 0.4f, 0.01f) << "measured on the frame's centre";
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
  auto degrader = make_degrader();
  DegradeParams p;
  p.noise = 25.0f;
  p.seed = 1;
  ASSERT_TRUE(degrade(*degrader, flat.view, a.view, p, 5).ok());
  EXPECT_NEAR(channel_std(flat.view, a.view), 25.0, 1.0);
  ASSERT_TRUE(degrade(*degrader, flat.view, b.view, p, 5).ok());
  EXPECT_EQ(a.memory[0], b.memory[0]) << "same seed and frame, same noise";
  ASSERT_TRUE(degrade(*degrader, flat.view, b.view, p, 6).ok());
  EXPECT_NE(a.memory[0], b.memory[0]) << "another frame, other noise";
}

TEST(Degrader, CameraNoiseIsSignalDependent) {
  OwnedFrame dark(PixelFormat::kRGB, 128, 128), bright(PixelFormat::kRGB, 128, 128), out(PixelFormat::kRGB, 128, 128);
  std::fill(dark.memory[0].begin(), dark.memory[0].end(), 40);
  std::fill(bright.memory[0].begin(), bright.memory[0].end(), 200);
  auto degrader = make_degrader();
  DegradeParams p;
  p.camera_noise = 0.8f;
  ASSERT_TRUE(degrade(*degrader, bright.view, out.view, p, 0).ok());
  const double bright_std = channel_std(bright.view, out.view);
  ASSERT_TRUE(degrade(*degrader, dark.view, out.view, p, 0).ok());
  const double dark_std = channel_std(dark.view, out.view);
  EXPECT_GT(bright_std, 2.0);
  EXPECT_GT(dark_std, 2.0);
  EXPECT_NE(std::round(bright_std), std::round(dark_std));
}

// Bayer frames get shot and read noise per photosite between the black and white levels:
// brighter photosites noisier, the black level kept on average; blur and JPEG are refused.
TEST(Degrader, CameraNoiseOnBayerFramesIsRawDomain) {
  auto degrader = make_degrader();
  DegradeParams p;
  p.camera_noise = 0.7f;
  p.levels = {256.0f, 4095.0f};
  const auto noise_at = [&](int code, double* mean) {
    OwnedFrame in(PixelFormat::kBayer16, 64, 64), out(PixelFormat::kBayer16, 64, 64);
    in.view.bayer = out.view.bayer = BayerPattern::kGBRG;
    in.view.bayer_bits = out.view.bayer_bits = 12;
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        const std::uint16_t v = static_cast<std::uint16_t>(code);
        std::memcpy(in.view.planes[0] + y * in.view.strides[0] + 2 * x, &v, 2);
      }
    EXPECT_TRUE(degrader->set_params(p).ok());
    const Status s = degrader->process(in.view, {out.view});
    EXPECT_TRUE(s.ok()) << s.message();
    double sum = 0, sq = 0;
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) {
        std::uint16_t v;
        std::memcpy(&v, out.view.planes[0] + y * out.view.strides[0] + 2 * x, 2);
        sum += v;
        sq += double(v) * v;
      }
    *mean = sum / 4096;
    return std::sqrt(sq / 4096 - *mean * *mean);
  };
  double dark_mean, bright_mean;
  const double dark = noise_at(300, &dark_mean), bright = noise_at(3000, &bright_mean);
  EXPECT_GT(dark, 1.0);
  EXPECT_GT(bright, 2.0 * dark) << "shot noise grows with the signal";
  EXPECT_NEAR(bright_mean, 3000.0, 5.0);
  EXPECT_NEAR(dark_mean, 300.0, 2.0);
  OwnedFrame in(PixelFormat::kBayer8, 16, 16), out(PixelFormat::kBayer8, 16, 16);
  p = DegradeParams();
  p.blur = 1.0f;
  ASSERT_TRUE(degrader->set_params(p).ok());
  const Status s = degrader->process(in.view, {out.view});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("RGB frames"), std::string::npos) << s.message();
}

TEST(Degrader, BlurAndJpegChangeTheFrame) {
  OwnedFrame scene(PixelFormat::kRGB, 96, 64), out(PixelFormat::kRGB, 96, 64);
  paint_scene(scene.view);
  auto degrader = make_degrader();
  DegradeParams blur;
  blur.blur = 2.0f;
  ASSERT_TRUE(degrade(*degrader, scene.view, out.view, blur, 0).ok());
  EXPECT_GT(mean_abs_difference(scene.view, out.view), 0.5);
  DegradeParams jpeg;
  jpeg.jpeg_quality = 10;
  ASSERT_TRUE(degrade(*degrader, scene.view, out.view, jpeg, 0).ok());
  EXPECT_GT(mean_abs_difference(scene.view, out.view), 0.5);
  DegradeParams none;
  ASSERT_TRUE(degrade(*degrader, scene.view, out.view, none, 0).ok());
  EXPECT_EQ(mean_abs_difference(scene.view, out.view), 0.0);
}

TEST(Degrader, HandlesTinyFramesAndRefusesBadValues) {
  OwnedFrame tiny(PixelFormat::kI420, 1, 1), out(PixelFormat::kI420, 1, 1);
  auto degrader = make_degrader();
  DegradeParams all;
  all.noise = 10.0f;
  all.camera_noise = 0.5f;
  all.blur = 1.0f;
  all.jpeg_quality = 50;
  EXPECT_TRUE(degrade(*degrader, tiny.view, out.view, all, 0).ok());
  DegradeParams bad;
  bad.camera_noise = 2.0f;
  EXPECT_EQ(degrader->set_params(bad).code(), ErrorCode::kInvalidArgument);
}

// --- The Bayer path ---

TEST(ColorTransform, AppliesGainsMatrixQuadraticTermsAndTone) {
  ColorTransform t;
  t.gains = {2.0f, 1.0f, 0.5f};
  t.matrix[3] = 1.0f;  // R' = r + r^2
  t.matrix[19] = 0.1f;  // G' = g + 0.1
  t.tone = {0.0f, 0.5f};  // halves everything
  for (int unshuffle : {1, 2}) {
    Image image;
    ASSERT_TRUE(image.resize(1, 1, 3 * unshuffle * unshuffle).ok());
    const int cells = unshuffle * unshuffle;
    float* px = image.view().data;
    for (int k = 0; k < cells; ++k) {
      px[k] = 0.2f;
      px[cells + k] = 0.4f + 0.1f * k;
      px[2 * cells + k] = 0.6f;
    }
    ASSERT_TRUE(apply_color_transform(t, image.view(), unshuffle).ok());
    for (int k = 0; k < cells; ++k) {
      EXPECT_NEAR(px[k], 0.5f * (0.4f + 0.16f), 1e-5f);
      EXPECT_NEAR(px[cells + k], 0.5f * (0.5f + 0.1f * k), 1e-5f);
      EXPECT_NEAR(px[2 * cells + k], 0.5f * 0.3f, 1e-5f);
    }
  }
  ColorTransform bad;
  bad.gains[0] = NAN;
  Image image;
  ASSERT_TRUE(image.resize(2, 2, 3).ok());
  EXPECT_FALSE(apply_color_transform(bad, image.view(), 1).ok());
  EXPECT_FALSE(apply_color_transform(ColorTransform(), image.view(), 2).ok()) << "wrong layout";
  EXPECT_TRUE(ColorTransform().is_identity());
  EXPECT_FALSE(t.is_identity());
}

namespace {

const BayerPattern kPatterns[] = {BayerPattern::kRGGB, BayerPattern::kBGGR, BayerPattern::kGRBG, BayerPattern::kGBRG};

std::unique_ptr<RawRenderer> make_renderer(const RawRenderParams& params = {}, int tile_size = 0) {
  std::unique_ptr<RawRenderer> renderer;
  RawRendererOptions options;
  options.model.path = model_path("grey-world-raw2rgb.pt");
  options.runtime.tile_size = tile_size;
  Status s = RawRenderer::create(options, renderer);
  EXPECT_TRUE(s.ok()) << s.message();
  s = renderer->set_params(params);
  EXPECT_TRUE(s.ok()) << s.message();
  return renderer;
}

std::unique_ptr<RawSynthesizer> make_synthesizer(const RawSynthesizeParams& params = {}) {
  std::unique_ptr<RawSynthesizer> synthesizer;
  RawSynthesizerOptions options;
  options.model.path = model_path("explicit-rgb2raw.pt");
  Status s = RawSynthesizer::create(options, synthesizer);
  EXPECT_TRUE(s.ok()) << s.message();
  s = synthesizer->set_params(params);
  EXPECT_TRUE(s.ok()) << s.message();
  return synthesizer;
}

// Four 32x32 patches in a row: red, green, blue, white.
const std::uint8_t kPatches[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
void paint_patches(const FrameView& f) {
  for (int y = 0; y < f.height; ++y)
    for (int x = 0; x < f.width; ++x) std::memcpy(f.planes[0] + y * f.strides[0] + 3 * x, kPatches[x / 32 % 4], 3);
}

// Neutral camera: what the mosaic holds is what comes out.
RawRenderParams neutral_rendering() {
  RawRenderParams p;
  p.white_balance = {1, 1, 1};
  p.color_matrix = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  return p;
}

OwnedFrame bayer_frame(PixelFormat format, int width, int height, BayerPattern pattern, int bits) {
  OwnedFrame f(format, width, height, 6);
  f.view.bayer = pattern;
  f.view.bayer_bits = bits;
  return f;
}

}  // namespace

// A chart of pure patches keeps its colours through RGB -> RAW and RAW -> RGB for every pattern,
// and the RAW itself has each colour on the photosites the pattern says.
TEST(Raw, EveryPatternIsHonouredInBothDirections) {
  RawSynthesizeParams neutral_camera;
  neutral_camera.white_balance = {1, 1, 1};
  neutral_camera.color_matrix = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  auto synthesizer = make_synthesizer(neutral_camera);
  auto renderer = make_renderer(neutral_rendering());
  OwnedFrame chart(PixelFormat::kRGB, 128, 32), back(PixelFormat::kRGB, 128, 32);
  paint_patches(chart.view);
  // Where the red photosite of a cell is, per pattern (x, y).
  const int red_x[4] = {0, 1, 1, 0}, red_y[4] = {0, 1, 0, 1};
  for (int p = 0; p < 4; ++p) {
    for (PixelFormat format : {PixelFormat::kBayer8, PixelFormat::kBayer16}) {
      OwnedFrame raw = bayer_frame(format, 128, 32, kPatterns[p], format == PixelFormat::kBayer8 ? 8 : 12);
      Status s = synthesizer->process(chart.view, {raw.view});
      ASSERT_TRUE(s.ok()) << s.message();
      const auto code = [&](int x, int y) {
        const std::uint8_t* row = raw.view.planes[0] + y * raw.view.strides[0];
        return format == PixelFormat::kBayer8 ? row[x] : static_cast<int>(row[2 * x] | row[2 * x + 1] << 8);
      };
      const int white = format == PixelFormat::kBayer8 ? 255 : 4095;
      // Inside the red patch (x 8..23) the red photosites are white, the others black.
      EXPECT_EQ(code(8 + red_x[p], 8 + red_y[p]), white) << "pattern " << p;
      EXPECT_EQ(code(8 + 1 - red_x[p], 8 + red_y[p]), 0) << "pattern " << p;
      s = renderer->process(raw.view, {back.view});
      ASSERT_TRUE(s.ok()) << s.message();
      for (int patch = 0; patch < 4; ++patch)
        for (int c = 0; c < 3; ++c)
          EXPECT_NEAR(back.view.planes[0][16 * back.view.strides[0] + 3 * (32 * patch + 16) + c], kPatches[patch][c], 2)
              << "pattern " << p << " patch " << patch << " channel " << c;
    }
  }
}

// The same scene as 8-bit and as 12-bit RAW renders to the same picture.
TEST(Raw, TwelveBitsRenderLikeEightBits) {
  auto synthesizer = make_synthesizer();
  auto renderer = make_renderer();
  OwnedFrame scene(PixelFormat::kRGB, 96, 64), from8(PixelFormat::kRGBx, 96, 64), from12(PixelFormat::kRGBx, 96, 64);
  paint_scene(scene.view);
  OwnedFrame raw8 = bayer_frame(PixelFormat::kBayer8, 96, 64, BayerPattern::kGRBG, 8);
  OwnedFrame raw12 = bayer_frame(PixelFormat::kBayer16, 96, 64, BayerPattern::kGRBG, 12);
  ASSERT_TRUE(synthesizer->process(scene.view, {raw8.view}).ok());
  ASSERT_TRUE(synthesizer->process(scene.view, {raw12.view}).ok());
  ASSERT_TRUE(renderer->process(raw8.view, {from8.view}).ok());
  renderer->reset();
  ASSERT_TRUE(renderer->process(raw12.view, {from12.view}).ok());
  double difference = 0.0;
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 96 * 4; ++x)
      difference += std::abs(from8.view.planes[0][y * from8.view.strides[0] + x] -
                             from12.view.planes[0][y * from12.view.strides[0] + x]);
  EXPECT_LT(difference / (64 * 96 * 4), 2.0);
}

// RGB -> RAW -> RGB with the camera given to both sides gives the scene back.
TEST(Raw, RoundTripWithTheCameraGivenKeepsTheScene) {
  auto synthesizer = make_synthesizer();
  RawRenderParams camera;
  camera.white_balance = synthesizer->default_white_balance();
  camera.color_matrix = synthesizer->default_color_matrix();
  ASSERT_EQ(camera.white_balance.size(), 3u);
  ASSERT_EQ(camera.color_matrix.size(), 9u);
  for (int tile_size : {0, 48}) {
    auto renderer = make_renderer(camera, tile_size);
    OwnedFrame scene(PixelFormat::kRGB, 160, 96), back(PixelFormat::kRGB, 160, 96);
    paint_scene(scene.view);
    OwnedFrame raw = bayer_frame(PixelFormat::kBayer16, 160, 96, BayerPattern::kBGGR, 12);
    ASSERT_TRUE(synthesizer->process(scene.view, {raw.view}).ok());
    const Status s = renderer->process(raw.view, {back.view});
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_LT(mean_abs_difference(scene.view, back.view), 3.0) << "tile " << tile_size;
  }
}

// Auto white balance follows a change of light gradually and starts over after reset().
TEST(Raw, AutoWhiteBalanceIsSmoothedAndReset) {
  auto renderer = make_renderer();
  OwnedFrame out(PixelFormat::kRGB, 64, 64);
  const auto red_gain_after = [&](int red_code) {
    OwnedFrame raw = bayer_frame(PixelFormat::kBayer8, 64, 64, BayerPattern::kRGGB, 8);
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) raw.view.planes[0][y * raw.view.strides[0] + x] = (x % 2 == 0 && y % 2 == 0) ? red_code : 100;
    EXPECT_TRUE(renderer->process(raw.view, {out.view}).ok());
    const Statistics list = renderer->statistics();
    return std::map<std::string, double>(list.begin(), list.end()).at("red-gain");
  };
  EXPECT_NEAR(red_gain_after(50), 2.0, 0.05) << "the first frame sets the estimate";
  const double moved = red_gain_after(200);
  EXPECT_GT(moved, 1.6);
  EXPECT_LT(moved, 1.9) << "a change of light moves the estimate gradually";
  renderer->reset();
  EXPECT_NEAR(red_gain_after(200), 0.5, 0.05) << "after reset the next frame sets it";
}

TEST(Raw, RefusesOddSizesBadLevelsAndWrongUse) {
  auto renderer = make_renderer();
  auto synthesizer = make_synthesizer();
  OwnedFrame rgb(PixelFormat::kRGB, 33, 32), raw = bayer_frame(PixelFormat::kBayer8, 33, 32, BayerPattern::kRGGB, 8);
  Status s = renderer->process(raw.view, {rgb.view});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("even"), std::string::npos) << s.message();
  EXPECT_FALSE(synthesizer->process(rgb.view, {raw.view}).ok());

  OwnedFrame rgb2(PixelFormat::kRGB, 32, 32), raw2 = bayer_frame(PixelFormat::kBayer16, 32, 32, BayerPattern::kRGGB, 10);
  RawRenderParams p;
  p.levels.white_level = 4095;  // above 10 bits
  ASSERT_TRUE(renderer->set_params(p).ok());
  s = renderer->process(raw2.view, {rgb2.view});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("white"), std::string::npos) << s.message();
  p.levels = {600.0f, 500.0f};
  ASSERT_TRUE(renderer->set_params(p).ok());
  EXPECT_FALSE(renderer->process(raw2.view, {rgb2.view}).ok()) << "black above white";
  EXPECT_FALSE(renderer->set_params([] { RawRenderParams q; q.white_balance = {1, 0, 1}; return q; }()).ok());
  EXPECT_FALSE(renderer->set_params([] { RawRenderParams q; q.color_matrix = {1, 2}; return q; }()).ok());
  RawSynthesizeParams singular;
  singular.color_matrix = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_FALSE(synthesizer->set_params(singular).ok());
  EXPECT_FALSE(renderer->process(rgb2.view, {rgb2.view}).ok()) << "RGB input";
  EXPECT_FALSE(synthesizer->process(raw2.view, {raw2.view}).ok()) << "Bayer input";

  std::unique_ptr<RawRenderer> wrong;
  RawRendererOptions options;
  options.model.path = model_path("shifting-restorer.pt");
  s = RawRenderer::create(options, wrong);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidModel);
  EXPECT_NE(s.message().find("restore"), std::string::npos) << s.message();
}

namespace {

std::unique_ptr<Enhancer> make_enhancer(const EnhanceParams& params = {}) {
  std::unique_ptr<Enhancer> enhancer;
  EnhancerOptions options;
  options.model.path = model_path("grey-world-enhancer.pt");
  Status s = Enhancer::create(options, enhancer);
  EXPECT_TRUE(s.ok()) << s.message();
  s = enhancer->set_params(params);
  EXPECT_TRUE(s.ok()) << s.message();
  return enhancer;
}

// A flat grey frame with a colour cast (plus a little texture so the frame is not constant).
void paint_cast(const FrameView& f, int red, int green, int blue) {
  for (int y = 0; y < f.height; ++y)
    for (int x = 0; x < f.width; ++x) {
      std::uint8_t* p = f.planes[0] + y * f.strides[0] + 3 * x;
      const int texture = (x + y) % 8 - 4;
      p[0] = static_cast<std::uint8_t>(red + texture);
      p[1] = static_cast<std::uint8_t>(green + texture);
      p[2] = static_cast<std::uint8_t>(blue + texture);
    }
}

std::array<double, 3> channel_means(const FrameView& f) {
  std::array<double, 3> sum{};
  for (int y = 0; y < f.height; ++y)
    for (int x = 0; x < f.width; ++x)
      for (int c = 0; c < 3; ++c) sum[c] += f.planes[0][y * f.strides[0] + 3 * x + c];
  for (double& s : sum) s /= static_cast<double>(f.width) * f.height;
  return sum;
}

double statistic(const Processor& p, const std::string& name) {
  const Statistics list = p.statistics();
  return std::map<std::string, double>(list.begin(), list.end()).at(name);
}

}  // namespace

// The network's parameters reach every pixel, and strength blends from the input to them.
TEST(Enhancer, AppliesTheEstimateAndStrengthBlendsToTheInput) {
  OwnedFrame in(PixelFormat::kRGB, 96, 64, 5), out(PixelFormat::kRGB, 96, 64, 3);
  paint_cast(in.view, 160, 100, 60);
  EnhanceParams params;
  params.smoothing_seconds = 0.0f;
  auto enhancer = make_enhancer(params);
  ASSERT_TRUE(enhancer->process(in.view, {out.view}).ok());
  for (double mean : channel_means(out.view)) EXPECT_NEAR(mean, 127.5, 2.0) << "grey world to 0.5";
  EXPECT_NEAR(statistic(*enhancer, "red-gain"), 100.0 / 160.0, 0.02);
  EXPECT_NEAR(statistic(*enhancer, "blue-gain"), 100.0 / 60.0, 0.03);

  params.strength = 0.5f;
  ASSERT_TRUE(enhancer->set_params(params).ok());
  ASSERT_TRUE(enhancer->process(in.view, {out.view}).ok());
  const auto half = channel_means(out.view);
  EXPECT_NEAR(half[0], (160.0 + 127.5) / 2, 4.0);
  EXPECT_NEAR(half[2], (60.0 + 127.5) / 2, 4.0);

  params.strength = 0.0f;
  ASSERT_TRUE(enhancer->set_params(params).ok());
  ASSERT_TRUE(enhancer->process(in.view, {out.view}).ok());
  EXPECT_EQ(mean_abs_difference(in.view, out.view), 0.0) << "strength 0 is the input";
}

// The style reaches the network: warmth raises red over blue, saturation -1 is grey, exposure
// brightens; and a change of style shows on the very next frame, however slow the smoothing.
TEST(Enhancer, StyleChangesShowOnTheNextFrame) {
  OwnedFrame in(PixelFormat::kRGB, 64, 64), out(PixelFormat::kRGB, 64, 64);
  paint_scene(in.view);
  EnhanceParams params;
  params.smoothing_seconds = 30.0f;
  auto enhancer = make_enhancer(params);
  ASSERT_TRUE(enhancer->process(in.view, {out.view}).ok());
  const auto natural = channel_means(out.view);
  params.style.warmth = 1.0f;
  ASSERT_TRUE(enhancer->set_params(params).ok());
  ASSERT_TRUE(enhancer->process(in.view, {out.view}).ok());
  const auto warm = channel_means(out.view);
  EXPECT_GT(warm[0] - warm[2], natural[0] - natural[2] + 20.0);
  params.style = {};
  params.style.saturation = -1.0f;
  ASSERT_TRUE(enhancer->set_params(params).ok());
  ASSERT_TRUE(enhancer->process(in.view, {out.view}).ok());
  for (int y = 0; y < 64; y += 7)
    for (int x = 0; x < 64; x += 5) {
      const std::uint8_t* p = out.view.planes[0] + y * out.view.strides[0] + 3 * x;
      EXPECT_LE(std::abs(p[0] - p[2]), 1);
      EXPECT_LE(std::abs(p[0] - p[1]), 1);
    }
  params.style = {};
  params.style.exposure = 1.0f;
  ASSERT_TRUE(enhancer->set_params(params).ok());
  ASSERT_TRUE(enhancer->process(in.view, {out.view}).ok());
  const auto bright = channel_means(out.view);
  EXPECT_GT(bright[1], natural[1] + 20.0);
  EXPECT_GT(statistic(*enhancer, "exposure-ev"), 0.3);
}

// A change of light is followed within the smoothing time, gradually and
// without overshoot, in frame time; reset() forgets it; a constant input gives a constant output.
TEST(Enhancer, SmoothingFollowsFrameTimeWithoutOvershootAndResets) {
  OwnedFrame dim(PixelFormat::kRGB, 64, 48), bright(PixelFormat::kRGB, 64, 48), out(PixelFormat::kRGB, 64, 48),
      first(PixelFormat::kRGB, 64, 48);
  paint_cast(dim.view, 100, 100, 60);
  paint_cast(bright.view, 100, 100, 180);
  EnhanceParams params;
  params.smoothing_seconds = 1.0f;
  auto enhancer = make_enhancer(params);
  double t = 10.0;
  for (int i = 0; i < 20; ++i, t += 0.04) {
    enhancer->set_frame_time(t);
    ASSERT_TRUE(enhancer->process(dim.view, {out.view}).ok());
    if (i == 0) std::memcpy(first.memory[0].data(), out.memory[0].data(), out.memory[0].size());
    EXPECT_EQ(mean_abs_difference(first.view, out.view), 0.0) << "frame " << i << ": no drift";
  }
  const double start = statistic(*enhancer, "blue-gain"), target = 100.0 / 180.0;
  EXPECT_NEAR(start, 100.0 / 60.0, 0.03);
  double previous = start;
  double at_one_second = 0.0;
  for (int i = 1; i <= 50; ++i, t += 0.04) {  // 25 frames a second, for 2 s
    enhancer->set_frame_time(t);
    ASSERT_TRUE(enhancer->process(bright.view, {out.view}).ok());
    const double gain = statistic(*enhancer, "blue-gain");
    EXPECT_LE(gain, previous + 1e-6) << "frame " << i << ": monotonic";
    EXPECT_GE(gain, target - 0.01) << "frame " << i << ": no overshoot";
    if (i == 1) {
      EXPECT_GT(gain, start - 0.5 * (start - target)) << "gradual";
    }
    if (i == 25) at_one_second = gain;
    previous = gain;
  }
  // The blue gain follows 1 / (smoothed mean), so 95% of the smoothed view is a little less of the gain.
  EXPECT_LT(at_one_second - target, 0.1 * (start - target)) << "settled within the smoothing time";
  enhancer->reset();
  enhancer->set_frame_time(0.0);
  ASSERT_TRUE(enhancer->process(dim.view, {out.view}).ok());
  EXPECT_NEAR(statistic(*enhancer, "blue-gain"), 100.0 / 60.0, 0.03) << "after reset the next frame sets it";
}

TEST(Enhancer, EveryFormatAndOddSizeKeepsAlphaAndGeometry) {
  auto enhancer = make_enhancer();
  for (PixelFormat format : {PixelFormat::kI420, PixelFormat::kNV12, PixelFormat::kYUY2, PixelFormat::kRGBA,
                             PixelFormat::kxBGR, PixelFormat::kBGR}) {
    OwnedFrame in(format, 37, 21, 3), out(format, 37, 21, 7);
    in.fill_random(static_cast<unsigned>(format));
    enhancer->reset();
    const Status s = enhancer->process(in.view, {out.view});
    ASSERT_TRUE(s.ok()) << s.message();
    if (format != PixelFormat::kRGBA) continue;
    for (int y = 0; y < 21; ++y)
      for (int x = 0; x < 37; ++x) {
        EXPECT_EQ(out.view.planes[0][y * out.view.strides[0] + 4 * x + 3], in.view.planes[0][y * in.view.strides[0] + 4 * x + 3]);
      }
  }
}

TEST(Enhancer, RefusesBadSettingsFramesAndModels) {
  auto enhancer = make_enhancer();
  for (float bad : {1.5f, -1.01f, NAN}) {
    EnhanceParams p;
    p.style.warmth = bad;
    EXPECT_FALSE(enhancer->set_params(p).ok()) << bad;
    p = {};
    p.strength = bad;
    EXPECT_FALSE(enhancer->set_params(p).ok()) << bad;
  }
  EnhanceParams negative_time;
  negative_time.smoothing_seconds = -1.0f;
  EXPECT_FALSE(enhancer->set_params(negative_time).ok());
  OwnedFrame raw(PixelFormat::kBayer8, 32, 32), rgb(PixelFormat::kRGB, 32, 32), small(PixelFormat::kRGB, 30, 32);
  EXPECT_EQ(enhancer->process(raw.view, {rgb.view}).code(), ErrorCode::kUnsupported);
  EXPECT_FALSE(enhancer->process(rgb.view, {small.view}).ok());

  std::unique_ptr<Enhancer> wrong;
  EnhancerOptions options;
  options.model.path = model_path("grey-world-raw2rgb.pt");
  const Status s = Enhancer::create(options, wrong);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidModel);
  EXPECT_NE(s.message().find("raw2rgb"), std::string::npos) << s.message();
}

// The element's style enum comes from the library's table; the bundled model must have been
// trained on the same looks.
TEST(Enhancer, PresetsMatchTheBundledModel) {
  std::unique_ptr<Model> model;
  const Status s = Model::load(options_for(find_model("enhance/enhance-fast.pt")), model);
  ASSERT_TRUE(s.ok()) << s.message();
  const std::pair<const char*, EnhancePreset> presets[] = {
      {"natural", EnhancePreset::kNatural}, {"vivid", EnhancePreset::kVivid},         {"warm", EnhancePreset::kWarm},
      {"cool", EnhancePreset::kCool},       {"low-light", EnhancePreset::kLowLight}, {"film", EnhancePreset::kFilm},
      {"mono", EnhancePreset::kMono}};
  std::string expected;
  for (const auto& [name, preset] : presets) {
    const EnhanceStyle st = enhance_preset_style(preset);
    char entry[128];
    std::snprintf(entry, sizeof entry, "%s%s:%g;%g;%g;%g", expected.empty() ? "" : ",", name, st.exposure, st.contrast,
                  st.saturation, st.warmth);
    expected += entry;
  }
  EXPECT_EQ(model->info().fields.at("presets"), expected);
}

// ThreadBudget: the team size of threads=0 runs under other load (lib/src/thread_budget.h).
class ThreadBudgetTest : public ::testing::Test {
 protected:
  using Clock = neuralisp::ThreadBudget::Clock;
  static Clock::time_point at(double seconds) {
    return Clock::time_point() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }
  double idle = 0.0;  // what the budget is told is idle
  neuralisp::ThreadBudget budget{2, [this] { return idle; }};
};

TEST_F(ThreadBudgetTest, KeepsEveryCoreWhileRunsGetTheCpu) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(budget.next(at(i)), 2);
    budget.observed(2, 10.0, 9.9, at(i));
  }
}

TEST_F(ThreadBudgetTest, OneStarvedRunAmongUndisturbedOnesChangesNothing) {
  budget.observed(2, 10.0, 5.0, at(0));  // a quiet machine's occasional dip
  budget.observed(2, 10.0, 9.9, at(0.1));
  budget.observed(2, 10.0, 5.0, at(0.2));
  EXPECT_EQ(budget.next(at(0.3)), 2);
}

TEST_F(ThreadBudgetTest, HalvesTheTeamAfterTwoStarvedRunsAndTriesAgainWhenCoresAreIdle) {
  ASSERT_EQ(budget.next(at(0)), 2);
  budget.observed(2, 400.0, 200.0, at(0));  // half the wall time on the CPU: starved
  EXPECT_EQ(budget.next(at(0.05)), 2);      // once may be chance
  budget.observed(2, 400.0, 200.0, at(0));  // twice in a row is another load
  EXPECT_EQ(budget.next(at(0.5)), 1);       // within the first back-off (1 s)
  EXPECT_EQ(budget.next(at(1.5)), 1);       // after it, but nothing idle: no try
  idle = 1.0;
  EXPECT_EQ(budget.next(at(2.6)), 2);       // a core went idle: one step up is tried
  budget.observed(2, 10.0, 9.8, at(2.6));   // and it ran undisturbed
  EXPECT_EQ(budget.next(at(2.7)), 2);
}

TEST_F(ThreadBudgetTest, AStarvedTryDoublesTheBackOff) {
  idle = 1.0;
  budget.observed(2, 400.0, 200.0, at(0));
  budget.observed(2, 400.0, 200.0, at(0));  // back-off 1 s
  ASSERT_EQ(budget.next(at(1.1)), 2);
  budget.observed(2, 400.0, 200.0, at(1.1));  // the try was starved too: next in 2 s
  EXPECT_EQ(budget.next(at(2.9)), 1);
  EXPECT_EQ(budget.next(at(3.2)), 2);
  budget.observed(2, 400.0, 200.0, at(3.2));  // then 4 s
  EXPECT_EQ(budget.next(at(7.0)), 1);
  EXPECT_EQ(budget.next(at(7.3)), 2);
}

TEST_F(ThreadBudgetTest, ShortRunsAndSingleThreadRunsSayNothing) {
  budget.observed(2, 0.5, 0.1, at(0));   // under a millisecond
  budget.observed(2, 0.5, 0.1, at(0));
  EXPECT_EQ(budget.next(at(0)), 2);
  budget.observed(1, 50.0, 10.0, at(0));  // one thread cannot be starved by its team
  EXPECT_EQ(budget.next(at(0)), 2);
}

TEST_F(ThreadBudgetTest, ALargeMachineStepsDownAndUpByHalves) {
  idle = 16.0;
  neuralisp::ThreadBudget large(16, [this] { return idle; });
  large.observed(16, 100.0, 40.0, at(0));
  large.observed(16, 100.0, 40.0, at(0));
  EXPECT_EQ(large.next(at(0.1)), 8);
  large.observed(8, 100.0, 40.0, at(0.1));
  large.observed(8, 100.0, 40.0, at(0.1));
  EXPECT_EQ(large.next(at(0.2)), 4);
  EXPECT_EQ(large.next(at(2.5)), 8);  // one step up, not all the way
  large.observed(8, 100.0, 95.0, at(2.5));
  EXPECT_EQ(large.next(at(2.6)), 8);
}

TEST(ThreadBudget, ProcStatGivesIdleCoresWithinTheMachine) {
  neuralisp::IdleCores idle_cores(2);
  idle_cores();  // the first call sets the reference
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double idle = idle_cores();
  EXPECT_GE(idle, 0.0);
  EXPECT_LE(idle, 2.0);
}
