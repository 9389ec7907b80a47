/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Synthetic frames and pixel comparisons for the element tests. */
#pragma once

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

/* Every format the elements accept. */
static const char *const kFormats[] = {
  "RGB", "BGR", "RGBx", "BGRx", "xRGB", "xBGR", "RGBA", "BGRA", "ARGB", "ABGR", "I420", "NV12", "YUY2",
};

/* A smooth scene (gradients, a checkerboard, a sine) with noise of this sigma (mild by default;
 * each seed draws it afresh), in any video format. */
static inline GstBuffer *
make_test_frame (const GstVideoInfo * info, unsigned seed, float sigma = 12.0f)
{
  const int w = GST_VIDEO_INFO_WIDTH (info), h = GST_VIDEO_INFO_HEIGHT (info);
  GstVideoInfo rgb_info;
  gst_video_info_set_format (&rgb_info, GST_VIDEO_FORMAT_RGBA, w, h);
  rgb_info.colorimetry = info->colorimetry;
  rgb_info.fps_n = info->fps_n;
  rgb_info.fps_d = info->fps_d;
  GstBuffer *rgb = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&rgb_info), NULL);
  GstVideoFrame rgb_frame;
  gst_video_frame_map (&rgb_frame, &rgb_info, rgb, GST_MAP_WRITE);
  std::mt19937 rng (seed);
  std::normal_distribution < float >noise (0.0f, 1.0f);
  for (int y = 0; y < h; y++) {
    guint8 *row = static_cast < guint8 * >(GST_VIDEO_FRAME_PLANE_DATA (&rgb_frame, 0)) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&rgb_frame, 0);
    for (int x = 0; x < w; x++) {
      const float base[4] = { 40.0f + 150.0f * x / std::max (w, 1), ((x / 16 + y / 16) % 2) ? 170.0f : 70.0f,
        110.0f + 60.0f * std::sin (y * 0.2f), 200.0f
      };
      for (int c = 0; c < 4; c++)
        row[4 * x + c] = static_cast < guint8 > (std::clamp (base[c] + (c < 3 ? sigma * noise (rng) : 0.0f), 0.0f, 255.0f));
    }
  }
  GstBuffer *out = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  GstVideoFrame out_frame;
  gst_video_frame_map (&out_frame, info, out, GST_MAP_WRITE);
  GstVideoConverter *converter = gst_video_converter_new (&rgb_info, const_cast < GstVideoInfo * >(info), NULL);
  gst_video_converter_frame (converter, &rgb_frame, &out_frame);
  gst_video_converter_free (converter);
  gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&rgb_frame);
  gst_buffer_unref (rgb);
  return out;
}

/* A new frame of `info` (an RGB format) whose pixel (x, y) `fill` writes: fill (x, y, rgb). */
template < typename Fill > static inline GstBuffer *
make_rgb_frame (const GstVideoInfo * info, Fill fill)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  GstVideoFrame frame;
  gst_video_frame_map (&frame, info, buffer, GST_MAP_WRITE);
  for (int y = 0; y < GST_VIDEO_INFO_HEIGHT (info); y++) {
    guint8 *row = static_cast < guint8 * >(GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    for (int x = 0; x < GST_VIDEO_INFO_WIDTH (info); x++)
      fill (x, y, row + 3 * x);
  }
  gst_video_frame_unmap (&frame);
  return buffer;
}

/* A harness around `description` (an element name or a gst-launch chain) negotiated to raw
 * video of this format and size at 30 fps; fills `info` to match. */
static inline GstHarness *
harness_for_video (const char *description, GstVideoFormat format, int width, int height, GstVideoInfo * info)
{
  GstHarness *h = gst_harness_new_parse (description);
  gst_video_info_set_format (info, format, width, height);
  info->fps_n = 30;
  info->fps_d = 1;
  GstCaps *caps = gst_video_info_to_caps (info);
  gst_harness_set_src_caps (h, gst_caps_copy (caps));
  gst_harness_set_sink_caps (h, caps);
  return h;
}

/* Pushes one frame through a fresh harness of `description` and returns what came out. */
static inline GstBuffer *
run_through (const char *description, const GstVideoInfo * info, GstBuffer * input)
{
  GstVideoInfo negotiated;
  GstHarness *h = harness_for_video (description, GST_VIDEO_INFO_FORMAT (info), GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), &negotiated);
  GstBuffer *out = gst_harness_push_and_pull (h, gst_buffer_ref (input));
  gst_harness_teardown (h);
  return out;
}

