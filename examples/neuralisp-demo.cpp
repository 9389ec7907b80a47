/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The main demo: a photo from Debian's mate-backgrounds package is panned into a short video
 * that then holds still, as a camera pans and stops (or a camera is used), degraded with camera
 * noise by ispdegrade and cleaned by ispdenoise at its default settings (temporal: a still scene
 * gets cleaner frame by frame). Writes a side-by-side video (noisy | denoised), a before/after
 * PNG of the last frame, and prints the rate ispdenoise ran at and, on the photo, the PSNR it
 * measured against the clean frames beside ispdenoise temporal=false on the same frames.
 *
 *   neuralisp-demo [--output DIR] [--frames N] [--device /dev/video0] [--model fast|quality]
 *                  [--noise SIGMA] [--camera-noise LEVEL] [--photo FILE.jpg]
 */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

namespace {

constexpr int kWidth = 640;
constexpr int kHeight = 480;
constexpr int kFps = 30;

struct Options {
  std::string output = "demo-output";
  std::string photo = "/usr/share/backgrounds/mate/nature/LadyBird.jpg";
  std::string device;
  std::string model = "fast";
  int frames = 90;
  double noise = 12.0;
  double camera_noise = 0.5;
};

bool parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (arg == "--output" && (v = value())) o->output = v;
    else if (arg == "--photo" && (v = value())) o->photo = v;
    else if (arg == "--device" && (v = value())) o->device = v;
    else if (arg == "--model" && (v = value())) o->model = v;
    else if (arg == "--frames" && (v = value())) o->frames = std::atoi(v);
    else if (arg == "--noise" && (v = value())) o->noise = std::atof(v);
    else if (arg == "--camera-noise" && (v = value())) o->camera_noise = std::atof(v);
    else {
      g_printerr("usage: %s [--output DIR] [--frames N] [--device /dev/videoN] [--model fast|quality] "
                 "[--noise SIGMA] [--camera-noise 0..1] [--photo FILE.jpg]\n", argv[0]);
      return false;
    }
  }
  return o->frames > 0;
}

bool run_until_done(GstElement* pipeline) {
  GstBus* bus = gst_element_get_bus(pipeline);
  bool ok = true;
  for (bool done = false; !done;) {
    GstMessage* msg = gst_bus_timed_pop(bus, GST_CLOCK_TIME_NONE);
    switch (GST_MESSAGE_TYPE(msg)) {
      case GST_MESSAGE_EOS:
        done = true;
        break;
      case GST_MESSAGE_ERROR: {
        GError* err = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(msg, &err, &debug);
        g_printerr("error from %s: %s\n%s\n", GST_OBJECT_NAME(msg->src), err->message, debug ? debug : "");
        g_error_free(err);
        g_free(debug);
        ok = false;
        done = true;
        break;
      }
      case GST_MESSAGE_ELEMENT: {
        const GstStructure* s = gst_message_get_structure(msg);
        if (gst_structure_has_name(s, "ispdenoise-stats")) {
          double level = 0.0;
          guint64 process_ns = 0;
          gst_structure_get_double(s, "noise-level", &level);
          gst_structure_get_uint64(s, "mean-process-time", &process_ns);
          g_print("  ispdenoise: estimated noise sigma %.1f, %.1f ms per frame\n", level, process_ns / 1e6);
        }
        break;
      }
      default:
        break;
    }
    gst_message_unref(msg);
  }
  gst_object_unref(bus);
  return ok;
}

// Decodes the photo once, scaled so that a 640x480 window can pan across it.
GstSample* load_photo(const std::string& path) {
  gchar* description = g_strdup_printf(
      "filesrc location=\"%s\" ! jpegdec ! videoconvert ! videoscale ! "
      "video/x-raw,format=RGB,width=1024,height=640 ! appsink name=sink", path.c_str());
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description, &error);
  g_free(description);
  if (!pipeline) {
    g_printerr("%s\n", error->message);
    return nullptr;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND);
  if (!sample) g_printerr("could not decode %s (install the mate-backgrounds package)\n", path.c_str());
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return sample;
}

// The clip: 640x480 crops that pan diagonally across the photo for the first third of the
// frames, then hold still on the last crop.
class Clip {
 public:
  Clip(GstSample* photo, int frames) : frames_(frames) {
    gst_video_info_from_caps(&info_, gst_sample_get_caps(photo));
    gst_video_frame_map(&source_, &info_, gst_sample_get_buffer(photo), GST_MAP_READ);
  }
  ~Clip() { gst_video_frame_unmap(&source_); }
  Clip(const Clip&) = delete;
  Clip& operator=(const Clip&) = delete;

