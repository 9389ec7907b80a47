/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp-process: files in, files out. Each video (any container GStreamer decodes) goes
 * through a chain of the suite's elements into a widely playable file: H.264 in MP4 where x264enc
 * is installed, otherwise VP8 in WebM; its audio track is copied as it is when the container takes
 * it, and re-encoded only when it does not (the summary says which). Still images come out as
 * PNG. A progress bar (percent, fps, time left) is drawn on a terminal, plain lines otherwise.
 * Ctrl-C ends the current file cleanly (a playable partial file) and exits non-zero; a file that
 * cannot be read gets one line and the rest go on.
 *
 *   neuralisp-process INPUT... -o OUTDIR [--chain "ispdenoise ! isprestore deblur=0.3"]
 *                     [--container mp4|webm]
 */
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "programs.h"

namespace {

constexpr const char* kDefaultChain = "ispdenoise";
// A second Ctrl-C while the first one's end of stream drains: stop at once.
constexpr int kExitInterrupted = 130;

struct Options {
  std::vector<std::string> inputs;
  std::string output_dir;
  std::string chain = kDefaultChain;
  std::string container;  // empty: MP4 if x264enc is installed, else WebM
};

void usage(const char* program) {
  g_printerr("usage: %s INPUT... -o OUTDIR [--chain \"ELEMENT ! ELEMENT ...\"] [--container mp4|webm]\n"
             "  Processes videos and still images through a chain of neuralisp elements\n"
             "  (default: \"%s\") into OUTDIR: videos as H.264/MP4 (or VP8/WebM), audio copied,\n"
             "  images as PNG.\n",
             program, kDefaultChain);
}

bool parse_options(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if ((arg == "-o" || arg == "--output") && (v = value())) o->output_dir = v;
    else if (arg == "--chain" && (v = value())) o->chain = v;
    else if (arg == "--container" && (v = value())) o->container = v;
    else if (arg == "-h" || arg == "--help") return false;
    else if (!arg.empty() && arg[0] == '-') {
      g_printerr("unknown option %s\n", arg.c_str());
      return false;
    } else o->inputs.push_back(arg);
  }
  if (o->inputs.empty() || o->output_dir.empty()) return false;
  if (!o->container.empty() && o->container != "mp4" && o->container != "webm") {
    g_printerr("--container must be mp4 or webm\n");
    return false;
  }
  return true;
}

// The output container and its encoders.
struct Format {
  std::string extension;  // "mp4" or "webm"
  std::string video;      // encoder and parser, a gst-launch fragment
  std::string video_name;
  std::string muxer;
  std::string audio;  // encoder for audio the muxer does not take as it is
};

Format choose_format(const std::string& container) {
  const bool mp4 = container == "mp4" || (container.empty() && has_element("x264enc"));
  if (mp4) return {"mp4", "x264enc speed-preset=faster pass=quant quantizer=20 ! h264parse", "H.264", "mp4mux",
                   has_element("avenc_aac") ? "avenc_aac" : "voaacenc"};
  return {"webm", "vp8enc deadline=1 cpu-used=4 target-bitrate=4000000 keyframe-max-dist=60", "VP8", "webmmux",
          "opusenc"};
}

// What a run learns about one input file.
struct Source {
  bool image = false;
  GstClockTime duration = GST_CLOCK_TIME_NONE;
  double fps = 0.0;
  bool has_video = false;
};

bool discover(const std::string& uri, Source* source, std::string* error) {
  GError* err = nullptr;
  GstDiscoverer* discoverer = gst_discoverer_new(30 * GST_SECOND, &err);
  if (!discoverer) {
    *error = err->message;
    g_error_free(err);
    return false;
  }
  GstDiscovererInfo* info = gst_discoverer_discover_uri(discoverer, uri.c_str(), &err);
  bool ok = info && gst_discoverer_info_get_result(info) == GST_DISCOVERER_OK;
  if (!ok) {
    *error = err ? err->message : "not a media file GStreamer can read";
    if (info && gst_discoverer_info_get_result(info) == GST_DISCOVERER_MISSING_PLUGINS)
      *error = "no GStreamer plugin installed decodes it";
  } else {
    source->duration = gst_discoverer_info_get_duration(info);
    GList* videos = gst_discoverer_info_get_video_streams(info);
    if (videos) {
      auto* video = GST_DISCOVERER_VIDEO_INFO(videos->data);
      source->has_video = true;
      source->image = gst_discoverer_video_info_is_image(video);
      const guint denominator = gst_discoverer_video_info_get_framerate_denom(video);
      if (denominator > 0) source->fps = double(gst_discoverer_video_info_get_framerate_num(video)) / denominator;
    } else {
      *error = "has no video or image stream";
      ok = false;
    }
    gst_discoverer_stream_info_list_free(videos);
  }
  if (err) g_error_free(err);
  if (info) gst_discoverer_info_unref(info);
  gst_object_unref(discoverer);
  return ok;
}

