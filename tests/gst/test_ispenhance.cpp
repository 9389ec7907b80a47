/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstHarness tests of ispenhance: formats, sizes, strides, presets moving a photo in their
 * direction, live coefficient changes, the controller, temporal smoothing and its reset,
 * pass-through, events, state cycles and broken models. Frames are synthesised or come from a
 * Debian photo package; no dataset is needed. */
/* Standard and local headers first: Check's fail() macro breaks <ios> otherwise. */
#include <cmath>
#include <string>
#include <vector>
#include "common.h"

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>
#include <gst/video/video.h>

#define IDENTITY_MODEL NEURALISP_TEST_DATA_DIR "/identity-enhancer.pt"
#define GREY_WORLD_MODEL NEURALISP_TEST_DATA_DIR "/grey-world-enhancer.pt"

/* Mean R, G, B, luminance and chroma (max - min) of an RGB frame. */
struct FrameStats
{
  double red, green, blue, luminance, chroma;
};

static FrameStats
stats_of (const GstVideoInfo * info, GstBuffer * buffer)
{
  const std::vector < guint8 > px = unpack_frame (info, buffer);
  FrameStats s = { 0, 0, 0, 0, 0 };
  const size_t n = px.size () / 4;
  for (size_t i = 0; i < n; i++) {
    const double r = px[4 * i + 1], g = px[4 * i + 2], b = px[4 * i + 3];
    s.red += r;
    s.green += g;
    s.blue += b;
    s.luminance += 0.299 * r + 0.587 * g + 0.114 * b;
    s.chroma += std::max ({ r, g, b }) - std::min ({ r, g, b });
  }
  s.red /= n;
  s.green /= n;
  s.blue /= n;
  s.luminance /= n;
  s.chroma /= n;
  return s;
}

/* The photo with every code scaled by `gain` (a darker or brighter exposure of it). */
static GstBuffer *
exposed (GstBuffer * photo, double gain)
{
  GstBuffer *out = gst_buffer_copy_deep (photo);
  GstMapInfo map;
  gst_buffer_map (out, &map, GST_MAP_READWRITE);
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = static_cast < guint8 > (std::min (255.0, std::round (map.data[i] * gain)));
  gst_buffer_unmap (out, &map);
  return out;
}

GST_START_TEST (test_every_format_round_trips_through_identity_parameters)
{
  assert_every_format_round_trips ("ispenhance model-location=" IDENTITY_MODEL);
}
GST_END_TEST;

GST_START_TEST (test_padded_input_strides)
{
  assert_padded_strides_are_read ("ispenhance model-location=" IDENTITY_MODEL, 0);
}
GST_END_TEST;

GST_START_TEST (test_sizes_from_1x1_to_1080p)
{
  assert_sizes_from_1x1_to_1080p ("ispenhance");
}
GST_END_TEST;

GST_START_TEST (test_unsupported_caps_are_refused)
{
  assert_unsupported_caps_are_refused ("ispenhance");
}
GST_END_TEST;

/* The shipped model on a photo it never saw: each preset moves the picture its way, and the
 * natural rendering of a well-exposed photo stays close to it. The bound on its luminance is
 * what a model that infers a scene's key from its content (mis-renderings of +-2 EV make the
 * input's own brightness weak evidence) may do to this bright, partly clipped photo: the
 * shipped model moves it by 28, and clean val photos by 10 on average (models/enhance/README.md). */
