/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* isprgb2raw through GstHarness and small pipelines, with the untrained reverse ISP (its
 * correction is zero, so it is the exact explicit inverse: tests/data/make_test_models.py). */
#include <string>

#include "common.h"

#define TEST_MODEL NEURALISP_TEST_DATA_DIR "/explicit-rgb2raw.pt"
#define ELEMENT "isprgb2raw model-location=" TEST_MODEL
#define NEUTRAL_CAMERA " white-balance=\"<1.0, 1.0, 1.0>\" color-matrix=\"<1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0>\""

static const char *const kPatterns[] = { "rggb", "bggr", "grbg", "gbrg" };

/* Red, green and blue patches (32 columns each) in RGB. */
static GstBuffer *
make_patches (GstVideoInfo * info)
{
  gst_video_info_set_format (info, GST_VIDEO_FORMAT_RGB, 96, 32);
  info->fps_n = 30;
  info->fps_d = 1;
  return make_rgb_frame (info, [](int x, int, guint8 * rgb) {
    for (int c = 0; c < 3; c++)
      rgb[c] = c == x / 32 ? 255 : 0;
  });
}

/* Each patch's colour lands on the photosites the pattern gives it, at every depth. */
GST_START_TEST (test_every_pattern_and_depth_gets_its_photosites)
{
  for (const char *pattern : kPatterns)
    for (int bits : { 8, 10, 12, 14, 16 }) {
      GstVideoInfo info;
      GstBuffer *patches = make_patches (&info);
      GstHarness *h = gst_harness_new_parse (ELEMENT NEUTRAL_CAMERA);
      GstCaps *caps = gst_video_info_to_caps (&info);
      gst_harness_set_src_caps (h, caps);
      gst_harness_set_sink_caps_str (h, ("video/x-bayer,format=" + bayer_format (pattern, bits)).c_str ());
      GstBuffer *raw = gst_harness_push_and_pull (h, patches);
      fail_unless (raw != NULL, "%s %d", pattern, bits);
      const int white = (1 << bits) - 1;
      for (int y = 8; y < 10; y++)
        for (int x = 0; x < 96; x += 7) {
          const int expected = bayer_colour (pattern, x, y) == x / 32 ? white : 0;
          fail_unless (bayer_code (raw, bits, 96, x, y) == expected, "%s %d-bit (%d, %d): %d, expected %d", pattern,
              bits, x, y, bayer_code (raw, bits, 96, x, y), expected);
        }
      gst_buffer_unref (raw);
      gst_harness_teardown (h);
    }
}
GST_END_TEST;