// One file's run: the pipeline, the progress it makes, and how it ended.
struct Job {
  GstElement* pipeline = nullptr;
  GMainLoop* loop = nullptr;
  const Format* format = nullptr;
  std::string chain;
  Source source;
  bool video_linked = false;
  std::string audio = "none";  // "copied (CODEC)", "re-encoded to CODEC", or "none"
  guint64 frames = 0;
  GstClockTime first_pts = GST_CLOCK_TIME_NONE;
  GstClockTime position = 0;
  gint64 started_us = 0;
  bool interrupted = false;
  std::string error;
  bool terminal = false;
  int last_reported_decile = -1;
};

Job* g_current = nullptr;  // the job Ctrl-C ends

gboolean on_interrupt(gpointer) {
  if (!g_current) return G_SOURCE_CONTINUE;
  if (g_current->interrupted) {
    g_printerr("\ninterrupted again: stopping without finishing the file\n");
    _exit(kExitInterrupted);
  }
  g_current->interrupted = true;
  // The muxer writes its index on end of stream: the partial file plays.
  gst_element_send_event(g_current->pipeline, gst_event_new_eos());
  return G_SOURCE_CONTINUE;
}

GstPadProbeReturn count_frame(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* job = static_cast<Job*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  ++job->frames;
  if (GST_BUFFER_PTS_IS_VALID(buffer)) {
    if (!GST_CLOCK_TIME_IS_VALID(job->first_pts)) job->first_pts = GST_BUFFER_PTS(buffer);
    const GstClockTime end = GST_BUFFER_PTS(buffer) +
                             (GST_BUFFER_DURATION_IS_VALID(buffer) ? GST_BUFFER_DURATION(buffer) : 0);
    if (end > job->first_pts) job->position = std::max(job->position, end - job->first_pts);
  }
  return GST_PAD_PROBE_OK;
}

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const int s = static_cast<int>(seconds + 0.5);
  char text[32];
  if (s >= 3600) g_snprintf(text, sizeof text, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else g_snprintf(text, sizeof text, "%d:%02d", s / 60, s % 60);
  return text;
}

gboolean report_progress(gpointer data) {
  auto* job = static_cast<Job*>(data);
  const double elapsed = (g_get_monotonic_time() - job->started_us) / 1e6;
  const double fps = elapsed > 0 ? job->frames / elapsed : 0.0;
  const bool known = GST_CLOCK_TIME_IS_VALID(job->source.duration) && job->source.duration > 0;
  const double fraction = known ? std::min(1.0, double(job->position) / job->source.duration) : 0.0;
  const double left = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : NAN;
  if (job->terminal) {
    constexpr int kBar = 30;
    const int filled = static_cast<int>(fraction * kBar);
    const std::string bar = std::string(filled, '#') + std::string(kBar - filled, '.');
    g_print("\r  [%s] %3d%%  %" G_GUINT64_FORMAT " frames  %5.1f fps  %s left   ", bar.c_str(),
            int(fraction * 100), job->frames, fps, clock_text(left).c_str());
  } else if (int decile = int(fraction * 10); decile > job->last_reported_decile && fraction < 1.0) {
    // Not a terminal (a log, a pipe): a line at every tenth.
    job->last_reported_decile = decile;
    g_print("  %3d%%  %" G_GUINT64_FORMAT " frames  %.1f fps  %s left\n", decile * 10, job->frames, fps,
            clock_text(left).c_str());
  }
  return G_SOURCE_CONTINUE;
}

gboolean on_bus_message(GstBus*, GstMessage* message, gpointer data) {
  auto* job = static_cast<Job*>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_EOS:
      g_main_loop_quit(job->loop);
      break;
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gst_message_parse_error(message, &err, nullptr);
      if (job->error.empty()) job->error = std::string(GST_OBJECT_NAME(message->src)) + ": " + err->message;
      g_error_free(err);
      g_main_loop_quit(job->loop);
      break;
    }
    default:
      break;
  }
  return TRUE;
}

