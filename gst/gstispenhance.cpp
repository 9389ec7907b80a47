/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-ispenhance
 * @title: ispenhance
 *
 * Automatic, controllable enhancement: a badly exposed, off-white, flat stream comes out well
 * exposed, neutral and pleasing. A small network looks at a 64x64 copy of each frame and the
 * chosen style and predicts the parameters of explicit ISP operations (white-balance and
 * exposure gains, a quadratic colour transform, a tone curve), which are applied to every pixel;
 * the cost per frame is that of the per-pixel transform, whatever the network.
 *
 * `style` picks a look (`natural` is the plain correction; `vivid`, `warm`, `cool`,
 * `low-light`, `film`, `mono`); `exposure`, `contrast`, `saturation` and `warmth` (-1..1) move
 * the look continuously from the style's point, so that an app can put a style on a slider.
 * Looks adapt to each scene: `vivid` adds little colour to a scene that already has plenty,
 * `low-light` brightens a dark scene and leaves a bright one alone. `strength` blends between the
 * input (0, where frames pass through untouched) and the full look (1). All of these can change
 * while playing and be bound to a GstController; a change shows on the next frame.
 *
 * On video the network's view of the scene is smoothed over frame time, so that the parameters
 * follow a change of light within `temporal-smoothing` seconds, without flicker or overshoot; the
 * smoothing restarts on flush, discontinuity and caps changes.
 *
 * At most once a second the element posts an `ispenhance-stats` element message with
 * `exposure-ev` (the change of the scene's mean luminance in stops), `red-gain` and `blue-gain`
 * (white balance, green = 1), `saturation-change` and where the time went (`convert-in-ms`,
 * `network-ms`, `transform-ms`, `convert-out-ms`).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! ispenhance ! videoconvert ! autovideosink
 * gst-launch-1.0 videotestsrc ! ispenhance style=vivid saturation=-0.2 temporal-smoothing=1 ! videoconvert ! autovideosink
 * ]|
 */
#include "gstispenhance.h"

#include <cmath>
#include <memory>

#include <neuralisp/enhancer.h>

#include "elementcommon.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_enhance_debug);
#define GST_CAT_DEFAULT gst_isp_enhance_debug

#define DEFAULT_PROP_STYLE GST_ISP_ENHANCE_STYLE_NATURAL
#define DEFAULT_PROP_COEFFICIENT 0.0
#define DEFAULT_PROP_STRENGTH 1.0
#define DEFAULT_PROP_TEMPORAL_SMOOTHING 0.5

/* The values are neuralisp::EnhancePreset's. */
typedef enum
{
  GST_ISP_ENHANCE_STYLE_NATURAL,
  GST_ISP_ENHANCE_STYLE_VIVID,
  GST_ISP_ENHANCE_STYLE_WARM,
  GST_ISP_ENHANCE_STYLE_COOL,
  GST_ISP_ENHANCE_STYLE_LOW_LIGHT,
  GST_ISP_ENHANCE_STYLE_FILM,
  GST_ISP_ENHANCE_STYLE_MONO,
} GstIspEnhanceStyle;

#define GST_TYPE_ISP_ENHANCE_STYLE (gst_isp_enhance_style_get_type ())
static GType
gst_isp_enhance_style_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_ISP_ENHANCE_STYLE_NATURAL, "Natural: exposure, white balance, tone and colour corrected", "natural"},
    {GST_ISP_ENHANCE_STYLE_VIVID, "Vivid: richer colour and contrast, less where the scene has plenty", "vivid"},
    {GST_ISP_ENHANCE_STYLE_WARM, "Warm: a warmer white balance", "warm"},
    {GST_ISP_ENHANCE_STYLE_COOL, "Cool: a cooler white balance", "cool"},
    {GST_ISP_ENHANCE_STYLE_LOW_LIGHT, "Low light: dark scenes brightened, bright ones left alone", "low-light"},
    {GST_ISP_ENHANCE_STYLE_FILM, "Film: soft contrast, muted warm colour", "film"},
    {GST_ISP_ENHANCE_STYLE_MONO, "Mono: black and white", "mono"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstIspEnhanceStyle", values);
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
  PROP_STYLE,
  PROP_EXPOSURE,
  PROP_CONTRAST,
  PROP_SATURATION,
  PROP_WARMTH,
  PROP_STRENGTH,
  PROP_TEMPORAL_SMOOTHING,
};

