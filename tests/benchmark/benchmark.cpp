/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp benchmark: prints figures, asserts nothing (see tests/benchmark/run.sh).
 *
 *   neuralisp-benchmark speed MODEL WIDTH HEIGHT [FRAMES]
 *       ispdenoise in a real pipeline (videotestsrc ! ispdenoise ! fakesink sync=false) and the
 *       same frames through libneuralisp alone, in bf16 and fp32: fps, p50/p95/max per frame,
 *       convert-in / network / convert-out, CPU time, RSS; and OpenCV's
 *       fastNlMeansDenoisingColored on the same frames.
 *   neuralisp-benchmark speed-ab MODEL_FILE_A MODEL_FILE_B WIDTH HEIGHT [ROUNDS]
 *       two denoiser files through libneuralisp in bf16, timed in alternating rounds (A B B A):
 *       each one's p50 and the median ratio of B's time to A's, for a candidate model against the
 *       shipped one.
 *   neuralisp-benchmark restore-speed MODEL_FILE WIDTH HEIGHT [FRAMES]
 *       the restorer (a shared trunk, a head per output) through libneuralisp: one output against
 *       three from the same trunk pass, and the ratio.
 *   neuralisp-benchmark raw-speed RAW2RGB_FILE RGB2RAW_FILE WIDTH HEIGHT [FRAMES]
 *       ispraw2rgb's renderer (8-bit RGGB in, RGBx out) and isprgb2raw's synthesizer (RGB in,
 *       12-bit RAW out) through libneuralisp, beside OpenCV's bilinear demosaic; peak RSS.
 *   neuralisp-benchmark raw-quality RAW2RGB_FILE RGB2RAW_FILE DATASETS_DIR
 *       val/mcmaster18 with a 5-pixel border: demosaicking of clean sRGB mosaics beside OpenCV's
 *       bilinear, VNG and edge-aware demosaics; joint denoise + demosaic of RAW with shot and read
 *       noise at three levels beside bilinear demosaic + ispdenoise; the round trip sRGB -> RAW
 *       -> sRGB with the camera given and estimated.
 *   neuralisp-benchmark plot FIGURES_FILE OUTDIR
 *       speed.png and quality-vs-speed.png from the figures every other command appends to the
 *       file $NEURALISP_FIGURES names (tests/benchmark/run.sh sets it and plots at the end).
 *   neuralisp-benchmark temporal MODEL DATASETS_DIR OUTDIR
 *       ispdenoise's temporal mode against single frames at default settings on clips made from
 *       the McMaster photos with fresh sigma-25 noise a frame: still (the gain at frame 12), pan
 *       and zoom; the real clips with fresh sigma-15 noise; a moving bar (ghosts; crops as
 *       OUTDIR/temporal-moving-edge.png); time a frame.
 *   neuralisp-benchmark quality MODEL DATASETS_DIR
 *       PSNR on val/mcmaster18 with AWGN seeded per image (sigma 15, 25, 50; blind and with the
 *       true sigma) and on real-noise/sidd-pairs, beside a bilateral filter tuned on the same
 *       images (the best of OpenCV's classical filters here) in the same run.
 */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdarg>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <random>
#include <string>
#include <vector>

#include <neuralisp/degrader.h>
#include <neuralisp/color.h>
#include <neuralisp/denoiser.h>
#include <neuralisp/enhancer.h>
#include <neuralisp/raw.h>
#include <neuralisp/restorer.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double peak_rss_mb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

double current_rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * (sysconf(_SC_PAGESIZE) / 1048576.0);
}

neuralisp::FrameView view_of(cv::Mat& rgb) {
  neuralisp::FrameView v;
  v.format = neuralisp::PixelFormat::kRGB;
  v.width = rgb.cols;
  v.height = rgb.rows;
  v.planes[0] = rgb.data;
  v.strides[0] = static_cast<std::ptrdiff_t>(rgb.step);
  return v;
}

std::string model_file(const std::string& model) { return neuralisp::find_model("denoise/denoise-" + model + ".pt"); }

// Per-frame times after warm-up: median, 95th percentile and maximum.
double mean_of(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  return sum / v.size();
}

struct Timings {
  std::vector<double> ms;
  double percentile(double p) const {
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    return s[std::min(s.size() - 1, static_cast<std::size_t>(p * (s.size() - 1) + 0.5))];
  }
  double p50() const { return percentile(0.5); }
  double mean() const { return mean_of(ms); }
  void report(const char* label) const {
    std::printf("  %-38s p50 %7.2f ms  mean %7.2f  p95 %7.2f  max %7.2f  p95/p50 %.2f  (%zu frames)\n", label, p50(),
                mean(), percentile(0.95), percentile(1.0), percentile(0.95) / p50(), ms.size());
  }
};

// Figures for the plots: every command appends what it measured to the file $NEURALISP_FIGURES
// names, a line a figure ("speed ELEMENT WIDTH HEIGHT FPS", "quality TASK METHOD PSNR [FPS]"), and
// `plot` draws them (tests/benchmark/run.sh does both). Without the variable nothing is written.
void record(const char* format, ...) __attribute__((format(printf, 1, 2)));
void record(const char* format, ...) {
  const char* path = std::getenv("NEURALISP_FIGURES");
  if (!path || !*path) return;
  FILE* file = std::fopen(path, "a");
  if (!file) return;
  va_list args;
  va_start(args, format);
  std::vfprintf(file, format, args);
  va_end(args);
  std::fputc('\n', file);
  std::fclose(file);
}

// A classical baseline's speed for the quality-vs-speed plot: `run` on a 640x480 frame (the speed
// commands' videotestsrc frames), p50 of 15 runs after 2, in frames per second.
template <typename Run>
double fps_at_640x480(Run run) {
  Timings timings;
  for (int i = 0; i < 17; ++i) {
    const auto t = Clock::now();
    run();
    if (i >= 2) timings.ms.push_back(ms_since(t));
  }
  return 1000.0 / timings.p50();
}

// A chart on part of a canvas: axes (linear, or logarithmic in decades), lines and labelled
// points, drawn with OpenCV.
class Chart {
 public:
  struct Axis {
    double lo, hi;
    bool log;
    std::string label;
  };

  Chart(cv::Mat& canvas, cv::Rect area, Axis x, Axis y, const std::string& title)
      : canvas_(canvas), plot_(area.x + 60, area.y + 48, area.width - 80, area.height - 93), x_(std::move(x)), y_(std::move(y)) {
    cv::rectangle(canvas_, plot_, cv::Scalar(90, 90, 90));
    for (const double v : ticks(x_)) {
      const int px = at(v, y_.lo).x;
      cv::line(canvas_, {px, plot_.y}, {px, plot_.y + plot_.height}, cv::Scalar(230, 230, 230));
      text(number(v), {px - 10, plot_.y + plot_.height + 16}, 0.4);
    }
    for (const double v : ticks(y_)) {
      const int py = at(x_.lo, v).y;
      cv::line(canvas_, {plot_.x, py}, {plot_.x + plot_.width, py}, cv::Scalar(230, 230, 230));
      text(number(v), {plot_.x - 45, py + 4}, 0.4);
    }
    text(title, {area.x + 10, area.y + 18}, 0.5);
    text(x_.label, {plot_.x + plot_.width / 2 - 60, plot_.y + plot_.height + 36}, 0.45);
    text(y_.label, {area.x + 8, plot_.y - 8}, 0.45);
  }

  cv::Point at(double x, double y) const {
    return {plot_.x + static_cast<int>(std::lround(unit(x_, x) * plot_.width)),
            plot_.y + plot_.height - static_cast<int>(std::lround(unit(y_, y) * plot_.height))};
  }

  void line(const std::vector<std::pair<double, double>>& points, cv::Scalar colour, const std::string& label) {
    for (size_t i = 1; i < points.size(); ++i)
      cv::line(canvas_, at(points[i - 1].first, points[i - 1].second), at(points[i].first, points[i].second), colour, 2,
               cv::LINE_AA);
    for (const auto& [x, y] : points) cv::circle(canvas_, at(x, y), 4, colour, cv::FILLED, cv::LINE_AA);
    if (!points.empty()) label_at(label, at(points.back().first, points.back().second) + cv::Point(8, 4), colour);
  }

  void point(double x, double y, cv::Scalar colour, const std::string& label) {
    cv::circle(canvas_, at(x, y), 6, colour, cv::FILLED, cv::LINE_AA);
    label_at(label, at(x, y) + cv::Point(9, -6), colour);
  }

  void level(double y, cv::Scalar colour, const std::string& label) {
    const int py = at(x_.lo, y).y;
    for (int px = plot_.x; px < plot_.x + plot_.width; px += 12) cv::line(canvas_, {px, py}, {px + 6, py}, colour, 1);
    text(label, {plot_.x + 6, py - 5}, 0.4, colour);
  }

 private:
  static double unit(const Axis& a, double v) {
    v = std::clamp(v, a.lo, a.hi);
    return a.log ? std::log(v / a.lo) / std::log(a.hi / a.lo) : (v - a.lo) / (a.hi - a.lo);
  }
  static std::vector<double> ticks(const Axis& a) {
    std::vector<double> t;
    if (a.log) {
      for (double decade = std::pow(10.0, std::floor(std::log10(a.lo))); decade <= a.hi; decade *= 10)
        for (double m : {1.0, 2.0, 5.0})
          if (decade * m >= a.lo && decade * m <= a.hi) t.push_back(decade * m);
    } else {
      const double step = std::pow(10.0, std::floor(std::log10((a.hi - a.lo) / 4)));
      const double nice = (a.hi - a.lo) / step > 10 ? 2 * step : step;
      for (double v = std::ceil(a.lo / nice) * nice; v <= a.hi + 1e-9; v += nice) t.push_back(v);
    }
    return t;
  }
  static std::string number(double v) {
    char s[32];
    std::snprintf(s, sizeof s, std::fabs(v - std::round(v)) < 1e-6 ? "%.0f" : "%.1f", v);
    return s;
  }
  // A label beside a point: left of it where it would leave the plot, and moved down until it
  // covers no earlier label.
  void label_at(const std::string& s, cv::Point p, cv::Scalar colour) {
    int baseline = 0;
    const cv::Size size = cv::getTextSize(s, cv::FONT_HERSHEY_SIMPLEX, 0.42, 1, &baseline);
    if (p.x + size.width > plot_.x + plot_.width) p.x -= size.width + 16;
    cv::Rect box(p.x, p.y - size.height, size.width, size.height + baseline);
    while (std::any_of(labels_.begin(), labels_.end(), [&](const cv::Rect& r) { return (r & box).area() > 0; }))
      box.y += size.height + 4;
    labels_.push_back(box);
    text(s, {box.x, box.y + size.height}, 0.42, colour);
  }

  void text(const std::string& s, cv::Point p, double scale, cv::Scalar colour = cv::Scalar(30, 30, 30)) {
    cv::putText(canvas_, s, p, cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv::LINE_AA);
  }

  cv::Mat& canvas_;
  cv::Rect plot_;
  Axis x_, y_;
  std::vector<cv::Rect> labels_;
};

constexpr int kWarmupFrames = 5;  // the first frames build oneDNN's kernels and fill the pools

const char* caps_format = "video/x-raw,format=RGB,width=%d,height=%d,framerate=30/1";

// RGB frames pulled from a pipeline description (ending in raw video) and their presentation
// times in seconds.
struct Clip {
  std::vector<cv::Mat> frames;
  std::vector<double> seconds;
};

// The real camera clips of the datasets.
std::vector<std::string> video_clips(const std::string& datasets) {
  std::vector<std::string> clips;
  for (const auto& e : std::filesystem::directory_iterator(datasets + "/video/clips")) {
    const std::string ext = e.path().extension().string();
    if (ext == ".mp4" || ext == ".webm") clips.push_back(e.path().string());
  }
  std::sort(clips.begin(), clips.end());
  return clips;
}

Clip pull_rgb_frames(const std::string& source, int max_frames) {
  Clip clip;
  const std::string description = source + " ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline) {
    std::fprintf(stderr, "%s: %s\n", description.c_str(), error ? error->message : "cannot build the pipeline");
    g_clear_error(&error);
    return clip;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (static_cast<int>(clip.frames.size()) < max_frames) {
    GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
    if (!sample) break;
    GstVideoInfo info;
    gst_video_info_from_caps(&info, gst_sample_get_caps(sample));
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_READ);
    cv::Mat frame(info.height, info.width, CV_8UC3);
    for (int y = 0; y < info.height; ++y)  // rows may be padded (RGB rows to 4 bytes)
      std::memcpy(frame.ptr(y), map.data + y * info.stride[0], 3 * static_cast<std::size_t>(info.width));
    gst_buffer_unmap(buffer, &map);
    clip.seconds.push_back(GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer) / 1e9
                                                           : clip.frames.size() / 30.0);
    gst_sample_unref(sample);
    clip.frames.push_back(frame);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return clip;
}

