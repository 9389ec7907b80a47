/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ispframetimer.h"

#include "elementcommon.h"

/* Statistics are posted at most this often, so that applications can show them cheaply. */
#define STATS_INTERVAL_US G_USEC_PER_SEC

/* The latency reported is this much above the slowest frame seen, so that ordinary jitter does
 * not make the pipeline redistribute latency again and again. */
#define LATENCY_MARGIN 1.25

void
IspFrameTimer::start (GstElement * element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  stats_name_ = std::string (factory ? GST_OBJECT_NAME (factory) : G_OBJECT_TYPE_NAME (element)) + "-stats";
  last_stats_time_ = 0;
  frames_since_stats_ = 0;
  process_time_since_stats_ = 0;
  frames_processed_ = 0;
  ObjectLock lock (element);
  latency_ = 0;
}

GstClockTime
IspFrameTimer::latency (GstElement * element) const
{
  ObjectLock lock (element);
  return latency_;
}

gboolean
IspFrameTimer::answer_latency_query (GstElement * element, GstPad * sink_pad, GstQuery * query) const
{
  if (!gst_pad_peer_query (sink_pad, query))
    return FALSE;
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency (query, &live, &min, &max);
  const GstClockTime ours = latency (element);
  GST_DEBUG_OBJECT (element, "adding %" GST_TIME_FORMAT " of processing time", GST_TIME_ARGS (ours));
  gst_query_set_latency (query, live, min + ours, GST_CLOCK_TIME_IS_VALID (max) ? max + ours : max);
  return TRUE;
}

gboolean
IspFrameTimer::statistics_due (gint64 now) const
{
  return last_stats_time_ == 0 || now - last_stats_time_ >= STATS_INTERVAL_US;
}

void
IspFrameTimer::frame_done (GstElement * element, gint64 started, gboolean post_messages,
    const neuralisp::Statistics & statistics)
{
  const GstClockTime process_time = (g_get_monotonic_time () - started) * GST_USECOND;

  /* The first frame also builds the backend's kernels and says little about the steady time,
   * so the latency only counts from the second frame on. */
  if (frames_processed_++ > 0) {
    gboolean raised = FALSE;
    {
      ObjectLock lock (element);
      if (process_time > latency_) {
        latency_ = static_cast < GstClockTime > (process_time * LATENCY_MARGIN);
        raised = TRUE;
      }
    }
    if (raised) {
      GST_INFO_OBJECT (element, "a frame took %" GST_TIME_FORMAT ", reporting more latency",
          GST_TIME_ARGS (process_time));
      gst_element_post_message (element, gst_message_new_latency (GST_OBJECT (element)));
    }
  }

  frames_since_stats_++;
  process_time_since_stats_ += process_time;
  if (!post_messages || !statistics_due (started))
    return;
  GstStructure *s = gst_structure_new (stats_name_.c_str (),
      "frames", G_TYPE_UINT, frames_since_stats_,
      "mean-process-time", G_TYPE_UINT64, process_time_since_stats_ / frames_since_stats_, NULL);
  for (const auto & [key, value] : statistics)
    gst_structure_set (s, key.c_str (), G_TYPE_DOUBLE, value, NULL);
  gst_element_post_message (element, gst_message_new_element (GST_OBJECT (element), s));
  last_stats_time_ = started;
  frames_since_stats_ = 0;
  process_time_since_stats_ = 0;
}
