/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-ispdenoise
 * @title: ispdenoise
 *
 * Removes camera noise with a neural network trained on synthesised sensor noise: shot and
 * read noise added in RAW and carried through a camera ISP (NERDS), mixed with white Gaussian
 * noise. The network is conditioned on a noise level (FFDNet-style); by default the level is
 * estimated from every frame. At most once a second the element posts an `ispdenoise-stats`
 * element message with `frames` (uint: frames since the last message), `mean-process-time`
 * (guint64: nanoseconds per frame over those frames) and, as doubles, the last frame's
 * `noise-level` (sigma on the 0-255 scale, estimated or given), `estimated` (1 or 0),
 * `strength`, and where its time went: `convert-in-ms`, `network-ms`, `fuse-ms` (the temporal
 * averaging), `convert-out-ms`.
 *
 * The network runs in bfloat16 where the CPU computes it natively (`precision=auto`, the
 * default); frame conversion, the residual addition and the outputs stay float32.
 *
 * `strength` scales the level the network is told, so values below 1 keep more texture and
 * values above 1 smooth more; it can be changed while playing and bound to a GstController.
 *
 * `temporal` (on by default) denoises video over time: each pixel is averaged over the frames in
 * which it stayed still, restarting wherever the scene moves by more than the noise explains (no
 * smear, no ghost), and the network is told the noise left in that average, so a still scene
 * gets cleaner frame by frame while moving things look as they do denoised alone. Still images
 * (a framerate of 0/1), the first frame, and the first frame after a flush, a seek, new caps, a
 * gap or a discontinuity are denoised alone.
 *
 * In a live pipeline the element adds its processing time to the latency it reports (and posts
 * a latency message when frames get slower), so that a synchronising sink shows every frame;
 * with QoS it skips frames that are already too late to be shown.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! ispdenoise ! videoconvert ! autovideosink
 * gst-launch-1.0 videotestsrc ! ispdegrade noise=25 ! ispdenoise model=quality ! videoconvert ! autovideosink
 * ]|
 */
#include "gstispdenoise.h"

#include <memory>

#include <neuralisp/denoiser.h>

#include "elementcommon.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_denoise_debug);
#define GST_CAT_DEFAULT gst_isp_denoise_debug

#define DEFAULT_PROP_NOISE_LEVEL -1.0
#define DEFAULT_PROP_STRENGTH 1.0
#define DEFAULT_PROP_MODEL GST_ISP_DENOISE_MODEL_FAST
#define DEFAULT_PROP_TEMPORAL TRUE

typedef enum
{
  GST_ISP_DENOISE_MODEL_FAST,
  GST_ISP_DENOISE_MODEL_QUALITY,
} GstIspDenoiseModel;

#define GST_TYPE_ISP_DENOISE_MODEL (gst_isp_denoise_model_get_type ())
static GType
gst_isp_denoise_model_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_ISP_DENOISE_MODEL_FAST, "Fast: the lighter network, for live video on a CPU", "fast"},
    {GST_ISP_DENOISE_MODEL_QUALITY, "Quality: about 3x the compute of fast", "quality"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstIspDenoiseModel", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (NEURALISP_VIDEO_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (NEURALISP_VIDEO_CAPS));

enum
{
  PROP_0,
  PROP_NOISE_LEVEL,
  PROP_STRENGTH,
  PROP_MODEL,
  PROP_TEMPORAL,
};

struct GstIspDenoisePrivate
{
  /* Properties, guarded by the object lock. */
  neuralisp::DenoiseParams params { static_cast<float> (DEFAULT_PROP_NOISE_LEVEL),
      static_cast<float> (DEFAULT_PROP_STRENGTH), DEFAULT_PROP_TEMPORAL };
  GstIspDenoiseModel model = DEFAULT_PROP_MODEL;
  /* Streaming thread only: whether the warning that the model cannot denoise over time was
   * posted. */
  bool warned_single_frame = false;
};

struct _GstIspDenoise
{
  GstIspModelFilter parent;
  GstIspDenoisePrivate *priv;
};

G_DEFINE_TYPE_WITH_CODE (GstIspDenoise, gst_isp_denoise, GST_TYPE_ISP_MODEL_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_isp_denoise_debug, "ispdenoise", 0, "neural camera-noise removal"));
GST_ELEMENT_REGISTER_DEFINE (ispdenoise, "ispdenoise", GST_RANK_NONE, GST_TYPE_ISP_DENOISE);