// The frames videotestsrc makes, so that the library alone and the pipeline see the same ones.
std::vector<cv::Mat> videotestsrc_frames(int width, int height, int count) {
  gchar* caps = g_strdup_printf(caps_format, width, height);
  const std::string source = std::string("videotestsrc num-buffers=") + std::to_string(count) + " ! " + caps;
  g_free(caps);
  return pull_rgb_frames(source, count).frames;
}

struct ElementClock {
  int frames_in = 0;
  Clock::time_point entered, first_measured_in, last_out;
  std::vector<double> every_frame;  // sink pad to src pad in ms, warm-up frames included
  double rss_after_warmup = 0.0;
};

GstPadProbeReturn on_buffer_in(GstPad*, GstPadProbeInfo*, gpointer data) {
  auto* clock = static_cast<ElementClock*>(data);
  clock->entered = Clock::now();
  if (clock->frames_in++ == kWarmupFrames) {
    clock->first_measured_in = clock->entered;
    clock->rss_after_warmup = current_rss_mb();
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn on_buffer_out(GstPad*, GstPadProbeInfo*, gpointer data) {
  auto* clock = static_cast<ElementClock*>(data);
  clock->last_out = Clock::now();
  clock->every_frame.push_back(ms_since(clock->entered));
  return GST_PAD_PROBE_OK;
}

const char* precision_nick(neuralisp::Precision p) { return p == neuralisp::Precision::kFp32 ? "fp32" : "bf16"; }

// Per-frame times of the library alone on the frames, and where they go.
struct LibraryRun {
  Timings total, in, network, out;
};

// Per-frame times inside the element in a pipeline, and throughput.
struct PipelineRun {
  Timings inside;
  std::vector<double> fps, cpu_ms;
  double rss_after_warmup = 0.0, rss_end = 0.0;
};

void library_alone(const std::string& path, neuralisp::Precision precision, const std::vector<cv::Mat>& frames,
                   int count, LibraryRun* run) {
  std::unique_ptr<neuralisp::Denoiser> denoiser;
  neuralisp::DenoiserOptions options;
  options.model.path = path;
  options.model.precision = precision;
  neuralisp::Status status = neuralisp::Denoiser::create(options, denoiser);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    std::exit(1);
  }
  cv::Mat out(frames[0].size(), CV_8UC3);
  for (int i = 0; i < kWarmupFrames + count; ++i) {
    cv::Mat frame = frames[i % frames.size()];
    const auto t = Clock::now();
    status = denoiser->process(view_of(frame), {view_of(out)});
    const double ms = ms_since(t);
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.message().c_str());
      std::exit(1);
    }
    if (i < kWarmupFrames) continue;
    run->total.ms.push_back(ms);
    for (const auto& [key, value] : denoiser->statistics()) {
      if (key == "convert-in-ms") run->in.ms.push_back(value);
      if (key == "network-ms") run->network.ms.push_back(value);
      if (key == "convert-out-ms") run->out.ms.push_back(value);
    }
  }
}

// videotestsrc ! ispdenoise temporal=false ! fakesink sync=false: per-frame time inside the element
// (sink pad to src pad, on the streaming thread) and throughput. Single-frame, as the library alone
// runs here: videotestsrc's stream has a frame rate, so the element's default would add temporal
// averaging (its cost is the temporal command's figure) and the comparison would not be the
// element's own overhead.
void in_pipeline(const std::string& model, neuralisp::Precision precision, int width, int height, int count,
                 PipelineRun* run) {
  gchar* caps = g_strdup_printf(caps_format, width, height);
  gchar* description = g_strdup_printf(
      "videotestsrc num-buffers=%d ! %s ! ispdenoise name=denoise model=%s precision=%s temporal=false ! "
      "fakesink sync=false",
      kWarmupFrames + count, caps, model.c_str(), precision_nick(precision));
  GstElement* pipeline = gst_parse_launch(description, nullptr);
  g_free(description);
  g_free(caps);
  ElementClock element_clock;
  GstElement* denoise = gst_bin_get_by_name(GST_BIN(pipeline), "denoise");
  GstPad* sink_pad = gst_element_get_static_pad(denoise, "sink");
  GstPad* src_pad = gst_element_get_static_pad(denoise, "src");
  gst_pad_add_probe(sink_pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer_in, &element_clock, nullptr);
  gst_pad_add_probe(src_pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer_out, &element_clock, nullptr);
  gst_object_unref(sink_pad);
  gst_object_unref(src_pad);
  gst_object_unref(denoise);
  const double cpu0 = cpu_seconds();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                               (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  run->cpu_ms.push_back((cpu_seconds() - cpu0) * 1000.0 / (kWarmupFrames + count));
  run->rss_end = current_rss_mb();
  const bool failed = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR;
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  if (failed) {
    std::fprintf(stderr, "pipeline failed\n");
    std::exit(1);
  }
  const double per_frame = std::chrono::duration<double, std::milli>(element_clock.last_out -
                                                                      element_clock.first_measured_in).count() / count;
  run->fps.push_back(1000.0 / per_frame);
  run->rss_after_warmup = element_clock.rss_after_warmup;
  run->inside.ms.insert(run->inside.ms.end(), element_clock.every_frame.begin() + kWarmupFrames,
                        element_clock.every_frame.end());
}


// Library and pipeline alternate in rounds, so that this VM's slow drifts (10-20% between
// minutes) fall on both alike.
constexpr int kRounds = 3;

int speed(const std::string& model, int width, int height, int frames) {
  std::printf("== ispdenoise model=%s %dx%d RGB, %d frames in %d rounds, %u cores, native bf16: %s\n", model.c_str(),
              width, height, frames, kRounds, g_get_num_processors(), neuralisp::cpu_has_native_bf16() ? "yes" : "no");
  const std::vector<cv::Mat> inputs = videotestsrc_frames(width, height, 8);
  double bf16_pipeline = 0.0;
  for (neuralisp::Precision precision : {neuralisp::Precision::kBf16, neuralisp::Precision::kFp32}) {
    std::printf(" precision=%s\n", precision_nick(precision));
    LibraryRun library;
    PipelineRun pipeline;
    for (int round = 0; round < kRounds; ++round) {
      const int count = (frames + kRounds - 1) / kRounds;
      library_alone(model_file(model), precision, inputs, count, &library);
      in_pipeline(model, precision, width, height, count, &pipeline);
    }
    library.total.report("libneuralisp alone:");
    std::printf("  %-38s convert in %.2f ms | network %.2f ms | convert out %.2f ms (p50 each)\n", "split:",
                library.in.p50(), library.network.p50(), library.out.p50());
    pipeline.inside.report("inside ispdenoise (pipeline):");
    std::printf("  %-38s %7.1f fps  CPU %.2f ms/frame (all threads, warm-up included)\n",
                "... ! ispdenoise temporal=false ! ...:", mean_of(pipeline.fps), mean_of(pipeline.cpu_ms));
    if (precision == neuralisp::Precision::kBf16)
      record("speed ispdenoise-%s %d %d %.2f", model.c_str(), width, height, mean_of(pipeline.fps));
    std::printf("  %-38s %.0f MB peak, %.0f MB after %d frames, %.0f MB at the end\n", "RSS:", peak_rss_mb(),
                pipeline.rss_after_warmup, kWarmupFrames, pipeline.rss_end);
    std::printf("  %-38s %+.1f%% (p50 in the pipeline against the library alone)\n", "pipeline vs library:",
                100.0 * (pipeline.inside.p50() / library.total.p50() - 1.0));
    if (precision == neuralisp::Precision::kBf16) bf16_pipeline = pipeline.inside.p50();
  }

  // OpenCV's non-local means on the same frames, for a ratio in the same run.
  Timings nlm;
  for (int i = 0; i < 4; ++i) {
    cv::Mat bgr, result;
    cv::cvtColor(inputs[i % inputs.size()], bgr, cv::COLOR_RGB2BGR);
    const auto t = Clock::now();
    cv::fastNlMeansDenoisingColored(bgr, result, 10, 10, 7, 21);
    nlm.ms.push_back(ms_since(t));
  }
  nlm.report("OpenCV fastNlMeansDenoisingColored:");
  std::printf("  %-38s %.1fx faster than fastNlMeansDenoisingColored (bf16, p50)\n", "ispdenoise:",
              nlm.p50() / bf16_pipeline);
  return 0;
}

// Two denoiser files through the library alone in bf16, in A B B A rounds: this VM's speed drifts
// 10-25% between minutes, so only times taken side by side compare a candidate model with the
// shipped one. The ratio is the median of the rounds' p50 ratios.
int speed_ab(const std::string& a, const std::string& b, int width, int height, int rounds) {
  std::printf("== ispdenoise A=%s B=%s %dx%d, library alone, bf16, %d rounds of 2 x 20 frames each\n", a.c_str(),
              b.c_str(), width, height, rounds);
  const std::vector<cv::Mat> inputs = videotestsrc_frames(width, height, 8);
  Timings all_a, all_b;
  std::vector<double> ratios;
  for (int round = 0; round < rounds; ++round) {
    LibraryRun run_a, run_b;
    for (int half = 0; half < 2; ++half) {
      const bool a_first = (round + half) % 2 == 0;
      library_alone(a_first ? a : b, neuralisp::Precision::kBf16, inputs, 20, a_first ? &run_a : &run_b);
      library_alone(a_first ? b : a, neuralisp::Precision::kBf16, inputs, 20, a_first ? &run_b : &run_a);
    }
    ratios.push_back(run_b.total.p50() / run_a.total.p50());
    std::printf("  round %d: A p50 %.2f ms, B p50 %.2f ms, B/A %.3f\n", round + 1, run_a.total.p50(),
                run_b.total.p50(), ratios.back());
    all_a.ms.insert(all_a.ms.end(), run_a.total.ms.begin(), run_a.total.ms.end());
    all_b.ms.insert(all_b.ms.end(), run_b.total.ms.begin(), run_b.total.ms.end());
  }
  std::sort(ratios.begin(), ratios.end());
  all_a.report("A:");
  all_b.report("B:");
  std::printf("  %-38s %.3f (median of the rounds; %.3f to %.3f)\n", "B/A time per frame:", ratios[ratios.size() / 2],
              ratios.front(), ratios.back());
  return 0;
}

double psnr(const cv::Mat& a, const cv::Mat& b) { return cv::PSNR(a, b, 255.0); }

cv::Mat add_awgn(const cv::Mat& clean, double sigma, int seed) {
  cv::Mat noise(clean.size(), CV_32FC3), noisy;
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::NORMAL, 0.0, sigma);
  clean.convertTo(noisy, CV_32FC3);
  noisy += noise;
  noisy.convertTo(noisy, CV_8UC3);  // rounds and saturates, as a camera frame would
  return noisy;
}

std::vector<std::string> list_images(const std::string& dir) {
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".png" || ext == ".tif" || ext == ".PNG") paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Standard deviation of noisy - clean over all pixels and channels, on the 0-255 scale.
double noise_std(const cv::Mat& noisy, const cv::Mat& clean) {
  cv::Mat a, b, mean, stddev;
  noisy.convertTo(a, CV_32FC3);
  clean.convertTo(b, CV_32FC3);
  const cv::Mat difference = a - b;
  cv::meanStdDev(difference.reshape(1), mean, stddev);
  return stddev.at<double>(0);
}

// Denoises one frame (a noise level < 0 estimates the noise: blind). Exits on failure: a benchmark
// must not print figures for frames it did not process.
cv::Mat denoise(neuralisp::Denoiser& d, const cv::Mat& noisy_rgb, const neuralisp::DenoiseParams& params,
                float* used_level = nullptr) {
  cv::Mat in = noisy_rgb.clone(), out(noisy_rgb.size(), CV_8UC3);
  neuralisp::Status status = d.set_params(params);
  if (status.ok()) status = d.process(view_of(in), {view_of(out)});
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    std::exit(1);
  }
  if (used_level) *used_level = d.noise_level();
  return out;
}

// The bilateral filter with the parameters that score best on these very images: an upper
// bound for the classical baseline.
struct Bilateral {
  int d = 5;
  double sigma_color = 20, sigma_space = 2;
};

double best_bilateral(const std::vector<cv::Mat>& noisy, const std::vector<cv::Mat>& clean, std::string* params,
                      Bilateral* chosen = nullptr) {
  double best = 0.0;
  for (int d : {5, 7, 9})
    for (double sc : {20.0, 35.0, 50.0, 75.0, 100.0})
      for (double ss : {2.0, 4.0, 8.0}) {
        double sum = 0.0;
        for (size_t i = 0; i < noisy.size(); ++i) {
          cv::Mat out;
          cv::bilateralFilter(noisy[i], out, d, sc, ss);
          sum += psnr(out, clean[i]);
        }
        if (sum / noisy.size() > best) {
          best = sum / noisy.size();
          *params = "d=" + std::to_string(d) + " sigmaColor=" + std::to_string(int(sc)) + " sigmaSpace=" + std::to_string(int(ss));
          if (chosen) *chosen = {d, sc, ss};
        }
      }
  return best;
}

