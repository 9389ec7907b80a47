// SPDX-License-Identifier: LGPL-2.1-or-later
// neuralisp-fuzz: a deterministic mutation fuzzer for what a hostile file or caller controls: the
// model metadata parser, frame <-> image conversion (every format, random sizes, strides, padding
// and pixel values, broken views) and image resampling. Every check is an oracle, not only "it did
// not crash": accepted metadata lies within the library's bounds; a conversion accepts exactly the
// views this file's own statement of the rules accepts, never writes outside a frame's pixels or an
// image's window, and round-trips exactly (YUV: within one code); non-finite or wild floats still
// write valid code values. Under AddressSanitizer and UBSan (tests/sanitizers/run.sh) it also
// catches out-of-bounds access and undefined arithmetic.
//
//   neuralisp-fuzz [--seconds S] [--seed N] [--case K] [--corpus DIR]... [--save DIR]
//
// Case K of seed N is the same on every machine (`--case K` replays it alone). Each --corpus
// directory's *.meta files are mutation seeds and are checked as they are first, so a finding saved
// there (--save writes each failing metadata text) stays a regression test.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <neuralisp/image.h>
#include <neuralisp/model.h>

#include "model_metadata.h"
#include "owned_frame.h"

using namespace neuralisp;
using neuralisp::test_support::OwnedFrame;
using neuralisp::test_support::plane_geometry;

namespace {

using Rng = std::mt19937_64;

int uniform(Rng& rng, int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng); }
bool chance(Rng& rng, double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p; }
template <typename T>
const T& pick(Rng& rng, const std::vector<T>& items) {
  return items[uniform(rng, 0, static_cast<int>(items.size()) - 1)];
}

// A case's own generator: the same (seed, case) gives the same case whatever ran before.
Rng case_rng(std::uint64_t seed, std::uint64_t index, std::uint64_t target) {
  std::seed_seq seq{seed, index, target};
  return Rng(seq);
}

// ---- metadata ----

const std::vector<std::string> kInterestingNumbers = {
    "0", "-1", "1", "2", "3", "4", "8", "255", "256", "257", "1024", "1025", "4096", "4097", "65535",
    "2147483647", "2147483648", "-2147483648", "-2147483649", "99999999999999999999", "1e38", "3.5e38",
    "1e-45", "nan", "inf", "-inf", "0x10", "1.5", "0.015625", "0.015", "8", "8.01", "", " 7", "1 ", "+4"};
const std::vector<std::string> kSyntax = {",", "=", ":", "/", "x", "@", ";", "\n", "-", ".", "e", "features",
                                          "image", "map", "scalar", "vector", "tensor", "method.", ".inputs",
                                          ".outputs", "methods=", std::string(1, '\0'), "\xff"};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

std::string mutate(std::string text, Rng& rng, const std::vector<std::string>& corpus) {
  const int edits = uniform(rng, 1, 4);
  for (int e = 0; e < edits; ++e) {
    const int pos = text.empty() ? 0 : uniform(rng, 0, static_cast<int>(text.size()) - 1);
    switch (uniform(rng, 0, 6)) {
      case 0:
        if (!text.empty()) text[pos] = static_cast<char>(text[pos] ^ (1 << uniform(rng, 0, 7)));
        break;
      case 1:
        if (!text.empty()) text[pos] = pick(rng, kSyntax)[0];
        break;
      case 2:
        text.insert(pos, chance(rng, 0.5) ? pick(rng, kSyntax) : pick(rng, kInterestingNumbers));
        break;
      case 3:
        text.erase(pos, uniform(rng, 1, 8));
        break;
      case 4: {  // a number (the next run of digits) replaced by an interesting one
        std::size_t start = text.find_first_of("0123456789", pos);
        if (start == std::string::npos) break;
        const std::size_t end = text.find_first_not_of("0123456789.e-", start);
        text.replace(start, (end == std::string::npos ? text.size() : end) - start, pick(rng, kInterestingNumbers));
        break;
      }
      case 5: {  // a line of another seed replaces or joins one of this text's
        std::vector<std::string> lines = lines_of(text), other = lines_of(pick(rng, corpus));
        if (other.empty()) break;
        const std::string& line = pick(rng, other);
        const int at = uniform(rng, 0, static_cast<int>(lines.size()));
        if (at < static_cast<int>(lines.size()) && chance(rng, 0.5))
          lines[at] = line;
        else
          lines.insert(lines.begin() + at, line);
        text.clear();
        for (const std::string& l : lines) text += l + "\n";
        break;
      }
      case 6:
        text.insert(pos, text.substr(pos, uniform(rng, 1, 40)));
        break;
    }
  }
  return text;
}

