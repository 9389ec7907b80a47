/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elementcommon.h"

using neuralisp::PixelFormat;

static gboolean
pixel_format_from_gst (GstVideoFormat format, PixelFormat * out)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB: *out = PixelFormat::kRGB; return TRUE;
    case GST_VIDEO_FORMAT_BGR: *out = PixelFormat::kBGR; return TRUE;
    case GST_VIDEO_FORMAT_RGBx: *out = PixelFormat::kRGBx; return TRUE;
    case GST_VIDEO_FORMAT_BGRx: *out = PixelFormat::kBGRx; return TRUE;
    case GST_VIDEO_FORMAT_xRGB: *out = PixelFormat::kxRGB; return TRUE;
    case GST_VIDEO_FORMAT_xBGR: *out = PixelFormat::kxBGR; return TRUE;
    case GST_VIDEO_FORMAT_RGBA: *out = PixelFormat::kRGBA; return TRUE;
    case GST_VIDEO_FORMAT_BGRA: *out = PixelFormat::kBGRA; return TRUE;
    case GST_VIDEO_FORMAT_ARGB: *out = PixelFormat::kARGB; return TRUE;
    case GST_VIDEO_FORMAT_ABGR: *out = PixelFormat::kABGR; return TRUE;
    case GST_VIDEO_FORMAT_I420: *out = PixelFormat::kI420; return TRUE;
    case GST_VIDEO_FORMAT_NV12: *out = PixelFormat::kNV12; return TRUE;
    case GST_VIDEO_FORMAT_YUY2: *out = PixelFormat::kYUY2; return TRUE;
    default: return FALSE;
  }
}

gboolean
neuralisp_frame_view_from_gst (const GstVideoFrame * frame, neuralisp::FrameView * view)
{
  const GstVideoInfo *info = &frame->info;

  if (!pixel_format_from_gst (GST_VIDEO_INFO_FORMAT (info), &view->format))
    return FALSE;
  view->width = GST_VIDEO_INFO_WIDTH (info);
  view->height = GST_VIDEO_INFO_HEIGHT (info);
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (frame) && p < 3; p++) {
    view->planes[p] = static_cast < std::uint8_t * >(GST_VIDEO_FRAME_PLANE_DATA (frame, p));
    view->strides[p] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
  }
  /* BT.709 for HD and everything newer; BT.601 (and its SMPTE 240M cousin) otherwise. */
  view->colorimetry.matrix = info->colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT601 ||
      info->colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_SMPTE240M ?
      neuralisp::YuvMatrix::kBT601 : neuralisp::YuvMatrix::kBT709;
  view->colorimetry.full_range = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
  return TRUE;
}

void
neuralisp_sync_controlled_properties (GstBaseTransform * trans, GstBuffer * buffer)
{
  /* Controllers run on stream time: a source with a byte segment (appsrc by default) has none. */
  if (trans->segment.format != GST_FORMAT_TIME)
    return;
  const GstClockTime stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
      GST_BUFFER_TIMESTAMP (buffer));

  if (GST_CLOCK_TIME_IS_VALID (stream_time))
    gst_object_sync_values (GST_OBJECT (trans), stream_time);
}

void
neuralisp_set_passthrough (GstBaseTransform * trans, gboolean passthrough)
{
  if (gst_base_transform_is_passthrough (trans) == passthrough)
    return;
  GST_DEBUG_OBJECT (trans, "passthrough %s", passthrough ? "on" : "off");
  gst_base_transform_set_passthrough (trans, passthrough);
  /* Leaving passthrough needs an output buffer pool, which is agreed with downstream. */
  gst_base_transform_reconfigure_src (trans);
}
