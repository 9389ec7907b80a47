/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-ispdegrade
 * @title: ispdegrade
 *
 * Adds synthetic, reproducible camera degradations to video, for tests, demos and training
 * data, in the order a camera produces them: optics blur (`blur`), sensor noise simulated in
 * RAW (`camera-noise`: unprocess to linear RGGB, shot + read noise, demosaic, process back),
 * additive white Gaussian noise (`noise`) and a real JPEG round trip (`jpeg-quality`).
 * The noise of the n-th frame after start depends only on `seed` and n. With every degradation
 * off (the defaults) frames pass through untouched.
 *
 * Bayer frames (`video/x-bayer`, the formats ispraw2rgb takes) are RAW already: `camera-noise`
 * adds shot and read noise to each photosite in linear units between `black-level` and
 * `white-level` (NERDS-style synthesis as one pipeline, with isprgb2raw before and ispraw2rgb
 * after), and `noise` adds Gaussian noise on a 0-255 scale of that range. `blur` and
 * `jpeg-quality` apply to RGB frames only.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 videotestsrc ! ispdegrade noise=25 jpeg-quality=60 ! videoconvert ! autovideosink
 * gst-launch-1.0 videotestsrc ! isprgb2raw ! video/x-bayer,format=rggb12le ! ispdegrade camera-noise=0.6 ! \
 *     ispraw2rgb ! videoconvert ! autovideosink
 * ]|
 */
#include "gstispdegrade.h"

#include <neuralisp/degrader.h>

#include "elementcommon.h"
#include "ispsensorsettings.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_degrade_debug);
#define GST_CAT_DEFAULT gst_isp_degrade_debug

#define DEFAULT_PROP_NOISE 0.0
#define DEFAULT_PROP_CAMERA_NOISE 0.0
#define DEFAULT_PROP_BLUR 0.0
#define DEFAULT_PROP_JPEG_QUALITY 0
#define DEFAULT_PROP_SEED 0

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (NEURALISP_VIDEO_CAPS "; " NEURALISP_BAYER_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (NEURALISP_VIDEO_CAPS "; " NEURALISP_BAYER_CAPS));

enum
{
  PROP_0,
  PROP_NOISE,
  PROP_CAMERA_NOISE,
  PROP_BLUR,
  PROP_JPEG_QUALITY,
  PROP_SEED,
  PROP_SENSOR_FIRST,
};

struct GstIspDegradePrivate
{
  neuralisp::DegradeParams params;  /* guarded by the object lock */
  IspSensorSettings sensor { PROP_SENSOR_FIRST };  /* object lock */
  guint64 frames_seen = 0;          /* streaming thread: frames since start, passed through or not */
  guint64 frame_number = 0;         /* streaming thread: the current frame's index, for reproducible noise */
};

struct _GstIspDegrade
{
  GstIspFilter parent;
  GstIspDegradePrivate *priv;
};

G_DEFINE_TYPE_WITH_CODE (GstIspDegrade, gst_isp_degrade, GST_TYPE_ISP_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_isp_degrade_debug, "ispdegrade", 0, "synthetic camera degradations"));
GST_ELEMENT_REGISTER_DEFINE (ispdegrade, "ispdegrade", GST_RANK_NONE, GST_TYPE_ISP_DEGRADE);

