/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Synthetic frames and pixel comparisons for the element tests. */
#pragma once

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

/* A smooth scene (gradients, a checkerboard, a sine) with mild noise, in any video format. */
static inline GstBuffer *
make_test_frame (const GstVideoInfo * info, unsigned seed)
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
  std::normal_distribution < float >noise (0.0f, 12.0f);
  for (int y = 0; y < h; y++) {
    guint8 *row = static_cast < guint8 * >(GST_VIDEO_FRAME_PLANE_DATA (&rgb_frame, 0)) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&rgb_frame, 0);
    for (int x = 0; x < w; x++) {
      const float base[4] = { 40.0f + 150.0f * x / std::max (w, 1), ((x / 16 + y / 16) % 2) ? 170.0f : 70.0f,
        110.0f + 60.0f * std::sin (y * 0.2f), 200.0f
      };
      for (int c = 0; c < 4; c++)
        row[4 * x + c] = static_cast < guint8 > (std::clamp (base[c] + (c < 3 ? noise (rng) : 0.0f), 0.0f, 255.0f));
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