// Adds a gst-launch fragment to the pipeline as a bin with ghost pads, already playing.
GstElement* add_fragment(Job* job, const std::string& description, std::string* error) {
  GError* err = nullptr;
  GstElement* bin = gst_parse_bin_from_description(description.c_str(), TRUE, &err);
  if (!bin) {
    *error = err ? err->message : "cannot build '" + description + "'";
    if (err) g_error_free(err);
    return nullptr;
  }
  gst_bin_add(GST_BIN(job->pipeline), bin);
  return bin;
}

// A muxer pad that takes `caps` as they are, or null.
GstPad* request_muxer_pad(Job* job, GstCaps* caps) {
  GstElement* muxer = gst_bin_get_by_name(GST_BIN(job->pipeline), "muxer");
  GstPad* pad = nullptr;
  for (const GList* l = gst_element_class_get_pad_template_list(GST_ELEMENT_GET_CLASS(muxer)); l && !pad; l = l->next) {
    auto* templ = GST_PAD_TEMPLATE(l->data);
    if (GST_PAD_TEMPLATE_DIRECTION(templ) != GST_PAD_SINK || GST_PAD_TEMPLATE_PRESENCE(templ) != GST_PAD_REQUEST)
      continue;
    GstCaps* accepted = gst_pad_template_get_caps(templ);
    if (gst_caps_can_intersect(accepted, caps)) pad = gst_element_request_pad(muxer, templ, nullptr, caps);
    gst_caps_unref(accepted);
  }
  gst_object_unref(muxer);
  return pad;
}

bool link_to_muxer(Job* job, GstPad* src, GstCaps* caps) {
  GstPad* sink = request_muxer_pad(job, caps);
  if (!sink) return false;
  const bool linked = gst_pad_link(src, sink) == GST_PAD_LINK_OK;
  gst_object_unref(sink);
  return linked;
}

std::string codec_name(GstCaps* caps) {
  gchar* description = gst_pb_utils_get_codec_description(caps);
  std::string name = description ? description : "unknown codec";
  g_free(description);
  return name;
}

void link_decoded(GstElement*, GstPad* decoded, gpointer data) {
  auto* fragment = static_cast<GstElement*>(data);
  GstPad* sink = gst_element_get_static_pad(fragment, "sink");
  if (!gst_pad_is_linked(sink)) gst_pad_link(decoded, sink);
  gst_object_unref(sink);
}

// Links `stream` through a queue and decodebin into `description` (a fragment that starts with a
// converter), and its output into the muxer; everything playing before it is linked, since pads
// that are not active answer no caps.
bool add_decoded_branch(Job* job, GstPad* stream, const std::string& description, std::string* error) {
  GstElement* fragment = add_fragment(job, description, error);
  if (!fragment) return false;
  gst_element_sync_state_with_parent(fragment);
  GstPad* src = gst_element_get_static_pad(fragment, "src");
  GstCaps* encoded = gst_pad_query_caps(src, nullptr);
  const bool muxed = link_to_muxer(job, src, encoded);
  gst_caps_unref(encoded);
  gst_object_unref(src);
  if (!muxed) {
    *error = job->format->muxer + " does not take what '" + description + "' makes";
    return false;
  }
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  GstElement* decoder = gst_element_factory_make("decodebin", nullptr);
  gst_bin_add_many(GST_BIN(job->pipeline), queue, decoder, nullptr);
  g_signal_connect(decoder, "pad-added", G_CALLBACK(link_decoded), fragment);
  gst_element_link(queue, decoder);
  gst_element_sync_state_with_parent(decoder);
  gst_element_sync_state_with_parent(queue);
  GstPad* sink = gst_element_get_static_pad(queue, "sink");
  const bool linked = gst_pad_link(stream, sink) == GST_PAD_LINK_OK;
  gst_object_unref(sink);
  if (!linked) *error = "cannot link the stream to its decoder";
  return linked;
}