struct GstIspEnhancePrivate
{
  /* Properties, guarded by the object lock. */
  GstIspEnhanceStyle style = DEFAULT_PROP_STYLE;
  neuralisp::EnhanceStyle offsets;      /* the coefficient properties, added to the style's */
  double strength = DEFAULT_PROP_STRENGTH;
  double temporal_smoothing = DEFAULT_PROP_TEMPORAL_SMOOTHING;
  /* The running time of the buffer about to be processed, in seconds (NAN: none). */
  double frame_time = NAN;
};

struct _GstIspEnhance
{
  GstIspModelFilter parent;
  GstIspEnhancePrivate *priv;
};

G_DEFINE_TYPE_WITH_CODE (GstIspEnhance, gst_isp_enhance, GST_TYPE_ISP_MODEL_FILTER,
    GST_DEBUG_CATEGORY_INIT (gst_isp_enhance_debug, "ispenhance", 0, "controllable neural enhancement"));
GST_ELEMENT_REGISTER_DEFINE (ispenhance, "ispenhance", GST_RANK_NONE, GST_TYPE_ISP_ENHANCE);

static float *
coefficient (GstIspEnhancePrivate * priv, guint prop_id)
{
  switch (prop_id) {
    case PROP_EXPOSURE:
      return &priv->offsets.exposure;
    case PROP_CONTRAST:
      return &priv->offsets.contrast;
    case PROP_SATURATION:
      return &priv->offsets.saturation;
    case PROP_WARMTH:
      return &priv->offsets.warmth;
    default:
      return NULL;
  }
}

static void
gst_isp_enhance_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspEnhance *self = GST_ISP_ENHANCE (object);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_STYLE:
      self->priv->style = static_cast < GstIspEnhanceStyle > (g_value_get_enum (value));
      break;
    case PROP_EXPOSURE:
    case PROP_CONTRAST:
    case PROP_SATURATION:
    case PROP_WARMTH:
      *coefficient (self->priv, prop_id) = g_value_get_double (value);
      break;
    case PROP_STRENGTH:
      self->priv->strength = g_value_get_double (value);
      break;
    case PROP_TEMPORAL_SMOOTHING:
      self->priv->temporal_smoothing = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_isp_enhance_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstIspEnhance *self = GST_ISP_ENHANCE (object);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_STYLE:
      g_value_set_enum (value, self->priv->style);
      break;
    case PROP_EXPOSURE:
    case PROP_CONTRAST:
    case PROP_SATURATION:
    case PROP_WARMTH:
      g_value_set_double (value, *coefficient (self->priv, prop_id));
      break;
    case PROP_STRENGTH:
      g_value_set_double (value, self->priv->strength);
      break;
    case PROP_TEMPORAL_SMOOTHING:
      g_value_set_double (value, self->priv->temporal_smoothing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static std::string
gst_isp_enhance_default_model (GstIspModelFilter *)
{
  return "enhance/enhance-fast.pt";
}

static gboolean
gst_isp_enhance_is_neutral (GstIspFilter * filter)
{
  return GST_ISP_ENHANCE (filter)->priv->strength == 0.0;
}

static neuralisp::Status
gst_isp_enhance_create (GstIspModelFilter *, const neuralisp::ModelOptions & options,
    std::unique_ptr<neuralisp::Processor> & processor)
{
  neuralisp::EnhancerOptions enhancer_options;
  std::unique_ptr<neuralisp::Enhancer> enhancer;

  enhancer_options.model = options;
  const neuralisp::Status status = neuralisp::Enhancer::create (enhancer_options, enhancer);
  processor = std::move (enhancer);
  return status;
}

/* Keeps the buffer's running time for the smoothing's time constant, then does what every
 * filter does before a frame. */
static void
gst_isp_enhance_before_transform (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstIspEnhance *self = GST_ISP_ENHANCE (trans);
  const GstClockTime running_time = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buffer));
  {
    ObjectLock lock (self);
    self->priv->frame_time = GST_CLOCK_TIME_IS_VALID (running_time) ?
        static_cast<double> (running_time) / GST_SECOND : NAN;
  }
  GST_BASE_TRANSFORM_CLASS (gst_isp_enhance_parent_class)->before_transform (trans, buffer);
}

static float
clamped_sum (float style, float offset)
{
  return CLAMP (style + offset, -1.0f, 1.0f);
}

