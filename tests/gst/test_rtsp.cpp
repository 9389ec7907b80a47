/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp-rtsp on the loopback interface only: two clients at once from one shared pipeline,
 * then Ctrl-C; and the refusals (a chain that does not build, a camera that is not there). */
#include "common.h"

#include <gst/check/gstcheck.h>

#include "program.h"

static GstElement *
start_client (const std::string & url)
{
  const std::string description = "rtspsrc location=" + url + " protocols=tcp latency=0 ! decodebin ! "
      "videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false";
  GstElement *client = parse_pipeline (description.c_str ());
  fail_unless (gst_element_set_state (client, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  return client;
}

/* Frames a client received within the time, and their size. */
static int
pull_frames (GstElement * client, int wanted, int *width, int *height)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (client), "sink");
  int frames = 0;
  while (frames < wanted) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 60 * GST_SECOND);
    if (!sample)
      break;
    GstVideoInfo info;
    gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
    *width = GST_VIDEO_INFO_WIDTH (&info);
    *height = GST_VIDEO_INFO_HEIGHT (&info);
    gst_sample_unref (sample);
    ++frames;
  }
  gst_object_unref (sink);
  return frames;
}

GST_START_TEST (test_two_clients_share_one_pipeline)
{
  Child server = start_child (NEURALISP_RTSP, {"--test-source", "--address", "127.0.0.1", "--port", "0", "--width", "160",
          "--height", "120", "--chain", "ispdenoise threads=1"});
  fail_unless (read_until (&server, ")\n"), "the server did not start: %s", server.out.c_str ());
  const size_t at = server.out.find ("rtsp://127.0.0.1:");
  fail_unless (at != std::string::npos, "%s", server.out.c_str ());
  const std::string url = server.out.substr (at, server.out.find (' ', at) - at);

  GstElement *client_a = start_client (url);
  GstElement *client_b = start_client (url);
  int width = 0, height = 0;
  fail_unless_equals_int (pull_frames (client_a, 15, &width, &height), 15);
  fail_unless (width == 160 && height == 120, "%dx%d", width, height);
  fail_unless_equals_int (pull_frames (client_b, 15, &width, &height), 15);
  fail_unless (width == 160 && height == 120, "%dx%d", width, height);
  gst_element_set_state (client_a, GST_STATE_NULL);
  gst_element_set_state (client_b, GST_STATE_NULL);
  gst_object_unref (client_a);
  gst_object_unref (client_b);

  kill (server.pid, SIGINT);
  fail_unless_equals_int (wait_child (&server), 0);
  /* Both clients were served, from one pipeline: captured, processed and encoded once. */
  size_t clients = 0, pipelines = 0;
  for (size_t p = 0; (p = server.out.find ("client connected from 127.0.0.1", p)) != std::string::npos; ++p)
    ++clients;
  for (size_t p = 0; (p = server.out.find ("media pipeline built", p)) != std::string::npos; ++p)
    ++pipelines;
  fail_unless (clients >= 2, "%s", server.out.c_str ());
  fail_unless_equals_int (pipelines, 1);
  fail_unless (contains (server.out, "stopping"), "%s", server.out.c_str ());
}
GST_END_TEST;

GST_START_TEST (test_a_bad_chain_or_camera_is_refused)
{
  Child bad_chain = start_child (NEURALISP_RTSP, {"--test-source", "--address", "127.0.0.1", "--port", "0", "--chain",
          "ispdenoise ! nosuchelement"});
  fail_unless_equals_int (wait_child (&bad_chain), 2);
  Child no_camera = start_child (NEURALISP_RTSP, {"--device", "/dev/no-such-camera", "--address", "127.0.0.1", "--port", "0"});
  fail_unless_equals_int (wait_child (&no_camera), 1);
}
GST_END_TEST;

static Suite *
rtsp_suite (void)
{
  Suite *s = suite_create ("rtsp");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_two_clients_share_one_pipeline);
  tcase_add_test (tc, test_a_bad_chain_or_camera_is_refused);
  return s;
}

NEURALISP_CHECK_MAIN (rtsp);
