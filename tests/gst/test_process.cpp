/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp-process on files the tests make: a clip with audio in each container, a still image,
 * broken inputs among good ones, a bad chain, and Ctrl-C in the middle of a file. */
#include "common.h"

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/pbutils/pbutils.h>

#include "program.h"

struct Run {
  int status = -1;  // exit status, or -1 when it did not exit normally
  std::string out, err;
};

static std::string
scratch_dir (void)
{
  gchar *dir = g_dir_make_tmp ("neuralisp-process-XXXXXX", NULL);
  fail_unless (dir != NULL);
  std::string path = dir;
  g_free (dir);
  return path;
}

static Run
run_process (const std::vector < std::string > &args)
{
  std::vector < gchar * >argv = { (gchar *) NEURALISP_PROCESS };
  for (const std::string & a : args)
    argv.push_back ((gchar *) a.c_str ());
  argv.push_back (NULL);
  gchar *out = NULL, *err = NULL;
  gint wait_status = 0;
  GError *error = NULL;
  fail_unless (g_spawn_sync (NULL, argv.data (), NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &wait_status,
          &error), "%s", error ? error->message : "");
  Run run;
  run.status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  run.out = out;
  run.err = err;
  g_free (out);
  g_free (err);
  return run;
}

/* A clip of `frames` frames at 30 fps with a tone, encoded by `video` and `audio` into `muxer`. */
static std::string
make_clip (const std::string & dir, const char *name, int frames, int width, int height, const char *video,
    const char *audio, const char *muxer)
{
  const std::string path = dir + "/" + name;
  gchar *description = g_strdup_printf ("videotestsrc num-buffers=%d pattern=ball ! "
      "video/x-raw,width=%d,height=%d,framerate=30/1 ! videoconvert ! %s ! %s name=mux ! filesink location=%s "
      "audiotestsrc num-buffers=%d samplesperbuffer=1470 ! audio/x-raw,rate=44100 ! audioconvert ! %s ! mux.",
      frames, width, height, video, muxer, path.c_str (), frames, audio);
  GstElement *pipeline = parse_pipeline (description);
  play_until_eos (pipeline, description);
  gst_object_unref (pipeline);
  g_free (description);
  return path;
}

struct Media {
  GstClockTime duration = 0;
  std::string video, audio;  /* caps names of the first streams, "" when absent */
  int width = 0, height = 0;
};

static Media
inspect (const std::string & path)
{
  Media media;
  GstDiscoverer *discoverer = gst_discoverer_new (30 * GST_SECOND, NULL);
  gchar *uri = gst_filename_to_uri (path.c_str (), NULL);
  GstDiscovererInfo *info = gst_discoverer_discover_uri (discoverer, uri, NULL);
  fail_unless (info && gst_discoverer_info_get_result (info) == GST_DISCOVERER_OK, "%s does not play",
      path.c_str ());
  media.duration = gst_discoverer_info_get_duration (info);
  GList *videos = gst_discoverer_info_get_video_streams (info);
  if (videos) {
    GstCaps *caps = gst_discoverer_stream_info_get_caps (GST_DISCOVERER_STREAM_INFO (videos->data));
    media.video = gst_structure_get_name (gst_caps_get_structure (caps, 0));
    media.width = gst_discoverer_video_info_get_width (GST_DISCOVERER_VIDEO_INFO (videos->data));
    media.height = gst_discoverer_video_info_get_height (GST_DISCOVERER_VIDEO_INFO (videos->data));
    gst_caps_unref (caps);
  }
  GList *audios = gst_discoverer_info_get_audio_streams (info);
  if (audios) {
    GstCaps *caps = gst_discoverer_stream_info_get_caps (GST_DISCOVERER_STREAM_INFO (audios->data));
    media.audio = gst_structure_get_name (gst_caps_get_structure (caps, 0));
    gst_caps_unref (caps);
  }
  gst_discoverer_stream_info_list_free (videos);
  gst_discoverer_stream_info_list_free (audios);
  gst_discoverer_info_unref (info);
  g_free (uri);
  gst_object_unref (discoverer);
  return media;
}

/* Decoded video frames in a file. */
static int
count_frames (const std::string & path)
{
  gchar *description = g_strdup_printf ("filesrc location=%s ! decodebin ! video/x-raw ! appsink name=sink sync=false",
      path.c_str ());
  GstElement *pipeline = parse_pipeline (description);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  int frames = 0;
  while (GstSample * sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND)) {
    ++frames;
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (description);
  return frames;
}

static bool
have (const char *factory)
{
  GstElementFactory *f = gst_element_factory_find (factory);
  if (f)
    gst_object_unref (f);
  return f != NULL;
}

