/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-isprgb2raw
 * @title: isprgb2raw
 *
 * A reverse camera ISP: turns sRGB video or photos into the RAW Bayer frames a sensor would have
 * given, for simulation, for training RAW-domain models and for testing ISPs (after
 * RST-ISP-Net and unprocessing). The known inverse steps stay explicit (tone curve, gamma, colour
 * matrix, white balance); a small network corrects what they cannot invert (8-bit quantisation,
 * clipped highlights, compression); the mosaic is sampled for the negotiated pattern and bit depth.
 *
 * The output is whatever Bayer format downstream asks for (`video/x-bayer,format=bggr12le`, ...;
 * `rggb` when it does not care), with `black-level` and `white-level` in code values. The
 * camera's `white-balance` and `color-matrix` (from balanced camera RGB to sRGB, as a renderer
 * applies them) default to the model's daylight camera. `isprgb2raw ! ispraw2rgb` is a round
 * trip; `isprgb2raw ! ispdegrade camera-noise=0.5 ! ispraw2rgb` synthesises camera noise.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc ! isprgb2raw ! video/x-bayer,format=grbg ! ispraw2rgb ! videoconvert ! autovideosink
 * gst-launch-1.0 filesrc location=photo.jpg ! jpegdec ! videoconvert ! isprgb2raw ! \
 *     video/x-bayer,format=rggb12le ! filesink location=photo.raw
 * ]|
 */
#include "gstisprgb2raw.h"

#include <memory>

#include "elementcommon.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_rgb2raw_debug);
#define GST_CAT_DEFAULT gst_isp_rgb2raw_debug

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (NEURALISP_VIDEO_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (NEURALISP_BAYER_CAPS));

struct _GstIspRgb2Raw
{
  GstIspBayerFilter parent;
};

G_DEFINE_TYPE_WITH_CODE (GstIspRgb2Raw, gst_isp_rgb2raw, GST_TYPE_ISP_BAYER_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_isp_rgb2raw_debug, "isprgb2raw", 0, "reverse camera ISP"));
GST_ELEMENT_REGISTER_DEFINE (isprgb2raw, "isprgb2raw", GST_RANK_NONE, GST_TYPE_ISP_RGB2RAW);

static std::string
gst_isp_rgb2raw_default_model (GstIspModelFilter *)
{
  return "raw/rgb2raw-fast.pt";
}

static neuralisp::Status
gst_isp_rgb2raw_create (GstIspModelFilter *, const neuralisp::ModelOptions & options,
    std::unique_ptr<neuralisp::Processor> & processor)
{
  neuralisp::RawSynthesizerOptions synthesizer_options;
  std::unique_ptr<neuralisp::RawSynthesizer> synthesizer;

  synthesizer_options.model = options;
  const neuralisp::Status status = neuralisp::RawSynthesizer::create (synthesizer_options, synthesizer);
  processor = std::move (synthesizer);
  return status;
}

static neuralisp::Status
gst_isp_rgb2raw_prepare (GstIspFilter * filter, neuralisp::Processor & processor)
{
  const IspCamera camera = gst_isp_bayer_filter_camera (GST_ISP_BAYER_FILTER (filter));
  neuralisp::RawSynthesizeParams params;
  params.levels = camera.levels;
  params.white_balance = camera.white_balance;
  params.color_matrix = camera.color_matrix;
  return static_cast < neuralisp::RawSynthesizer & >(processor).set_params (params);
}

static void
gst_isp_rgb2raw_class_init (GstIspRgb2RawClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstIspFilterClass *filter_class = GST_ISP_FILTER_CLASS (klass);
  GstIspModelFilterClass *model_filter_class = GST_ISP_MODEL_FILTER_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Reverse camera ISP", "Filter/Converter/Video",
      "Turns sRGB video into realistic RAW Bayer frames: explicit inverse ISP with a learned correction",
      "neuralisp developers");
  gst_element_class_add_static_metadata (element_class, NEURALISP_METADATA_EXAMPLE,
      "gst-launch-1.0 videotestsrc ! isprgb2raw ! video/x-bayer,format=grbg ! ispraw2rgb ! videoconvert ! "
      "autovideosink");

  filter_class->pads = GST_ISP_FILTER_PADS_BAYER_OUT;
  model_filter_class->default_model = gst_isp_rgb2raw_default_model;
  model_filter_class->create = gst_isp_rgb2raw_create;
  filter_class->prepare = gst_isp_rgb2raw_prepare;
}

static void
gst_isp_rgb2raw_init (GstIspRgb2Raw *)
{
}
