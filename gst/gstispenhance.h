/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "gstispmodelfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_ISP_ENHANCE (gst_isp_enhance_get_type ())
G_DECLARE_FINAL_TYPE (GstIspEnhance, gst_isp_enhance, GST, ISP_ENHANCE, GstIspModelFilter)

GST_ELEMENT_REGISTER_DECLARE (ispenhance);

G_END_DECLS
