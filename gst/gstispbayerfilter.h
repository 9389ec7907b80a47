/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstIspBayerFilter: the base of the model filters with a video/x-bayer pad (ispraw2rgb,
 * isprgb2raw). GStreamer 1.22 has no GstVideoFormat for Bayer, so this base does what
 * GstVideoFilter does for the other pad: caps (the stock Bayer names: 8-bit `bggr`, `gbrg`,
 * `grbg`, `rggb` and 16-bit little-endian `rggb10le` ... `rggb16le`, as bayer2rgb spells them),
 * even sizes, buffer sizes with bayer2rgb's row stride, and the frame views. It also holds the
 * sensor properties both directions share: bit-depth, black-level, white-level, white-balance and
 * color-matrix. */
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

  /* The pad that carries video/x-bayer: GST_PAD_SINK (RAW in) or GST_PAD_SRC (RAW out). */
  GstPadDirection bayer_pad;
};

/* Caps of the Bayer pad, for the subclasses' pad templates. */
#define NEURALISP_BAYER_CAPS "video/x-bayer, format = (string) { rggb, bggr, grbg, gbrg, " \
    "rggb10le, bggr10le, grbg10le, gbrg10le, rggb12le, bggr12le, grbg12le, gbrg12le, " \
    "rggb14le, bggr14le, grbg14le, gbrg14le, rggb16le, bggr16le, grbg16le, gbrg16le }, " \
    "width = (int) [ 1, MAX ], height = (int) [ 1, MAX ], framerate = (fraction) [ 0/1, MAX ]"

/* The sensor properties, read under the object lock. */
struct IspSensorSettings
{
  neuralisp::RawLevels levels;
  std::vector<float> white_balance;  /* empty: automatic (renderer) or the model's camera */
  std::vector<float> color_matrix;
};
IspSensorSettings gst_isp_bayer_filter_sensor_settings (GstIspBayerFilter * filter);

G_END_DECLS