/* Every RGB and YUV input format is taken; RGGB 8-bit when downstream does not say. */
GST_START_TEST (test_every_input_format_and_the_default_output)
{
  for (const char *format : kFormats) {
    GstVideoInfo info;
    GstHarness *h = gst_harness_new_parse (ELEMENT);
    gst_video_info_set_format (&info, gst_video_format_from_string (format), 64, 48);
    info.fps_n = 30;
    info.fps_d = 1;
    gst_harness_set_src_caps (h, gst_video_info_to_caps (&info));
    GstBuffer *raw = gst_harness_push_and_pull (h, make_test_frame (&info, 3));
    fail_unless (raw != NULL, "%s", format);
    GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
    GstStructure *s = gst_caps_get_structure (caps, 0);
    fail_unless (gst_structure_has_name (s, "video/x-bayer"));
    fail_unless_equals_string (gst_structure_get_string (s, "format"), "rggb");
    fail_unless_equals_int (gst_buffer_get_size (raw), 64 * 48);
    gst_caps_unref (caps);
    gst_buffer_unref (raw);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* Black and white levels put the image between them. */
GST_START_TEST (test_levels)
{
  GstVideoInfo info;
  GstBuffer *patches = make_patches (&info);
  GstHarness *h = gst_harness_new_parse (ELEMENT NEUTRAL_CAMERA " black-level=64 white-level=1000");
  gst_harness_set_src_caps (h, gst_video_info_to_caps (&info));
  gst_harness_set_sink_caps_str (h, "video/x-bayer,format=rggb10le");
  GstBuffer *raw = gst_harness_push_and_pull (h, patches);
  fail_unless_equals_int (bayer_code (raw, 10, 96, 0, 0), 1000);  /* red in the red patch */
  fail_unless_equals_int (bayer_code (raw, 10, 96, 1, 0), 64);    /* green there */
  gst_buffer_unref (raw);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_odd_sizes_and_bad_settings_are_refused_with_a_message)
{
  std::string error = error_of_pipeline ("videotestsrc num-buffers=1 ! video/x-raw,width=65,height=48 ! " ELEMENT
      " ! fakesink", NULL);
  fail_unless (error.find ("even width and height") != std::string::npos, "%s", error.c_str ());
  error = error_of_pipeline ("videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! " ELEMENT
      " bit-depth=12 ! video/x-bayer,format=rggb ! fakesink", NULL);
  fail_unless (error.find ("bit-depth") != std::string::npos, "%s", error.c_str ());
  error = error_of_pipeline ("videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! " ELEMENT
      " color-matrix=\"<1.0, 2.0>\" ! fakesink", NULL);
  fail_unless (error.find ("9 values") != std::string::npos, "%s", error.c_str ());
}
GST_END_TEST;

/* RGB -> RAW -> RGB through both elements with the camera given to each keeps the frame. */
GST_START_TEST (test_round_trip_through_ispraw2rgb)
{
  for (const char *format : { "bggr12le", "gbrg" }) {
    const std::string description = std::string (ELEMENT NEUTRAL_CAMERA " ! video/x-bayer,format=") + format +
        " ! ispraw2rgb model-location=" NEURALISP_TEST_DATA_DIR "/grey-world-raw2rgb.pt" NEUTRAL_CAMERA;
    GstVideoInfo info;
    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGBx, 96, 64);
    info.fps_n = 30;
    info.fps_d = 1;
    GstHarness *h = gst_harness_new_parse (description.c_str ());
    gst_harness_set_src_caps (h, gst_video_info_to_caps (&info));
    gst_harness_set_sink_caps (h, gst_video_info_to_caps (&info));
    GstBuffer *in = make_test_frame (&info, 5);
    GstBuffer *out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
    fail_unless (out != NULL);
    /* The bilinear demosaic blurs the test frame's noise; the rest comes back. */
    const double psnr = psnr_rgb (&info, in, out);
    fail_unless (psnr > 24.0, "%s: %f dB", format, psnr);
    gst_buffer_unref (in);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

GST_START_TEST (test_bayer_input_is_refused)
{
  GstHarness *h = gst_harness_new_parse (ELEMENT);
  GstCaps *bayer = gst_caps_from_string ("video/x-bayer,format=rggb,width=8,height=8,framerate=30/1");
  fail_if (gst_pad_query_accept_caps (h->srcpad->peer, bayer));
  gst_caps_unref (bayer);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_state_cycles_and_flush)
{
  GstElement *element = gst_element_factory_make ("isprgb2raw", NULL);
  g_object_set (element, "model-location", TEST_MODEL, NULL);
  for (int i = 0; i < 100; i++) {
    fail_unless (gst_element_set_state (element, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    fail_unless (gst_element_set_state (element, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (element);
  GstVideoInfo info;
  GstHarness *h = harness_for_video (ELEMENT, GST_VIDEO_FORMAT_I420, 64, 48, &info);
  gst_harness_set_sink_caps_str (h, "video/x-bayer,format=bggr");
  gst_buffer_unref (gst_harness_push_and_pull (h, make_test_frame (&info, 1)));
  flush_harness (h);
  GstBuffer *out = gst_harness_push_and_pull (h, make_test_frame (&info, 2));
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *
isprgb2raw_suite (void)
{
  Suite *s = suite_create ("isprgb2raw");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_pattern_and_depth_gets_its_photosites);
  tcase_add_test (tc, test_every_input_format_and_the_default_output);
  tcase_add_test (tc, test_levels);
  tcase_add_test (tc, test_odd_sizes_and_bad_settings_are_refused_with_a_message);
  tcase_add_test (tc, test_round_trip_through_ispraw2rgb);
  tcase_add_test (tc, test_bayer_input_is_refused);
  tcase_add_test (tc, test_state_cycles_and_flush);
  return s;
}

NEURALISP_CHECK_MAIN (isprgb2raw);
