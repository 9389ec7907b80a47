/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp-rtsp on the loopback interface only: two clients at once from one shared pipeline,
 * then Ctrl-C; and the refusals (a chain that does not build, a camera that is not there). */
#include "common.h"

#include <gst/check/gstcheck.h>
#include <signal.h>
#include <sys/wait.h>

struct Server {
  GPid pid = 0;
  int out_fd = -1;
  std::string out;
};

static bool
contains (const std::string & text, const std::string & part)
{
  return text.find (part) != std::string::npos;
}

/* Reads the server's output until it holds `part` (or the server ends). */
static bool
read_until (Server * server, const std::string & part)
{
  char chunk[256];
  while (!contains (server->out, part)) {
    const ssize_t n = read (server->out_fd, chunk, sizeof chunk);
    if (n <= 0)
      return false;
    server->out.append (chunk, n);
  }
  return true;
}

static Server
start_server (const std::vector < std::string > &args)
{
  std::vector < gchar * >argv = { (gchar *) NEURALISP_RTSP };
  for (const std::string & a : args)
    argv.push_back ((gchar *) a.c_str ());
  argv.push_back (NULL);
  Server server;
  GError *error = NULL;
  fail_unless (g_spawn_async_with_pipes (NULL, argv.data (), NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
          &server.pid, NULL, &server.out_fd, NULL, &error), "%s", error ? error->message : "");
  return server;
}

/* Waits for the server's exit (reading the rest of its output); its exit status, -1 if killed. */
static int
wait_server (Server * server)
{
  char chunk[256];
  ssize_t n;
  while ((n = read (server->out_fd, chunk, sizeof chunk)) > 0)
    server->out.append (chunk, n);
  int status = 0;
  fail_unless (waitpid (server->pid, &status, 0) == server->pid);
  g_spawn_close_pid (server->pid);
  close (server->out_fd);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

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
  Server server = start_server ({"--test-source", "--address", "127.0.0.1", "--port", "0", "--width", "160",
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
  fail_unless_equals_int (wait_server (&server), 0);
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
  Server bad_chain = start_server ({"--test-source", "--address", "127.0.0.1", "--port", "0", "--chain",
          "ispdenoise ! nosuchelement"});
  fail_unless_equals_int (wait_server (&bad_chain), 2);
  Server no_camera = start_server ({"--device", "/dev/no-such-camera", "--address", "127.0.0.1", "--port", "0"});
  fail_unless_equals_int (wait_server (&no_camera), 1);
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