// What accepted metadata must satisfy: the bounds the library's arithmetic relies on.
std::string check_accepted(const ModelInfo& info) {
  if (info.task.empty()) return "no task";
  if (info.unshuffle != 1 && info.unshuffle != 2 && info.unshuffle != 4) return "unshuffle " + std::to_string(info.unshuffle);
  if (info.alignment < 1 || info.alignment > kMaxAlignment || info.alignment % info.unshuffle != 0)
    return "alignment " + std::to_string(info.alignment);
  if (info.overlap < 0 || info.overlap > kMaxOverlap) return "overlap " + std::to_string(info.overlap);
  if (info.methods.empty() || info.methods.size() > kMaxMethods) return "method count";
  std::vector<std::string> features;
  for (const MethodSpec& m : info.methods) {
    if (m.outputs.empty() || m.inputs.size() > kMaxValues || m.outputs.size() > kMaxValues) return "values of " + m.name;
    for (const bool input : {true, false})
      for (const ValueSpec& v : input ? m.inputs : m.outputs) {
        const std::string where = m.name + "." + v.name;
        if (v.name.empty()) return "unnamed value in " + m.name;
        switch (v.kind) {
          case ValueKind::kImage:
          case ValueKind::kMap:
            if (v.channels < 1 || v.channels > kMaxDimension) return "channels of " + where;
            if (!(v.scale >= kMinScale && v.scale <= kMaxScale)) return "scale of " + where;
            break;
          case ValueKind::kScalar:
            if (!input || v.defaults.size() != 1) return "scalar " + where;
            break;
          case ValueKind::kVector:
            if (v.shape.size() != 1 || v.shape[0] < 1 || v.shape[0] > kMaxDimension) return "vector " + where;
            if (v.defaults.size() != (input ? static_cast<std::size_t>(v.shape[0]) : 0u)) return "defaults of " + where;
            break;
          case ValueKind::kTensor: {
            if (input || v.shape.empty() || v.shape.size() > kMaxTensorDims) return "tensor " + where;
            double values = 1;
            for (int n : v.shape) values *= n;
            if (values > kMaxTensorValues) return "tensor size of " + where;
            break;
          }
          case ValueKind::kFeatures:
            if (input && std::find(features.begin(), features.end(), v.name) == features.end())
              return "features " + where + " that no earlier method makes";
            if (!input) features.push_back(v.name);
            break;
        }
        for (float d : v.defaults)
          if (!std::isfinite(d)) return "non-finite default in " + where;
      }
  }
  return "";
}

// "" when parsing `text` behaved: no exception, a status either way, bounds held when accepted,
// and the same answer twice.
std::string check_metadata(const std::string& text, bool* accepted) {
  ModelInfo first, second;
  const Status a = parse_model_metadata("fuzz.pt", text, &first);
  const Status b = parse_model_metadata("fuzz.pt", text, &second);
  if (a.ok() != b.ok() || a.message() != b.message()) return "two parses disagree";
  *accepted = a.ok();
  if (!a.ok()) return a.message().find("fuzz.pt") == std::string::npos ? "error does not name the file" : "";
  return check_accepted(first);
}

// ---- frames ----