std::unique_ptr<neuralisp::Denoiser> make_denoiser(const std::string& model, neuralisp::Precision precision) {
  std::unique_ptr<neuralisp::Denoiser> denoiser;
  neuralisp::DenoiserOptions options;
  options.model.path = model_file(model);
  options.model.precision = precision;
  const neuralisp::Status status = neuralisp::Denoiser::create(options, denoiser);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    std::exit(1);
  }
  return denoiser;
}

std::vector<cv::Mat> read_rgb(const std::vector<std::string>& paths) {
  std::vector<cv::Mat> images;
  for (const std::string& p : paths) {
    cv::Mat img = cv::imread(p, cv::IMREAD_COLOR);
    if (img.empty()) continue;
    cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
    images.push_back(img);
  }
  return images;
}

// One frame of a clip made from a photo: the photo still, panning (3 pixels right and 1 down a
// frame) or zooming in (1.5% a frame), `size` pixels from its centre.
cv::Mat clip_frame(const cv::Mat& photo, const std::string& motion, int i, cv::Size size) {
  const int x0 = (photo.cols - size.width) / 2, y0 = (photo.rows - size.height) / 2;
  if (motion == "pan") return photo(cv::Rect(x0 - 18 + 3 * i, y0 - 6 + i, size.width, size.height)).clone();
  if (motion == "zoom") {
    const double scale = 1.0 + 0.015 * i;
    const cv::Size seen(static_cast<int>(size.width / scale), static_cast<int>(size.height / scale));
    cv::Mat frame;
    cv::resize(photo(cv::Rect((photo.cols - seen.width) / 2, (photo.rows - seen.height) / 2, seen.width, seen.height)),
               frame, size, 0, 0, cv::INTER_LINEAR);
    return frame;
  }
  return photo(cv::Rect(x0, y0, size.width, size.height)).clone();
}

// Temporal denoising against the single-frame model at default settings (blind), on clips made
// from the McMaster photos with fresh sigma-25 noise in every frame: a still photo (the gain at
// frame 12 and the curve), a pan and a zoom (the mean over 12 frames), a bright bar moving over
// a still photo (the error where it is and where it was: ghosts; crops as OUTDIR/
// temporal-moving-edge.png), and the time per 640x480 frame.
int temporal(const std::string& model, const std::string& datasets, const std::string& outdir) {
  std::printf("== temporal denoising, model=%s, blind, sigma 25 fresh in every frame\n", model.c_str());
  const std::vector<cv::Mat> photos = read_rgb(list_images(datasets + "/val/mcmaster18"));
  const int frames = 12;
  const cv::Size size(384, 384);
  auto single = make_denoiser(model, neuralisp::Precision::kAuto), fused = make_denoiser(model, neuralisp::Precision::kAuto);
  const neuralisp::DenoiseParams alone{-1.0f, 1.0f, false}, over_time{-1.0f, 1.0f, true};
  for (const std::string motion : {"still", "pan", "zoom"}) {
    std::vector<double> curve_single(frames), curve_fused(frames), noisy_psnr(frames);
    for (std::size_t k = 0; k < photos.size(); ++k) {
      fused->reset();
      for (int i = 0; i < frames; ++i) {
        const cv::Mat clean = clip_frame(photos[k], motion, i, size);
        const cv::Mat noisy = add_awgn(clean, 25.0, static_cast<int>(1000 * k + i));
        noisy_psnr[i] += psnr(noisy, clean) / photos.size();
        curve_single[i] += psnr(denoise(*single, noisy, alone), clean) / photos.size();
        curve_fused[i] += psnr(denoise(*fused, noisy, over_time), clean) / photos.size();
      }
    }
    const double mean_single = mean_of(curve_single), mean_fused = mean_of(curve_fused);
    std::printf("  %-5s (%zu photos, %d frames): input %.2f dB | single-frame %.2f | temporal %.2f (%+.2f)", motion.c_str(),
                photos.size(), frames, mean_of(noisy_psnr), mean_single, mean_fused, mean_fused - mean_single);
    if (motion == "still")
      std::printf(" | frame %d: single %.2f, temporal %.2f (%+.2f)", frames, curve_single.back(), curve_fused.back(),
                  curve_fused.back() - curve_single.back());
    std::printf("\n    temporal, frame by frame:");
    for (double v : curve_fused) std::printf(" %.2f", v);
    std::printf("\n");
    record("quality video-%s-noise25 ispdenoise-%s-temporal %.2f", motion.c_str(), model.c_str(), mean_fused);
    record("quality video-%s-noise25 ispdenoise-%s %.2f", motion.c_str(), model.c_str(), mean_single);
  }

  // The real clips (their own motion: a talking head, cyclists, a bird, a hand-held camera) with
  // fresh sigma-15 noise a frame, against the decoded frames.
  for (const std::string& file : video_clips(datasets)) {
    const Clip clip = pull_rgb_frames("filesrc location=\"" + file + "\" ! decodebin", 60);
    if (clip.frames.size() < 2) {
      std::printf("  %-32s not decoded (needs gstreamer1.0-libav for H.264)\n", std::filesystem::path(file).filename().c_str());
      continue;
    }
    fused->reset();
    double sum_single = 0.0, sum_fused = 0.0, sum_noisy = 0.0;
    for (std::size_t i = 0; i < clip.frames.size(); ++i) {
      const cv::Mat noisy = add_awgn(clip.frames[i], 15.0, static_cast<int>(5000 + i));
      sum_noisy += psnr(noisy, clip.frames[i]);
      sum_single += psnr(denoise(*single, noisy, alone), clip.frames[i]);
      sum_fused += psnr(denoise(*fused, noisy, over_time), clip.frames[i]);
    }
    const double n = static_cast<double>(clip.frames.size());
    std::printf("  %-32s %3zu frames %4dx%-4d sigma 15: input %.2f dB | single-frame %.2f | temporal %.2f (%+.2f)\n",
                std::filesystem::path(file).filename().c_str(), clip.frames.size(), clip.frames[0].cols, clip.frames[0].rows,
                sum_noisy / n, sum_single / n, sum_fused / n, (sum_fused - sum_single) / n);
  }

  // A bright bar 12 pixels wide moving 12 pixels a frame across the first photo (with its trail
  // under the share of the frame that counts as the camera moving).
  const cv::Mat photo = clip_frame(photos[0], "still", 0, size);
  auto with_bar = [&](int i) {
    cv::Mat frame = photo.clone();
    cv::rectangle(frame, cv::Rect(40 + 12 * i, 140, 12, 100), cv::Scalar(235, 235, 235), cv::FILLED);
    return frame;
  };
  fused->reset();
  cv::Mat clean, noisy, out_single, out_fused;
  for (int i = 0; i < frames; ++i) {
    clean = with_bar(i);
    noisy = add_awgn(clean, 25.0, 7000 + i);
    out_single = denoise(*single, noisy, alone);
    out_fused = denoise(*fused, noisy, over_time);
  }
  const cv::Rect now(40 + 12 * (frames - 1) - 6, 132, 24, 116), trail(40 + 12 * (frames - 4), 132, 36, 116);
  std::printf("  moving bar, frame %d: where it is %.2f dB single, %.2f temporal | where it was (3 frames) %.2f single, "
              "%.2f temporal\n",
              frames, psnr(out_single(now), clean(now)), psnr(out_fused(now), clean(now)), psnr(out_single(trail), clean(trail)),
              psnr(out_fused(trail), clean(trail)));
  const cv::Rect crop(40 + 12 * (frames - 7), 120, 120, 140);
  cv::Mat strip;
  cv::hconcat(std::vector<cv::Mat>{clean(crop), noisy(crop), out_single(crop), out_fused(crop)}, strip);
  cv::resize(strip, strip, cv::Size(), 2.0, 2.0, cv::INTER_NEAREST);
  cv::cvtColor(strip, strip, cv::COLOR_RGB2BGR);
  const std::string png = outdir + "/temporal-moving-edge.png";
  if (!cv::imwrite(png, strip)) std::fprintf(stderr, "cannot write %s\n", png.c_str());
  std::printf("  crops (clean | noisy | single-frame | temporal) in %s\n", png.c_str());

  // Time per 640x480 frame, the same noisy frames through both.
  std::vector<cv::Mat> inputs;
  cv::Mat big;
  cv::resize(photos[0], big, cv::Size(640, 480), 0, 0, cv::INTER_LINEAR);
  for (int i = 0; i < 8; ++i) inputs.push_back(add_awgn(big, 25.0, 9000 + i));
  // Per path: the wall time a frame, and the means of the stages the denoiser reports.
  double ms[2] = {0.0, 0.0};
  std::map<std::string, double> stages[2];
  const int rounds = 3, timed_frames = 40;
  for (int round = 0; round < rounds; ++round)  // alternated, so that a busy moment costs both alike
    for (int k = 0; k < 2; ++k) {
      neuralisp::Denoiser& d = k == 0 ? *single : *fused;
      d.reset();
      for (int i = 0; i < 5; ++i) denoise(d, inputs[i % inputs.size()], k == 0 ? alone : over_time);
      double wall = 0.0;
      for (int i = 0; i < timed_frames; ++i) {
        const auto t = Clock::now();
        denoise(d, inputs[i % inputs.size()], k == 0 ? alone : over_time);
        wall += ms_since(t);
        for (const auto& [key, value] : d.statistics())
          if (key.size() > 3 && key.compare(key.size() - 3, 3, "-ms") == 0) stages[k][key] += value / timed_frames / rounds;
      }
      ms[k] += wall / timed_frames / rounds;
    }
  std::printf("  640x480: single-frame %.2f ms, temporal %.2f ms a frame (%+.1f%%; the fusion %.2f ms of it)\n", ms[0],
              ms[1], 100.0 * (ms[1] / ms[0] - 1.0), stages[1]["fuse-ms"]);
  for (int k = 0; k < 2; ++k) {
    std::printf("    %-13s", k == 0 ? "single-frame:" : "temporal:");
    for (const auto& [key, value] : stages[k]) std::printf(" %s %.2f", key.c_str(), value);
    std::printf(" (means)\n");
  }
  return 0;
}

// PSNR on McMaster (AWGN seeded per image; blind and given sigma) and on SIDD real-noise pairs
// (blind), in bf16 and fp32 from the same run, beside a bilateral filter tuned on the images.
int quality(const std::string& model, const std::string& datasets) {
  std::printf("== quality, model=%s (native bf16: %s)\n", model.c_str(), neuralisp::cpu_has_native_bf16() ? "yes" : "no");
  const std::vector<cv::Mat> mcmaster = read_rgb(list_images(datasets + "/val/mcmaster18"));
  std::vector<cv::Mat> sidd_noisy, sidd_clean;
  const std::string sidd = datasets + "/real-noise/sidd-pairs";
  for (const std::string& p : list_images(sidd + "/noisy")) {
    std::string gt = p;
    gt.replace(gt.find("/noisy/"), 7, "/gt/");
    gt.replace(gt.find("NOISY_"), 6, "GT_");
    const std::vector<cv::Mat> pair = read_rgb({p, gt});
    if (pair.size() != 2) continue;
    sidd_noisy.push_back(pair[0]);
    sidd_clean.push_back(pair[1]);
  }

  std::map<std::string, double> figures[2];  // per precision: label -> dB
  const neuralisp::Precision precisions[2] = {neuralisp::Precision::kBf16, neuralisp::Precision::kFp32};
  for (int k = 0; k < 2; ++k) {
    auto denoiser = make_denoiser(model, precisions[k]);
    std::printf(" precision=%s\n", precision_nick(precisions[k]));
    for (double sigma : {5.0, 15.0, 25.0, 50.0}) {
      double noisy_sum = 0, blind_sum = 0, given_sum = 0, est_sum = 0;
      std::vector<cv::Mat> noisy_set;
      for (size_t i = 0; i < mcmaster.size(); ++i) {
        const cv::Mat noisy = add_awgn(mcmaster[i], sigma, static_cast<int>(i));
        noisy_set.push_back(noisy);
        noisy_sum += psnr(noisy, mcmaster[i]);
        float estimated = 0.0f;
        blind_sum += psnr(denoise(*denoiser, noisy, {-1.0f, 1.0f}, &estimated), mcmaster[i]);
        est_sum += estimated;
        given_sum += psnr(denoise(*denoiser, noisy, {static_cast<float>(sigma), 1.0f}), mcmaster[i]);
      }
      const double n = mcmaster.size();
      char label[64];
      std::snprintf(label, sizeof label, "McMaster s%.0f blind", sigma);
      figures[k][label] = blind_sum / n;
      if (sigma == 25.0 && k == 0) record("quality denoise ispdenoise-%s %.3f", model.c_str(), blind_sum / n);
      std::printf("  McMaster sigma %2.0f: noisy %.2f dB | blind %.2f dB (estimated sigma %.1f) | given sigma %.2f dB",
                  sigma, noisy_sum / n, blind_sum / n, est_sum / n, given_sum / n);
      if (sigma == 25.0 && k == 0) {
        std::string params;
        Bilateral chosen;
        const double bilateral = best_bilateral(noisy_set, mcmaster, &params, &chosen);
        std::printf(" | tuned bilateral %.2f dB (%s)", bilateral, params.c_str());
        const cv::Mat frame = videotestsrc_frames(640, 480, 1)[0];
        cv::Mat out;
        record("quality denoise tuned-bilateral %.3f %.2f", bilateral, fps_at_640x480([&] {
                 cv::bilateralFilter(frame, out, chosen.d, chosen.sigma_color, chosen.sigma_space);
               }));
      }
      std::printf("\n");
    }
    double noisy_sum = 0, blind_sum = 0, est_sum = 0, measured_sum = 0;
    for (size_t i = 0; i < sidd_noisy.size(); ++i) {
      noisy_sum += psnr(sidd_noisy[i], sidd_clean[i]);
      measured_sum += noise_std(sidd_noisy[i], sidd_clean[i]);
      float estimated = 0.0f;
      blind_sum += psnr(denoise(*denoiser, sidd_noisy[i], {-1.0f, 1.0f}, &estimated), sidd_clean[i]);
      est_sum += estimated;
    }
    const double n = sidd_noisy.size();
    figures[k]["SIDD blind"] = blind_sum / n;
    std::printf("  SIDD pairs (%zu): noisy %.2f dB | blind %.2f dB (estimated sigma %.1f, measured %.1f)", sidd_noisy.size(),
                noisy_sum / n, blind_sum / n, est_sum / n, measured_sum / n);
    if (k == 0) {
      std::string params;
      const double bilateral = best_bilateral(sidd_noisy, sidd_clean, &params);
      std::printf(" | tuned bilateral %.2f dB (%s)", bilateral, params.c_str());
    }
    std::printf("\n");
  }
  std::printf("  bf16 - fp32:");
  for (const auto& [label, db] : figures[0]) std::printf(" %s %+.3f dB;", label.c_str(), db - figures[1][label]);
  std::printf("\n");
  return 0;
}