// parsebin exposes each elementary stream parsed: the first video is decoded and processed,
// audio is copied into the muxer when it takes it and re-encoded when it does not; other
// streams (further videos, subtitles) are left out.
void on_stream(GstElement*, GstPad* pad, gpointer data) {
  auto* job = static_cast<Job*>(data);
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  const std::string media = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  std::string error;
  if (media.rfind("video/", 0) == 0 && !job->video_linked) {
    job->video_linked = true;
    if (add_decoded_branch(job, pad,
                           "videoconvert ! " + job->chain + " ! identity name=processed ! videoconvert ! " +
                               job->format->video + " ! queue",
                           &error)) {
      GstElement* processed = gst_bin_get_by_name(GST_BIN(job->pipeline), "processed");
      GstPad* probe_pad = gst_element_get_static_pad(processed, "src");
      gst_pad_add_probe(probe_pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, job, nullptr);
      gst_object_unref(probe_pad);
      gst_object_unref(processed);
    }
  } else if (media.rfind("audio/", 0) == 0 && job->audio == "none") {
    GstElement* queue = gst_element_factory_make("queue", nullptr);
    gst_bin_add(GST_BIN(job->pipeline), queue);
    gst_element_sync_state_with_parent(queue);
    GstPad* queue_src = gst_element_get_static_pad(queue, "src");
    GstPad* queue_sink = gst_element_get_static_pad(queue, "sink");
    if (link_to_muxer(job, queue_src, caps)) {
      job->audio = "copied (" + codec_name(caps) + ")";
      if (gst_pad_link(pad, queue_sink) != GST_PAD_LINK_OK) error = "cannot link the audio stream";
    } else {
      gst_element_set_state(queue, GST_STATE_NULL);
      gst_bin_remove(GST_BIN(job->pipeline), queue);
      job->audio = "re-encoded with " + job->format->audio + " (the container does not take " + codec_name(caps) + ")";
      add_decoded_branch(job, pad, "audioconvert ! audioresample ! " + job->format->audio + " ! queue", &error);
    }
    gst_object_unref(queue_sink);
    gst_object_unref(queue_src);
  }
  gst_caps_unref(caps);
  if (!error.empty() && job->error.empty()) {
    job->error = error;
    g_main_loop_quit(job->loop);
  }
}

bool build_pipeline(Job* job, const std::string& input, const std::string& output, std::string* error) {
  GError* err = nullptr;
  if (job->source.image) {
    job->pipeline = gst_parse_launch(("filesrc location=" + launch_quoted(input) + " ! decodebin ! videoconvert ! " +
                                      job->chain + " ! identity name=processed ! videoconvert ! pngenc ! filesink location=" +
                                      launch_quoted(output))
                                         .c_str(),
                                     &err);
  } else {
    job->pipeline = gst_parse_launch(("filesrc location=" + launch_quoted(input) + " ! parsebin name=streams " +
                                      job->format->muxer + " name=muxer ! filesink location=" + launch_quoted(output))
                                         .c_str(),
                                     &err);
  }
  if (!job->pipeline || err) {
    *error = err ? err->message : "cannot build the pipeline";
    if (err) g_error_free(err);
    return false;
  }
  if (job->source.image) {
    GstElement* processed = gst_bin_get_by_name(GST_BIN(job->pipeline), "processed");
    GstPad* pad = gst_element_get_static_pad(processed, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, job, nullptr);
    gst_object_unref(pad);
    gst_object_unref(processed);
  } else {
    GstElement* streams = gst_bin_get_by_name(GST_BIN(job->pipeline), "streams");
    g_signal_connect(streams, "pad-added", G_CALLBACK(on_stream), job);
    gst_object_unref(streams);
  }
  return true;
}

// OUTDIR/NAME.EXT for INPUT = .../NAME.ORIGINAL; when an earlier input of this run already wrote
// that name (clip.mp4 and clip.webm), OUTDIR/NAME-ORIGINAL.EXT.
std::string output_path(const std::string& dir, const std::string& input, const std::string& extension,
                        std::vector<std::string>* written) {
  gchar* base = g_path_get_basename(input.c_str());
  std::string name = base;
  g_free(base);
  std::string original;
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0) {
    original = name.substr(dot + 1);
    name.resize(dot);
  }
  auto path_for = [&](const std::string& stem) {
    gchar* path = g_build_filename(dir.c_str(), (stem + "." + extension).c_str(), nullptr);
    std::string result = path;
    g_free(path);
    return result;
  };
  std::string path = path_for(name);
  if (std::find(written->begin(), written->end(), path) != written->end()) path = path_for(name + "-" + original);
  written->push_back(path);
  return path;
}

