/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp-studio for real, on a virtual display (the suite runs under xvfb-run): the window on
 * the built-in source, a slider moved through GTK, screenshots of the video before and after. */
#include "common.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gst/check/gstcheck.h>
#include <gtk/gtk.h>

#include "studio.h"

/* Runs the main loop until `frames` more frames were shown (or a minute passed). */
static void
wait_frames (Studio * studio, guint64 frames)
{
  const guint64 target = studio_frames (studio) + frames;
  const gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (studio_frames (studio) < target && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  fail_unless (studio_frames (studio) >= target, "frames stopped at %" G_GUINT64_FORMAT, studio_frames (studio));
}

/* A screenshot of the video widget from the X server, and the mean luminance of each half of the
 * picture in it (the widget letterboxes it: black bars are left out). */
static GdkPixbuf *
screenshot (Studio * studio, double *left, double *right)
{
  while (g_main_context_iteration (NULL, FALSE));
  GtkWidget *view = studio_view (studio);
  GdkPixbuf *shot = gdk_pixbuf_get_from_window (gtk_widget_get_window (view), 0, 0,
      gtk_widget_get_allocated_width (view), gtk_widget_get_allocated_height (view));
  fail_unless (shot != NULL);
  const int w = gdk_pixbuf_get_width (shot), h = gdk_pixbuf_get_height (shot);
  const int stride = gdk_pixbuf_get_rowstride (shot), channels = gdk_pixbuf_get_n_channels (shot);
  const guint8 *pixels = gdk_pixbuf_get_pixels (shot);
  auto luma = [&](int x, int y) {
    const guint8 *p = pixels + y * stride + x * channels;
    return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
  };
  int x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (luma (x, y) > 4.0) {
        x0 = std::min (x0, x), x1 = std::max (x1, x);
        y0 = std::min (y0, y), y1 = std::max (y1, y);
      }
  fail_unless (x1 > x0 + 20 && y1 > y0 + 10, "no picture in the video widget");
  const int middle = (x0 + x1 + 1) / 2;
  double sums[2] = { 0, 0 };
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x)
      sums[x >= middle] += luma (x, y);
  *left = sums[0] / ((middle - x0) * (y1 - y0 + 1));
  *right = sums[1] / ((x1 + 1 - middle) * (y1 - y0 + 1));
  return shot;
}

/* The built-in source (a photo with camera noise), RGB or made RAW: a slider moved through GTK
 * changes the processed half of what is on screen, not the input half. */
static void
assert_a_moved_slider_changes_the_processed_half_only (bool bayer)
{
  /* In the test's own process (Check forks one per test): a display connection opened before the
   * fork would be shared by every test, and the second would break it. */
  fail_unless (gtk_init_check (NULL, NULL), "no display (the suite runs under xvfb-run)");
  StudioOptions options;
  options.device = "/dev/no-camera-here";
  options.bayer = bayer;
  options.width = 320;
  options.height = 200;
  gchar *dir = g_dir_make_tmp ("neuralisp-studio-XXXXXX", NULL);
  options.snapshot_dir = dir;
  std::string error;
  Studio *studio = studio_new (options, &error);
  fail_unless (studio != NULL, "%s", error.c_str ());
  fail_unless (studio_source_kind (studio) == "photo");
  wait_frames (studio, 30);

  double input_before, processed_before, input_after, processed_after;
  g_object_unref (screenshot (studio, &input_before, &processed_before));
  GtkWidget *exposure = studio_control (studio, "ispenhance.exposure");
  fail_unless (exposure != NULL && GTK_IS_RANGE (exposure));
  fail_unless (studio_control (studio, "isprestore.deblur") != NULL);
  fail_unless (studio_control (studio, "ispenhance.style") != NULL);
  fail_unless ((studio_control (studio, "ispraw2rgb.rendering") != NULL) == bayer);
  gtk_range_set_value (GTK_RANGE (exposure), 1.0);
  wait_frames (studio, 45);
  GdkPixbuf *shot = screenshot (studio, &input_after, &processed_after);
  /* For the README: the window as a person sees it. */
  if (const char *keep = bayer ? NULL : g_getenv ("NEURALISP_STUDIO_SCREENSHOT")) {
    GdkPixbuf *window = gdk_pixbuf_get_from_window (gtk_widget_get_window (studio_window (studio)), 0, 0,
        gtk_widget_get_allocated_width (studio_window (studio)),
        gtk_widget_get_allocated_height (studio_window (studio)));
    gdk_pixbuf_save (window, keep, "png", NULL, NULL);
    g_object_unref (window);
  }
  g_object_unref (shot);
  fail_unless (processed_after > processed_before + 8.0, "the processed half went from %.1f to %.1f",
      processed_before, processed_after);
  fail_unless (fabs (input_after - input_before) < 2.0, "the input half went from %.1f to %.1f", input_before,
      input_after);

  /* The snapshot: input | processed, twice the frame's width. */
  const std::string path = studio_snapshot (studio);
  fail_unless (!path.empty ());
  GdkPixbuf *snapshot = gdk_pixbuf_new_from_file (path.c_str (), NULL);
  fail_unless (snapshot != NULL);
  fail_unless_equals_int (gdk_pixbuf_get_width (snapshot), 640);
  fail_unless_equals_int (gdk_pixbuf_get_height (snapshot), 200);
  g_object_unref (snapshot);
  g_remove (path.c_str ());

  gtk_widget_destroy (studio_window (studio));
  studio_free (studio);
  g_rmdir (dir);
  g_free (dir);
}

GST_START_TEST (test_a_moved_slider_changes_the_processed_half_only)
{
  assert_a_moved_slider_changes_the_processed_half_only (false);
}
GST_END_TEST;

/* Bayer frames: stock bayer2rgb on the left, ispraw2rgb and the chain on the right. */
GST_START_TEST (test_a_bayer_source_goes_through_ispraw2rgb)
{
  assert_a_moved_slider_changes_the_processed_half_only (true);
}
GST_END_TEST;

static Suite *
studio_suite (void)
{
  Suite *s = suite_create ("studio");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_a_moved_slider_changes_the_processed_half_only);
  tcase_add_test (tc, test_a_bayer_source_goes_through_ispraw2rgb);
  return s;
}

NEURALISP_CHECK_MAIN (studio);