// No-reference noise in a block: per YCbCr channel, the RMS of what the best-fitting plane
// (a + b x + c y) leaves. On a flat block that is the noise, whatever its spatial correlation.
struct BlockNoise {
  double luma = 0.0, chroma = 0.0;  // chroma: the RMS of Cb and Cr together
};

BlockNoise block_noise(const cv::Mat& ycc, const cv::Rect& block) {
  double residual[3] = {0.0, 0.0, 0.0};
  const double cx = (block.width - 1) / 2.0, cy = (block.height - 1) / 2.0;
  double xx = 0.0, yy = 0.0;
  for (int y = 0; y < block.height; ++y)
    for (int x = 0; x < block.width; ++x) {
      xx += (x - cx) * (x - cx);
      yy += (y - cy) * (y - cy);
    }
  const double n = static_cast<double>(block.area());
  for (int c = 0; c < 3; ++c) {
    double sum = 0.0, sum_x = 0.0, sum_y = 0.0;
    for (int y = 0; y < block.height; ++y)
      for (int x = 0; x < block.width; ++x) {
        const double v = ycc.at<cv::Vec3f>(block.y + y, block.x + x)[c];
        sum += v;
        sum_x += v * (x - cx);
        sum_y += v * (y - cy);
      }
    const double a = sum / n, b = sum_x / xx, slope_y = sum_y / yy;
    for (int y = 0; y < block.height; ++y)
      for (int x = 0; x < block.width; ++x) {
        const double e = ycc.at<cv::Vec3f>(block.y + y, block.x + x)[c] - a - b * (x - cx) - slope_y * (y - cy);
        residual[c] += e * e / n;
      }
  }
  return {std::sqrt(residual[0]), std::sqrt(0.5 * (residual[1] + residual[2]))};
}

cv::Mat ycc_of(const cv::Mat& rgb8) {
  cv::Mat f, ycc;
  rgb8.convertTo(f, CV_32FC3);
  cv::cvtColor(f, ycc, cv::COLOR_RGB2YCrCb);
  return ycc;
}

// Blocks of a noisy photo ranked by structure: the plane-fit residual of its luminance blurred
// enough (Gaussian sigma 2) that the noise no longer counts. Returns the flattest and the most
// textured `count` blocks, leaving out blocks near black or white.
void rank_blocks(const cv::Mat& noisy_rgb, int side, int count, std::vector<cv::Rect>* flattest,
                 std::vector<cv::Rect>* textured) {
  cv::Mat smooth;
  cv::GaussianBlur(noisy_rgb, smooth, cv::Size(0, 0), 2.0);
  const cv::Mat ycc = ycc_of(smooth);
  std::vector<std::pair<double, cv::Rect>> blocks;
  for (int y = side; y + 2 * side <= noisy_rgb.rows; y += side)  // away from the borders
    for (int x = side; x + 2 * side <= noisy_rgb.cols; x += side) {
      const cv::Rect r(x, y, side, side);
      // Clipped blocks hide their noise: not flat in the sense that counts.
      const cv::Scalar mean = cv::mean(noisy_rgb(r));
      if (std::min({mean[0], mean[1], mean[2]}) < 10.0 || std::max({mean[0], mean[1], mean[2]}) > 245.0) continue;
      blocks.push_back({block_noise(ycc, r).luma, r});
    }
  std::sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  count = std::min(count, static_cast<int>(blocks.size() / 2));  // a photo that is mostly clipped has fewer
  for (int i = 0; i < count; ++i) {
    flattest->push_back(blocks[i].second);
    textured->push_back(blocks[blocks.size() - 1 - i].second);
  }
}

// Real camera noise with no reference (DND's noisy patches): the element's default setting
// against a bilateral filter tuned on SIDD's real phone noise (d=9, sigmaColor=100,
// sigmaSpace=8, the best on those pairs). Per photo, the noise left in its 8 flattest 16x16
// blocks (luma and chroma) and the detail kept in its 8 most textured ones; crops as
// OUTDIR/real-noise-crops.png and the flat-block noise as OUTDIR/real-noise-flat-blocks.png.
int real_noise(const std::string& model, const std::string& datasets, const std::string& outdir) {
  const std::vector<std::string> paths = list_images(datasets + "/real-noise/dnd-noisy-only");
  const std::vector<cv::Mat> photos = read_rgb(paths);
  if (photos.empty() || photos.size() != paths.size()) {
    std::fprintf(stderr, "%s/real-noise/dnd-noisy-only: no photos, or some unreadable\n", datasets.c_str());
    return 1;
  }
  std::printf("== real noise without reference, model=%s, default settings (blind, strength 1), %zu DND patches\n",
              model.c_str(), photos.size());
  auto denoiser = make_denoiser(model, neuralisp::Precision::kAuto);
  const neuralisp::DenoiseParams defaults{-1.0f, 1.0f, false};
  struct PerPhoto {
    BlockNoise flat[3];     // input, ispdenoise, bilateral
    double detail[3] = {};  // luma residual in the textured blocks
    float level = 0.0f;
  };
  std::vector<PerPhoto> rows(photos.size());
  std::vector<cv::Mat> outputs(photos.size()), bilaterals(photos.size());
  for (std::size_t i = 0; i < photos.size(); ++i) {
    outputs[i] = denoise(*denoiser, photos[i], defaults, &rows[i].level);
    cv::bilateralFilter(photos[i], bilaterals[i], 9, 100.0, 8.0);
    std::vector<cv::Rect> flattest, textured;
    rank_blocks(photos[i], 16, 8, &flattest, &textured);
    if (flattest.empty()) {
      std::fprintf(stderr, "%s: no block to measure (clipped throughout)\n", paths[i].c_str());
      return 1;
    }
    const cv::Mat images[3] = {ycc_of(photos[i]), ycc_of(outputs[i]), ycc_of(bilaterals[i])};
    for (int k = 0; k < 3; ++k) {
      for (const cv::Rect& r : flattest) {
        const BlockNoise b = block_noise(images[k], r);
        rows[i].flat[k].luma += b.luma / flattest.size();
        rows[i].flat[k].chroma += b.chroma / flattest.size();
      }
      for (const cv::Rect& r : textured) rows[i].detail[k] += block_noise(images[k], r).luma / textured.size();
    }
  }
  const char* names[3] = {"noisy input", "ispdenoise (defaults)", "bilateral (SIDD-tuned)"};
  std::printf("  noise left in the flattest blocks (RMS, 0-255) and detail kept in the most textured (luma RMS, share of "
              "the input's), means over the patches:\n");
  for (int k = 0; k < 3; ++k) {
    double luma = 0.0, chroma = 0.0, detail = 0.0;
    for (const PerPhoto& r : rows) {
      luma += r.flat[k].luma / rows.size();
      chroma += r.flat[k].chroma / rows.size();
      detail += r.detail[k] / r.detail[0] / rows.size();
    }
    std::printf("    %-24s flat luma %5.2f  chroma %5.2f | textured detail %.3f\n", names[k], luma, chroma, detail);
  }
  double level = 0.0;
  for (const PerPhoto& r : rows) level += r.level / rows.size();
  std::printf("  estimated sigma: mean %.1f\n", level);

  // The crops: six patches spread over the range of input noise, centre 128x128 at 2x.
  std::vector<std::size_t> order(photos.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto noise_of = [&](std::size_t i) { return rows[i].flat[0].luma + rows[i].flat[0].chroma; };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return noise_of(a) < noise_of(b); });
  std::vector<cv::Mat> lines;
  for (int row = 0; row < 3; ++row) {
    std::vector<cv::Mat> tiles;
    for (int column = 0; column < 2; ++column) {
      const std::size_t i = order[(2 * row + column) * (order.size() - 1) / 5];
      const cv::Rect crop((photos[i].cols - 128) / 2, (photos[i].rows - 128) / 2, 128, 128);
      for (const cv::Mat& m : {photos[i], outputs[i], bilaterals[i]}) tiles.push_back(m(crop));
      std::printf("  crops row %d: %s (estimated sigma %.1f)\n", row + 1, std::filesystem::path(paths[i]).filename().c_str(),
                  rows[i].level);
    }
    cv::Mat line;
    cv::hconcat(tiles, line);
    lines.push_back(line);
  }
  cv::Mat crops;
  cv::vconcat(lines, crops);
  cv::resize(crops, crops, cv::Size(), 2.0, 2.0, cv::INTER_NEAREST);
  cv::cvtColor(crops, crops, cv::COLOR_RGB2BGR);
  const std::string crops_png = outdir + "/real-noise-crops.png";
  if (!cv::imwrite(crops_png, crops)) std::fprintf(stderr, "cannot write %s\n", crops_png.c_str());

  // The flat-block noise per patch, sorted by the input's: luma (dots) and chroma (squares).
  double top = 0.0;
  for (const PerPhoto& r : rows) top = std::max({top, r.flat[0].luma, r.flat[0].chroma});
  cv::Mat canvas(460, 900, CV_8UC3, cv::Scalar(255, 255, 255));
  const Chart chart(canvas, cv::Rect(0, 0, 900, 435), {0.0, static_cast<double>(order.size()), false, "patches, by input noise"},
                    {0.0, std::ceil(top), false, "RMS, 0-255"},
                    "Noise left in the 8 flattest 16x16 blocks of each DND patch");
  const cv::Scalar colours[3] = {cv::Scalar(140, 140, 140), cv::Scalar(200, 80, 0), cv::Scalar(0, 140, 255)};  // BGR
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    const PerPhoto& r = rows[order[rank]];
    for (int k = 0; k < 3; ++k) {
      const cv::Point luma = chart.at(rank + 0.5, r.flat[k].luma), chroma = chart.at(rank + 0.5, r.flat[k].chroma);
      cv::circle(canvas, luma, 4, colours[k], cv::FILLED, cv::LINE_AA);
      cv::rectangle(canvas, cv::Rect(chroma.x - 4, chroma.y - 4, 8, 8), colours[k], 1);
    }
  }
  cv::putText(canvas, "dots: luma  squares: chroma   grey: input  blue: ispdenoise defaults  orange: bilateral (SIDD-tuned)",
              {60, 450}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(30, 30, 30), 1, cv::LINE_AA);
  const std::string plot_png = outdir + "/real-noise-flat-blocks.png";
  if (!cv::imwrite(plot_png, canvas)) std::fprintf(stderr, "cannot write %s\n", plot_png.c_str());
  std::printf("  crops (per patch: noisy | ispdenoise | bilateral) in %s; plot in %s\n", crops_png.c_str(), plot_png.c_str());
  return 0;
}

