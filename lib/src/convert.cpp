// SPDX-License-Identifier: LGPL-2.1-or-later
// Frame <-> float image conversion. Kept free of torch so that it compiles fast and can be
// tested on its own; loops are written per format so that the compiler vectorises them.
#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "guard.h"
#include "neuralisp/image.h"
#include "parallel.h"

namespace neuralisp {
namespace {

struct PackedLayout {
  int bytes;
  int r, g, b;
  int extra;  // offset of the alpha or padding byte, -1 when there is none
};

bool packed_layout(PixelFormat format, PackedLayout* layout) {
  switch (format) {
    case PixelFormat::kRGB: *layout = {3, 0, 1, 2, -1}; return true;
    case PixelFormat::kBGR: *layout = {3, 2, 1, 0, -1}; return true;
    case PixelFormat::kRGBx:
    case PixelFormat::kRGBA: *layout = {4, 0, 1, 2, 3}; return true;
    case PixelFormat::kBGRx:
    case PixelFormat::kBGRA: *layout = {4, 2, 1, 0, 3}; return true;
    case PixelFormat::kxRGB:
    case PixelFormat::kARGB: *layout = {4, 1, 2, 3, 0}; return true;
    case PixelFormat::kxBGR:
    case PixelFormat::kABGR: *layout = {4, 3, 2, 1, 0}; return true;
    default: return false;
  }
}

bool is_bayer(PixelFormat format) { return format == PixelFormat::kBayer8 || format == PixelFormat::kBayer16; }

inline std::uint8_t to_byte(float v) {
  v = v * 255.0f + 0.5f;
  // Written so that NaN becomes 0: a cast of NaN is undefined.
  v = v >= 0.0f ? (v < 255.0f ? v : 255.0f) : 0.0f;
  return static_cast<std::uint8_t>(v);
}

// Y'CbCr <-> R'G'B' for one colorimetry, in 8-bit code values.
struct YuvCoefficients {
  float kr, kb, kg;
  float y_offset, y_scale, c_scale;  // code = offset + scale * value

  explicit YuvCoefficients(const Colorimetry& c) {
    kr = c.matrix == YuvMatrix::kBT709 ? 0.2126f : 0.299f;
    kb = c.matrix == YuvMatrix::kBT709 ? 0.0722f : 0.114f;
    kg = 1.0f - kr - kb;
    y_offset = c.full_range ? 0.0f : 16.0f;
    y_scale = c.full_range ? 255.0f : 219.0f;
    c_scale = c.full_range ? 255.0f : 224.0f;
  }

