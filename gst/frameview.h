/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Glue between GStreamer video frames and libneuralisp's frame views, shared by the elements. */
#pragma once

#include <gst/video/video.h>

#include <neuralisp/frame.h>

/* Caps every RGB/YUV element of the plugin accepts: the layouts USB cameras and decoders give. */
#define NEURALISP_VIDEO_CAPS GST_VIDEO_CAPS_MAKE ("{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, I420, NV12, YUY2 }")

/* Describes a mapped frame for the library; FALSE for a format the library does not know. */
gboolean neuralisp_frame_view_from_gst (const GstVideoFrame * frame, neuralisp::FrameView * view);

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