// Mean SSIM over the colour channels (Gaussian window 11, sigma 1.5, as Wang et al. 2004).
double ssim(const cv::Mat& a, const cv::Mat& b) {
  const double c1 = 6.5025, c2 = 58.5225;  // (0.01 * 255)^2, (0.03 * 255)^2
  cv::Mat x, y;
  a.convertTo(x, CV_64FC3);
  b.convertTo(y, CV_64FC3);
  auto blur = [](const cv::Mat& m) {
    cv::Mat out;
    cv::GaussianBlur(m, out, cv::Size(11, 11), 1.5);
    return out;
  };
  const cv::Mat mx = blur(x), my = blur(y);
  const cv::Mat sxx = blur(x.mul(x)) - mx.mul(mx), syy = blur(y.mul(y)) - my.mul(my), sxy = blur(x.mul(y)) - mx.mul(my);
  // Scalar::all: a plain double added to a 3-channel matrix reaches its first channel only.
  const cv::Scalar k1 = cv::Scalar::all(c1), k2 = cv::Scalar::all(c2);
  cv::Mat num = (2 * mx.mul(my) + k1).mul(2 * sxy + k2), den = (mx.mul(mx) + my.mul(my) + k1).mul(sxx + syy + k2), map;
  cv::divide(num, den, map);
  const cv::Scalar m = cv::mean(map);
  return (m[0] + m[1] + m[2]) / 3.0;
}

cv::Mat degrade_frame(neuralisp::Degrader& degrader, const cv::Mat& clean, const neuralisp::DegradeParams& params) {
  cv::Mat in = clean.clone(), out(clean.size(), CV_8UC3);
  neuralisp::Status status = degrader.set_params(params);
  if (status.ok()) status = degrader.process(view_of(in), {view_of(out)});
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    std::exit(1);
  }
  return out;
}

// Restores one frame with `task`, or blind (estimate from this frame alone) when `task` is null.
cv::Mat restore(neuralisp::Restorer& r, const cv::Mat& degraded, const neuralisp::RestoreTask* task) {
  cv::Mat in = degraded.clone(), out(degraded.size(), CV_8UC3);
  r.reset();
  neuralisp::Status status = r.set_mode(task ? neuralisp::RestoreMode::kManual : neuralisp::RestoreMode::kBlind);
  if (status.ok()) status = r.set_tasks({task ? *task : neuralisp::RestoreTask()});
  if (status.ok()) status = r.process(view_of(in), {view_of(out)});
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    std::exit(1);
  }
  return out;
}

// Issue 8's quality figures on McMaster18 with seeded degradations: PSNR and SSIM of the input
// and of the restoration with the exact task vector and blind, for the single tasks at full
// strength, the chain blur 2 -> noise 25 -> JPEG 40, and a camera chain (sensor noise through a
// demosaicking ISP, JPEG 60) that only blind mode can take; ispdenoise fast given sigma 25 beside
// the noise task.
int restore_quality(const std::string& path, const std::string& datasets) {
  std::printf("== restore quality, %s (native bf16: %s)\n", path.c_str(), neuralisp::cpu_has_native_bf16() ? "yes" : "no");
  const std::vector<cv::Mat> images = read_rgb(list_images(datasets + "/val/mcmaster18"));
  std::unique_ptr<neuralisp::Restorer> restorer;
  neuralisp::RestorerOptions options;
  options.model.path = path;
  std::unique_ptr<neuralisp::Degrader> degrader;
  neuralisp::Status status = neuralisp::Restorer::create(options, restorer);
  if (status.ok()) status = neuralisp::Degrader::create(degrader);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return 1;
  }
  auto denoiser = make_denoiser("fast", neuralisp::Precision::kAuto);
  struct Case {
    const char* name;
    float noise, camera_noise, blur;
    int jpeg_quality;
    bool has_task;
    neuralisp::RestoreTask task;
  };
  const Case cases[] = {
      {"blur sigma 2", 0.0f, 0.0f, 2.0f, 0, true, {0.5f, 0.0f, 0.0f}},
      {"noise sigma 25", 25.0f, 0.0f, 0.0f, 0, true, {0.0f, 0.5f, 0.0f}},
      {"JPEG quality 20", 0.0f, 0.0f, 0.0f, 20, true, {0.0f, 0.0f, 80.0f / 90.0f}},
      {"chain blur 2, noise 25, JPEG 40", 25.0f, 0.0f, 2.0f, 40, true, {0.5f, 0.5f, 60.0f / 90.0f}},
      {"camera noise 0.5, JPEG 60", 0.0f, 0.5f, 0.0f, 60, false, {}},
  };
  for (const Case& c : cases) {
    double in_psnr = 0, in_ssim = 0, task_psnr = 0, task_ssim = 0, blind_psnr = 0, blind_ssim = 0, denoise_psnr = 0;
    for (std::size_t i = 0; i < images.size(); ++i) {
      neuralisp::DegradeParams params;
      params.noise = c.noise;
      params.camera_noise = c.camera_noise;
      params.blur = c.blur;
      params.jpeg_quality = c.jpeg_quality;
      params.seed = i;
      degrader->reset();
      const cv::Mat degraded = degrade_frame(*degrader, images[i], params);
      in_psnr += psnr(degraded, images[i]);
      in_ssim += ssim(degraded, images[i]);
      if (c.has_task) {
        const cv::Mat restored = restore(*restorer, degraded, &c.task);
        task_psnr += psnr(restored, images[i]);
        task_ssim += ssim(restored, images[i]);
      }
      const cv::Mat blind = restore(*restorer, degraded, nullptr);
      blind_psnr += psnr(blind, images[i]);
      blind_ssim += ssim(blind, images[i]);
      if (c.noise > 0.0f && c.blur == 0.0f)
        denoise_psnr += psnr(denoise(*denoiser, degraded, {c.noise, 1.0f}), images[i]);
    }
    const double n = images.size();
    std::printf("  %-34s input %.2f dB / %.4f", c.name, in_psnr / n, in_ssim / n);
    if (c.has_task) std::printf(" | task %.2f dB / %.4f (%+.2f dB)", task_psnr / n, task_ssim / n, (task_psnr - in_psnr) / n);
    std::printf(" | blind %.2f dB / %.4f (%+.2f dB)", blind_psnr / n, blind_ssim / n, (blind_psnr - in_psnr) / n);
    if (denoise_psnr > 0.0) std::printf(" | ispdenoise fast given sigma %.2f dB", denoise_psnr / n);
    if (std::strncmp(c.name, "chain", 5) == 0) {
      record("quality restore isprestore %.3f", task_psnr / n);
      record("quality restore isprestore-blind %.3f", blind_psnr / n);
      record("quality restore input %.3f 0", in_psnr / n);
    }
    std::printf("\n");
  }
  return 0;
}


// --- The Bayer path (issue 9) ---

[[noreturn]] void fail(const neuralisp::Status& status) {
  std::fprintf(stderr, "%s\n", status.message().c_str());
  std::exit(1);
}

neuralisp::FrameView bayer_view(cv::Mat& mosaic, neuralisp::BayerPattern pattern, int bits) {
  neuralisp::FrameView v;
  v.format = mosaic.depth() == CV_8U ? neuralisp::PixelFormat::kBayer8 : neuralisp::PixelFormat::kBayer16;
  v.width = mosaic.cols;
  v.height = mosaic.rows;
  v.planes[0] = mosaic.data;
  v.strides[0] = static_cast<std::ptrdiff_t>(mosaic.step);
  v.bayer = pattern;
  v.bayer_bits = bits;
  return v;
}

// The RGGB mosaic of an 8-bit RGB image (even size).
cv::Mat rggb_of(const cv::Mat& rgb) {
  cv::Mat mosaic(rgb.size(), CV_8UC1);
  for (int y = 0; y < rgb.rows; ++y)
    for (int x = 0; x < rgb.cols; ++x) mosaic.at<uchar>(y, x) = rgb.at<cv::Vec3b>(y, x)[(y % 2) + (x % 2)];
  return mosaic;
}

cv::Mat even_crop(const cv::Mat& img) { return img(cv::Rect(0, 0, img.cols / 2 * 2, img.rows / 2 * 2)).clone(); }

double psnr_border(const cv::Mat& a, const cv::Mat& b, int border = 5) {
  const cv::Rect inner(border, border, a.cols - 2 * border, a.rows - 2 * border);
  return psnr(a(inner), b(inner));
}

std::unique_ptr<neuralisp::RawRenderer> make_renderer(const std::string& path, const neuralisp::RawRenderParams& params) {
  std::unique_ptr<neuralisp::RawRenderer> renderer;
  neuralisp::RawRendererOptions options;
  options.model.path = path;
  neuralisp::Status status = neuralisp::RawRenderer::create(options, renderer);
  if (status.ok()) status = renderer->set_params(params);
  if (!status.ok()) fail(status);
  return renderer;
}

std::unique_ptr<neuralisp::RawSynthesizer> make_synthesizer(const std::string& path) {
  std::unique_ptr<neuralisp::RawSynthesizer> synthesizer;
  neuralisp::RawSynthesizerOptions options;
  options.model.path = path;
  const neuralisp::Status status = neuralisp::RawSynthesizer::create(options, synthesizer);
  if (!status.ok()) fail(status);
  return synthesizer;
}

cv::Mat render(neuralisp::RawRenderer& renderer, cv::Mat& mosaic, int bits) {
  cv::Mat out(mosaic.size(), CV_8UC3);
  renderer.reset();
  const neuralisp::Status status = renderer.process(bayer_view(mosaic, neuralisp::BayerPattern::kRGGB, bits), {view_of(out)});
  if (!status.ok()) fail(status);
  return out;
}

// OpenCV's names count the pattern from the second row and column: an RGGB sensor is "BG".
cv::Mat opencv_demosaic(const cv::Mat& mosaic, int code) {
  cv::Mat out;
  cv::cvtColor(mosaic, out, code);
  return out;
}

// Shot and read noise added to a 12-bit RGGB mosaic in linear units (the training's NERDS
// levels: read variance follows shot as log_read = 2.18 log_shot + 1.2).
cv::Mat add_raw_noise(const cv::Mat& mosaic12, double shot, int seed) {
  const double read = std::exp(2.18 * std::log(shot) + 1.2);
  cv::RNG rng(seed);
  cv::Mat out(mosaic12.size(), CV_16UC1);
  for (int y = 0; y < mosaic12.rows; ++y)
    for (int x = 0; x < mosaic12.cols; ++x) {
      const double v = mosaic12.at<ushort>(y, x) / 4095.0;
      const double noisy = v + rng.gaussian(std::sqrt(v * shot + read));
      out.at<ushort>(y, x) = static_cast<ushort>(std::clamp(noisy * 4095.0 + 0.5, 0.0, 4095.0));
    }
  return out;
}

