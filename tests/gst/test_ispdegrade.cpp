/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstHarness tests of ispdegrade: caps, reproducibility, strengths, controller, states. */
/* Standard and local headers first: Check's fail() macro breaks <ios> otherwise. */
#include "common.h"

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>
#include <gst/video/video.h>

GST_START_TEST (test_every_format_and_odd_sizes)
{
  for (const char *format : kFormats) {
    for (const auto & size : { std::pair { 1, 1 }, std::pair { 3, 5 }, std::pair { 64, 48 } }) {
      GstVideoInfo info;
      gst_video_info_set_format (&info, gst_video_format_from_string (format), size.first, size.second);
      GstBuffer *in = make_test_frame (&info, 1);
      GstBuffer *out = run_through ("ispdegrade noise=10 camera-noise=0.3 blur=1 jpeg-quality=70", &info, in);
      fail_unless (out != NULL, "%s %dx%d", format, size.first, size.second);
      fail_unless_equals_int (gst_buffer_get_size (out), GST_VIDEO_INFO_SIZE (&info));
      gst_buffer_unref (in);
      gst_buffer_unref (out);
    }
  }
}
GST_END_TEST;

GST_START_TEST (test_defaults_pass_frames_through)
{
  GstVideoInfo info;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 40, 30);
  GstBuffer *in = make_test_frame (&info, 2);
  GstBuffer *out = run_through ("ispdegrade", &info, in);
  fail_unless (out == in, "with every degradation off the frame must pass through untouched");
  gst_buffer_unref (in);
  gst_buffer_unref (out);
}
GST_END_TEST;

/* Frame n gets the same noise whether or not the frames before it were degraded. */
GST_START_TEST (test_noise_of_frame_n_ignores_earlier_settings)
{
  GstVideoInfo info;
  GstHarness *always = harness_for_video ("ispdegrade noise=20 seed=3", GST_VIDEO_FORMAT_RGB, 64, 48, &info);
  GstHarness *later = harness_for_video ("ispdegrade noise=0 seed=3", GST_VIDEO_FORMAT_RGB, 64, 48, &info);
  GstBuffer *in = make_test_frame (&info, 5);
  for (int i = 0; i < 3; i++) {
    gst_buffer_unref (gst_harness_push_and_pull (always, gst_buffer_ref (in)));
    gst_buffer_unref (gst_harness_push_and_pull (later, gst_buffer_ref (in)));
  }
  GstElement *element = gst_harness_find_element (later, "ispdegrade");
  g_object_set (element, "noise", 20.0, NULL);
  gst_object_unref (element);
  GstBuffer *a = gst_harness_push_and_pull (always, gst_buffer_ref (in));
  GstBuffer *b = gst_harness_push_and_pull (later, gst_buffer_ref (in));
  fail_unless_equals_float (max_abs_difference (&info, a, b), 0.0);
  fail_unless (max_abs_difference (&info, a, in) > 0.0);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  gst_buffer_unref (in);
  gst_harness_teardown (always);
  gst_harness_teardown (later);
}
GST_END_TEST;

GST_START_TEST (test_same_seed_same_noise)
{
  GstVideoInfo info;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 64, 48);
  GstBuffer *in = make_test_frame (&info, 3);
  GstBuffer *a = run_through ("ispdegrade noise=20 seed=7", &info, in);
  GstBuffer *b = run_through ("ispdegrade noise=20 seed=7", &info, in);
  GstBuffer *c = run_through ("ispdegrade noise=20 seed=8", &info, in);
  fail_unless_equals_float (max_abs_difference (&info, a, b), 0.0);
  fail_unless (max_abs_difference (&info, a, c) > 0.0);
  /* sigma 20 on a mid-grey-ish frame: mean |n| = 0.8 sigma, minus a little clipping */
  const double change = mean_abs_difference (&info, in, a) * 4.0 / 3.0;  /* alpha is unchanged */
  fail_unless (change > 13.0 && change < 18.0, "mean change %f", change);
  gst_buffer_unref (in);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  gst_buffer_unref (c);
}
GST_END_TEST;

