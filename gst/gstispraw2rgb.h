/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "gstispbayerfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_ISP_RAW2RGB (gst_isp_raw2rgb_get_type ())
G_DECLARE_FINAL_TYPE (GstIspRaw2Rgb, gst_isp_raw2rgb, GST, ISP_RAW2RGB, GstIspBayerFilter)

GST_ELEMENT_REGISTER_DECLARE (ispraw2rgb);

G_END_DECLS