bool same_file(const std::string& a, const std::string& b) {
  GStatBuf sa, sb;
  return g_stat(a.c_str(), &sa) == 0 && g_stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// Processes one input; returns false (with one line printed) when it failed.
bool process(const Options& options, const Format& format, const std::string& input, std::vector<std::string>* written,
             bool* interrupted) {
  auto fail = [&](const std::string& why) {
    g_printerr("neuralisp-process: %s: %s\n", input.c_str(), why.c_str());
    return false;
  };
  if (!g_file_test(input.c_str(), G_FILE_TEST_IS_REGULAR)) return fail("no such file");
  gchar* uri = gst_filename_to_uri(input.c_str(), nullptr);
  Job job;
  std::string error;
  const bool discovered = uri && discover(uri, &job.source, &error);
  g_free(uri);
  if (!discovered) return fail(error);
  const std::string output = output_path(options.output_dir, input, job.source.image ? "png" : format.extension, written);
  if (same_file(input, output)) return fail("the output would overwrite it (choose another -o)");
  job.format = &format;
  job.chain = options.chain;
  job.terminal = isatty(STDOUT_FILENO);
  if (!build_pipeline(&job, input, output, &error)) return fail(error);

  g_print("%s -> %s\n", input.c_str(), output.c_str());
  job.loop = g_main_loop_new(nullptr, FALSE);
  GstBus* bus = gst_element_get_bus(job.pipeline);
  const guint watch = gst_bus_add_watch(bus, on_bus_message, &job);
  gst_object_unref(bus);
  const guint progress = job.source.image ? 0 : g_timeout_add(250, report_progress, &job);
  job.started_us = g_get_monotonic_time();
  g_current = &job;
  if (gst_element_set_state(job.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE && job.error.empty())
    job.error = "the pipeline would not start";
  if (job.error.empty()) g_main_loop_run(job.loop);
  g_current = nullptr;
  if (progress) g_source_remove(progress);
  g_source_remove(watch);
  gst_element_set_state(job.pipeline, GST_STATE_NULL);
  gst_object_unref(job.pipeline);
  g_main_loop_unref(job.loop);
  if (job.terminal && !job.source.image) g_print("\n");
  *interrupted = job.interrupted;
  if (!job.error.empty()) {
    g_remove(output.c_str());
    return fail(job.error);
  }
  const double seconds = (g_get_monotonic_time() - job.started_us) / 1e6;
  if (job.source.image) {
    g_print("  done: %s (PNG, %.2f s)\n", output.c_str(), seconds);
  } else {
    g_print("  %s: %" G_GUINT64_FORMAT " frames, %.1f s of video in %.1f s, %.1f fps; %s in %s, audio %s\n",
            job.interrupted ? "interrupted, partial file" : "done", job.frames, job.position / 1e9, seconds,
            seconds > 0 ? job.frames / seconds : 0.0, format.video_name.c_str(), format.extension == "mp4" ? "MP4" : "WebM",
            job.audio.c_str());
  }
  return !job.interrupted;
}

}  // namespace

int main(int argc, char** argv) {
  start_program(&argc, &argv);
  Options options;
  if (!parse_options(argc, argv, &options)) {
    usage(argv[0]);
    return 2;
  }
  if (g_mkdir_with_parents(options.output_dir.c_str(), 0755) != 0) {
    g_printerr("neuralisp-process: cannot create %s\n", options.output_dir.c_str());
    return 1;
  }
  if (!chain_builds("neuralisp-process", options.chain)) return 2;
  const Format format = choose_format(options.container);
  if (!has_element(format.muxer.c_str())) {
    g_printerr("neuralisp-process: %s is not installed (GStreamer's good plugins)\n", format.muxer.c_str());
    return 1;
  }
  g_unix_signal_add(SIGINT, on_interrupt, nullptr);

  int failed = 0, done = 0;
  bool interrupted = false;
  std::vector<std::string> written;
  for (const std::string& input : options.inputs) {
    if (process(options, format, input, &written, &interrupted)) ++done;
    else if (!interrupted) ++failed;
    if (interrupted) break;
  }
  g_print("%d of %zu files processed into %s", done, options.inputs.size(), options.output_dir.c_str());
  if (failed) g_print(", %d failed", failed);
  g_print("%s\n", interrupted ? ", interrupted" : "");
  if (interrupted) return kExitInterrupted;
  return failed ? 1 : 0;
}