GST_START_TEST (test_controller_drives_noise)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video ("ispdegrade", GST_VIDEO_FORMAT_RGB, 64, 48, &info);
  GstElement *element = gst_harness_find_element (h, "ispdegrade");
  GstControlSource *source = gst_interpolation_control_source_new ();
  g_object_set (source, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
  gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (source), 0, 0.0);
  gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (source), GST_SECOND, 0.2);
  gst_object_add_control_binding (GST_OBJECT (element),
      gst_direct_control_binding_new (GST_OBJECT (element), "noise", source));

  GstBuffer *clean = make_test_frame (&info, 4);
  double changes[2];
  for (int i = 0; i < 2; i++) {
    GstBuffer *in = gst_buffer_copy (clean);
    GST_BUFFER_PTS (in) = i * GST_SECOND;
    GstBuffer *out = gst_harness_push_and_pull (h, in);
    changes[i] = mean_abs_difference (&info, clean, out);
    gst_buffer_unref (out);
  }
  gdouble noise;
  g_object_get (element, "noise", &noise, NULL);
  fail_unless (std::fabs (noise - 51.0) < 1e-6, "noise %f", noise);
  fail_unless (changes[0] == 0.0 && changes[1] > 20.0, "changes %f %f", changes[0], changes[1]);
  gst_buffer_unref (clean);
  gst_object_unref (source);
  gst_object_unref (element);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_out_of_range_values_are_refused)
{
  GstElement *element = gst_element_factory_make ("ispdegrade", NULL);
  ASSERT_WARNING (g_object_set (element, "camera-noise", 1.5, NULL));
  ASSERT_WARNING (g_object_set (element, "jpeg-quality", 101, NULL));
  ASSERT_WARNING (g_object_set (element, "blur", -1.0, NULL));
  gdouble camera_noise;
  g_object_get (element, "camera-noise", &camera_noise, NULL);
  fail_unless_equals_float (camera_noise, 0.0);
  gst_object_unref (element);
}
GST_END_TEST;

GST_START_TEST (test_state_cycles)
{
  assert_state_cycles ("ispdegrade", 100);
}
GST_END_TEST;

/* Bayer in, Bayer out: camera noise on the photosites; the pattern and depth are kept. */
GST_START_TEST (test_bayer_frames_get_raw_noise)
{
  GstHarness *h = gst_harness_new_parse ("ispdegrade camera-noise=0.6 black-level=64");
  gst_harness_set_src_caps_str (h, "video/x-bayer,format=grbg10le,width=64,height=48,framerate=30/1");
  GstBuffer *in = make_bayer_frame ("grbg", 16, 64, 48, [] (int, int, int) { return 600; });
  GstBuffer *out = gst_harness_push_and_pull (h, gst_buffer_ref (in));
  fail_unless (out != NULL);
  fail_unless_equals_int (gst_buffer_get_size (out), gst_buffer_get_size (in));
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless_equals_string (gst_structure_get_string (gst_caps_get_structure (caps, 0), "format"), "grbg10le");
  gst_caps_unref (caps);
  double sum = 0, sq = 0;
  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 64; x++) {
      const int v = bayer_code (out, 16, 64, x, y);
      sum += v;
      sq += double (v) * v;
    }
  const double mean = sum / (64 * 48), sigma = std::sqrt (sq / (64 * 48) - mean * mean);
  fail_unless (std::abs (mean - 600) < 3, "mean %f", mean);
  fail_unless (sigma > 3 && sigma < 60, "sigma %f", sigma);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_harness_teardown (h);

  const std::string error = error_of_pipeline ("appsrc name=src format=time "
      "caps=video/x-bayer,format=rggb,width=64,height=48,framerate=30/1 ! ispdegrade blur=2 ! fakesink",
      make_bayer_frame ("rggb", 8, 64, 48, [] (int, int, int) { return 100; }));
  fail_unless (error.find ("RGB frames") != std::string::npos, "%s", error.c_str ());
}
GST_END_TEST;

static Suite *
ispdegrade_suite (void)
{
  Suite *s = suite_create ("ispdegrade");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_format_and_odd_sizes);
  tcase_add_test (tc, test_defaults_pass_frames_through);
  tcase_add_test (tc, test_noise_of_frame_n_ignores_earlier_settings);
  tcase_add_test (tc, test_same_seed_same_noise);
  tcase_add_test (tc, test_controller_drives_noise);
  tcase_add_test (tc, test_out_of_range_values_are_refused);
  tcase_add_test (tc, test_state_cycles);
  tcase_add_test (tc, test_bayer_frames_get_raw_noise);
  return s;
}

NEURALISP_CHECK_MAIN (ispdegrade);
