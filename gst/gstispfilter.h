/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstIspFilter: the base of neuralisp's model-backed video filters.
 *
 * It owns what every neural ISP element shares: the model file lookup and loading at
 * READY->PAUSED (failing with an error that names the file), the model-location, device,
 * threads, tile-size and post-messages properties, controller sync, per-frame timing and the
 * throttled statistics message. Subclasses own their libneuralisp processor and parameters. */
#pragma once

#include <gst/video/gstvideofilter.h>

#include <string>

#include <neuralisp/frame.h>
#include <neuralisp/model.h>

G_BEGIN_DECLS

#define GST_TYPE_ISP_FILTER (gst_isp_filter_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstIspFilter, gst_isp_filter, GST, ISP_FILTER, GstVideoFilter)

#define GST_TYPE_ISP_DEVICE (gst_isp_device_get_type ())
GType gst_isp_device_get_type (void);

/* Settings a subclass applies to its processor before each frame (they may change live). */
struct GstIspFilterRuntime
{
  int threads;
  int tile_size;
};

struct _GstIspFilterClass
{
  GstVideoFilterClass parent_class;

  /* File name of the model to use when model-location is unset, looked up on
   * neuralisp::model_search_path(). Called with the object lock held. */
  std::string (*default_model) (GstIspFilter * filter);
  /* Creates the processor from a model file; the status message becomes the element error. */
  neuralisp::Status (*load) (GstIspFilter * filter, const neuralisp::ModelOptions & options);
  void (*unload) (GstIspFilter * filter);
  /* TRUE when the current settings leave frames unchanged, so that they pass through untouched.
   * Called with the object lock held. */
  gboolean (*is_neutral) (GstIspFilter * filter);
  /* Processes one frame. When `stats` is not NULL a statistics message is due and the subclass
   * adds its own fields to it. */
  neuralisp::Status (*process) (GstIspFilter * filter, const neuralisp::FrameView & in,
      const neuralisp::FrameView & out, const GstIspFilterRuntime & runtime, GstStructure * stats);
};

G_END_DECLS