/* WebM in, WebM out: every frame processed, the duration kept, the Vorbis track copied. */
GST_START_TEST (test_a_clip_keeps_its_frames_duration_and_audio)
{
  const std::string dir = scratch_dir ();
  const std::string clip = make_clip (dir, "clip.webm", 30, 160, 120, "vp8enc deadline=1", "vorbisenc", "webmmux");
  const Run run = run_process ({clip, "-o", dir + "/out", "--container", "webm", "--chain",
          "ispdenoise strength=2"});
  fail_unless_equals_int (run.status, 0);
  const std::string output = dir + "/out/clip.webm";
  const Media in = inspect (clip), out = inspect (output);
  fail_unless_equals_string (out.video.c_str (), "video/x-vp8");
  fail_unless_equals_int (out.width, 160);
  fail_unless_equals_int (out.height, 120);
  fail_unless_equals_int (count_frames (output), 30);
  fail_unless (llabs ((gint64) out.duration - (gint64) in.duration) < 100 * GST_MSECOND,
      "duration %" GST_TIME_FORMAT " against %" GST_TIME_FORMAT, GST_TIME_ARGS (out.duration),
      GST_TIME_ARGS (in.duration));
  fail_unless_equals_string (out.audio.c_str (), "audio/x-vorbis");
  fail_unless (contains (run.out, "audio copied (Vorbis)"), "%s", run.out.c_str ());
  fail_unless (contains (run.out, "done: 30 frames"), "%s", run.out.c_str ());
}
GST_END_TEST;

/* The default container is H.264 in MP4 where x264enc is installed: AAC is copied, Vorbis (which
 * MP4 does not take) re-encoded, and the summary says which. Same-named inputs do not overwrite
 * each other. */
GST_START_TEST (test_mp4_by_default_with_audio_copied_or_reencoded)
{
  if (!have ("x264enc") || !have ("avenc_aac")) {
    g_print ("x264enc or avenc_aac missing (gstreamer1.0-plugins-ugly, gstreamer1.0-libav): checked WebM only\n");
    return;
  }
  const std::string dir = scratch_dir ();
  const std::string mp4 = make_clip (dir, "clip.mp4", 20, 160, 120, "x264enc ! h264parse", "avenc_aac", "mp4mux");
  const std::string webm = make_clip (dir, "clip.webm", 20, 160, 120, "vp8enc deadline=1", "vorbisenc", "webmmux");
  const Run run = run_process ({mp4, webm, "-o", dir + "/out"});
  fail_unless_equals_int (run.status, 0);
  const Media from_mp4 = inspect (dir + "/out/clip.mp4"), from_webm = inspect (dir + "/out/clip-webm.mp4");
  fail_unless_equals_string (from_mp4.video.c_str (), "video/x-h264");
  fail_unless_equals_string (from_mp4.audio.c_str (), "audio/mpeg");
  fail_unless_equals_string (from_webm.video.c_str (), "video/x-h264");
  fail_unless_equals_string (from_webm.audio.c_str (), "audio/mpeg");
  fail_unless (contains (run.out, "H.264 in MP4, audio copied (MPEG-4 AAC)"), "%s", run.out.c_str ());
  fail_unless (contains (run.out, "audio re-encoded with avenc_aac (the container does not take Vorbis)"), "%s",
      run.out.c_str ());
  fail_unless_equals_int (count_frames (dir + "/out/clip-webm.mp4"), 20);
}
GST_END_TEST;

/* A still image comes out as a PNG of the same (odd) size, processed. */
GST_START_TEST (test_a_still_image_becomes_a_png)
{
  const std::string dir = scratch_dir ();
  const std::string still = dir + "/still.png";
  const std::string description = "videotestsrc num-buffers=1 pattern=smpte ! video/x-raw,width=123,height=77 ! "
      "ispdegrade noise=25 seed=3 ! videoconvert ! pngenc ! filesink location=" + still;
  run_to_eos (description.c_str ());
  const Run run = run_process ({still, "-o", dir + "/out", "--chain", "ispdenoise"});
  fail_unless_equals_int (run.status, 0);
  const Media out = inspect (dir + "/out/still.png");
  fail_unless_equals_string (out.video.c_str (), "image/png");
  fail_unless_equals_int (out.width, 123);
  fail_unless_equals_int (out.height, 77);
  fail_unless (contains (run.out, "done: " + dir + "/out/still.png (PNG"), "%s", run.out.c_str ());
}
GST_END_TEST;

/* A missing file, a file that is not media and one with no video get one line each, naming the
 * file; the good file between them is still processed, and the exit status says some failed. */
