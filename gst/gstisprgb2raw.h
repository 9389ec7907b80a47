/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "gstispbayerfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_ISP_RGB2RAW (gst_isp_rgb2raw_get_type ())
G_DECLARE_FINAL_TYPE (GstIspRgb2Raw, gst_isp_rgb2raw, GST, ISP_RGB2RAW, GstIspBayerFilter)

GST_ELEMENT_REGISTER_DECLARE (isprgb2raw);

G_END_DECLS
