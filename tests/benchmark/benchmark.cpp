/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp benchmark: prints figures, asserts nothing (see tests/benchmark/run.sh).
 *
 *   neuralisp-benchmark speed MODEL WIDTH HEIGHT [FRAMES]
 *       ispdenoise in a real pipeline (appsrc ! ispdenoise ! fakesink sync=false) and the same
 *       frames through libneuralisp alone: fps, CPU time per frame, element overhead, frame-time
 *       min/median/max, peak RSS; and OpenCV's fastNlMeansDenoisingColored on the same frames.
 *   neuralisp-benchmark quality MODEL DATASETS_DIR
 *       PSNR on val/mcmaster18 with AWGN seeded per image (sigma 15, 25, 50; blind and with the
 *       true sigma) and on real-noise/sidd-pairs, beside a bilateral filter tuned on the same
 *       images (the best of OpenCV's classical filters here) in the same run.
 */
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <neuralisp/degrader.h>
#include <neuralisp/denoiser.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kPhoto = "/usr/share/backgrounds/mate/nature/LadyBird.jpg";

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

struct Timings {
  std::vector<double> ms;
  void report(const char* label) {
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    double mean = 0.0;
    for (double v : s) mean += v / s.size();
    std::printf("  %-34s mean %7.2f ms  min %7.2f  median %7.2f  max %7.2f  (%zu frames)\n", label, mean, s.front(),
                s[s.size() / 2], s.back(), s.size());
  }
  double median() const {
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    return s[s.size() / 2];
  }
};

constexpr int kWarmupFrames = 5;  // the first frames warm oneDNN's caches

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

// Noisy frames of the photo: a window panned across it, camera noise at a mid level.
std::vector<cv::Mat> make_frames(int width, int height, int count) {
  cv::Mat photo = cv::imread(kPhoto, cv::IMREAD_COLOR);
  if (photo.empty()) {
    std::fprintf(stderr, "cannot read %s (install mate-backgrounds)\n", kPhoto);
    std::exit(1);
  }
  cv::cvtColor(photo, photo, cv::COLOR_BGR2RGB);
  const double scale = 1.25 * std::max(double(width) / photo.cols, double(height) / photo.rows);
  cv::resize(photo, photo, cv::Size(), scale, scale, cv::INTER_AREA);
  neuralisp::Degrader degrader;
  neuralisp::DegradeParams noise;
  noise.camera_noise = 0.5f;
  noise.noise = 5.0f;
  std::vector<cv::Mat> frames;
  for (int i = 0; i < count; ++i) {
    const int x = (photo.cols - width) * i / std::max(count - 1, 1), y = (photo.rows - height) * i / std::max(count - 1, 1);
    cv::Mat clean = photo(cv::Rect(x, y, width, height)).clone(), noisy(height, width, CV_8UC3);
    neuralisp::FrameView in = view_of(clean), out = view_of(noisy);
    degrader.process(in, out, noise, i);
    frames.push_back(noisy);
  }
  return frames;
}

int speed(const std::string& model, int width, int height, int frames) {
  std::printf("== ispdenoise model=%s %dx%d RGB, %d frames, %u cores\n", model.c_str(), width, height, frames,
              g_get_num_processors());
  const std::vector<cv::Mat> inputs = make_frames(width, height, 8);

  // 1. The library alone.
  std::unique_ptr<neuralisp::Denoiser> denoiser;
  neuralisp::DenoiserOptions options;
  options.model.path = model_file(model);
  const neuralisp::Status status = neuralisp::Denoiser::create(options, denoiser);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return 1;
  }
  cv::Mat out(height, width, CV_8UC3);
  Timings library;
  for (int i = 0; i < kWarmupFrames + frames; ++i) {
    cv::Mat in = inputs[i % inputs.size()];
    const auto t = Clock::now();
    denoiser->process(view_of(in), view_of(out), {});
    if (i >= kWarmupFrames) library.ms.push_back(ms_since(t));
  }
  denoiser.reset();
  library.report("libneuralisp alone:");

  // 2. The element in a real pipeline, fed the same frames.
  gchar* description = g_strdup_printf(
      "appsrc name=src format=time block=true max-buffers=3 caps=video/x-raw,format=RGB,width=%d,height=%d,"
      "framerate=30/1 ! ispdenoise name=denoise model=%s ! fakesink sync=false", width, height, model.c_str());
  GstElement* pipeline = gst_parse_launch(description, nullptr);
  g_free(description);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  // Per-frame time inside the element: from its sink pad to its src pad, in the streaming thread.
  ElementClock element_clock;
  GstElement* denoise = gst_bin_get_by_name(GST_BIN(pipeline), "denoise");
  GstPad* sink_pad = gst_element_get_static_pad(denoise, "sink");
  GstPad* src_pad = gst_element_get_static_pad(denoise, "src");
  gst_pad_add_probe(sink_pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer_in, &element_clock, nullptr);
  gst_pad_add_probe(src_pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer_out, &element_clock, nullptr);
  gst_object_unref(sink_pad);
  gst_object_unref(src_pad);
  gst_object_unref(denoise);
  std::vector<GstBuffer*> buffers;
  for (const cv::Mat& m : inputs) {
    GstBuffer* b = gst_buffer_new_allocate(nullptr, width * height * 3, nullptr);
    gst_buffer_fill(b, 0, m.data, width * height * 3);
    buffers.push_back(b);
  }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  const double cpu0 = cpu_seconds();
  for (int i = 0; i < kWarmupFrames + frames; ++i) {
    GstBuffer* b = gst_buffer_copy(buffers[i % buffers.size()]);  // shares the memory
    GST_BUFFER_PTS(b) = gst_util_uint64_scale(i, GST_SECOND, 30);
    gst_app_src_push_buffer(GST_APP_SRC(src), b);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  GstBus* bus = gst_element_get_bus(pipeline);
  // The element's stats messages give the time it spent in the library call for each run of
  // frames; set against the pad-to-pad times of the same frames they give the element's own cost.
  std::vector<std::pair<guint, guint64>> stats;  // frames, mean-process-time (ns)
  GstMessage* msg = nullptr;
  while (true) {
    msg = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                     (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT));
    if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ELEMENT) break;
    const GstStructure* s = gst_message_get_structure(msg);
    guint n = 0;
    guint64 mean_ns = 0;
    if (gst_structure_has_name(s, "ispdenoise-stats") && gst_structure_get_uint(s, "frames", &n) &&
        gst_structure_get_uint64(s, "mean-process-time", &mean_ns))
      stats.emplace_back(n, mean_ns);
    gst_message_unref(msg);
  }
  const double cpu_ms = (cpu_seconds() - cpu0) * 1000.0;
  const double rss_end = current_rss_mb();
  const bool failed = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR;
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(pipeline);
  for (GstBuffer* b : buffers) gst_buffer_unref(b);
  if (failed) {
    std::fprintf(stderr, "pipeline failed\n");
    return 1;
  }
  const double per_frame = std::chrono::duration<double, std::milli>(element_clock.last_out -
                                                                      element_clock.first_measured_in).count() / frames;
  std::printf("  %-34s %7.1f fps  %7.2f ms/frame  CPU %.2f ms/frame (all threads, warm-up included)\n",
              "pipeline (appsrc ! ispdenoise ! fakesink):", 1000.0 / per_frame, per_frame,
              cpu_ms / (kWarmupFrames + frames));
  Timings inside{std::vector<double>(element_clock.every_frame.begin() + kWarmupFrames, element_clock.every_frame.end())};
  inside.report("inside ispdenoise, per frame:");
  double element_ms = 0.0, library_call_ms = 0.0;
  std::size_t covered = 0;
  for (const auto& [n, mean_ns] : stats) {
    if (covered + n > element_clock.every_frame.size()) break;
    for (std::size_t i = covered; i < covered + n; ++i) element_ms += element_clock.every_frame[i];
    library_call_ms += n * (mean_ns / 1e6);
    covered += n;
  }
  std::printf("  %-34s %+7.2f ms/frame (pad to pad minus the library call, same %zu frames)\n", "element overhead:",
              covered ? (element_ms - library_call_ms) / covered : 0.0, covered);
  std::printf("  %-34s %.0f MB peak, %.0f MB after %d frames, %.0f MB at the end\n", "RSS:", peak_rss_mb(),
              element_clock.rss_after_warmup, kWarmupFrames, rss_end);

  // 3. OpenCV's non-local means on the same frames, for a ratio in the same run.
  Timings nlm;
  for (int i = 0; i < std::min(frames, 8); ++i) {
    cv::Mat bgr, result;
    cv::cvtColor(inputs[i % inputs.size()], bgr, cv::COLOR_RGB2BGR);
    const auto t = Clock::now();
    cv::fastNlMeansDenoisingColored(bgr, result, 10, 10, 7, 21);
    nlm.ms.push_back(ms_since(t));
  }
  nlm.report("OpenCV fastNlMeansDenoisingColored:");
  std::printf("  %-34s %.1fx faster than fastNlMeansDenoisingColored\n", "ispdenoise:", nlm.median() / per_frame);
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