GST_START_TEST (test_bad_inputs_get_one_line_each_and_the_rest_go_on)
{
  const std::string dir = scratch_dir ();
  const std::string garbage = dir + "/garbage.mp4", missing = dir + "/missing.mkv", sound = dir + "/sound.ogg";
  fail_unless (g_file_set_contents (garbage.c_str (), "not a video at all", -1, NULL));
  const std::string description = "audiotestsrc num-buffers=20 ! audioconvert ! vorbisenc ! oggmux ! filesink location=" + sound;
  run_to_eos (description.c_str ());
  const std::string clip = make_clip (dir, "good.webm", 10, 96, 64, "vp8enc deadline=1", "vorbisenc", "webmmux");
  const Run run = run_process ({garbage, clip, missing, sound, "-o", dir + "/out", "--container", "webm"});
  fail_unless_equals_int (run.status, 1);
  fail_unless_equals_int (count_frames (dir + "/out/good.webm"), 10);
  gchar *errors = g_strstrip (g_strdup (run.err.c_str ()));
  gchar **lines = g_strsplit (errors, "\n", -1);
  const std::string garbage_line = "neuralisp-process: " + garbage + ": ";
  const std::string missing_line = "neuralisp-process: " + missing + ": no such file";
  const std::string sound_line = "neuralisp-process: " + sound + ": has no video or image stream";
  fail_unless_equals_int (g_strv_length (lines), 3);
  fail_unless (g_str_has_prefix (lines[0], garbage_line.c_str ()), "%s", lines[0]);
  fail_unless_equals_string (lines[1], missing_line.c_str ());
  fail_unless_equals_string (lines[2], sound_line.c_str ());
  g_strfreev (lines);
  g_free (errors);
  fail_unless (contains (run.out, "1 of 4 files processed"), "%s", run.out.c_str ());
  fail_if (g_file_test ((dir + "/out/garbage.webm").c_str (), G_FILE_TEST_EXISTS));
}
GST_END_TEST;

/* A chain that does not build fails once, before any file, with GStreamer's reason. */
GST_START_TEST (test_a_bad_chain_fails_before_any_file)
{
  const std::string dir = scratch_dir ();
  const std::string clip = make_clip (dir, "clip.webm", 5, 64, 48, "vp8enc deadline=1", "vorbisenc", "webmmux");
  const Run run = run_process ({clip, "-o", dir + "/out", "--chain", "ispdenoise ! nosuchelement"});
  fail_unless_equals_int (run.status, 2);
  fail_unless (contains (run.err, "no element \"nosuchelement\""), "%s", run.err.c_str ());
  fail_if (g_file_test ((dir + "/out/clip.mp4").c_str (), G_FILE_TEST_EXISTS));
  fail_if (g_file_test ((dir + "/out/clip.webm").c_str (), G_FILE_TEST_EXISTS));
}
GST_END_TEST;

/* Ctrl-C in the middle of a long file, once it has reported its first tenth (a progress line at
 * every tenth when the output is not a terminal): the muxer is finished (a playable partial file
 * with part of the frames), the exit status is non-zero, and the files after it are not started. */
GST_START_TEST (test_ctrl_c_leaves_a_playable_partial_file)
{
  const std::string dir = scratch_dir ();
  const std::string clip = make_clip (dir, "long.webm", 900, 320, 240, "vp8enc deadline=1", "vorbisenc", "webmmux");
  const std::string next = make_clip (dir, "next.webm", 5, 64, 48, "vp8enc deadline=1", "vorbisenc", "webmmux");
  const std::string out_dir = dir + "/out";
  Child process = start_child (NEURALISP_PROCESS, {clip, next, "-o", out_dir, "--container", "webm", "--chain",
          "ispdenoise threads=1"});
  /* Interrupted once it reports progress: the first tenth. */
  fail_unless (read_until (&process, "10%"), "ended before reporting progress: %s", process.out.c_str ());
  kill (process.pid, SIGINT);
  const int status = wait_child (&process);
  fail_unless (status == 130, "status %d: %s", status, process.out.c_str ());
  const int frames = count_frames (dir + "/out/long.webm");
  fail_unless (frames > 0 && frames < 900, "%d frames in the partial file", frames);
  fail_unless (inspect (dir + "/out/long.webm").duration > 0);
  fail_unless (contains (process.out, "interrupted, partial file"), "%s", process.out.c_str ());
  fail_if (g_file_test ((dir + "/out/next.webm").c_str (), G_FILE_TEST_EXISTS));
}
GST_END_TEST;

static Suite *
process_suite (void)
{
  Suite *s = suite_create ("process");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_a_clip_keeps_its_frames_duration_and_audio);
  tcase_add_test (tc, test_mp4_by_default_with_audio_copied_or_reencoded);
  tcase_add_test (tc, test_a_still_image_becomes_a_png);
  tcase_add_test (tc, test_bad_inputs_get_one_line_each_and_the_rest_go_on);
  tcase_add_test (tc, test_a_bad_chain_fails_before_any_file);
  tcase_add_test (tc, test_ctrl_c_leaves_a_playable_partial_file);
  return s;
}

NEURALISP_CHECK_MAIN (process);
