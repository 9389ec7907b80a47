/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-ispraw2rgb
 * @title: ispraw2rgb
 *
 * A neural camera ISP for Bayer sensors: demosaicking, denoising, white balance, colour and tone
 * in one element, where `bayer2rgb` only averages neighbours. A network demosaics and denoises
 * the mosaic (at half resolution, tiled for large frames); a second network looks at a 64x64
 * copy of the frame and estimates the white balance and a quadratic colour transform (after
 * DeepISP), smoothed over frames so that video does not flicker; the transform and the tone
 * curve are applied per pixel.
 *
 * Input: the stock Bayer caps (`video/x-bayer`, 8-bit `rggb`, `bggr`, `grbg`, `gbrg` and 16-bit
 * little-endian `rggb10le` ... `gbrg16le`), even width and height. `bit-depth` says how many bits
 * a 16-bit sample holds when the format name does not (e.g. 10-bit data as `rggb16le`);
 * `black-level` and `white-level` are in the sensor's code values. `white-balance` and
 * `color-matrix` replace the estimates when given; `rendering=demosaic` leaves colours and tone
 * as the mosaic has them (what `bayer2rgb` does, denoised and without its artefacts).
 *
 * At most once a second the element posts an `ispraw2rgb-stats` element message with
 * `red-gain` and `blue-gain` (the white balance used, green = 1), `auto-white-balance` and where
 * the time went (`convert-in-ms`, `demosaic-ms`, `color-ms`, `convert-out-ms`).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! video/x-bayer,format=rggb ! ispraw2rgb ! videoconvert ! autovideosink
 * gst-launch-1.0 filesrc location=frame.raw ! rawvideoparse format=gray16-le width=1920 height=1080 ! \
 *     capssetter replace=true caps="video/x-bayer,format=bggr12le,width=1920,height=1080,framerate=0/1" ! \
 *     ispraw2rgb ! videoconvert ! pngenc ! filesink location=frame.png
 * ]|
 */
#include "gstispraw2rgb.h"

#include <memory>

#include "elementcommon.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_raw2rgb_debug);
#define GST_CAT_DEFAULT gst_isp_raw2rgb_debug

#define DEFAULT_PROP_RENDERING GST_ISP_RAW_RENDERING_FULL

typedef enum
{
  GST_ISP_RAW_RENDERING_FULL,
  GST_ISP_RAW_RENDERING_DEMOSAIC,
} GstIspRawRendering;

#define GST_TYPE_ISP_RAW_RENDERING (gst_isp_raw_rendering_get_type ())
static GType
gst_isp_raw_rendering_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_ISP_RAW_RENDERING_FULL, "Full ISP: demosaic, denoise, white balance, colour and tone (sRGB)", "full"},
    {GST_ISP_RAW_RENDERING_DEMOSAIC, "Demosaic and denoise only, in the mosaic's own colours and tone",
        "demosaic"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstIspRawRendering", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (NEURALISP_BAYER_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, RGB, BGR }")));

enum
{
  PROP_0,
  PROP_RENDERING,
};

struct _GstIspRaw2Rgb
{
  GstIspBayerFilter parent;
  GstIspRawRendering rendering;  /* object lock */
};

G_DEFINE_TYPE_WITH_CODE (GstIspRaw2Rgb, gst_isp_raw2rgb, GST_TYPE_ISP_BAYER_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_isp_raw2rgb_debug, "ispraw2rgb", 0, "neural ISP for Bayer sensors"));
GST_ELEMENT_REGISTER_DEFINE (ispraw2rgb, "ispraw2rgb", GST_RANK_NONE, GST_TYPE_ISP_RAW2RGB);

static void
gst_isp_raw2rgb_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspRaw2Rgb *self = GST_ISP_RAW2RGB (object);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_RENDERING:
      self->rendering = static_cast < GstIspRawRendering > (g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_isp_raw2rgb_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstIspRaw2Rgb *self = GST_ISP_RAW2RGB (object);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_RENDERING:
      g_value_set_enum (value, self->rendering);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static std::string
gst_isp_raw2rgb_default_model (GstIspModelFilter *)
{
  return "raw/raw2rgb-fast.pt";
}

static neuralisp::Status
gst_isp_raw2rgb_create (GstIspModelFilter *, const neuralisp::ModelOptions & options,
    std::unique_ptr<neuralisp::Processor> & processor)
{
  neuralisp::RawRendererOptions renderer_options;
  std::unique_ptr<neuralisp::RawRenderer> renderer;

  renderer_options.model = options;
  const neuralisp::Status status = neuralisp::RawRenderer::create (renderer_options, renderer);
  processor = std::move (renderer);
  return status;
}

static neuralisp::Status
gst_isp_raw2rgb_prepare (GstIspFilter * filter, neuralisp::Processor & processor)
{
  GstIspRaw2Rgb *self = GST_ISP_RAW2RGB (filter);
  const IspCamera camera = gst_isp_bayer_filter_camera (GST_ISP_BAYER_FILTER (self));
  neuralisp::RawRenderParams params;
  {
    ObjectLock lock (self);
    params.rendering = self->rendering == GST_ISP_RAW_RENDERING_DEMOSAIC ?
        neuralisp::RawRendering::kDemosaic : neuralisp::RawRendering::kFull;
  }
  params.levels = camera.levels;
  params.white_balance = camera.white_balance;
  params.color_matrix = camera.color_matrix;
  return static_cast < neuralisp::RawRenderer & >(processor).set_params (params);
}

static void
gst_isp_raw2rgb_class_init (GstIspRaw2RgbClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstIspFilterClass *filter_class = GST_ISP_FILTER_CLASS (klass);
  GstIspModelFilterClass *model_filter_class = GST_ISP_MODEL_FILTER_CLASS (klass);

  gobject_class->set_property = gst_isp_raw2rgb_set_property;
  gobject_class->get_property = gst_isp_raw2rgb_get_property;

  g_object_class_install_property (gobject_class, PROP_RENDERING,
      g_param_spec_enum ("rendering", "Rendering", "What the element does to the mosaic",
          GST_TYPE_ISP_RAW_RENDERING, DEFAULT_PROP_RENDERING,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Neural camera ISP for Bayer sensors",
      "Filter/Converter/Video", "Renders Bayer RAW to RGB: neural demosaic and denoise, white balance, colour, tone",
      "neuralisp developers");
  gst_element_class_add_static_metadata (element_class, NEURALISP_METADATA_EXAMPLE,
      "gst-launch-1.0 v4l2src ! video/x-bayer,format=rggb ! ispraw2rgb ! videoconvert ! autovideosink");

  filter_class->pads = GST_ISP_FILTER_PADS_BAYER_IN;
  model_filter_class->default_model = gst_isp_raw2rgb_default_model;
  model_filter_class->create = gst_isp_raw2rgb_create;
  filter_class->prepare = gst_isp_raw2rgb_prepare;

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_RAW_RENDERING, (GstPluginAPIFlags) 0);
}

static void
gst_isp_raw2rgb_init (GstIspRaw2Rgb * self)
{
  self->rendering = DEFAULT_PROP_RENDERING;
}