static neuralisp::Status
gst_isp_enhance_prepare (GstIspFilter * filter, neuralisp::Processor & processor)
{
  GstIspEnhance *self = GST_ISP_ENHANCE (filter);
  neuralisp::EnhanceParams params;
  double frame_time;
  {
    ObjectLock lock (self);
    const GstIspEnhancePrivate & p = *self->priv;
    const neuralisp::EnhanceStyle base =
        neuralisp::enhance_preset_style (static_cast < neuralisp::EnhancePreset > (p.style));
    params.style.exposure = clamped_sum (base.exposure, p.offsets.exposure);
    params.style.contrast = clamped_sum (base.contrast, p.offsets.contrast);
    params.style.saturation = clamped_sum (base.saturation, p.offsets.saturation);
    params.style.warmth = clamped_sum (base.warmth, p.offsets.warmth);
    params.strength = p.strength;
    params.smoothing_seconds = p.temporal_smoothing;
    frame_time = p.frame_time;
  }
  auto & enhancer = static_cast < neuralisp::Enhancer & >(processor);
  enhancer.set_frame_time (frame_time);
  return enhancer.set_params (params);
}

static void
gst_isp_enhance_finalize (GObject * object)
{
  delete GST_ISP_ENHANCE (object)->priv;
  G_OBJECT_CLASS (gst_isp_enhance_parent_class)->finalize (object);
}

static void
install_coefficient (GObjectClass * gobject_class, guint prop_id, const char *name, const char *nick,
    const char *blurb)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_double (name, nick, blurb, -1.0, 1.0, DEFAULT_PROP_COEFFICIENT,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE |
              GST_PARAM_MUTABLE_PLAYING)));
}

static void
gst_isp_enhance_class_init (GstIspEnhanceClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstIspFilterClass *filter_class = GST_ISP_FILTER_CLASS (klass);
  GstIspModelFilterClass *model_filter_class = GST_ISP_MODEL_FILTER_CLASS (klass);

  gobject_class->set_property = gst_isp_enhance_set_property;
  gobject_class->get_property = gst_isp_enhance_get_property;
  gobject_class->finalize = gst_isp_enhance_finalize;

  g_object_class_install_property (gobject_class, PROP_STYLE,
      g_param_spec_enum ("style", "Style", "The look; the coefficient properties move it continuously",
          GST_TYPE_ISP_ENHANCE_STYLE, DEFAULT_PROP_STYLE,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE |
              GST_PARAM_MUTABLE_PLAYING)));
  install_coefficient (gobject_class, PROP_EXPOSURE, "exposure", "Exposure",
      "Added to the style's exposure: + brightens a dark scene toward a bright key, - darkens a bright one");
  install_coefficient (gobject_class, PROP_CONTRAST, "contrast", "Contrast",
      "Added to the style's contrast: the tone bent around the scene's own mean luminance");
  install_coefficient (gobject_class, PROP_SATURATION, "saturation", "Saturation",
      "Added to the style's saturation: + adds colour where the scene has little, -1 is monochrome");
  install_coefficient (gobject_class, PROP_WARMTH, "warmth", "Warmth",
      "Added to the style's warmth: + warmer, - cooler");
  g_object_class_install_property (gobject_class, PROP_STRENGTH,
      g_param_spec_double ("strength", "Strength",
          "Blend from the input (0: frames pass through untouched) to the full look (1)", 0.0, 1.0,
          DEFAULT_PROP_STRENGTH,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE |
              GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_TEMPORAL_SMOOTHING,
      g_param_spec_double ("temporal-smoothing", "Temporal smoothing",
          "Seconds for the estimate to settle (99%) after the scene or light changes (0 = every frame on its own)",
          0.0, 60.0, DEFAULT_PROP_TEMPORAL_SMOOTHING,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE |
              GST_PARAM_MUTABLE_PLAYING)));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Neural camera enhancement",
      "Filter/Effect/Video", "Corrects exposure, white balance, tone and colour toward a controllable style",
      "neuralisp developers");
  gst_element_class_add_static_metadata (element_class, NEURALISP_METADATA_EXAMPLE,
      "gst-launch-1.0 v4l2src ! videoconvert ! ispenhance style=vivid ! videoconvert ! autovideosink");

  trans_class->before_transform = GST_DEBUG_FUNCPTR (gst_isp_enhance_before_transform);
  model_filter_class->default_model = gst_isp_enhance_default_model;
  model_filter_class->create = gst_isp_enhance_create;
  filter_class->is_neutral = gst_isp_enhance_is_neutral;
  filter_class->prepare = gst_isp_enhance_prepare;

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_ENHANCE_STYLE, (GstPluginAPIFlags) 0);
}

static void
gst_isp_enhance_init (GstIspEnhance * self)
{
  self->priv = new GstIspEnhancePrivate ();
}