const std::vector<PixelFormat> kFormats = {
    PixelFormat::kRGB,  PixelFormat::kBGR,  PixelFormat::kRGBx, PixelFormat::kBGRx, PixelFormat::kxRGB,
    PixelFormat::kxBGR, PixelFormat::kRGBA, PixelFormat::kBGRA, PixelFormat::kARGB, PixelFormat::kABGR,
    PixelFormat::kI420, PixelFormat::kNV12, PixelFormat::kYUY2, PixelFormat::kBayer8, PixelFormat::kBayer16};

bool is_bayer(PixelFormat f) { return f == PixelFormat::kBayer8 || f == PixelFormat::kBayer16; }
bool is_yuv(PixelFormat f) { return f == PixelFormat::kI420 || f == PixelFormat::kNV12 || f == PixelFormat::kYUY2; }
// The byte of a packed pixel that is alpha or padding, -1 when none.
int extra_byte(PixelFormat f) {
  switch (f) {
    case PixelFormat::kRGBx: case PixelFormat::kBGRx: case PixelFormat::kRGBA: case PixelFormat::kBGRA: return 3;
    case PixelFormat::kxRGB: case PixelFormat::kxBGR: case PixelFormat::kARGB: case PixelFormat::kABGR: return 0;
    default: return -1;
  }
}

int random_side(Rng& rng) {
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  return u < 0.7 ? uniform(rng, 1, 40) : (u < 0.95 ? uniform(rng, 41, 130) : uniform(rng, 131, 700));
}

// A float image with canaries around its window: padding after each row and a tail.
struct GuardedImage {
  static constexpr float kCanary = -12345.0f;
  static constexpr int kTail = 64;
  std::vector<float> memory;
  ImageView view;
  GuardedImage(int width, int height, int channels, int row_padding) {
    view = {nullptr, width, height, channels, static_cast<std::ptrdiff_t>(width) * channels + row_padding};
    memory.assign(static_cast<std::size_t>(view.row_stride) * height + kTail, kCanary);
    view.data = memory.data();
  }
  // "" when nothing outside the window was written.
  std::string check_canaries() const {
    const std::ptrdiff_t window = static_cast<std::ptrdiff_t>(view.row_stride) * view.height;
    for (std::size_t i = 0; i < memory.size(); ++i) {
      const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(i);
      const bool inside = at < window && at % view.row_stride < static_cast<std::ptrdiff_t>(view.width) * view.channels;
      if (!inside && memory[i] != kCanary) return "image written outside its window at float " + std::to_string(i);
    }
    return "";
  }
};

std::string describe(const FrameView& f, int unshuffle) {
  std::ostringstream s;
  s << "format " << static_cast<int>(f.format) << " " << f.width << "x" << f.height << " strides " << f.strides[0]
    << "," << f.strides[1] << "," << f.strides[2] << " unshuffle " << unshuffle << " bayer " << static_cast<int>(f.bayer)
    << "/" << f.bayer_bits << " colorimetry " << static_cast<int>(f.colorimetry.matrix) << "/" << f.colorimetry.full_range;
  return s.str();
}