int raw_quality(const std::string& raw2rgb, const std::string& rgb2raw, const std::string& datasets) {
  std::printf("== RAW quality: %s, %s (native bf16: %s)\n", raw2rgb.c_str(), rgb2raw.c_str(),
              neuralisp::cpu_has_native_bf16() ? "yes" : "no");
  std::vector<cv::Mat> images = read_rgb(list_images(datasets + "/val/mcmaster18"));
  for (cv::Mat& img : images) img = even_crop(img);
  const double n = images.size();

  // 1. Demosaicking clean sRGB mosaics (no colour processing: rendering=demosaic).
  neuralisp::RawRenderParams demosaic_only;
  demosaic_only.rendering = neuralisp::RawRendering::kDemosaic;
  auto demosaicker = make_renderer(raw2rgb, demosaic_only);
  double ours = 0, bilinear = 0, vng = 0, vng_aligned = 0, edge_aware = 0;
  for (const cv::Mat& img : images) {
    cv::Mat mosaic = rggb_of(img);
    ours += psnr_border(render(*demosaicker, mosaic, 8), img);
    bilinear += psnr_border(opencv_demosaic(mosaic, cv::COLOR_BayerBG2RGB), img);
    edge_aware += psnr_border(opencv_demosaic(mosaic, cv::COLOR_BayerBG2RGB_EA), img);
    const cv::Mat v = opencv_demosaic(mosaic, cv::COLOR_BayerBG2RGB_VNG);
    vng += psnr_border(v, img);
    // OpenCV 4.6's VNG output sits 2 rows off: also scored realigned, on the same inner window.
    vng_aligned += psnr(v(cv::Rect(5, 3, img.cols - 10, img.rows - 10)), img(cv::Rect(5, 5, img.cols - 10, img.rows - 10)));
  }
  {
    cv::Mat frame = videotestsrc_frames(640, 480, 1)[0], mosaic = rggb_of(frame);
    record("quality demosaic ispraw2rgb %.3f", ours / n);
    record("quality demosaic opencv-bilinear %.3f %.2f", bilinear / n,
           fps_at_640x480([&] { opencv_demosaic(mosaic, cv::COLOR_BayerBG2RGB); }));
    record("quality demosaic opencv-edge-aware %.3f %.2f", edge_aware / n,
           fps_at_640x480([&] { opencv_demosaic(mosaic, cv::COLOR_BayerBG2RGB_EA); }));
    record("quality demosaic opencv-vng %.3f %.2f", vng_aligned / n,
           fps_at_640x480([&] { opencv_demosaic(mosaic, cv::COLOR_BayerBG2RGB_VNG); }));
  }
  std::printf("  demosaic, clean sRGB mosaic (PSNR, 5-px border)\n");
  std::printf("    ispraw2rgb rendering=demosaic  %.2f dB\n", ours / n);
  std::printf("    OpenCV bilinear                %.2f dB\n", bilinear / n);
  std::printf("    OpenCV edge-aware              %.2f dB\n", edge_aware / n);
  std::printf("    OpenCV VNG                     %.2f dB as it comes, %.2f dB realigned by 2 rows\n", vng / n,
              vng_aligned / n);

  // 2 and 3: RAW made by the reverse ISP (its default camera, 12-bit RGGB), rendered back.
  auto synthesizer = make_synthesizer(rgb2raw);
  neuralisp::RawRenderParams camera;
  camera.white_balance = synthesizer->default_white_balance();
  camera.color_matrix = synthesizer->default_color_matrix();
  auto given = make_renderer(raw2rgb, camera);
  auto automatic = make_renderer(raw2rgb, {});
  auto denoiser = make_denoiser("fast", neuralisp::Precision::kAuto);
  neuralisp::ColorTransform isp;
  std::copy(camera.white_balance.begin(), camera.white_balance.end(), isp.gains.begin());
  isp.matrix.fill(0.0f);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) isp.matrix[10 * r + c] = camera.color_matrix[3 * r + c];
  isp.tone = neuralisp::camera_tone_curve();
  const double shots[] = {1e-3, 4e-3, 1e-2};
  double round_given = 0, round_auto = 0, noisy_ours[3] = {0, 0, 0}, noisy_classic[3] = {0, 0, 0};
  for (std::size_t i = 0; i < images.size(); ++i) {
    cv::Mat img = images[i].clone();
    cv::Mat raw(img.size(), CV_16UC1);
    neuralisp::Status status = synthesizer->process(view_of(img), {bayer_view(raw, neuralisp::BayerPattern::kRGGB, 12)});
    if (!status.ok()) fail(status);
    round_given += psnr_border(render(*given, raw, 12), images[i]);
    round_auto += psnr_border(render(*automatic, raw, 12), images[i]);
    for (int k = 0; k < 3; ++k) {
      cv::Mat noisy = add_raw_noise(raw, shots[k], static_cast<int>(i));
      noisy_ours[k] += psnr_border(render(*given, noisy, 12), images[i]);
      // The classical path: bilinear demosaic, the same camera transform and tone, ispdenoise.
      cv::Mat linear16 = opencv_demosaic(noisy, cv::COLOR_BayerBG2RGB), linear;
      linear16.convertTo(linear, CV_32FC3, 1.0 / 4095.0);
      const neuralisp::ImageView view{linear.ptr<float>(), linear.cols, linear.rows, 3, linear.cols * 3};
      status = neuralisp::apply_color_transform(isp, view, 1);
      if (!status.ok()) fail(status);
      cv::Mat rendered;
      linear.convertTo(rendered, CV_8UC3, 255.0);
      noisy_classic[k] += psnr_border(denoise(*denoiser, rendered, {-1.0f, 1.0f}), images[i]);
    }
  }
  std::printf("  joint denoise + demosaic, 12-bit RAW with shot + read noise, rendered with the camera given\n");
  for (int k = 0; k < 3; ++k)
    std::printf("    shot %.0e: ispraw2rgb %.2f dB | bilinear demosaic + ispdenoise fast (blind) %.2f dB\n", shots[k],
                noisy_ours[k] / n, noisy_classic[k] / n);
  std::printf("  round trip sRGB -> isprgb2raw (12-bit) -> ispraw2rgb: camera given %.2f dB, estimated %.2f dB\n",
              round_given / n, round_auto / n);
  return 0;
}

// Stock bayer2rgb's frames per second on the same 8-bit RGGB mosaics (appsrc ! bayer2rgb !
// fakesink), or a negative value when gst-plugins-bad is not installed.
double bayer2rgb_fps(const std::vector<cv::Mat>& mosaics, int frames) {
  GstElementFactory* factory = gst_element_factory_find("bayer2rgb");
  if (!factory) return -1.0;
  gst_object_unref(factory);
  const int width = mosaics[0].cols, height = mosaics[0].rows, stride = (width + 3) / 4 * 4;
  gchar* description = g_strdup_printf(
      "appsrc name=src format=time caps=video/x-bayer,format=rggb,width=%d,height=%d,framerate=30/1 ! bayer2rgb ! "
      "video/x-raw,format=RGBx ! fakesink sync=false", width, height);
  GstElement* pipeline = gst_parse_launch(description, nullptr);
  g_free(description);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<GstBuffer*> buffers;
  for (int i = 0; i < kWarmupFrames + frames; ++i) {
    const cv::Mat& m = mosaics[i % mosaics.size()];
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, static_cast<gsize>(stride) * height, nullptr);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    for (int y = 0; y < height; ++y) std::memcpy(map.data + y * stride, m.ptr(y), width);
    gst_buffer_unmap(buffer, &map);
    GST_BUFFER_PTS(buffer) = i * GST_SECOND / 30;
    buffers.push_back(buffer);
  }
  Clock::time_point start = Clock::now();
  for (int i = 0; i < kWarmupFrames + frames; ++i) {
    if (i == kWarmupFrames) start = Clock::now();
    gst_app_src_push_buffer(GST_APP_SRC(src), buffers[i]);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* message = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS);
  const double seconds = ms_since(start) / 1000.0;
  gst_message_unref(message);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(pipeline);
  return frames / seconds;
}

int raw_speed(const std::string& raw2rgb, const std::string& rgb2raw, int width, int height, int frames) {
  std::printf("== RAW %dx%d, %d frames, native bf16: %s\n", width, height, frames,
              neuralisp::cpu_has_native_bf16() ? "yes" : "no");
  const std::vector<cv::Mat> inputs = videotestsrc_frames(width, height, 8);
  auto renderer = make_renderer(raw2rgb, {});
  auto synthesizer = make_synthesizer(rgb2raw);
  std::vector<cv::Mat> mosaics;
  for (const cv::Mat& f : inputs) mosaics.push_back(rggb_of(f));
  cv::Mat rgbx(height, width, CV_8UC4), raw(height, width, CV_16UC1);
  Timings render_t, synth_t, bilinear_t;
  for (int i = 0; i < kWarmupFrames + frames; ++i) {
    cv::Mat& mosaic = mosaics[i % mosaics.size()];
    cv::Mat frame = inputs[i % inputs.size()];
    neuralisp::FrameView out = view_of(rgbx);
    out.format = neuralisp::PixelFormat::kRGBx;
    auto t = Clock::now();
    neuralisp::Status status = renderer->process(bayer_view(mosaic, neuralisp::BayerPattern::kRGGB, 8), {out});
    const double render_ms = ms_since(t);
    t = Clock::now();
    if (status.ok()) status = synthesizer->process(view_of(frame), {bayer_view(raw, neuralisp::BayerPattern::kRGGB, 12)});
    const double synth_ms = ms_since(t);
    if (!status.ok()) fail(status);
    t = Clock::now();
    cv::Mat bilinear = opencv_demosaic(mosaic, cv::COLOR_BayerBG2RGB);
    const double bilinear_ms = ms_since(t);
    if (i < kWarmupFrames) continue;
    render_t.ms.push_back(render_ms);
    synth_t.ms.push_back(synth_ms);
    bilinear_t.ms.push_back(bilinear_ms);
  }
  record("speed ispraw2rgb %d %d %.2f", width, height, 1000.0 / render_t.p50());
  record("speed isprgb2raw %d %d %.2f", width, height, 1000.0 / synth_t.p50());
  render_t.report("ispraw2rgb (RGGB 8-bit -> RGBx):");
  std::printf("  %-38s %.1f fps\n", "", 1000.0 / render_t.p50());
  synth_t.report("isprgb2raw (RGB -> RGGB 12-bit):");
  std::printf("  %-38s %.1f fps\n", "", 1000.0 / synth_t.p50());
  bilinear_t.report("OpenCV bilinear demosaic:");
  const double stock = bayer2rgb_fps(mosaics, frames);
  if (stock > 0)
    std::printf("  %-38s %.1f fps (appsrc ! bayer2rgb ! fakesink)\n", "stock bayer2rgb (RGGB 8-bit -> RGBx):", stock);
  else
    std::printf("  stock bayer2rgb: not installed (gst-plugins-bad)\n");
  std::printf("  peak RSS %.0f MB\n", peak_rss_mb());
  return 0;
}

// --- ispenhance (issue 10) ---

std::unique_ptr<neuralisp::Enhancer> make_enhancer(const std::string& path, const neuralisp::EnhanceParams& params) {
  std::unique_ptr<neuralisp::Enhancer> enhancer;
  neuralisp::EnhancerOptions options;
  options.model.path = path;
  neuralisp::Status status = neuralisp::Enhancer::create(options, enhancer);
  if (status.ok()) status = enhancer->set_params(params);
  if (!status.ok()) fail(status);
  return enhancer;
}

cv::Mat enhance(neuralisp::Enhancer& enhancer, cv::Mat& rgb) {
  cv::Mat out(rgb.size(), CV_8UC3);
  neuralisp::FrameView o = view_of(out);
  const neuralisp::Status status = enhancer.process(view_of(rgb), {o});
  if (!status.ok()) fail(status);
  return out;
}

cv::Mat to_unit(const cv::Mat& rgb8) {
  cv::Mat f;
  rgb8.convertTo(f, CV_32FC3, 1.0 / 255.0);
  return f;
}

cv::Mat to_bytes(const cv::Mat& unit) {
  cv::Mat b;
  unit.convertTo(b, CV_8UC3, 255.0);
  return b;
}

float srgb_to_linear(float v) { return v <= 0.04045f ? v / 12.92f : std::pow((v + 0.055f) / 1.055f, 2.4f); }
float linear_to_srgb(float v) {
  v = std::clamp(v, 0.0f, 1.0f);
  return v <= 0.0031308f ? v * 12.92f : 1.055f * std::pow(v, 1.0f / 2.4f) - 0.055f;
}
float luma(const cv::Vec3f& p) { return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]; }

double mean_luma(const cv::Mat& unit) {
  double sum = 0.0;
  for (auto it = unit.begin<cv::Vec3f>(); it != unit.end<cv::Vec3f>(); ++it) sum += luma(*it);
  return sum / unit.total();
}

// models/enhance/style.py's pivot_contrast.
float pivot_contrast(float x, float pivot, float power) {
  x = std::clamp(x, 0.0f, 1.0f);
  return x < pivot ? pivot * std::pow(x / pivot, power) : 1.0f - (1.0f - pivot) * std::pow((1.0f - x) / (1.0f - pivot), power);
}

// models/enhance/style.py's misrender with this benchmark's own seeded draws: exposure +-2 EV and
// a colour cast in linear light, a flat or harsh tone, faded colour, sometimes a veil.
cv::Mat misrender(const cv::Mat& clean_rgb8, unsigned seed) {
  std::mt19937 rng(seed);
  const auto uniform = [&rng](float low, float high) { return std::uniform_real_distribution<float>(low, high)(rng); };
  const float exposure = std::pow(2.0f, uniform(-2.0f, 2.0f));
  const float red = std::exp(uniform(-0.45f, 0.45f)), blue = std::exp(uniform(-0.45f, 0.45f));
  const float power = std::pow(2.0f, uniform(-1.0f, 0.6f)), chroma = uniform(0.45f, 1.15f);
  const float lift = uniform(0.0f, 1.0f) < 0.3f ? uniform(0.0f, 0.08f) : 0.0f;
  cv::Mat x = to_unit(clean_rgb8);
  const float cast[3] = {red, 1.0f, blue};
  for (auto it = x.begin<cv::Vec3f>(); it != x.end<cv::Vec3f>(); ++it)
    for (int c = 0; c < 3; ++c) (*it)[c] = linear_to_srgb(srgb_to_linear((*it)[c]) * exposure * cast[c]);
  const float pivot = std::clamp(static_cast<float>(mean_luma(x)), 0.15f, 0.85f);
  for (auto it = x.begin<cv::Vec3f>(); it != x.end<cv::Vec3f>(); ++it) {
    cv::Vec3f& p = *it;
    for (int c = 0; c < 3; ++c) p[c] = pivot_contrast(p[c], pivot, power);
    const float y = luma(p);
    for (int c = 0; c < 3; ++c) p[c] = std::clamp(lift + (1.0f - lift) * (y + (p[c] - y) * chroma), 0.0f, 1.0f);
  }
  return to_bytes(x);
}