static void
gst_isp_denoise_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspDenoise *self = GST_ISP_DENOISE (object);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_NOISE_LEVEL:
      self->priv->params.noise_level = g_value_get_double (value);
      break;
    case PROP_STRENGTH:
      self->priv->params.strength = g_value_get_double (value);
      break;
    case PROP_TEMPORAL:
      self->priv->params.temporal = g_value_get_boolean (value);
      break;
    case PROP_MODEL:
      if (GST_STATE (self) > GST_STATE_READY) {
        GST_WARNING_OBJECT (self, "model can only be changed in the NULL or READY state");
        break;
      }
      self->priv->model = static_cast < GstIspDenoiseModel > (g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_isp_denoise_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstIspDenoise *self = GST_ISP_DENOISE (object);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_NOISE_LEVEL:
      g_value_set_double (value, self->priv->params.noise_level);
      break;
    case PROP_STRENGTH:
      g_value_set_double (value, self->priv->params.strength);
      break;
    case PROP_MODEL:
      g_value_set_enum (value, self->priv->model);
      break;
    case PROP_TEMPORAL:
      g_value_set_boolean (value, self->priv->params.temporal);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static std::string
gst_isp_denoise_default_model (GstIspModelFilter * filter)
{
  GstIspDenoise *self = GST_ISP_DENOISE (filter);
  return self->priv->model == GST_ISP_DENOISE_MODEL_QUALITY ?
      "denoise/denoise-quality.pt" : "denoise/denoise-fast.pt";
}

static gboolean
gst_isp_denoise_is_neutral (GstIspFilter * filter)
{
  return GST_ISP_DENOISE (filter)->priv->params.strength == 0.0f;
}

static neuralisp::Status
gst_isp_denoise_create (GstIspModelFilter *, const neuralisp::ModelOptions & options,
    std::unique_ptr<neuralisp::Processor> & processor)
{
  neuralisp::DenoiserOptions denoiser_options;
  std::unique_ptr<neuralisp::Denoiser> denoiser;

  denoiser_options.model = options;
  const neuralisp::Status status = neuralisp::Denoiser::create (denoiser_options, denoiser);
  processor = std::move (denoiser);
  return status;
}

static neuralisp::Status
gst_isp_denoise_prepare (GstIspFilter * filter, neuralisp::Processor & processor)
{
  GstIspDenoise *self = GST_ISP_DENOISE (filter);
  neuralisp::DenoiseParams params;
  {
    ObjectLock lock (self);
    params = self->priv->params;
  }
  /* A still image (framerate 0/1) has no next frame to average with. */
  if (GST_VIDEO_INFO_FPS_N (&GST_VIDEO_FILTER (filter)->in_info) == 0)
    params.temporal = false;
  auto &denoiser = static_cast < neuralisp::Denoiser & >(processor);
  if (params.temporal && !denoiser.can_denoise_over_time ()) {
    /* A model of an older format (forward() only): it still denoises, frame by frame, and the
     * application is told once. */
    if (!self->priv->warned_single_frame)
      GST_ELEMENT_WARNING (self, STREAM, NOT_IMPLEMENTED, ("The model cannot denoise over time"),
          ("it has no estimate() and denoise_map() methods: every frame is denoised alone"));
    self->priv->warned_single_frame = true;
    params.temporal = false;
  }
  return denoiser.set_params (params);
}

static void
gst_isp_denoise_finalize (GObject * object)
{
  delete GST_ISP_DENOISE (object)->priv;
  G_OBJECT_CLASS (gst_isp_denoise_parent_class)->finalize (object);
}

static void
gst_isp_denoise_class_init (GstIspDenoiseClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstIspFilterClass *filter_class = GST_ISP_FILTER_CLASS (klass);
  GstIspModelFilterClass *model_filter_class = GST_ISP_MODEL_FILTER_CLASS (klass);

  gobject_class->set_property = gst_isp_denoise_set_property;
  gobject_class->get_property = gst_isp_denoise_get_property;
  gobject_class->finalize = gst_isp_denoise_finalize;

  g_object_class_install_property (gobject_class, PROP_NOISE_LEVEL,
      g_param_spec_double ("noise-level", "Noise level",
          "Noise standard deviation on the 0-255 scale (-1 = estimate it from every frame)",
          -1.0, 255.0, DEFAULT_PROP_NOISE_LEVEL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE |
              GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_STRENGTH,
      g_param_spec_double ("strength", "Strength",
          "Multiplies the noise level the network is conditioned on (0 = pass frames through untouched, "
          "<1 keeps more texture, >1 smooths more)", 0.0, 4.0, DEFAULT_PROP_STRENGTH,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE |
              GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_TEMPORAL,
      g_param_spec_boolean ("temporal", "Temporal",
          "Denoise video over time: average each pixel over the frames in which it stayed still "
          "(still images and the first frame after a flush, seek or cut are denoised alone)",
          DEFAULT_PROP_TEMPORAL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE |
              GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_enum ("model", "Model", "Which of the bundled models to use (model-location overrides it)",
          GST_TYPE_ISP_DENOISE_MODEL, DEFAULT_PROP_MODEL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Neural camera denoiser",
      "Filter/Effect/Video", "Removes camera noise with a noise-level-conditioned neural network",
      "neuralisp developers");
  gst_element_class_add_static_metadata (element_class, NEURALISP_METADATA_EXAMPLE,
      "gst-launch-1.0 v4l2src ! videoconvert ! ispdenoise strength=1.5 ! videoconvert ! autovideosink");

  model_filter_class->default_model = gst_isp_denoise_default_model;
  model_filter_class->create = gst_isp_denoise_create;
  filter_class->is_neutral = gst_isp_denoise_is_neutral;
  filter_class->prepare = gst_isp_denoise_prepare;

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_DENOISE_MODEL, (GstPluginAPIFlags) 0);
}

static void
gst_isp_denoise_init (GstIspDenoise * self)
{
  self->priv = new GstIspDenoisePrivate ();
}
