/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstispbayerfilter.h"

#include <cmath>

#include "elementcommon.h"
#include "ispsensorsettings.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_bayer_filter_debug);
#define GST_CAT_DEFAULT gst_isp_bayer_filter_debug

enum
{
  PROP_0,
  PROP_WHITE_BALANCE,
  PROP_COLOR_MATRIX,
  PROP_SENSOR_FIRST,
};

struct GstIspBayerFilterPrivate
{
  /* Properties, guarded by the object lock. */
  IspSensorSettings sensor { PROP_SENSOR_FIRST };
  std::vector<float> white_balance;
  std::vector<float> color_matrix;
};

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstIspBayerFilter, gst_isp_bayer_filter, GST_TYPE_ISP_MODEL_FILTER,
    G_ADD_PRIVATE (GstIspBayerFilter);
    GST_DEBUG_CATEGORY_INIT (gst_isp_bayer_filter_debug, "ispbayerfilter", 0, "neuralisp RAW filter base"));

static GstIspBayerFilterPrivate *
get_priv (GstIspBayerFilter * self)
{
  return static_cast < GstIspBayerFilterPrivate * >(gst_isp_bayer_filter_get_instance_private (self));
}

IspCamera
gst_isp_bayer_filter_camera (GstIspBayerFilter * self)
{
  ObjectLock lock (self);
  GstIspBayerFilterPrivate *priv = get_priv (self);
  return {priv->sensor.levels (), priv->white_balance, priv->color_matrix};
}

static void
set_float_array (GValue * value, const std::vector<float> &values)
{
  for (float v : values) {
    GValue element = G_VALUE_INIT;
    g_value_init (&element, G_TYPE_DOUBLE);
    g_value_set_double (&element, v);
    gst_value_array_append_and_take_value (value, &element);
  }
}

/* The values of a GstValueArray; a value of another type becomes NaN, which the library refuses
 * with a message on the next frame. */
static std::vector<float>
get_float_array (const GValue * value)
{
  std::vector<float> values;
  for (guint i = 0; i < gst_value_array_get_size (value); i++) {
    const GValue *element = gst_value_array_get_value (value, i);
    values.push_back (G_VALUE_HOLDS_DOUBLE (element) ? g_value_get_double (element) :
        G_VALUE_HOLDS_FLOAT (element) ? g_value_get_float (element) :
        G_VALUE_HOLDS_INT (element) ? g_value_get_int (element) : NAN);
  }
  return values;
}

static void
gst_isp_bayer_filter_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspBayerFilter *self = GST_ISP_BAYER_FILTER (object);
  GstIspBayerFilterPrivate *priv = get_priv (self);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_WHITE_BALANCE:
      priv->white_balance = get_float_array (value);
      break;
    case PROP_COLOR_MATRIX:
      priv->color_matrix = get_float_array (value);
      break;
    default:
      if (!priv->sensor.set_property (prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_isp_bayer_filter_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstIspBayerFilter *self = GST_ISP_BAYER_FILTER (object);
  GstIspBayerFilterPrivate *priv = get_priv (self);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_WHITE_BALANCE:
      set_float_array (value, priv->white_balance);
      break;
    case PROP_COLOR_MATRIX:
      set_float_array (value, priv->color_matrix);
      break;
    default:
      if (!priv->sensor.get_property (prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static guint
gst_isp_bayer_filter_bit_depth (GstIspFilter * filter)
{
  return get_priv (GST_ISP_BAYER_FILTER (filter))->sensor.bit_depth ();
}

static gboolean
gst_isp_bayer_filter_is_neutral (GstIspFilter *)
{
  return FALSE;                 /* a change of format: there is nothing to pass through */
}

static void
gst_isp_bayer_filter_finalize (GObject * object)
{
  get_priv (GST_ISP_BAYER_FILTER (object))->~GstIspBayerFilterPrivate ();
  G_OBJECT_CLASS (gst_isp_bayer_filter_parent_class)->finalize (object);
}

static GParamSpec *
float_array_spec (const char *name, const char *nick, const char *blurb)
{
  return gst_param_spec_array (name, nick, blurb,
      g_param_spec_double ("value", "Value", "One value", -16.0, 16.0, 1.0, G_PARAM_READWRITE),
      (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
}

static void
gst_isp_bayer_filter_class_init (GstIspBayerFilterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstIspFilterClass *filter_class = GST_ISP_FILTER_CLASS (klass);

  gobject_class->set_property = gst_isp_bayer_filter_set_property;
  gobject_class->get_property = gst_isp_bayer_filter_get_property;
  gobject_class->finalize = gst_isp_bayer_filter_finalize;

  g_object_class_install_property (gobject_class, PROP_WHITE_BALANCE,
      float_array_spec ("white-balance", "White balance",
          "White-balance gains < R, G, B > applied to the camera's RGB (empty = automatic when rendering RAW, "
          "the model's daylight camera when making RAW)"));
  g_object_class_install_property (gobject_class, PROP_COLOR_MATRIX,
      float_array_spec ("color-matrix", "Colour matrix",
          "Colour matrix from white-balanced camera RGB to linear sRGB, 9 values row by row (empty = "
          "estimated when rendering RAW, the model's camera when making RAW)"));
  IspSensorSettings::install_properties (gobject_class, PROP_SENSOR_FIRST);

  filter_class->bayer_bit_depth = GST_DEBUG_FUNCPTR (gst_isp_bayer_filter_bit_depth);
  filter_class->is_neutral = GST_DEBUG_FUNCPTR (gst_isp_bayer_filter_is_neutral);

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_BAYER_FILTER, (GstPluginAPIFlags) 0);
}

static void
gst_isp_bayer_filter_init (GstIspBayerFilter * self)
{
  new (get_priv (self)) GstIspBayerFilterPrivate ();
}
