/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-frame bookkeeping every neuralisp element holds, whatever its base class: the processing
 * time it adds to the latency it reports (growing when frames get slower, with a latency
 * message), and the statistics message it posts at most once a second. */
#pragma once

#include <gst/gst.h>

#include <string>

#include <neuralisp/processor.h>

class IspFrameTimer
{
public:
  /* At READY->PAUSED: forgets earlier streams; statistics messages are named "<factory>-stats". */
  void start (GstElement * element);

  /* The processing time to add to upstream's latency (takes the object lock). */
  GstClockTime latency (GstElement * element) const;
  /* Handles a LATENCY query on a src pad: asks upstream through `sink_pad`, adds ours. */
  gboolean answer_latency_query (GstElement * element, GstPad * sink_pad, GstQuery * query) const;

  /* Call around each frame's processing. `frame_done` raises the reported latency when a frame
   * took longer than it allows, and posts the statistics (with the processor's own) when due and
   * `post_messages` is set. */
  gint64 frame_started () const { return g_get_monotonic_time (); }
  void frame_done (GstElement * element, gint64 started, gboolean post_messages,
      const neuralisp::Statistics & statistics);
  /* Whether a statistics message is due now (so that processors need not collect them otherwise). */
  gboolean statistics_due (gint64 now) const;

private:
  std::string stats_name_;
  gint64 last_stats_time_ = 0;
  guint frames_since_stats_ = 0;
  GstClockTime process_time_since_stats_ = 0;
  guint64 frames_processed_ = 0;
  GstClockTime latency_ = 0;  /* guarded by the element's object lock */
};