cv::Mat denoise(neuralisp::Denoiser& d, const cv::Mat& noisy_rgb, float level) {
  cv::Mat in = noisy_rgb.clone(), out(noisy_rgb.size(), CV_8UC3);
  d.process(view_of(in), view_of(out), {level, 1.0f});
  return out;
}

// The bilateral filter with the parameters that score best on these very images: an upper
// bound for the classical baseline.
double best_bilateral(const std::vector<cv::Mat>& noisy, const std::vector<cv::Mat>& clean, std::string* params) {
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
        }
      }
  return best;
}

int quality(const std::string& model, const std::string& datasets) {
  std::unique_ptr<neuralisp::Denoiser> denoiser;
  neuralisp::DenoiserOptions options;
  options.model.path = model_file(model);
  if (!neuralisp::Denoiser::create(options, denoiser).ok()) return 1;
  std::printf("== quality, model=%s\n", model.c_str());

  std::vector<cv::Mat> mcmaster;
  for (const std::string& p : list_images(datasets + "/val/mcmaster18")) {
    cv::Mat img = cv::imread(p, cv::IMREAD_COLOR);
    cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
    mcmaster.push_back(img);
  }
  for (double sigma : {15.0, 25.0, 50.0}) {
    double noisy_sum = 0, blind_sum = 0, given_sum = 0, est_sum = 0;
    std::vector<cv::Mat> noisy_set;
    for (size_t i = 0; i < mcmaster.size(); ++i) {
      cv::Mat noisy = add_awgn(mcmaster[i], sigma, static_cast<int>(i));
      noisy_set.push_back(noisy);
      noisy_sum += psnr(noisy, mcmaster[i]);
      cv::Mat in = noisy.clone(), out(noisy.size(), CV_8UC3);
      neuralisp::DenoiseResult r;
      denoiser->process(view_of(in), view_of(out), {}, &r);
      blind_sum += psnr(out, mcmaster[i]);
      est_sum += r.noise_level;
      given_sum += psnr(denoise(*denoiser, noisy, static_cast<float>(sigma)), mcmaster[i]);
    }
    const double n = mcmaster.size();
    std::string params;
    const double bilateral = sigma == 25.0 ? best_bilateral(noisy_set, mcmaster, &params) : 0.0;
    std::printf("  McMaster sigma %2.0f: noisy %.2f dB | blind %.2f dB (estimated sigma %.1f) | given sigma %.2f dB",
                sigma, noisy_sum / n, blind_sum / n, est_sum / n, given_sum / n);
    if (sigma == 25.0) std::printf(" | tuned bilateral %.2f dB (%s)", bilateral, params.c_str());
    std::printf("\n");
  }

  std::vector<cv::Mat> sidd_noisy, sidd_clean;
  const std::string sidd = datasets + "/real-noise/sidd-pairs";
  for (const std::string& p : list_images(sidd + "/noisy")) {
    std::string gt = p;
    gt.replace(gt.find("/noisy/"), 7, "/gt/");
    gt.replace(gt.find("NOISY_"), 6, "GT_");
    cv::Mat a = cv::imread(p, cv::IMREAD_COLOR), b = cv::imread(gt, cv::IMREAD_COLOR);
    if (a.empty() || b.empty()) continue;
    cv::cvtColor(a, a, cv::COLOR_BGR2RGB);
    cv::cvtColor(b, b, cv::COLOR_BGR2RGB);
    sidd_noisy.push_back(a);
    sidd_clean.push_back(b);
  }
  double noisy_sum = 0, blind_sum = 0, est_sum = 0, measured_sum = 0;
  for (size_t i = 0; i < sidd_noisy.size(); ++i) {
    noisy_sum += psnr(sidd_noisy[i], sidd_clean[i]);
    measured_sum += noise_std(sidd_noisy[i], sidd_clean[i]);
    cv::Mat in = sidd_noisy[i].clone(), out(in.size(), CV_8UC3);
    neuralisp::DenoiseResult r;
    denoiser->process(view_of(in), view_of(out), {}, &r);
    blind_sum += psnr(out, sidd_clean[i]);
    est_sum += r.noise_level;
  }
  std::string params;
  const double bilateral = best_bilateral(sidd_noisy, sidd_clean, &params);
  const double n = sidd_noisy.size();
  std::printf("  SIDD pairs (%zu): noisy %.2f dB | blind %.2f dB (estimated sigma %.1f, measured %.1f) | "
              "tuned bilateral %.2f dB (%s)\n", sidd_noisy.size(), noisy_sum / n, blind_sum / n, est_sum / n,
              measured_sum / n, bilateral, params.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "speed" && argc >= 5)
    return speed(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argc > 5 ? std::atoi(argv[5]) : 100);
  if (mode == "quality" && argc >= 4) return quality(argv[2], argv[3]);
  std::fprintf(stderr, "usage: %s speed MODEL WIDTH HEIGHT [FRAMES] | quality MODEL DATASETS_DIR\n", argv[0]);
  return 2;
}
