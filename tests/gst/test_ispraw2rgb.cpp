/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ispraw2rgb through GstHarness and small pipelines, with a test model whose demosaic is bilinear
 * and whose white balance is grey-world (tests/data/make_test_models.py). */
#include <string>

#include "common.h"

#define TEST_MODEL NEURALISP_TEST_DATA_DIR "/grey-world-raw2rgb.pt"
#define ELEMENT "ispraw2rgb model-location=" TEST_MODEL

static const char *const kPatterns[] = { "rggb", "bggr", "grbg", "gbrg" };
static const int kBits[] = { 8, 10, 12, 16 };

/* A harness from Bayer caps to RGB. */
static GstHarness *
bayer_harness (const char *description, const std::string & format, int width, int height)
{
  GstHarness *h = gst_harness_new_parse (description);
  gst_harness_set_src_caps_str (h, ("video/x-bayer,format=" + format + ",width=" + std::to_string (width) +
          ",height=" + std::to_string (height) + ",framerate=30/1").c_str ());
  gst_harness_set_sink_caps_str (h, "video/x-raw,format=RGB");
  return h;
}

static const guint8 *
pixel (GstMapInfo * map, int width, int x, int y)
{
  return map->data + y * GST_ROUND_UP_4 (3 * width) + 3 * x;
}

/* Patches of pure red, green and blue come out in their colours for every pattern and depth. */
GST_START_TEST (test_every_pattern_and_depth_keeps_colours)
{
  for (const char *pattern : kPatterns)
    for (int bits : kBits) {
      const int white = (1 << bits) - 1;
      GstHarness *h = bayer_harness (ELEMENT " rendering=demosaic", bayer_format (pattern, bits), 96, 32);
      /* Columns 0-31 red, 32-63 green, 64-95 blue: each photosite lit when its colour is the patch's. */
      GstBuffer *out = gst_harness_push_and_pull (h, make_bayer_frame (pattern, bits, 96, 32,
              [white] (int colour, int x, int) { return colour == x / 32 ? white : 0; }));
      fail_unless (out != NULL, "%s %d", pattern, bits);
      GstMapInfo map;
      gst_buffer_map (out, &map, GST_MAP_READ);
      for (int patch = 0; patch < 3; patch++) {
        const guint8 *p = pixel (&map, 96, 32 * patch + 16, 16);
        for (int c = 0; c < 3; c++)
          fail_unless (std::abs (p[c] - (c == patch ? 255 : 0)) <= 2, "%s %d-bit patch %d channel %d: %d", pattern,
              bits, patch, c, p[c]);
      }
      gst_buffer_unmap (out, &map);
      gst_buffer_unref (out);
      gst_harness_teardown (h);
    }
}
GST_END_TEST;

/* Every packed RGB output format gets red where the mosaic is red, alpha opaque. */
GST_START_TEST (test_every_output_format)
{
  for (const char *format : { "RGBx", "BGRx", "xRGB", "xBGR", "RGBA", "BGRA", "ARGB", "ABGR", "RGB", "BGR" }) {
    GstHarness *h = gst_harness_new_parse (ELEMENT " rendering=demosaic");
    gst_harness_set_src_caps_str (h, "video/x-bayer,format=gbrg,width=64,height=48,framerate=30/1");
    gst_harness_set_sink_caps_str (h, (std::string ("video/x-raw,format=") + format).c_str ());
    GstBuffer *out = gst_harness_push_and_pull (h, make_bayer_frame ("gbrg", 8, 64, 48,
            [] (int colour, int, int) { return colour == 0 ? 255 : 0; }));
    fail_unless (out != NULL, "%s", format);
    GstVideoInfo info;
    GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_video_info_from_caps (&info, caps));
    gst_caps_unref (caps);
    fail_unless_equals_string (gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)), format);
    const std::vector < guint8 > argb = unpack_frame (&info, out);
    const guint8 *p = &argb[4 * (24 * 64 + 32)];
    fail_unless (p[0] == 255 && p[1] >= 253 && p[2] <= 2 && p[3] <= 2, "%s: A %d R %d G %d B %d", format, p[0], p[1],
        p[2], p[3]);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* Frames keep flowing while another thread changes every property that is mutable in PLAYING. */
static gpointer
change_camera (gpointer element)
{
  for (int i = 0; i < 300; i++) {
    GValue gains = G_VALUE_INIT;
    gst_value_array_init (&gains, 3);
    for (double g : { 1.5 + (i % 5) * 0.1, 1.0, 1.8 }) {
      GValue v = G_VALUE_INIT;
      g_value_init (&v, G_TYPE_DOUBLE);
      g_value_set_double (&v, g);
      gst_value_array_append_and_take_value (&gains, &v);
    }
    g_object_set_property (G_OBJECT (element), "white-balance", &gains);
    g_value_unset (&gains);
    g_object_set (element, "rendering", i % 2, "black-level", i % 3 == 0 ? -1 : 4, NULL);
    g_usleep (200);
  }
  return NULL;
}

