/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The main demo: a photo from Debian's mate-backgrounds package is panned into a short video
 * (or a camera is used), degraded with camera noise by ispdegrade and cleaned by ispdenoise.
 * Writes a side-by-side video (noisy | denoised), a before/after PNG of the middle frame, and
 * prints the rate ispdenoise ran at.
 *
 *   neuralisp-demo [--output DIR] [--frames N] [--device /dev/video0] [--model fast|quality]
 *                  [--noise SIGMA] [--camera-noise LEVEL] [--photo FILE.jpg]
 */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

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

// Pushes `frames` 640x480 crops that pan diagonally across the photo.
void push_panned_frames(GstAppSrc* src, GstSample* photo, int frames) {
  GstVideoInfo info;
  gst_video_info_from_caps(&info, gst_sample_get_caps(photo));
  GstVideoFrame source;
  gst_video_frame_map(&source, &info, gst_sample_get_buffer(photo), GST_MAP_READ);
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&source, 0);
  const auto* pixels = static_cast<const guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&source, 0));
  for (int i = 0; i < frames; ++i) {
    const double t = frames > 1 ? static_cast<double>(i) / (frames - 1) : 0.0;
    const int x0 = static_cast<int>(t * (GST_VIDEO_INFO_WIDTH(&info) - kWidth));
    const int y0 = static_cast<int>(t * (GST_VIDEO_INFO_HEIGHT(&info) - kHeight));
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, kWidth * kHeight * 3, nullptr);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    for (int y = 0; y < kHeight; ++y)
      memcpy(map.data + y * kWidth * 3, pixels + (y0 + y) * stride + x0 * 3, kWidth * 3);
    gst_buffer_unmap(buffer, &map);
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(i, GST_SECOND, kFps);
    GST_BUFFER_DURATION(buffer) = GST_SECOND / kFps;
    gst_app_src_push_buffer(src, buffer);
  }
  gst_app_src_end_of_stream(src);
  gst_video_frame_unmap(&source);
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
  // Left: what the camera gave (degraded); right: ispdenoise's output.
  gchar* description = g_strdup_printf(
      "%s ! ispdegrade noise=%f camera-noise=%f seed=1 ! tee name=noisy "
      "compositor name=mix sink_1::xpos=640 ! video/x-raw,format=I420 ! tee name=out "
      "noisy. ! queue ! mix.sink_0 "
      "noisy. ! queue ! ispdenoise name=denoise model=%s ! mix.sink_1 "
      "out. ! queue ! jpegenc quality=90 ! avimux ! filesink location=\"%s\" "
      "out. ! queue ! videoconvert ! video/x-raw,format=RGB ! appsink name=capture emit-signals=true sync=false",
      source.c_str(), options.device.empty() ? options.noise : 0.0,
      options.device.empty() ? options.camera_noise : 0.0, options.model.c_str(), video_path.c_str());
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description, &error);
  g_free(description);
  if (!pipeline) {
    g_printerr("could not build the pipeline: %s\n(is the neuralisp plugin on GST_PLUGIN_PATH?)\n", error->message);
    return 1;
  }

  Capture capture;
  capture.wanted = options.frames / 2;
  GstElement* capture_sink = gst_bin_get_by_name(GST_BIN(pipeline), "capture");
  g_signal_connect(capture_sink, "new-sample", G_CALLBACK(on_side_by_side), &capture);

  GstSample* photo = nullptr;
  if (options.device.empty() && !(photo = load_photo(options.photo))) return 1;

  g_print("neuralisp demo: %d frames of 640x480, %s, model %s\n", options.frames,
          options.device.empty() ? ("panning " + options.photo + " with camera noise").c_str() : options.device.c_str(),
          options.model.c_str());
  const gint64 start = g_get_monotonic_time();
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    run_until_done(pipeline);
    return 1;
  }
  if (photo) {
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    push_panned_frames(GST_APP_SRC(src), photo, options.frames);
    gst_object_unref(src);
  }
  const bool ok = run_until_done(pipeline);
  const double seconds = (g_get_monotonic_time() - start) / 1e6;
  gst_element_set_state(pipeline, GST_STATE_NULL);

  if (ok) {
    g_print("processed %d frames in %.1f s: %.1f fps for the whole demo pipeline "
            "(degrade + denoise + side-by-side + JPEG encode, on %u cores)\n",
            capture.frame, seconds, capture.frame / seconds, g_get_num_processors());
    g_print("wrote %s\n", video_path.c_str());
    if (capture.sample && write_png(capture.sample, png_path)) g_print("wrote %s (left: noisy, right: ispdenoise)\n", png_path.c_str());
  }
  if (capture.sample) gst_sample_unref(capture.sample);
  if (photo) gst_sample_unref(photo);
  gst_object_unref(capture_sink);
  gst_object_unref(pipeline);
  return ok ? 0 : 1;
}