// "" when every byte of `out` that is no pixel's still holds `fill`, and every pixel's byte
// matches `in` (within `tolerance`; alpha and padding bytes only where `alpha_copied`).
std::string compare_frames(const FrameView& in, const FrameView& out, std::uint8_t fill, int tolerance, bool alpha_copied) {
  std::ptrdiff_t bytes[3], rows[3];
  plane_geometry(in.format, in.width, in.height, bytes, rows);
  const int extra = extra_byte(in.format);
  const int pixel_bytes = packed_pixel_bytes(in.format);
  for (int p = 0; p < plane_count(in.format); ++p)
    for (std::ptrdiff_t y = 0; y < rows[p]; ++y)
      for (std::ptrdiff_t x = 0; x < out.strides[p]; ++x) {
        const std::uint8_t o = out.planes[p][y * out.strides[p] + x];
        if (x >= bytes[p]) {
          if (o != fill) return "wrote row padding of plane " + std::to_string(p) + " at " + std::to_string(x);
          continue;
        }
        // YUY2 holds Y0 U Y1 V per pixel pair; the Y1 of an odd width's last pair is no pixel.
        if (in.format == PixelFormat::kYUY2 && x % 4 == 2 && x / 2 >= in.width) continue;
        const std::uint8_t i = in.planes[p][y * in.strides[p] + x];
        if (extra >= 0 && x % pixel_bytes == extra) {
          if (o != (alpha_copied ? i : 255)) return "alpha/padding byte " + std::to_string(o) + " at " + std::to_string(x);
          continue;
        }
        if (std::abs(i - o) > tolerance)
          return "plane " + std::to_string(p) + " byte " + std::to_string(x) + "," + std::to_string(y) + ": " +
                 std::to_string(i) + " came back as " + std::to_string(o);
      }
  return "";
}

// The largest code a frame of this format holds.
int max_code(const FrameView& f) { return f.format == PixelFormat::kBayer16 ? (1 << f.bayer_bits) - 1 : 255; }

std::string check_codes_in_range(const FrameView& f) {
  if (f.format != PixelFormat::kBayer16) return "";
  for (int y = 0; y < f.height; ++y)
    for (int x = 0; x < f.width; ++x) {
      std::uint16_t v;
      std::memcpy(&v, f.planes[0] + y * f.strides[0] + 2 * x, 2);
      if (v > max_code(f)) return "Bayer code " + std::to_string(v) + " above " + std::to_string(max_code(f));
    }
  return "";
}

