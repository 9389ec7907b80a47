/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstIspBayerFilter: the base of the model filters between Bayer RAW and RGB (ispraw2rgb,
 * isprgb2raw). GstIspFilter handles the video/x-bayer pad; this base holds the camera both
 * directions describe: the sensor (IspSensorSettings: bit-depth, black-level, white-level) and
 * its colour (white-balance, color-matrix). Subclasses set GstIspFilterClass::pads. */
#pragma once

#include <vector>

#include <neuralisp/raw.h>

#include "gstispmodelfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_ISP_BAYER_FILTER (gst_isp_bayer_filter_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstIspBayerFilter, gst_isp_bayer_filter, GST, ISP_BAYER_FILTER, GstIspModelFilter)

struct _GstIspBayerFilterClass
{
  GstIspModelFilterClass parent_class;
};

/* The camera, read under the object lock. */
struct IspCamera
{
  neuralisp::RawLevels levels;
  std::vector<float> white_balance;  /* empty: automatic (renderer) or the model's camera */
  std::vector<float> color_matrix;
};
IspCamera gst_isp_bayer_filter_camera (GstIspBayerFilter * filter);

G_END_DECLS
