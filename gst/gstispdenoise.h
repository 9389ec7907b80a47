/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "gstispmodelfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_ISP_DENOISE (gst_isp_denoise_get_type ())
G_DECLARE_FINAL_TYPE (GstIspDenoise, gst_isp_denoise, GST, ISP_DENOISE, GstIspModelFilter)

GST_ELEMENT_REGISTER_DECLARE (ispdenoise);

G_END_DECLS