// One conversion case: a random, sometimes broken, frame and image.
std::string frame_case(Rng& rng, bool* valid) {
  const PixelFormat format = pick(rng, kFormats);
  const int w = random_side(rng), h = random_side(rng);
  std::array<int, 3> padding{};
  for (int& p : padding) p = chance(rng, 0.3) ? 0 : uniform(rng, 1, 67);
  OwnedFrame in(format, w, h, padding);
  in.fill_random(static_cast<unsigned>(rng()));
  FrameView& f = in.view;
  f.bayer = static_cast<BayerPattern>(uniform(rng, 0, 3));
  f.bayer_bits = format == PixelFormat::kBayer16 ? uniform(rng, 1, 16) : 8;
  f.colorimetry = {chance(rng, 0.5) ? YuvMatrix::kBT601 : YuvMatrix::kBT709, chance(rng, 0.5)};
  if (is_yuv(format) && !f.colorimetry.full_range)  // limited range holds codes 16..235
    for (auto& m : in.memory)
      for (auto& b : m) b = static_cast<std::uint8_t>(16 + b * 219 / 255);
  if (format == PixelFormat::kBayer16)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        std::uint8_t* p = f.planes[0] + y * f.strides[0] + 2 * x;
        const std::uint16_t v = static_cast<std::uint16_t>((p[0] | p[1] << 8) & max_code(f));
        std::memcpy(p, &v, 2);
      }
  int unshuffle = is_bayer(format) ? 1 : pick(rng, std::vector<int>{1, 2, 4});
  ImageSize size = image_size_for(format, w, h, unshuffle);
  int image_width = size.width + (chance(rng, 0.3) ? uniform(rng, 1, 3) : 0);
  int image_height = size.height + (chance(rng, 0.3) ? uniform(rng, 1, 3) : 0);
  int channels = size.channels, row_padding = chance(rng, 0.5) ? 0 : uniform(rng, 1, 9);

  // One way in four the view or the image is broken; the library must refuse exactly those.
  *valid = !(is_bayer(format) && (w < 2 || h < 2));
  FrameView broken = f;
  bool null_image = false;
  if (chance(rng, 0.25)) {
    *valid = false;
    switch (uniform(rng, 0, 8)) {
      case 0: broken.width = pick(rng, std::vector<int>{0, -1, std::numeric_limits<int>::min()}); break;
      case 1: broken.height = pick(rng, std::vector<int>{0, -7}); break;
      case 2: {
        const int p = uniform(rng, 0, plane_count(format) - 1);
        broken.strides[p] = pick(rng, std::vector<std::ptrdiff_t>{broken.strides[p] - padding[p] - 1, 0, -broken.strides[p]});
        break;
      }
      case 3: broken.planes[uniform(rng, 0, plane_count(format) - 1)] = nullptr; break;
      case 4: unshuffle = is_bayer(format) ? 2 : pick(rng, std::vector<int>{0, 3, 8, -2}); break;
      case 5:
        if (format == PixelFormat::kBayer16) broken.bayer_bits = pick(rng, std::vector<int>{0, 17, -1});
        else image_width = size.width - 1;
        break;
      case 6: image_height = size.height - 1; break;
      case 7: channels = size.channels + pick(rng, std::vector<int>{-1, 1}); break;
      case 8: null_image = true; break;
    }
  }
  GuardedImage image(std::max(image_width, 0), std::max(image_height, 0), std::max(channels, 0), row_padding);
  ImageView view = image.view;
  if (null_image) view.data = nullptr;
  if (image_width < size.width || image_height < size.height) *valid = false;

  const Status read = frame_to_image(broken, view, unshuffle);
  if (read.ok() != *valid)
    return std::string(read.ok() ? "accepted a broken view: " : "refused a valid view (" + read.message() + "): ") +
           describe(broken, unshuffle);
  if (std::string c = image.check_canaries(); !c.empty()) return c + ": " + describe(f, unshuffle);
  if (!*valid) return "";
  for (int y = 0; y < view.height; ++y)
    for (int x = 0; x < view.width * view.channels; ++x) {
      const float v = view.row(y)[x];
      if (!std::isfinite(v) || (!is_yuv(format) && (v < 0.0f || v > 1.0f)))
        return "read value " + std::to_string(v) + ": " + describe(f, unshuffle);
    }

  // Back into a frame of the same geometry whose every byte starts as a canary.
  constexpr std::uint8_t kFill = 0xA5;
  std::array<int, 3> out_padding{};
  for (int& p : out_padding) p = uniform(rng, 0, 13);
  OwnedFrame out(format, w, h, out_padding, kFill);
  out.view.bayer = f.bayer;
  out.view.bayer_bits = f.bayer_bits;
  out.view.colorimetry = f.colorimetry;
  const bool alpha = extra_byte(format) >= 0 && chance(rng, 0.5);
  if (Status s = image_to_frame(view, out.view, unshuffle, alpha ? &f : nullptr); !s.ok())
    return "writing back failed (" + s.message() + "): " + describe(f, unshuffle);
  if (std::string c = compare_frames(f, out.view, kFill, is_yuv(format) ? 1 : 0, alpha); !c.empty())
    return c + ": " + describe(f, unshuffle);
  if (std::string c = image.check_canaries(); !c.empty()) return c + " while writing: " + describe(f, unshuffle);

  // Wild values (a model's NaN or infinity that the sparse finite check missed) still write
  // valid codes and nothing outside the frame's pixels.
  const std::vector<float> wild = {std::nanf(""), INFINITY, -INFINITY, 1e30f, -1e30f, 2.0f, -1.0f, 0.5f};
  for (int y = 0; y < view.height; ++y)
    for (int x = 0; x < view.width * view.channels; ++x)
      view.row(y)[x] = chance(rng, 0.5) ? pick(rng, wild) : std::uniform_real_distribution<float>(-2.0f, 3.0f)(rng);
  OwnedFrame wild_out(format, w, h, out_padding, kFill);
  wild_out.view.bayer = f.bayer;
  wild_out.view.bayer_bits = f.bayer_bits;
  wild_out.view.colorimetry = f.colorimetry;
  if (Status s = image_to_frame(view, wild_out.view, unshuffle); !s.ok())
    return "writing wild values failed (" + s.message() + "): " + describe(f, unshuffle);
  if (std::string c = compare_frames(f, wild_out.view, kFill, 255, false); !c.empty())
    return c + " (wild values): " + describe(f, unshuffle);
  if (std::string c = check_codes_in_range(wild_out.view); !c.empty()) return c + ": " + describe(f, unshuffle);

  // An alpha source that is not the frame's shape, or not a readable view, is refused.
  if (extra_byte(format) >= 0) {
    FrameView bad_alpha = f;
    if (chance(rng, 0.5))
      bad_alpha.planes[0] = nullptr;
    else
      bad_alpha.strides[0] = chance(rng, 0.5) ? 0 : -bad_alpha.strides[0];
    if (image_to_frame(view, out.view, unshuffle, &bad_alpha).ok())
      return "accepted a broken alpha source: " + describe(bad_alpha, unshuffle);
  }
  return "";
}

