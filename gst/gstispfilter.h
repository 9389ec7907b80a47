/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstIspFilter: the base of neuralisp's video filters, with or without a model.
 *
 * It owns the per-frame plumbing every filter shares: frame views for libneuralisp, controller
 * sync, pass-through at neutral settings, the processor's reset on flush, discontinuity and caps
 * changes, runtime settings applied when they change, timing, latency and the throttled
 * statistics message (post-messages property). Subclasses create their neuralisp::Processor and
 * hand it their per-frame parameters; GstIspModelFilter adds the model properties. */
#pragma once

#include <gst/video/gstvideofilter.h>

#include <memory>

#include <neuralisp/processor.h>

G_BEGIN_DECLS

/* What the pads carry. GStreamer 1.22 has no GstVideoFormat for Bayer, so for a video/x-bayer pad
 * the base does what GstVideoFilter does for video/x-raw: caps, even sizes (refused at
 * negotiation with a message), bayer2rgb's row stride, buffer sizes and the frame views. */
typedef enum
{
  GST_ISP_FILTER_PADS_VIDEO,           /* video/x-raw in and out */
  GST_ISP_FILTER_PADS_BAYER_IN,        /* video/x-bayer in, video/x-raw out */
  GST_ISP_FILTER_PADS_BAYER_OUT,       /* video/x-raw in, video/x-bayer out */
  GST_ISP_FILTER_PADS_SAME,            /* the same caps in and out, video/x-raw or video/x-bayer */
} GstIspFilterPads;

#define GST_TYPE_ISP_FILTER (gst_isp_filter_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstIspFilter, gst_isp_filter, GST, ISP_FILTER, GstVideoFilter)

struct _GstIspFilterClass
{
  GstVideoFilterClass parent_class;

  GstIspFilterPads pads;
  /* With Bayer pads: the significant bits of a sample the bit-depth property gives (0 = the
   * format's). Called with the object lock held. */
  guint (*bayer_bit_depth) (GstIspFilter * filter);

  /* Creates the processor at READY->PAUSED. On failure it posts an error naming the cause and
   * returns FALSE. */
  gboolean (*create_processor) (GstIspFilter * filter, std::unique_ptr<neuralisp::Processor> & processor);
  /* TRUE when the current settings leave frames unchanged, so that they pass through untouched.
   * Called with the object lock held. */
  gboolean (*is_neutral) (GstIspFilter * filter);
  /* Hands the current per-frame parameters to the processor before a frame is processed (after
   * the controller sync). */
  neuralisp::Status (*prepare) (GstIspFilter * filter, neuralisp::Processor & processor);
  /* Optional: fills the runtime settings and returns TRUE when they changed since the last call
   * (object lock held). They are applied to the processor before the next frame. */
  gboolean (*take_runtime_settings) (GstIspFilter * filter, neuralisp::RuntimeSettings * settings);
};

/* For subclasses that map their own buffers (a Bayer side has no GstVideoInfo): processes one
 * frame as transform_frame does (settings, timing, statistics, errors posted). */
GstFlowReturn gst_isp_filter_process (GstIspFilter * filter, const neuralisp::FrameView & in,
    const neuralisp::FrameView & out);
/* Forgets the processor's state carried across frames (on new caps, flush, discontinuity). */
void gst_isp_filter_reset (GstIspFilter * filter, const char *why);

G_END_DECLS