  void to_rgb(std::uint8_t y8, std::uint8_t u8, std::uint8_t v8, float* rgb) const {
    const float y = (y8 - y_offset) / y_scale;
    const float cb = (u8 - 128.0f) / c_scale;
    const float cr = (v8 - 128.0f) / c_scale;
    const float r = y + 2.0f * (1.0f - kr) * cr;
    const float b = y + 2.0f * (1.0f - kb) * cb;
    rgb[0] = r;
    rgb[1] = (y - kr * r - kb * b) / kg;
    rgb[2] = b;
  }
  float luma(const float* rgb) const { return kr * rgb[0] + kg * rgb[1] + kb * rgb[2]; }
  std::uint8_t y_code(float y) const { return clamp_code(y_offset + y_scale * y); }
  std::uint8_t cb_code(float b, float y) const { return clamp_code(128.0f + c_scale * (b - y) / (2.0f * (1.0f - kb))); }
  std::uint8_t cr_code(float r, float y) const { return clamp_code(128.0f + c_scale * (r - y) / (2.0f * (1.0f - kr))); }
  static std::uint8_t clamp_code(float v) {
    v += 0.5f;
    return static_cast<std::uint8_t>(v >= 0.0f ? (v < 255.0f ? v : 255.0f) : 0.0f);  // NaN -> 0
  }
};

// Where the chroma sample of pixel (x, y) lives, per YUV layout.
struct ChromaSite {
  std::uint8_t* u;
  std::uint8_t* v;
};

ChromaSite chroma_site(const FrameView& f, int x, int y) {
  switch (f.format) {
    case PixelFormat::kI420:
      return {f.planes[1] + (y / 2) * f.strides[1] + x / 2, f.planes[2] + (y / 2) * f.strides[2] + x / 2};
    case PixelFormat::kNV12: {
      std::uint8_t* uv = f.planes[1] + (y / 2) * f.strides[1] + (x / 2) * 2;
      return {uv, uv + 1};
    }
    default: {  // YUY2: Y0 U Y1 V
      std::uint8_t* pair = f.planes[0] + y * f.strides[0] + (x / 2) * 4;
      return {pair + 1, pair + 3};
    }
  }
}

std::uint8_t luma_code(const FrameView& f, int x, int y) {
  if (f.format == PixelFormat::kYUY2) return f.planes[0][y * f.strides[0] + 2 * x];
  return f.planes[0][y * f.strides[0] + x];
}

// --- Reading frames: one row of f.width RGB pixels at a time. ---

template <int Bytes, int R, int G, int B>
void read_packed_row(const FrameView& f, const YuvCoefficients&, int y, float* dst) {
  constexpr float kScale = 1.0f / 255.0f;
  const std::uint8_t* src = f.planes[0] + y * f.strides[0];
  for (int x = 0; x < f.width; ++x) {
    dst[3 * x + 0] = src[Bytes * x + R] * kScale;
    dst[3 * x + 1] = src[Bytes * x + G] * kScale;
    dst[3 * x + 2] = src[Bytes * x + B] * kScale;
  }
}

void read_yuv_row(const FrameView& f, const YuvCoefficients& k, int y, float* dst) {
  for (int x = 0; x < f.width; ++x) {
    const ChromaSite c = chroma_site(f, x, y);
    k.to_rgb(luma_code(f, x, y), *c.u, *c.v, dst + 3 * x);
  }
}

using RowReader = void (*)(const FrameView&, const YuvCoefficients&, int, float*);

RowReader row_reader(PixelFormat format) {
  switch (format) {
    case PixelFormat::kRGB: return read_packed_row<3, 0, 1, 2>;
    case PixelFormat::kBGR: return read_packed_row<3, 2, 1, 0>;
    case PixelFormat::kRGBx:
    case PixelFormat::kRGBA: return read_packed_row<4, 0, 1, 2>;
    case PixelFormat::kBGRx:
    case PixelFormat::kBGRA: return read_packed_row<4, 2, 1, 0>;
    case PixelFormat::kxRGB:
    case PixelFormat::kARGB: return read_packed_row<4, 1, 2, 3>;
    case PixelFormat::kxBGR:
    case PixelFormat::kABGR: return read_packed_row<4, 3, 2, 1>;
    default: return read_yuv_row;
  }
}

// Moves one row of RGB pixels (`padded_width` of them) into row y of an image in the layout
// pixel_unshuffle(U) gives. U is a template parameter so that the common factors unroll.
template <int U>
void scatter_row(const float* row, int padded_width, const ImageView& img, int y) {
  float* dst = img.row(y / U) + (y % U) * U;
  for (int x = 0; x < padded_width; ++x) {
    float* cell = dst + (x / U) * img.channels + x % U;
    for (int c = 0; c < 3; ++c) cell[c * U * U] = row[3 * x + c];
  }
}

// Bands of rows a frame is read or written in, for the cores to share.
constexpr int kBands = 8;

// Runs body(first, end) for each of kBands bands of the rows 0 .. rows - 1, on the cores.
template <typename Body>
void for_row_bands(int rows, const Body& body) {
  const int band_rows = (rows + kBands - 1) / kBands;
  parallel_parts(kBands, [&](int band) { body(band * band_rows, std::min(rows, (band + 1) * band_rows)); });
}

void rgb_frame_to_image(const FrameView& f, const ImageView& img, int unshuffle) {
  const int padded_width = img.width * unshuffle, padded_height = img.height * unshuffle;
  const RowReader read = row_reader(f.format);
  const YuvCoefficients k(f.colorimetry);
  for_row_bands(padded_height, [&](int first, int end) {
    std::vector<float> buffer(unshuffle == 1 ? 0 : static_cast<std::size_t>(padded_width) * 3);
    for (int y = first; y < end; ++y) {
      float* row = unshuffle == 1 ? img.row(y) : buffer.data();
      read(f, k, std::min(y, f.height - 1), row);
      for (int x = f.width; x < padded_width; ++x) std::copy(row + 3 * (f.width - 1), row + 3 * f.width, row + 3 * x);
      if (unshuffle == 2)
        scatter_row<2>(row, padded_width, img, y);
      else if (unshuffle == 4)
        scatter_row<4>(row, padded_width, img, y);
    }
  });
}

// --- Writing frames: rows of RGB pixels gathered from an image in either layout. ---

// The RGB value of frame pixel (x, y) in an image in the layout pixel_unshuffle(U) gives: channel
// c at cell(x, y)[c * U * U].
template <int U>
inline const float* cell(const ImageView& img, int x, int y) {
  return img.row(y / U) + (x / U) * img.channels + (y % U) * U + x % U;
}

// Gives row y of the frame's pixels as f.width RGB floats (for 4:2:0 chroma, which needs two
// rows at once). Rows of an unshuffled image are gathered into one of two buffers, so that rows
// y and y + 1 are valid together.
template <int U>
class RowGather {
 public:
  RowGather(const ImageView& img, int width) : img_(img), width_(width) {
    if (U > 1)
      for (auto& b : buffers_) b.resize(static_cast<std::size_t>(width) * 3);
  }
  const float* row(int y) {
    if (U == 1) return img_.row(y);
    float* out = buffers_[y & 1].data();
    for (int x = 0; x < width_; ++x) {
      const float* c = cell<U>(img_, x, y);
      for (int k = 0; k < 3; ++k) out[3 * x + k] = c[k * U * U];
    }
    return out;
  }