// One resampling case: random sizes and channels, broken one way in five.
std::string resize_case(Rng& rng, bool* valid) {
  const int channels = uniform(rng, 1, 13);
  GuardedImage source(uniform(rng, 1, 90), uniform(rng, 1, 90), channels, uniform(rng, 0, 5));
  GuardedImage target(uniform(rng, 1, 90), uniform(rng, 1, 90), channels, uniform(rng, 0, 5));
  float low = INFINITY, high = -INFINITY;
  for (int y = 0; y < source.view.height; ++y)
    for (int x = 0; x < source.view.width * channels; ++x) {
      const float v = std::uniform_real_distribution<float>(-1.0f, 2.0f)(rng);
      source.view.row(y)[x] = v;
      low = std::min(low, v);
      high = std::max(high, v);
    }
  ImageView from = source.view, to = target.view;
  *valid = true;
  if (chance(rng, 0.2)) {
    *valid = false;
    switch (uniform(rng, 0, 4)) {
      case 0: to.channels = channels + 1; break;
      case 1: from.data = nullptr; break;
      case 2: to.width = 0; break;
      case 3: from.row_stride = static_cast<std::ptrdiff_t>(from.width) * channels - 1; break;
      case 4: to.row_stride = -to.row_stride; break;
    }
  }
  const Status s = resize_image(from, to);
  std::ostringstream what;
  what << from.width << "x" << from.height << "x" << channels << " -> " << to.width << "x" << to.height << "x"
       << to.channels << " strides " << from.row_stride << "," << to.row_stride;
  if (s.ok() != *valid) return std::string(s.ok() ? "accepted broken images " : "refused valid images ") + what.str();
  if (std::string c = target.check_canaries(); !c.empty()) return c + ": " + what.str();
  if (!*valid) return "";
  // Area averages and bilinear weights are convex: every output lies within the input's range.
  for (int y = 0; y < to.height; ++y)
    for (int x = 0; x < to.width * channels; ++x) {
      const float v = to.row(y)[x];
      if (!(v >= low - 1e-4f && v <= high + 1e-4f)) return "resampled value " + std::to_string(v) + ": " + what.str();
    }
  return "";
}

