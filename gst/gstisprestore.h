/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A source pad of isprestore: the task (deblur, denoise, dejpeg) of the frames it gives. */
#define GST_TYPE_ISP_RESTORE_PAD (gst_isp_restore_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstIspRestorePad, gst_isp_restore_pad, GST, ISP_RESTORE_PAD, GstPad)

#define GST_TYPE_ISP_RESTORE (gst_isp_restore_get_type ())
G_DECLARE_FINAL_TYPE (GstIspRestore, gst_isp_restore, GST, ISP_RESTORE, GstElement)

GST_ELEMENT_REGISTER_DECLARE (isprestore);

G_END_DECLS