// Grey world: each channel scaled so that its mean is the mean of all three.
cv::Mat grey_world(const cv::Mat& rgb8) {
  const cv::Scalar m = cv::mean(rgb8);
  const double grey = (m[0] + m[1] + m[2]) / 3.0;
  std::vector<cv::Mat> channels;
  cv::split(rgb8, channels);
  for (int c = 0; c < 3; ++c) channels[c].convertTo(channels[c], CV_8U, grey / std::max(m[c], 1.0));
  cv::Mat out;
  cv::merge(channels, out);
  return out;
}

// The classical baseline: grey world, then luminance equalised (globally or with CLAHE).
cv::Mat grey_world_and_equalised(const cv::Mat& rgb8, bool clahe) {
  cv::Mat ycrcb;
  cv::cvtColor(grey_world(rgb8), ycrcb, cv::COLOR_RGB2YCrCb);
  std::vector<cv::Mat> channels;
  cv::split(ycrcb, channels);
  if (clahe)
    cv::createCLAHE(2.0, cv::Size(8, 8))->apply(channels[0], channels[0]);
  else
    cv::equalizeHist(channels[0], channels[0]);
  cv::merge(channels, ycrcb);
  cv::Mat out;
  cv::cvtColor(ycrcb, out, cv::COLOR_YCrCb2RGB);
  return out;
}

std::vector<cv::Mat> validation_photos(const std::string& datasets) {
  std::vector<cv::Mat> photos;
  for (const char* folder : {"mcmaster18", "set14", "set5"})
    for (cv::Mat& img : read_rgb(list_images(datasets + "/val/" + folder))) {
      const double scale = 512.0 / std::max(img.cols, img.rows);
      if (scale < 1.0) cv::resize(img, img, cv::Size(), scale, scale, cv::INTER_AREA);
      photos.push_back(img);
    }
  return photos;
}

double mean_chroma(const cv::Mat& rgb8) {
  double sum = 0.0;
  for (auto it = rgb8.begin<cv::Vec3b>(); it != rgb8.end<cv::Vec3b>(); ++it)
    sum += std::max({(*it)[0], (*it)[1], (*it)[2]}) - std::min({(*it)[0], (*it)[1], (*it)[2]});
  return sum / rgb8.total();
}

// Auto correction of mis-rendered val photos against the classical baselines, and what each
// preset does to mean luminance, chroma and red/blue balance.
int enhance_quality(const std::string& path, const std::string& datasets) {
  const std::vector<cv::Mat> photos = validation_photos(datasets);
  if (photos.empty()) {
    std::fprintf(stderr, "no validation photos under %s/val\n", datasets.c_str());
    return 1;
  }
  neuralisp::EnhanceParams params;
  params.smoothing_seconds = 0.0f;  // photos, not a stream
  auto enhancer = make_enhancer(path, params);
  std::printf("== enhance quality: %zu val photos (mcmaster18, set14, set5; <= 512 px), mis-rendered with seeded draws\n",
              photos.size());
  double input = 0, natural = 0, histeq = 0, clahe = 0, input_ssim = 0, natural_ssim = 0;
  for (std::size_t i = 0; i < photos.size(); ++i) {
    cv::Mat bad = misrender(photos[i], static_cast<unsigned>(i));
    const cv::Mat corrected = enhance(*enhancer, bad);
    input += psnr(bad, photos[i]);
    natural += psnr(corrected, photos[i]);
    input_ssim += ssim(bad, photos[i]);
    natural_ssim += ssim(corrected, photos[i]);
    histeq += psnr(grey_world_and_equalised(bad, false), photos[i]);
    clahe += psnr(grey_world_and_equalised(bad, true), photos[i]);
  }
  const double n = static_cast<double>(photos.size());
  std::printf("  %-44s %.2f dB  SSIM %.4f\n", "mis-rendered input:", input / n, input_ssim / n);
  std::printf("  %-44s %.2f dB  SSIM %.4f  (%+.2f dB)\n", "ispenhance style=natural:", natural / n, natural_ssim / n,
              (natural - input) / n);
  std::printf("  %-44s %.2f dB  (%+.2f dB)\n", "grey world + histogram equalisation:", histeq / n, (histeq - input) / n);
  std::printf("  %-44s %.2f dB  (%+.2f dB)\n", "grey world + CLAHE:", clahe / n, (clahe - input) / n);
  {
    const cv::Mat frame = videotestsrc_frames(640, 480, 1)[0];
    record("quality enhance ispenhance %.3f", natural / n);
    record("quality enhance greyworld-histeq %.3f %.2f", histeq / n,
           fps_at_640x480([&] { grey_world_and_equalised(frame, false); }));
    record("quality enhance greyworld-clahe %.3f %.2f", clahe / n,
           fps_at_640x480([&] { grey_world_and_equalised(frame, true); }));
    record("quality enhance input %.3f 0", input / n);
  }

  std::printf("  presets on the clean photos (mean over photos; input: luminance, chroma, R-B):\n");
  double base_luma = 0, base_chroma = 0, base_rb = 0;
  for (const cv::Mat& p : photos) {
    const cv::Scalar m = cv::mean(p);
    base_luma += mean_luma(to_unit(p)) * 255.0;
    base_chroma += mean_chroma(p);
    base_rb += m[0] - m[2];
  }
  std::printf("    %-10s luminance %6.1f  chroma %5.1f  R-B %+6.1f\n", "input", base_luma / n, base_chroma / n, base_rb / n);
  const std::pair<const char*, neuralisp::EnhancePreset> presets[] = {
      {"natural", neuralisp::EnhancePreset::kNatural}, {"vivid", neuralisp::EnhancePreset::kVivid},
      {"warm", neuralisp::EnhancePreset::kWarm},       {"cool", neuralisp::EnhancePreset::kCool},
      {"low-light", neuralisp::EnhancePreset::kLowLight}, {"film", neuralisp::EnhancePreset::kFilm},
      {"mono", neuralisp::EnhancePreset::kMono}};
  for (const auto& [name, preset] : presets) {
    params.style = neuralisp::enhance_preset_style(preset);
    if (!enhancer->set_params(params).ok()) return 1;
    double l = 0, c = 0, rb = 0;
    for (cv::Mat p : photos) {
      const cv::Mat out = enhance(*enhancer, p);
      const cv::Scalar m = cv::mean(out);
      l += mean_luma(to_unit(out)) * 255.0;
      c += mean_chroma(out);
      rb += m[0] - m[2];
    }
    std::printf("    %-10s luminance %6.1f  chroma %5.1f  R-B %+6.1f\n", name, l / n, c / n, rb / n);
  }
  return 0;
}

double mean_abs_change(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d;
  cv::absdiff(a, b, d);
  const cv::Scalar m = cv::mean(d);
  return (m[0] + m[1] + m[2]) / 3.0;
}

// A PNG of the step response: the scene's mean luminance (grey) and the output's (blue) per frame,
// with the step and the smoothing time marked.
void plot_step(const std::vector<double>& scene, const std::vector<double>& output, int step_frame, double fps,
               double smoothing_seconds, const std::string& png) {
  const int width = 900, height = 420, margin = 50;
  cv::Mat canvas(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto px = [&](std::size_t i) { return margin + static_cast<int>((width - 2 * margin) * i / (scene.size() - 1.0)); };
  const auto py = [&](double v) { return height - margin - static_cast<int>((height - 2 * margin) * v / 255.0); };
  cv::rectangle(canvas, {margin, margin}, {width - margin, height - margin}, cv::Scalar(0, 0, 0));
  for (int level = 0; level <= 255; level += 50) {
    cv::line(canvas, {margin, py(level)}, {width - margin, py(level)}, cv::Scalar(225, 225, 225));
    cv::putText(canvas, std::to_string(level), {8, py(level) + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0));
  }
  const int settle = step_frame + static_cast<int>(std::lround(smoothing_seconds * fps));
  for (int marker : {step_frame, settle})
    if (marker < static_cast<int>(scene.size()))
      cv::line(canvas, {px(marker), margin}, {px(marker), height - margin}, cv::Scalar(0, 140, 255));
  for (std::size_t i = 1; i < scene.size(); ++i) {
    cv::line(canvas, {px(i - 1), py(scene[i - 1])}, {px(i), py(scene[i])}, cv::Scalar(140, 140, 140), 2);
    cv::line(canvas, {px(i - 1), py(output[i - 1])}, {px(i), py(output[i])}, cv::Scalar(200, 80, 0), 2);
  }
  char title[160];
  std::snprintf(title, sizeof title, "ispenhance step response: mean luminance per frame (%.0f fps; orange: step, step + %.1f s)",
                fps, smoothing_seconds);
  cv::putText(canvas, title, {margin, 30}, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(0, 0, 0));
  cv::putText(canvas, "grey: input   blue: output", {margin, height - 15}, cv::FONT_HERSHEY_SIMPLEX, 0.45,
              cv::Scalar(0, 0, 0));
  cv::imwrite(png, canvas);  // canvas colours are BGR, as imwrite expects
}

// Frame-to-frame change of the output against the input's on the real clips, and the response to
// a step change of light (a photo dimmed 1.5 EV, then brightened 1.5 EV) with its PNG plot.
int enhance_temporal(const std::string& path, const std::string& datasets, const std::string& png) {
  neuralisp::EnhanceParams params;  // natural, smoothing 0.5 s: the element's defaults
  auto enhancer = make_enhancer(path, params);
  std::printf("== enhance temporal stability (style=natural, temporal-smoothing=%.1f s)\n", params.smoothing_seconds);
  for (const std::string& file : video_clips(datasets)) {
    Clip clip = pull_rgb_frames("filesrc location=\"" + file + "\" ! decodebin", 300);
    if (clip.frames.size() < 2) {
      std::printf("  %-36s not decoded (needs gstreamer1.0-libav for H.264)\n", std::filesystem::path(file).filename().c_str());
      continue;
    }
    enhancer->reset();
    double in_change = 0.0, out_change = 0.0, ev_change = 0.0, gain_change = 0.0;
    cv::Mat previous;
    std::map<std::string, double> last;
    for (std::size_t i = 0; i < clip.frames.size(); ++i) {
      enhancer->set_frame_time(clip.seconds[i]);
      cv::Mat out = enhance(*enhancer, clip.frames[i]);
      std::map<std::string, double> now;
      for (const auto& [key, value] : enhancer->statistics()) now[key] = value;
      if (i > 0) {
        in_change += mean_abs_change(clip.frames[i], clip.frames[i - 1]);
        out_change += mean_abs_change(out, previous);
        ev_change += std::abs(now["exposure-ev"] - last["exposure-ev"]);
        gain_change += 0.5 * (std::abs(now["red-gain"] - last["red-gain"]) + std::abs(now["blue-gain"] - last["blue-gain"]));
      }
      previous = out;
      last = now;
    }
    const double n = clip.frames.size() - 1.0;
    std::printf("  %-32s %3zu frames %4dx%-4d |frame change| input %5.2f output %5.2f (%s); per frame: "
                "|d exposure| %.4f EV, |d gain| %.4f\n",
                std::filesystem::path(file).filename().c_str(), clip.frames.size(), clip.frames[0].cols,
                clip.frames[0].rows, in_change / n, out_change / n, out_change <= in_change ? "not larger" : "LARGER",
                ev_change / n, gain_change / n);
  }

  // Step response on a photo: 1 s dim, then 3 s bright, at 30 fps.
  const std::vector<cv::Mat> photos = read_rgb(list_images(datasets + "/val/mcmaster18"));
  if (photos.empty()) return 1;
  const auto exposed = [&](double ev) {
    cv::Mat x = to_unit(photos[0]);
    const float gain = static_cast<float>(std::pow(2.0, ev));
    for (auto it = x.begin<cv::Vec3f>(); it != x.end<cv::Vec3f>(); ++it)
      for (int c = 0; c < 3; ++c) (*it)[c] = linear_to_srgb(srgb_to_linear((*it)[c]) * gain);
    return to_bytes(x);
  };
  cv::Mat dim = exposed(-1.5), bright = exposed(1.5);
  const double fps = 30.0;
  const int step = 30, frames = 120;
  std::vector<double> scene, output;
  enhancer->reset();
  for (int i = 0; i < frames; ++i) {
    cv::Mat& in = i < step ? dim : bright;
    enhancer->set_frame_time(i / fps);
    const cv::Mat out = enhance(*enhancer, in);
    scene.push_back(mean_luma(to_unit(in)) * 255.0);
    output.push_back(mean_luma(to_unit(out)) * 255.0);
  }
  const double before = output[step - 1], after = output.back();
  // Settled: within 5% of the step of light (the input's change of mean luminance) of the output's
  // final level, and staying there. (Auto exposure may leave the output's level nearly where it
  // was, so the output's own change is no scale for it.)
  const double band = 0.05 * std::abs(scene.back() - scene[step - 1]);
  int settled = frames - 1;
  while (settled > step && std::abs(output[settled - 1] - after) <= band) --settled;
  double overshoot = 0.0;  // beyond the final level, on the far side from where the response comes from
  const double direction = output[step] >= after ? -1.0 : 1.0;
  for (int i = step; i < frames; ++i) overshoot = std::max(overshoot, direction * (output[i] - after));
  std::printf("  step of light (+3 EV at frame %d): output mean luminance %.1f -> %.1f (input %.1f -> %.1f); first frame "
              "after the step %.1f\n", step, before, after, scene[step - 1], scene.back(), output[step]);
  std::printf("  settled within 5%% of the step after %.2f s (temporal-smoothing %.2f s); overshoot past the final level %.2f\n",
              (settled - step) / fps, params.smoothing_seconds, overshoot);
  plot_step(scene, output, step, fps, params.smoothing_seconds, png);
  std::printf("  plot: %s\n", png.c_str());
  return 0;
}

int enhance_speed(const std::string& path, int width, int height, int frames) {
  std::printf("== enhancer %s %dx%d, %d frames, native bf16: %s\n", path.c_str(), width, height, frames,
              neuralisp::cpu_has_native_bf16() ? "yes" : "no");
  auto enhancer = make_enhancer(path, {});
  const std::vector<cv::Mat> inputs = videotestsrc_frames(width, height, 8);
  cv::Mat out(height, width, CV_8UC3);
  Timings total;
  std::map<std::string, Timings> stages;
  for (int i = 0; i < kWarmupFrames + frames; ++i) {
    cv::Mat frame = inputs[i % inputs.size()];
    neuralisp::FrameView o = view_of(out);
    enhancer->set_frame_time(i / 30.0);
    const auto t = Clock::now();
    const neuralisp::Status status = enhancer->process(view_of(frame), {o});
    if (!status.ok()) fail(status);
    if (i < kWarmupFrames) continue;
    total.ms.push_back(ms_since(t));
    for (const auto& [key, value] : enhancer->statistics())
      if (key.size() > 3 && key.compare(key.size() - 3, 3, "-ms") == 0) stages[key].ms.push_back(value);
  }
  total.report("RGB in, RGB out:");
  std::printf("  %-38s", "");
  for (const auto& [key, t] : stages) std::printf(" %s %.2f", key.c_str(), t.p50());
  std::printf("\n  %-38s %.1f fps (library, p50); peak RSS %.0f MB\n", "", 1000.0 / total.p50(), peak_rss_mb());
  record("speed ispenhance %d %d %.2f", width, height, 1000.0 / total.p50());
  return 0;
}
}  // namespace