struct Tally {
  std::uint64_t cases = 0, accepted = 0, failures = 0;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int usage() {
  std::fprintf(stderr, "usage: neuralisp-fuzz [--seconds S] [--seed N] [--case K] [--corpus DIR]... [--save DIR]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // findings reach the log even if a later case crashes
  double seconds = 10.0;
  std::uint64_t seed = 1;
  long long only_case = -1;
  std::vector<std::string> corpus_dirs;
  std::string save_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (arg == "--seconds") seconds = std::stod(value);
    else if (arg == "--seed") seed = std::stoull(value);
    else if (arg == "--case") only_case = std::stoll(value);
    else if (arg == "--corpus") corpus_dirs.push_back(value);
    else if (arg == "--save") save_dir = value;
    else return usage();
  }

  std::vector<std::string> corpus;
  for (const std::string& dir : corpus_dirs)
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      if (entry.path().extension() == ".meta") corpus.push_back(read_file(entry.path()));
  if (corpus.empty()) {
    std::fprintf(stderr, "neuralisp-fuzz: no *.meta seeds (give --corpus tests/fuzz/corpus)\n");
    return 2;
  }

  Tally metadata, frames, resizes;
  auto report = [&](const char* target, std::uint64_t index, const std::string& failure, const std::string* text) {
    std::printf("FAIL %s case %llu (--seed %llu --case %llu): %s\n", target, static_cast<unsigned long long>(index),
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(index), failure.c_str());
    if (text && !save_dir.empty()) {
      const std::string path = save_dir + "/finding-" + std::to_string(seed) + "-" + std::to_string(index) + ".meta";
      std::ofstream(path, std::ios::binary) << *text;
      std::printf("     saved as %s\n", path.c_str());
    }
  };

  // The seeds (and the saved findings among them) as they are.
  for (std::size_t i = 0; i < corpus.size() && only_case < 0; ++i) {
    bool accepted = false;
    const std::string failure = check_metadata(corpus[i], &accepted);
    metadata.cases++;
    metadata.accepted += accepted;
    if (!failure.empty()) {
      metadata.failures++;
      report("metadata seed", i, failure, nullptr);
    }
  }

  // Conversions cost more than a parse: a frame case every fourth index, a resize every eighth.
  struct Target {
    const char* name;
    std::uint64_t every;
    std::function<std::string(Rng&, bool*, std::string*)> run;
    Tally* tally;
  };
  const Target targets[] = {
      {"metadata", 1,
       [&](Rng& rng, bool* accepted, std::string* text) {
         *text = mutate(pick(rng, corpus), rng, corpus);
         return check_metadata(*text, accepted);
       },
       &metadata},
      {"frames", 4, [](Rng& rng, bool* valid, std::string*) { return frame_case(rng, valid); }, &frames},
      {"resize", 8, [](Rng& rng, bool* valid, std::string*) { return resize_case(rng, valid); }, &resizes},
  };

  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::uint64_t failures = metadata.failures;
  for (std::uint64_t index = only_case < 0 ? 0 : only_case; failures < 20; ++index) {  // 20: enough to read
    if (only_case >= 0 ? index > static_cast<std::uint64_t>(only_case) : elapsed() >= seconds) break;
    for (std::uint64_t t = 0; t < std::size(targets); ++t) {
      const Target& target = targets[t];
      if (index % target.every != 0) continue;
      Rng rng = case_rng(seed, index, t);
      bool accepted = false;
      std::string text;
      const std::string failure = target.run(rng, &accepted, &text);
      target.tally->cases++;
      target.tally->accepted += accepted;
      if (!failure.empty()) {
        target.tally->failures++;
        failures++;
        report(target.name, index, failure, text.empty() ? nullptr : &text);
      }
    }
  }

  const double took = elapsed();
  std::printf("metadata: %llu cases, %llu accepted, %llu failures\n", static_cast<unsigned long long>(metadata.cases),
              static_cast<unsigned long long>(metadata.accepted), static_cast<unsigned long long>(metadata.failures));
  std::printf("frames: %llu cases, %llu valid, %llu failures\n", static_cast<unsigned long long>(frames.cases),
              static_cast<unsigned long long>(frames.accepted), static_cast<unsigned long long>(frames.failures));
  std::printf("resize: %llu cases, %llu valid, %llu failures\n", static_cast<unsigned long long>(resizes.cases),
              static_cast<unsigned long long>(resizes.accepted), static_cast<unsigned long long>(resizes.failures));
  std::printf("seed %llu, %.1f s\n", static_cast<unsigned long long>(seed), took);
  return metadata.failures + frames.failures + resizes.failures == 0 ? 0 : 1;
}