GST_START_TEST (test_each_preset_moves_a_photo_in_its_direction)
{
  GstVideoInfo info;
  GstBuffer *photo = load_photo (&info, 320, 200);
  GstBuffer *dark = exposed (photo, 0.35);
  const FrameStats input = stats_of (&info, photo);
  FrameStats out[7];
  const char *styles[7] = { "natural", "vivid", "warm", "cool", "low-light", "film", "mono" };
  for (int i = 0; i < 7; i++) {
    gchar *description = g_strdup_printf ("ispenhance style=%s", styles[i]);
    GstBuffer *result = run_through (description, &info, photo);
    out[i] = stats_of (&info, result);
    gst_buffer_unref (result);
    g_free (description);
  }
  const FrameStats natural = out[0];
  fail_unless (std::fabs (natural.luminance - input.luminance) < 30.0, "natural moved luminance %.1f -> %.1f",
      input.luminance, natural.luminance);
  fail_unless (out[1].chroma > natural.chroma + 3.0, "vivid chroma %.1f, natural %.1f", out[1].chroma, natural.chroma);
  fail_unless (out[2].red / out[2].blue > 1.05 * natural.red / natural.blue, "warm R/B %.3f, natural %.3f",
      out[2].red / out[2].blue, natural.red / natural.blue);
  fail_unless (out[3].red / out[3].blue < 0.95 * natural.red / natural.blue, "cool R/B %.3f, natural %.3f",
      out[3].red / out[3].blue, natural.red / natural.blue);
  fail_unless (out[5].chroma < natural.chroma - 3.0, "film chroma %.1f, natural %.1f", out[5].chroma, natural.chroma);
  fail_unless (out[6].chroma < 4.0, "mono chroma %.1f", out[6].chroma);

  /* low-light lifts a dark scene, and does not blow out a bright one. */
  GstBuffer *dark_natural = run_through ("ispenhance style=natural", &info, dark);
  GstBuffer *dark_lifted = run_through ("ispenhance style=low-light", &info, dark);
  const double natural_dark = stats_of (&info, dark_natural).luminance, lifted_dark = stats_of (&info,
      dark_lifted).luminance;
  fail_unless (lifted_dark > natural_dark + 8.0, "low-light on a dark scene %.1f, natural %.1f", lifted_dark,
      natural_dark);
  fail_unless (out[4].luminance < input.luminance + 0.6 * (lifted_dark - stats_of (&info, dark).luminance),
      "low-light lifted the bright photo by %.1f", out[4].luminance - input.luminance);

  gst_buffer_unref (dark_natural);
  gst_buffer_unref (dark_lifted);
  gst_buffer_unref (dark);
  gst_buffer_unref (photo);
}
GST_END_TEST;

/* A mis-exposed, colour-cast photo comes out closer to the original than it went in. */
GST_START_TEST (test_natural_corrects_a_badly_exposed_cast)
{
  GstVideoInfo info;
  GstBuffer *photo = load_photo (&info, 320, 200);
  GstBuffer *bad = gst_buffer_copy_deep (photo);
  GstMapInfo map;
  gst_buffer_map (bad, &map, GST_MAP_READWRITE);
  const double gains[3] = { 0.45, 0.6, 0.8 };  /* dark and blue */
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = static_cast < guint8 > (std::round (map.data[i] * gains[i % 3]));
  gst_buffer_unmap (bad, &map);
  GstBuffer *fixed = run_through ("ispenhance", &info, bad);
  const double before = psnr_rgb (&info, bad, photo), after = psnr_rgb (&info, fixed, photo);
  fail_unless (after > before + 3.0, "PSNR %.2f -> %.2f dB", before, after);
  gst_buffer_unref (fixed);
  gst_buffer_unref (bad);
  gst_buffer_unref (photo);
}
GST_END_TEST;

/* A new coefficient shows on the next frame, however slow the smoothing of the scene. */
GST_START_TEST (test_coefficient_changes_take_effect_on_the_next_frame)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video ("ispenhance temporal-smoothing=10 model-location=" GREY_WORLD_MODEL,
      GST_VIDEO_FORMAT_RGBx, 96, 64, &info);
  GstElement *element = gst_harness_find_element (h, "ispenhance");
  GstBuffer *frame = make_test_frame (&info, 3);
  GstBuffer *before = gst_harness_push_and_pull (h, gst_buffer_ref (frame));
  g_object_set (element, "warmth", 1.0, NULL);
  GstBuffer *after = gst_harness_push_and_pull (h, gst_buffer_ref (frame));
  const FrameStats a = stats_of (&info, before), b = stats_of (&info, after);
  fail_unless (b.red - b.blue > a.red - a.blue + 20.0, "R-B %.1f -> %.1f", a.red - a.blue, b.red - b.blue);
  gst_buffer_unref (before);
  gst_buffer_unref (after);
  gst_buffer_unref (frame);
  gst_object_unref (element);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A GstController ramp on saturation reaches the frames at their timestamps. */
GST_START_TEST (test_controller_drives_saturation)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video ("ispenhance model-location=" GREY_WORLD_MODEL, GST_VIDEO_FORMAT_RGB, 64, 48,
      &info);
  GstElement *element = gst_harness_find_element (h, "ispenhance");
  GstControlSource *source = gst_interpolation_control_source_new ();
  g_object_set (source, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
  /* Direct bindings map 0..1 onto the property's range (-1..1). */
  gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (source), 0, 0.0);
  gst_timed_value_control_source_set (GST_TIMED_VALUE_CONTROL_SOURCE (source), GST_SECOND, 1.0);
  gst_object_add_control_binding (GST_OBJECT (element),
      gst_direct_control_binding_new (GST_OBJECT (element), "saturation", source));
  GstBuffer *frame = make_test_frame (&info, 4);
  double chroma[3], values[3];
  for (int i = 0; i < 3; i++) {
    GstBuffer *in = gst_buffer_copy (frame);
    GST_BUFFER_PTS (in) = i * GST_SECOND / 2;
    GST_BUFFER_DURATION (in) = GST_SECOND / 30;
    GstBuffer *out = gst_harness_push_and_pull (h, in);
    g_object_get (element, "saturation", &values[i], NULL);
    chroma[i] = stats_of (&info, out).chroma;
    gst_buffer_unref (out);
  }
  fail_unless (std::fabs (values[0] + 1.0) < 1e-6 && std::fabs (values[1]) < 1e-6 && std::fabs (values[2] - 1.0) < 1e-6,
      "saturation %f %f %f", values[0], values[1], values[2]);
  fail_unless (chroma[0] < 2.0 && chroma[0] < chroma[1] && chroma[1] < chroma[2], "chroma %f %f %f", chroma[0],
      chroma[1], chroma[2]);
  gst_buffer_unref (frame);
  gst_object_unref (source);
  gst_object_unref (element);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The same frame again and again gives the same output: the smoothing settles, never drifts. */