GST_START_TEST (test_properties_change_while_frames_flow)
{
  GstHarness *h = bayer_harness (ELEMENT, "rggb", 64, 48);
  GstElement *element = gst_harness_find_element (h, "ispraw2rgb");
  GThread *thread = g_thread_new ("change", change_camera, element);
  for (int i = 0; i < 40; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, make_bayer_frame ("rggb", 8, 64, 48,
            [i] (int c, int x, int y) { return (c * 60 + x + y + i) % 256; }));
    fail_unless (out != NULL);
    gst_buffer_unref (out);
  }
  g_thread_join (thread);
  gst_object_unref (element);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The same scene as 8-bit and as 12-bit samples, and 10-bit data in a 16-bit format with
 * bit-depth=10, render alike. */
GST_START_TEST (test_bit_depths_render_alike)
{
  auto scene =[](int colour, int x, int y) { return 40 + (colour * 50 + x * 2 + y) % 180; };
  GstBuffer *outputs[3];
  const struct
  {
    const char *format;
    const char *extra;
    int bits;
    int shift;
  } cases[] = { {"grbg", "", 8, 0}, {"grbg12le", "", 12, 4}, {"grbg16le", " bit-depth=10", 10, 2} };
  for (int i = 0; i < 3; i++) {
    GstHarness *h = bayer_harness ((std::string (ELEMENT) + cases[i].extra).c_str (), cases[i].format, 64, 48);
    const int shift = cases[i].shift;
    outputs[i] = gst_harness_push_and_pull (h, make_bayer_frame ("grbg", cases[i].bits == 8 ? 8 : 16, 64, 48,
            [&] (int c, int x, int y) { return (scene (c, x, y) << shift) + (shift ? 1 << (shift - 1) : 0); }));
    fail_unless (outputs[i] != NULL);
    gst_harness_teardown (h);
  }
  GstMapInfo a, b;
  for (int i = 1; i < 3; i++) {
    gst_buffer_map (outputs[0], &a, GST_MAP_READ);
    gst_buffer_map (outputs[i], &b, GST_MAP_READ);
    double sum = 0;
    for (gsize k = 0; k < a.size; k++)
      sum += std::abs (a.data[k] - b.data[k]);
    fail_unless (sum / a.size < 1.5, "case %d differs by %f", i, sum / a.size);
    gst_buffer_unmap (outputs[0], &a);
    gst_buffer_unmap (outputs[i], &b);
  }
  for (GstBuffer *out : outputs)
    gst_buffer_unref (out);
}
GST_END_TEST;

GST_START_TEST (test_odd_sizes_are_refused_with_a_message)
{
  GstBuffer *frame = gst_buffer_new_allocate (NULL, 68 * 49, NULL);
  const std::string error = error_of_pipeline ("appsrc name=src format=time caps=video/x-bayer,format=rggb,width=65,height=49,"
      "framerate=30/1 ! " ELEMENT " ! fakesink", frame);
  fail_unless (error.find ("even width and height") != std::string::npos, "%s", error.c_str ());
}
GST_END_TEST;

GST_START_TEST (test_levels_out_of_range_are_refused)
{
  for (const char *levels : { "white-level=5000", "black-level=3000 white-level=2000" }) {
    const std::string description = std::string ("appsrc name=src format=time caps=video/x-bayer,format=rggb12le,width=64,"
        "height=48,framerate=30/1 ! " ELEMENT " ") + levels + " ! fakesink";
    const std::string error = error_of_pipeline (description.c_str (), make_bayer_frame ("rggb", 12, 64, 48,
            [] (int, int, int) { return 1000; }));
    fail_unless (error.find ("white") != std::string::npos, "%s: %s", levels, error.c_str ());
  }
}
GST_END_TEST;

