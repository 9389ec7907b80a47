/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Performance checks: they need a quiet machine, so CI runs and reports them apart from the
 * functional suites (meson suite "perf") instead of letting them decide. */
/* Standard and local headers first: Check's fail() macro breaks <ios> otherwise. */
#include "common.h"

#include <sys/resource.h>

#include <gst/check/gstcheck.h>

/* Frames before this one warm the allocator up; page faults are counted after it. */
constexpr int kFaultsFromFrame = 10;

struct FaultCount
{
  int frames = 0;
  long at_first = 0, at_last = 0;
};

static void
count_faults (GstElement *, GstBuffer *, GstPad *, gpointer user_data)
{
  auto *count = static_cast < FaultCount * >(user_data);
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  if (++count->frames == kFaultsFromFrame)
    count->at_first = usage.ru_minflt;
  count->at_last = usage.ru_minflt;
}

/* A 720p forward pass allocates and frees ~100 MB of intermediates. Through malloc they went back
 * to the kernel after every frame (700-11,000 page faults per frame, each costly on a VM); the
 * model's tensor pool keeps them. Once warm, frames must reuse the memory of the frames before
 * them (0 per frame). */
GST_START_TEST (test_streaming_thread_reuses_memory)
{
  const char *description = "videotestsrc num-buffers=40 ! video/x-raw,format=RGB,width=1280,height=720 ! "
      "ispdenoise ! fakesink name=sink signal-handoffs=true";
  GstElement *pipeline = parse_pipeline (description);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  FaultCount count;
  g_signal_connect (sink, "handoff", G_CALLBACK (count_faults), &count);
  play_until_eos (pipeline, description);
  fail_unless (count.frames == 40, "%d frames reached the sink", count.frames);
  const double per_frame = double (count.at_last - count.at_first) / (count.frames - kFaultsFromFrame);
  fail_unless (per_frame < 200, "%.0f page faults per 1280x720 frame", per_frame);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}
GST_END_TEST;

static Suite *
perf_suite (void)
{
  Suite *s = suite_create ("perf");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_streaming_thread_reuses_memory);
  return s;
}

NEURALISP_CHECK_MAIN (perf);