  int frames() const { return frames_; }
  int pan_frames() const { return std::max(frames_ / 3, 1); }
  // Row y of frame i (RGB).
  const guint8* row(int i, int y) const {
    const double t = std::min(1.0, static_cast<double>(i) / pan_frames());
    const int x0 = static_cast<int>(t * (GST_VIDEO_INFO_WIDTH(&info_) - kWidth));
    const int y0 = static_cast<int>(t * (GST_VIDEO_INFO_HEIGHT(&info_) - kHeight));
    return static_cast<const guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&source_, 0)) +
           (y0 + y) * GST_VIDEO_FRAME_PLANE_STRIDE(&source_, 0) + x0 * 3;
  }

 private:
  int frames_;
  GstVideoInfo info_;
  GstVideoFrame source_;
};

void push_frames(GstAppSrc* src, const Clip& clip) {
  for (int i = 0; i < clip.frames(); ++i) {
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, kWidth * kHeight * 3, nullptr);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    for (int y = 0; y < kHeight; ++y) memcpy(map.data + y * kWidth * 3, clip.row(i, y), kWidth * 3);
    gst_buffer_unmap(buffer, &map);
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(i, GST_SECOND, kFps);
    GST_BUFFER_DURATION(buffer) = GST_SECOND / kFps;
    gst_app_src_push_buffer(src, buffer);
  }
  gst_app_src_end_of_stream(src);
}

// PSNR of one output against the clip's clean frames, over the whole clip and over its still
// part, from an appsink of RGB frames.
struct Score {
  const Clip* clip = nullptr;
  double all = 0.0, still = 0.0;
  int frames = 0, still_frames = 0;

  double mean() const { return frames ? all / frames : 0.0; }
  double still_mean() const { return still_frames ? still / still_frames : 0.0; }
};