// One output against three from one trunk pass (issue 8: three must cost < 1.6x one).
int restore_speed(const std::string& path, int width, int height, int frames) {
  std::printf("== restorer %s %dx%d RGB, %d frames, native bf16: %s\n", path.c_str(), width, height, frames,
              neuralisp::cpu_has_native_bf16() ? "yes" : "no");
  std::unique_ptr<neuralisp::Restorer> restorer;
  neuralisp::RestorerOptions options;
  options.model.path = path;
  neuralisp::Status status = neuralisp::Restorer::create(options, restorer);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return 1;
  }
  const std::vector<cv::Mat> inputs = videotestsrc_frames(width, height, 8);
  std::vector<cv::Mat> outs;
  for (int i = 0; i < 3; ++i) outs.emplace_back(height, width, CV_8UC3);
  const std::vector<neuralisp::RestoreTask> tasks{{0.5f, 0.5f, 0.5f}, {0.2f, 0.8f, 0.0f}, {1.0f, 0.0f, 0.6f}};
  double mean[2] = {0.0, 0.0};
  for (int k = 0; k < 2; ++k) {
    const std::size_t count = k == 0 ? 1 : 3;
    status = restorer->set_tasks(std::vector<neuralisp::RestoreTask>(tasks.begin(), tasks.begin() + count));
    std::vector<neuralisp::FrameView> views;
    for (std::size_t i = 0; i < count; ++i) views.push_back(view_of(outs[i]));
    Timings timings, convert_in, estimate, estimate_runs, trunk, heads, convert_out;
    for (int i = 0; status.ok() && i < kWarmupFrames + frames; ++i) {
      cv::Mat frame = inputs[i % inputs.size()];
      const auto t = Clock::now();
      status = restorer->process(view_of(frame), views);
      if (i < kWarmupFrames) continue;
      timings.ms.push_back(ms_since(t));
      for (const auto& [key, value] : restorer->statistics()) {
        if (key == "convert-in-ms") convert_in.ms.push_back(value);
        if (key == "estimate-ms") estimate.ms.push_back(value);
        if (key == "estimate-ms" && value > 0.0) estimate_runs.ms.push_back(value);
        if (key == "trunk-ms") trunk.ms.push_back(value);
        if (key == "heads-ms") heads.ms.push_back(value);
        if (key == "convert-out-ms") convert_out.ms.push_back(value);
      }
    }
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.message().c_str());
      return 1;
    }
    char label[64];
    std::snprintf(label, sizeof label, "%zu output%s:", count, count > 1 ? "s" : "");
    timings.report(label);
    // Means: the estimate runs on every eighth frame only (its mean where it runs in brackets).
    std::printf("  %-38s convert %.2f + estimate %.2f (%.2f) + trunk %.2f + heads %.2f + convert %.2f ms (means)\n", "",
                convert_in.mean(), estimate.mean(), estimate_runs.ms.empty() ? 0.0 : estimate_runs.mean(), trunk.mean(),
                heads.mean(), convert_out.mean());
    mean[k] = timings.mean();
  }
  // From the mean frame time, not the median: the level estimate runs on every eighth frame, so
  // frame times have two modes.
  std::printf("  %-38s %.2fx one output (mean); one output %.1f fps\n", "three outputs cost:", mean[1] / mean[0],
              1000.0 / mean[0]);
  record("speed isprestore %d %d %.2f", width, height, 1000.0 / mean[0]);
  return 0;
}

// Draws the figures recorded in `figures` (see record()) as OUTDIR/speed.png (fps against frame
// size per element) and OUTDIR/quality-vs-speed.png (PSNR against fps at 640x480 per task, the
// classical baselines as points beside the elements).
int plot(const std::string& figures, const std::string& outdir) {
  std::ifstream in(figures);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", figures.c_str());
    return 1;
  }
  std::map<std::string, std::map<double, double>> speeds;  // element -> megapixels -> fps
  struct Method {
    std::string name;
    double psnr, fps;  // fps < 0: the element's own, from its speed at 640x480; 0: none (the input)
  };
  std::map<std::string, std::vector<Method>> qualities;  // task -> methods
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string kind, name;
    fields >> kind;
    if (kind == "speed") {
      int w = 0, h = 0;
      double fps = 0;
      if (fields >> name >> w >> h >> fps) speeds[name][w * h / 1e6] = fps;
    } else if (kind == "quality") {
      std::string task;
      double psnr = 0, fps = -1;
      if (fields >> task >> name >> psnr) {
        fields >> fps;
        auto& methods = qualities[task];
        methods.erase(std::remove_if(methods.begin(), methods.end(), [&](const Method& m) { return m.name == name; }),
                      methods.end());
        methods.push_back({name, psnr, fps});
      }
    }
  }
  const cv::Scalar ours[] = {{200, 80, 0}, {40, 140, 40}, {0, 120, 230}, {160, 40, 160}, {30, 30, 200}, {140, 140, 0}};
  const cv::Scalar baseline(120, 120, 120);

  cv::Mat speed(560, 900, CV_8UC3, cv::Scalar(255, 255, 255));
  Chart chart(speed, {0, 0, 900, 560}, {0.2, 2.2, false, "megapixels per frame (640x480, 1280x720, 1920x1080)"},
              {5, 3000, true, "fps"}, "neuralisp elements on this machine's CPU (bf16 where native; p50)");
  chart.level(30, cv::Scalar(0, 0, 200), "30 fps");
  int colour = 0;
  for (const auto& [element, points] : speeds) {
    std::vector<std::pair<double, double>> line(points.begin(), points.end());
    chart.line(line, ours[colour++ % 6], element);
  }
  const std::string speed_png = outdir + "/speed.png";
  cv::imwrite(speed_png, speed);

  cv::Mat quality(900, 1200, CV_8UC3, cv::Scalar(255, 255, 255));
  const std::pair<std::string, std::string> panels[] = {
      {"denoise", "denoise: McMaster AWGN sigma 25, blind"},
      {"restore", "restore: McMaster blur 2 -> noise 25 -> JPEG 40, exact task"},
      {"demosaic", "demosaic: McMaster clean mosaics, 5-px border"},
      {"enhance", "enhance: mis-rendered val photos, style natural"}};
  int panel = 0;
  for (const auto& [task, title] : panels) {
    if (!qualities.count(task)) continue;
    const std::vector<Method>& methods = qualities.at(task);
    double lo = 1e9, hi = -1e9;
    for (const Method& m : methods) lo = std::min(lo, m.psnr), hi = std::max(hi, m.psnr);
    const cv::Rect area((panel % 2) * 600, (panel / 2) * 450, 600, 450);
    Chart c(quality, area, {1, 5000, true, "fps at 640x480"}, {std::floor(lo - 0.5), std::ceil(hi + 0.5), false, "PSNR dB"},
            title);
    for (const Method& m : methods) {
      if (m.fps == 0) {
        c.level(m.psnr, baseline, m.name);
        continue;
      }
      const std::string element = m.name.substr(0, m.name.find("-blind"));
      double fps = m.fps;
      if (fps < 0 && speeds.count(element) && speeds.at(element).count(640 * 480 / 1e6))
        fps = speeds.at(element).at(640 * 480 / 1e6);
      if (fps > 0) c.point(fps, m.psnr, m.fps < 0 ? ours[0] : baseline, m.name);
    }
    ++panel;
  }
  const std::string quality_png = outdir + "/quality-vs-speed.png";
  cv::imwrite(quality_png, quality);
  std::printf("plots: %s, %s\n", speed_png.c_str(), quality_png.c_str());
  return 0;
}

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "speed" && argc >= 5)
    return speed(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argc > 5 ? std::atoi(argv[5]) : 100);
  if (mode == "speed-ab" && argc >= 6)
    return speed_ab(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]), argc > 6 ? std::max(1, std::atoi(argv[6])) : 5);
  if (mode == "quality" && argc >= 4) return quality(argv[2], argv[3]);
  if (mode == "temporal" && argc >= 5) return temporal(argv[2], argv[3], argv[4]);
  if (mode == "real-noise" && argc >= 5) return real_noise(argv[2], argv[3], argv[4]);
  if (mode == "restore-quality" && argc >= 4) return restore_quality(argv[2], argv[3]);
  if (mode == "raw-quality" && argc >= 5) return raw_quality(argv[2], argv[3], argv[4]);
  if (mode == "raw-speed" && argc >= 6)
    return raw_speed(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]), argc > 6 ? std::atoi(argv[6]) : 50);
  if (mode == "enhance-quality" && argc >= 4) return enhance_quality(argv[2], argv[3]);
  if (mode == "enhance-temporal" && argc >= 5) return enhance_temporal(argv[2], argv[3], argv[4]);
  if (mode == "enhance-speed" && argc >= 5)
    return enhance_speed(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argc > 5 ? std::atoi(argv[5]) : 50);
  if (mode == "plot" && argc >= 4) return plot(argv[2], argv[3]);
  if (mode == "restore-speed" && argc >= 5)
    return restore_speed(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argc > 5 ? std::atoi(argv[5]) : 50);
  std::fprintf(stderr,
               "usage: %s speed MODEL WIDTH HEIGHT [FRAMES] | quality MODEL DATASETS_DIR | "
               "restore-speed MODEL_FILE WIDTH HEIGHT [FRAMES]\n"
               "       speed-ab MODEL_FILE_A MODEL_FILE_B WIDTH HEIGHT [ROUNDS]\n"
               "       temporal MODEL DATASETS_DIR OUTDIR | real-noise MODEL DATASETS_DIR OUTDIR\n"
               "       %s restore-quality MODEL_FILE DATASETS_DIR | raw-quality RAW2RGB RGB2RAW DATASETS_DIR |\n"
               "       raw-speed RAW2RGB RGB2RAW WIDTH HEIGHT [FRAMES] | enhance-speed MODEL_FILE WIDTH HEIGHT [FRAMES]\n"
               "       %s enhance-quality MODEL_FILE DATASETS_DIR | enhance-temporal MODEL_FILE DATASETS_DIR PLOT_PNG\n"
               "       plot FIGURES_FILE OUTDIR (the figures the commands append to $NEURALISP_FIGURES)\n",
               argv[0], argv[0], argv[0]);
  return 2;
}