GST_START_TEST (test_a_constant_input_gives_a_constant_output)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video ("ispenhance style=vivid", GST_VIDEO_FORMAT_I420, 96, 64, &info);
  GstBuffer *frame = make_test_frame (&info, 5);
  GstBuffer *first = NULL;
  for (int i = 0; i < 20; i++) {
    GstBuffer *in = gst_buffer_copy (frame);
    GST_BUFFER_PTS (in) = i * GST_SECOND / 30;
    GstBuffer *out = gst_harness_push_and_pull (h, in);
    if (!first)
      first = out;
    else {
      fail_unless (max_abs_difference (&info, first, out) == 0.0, "frame %d differs", i);
      gst_buffer_unref (out);
    }
  }
  gst_buffer_unref (first);
  gst_buffer_unref (frame);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A flush forgets the smoothed scene: the next frame is corrected on its own. Without the flush
 * the slow smoothing would still hold the old scene's colour cast. */
GST_START_TEST (test_smoothing_restarts_on_flush)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video ("ispenhance temporal-smoothing=30 model-location=" GREY_WORLD_MODEL,
      GST_VIDEO_FORMAT_RGB, 64, 48, &info);
  GstBuffer *reddish = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  GstBuffer *bluish = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_memset (reddish, 0, 0, GST_VIDEO_INFO_SIZE (&info));
  gst_buffer_memset (bluish, 0, 0, GST_VIDEO_INFO_SIZE (&info));
  GstVideoFrame r, b;
  gst_video_frame_map (&r, &info, reddish, GST_MAP_WRITE);
  gst_video_frame_map (&b, &info, bluish, GST_MAP_WRITE);
  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 64; x++) {
      guint8 *pr = static_cast < guint8 * >(GST_VIDEO_FRAME_PLANE_DATA (&r, 0)) + y * GST_VIDEO_FRAME_PLANE_STRIDE (&r,
          0) + 3 * x;
      guint8 *pb = static_cast < guint8 * >(GST_VIDEO_FRAME_PLANE_DATA (&b, 0)) + y * GST_VIDEO_FRAME_PLANE_STRIDE (&b,
          0) + 3 * x;
      pr[0] = 180, pr[1] = 110, pr[2] = 70;
      pb[0] = 70, pb[1] = 110, pb[2] = 180;
    }
  gst_video_frame_unmap (&r);
  gst_video_frame_unmap (&b);

  for (int i = 0; i < 5; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, gst_buffer_ref (reddish)));
  GstBuffer *smoothed = gst_harness_push_and_pull (h, gst_buffer_ref (bluish));
  const FrameStats held = stats_of (&info, smoothed);
  fail_unless (held.blue > held.red + 40.0, "without a flush the cast is corrected at once (R %.1f B %.1f)",
      held.red, held.blue);
  flush_harness (h);
  GstBuffer *fresh = gst_harness_push_and_pull (h, gst_buffer_ref (bluish));
  const FrameStats after = stats_of (&info, fresh);
  fail_unless (std::fabs (after.red - after.blue) < 3.0, "after the flush R %.1f B %.1f", after.red, after.blue);
  gst_buffer_unref (smoothed);
  gst_buffer_unref (fresh);
  gst_buffer_unref (reddish);
  gst_buffer_unref (bluish);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* strength=0 hands the very buffer on, and frames are processed again when it rises. */
GST_START_TEST (test_strength_zero_passes_frames_through)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video ("ispenhance strength=0 model-location=" GREY_WORLD_MODEL, GST_VIDEO_FORMAT_RGB, 64, 48,
      &info);
  GstElement *element = gst_harness_find_element (h, "ispenhance");
  GstBuffer *frame = make_test_frame (&info, 6);
  GstBuffer *out = gst_harness_push_and_pull (h, gst_buffer_ref (frame));
  fail_unless (out == frame, "strength 0 did not pass the buffer through");
  gst_buffer_unref (out);
  g_object_set (element, "strength", 1.0, "style", 6 /* mono */ , NULL);
  out = gst_harness_push_and_pull (h, gst_buffer_ref (frame));
  fail_unless (out != frame && stats_of (&info, out).chroma < 2.0);
  gst_buffer_unref (out);
  gst_buffer_unref (frame);
  gst_object_unref (element);
  gst_harness_teardown (h);
}
GST_END_TEST;