GstFlowReturn on_output(GstAppSink* sink, gpointer data) {
  auto* score = static_cast<Score*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  const int i = static_cast<int>(gst_util_uint64_scale_round(GST_BUFFER_PTS(buffer), kFps, GST_SECOND));
  GstMapInfo map;
  if (i < score->clip->frames() && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    double sum = 0.0;
    for (int y = 0; y < kHeight; ++y) {
      const guint8* clean = score->clip->row(i, y);
      for (int x = 0; x < kWidth * 3; ++x) {
        const double d = map.data[y * kWidth * 3 + x] - clean[x];
        sum += d * d;
      }
    }
    gst_buffer_unmap(buffer, &map);
    const double psnr = 10.0 * std::log10(255.0 * 255.0 / std::max(sum / (kWidth * kHeight * 3.0), 1e-10));
    score->all += psnr;
    score->frames++;
    if (i >= score->clip->pan_frames()) {
      score->still += psnr;
      score->still_frames++;
    }
  }
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

// Keeps the side-by-side frame from the middle of the run and writes it as PNG.
bool write_png(GstSample* sample, const std::string& path) {
  gchar* description = g_strdup_printf("appsrc name=src ! videoconvert ! pngenc ! filesink location=\"%s\"",
                                       path.c_str());
  GstElement* pipeline = gst_parse_launch(description, nullptr);
  g_free(description);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_object_set(src, "caps", gst_sample_get_caps(sample), "format", GST_FORMAT_TIME, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_ref(gst_sample_get_buffer(sample)));
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  const bool ok = run_until_done(pipeline);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(pipeline);
  return ok;
}

struct Capture {
  int frame = 0;
  int wanted = 0;
  GstSample* sample = nullptr;
};

GstFlowReturn on_side_by_side(GstAppSink* sink, gpointer data) {
  auto* capture = static_cast<Capture*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (capture->frame++ == capture->wanted && !capture->sample)
    capture->sample = sample;
  else
    gst_sample_unref(sample);
  return GST_FLOW_OK;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  Options options;
  if (!parse_options(argc, argv, &options)) return 2;
  g_mkdir_with_parents(options.output.c_str(), 0755);
  const std::string video_path = options.output + "/side-by-side.avi";
  const std::string png_path = options.output + "/before-after.png";

  const std::string source = options.device.empty()
      ? "appsrc name=src format=time block=true max-bytes=4000000 "
        "caps=video/x-raw,format=RGB,width=640,height=480,framerate=30/1"
      : "v4l2src device=" + options.device + " num-buffers=" + std::to_string(options.frames) +
            " ! videoconvert ! videoscale ! video/x-raw,width=640,height=480";
  // Left: what the camera gave (degraded); right: ispdenoise's output. On the photo, each of the
  // noisy frames, the output and a single-frame ispdenoise's output is scored against the clean
  // frame.
  const std::string score_sink = "videoconvert ! video/x-raw,format=RGB ! appsink emit-signals=true sync=false name=";
  const std::string scoring = options.device.empty()
      ? "noisy. ! queue ! " + score_sink + "noisy_score denoised. ! queue ! " + score_sink + "temporal_score " +
            "noisy. ! queue ! ispdenoise temporal=false model=" + options.model + " ! " + score_sink + "single_score"
      : "denoised. ! queue ! fakesink sync=false";
  gchar* description = g_strdup_printf(
      "%s ! ispdegrade noise=%f camera-noise=%f seed=1 ! tee name=noisy "
      "compositor name=mix sink_1::xpos=640 ! video/x-raw,format=I420 ! tee name=out "
      "noisy. ! queue ! mix.sink_0 "
      "noisy. ! queue ! ispdenoise name=denoise model=%s ! tee name=denoised ! queue ! mix.sink_1 %s "
      "out. ! queue ! jpegenc quality=90 ! avimux ! filesink location=\"%s\" "
      "out. ! queue ! videoconvert ! video/x-raw,format=RGB ! appsink name=capture emit-signals=true sync=false",
      source.c_str(), options.device.empty() ? options.noise : 0.0,
      options.device.empty() ? options.camera_noise : 0.0, options.model.c_str(), scoring.c_str(), video_path.c_str());
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description, &error);
  g_free(description);
  if (!pipeline) {
    g_printerr("could not build the pipeline: %s\n(is the neuralisp plugin on GST_PLUGIN_PATH?)\n", error->message);
    return 1;
  }

  Capture capture;
  capture.wanted = options.frames - 1;
  GstElement* capture_sink = gst_bin_get_by_name(GST_BIN(pipeline), "capture");
  g_signal_connect(capture_sink, "new-sample", G_CALLBACK(on_side_by_side), &capture);

  GstSample* photo = nullptr;
  if (options.device.empty() && !(photo = load_photo(options.photo))) return 1;
  std::unique_ptr<Clip> clip;
  Score noisy_score, single_score, temporal_score;
  if (photo) {
    clip = std::make_unique<Clip>(photo, options.frames);
    for (auto [name, score] : {std::pair{"noisy_score", &noisy_score}, {"single_score", &single_score},
                               {"temporal_score", &temporal_score}}) {
      score->clip = clip.get();
      GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), name);
      g_signal_connect(sink, "new-sample", G_CALLBACK(on_output), score);
      gst_object_unref(sink);
    }
  }

  g_print("neuralisp demo: %d frames of 640x480, %s, model %s\n", options.frames,
          options.device.empty() ? ("panning " + options.photo + " with camera noise").c_str() : options.device.c_str(),
          options.model.c_str());
  const gint64 start = g_get_monotonic_time();
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    run_until_done(pipeline);
    return 1;
  }
  if (clip) {
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    push_frames(GST_APP_SRC(src), *clip);
    gst_object_unref(src);
  }
  const bool ok = run_until_done(pipeline);
  const double seconds = (g_get_monotonic_time() - start) / 1e6;
  gst_element_set_state(pipeline, GST_STATE_NULL);

  if (ok) {
    g_print("processed %d frames in %.1f s: %.1f fps for the whole demo pipeline "
            "(degrade + denoise + side-by-side + JPEG encode, on %u cores)\n",
            capture.frame, seconds, capture.frame / seconds, g_get_num_processors());
    if (clip)
      g_print("PSNR against the clean frames (%d panning, %d still): noisy %.2f dB, ispdenoise %.2f dB "
              "(temporal=false: %.2f, so temporal gained %+.2f dB); on the still part %.2f dB (temporal=false: %.2f, "
              "%+.2f dB)\n",
              clip->pan_frames(), options.frames - clip->pan_frames(), noisy_score.mean(), temporal_score.mean(),
              single_score.mean(), temporal_score.mean() - single_score.mean(), temporal_score.still_mean(),
              single_score.still_mean(), temporal_score.still_mean() - single_score.still_mean());
    g_print("wrote %s\n", video_path.c_str());
    if (capture.sample && write_png(capture.sample, png_path)) g_print("wrote %s (the last frame; left: noisy, right: ispdenoise)\n", png_path.c_str());
  }
  if (capture.sample) gst_sample_unref(capture.sample);
  clip.reset();
  if (photo) gst_sample_unref(photo);
  gst_object_unref(capture_sink);
  gst_object_unref(pipeline);
  return ok ? 0 : 1;
}