/* NULL -> PAUSED -> NULL, many times: start/stop must neither leak nor fail. */
static inline void
assert_state_cycles (const char *factory, int cycles)
{
  GstElement *element = gst_element_factory_make (factory, NULL);
  for (int i = 0; i < cycles; i++) {
    fail_unless (gst_element_set_state (element, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    fail_unless (gst_element_set_state (element, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (element);
}

/* Every pixel's components, unpacked to 8-bit AYUV or ARGB (chroma repeated where subsampled),
 * so that frames compare without looking at padding bytes. */
static inline std::vector < guint8 >
unpack_frame (const GstVideoInfo * info, GstBuffer * buffer)
{
  GstVideoFrame frame;
  gst_video_frame_map (&frame, info, buffer, GST_MAP_READ);
  const int w = GST_VIDEO_INFO_WIDTH (info), h = GST_VIDEO_INFO_HEIGHT (info);
  std::vector < guint8 > pixels (static_cast < size_t > (4) * w * h);
  for (int y = 0; y < h; y++)
    info->finfo->unpack_func (info->finfo, GST_VIDEO_PACK_FLAG_NONE, pixels.data () + 4 * w * y,
        frame.data, frame.info.stride, 0, y, w);
  gst_video_frame_unmap (&frame);
  return pixels;
}

static inline double
max_abs_difference (const GstVideoInfo * info, GstBuffer * a, GstBuffer * b)
{
  const std::vector < guint8 > pa = unpack_frame (info, a), pb = unpack_frame (info, b);
  double worst = 0.0;
  for (size_t i = 0; i < pa.size (); i++)
    worst = std::max (worst, std::fabs (double (pa[i]) - double (pb[i])));
  return worst;
}

static inline double
mean_abs_difference (const GstVideoInfo * info, GstBuffer * a, GstBuffer * b)
{
  const std::vector < guint8 > pa = unpack_frame (info, a), pb = unpack_frame (info, b);
  double sum = 0.0;
  for (size_t i = 0; i < pa.size (); i++)
    sum += std::fabs (double (pa[i]) - double (pb[i]));
  return sum / pa.size ();
}

/* PSNR over the colour components of two RGB frames. */
static inline double
psnr_rgb (const GstVideoInfo * info, GstBuffer * a, GstBuffer * b)
{
  const std::vector < guint8 > pa = unpack_frame (info, a), pb = unpack_frame (info, b);
  double sq = 0.0;
  size_t n = 0;
  for (size_t i = 0; i < pa.size (); i++) {
    if (i % 4 == 0)
      continue;                 /* alpha */
    const double d = double (pa[i]) - double (pb[i]);
    sq += d * d;
    n++;
  }
  return 10.0 * std::log10 (255.0 * 255.0 / std::max (sq / n, 1e-10));
}

/* A pipeline from a launch line; fails the test when it does not parse. */
static inline GstElement *
parse_pipeline (const char *description)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  fail_unless (pipeline != NULL && error == NULL, "%s: %s", description, error ? error->message : "");
  return pipeline;
}

static inline void
play_until_eos (GstElement * pipeline, const char *description)
{
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  fail_unless (message != NULL, "pipeline timed out: %s", description);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    GError *err;
    gst_message_parse_error (message, &err, NULL);
    fail ("%s: %s", description, err->message);
  }
  gst_message_unref (message);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static inline void
run_to_eos (const char *description)
{
  GstElement *pipeline = parse_pipeline (description);
  play_until_eos (pipeline, description);
  gst_object_unref (pipeline);
}

/* A file written by one pipeline and decoded by another: the filesrc ! decodebin case. */

/* With `description` set up to leave frames unchanged but still run its network, every format
 * must come back as it went in: conversion, strides and alpha through real GstVideoFrames. RGB
 * formats are exact; YUV goes through RGB and back, so codes may move by rounding. */
static inline void
assert_every_format_round_trips (const char *description)
{
  for (const char *format : kFormats) {
    GstVideoInfo info;
    GstHarness *h = harness_for_video (description, gst_video_format_from_string (format), 37, 23, &info);
    GstBuffer *in = make_test_frame (&info, 11);
    GstBuffer *out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
    fail_unless (out != NULL && out != in, "no processed output for %s", format);
    const double diff = max_abs_difference (&info, in, out);
    fail_unless (diff <= (GST_VIDEO_INFO_IS_YUV (&info) ? 2.0 : 0.0), "%s changed by %f", format, diff);
    gst_buffer_unref (in);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

/* An RGB frame whose rows are stored 128 bytes apart (a GstVideoMeta says so) must be read row by
 * row: every pixel comes out `shift` codes brighter (within a code when shifted), never mixed
 * with the padding. */
static inline void
assert_padded_strides_are_read (const char *description, int shift)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video (description, GST_VIDEO_FORMAT_RGB, 33, 17, &info);
  const gsize stride = 128;
  GstBuffer *in = gst_buffer_new_allocate (NULL, stride * 17, NULL);
  GstMapInfo map;
  gst_buffer_map (in, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = static_cast < guint8 > ((i % stride) < 99 ? 60 + (i * 7) % 120 : 0xEE);
  gst_buffer_unmap (in, &map);
  gsize offsets[GST_VIDEO_MAX_PLANES] = { 0 };
  gint strides[GST_VIDEO_MAX_PLANES] = { static_cast < gint > (stride) };
  gst_buffer_add_video_meta_full (in, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_RGB, 33, 17, 1, offsets, strides);

  GstBuffer *out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
  GstVideoFrame in_frame, out_frame;
  GstVideoInfo padded = info;
  padded.stride[0] = stride;
  padded.size = stride * 17;
  fail_unless (gst_video_frame_map (&in_frame, &padded, in, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&out_frame, &info, out, GST_MAP_READ));
  const int tolerance = shift ? 1 : 0;
  for (int y = 0; y < 17; y++)
    for (int x = 0; x < 99; x++) {
      const int a = static_cast < guint8 * >(GST_VIDEO_FRAME_PLANE_DATA (&in_frame, 0))[y * stride + x];
      const int b = static_cast < guint8 * >(GST_VIDEO_FRAME_PLANE_DATA (&out_frame, 0))[y *
          GST_VIDEO_FRAME_PLANE_STRIDE (&out_frame, 0) + x];
      fail_unless (std::abs (b - a - shift) <= tolerance, "pixel %d,%d: %d -> %d", x, y, a, b);
    }
  gst_video_frame_unmap (&in_frame);
  gst_video_frame_unmap (&out_frame);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* Frames of odd and large sizes, RGB and I420, come out whole. */
static inline void
assert_sizes_from_1x1_to_1080p (const char *description)
{
  const int sizes[][2] = { {1, 1}, {3, 5}, {641, 481}, {1920, 1080} };
  for (const char *format : { "RGB", "I420" }) {
    for (const auto & size : sizes) {
      GstVideoInfo info;
      GstHarness *h = harness_for_video (description, gst_video_format_from_string (format), size[0], size[1], &info);
      GstBuffer *out = gst_harness_push_and_pull (h, make_test_frame (&info, 3));
      fail_unless (out != NULL);
      fail_unless_equals_int (gst_buffer_get_size (out), GST_VIDEO_INFO_SIZE (&info));
      gst_buffer_unref (out);
      gst_harness_teardown (h);
    }
  }
}

static inline void
assert_unsupported_caps_are_refused (const char *factory)
{
  GstHarness *h = gst_harness_new (factory);
  gst_harness_play (h);
  GstCaps *gray = gst_caps_from_string ("video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1");
  fail_if (gst_pad_query_accept_caps (h->srcpad->peer, gray));
  GstCaps *audio = gst_caps_from_string ("audio/x-raw,format=S16LE,rate=48000,channels=2");
  fail_if (gst_pad_query_accept_caps (h->srcpad->peer, audio));
  gst_caps_unref (gray);
  gst_caps_unref (audio);
  gst_harness_teardown (h);
}

/* A flush as a seek makes it: flush-start, flush-stop, a new segment. */
static inline void
flush_harness (GstHarness * h)
{
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

/* Frames flow after a flush, and EOS reaches downstream. */
static inline void
assert_eos_and_flush (const char *description)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video (description, GST_VIDEO_FORMAT_NV12, 64, 48, &info);
  gst_buffer_unref (gst_harness_push_and_pull (h, make_test_frame (&info, 1)));
  flush_harness (h);
  GstBuffer *out = gst_harness_push_and_pull (h, make_test_frame (&info, 2));
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gboolean saw_eos = FALSE;
  GstEvent *event;
  while ((event = gst_harness_try_pull_event (h))) {
    saw_eos |= GST_EVENT_TYPE (event) == GST_EVENT_EOS;
    gst_event_unref (event);
  }
  fail_unless (saw_eos);
  gst_harness_teardown (h);
}

/* Frames keep flowing while another thread runs `toggle` (given the element named `factory`
 * inside `description`) and changes its properties as fast as it can. */
static inline void
assert_frames_flow_while (const char *description, const char *factory, GThreadFunc toggle)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video (description, GST_VIDEO_FORMAT_RGB, 64, 48, &info);
  GstElement *element = gst_harness_find_element (h, factory);
  GThread *thread = g_thread_new ("toggle", toggle, element);
  for (int i = 0; i < 30; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, make_test_frame (&info, i));
    fail_unless (out != NULL);
    gst_buffer_unref (out);
  }
  g_thread_join (thread);
  gst_object_unref (element);
  gst_harness_teardown (h);
}

/* A photo from a Debian package (mate-backgrounds, which tests/run.sh installs), never trained on. */
#define TEST_PHOTO "/usr/share/backgrounds/mate/nature/LadyBird.jpg"

/* Tests that need the photo are added with tcase_add_photo_test; where it is missing they are
 * counted instead, and NEURALISP_CHECK_MAIN runs the rest and then reports the suite skipped
 * (exit 77) with a message, rather than failing or passing without them. */
static int photo_tests_skipped = 0;

#define tcase_add_photo_test(tc, test)                   \
  do {                                                   \
    if (g_file_test (TEST_PHOTO, G_FILE_TEST_EXISTS))    \
      tcase_add_test (tc, test);                         \
    else                                                 \
      photo_tests_skipped++;                             \
  } while (0)

/* Whether the neuralisp plugin GStreamer found is the one this build made (says why not). */
static inline bool
plugin_is_from_the_build_tree (void)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "neuralisp");
  const gchar *file = plugin ? gst_plugin_get_filename (plugin) : NULL;
  const bool ours = file && g_str_has_prefix (file, NEURALISP_PLUGIN_BUILD_DIR "/");
  if (!ours)
    g_printerr ("the neuralisp plugin is %s, not the build tree's (" NEURALISP_PLUGIN_BUILD_DIR ")\n",
        file ? file : "missing");
  if (plugin)
    gst_object_unref (plugin);
  return ours;
}

#define NEURALISP_CHECK_MAIN(name)                                                              \
  int main (int argc, char **argv)                                                               \
  {                                                                                              \
    gst_check_init (&argc, &argv);                                                               \
    if (!plugin_is_from_the_build_tree ())                                                       \
      return 1;                                                                                  \
    const int failed = gst_check_run_suite (name##_suite (), #name, __FILE__);                   \
    if (failed == 0 && photo_tests_skipped > 0) {                                                \
      g_print ("%d tests skipped: " TEST_PHOTO " is missing (Debian's mate-backgrounds)\n",     \
          photo_tests_skipped);                                                                  \
      return 77;                                                                                 \
    }                                                                                            \
    return failed == 0 ? 0 : 1;                                                                  \
  }

/* The photo, decoded and scaled to width x height RGB. */
static inline GstBuffer *
load_photo (GstVideoInfo * info, int width, int height)
{
  gchar *description = g_strdup_printf ("filesrc location=" TEST_PHOTO " ! jpegdec ! videoconvert ! "
      "videoscale ! video/x-raw,format=RGB,width=%d,height=%d ! appsink name=sink", width, height);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  g_free (description);
  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GstSample *sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  fail_unless (sample != NULL, "could not decode " TEST_PHOTO " (is mate-backgrounds installed?)");
  fail_unless (gst_video_info_from_caps (info, gst_sample_get_caps (sample)));
  GstBuffer *buffer = gst_buffer_ref (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return buffer;
}

/* READY->PAUSED with this launch line's element must fail with an error whose text contains
 * `expected`. */
static inline void
assert_start_error (const std::string & description, const std::string & expected)
{
  GError *error = NULL;
  GstElement *element = gst_parse_launch (description.c_str (), &error);
  fail_unless (element != NULL && error == NULL);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (element, bus);
  fail_unless (gst_element_set_state (element, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE, "%s started",
      description.c_str ());
  GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "no error message for %s", description.c_str ());
  GError *err = NULL;
  gchar *debug = NULL;
  gst_message_parse_error (message, &err, &debug);
  const std::string text = std::string (err->message) + " " + (debug ? debug : "");
  fail_unless (text.find (expected) != std::string::npos, "'%s' does not say '%s'", text.c_str (), expected.c_str ());
  g_error_free (err);
  g_free (debug);
  gst_message_unref (message);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  gst_object_unref (element);
}

/* A missing file, a file of garbage and each of `models` (wrong ones for this element) must fail
 * READY->PAUSED of `factory` with an error naming the file. */
static inline void
assert_bad_models_fail (const std::string & factory, const std::vector < std::string > &models)
{
  gchar *tmp = g_dir_make_tmp ("neuralisp-XXXXXX", NULL);
  const std::string garbage = std::string (tmp) + "/garbage.pt";
  g_file_set_contents (garbage.c_str (), "not a model", -1, NULL);
  std::vector < std::string > paths = { std::string (tmp) + "/missing.pt", garbage };
  paths.insert (paths.end (), models.begin (), models.end ());
  for (const std::string & path : paths)
    assert_start_error (factory + " model-location=" + path, path);
  g_remove (garbage.c_str ());
  g_rmdir (tmp);
  g_free (tmp);
}

/* --- Bayer frames (video/x-bayer with bayer2rgb's row stride: rows padded to 4 samples) --- */

/* Colour (0 R, 1 G, 2 B) of photosite (x, y) for a pattern name's first four letters. */
static inline int
bayer_colour (const char *pattern, int x, int y)
{
  const char c = pattern[(y % 2) * 2 + (x % 2)];
  return c == 'r' ? 0 : c == 'g' ? 1 : 2;
}

static inline gsize
bayer_stride (int width, int bits)
{
  return GST_ROUND_UP_4 (width) * (bits > 8 ? 2 : 1);
}

/* A Bayer buffer whose photosite (x, y) holds code(colour, x, y). */
template < typename Code > static inline GstBuffer *
make_bayer_frame (const char *pattern, int bits, int width, int height, Code code)
{
  const gsize stride = bayer_stride (width, bits);
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, stride * height, NULL);
  GstMapInfo map;
  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++) {
      const int v = code (bayer_colour (pattern, x, y), x, y);
      if (bits > 8) {
        map.data[y * stride + 2 * x] = v & 0xff;
        map.data[y * stride + 2 * x + 1] = v >> 8;
      } else {
        map.data[y * stride + x] = static_cast < guint8 > (v);
      }
    }
  gst_buffer_unmap (buffer, &map);
  return buffer;
}

/* Photosite (x, y) of a Bayer buffer. */
static inline int
bayer_code (GstBuffer * buffer, int bits, int width, int x, int y)
{
  GstMapInfo map;
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  const gsize i = y * bayer_stride (width, bits) + (bits > 8 ? 2 * x : x);
  const int v = bits > 8 ? map.data[i] | map.data[i + 1] << 8 : map.data[i];
  gst_buffer_unmap (buffer, &map);
  return v;
}

/* The format name of a pattern at a bit depth as the Bayer caps spell it. */
static inline std::string
bayer_format (const char *pattern, int bits)
{
  return bits == 8 ? std::string (pattern) : std::string (pattern) + std::to_string (bits) + "le";
}

/* Runs `description` (which must contain an appsrc named src) with one buffer and returns the
 * message text of the error it posts (empty if none). */
static inline std::string
error_of_pipeline (const char *description, GstBuffer * buffer)
{
  GstElement *pipeline = parse_pipeline (description);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (src) {
    gst_app_src_push_buffer (GST_APP_SRC (src), buffer);
    gst_app_src_end_of_stream (GST_APP_SRC (src));
    gst_object_unref (src);
  }
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  std::string text;
  if (message && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    GError *err;
    gchar *debug;
    gst_message_parse_error (message, &err, &debug);
    text = std::string (err->message) + " | " + (debug ? debug : "");
    g_error_free (err);
    g_free (debug);
  }
  if (message)
    gst_message_unref (message);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return text;
}