static void
gst_isp_degrade_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspDegrade *self = GST_ISP_DEGRADE (object);
  neuralisp::DegradeParams & p = self->priv->params;
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_NOISE:
      p.noise = g_value_get_double (value);
      break;
    case PROP_CAMERA_NOISE:
      p.camera_noise = g_value_get_double (value);
      break;
    case PROP_BLUR:
      p.blur = g_value_get_double (value);
      break;
    case PROP_JPEG_QUALITY:
      p.jpeg_quality = g_value_get_int (value);
      break;
    case PROP_SEED:
      p.seed = g_value_get_uint64 (value);
      break;
    default:
      if (!self->priv->sensor.set_property (prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_isp_degrade_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstIspDegrade *self = GST_ISP_DEGRADE (object);
  const neuralisp::DegradeParams & p = self->priv->params;
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_NOISE:
      g_value_set_double (value, p.noise);
      break;
    case PROP_CAMERA_NOISE:
      g_value_set_double (value, p.camera_noise);
      break;
    case PROP_BLUR:
      g_value_set_double (value, p.blur);
      break;
    case PROP_JPEG_QUALITY:
      g_value_set_int (value, p.jpeg_quality);
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, p.seed);
      break;
    default:
      if (!self->priv->sensor.get_property (prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static gboolean
gst_isp_degrade_start (GstBaseTransform * trans)
{
  GST_ISP_DEGRADE (trans)->priv->frames_seen = 0;
  return GST_BASE_TRANSFORM_CLASS (gst_isp_degrade_parent_class)->start (trans);
}

/* Frames are counted here, where passed-through frames count too, so that frame n gets the same
 * noise whatever the settings of the frames before it. */
static void
gst_isp_degrade_before_transform (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstIspDegradePrivate *priv = GST_ISP_DEGRADE (trans)->priv;
  priv->frame_number = priv->frames_seen++;
  GST_BASE_TRANSFORM_CLASS (gst_isp_degrade_parent_class)->before_transform (trans, buffer);
}

static gboolean
gst_isp_degrade_is_neutral (GstIspFilter * filter)
{
  const neuralisp::DegradeParams & p = GST_ISP_DEGRADE (filter)->priv->params;
  return p.noise == 0.0f && p.camera_noise == 0.0f && p.blur == 0.0f && p.jpeg_quality == 0;
}

static gboolean
gst_isp_degrade_create_processor (GstIspFilter * filter, std::unique_ptr<neuralisp::Processor> & processor)
{
  std::unique_ptr<neuralisp::Degrader> degrader;
  const neuralisp::Status status = neuralisp::Degrader::create (degrader);
  if (!status.ok ()) {
    GST_ELEMENT_ERROR (filter, RESOURCE, FAILED, ("Could not start."), ("%s", status.message ().c_str ()));
    return FALSE;
  }
  processor = std::move (degrader);
  return TRUE;
}

static neuralisp::Status
gst_isp_degrade_prepare (GstIspFilter * filter, neuralisp::Processor & processor)
{
  GstIspDegradePrivate *priv = GST_ISP_DEGRADE (filter)->priv;
  neuralisp::DegradeParams params;
  {
    ObjectLock lock (filter);
    params = priv->params;
    params.levels = priv->sensor.levels ();
  }
  auto & degrader = static_cast < neuralisp::Degrader & >(processor);
  degrader.set_frame_number (priv->frame_number);
  return degrader.set_params (params);
}

static guint
gst_isp_degrade_bayer_bit_depth (GstIspFilter * filter)
{
  return GST_ISP_DEGRADE (filter)->priv->sensor.bit_depth ();
}

static void
gst_isp_degrade_finalize (GObject * object)
{
  delete GST_ISP_DEGRADE (object)->priv;
  G_OBJECT_CLASS (gst_isp_degrade_parent_class)->finalize (object);
}

static void
gst_isp_degrade_class_init (GstIspDegradeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstIspFilterClass *filter_class = GST_ISP_FILTER_CLASS (klass);
  const GParamFlags live = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING);

  gobject_class->set_property = gst_isp_degrade_set_property;
  gobject_class->get_property = gst_isp_degrade_get_property;
  gobject_class->finalize = gst_isp_degrade_finalize;

  g_object_class_install_property (gobject_class, PROP_NOISE,
      g_param_spec_double ("noise", "Noise", "Additive white Gaussian noise, sigma on the 0-255 scale (0 = none)",
          0.0, 255.0, DEFAULT_PROP_NOISE, live));
  g_object_class_install_property (gobject_class, PROP_CAMERA_NOISE,
      g_param_spec_double ("camera-noise", "Camera noise",
          "Sensor shot + read noise added in RAW, from a clean base-ISO sensor (0.01) to a phone at "
          "night (1); 0 = none", 0.0, 1.0, DEFAULT_PROP_CAMERA_NOISE, live));
  g_object_class_install_property (gobject_class, PROP_BLUR,
      g_param_spec_double ("blur", "Blur", "Gaussian blur sigma in pixels (0 = none)",
          0.0, 50.0, DEFAULT_PROP_BLUR, live));
  g_object_class_install_property (gobject_class, PROP_JPEG_QUALITY,
      g_param_spec_int ("jpeg-quality", "JPEG quality", "JPEG encode/decode round trip at this quality (0 = none)",
          0, 100, DEFAULT_PROP_JPEG_QUALITY, live));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed", "Seed of the noise; frame n after start always gets the same noise",
          0, G_MAXUINT64, DEFAULT_PROP_SEED, live));
  IspSensorSettings::install_properties (gobject_class, PROP_SENSOR_FIRST);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Camera degradation simulator",
      "Filter/Effect/Video", "Adds reproducible blur, RAW sensor noise, Gaussian noise and JPEG artefacts",
      "neuralisp developers");
  gst_element_class_add_static_metadata (element_class, NEURALISP_METADATA_EXAMPLE,
      "gst-launch-1.0 videotestsrc ! ispdegrade camera-noise=0.5 jpeg-quality=70 ! videoconvert ! autovideosink");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_isp_degrade_start);
  trans_class->before_transform = GST_DEBUG_FUNCPTR (gst_isp_degrade_before_transform);
  filter_class->pads = GST_ISP_FILTER_PADS_SAME;
  filter_class->bayer_bit_depth = GST_DEBUG_FUNCPTR (gst_isp_degrade_bayer_bit_depth);
  filter_class->create_processor = GST_DEBUG_FUNCPTR (gst_isp_degrade_create_processor);
  filter_class->is_neutral = GST_DEBUG_FUNCPTR (gst_isp_degrade_is_neutral);
  filter_class->prepare = GST_DEBUG_FUNCPTR (gst_isp_degrade_prepare);
}

static void
gst_isp_degrade_init (GstIspDegrade * self)
{
  self->priv = new GstIspDegradePrivate ();
}