 private:
  ImageView img_;
  int width_;
  std::vector<float> buffers_[2];
};

template <int U, int Bytes, int R, int G, int B, int Extra>
void write_packed(const ImageView& img, const FrameView& f, const FrameView* extra_source) {
  constexpr int kChannelStep = U * U;
  for (int y = 0; y < f.height; ++y) {
    std::uint8_t* dst = f.planes[0] + y * f.strides[0];
    for (int x = 0; x < f.width; ++x) {
      const float* c = cell<U>(img, x, y);
      dst[Bytes * x + R] = to_byte(c[0]);
      dst[Bytes * x + G] = to_byte(c[kChannelStep]);
      dst[Bytes * x + B] = to_byte(c[2 * kChannelStep]);
    }
    if constexpr (Extra >= 0) {
      const std::uint8_t* extra = extra_source ? extra_source->planes[0] + y * extra_source->strides[0] : nullptr;
      for (int x = 0; x < f.width; ++x) dst[Bytes * x + Extra] = extra ? extra[Bytes * x + Extra] : 255;
    }
  }
}

// Chroma is the mean over the pixels a sample covers (2x2, or 2x1 for YUY2).
template <int U>
void write_yuv(const ImageView& img, const FrameView& f) {
  RowGather<U> rows(img, f.width);
  const YuvCoefficients k(f.colorimetry);
  const int rows_per_sample = f.format == PixelFormat::kYUY2 ? 1 : 2;
  for (int y = 0; y < f.height; y += rows_per_sample) {
    const int pair = std::min(rows_per_sample, f.height - y);
    const float* src[2] = {rows.row(y), pair > 1 ? rows.row(y + 1) : nullptr};
    for (int dy = 0; dy < pair; ++dy)
      for (int x = 0; x < f.width; ++x) {
        const std::uint8_t code = k.y_code(k.luma(src[dy] + 3 * x));
        if (f.format == PixelFormat::kYUY2)
          f.planes[0][(y + dy) * f.strides[0] + 2 * x] = code;
        else
          f.planes[0][(y + dy) * f.strides[0] + x] = code;
      }
    for (int x = 0; x < f.width; x += 2) {
      float sum[3] = {0, 0, 0};
      int n = 0;
      for (int dy = 0; dy < pair; ++dy)
        for (int dx = 0; dx < 2 && x + dx < f.width; ++dx, ++n)
          for (int c = 0; c < 3; ++c) sum[c] += src[dy][3 * (x + dx) + c];
      const float r = sum[0] / n, g = sum[1] / n, b = sum[2] / n;
      const float luma = k.kr * r + k.kg * g + k.kb * b;
      const ChromaSite site = chroma_site(f, x, y);
      *site.u = k.cb_code(b, luma);
      *site.v = k.cr_code(r, luma);
    }
  }
}

template <int U>
void image_to_rgb_frame(const ImageView& img, const FrameView& f, const FrameView* extra) {
  switch (f.format) {
    case PixelFormat::kRGB: write_packed<U, 3, 0, 1, 2, -1>(img, f, extra); break;
    case PixelFormat::kBGR: write_packed<U, 3, 2, 1, 0, -1>(img, f, extra); break;
    case PixelFormat::kRGBx:
    case PixelFormat::kRGBA: write_packed<U, 4, 0, 1, 2, 3>(img, f, extra); break;
    case PixelFormat::kBGRx:
    case PixelFormat::kBGRA: write_packed<U, 4, 2, 1, 0, 3>(img, f, extra); break;
    case PixelFormat::kxRGB:
    case PixelFormat::kARGB: write_packed<U, 4, 1, 2, 3, 0>(img, f, extra); break;
    case PixelFormat::kxBGR:
    case PixelFormat::kABGR: write_packed<U, 4, 3, 2, 1, 0>(img, f, extra); break;
    default: write_yuv<U>(img, f); break;
  }
}

// Offsets (x, y) inside a 2x2 cell of the R, G1, G2 and B photosites for each pattern.
struct BayerSites {
  int x[4];
  int y[4];
};

BayerSites bayer_sites(BayerPattern pattern) {
  switch (pattern) {
    case BayerPattern::kRGGB: return {{0, 1, 0, 1}, {0, 0, 1, 1}};
    case BayerPattern::kBGGR: return {{1, 0, 1, 0}, {1, 1, 0, 0}};
    case BayerPattern::kGRBG: return {{1, 0, 1, 0}, {0, 0, 1, 1}};
    case BayerPattern::kGBRG: return {{0, 1, 0, 1}, {1, 1, 0, 0}};
  }
  return {{0, 1, 0, 1}, {0, 0, 1, 1}};
}

// A photosite outside the frame (an odd size, or an image padded for a network's alignment)
// borrows the same colour from the last cell that has it.
inline int existing(int coordinate, int size) {
  return coordinate < size ? coordinate : coordinate - 2 * ((coordinate - size) / 2 + 1);
}

void bayer_to_image(const FrameView& f, const ImageView& img) {
  const BayerSites s = bayer_sites(f.bayer);
  const bool wide = f.format == PixelFormat::kBayer16;
  const float scale = 1.0f / static_cast<float>((1 << (wide ? f.bayer_bits : 8)) - 1);
  for_row_bands(img.height, [&](int first, int end) {
    for (int cy = first; cy < end; ++cy) {
      float* dst = img.row(cy);
      for (int cx = 0; cx < img.width; ++cx) {
        for (int c = 0; c < 4; ++c) {
          const int x = existing(2 * cx + s.x[c], f.width);
          const int y = existing(2 * cy + s.y[c], f.height);
          const std::uint8_t* row = f.planes[0] + y * f.strides[0];
          float v;
          if (wide) {
            std::uint16_t raw;
            std::memcpy(&raw, row + 2 * x, 2);
            v = raw;
          } else {
            v = row[x];
          }
          dst[4 * cx + c] = v * scale;
        }
      }
    }
  });
}

void image_to_bayer(const ImageView& img, const FrameView& f) {
  const BayerSites s = bayer_sites(f.bayer);
  const bool wide = f.format == PixelFormat::kBayer16;
  const float maximum = static_cast<float>((1 << (wide ? f.bayer_bits : 8)) - 1);
  for_row_bands(img.height, [&](int first, int end) {
    for (int cy = first; cy < end; ++cy) {
      const float* src = img.row(cy);
      for (int c = 0; c < 4; ++c) {
        const int y = 2 * cy + s.y[c];
        if (y >= f.height) continue;
        std::uint8_t* row = f.planes[0] + y * f.strides[0];
        for (int cx = 0; cx < img.width; ++cx) {
          const int x = 2 * cx + s.x[c];
          if (x >= f.width) continue;
          float v = src[4 * cx + c] * maximum + 0.5f;
          v = v >= 0.0f ? (v < maximum ? v : maximum) : 0.0f;  // NaN -> 0
          if (wide) {
            const std::uint16_t raw = static_cast<std::uint16_t>(v);
            std::memcpy(row + 2 * x, &raw, 2);
          } else {
            row[x] = static_cast<std::uint8_t>(v);
          }
        }
      }
    }
  });
}

// Rows [y0, y1) of an RGB or YUV frame as a frame of their own; y0 even, so that 4:2:0 chroma rows
// line up.
FrameView frame_rows(const FrameView& f, int y0, int y1) {
  FrameView band = f;
  band.height = y1 - y0;
  band.planes[0] = f.planes[0] + y0 * f.strides[0];
  for (int p = 1; p < plane_count(f.format); ++p) band.planes[p] = f.planes[p] + (y0 / 2) * f.strides[p];
  return band;
}

// The image must cover the frame (in the layout `unshuffle` gives) and may be larger: padding.
Status check_image(const FrameView& frame, const ImageView& image, int unshuffle) {
  if ((unshuffle != 1 && unshuffle != 2 && unshuffle != 4) || (is_bayer(frame.format) && unshuffle != 1))
    return Status::Error(ErrorCode::kInvalidArgument, "unshuffle must be 1, 2 or 4 (1 for Bayer frames)");
  const ImageSize want = image_size_for(frame.format, frame.width, frame.height, unshuffle);
  if (image.data == nullptr || image.width < want.width || image.height < want.height ||
      image.channels != want.channels || image.row_stride < static_cast<std::ptrdiff_t>(image.width) * want.channels)
    return Status::Error(ErrorCode::kInvalidArgument, "image does not cover the frame, or has the wrong channels");
  return Status::Ok();
}

}  // namespace

int plane_count(PixelFormat format) {
  switch (format) {
    case PixelFormat::kI420: return 3;
    case PixelFormat::kNV12: return 2;
    default: return 1;
  }
}

int packed_pixel_bytes(PixelFormat format) {
  PackedLayout layout;
  return packed_layout(format, &layout) ? layout.bytes : 0;
}

ImageSize image_size_for(PixelFormat format, int width, int height, int unshuffle) {
  if (is_bayer(format)) return {(width + 1) / 2, (height + 1) / 2, 4};
  return {(width + unshuffle - 1) / unshuffle, (height + unshuffle - 1) / unshuffle, 3 * unshuffle * unshuffle};
}

Status validate_frame(const FrameView& f) {
  if (f.width <= 0 || f.height <= 0)
    return Status::Error(ErrorCode::kInvalidArgument, "frame size must be positive");
  if (is_bayer(f.format) && (f.width < 2 || f.height < 2))
    return Status::Error(ErrorCode::kInvalidArgument, "Bayer frames must be at least 2x2");
  if (f.format == PixelFormat::kBayer16 && (f.bayer_bits < 1 || f.bayer_bits > 16))
    return Status::Error(ErrorCode::kInvalidArgument, "bayer_bits must be 1..16");
  std::ptrdiff_t min_stride[3] = {0, 0, 0};
  const int chroma_width = (f.width + 1) / 2;
  switch (f.format) {
    case PixelFormat::kI420: min_stride[0] = f.width; min_stride[1] = min_stride[2] = chroma_width; break;
    case PixelFormat::kNV12: min_stride[0] = f.width; min_stride[1] = 2 * chroma_width; break;
    case PixelFormat::kYUY2: min_stride[0] = 4 * chroma_width; break;
    case PixelFormat::kBayer8: min_stride[0] = f.width; break;
    case PixelFormat::kBayer16: min_stride[0] = 2 * f.width; break;
    default: min_stride[0] = static_cast<std::ptrdiff_t>(packed_pixel_bytes(f.format)) * f.width; break;
  }
  for (int p = 0; p < plane_count(f.format); ++p) {
    if (f.planes[p] == nullptr) return Status::Error(ErrorCode::kInvalidArgument, "frame plane is missing");
    if (f.strides[p] < min_stride[p])
      return Status::Error(ErrorCode::kInvalidArgument, "frame stride is smaller than a row");
  }
  return Status::Ok();
}

Status Image::resize(int width, int height, int channels) {
  if (width < 0 || height < 0 || channels < 0)
    return Status::Error(ErrorCode::kInvalidArgument, "image size must not be negative");
  const std::size_t needed = static_cast<std::size_t>(width) * height * channels;
  if (storage_.size() < needed) {
    try {
      storage_.resize(needed);
    } catch (const std::exception&) {
      return Status::Error(ErrorCode::kRuntime, "out of memory for a " + std::to_string(width) + "x" +
                                                    std::to_string(height) + " image");
    }
  }
  view_ = {storage_.data(), width, height, channels, static_cast<std::ptrdiff_t>(width) * channels};
  return Status::Ok();
}

ImageView crop(const ImageView& image, int x, int y, int width, int height) {
  ImageView v = image;
  v.data = image.data + y * image.row_stride + x * image.channels;
  v.width = width;
  v.height = height;
  return v;
}

Status frame_to_image(const FrameView& frame, const ImageView& image, int unshuffle) {
  Status status = validate_frame(frame);
  if (!status.ok()) return status;
  status = check_image(frame, image, unshuffle);
  if (!status.ok()) return status;
  return guarded("converting a frame", [&] {
    if (is_bayer(frame.format))
      bayer_to_image(frame, image);
    else
      rgb_frame_to_image(frame, image, unshuffle);
    return Status::Ok();
  });
}

Status image_to_frame(const ImageView& image, const FrameView& frame, int unshuffle, const FrameView* alpha_source) {
  Status status = validate_frame(frame);
  if (!status.ok()) return status;
  status = check_image(frame, image, unshuffle);
  if (!status.ok()) return status;
  if (alpha_source && (alpha_source->format != frame.format || alpha_source->width != frame.width ||
                       alpha_source->height != frame.height || !validate_frame(*alpha_source).ok()))
    return Status::Error(ErrorCode::kInvalidArgument,
                         "alpha source differs from the frame in format or size, or is no readable frame");
  return guarded("writing a frame", [&] {
    if (is_bayer(frame.format)) {
      image_to_bayer(image, frame);
      return Status::Ok();
    }
    // Bands of rows written in parallel (a 1080p frame's rounding and packing took 5 ms on one
    // core). Band heights are multiples of 2 * unshuffle, so that 4:2:0 chroma rows and image
    // cells never straddle two bands.
    const int step = 2 * unshuffle;
    const int band_rows = std::max(step, (frame.height / kBands + step - 1) / step * step);
    const int bands = (frame.height + band_rows - 1) / band_rows;
    parallel_parts(bands, [&](int b) {
      const int y0 = b * band_rows, y1 = std::min(frame.height, y0 + band_rows);
      const ImageView part = crop(image, 0, y0 / unshuffle, image.width, image.height - y0 / unshuffle);
      const FrameView rows = frame_rows(frame, y0, y1);
      const FrameView alpha_rows = alpha_source ? frame_rows(*alpha_source, y0, y1) : FrameView();
      const FrameView* alpha = alpha_source ? &alpha_rows : nullptr;
      if (unshuffle == 1)
        image_to_rgb_frame<1>(part, rows, alpha);
      else if (unshuffle == 2)
        image_to_rgb_frame<2>(part, rows, alpha);
      else
        image_to_rgb_frame<4>(part, rows, alpha);
    });
    return Status::Ok();
  });
}

}  // namespace neuralisp