static gpointer
toggle_properties (gpointer data)
{
  GstElement *element = GST_ELEMENT (data);
  for (int i = 0; i < 2000; i++)
    g_object_set (element, "style", i % 7, "warmth", (i % 5) * 0.5 - 1.0, "strength", (i % 3) * 0.5,
        "temporal-smoothing", (i % 4) * 0.5, NULL);
  return NULL;
}

GST_START_TEST (test_property_stress_from_another_thread)
{
  assert_frames_flow_while ("ispenhance", "ispenhance", toggle_properties);
}
GST_END_TEST;

/* The statistics message reports what was applied. */
GST_START_TEST (test_statistics_message)
{
  GstVideoInfo info;
  GstHarness *h = harness_for_video ("ispenhance model-location=" GREY_WORLD_MODEL, GST_VIDEO_FORMAT_RGB, 64, 48,
      &info);
  GstElement *element = gst_harness_find_element (h, "ispenhance");
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (element, bus);
  gst_buffer_unref (gst_harness_push_and_pull (h, make_test_frame (&info, 7)));
  GstMessage *message = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (message != NULL, "no statistics message");
  const GstStructure *s = gst_message_get_structure (message);
  fail_unless (gst_structure_has_name (s, "ispenhance-stats"), "%s", gst_structure_get_name (s));
  for (const char *field : { "exposure-ev", "red-gain", "blue-gain", "saturation-change", "network-ms", "transform-ms" })
    fail_unless (gst_structure_has_field (s, field), "no %s", field);
  gst_message_unref (message);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
  gst_object_unref (element);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_eos_and_flush)
{
  assert_eos_and_flush ("ispenhance");
}
GST_END_TEST;

GST_START_TEST (test_hundred_state_cycles)
{
  assert_state_cycles ("ispenhance", 100);
}
GST_END_TEST;

GST_START_TEST (test_bad_models_fail_with_an_error)
{
  const std::string dir = NEURALISP_TEST_DATA_DIR;
  assert_bad_models_fail ("ispenhance", { dir + "/identity.pt", dir + "/grey-world-raw2rgb.pt", dir + "/nan-output.pt" });
}
GST_END_TEST;

/* Values outside a property's range are refused by GObject and leave it unchanged. */
GST_START_TEST (test_out_of_range_values_are_refused)
{
  GstElement *element = gst_element_factory_make ("ispenhance", NULL);
  GValue value = G_VALUE_INIT;
  g_value_init (&value, G_TYPE_DOUBLE);
  for (const char *property : { "exposure", "contrast", "saturation", "warmth", "strength" }) {
    g_value_set_double (&value, 3.0);
    fail_if (g_param_value_validate (g_object_class_find_property (G_OBJECT_GET_CLASS (element), property), &value)
        == FALSE, "%s accepted 3.0", property);
  }
  g_value_unset (&value);
  gst_object_unref (element);
}
GST_END_TEST;

static Suite *
ispenhance_suite (void)
{
  Suite *s = suite_create ("ispenhance");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_format_round_trips_through_identity_parameters);
  tcase_add_test (tc, test_padded_input_strides);
  tcase_add_test (tc, test_sizes_from_1x1_to_1080p);
  tcase_add_test (tc, test_unsupported_caps_are_refused);
  tcase_add_photo_test (tc, test_each_preset_moves_a_photo_in_its_direction);
  tcase_add_photo_test (tc, test_natural_corrects_a_badly_exposed_cast);
  tcase_add_test (tc, test_coefficient_changes_take_effect_on_the_next_frame);
  tcase_add_test (tc, test_controller_drives_saturation);
  tcase_add_test (tc, test_a_constant_input_gives_a_constant_output);
  tcase_add_test (tc, test_smoothing_restarts_on_flush);
  tcase_add_test (tc, test_strength_zero_passes_frames_through);
  tcase_add_test (tc, test_property_stress_from_another_thread);
  tcase_add_test (tc, test_statistics_message);
  tcase_add_test (tc, test_eos_and_flush);
  tcase_add_test (tc, test_hundred_state_cycles);
  tcase_add_test (tc, test_bad_models_fail_with_an_error);
  tcase_add_test (tc, test_out_of_range_values_are_refused);
  return s;
}

NEURALISP_CHECK_MAIN (ispenhance);