/* Given gains and matrix replace the estimate; black level is subtracted. */
GST_START_TEST (test_given_white_balance_and_black_level)
{
  GstHarness *h = bayer_harness (ELEMENT " white-balance=\"<2.0, 1.0, 1.0>\" "
      "color-matrix=\"<1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0>\" black-level=64", "rggb10le", 64, 48);
  /* Linear 0.2 in every channel above a black level of 64 (10 bits: white 1023). */
  const int code = 64 + static_cast < int >(0.2 * (1023 - 64) + 0.5);
  GstBuffer *out = gst_harness_push_and_pull (h, make_bayer_frame ("rggb", 16, 64, 48,
          [code] (int, int, int) { return code; }));
  GstMapInfo map;
  gst_buffer_map (out, &map, GST_MAP_READ);
  const guint8 *p = pixel (&map, 64, 32, 24);
  /* The tone curve: smoothstep(x^(1/2.2)) of 0.4 (red, gain 2) and 0.2. */
  auto tone =[](double x) { double y = std::pow (x, 1 / 2.2); return 255 * (3 * y * y - 2 * y * y * y); };
  fail_unless (std::abs (p[0] - tone (0.4)) <= 2, "red %d, expected %f", p[0], tone (0.4));
  fail_unless (std::abs (p[1] - tone (0.2)) <= 2, "green %d, expected %f", p[1], tone (0.2));
  fail_unless (std::abs (p[2] - tone (0.2)) <= 2, "blue %d, expected %f", p[2], tone (0.2));
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The white balance estimate is posted once a second with the timings. */
GST_START_TEST (test_posts_its_white_balance)
{
  GstBuffer *frame = make_bayer_frame ("bggr", 8, 64, 48, [] (int c, int, int) { return c == 0 ? 50 : 100; });
  GstElement *pipeline = parse_pipeline ("appsrc name=src format=time caps=video/x-bayer,format=bggr,width=64,height=48,"
      "framerate=30/1 ! " ELEMENT " ! fakesink");
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_app_src_push_buffer (GST_APP_SRC (src), frame);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  GstBus *bus = gst_element_get_bus (pipeline);
  gboolean seen = FALSE;
  while (GstMessage * m = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
          (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    const GstMessageType type = GST_MESSAGE_TYPE (m);
    if (type == GST_MESSAGE_ELEMENT && gst_message_has_name (m, "ispraw2rgb-stats")) {
      double red;
      fail_unless (gst_structure_get_double (gst_message_get_structure (m), "red-gain", &red));
      fail_unless (std::abs (red - 2.0) < 0.1, "grey world on a red-poor frame: %f", red);
      seen = TRUE;
    }
    fail_if (type == GST_MESSAGE_ERROR);
    gst_message_unref (m);
    if (type != GST_MESSAGE_ELEMENT)
      break;
  }
  fail_unless (seen);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}
GST_END_TEST;

GST_START_TEST (test_raw_video_is_refused_at_the_sink)
{
  GstHarness *h = gst_harness_new_parse (ELEMENT);
  GstCaps *rgb = gst_caps_from_string ("video/x-raw,format=RGB,width=8,height=8,framerate=30/1");
  fail_if (gst_pad_query_accept_caps (h->srcpad->peer, rgb));
  gst_caps_unref (rgb);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_a_model_of_another_task_fails_naming_the_file)
{
  GstElement *element = gst_element_factory_make ("ispraw2rgb", NULL);
  g_object_set (element, "model-location", NEURALISP_TEST_DATA_DIR "/shifting-restorer.pt", NULL);
  fail_unless (gst_element_set_state (element, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_object_unref (element);
}
GST_END_TEST;

GST_START_TEST (test_flush_eos_and_state_cycles)
{
  GstHarness *h = bayer_harness (ELEMENT, "rggb", 64, 48);
  auto flat =[](int, int, int) { return 120; };
  gst_buffer_unref (gst_harness_push_and_pull (h, make_bayer_frame ("rggb", 8, 64, 48, flat)));
  flush_harness (h);
  GstBuffer *out = gst_harness_push_and_pull (h, make_bayer_frame ("rggb", 8, 64, 48, flat));
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  GstElement *element = gst_element_factory_make ("ispraw2rgb", NULL);
  g_object_set (element, "model-location", TEST_MODEL, NULL);
  for (int i = 0; i < 100; i++) {
    fail_unless (gst_element_set_state (element, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    fail_unless (gst_element_set_state (element, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (element);
}
GST_END_TEST;

static Suite *
ispraw2rgb_suite (void)
{
  Suite *s = suite_create ("ispraw2rgb");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_pattern_and_depth_keeps_colours);
  tcase_add_test (tc, test_every_output_format);
  tcase_add_test (tc, test_properties_change_while_frames_flow);
  tcase_add_test (tc, test_bit_depths_render_alike);
  tcase_add_test (tc, test_odd_sizes_are_refused_with_a_message);
  tcase_add_test (tc, test_levels_out_of_range_are_refused);
  tcase_add_test (tc, test_given_white_balance_and_black_level);
  tcase_add_test (tc, test_posts_its_white_balance);
  tcase_add_test (tc, test_raw_video_is_refused_at_the_sink);
  tcase_add_test (tc, test_a_model_of_another_task_fails_naming_the_file);
  tcase_add_test (tc, test_flush_eos_and_state_cycles);
  return s;
}

NEURALISP_CHECK_MAIN (ispraw2rgb);
