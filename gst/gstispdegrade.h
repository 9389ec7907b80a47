/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "gstispfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_ISP_DEGRADE (gst_isp_degrade_get_type ())
G_DECLARE_FINAL_TYPE (GstIspDegrade, gst_isp_degrade, GST, ISP_DEGRADE, GstIspFilter)

GST_ELEMENT_REGISTER_DECLARE (ispdegrade);

G_END_DECLS
