/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every neuralisp element shares: caps, frame views for libneuralisp, controller sync, locking. */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include <neuralisp/frame.h>

/* Caps every RGB/YUV element of the plugin accepts: the layouts USB cameras and decoders give. */
#define NEURALISP_VIDEO_CAPS GST_VIDEO_CAPS_MAKE ("{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, I420, NV12, YUY2 }")

/* Caps of a Bayer pad: the stock names (bayer2rgb, v4l2src): 8-bit `rggb`, `bggr`, `grbg`, `gbrg`
 * and 16-bit little-endian samples holding 10 to 16 bits, `rggb10le` ... `gbrg16le`. */
#define NEURALISP_BAYER_CAPS "video/x-bayer, format = (string) { rggb, bggr, grbg, gbrg, " \
    "rggb10le, bggr10le, grbg10le, gbrg10le, rggb12le, bggr12le, grbg12le, gbrg12le, " \
    "rggb14le, bggr14le, grbg14le, gbrg14le, rggb16le, bggr16le, grbg16le, gbrg16le }, " \
    "width = (int) [ 1, MAX ], height = (int) [ 1, MAX ], framerate = (fraction) [ 0/1, MAX ]"

/* Element metadata key for an example launch line: gst-inspect-1.0 prints every key. */
#define NEURALISP_METADATA_EXAMPLE "Example"

/* Describes a mapped frame for the library; FALSE for a format the library does not know. */
gboolean neuralisp_frame_view_from_gst (const GstVideoFrame * frame, neuralisp::FrameView * view);

/* before_transform of every element: brings controlled properties to the buffer's stream time,
 * so that a GstController binding takes effect on the next frame. */
void neuralisp_sync_controlled_properties (GstBaseTransform * trans, GstBuffer * buffer);

/* Settings that leave frames unchanged pass them on untouched and skip the work, as videobalance
 * does at its neutral settings; called from before_transform, so it follows live changes. */
void neuralisp_set_passthrough (GstBaseTransform * trans, gboolean passthrough);

/* Holds the object lock of a GstObject for the lifetime of the scope. */
class ObjectLock
{
public:
  explicit ObjectLock (gpointer object) : object_ (GST_OBJECT (object)) { GST_OBJECT_LOCK (object_); }
  ~ObjectLock () { GST_OBJECT_UNLOCK (object_); }
  ObjectLock (const ObjectLock &) = delete;
  ObjectLock & operator= (const ObjectLock &) = delete;

private:
  GstObject *object_;
};
