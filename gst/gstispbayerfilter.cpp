/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstispbayerfilter.h"

#include <cmath>
#include <cstring>
#include <string>

#include "elementcommon.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_bayer_filter_debug);
#define GST_CAT_DEFAULT gst_isp_bayer_filter_debug

#define DEFAULT_PROP_BIT_DEPTH 0
#define DEFAULT_PROP_BLACK_LEVEL -1
#define DEFAULT_PROP_WHITE_LEVEL -1

enum
{
  PROP_0,
  PROP_BIT_DEPTH,
  PROP_BLACK_LEVEL,
  PROP_WHITE_LEVEL,
  PROP_WHITE_BALANCE,
  PROP_COLOR_MATRIX,
};

/* A negotiated Bayer stream. */
struct BayerStream
{
  neuralisp::BayerPattern pattern = neuralisp::BayerPattern::kRGGB;
  gint container_bits = 8;   /* 8 or 16 */
  gint bits = 8;             /* significant bits */
  gint width = 0, height = 0;
  gsize stride = 0;
};

struct GstIspBayerFilterPrivate
{
  /* Properties, guarded by the object lock. */
  guint bit_depth = DEFAULT_PROP_BIT_DEPTH;
  IspSensorSettings sensor;
  /* Streaming state, set in set_caps. */
  BayerStream bayer;
  GstVideoInfo video_info;
};

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstIspBayerFilter, gst_isp_bayer_filter, GST_TYPE_ISP_MODEL_FILTER,
    G_ADD_PRIVATE (GstIspBayerFilter);
    GST_DEBUG_CATEGORY_INIT (gst_isp_bayer_filter_debug, "ispbayerfilter", 0, "neuralisp Bayer filter base"));

static GstIspBayerFilterPrivate *
get_priv (GstIspBayerFilter * self)
{
  return static_cast < GstIspBayerFilterPrivate * >(gst_isp_bayer_filter_get_instance_private (self));
}

IspSensorSettings
gst_isp_bayer_filter_sensor_settings (GstIspBayerFilter * self)
{
  ObjectLock lock (self);
  return get_priv (self)->sensor;
}

/* Parses a Bayer format name: the pattern and the container's and the name's bit depth. */
static gboolean
parse_bayer_format (const gchar * format, neuralisp::BayerPattern * pattern, gint * container_bits, gint * bits)
{
  static const struct
  {
    const char *prefix;
    neuralisp::BayerPattern pattern;
  } patterns[] = {
    {"rggb", neuralisp::BayerPattern::kRGGB}, {"bggr", neuralisp::BayerPattern::kBGGR},
    {"grbg", neuralisp::BayerPattern::kGRBG}, {"gbrg", neuralisp::BayerPattern::kGBRG},
  };
  if (!format || strlen (format) < 4)
    return FALSE;
  gboolean known = FALSE;
  for (const auto & p : patterns)
    if (g_str_has_prefix (format, p.prefix)) {
      *pattern = p.pattern;
      known = TRUE;
    }
  if (!known)
    return FALSE;
  const gchar *depth = format + 4;
  if (*depth == '\0') {
    *container_bits = *bits = 8;
    return TRUE;
  }
  for (gint b : {10, 12, 14, 16})
    if (g_strcmp0 (depth, (std::to_string (b) + "le").c_str ()) == 0) {
      *container_bits = 16;
      *bits = b;
      return TRUE;
    }
  return FALSE;
}

/* bayer2rgb's row stride: rows padded to 4 samples. */
static gsize
bayer_stride (gint width, gint container_bits)
{
  return GST_ROUND_UP_4 (width) * (container_bits / 8);
}

static gboolean
is_bayer_side (GstIspBayerFilter * self, GstPadDirection direction)
{
  return GST_ISP_BAYER_FILTER_GET_CLASS (self)->bayer_pad == direction;
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
    case PROP_BIT_DEPTH:
      priv->bit_depth = g_value_get_uint (value);
      break;
    case PROP_BLACK_LEVEL:
      priv->sensor.levels.black_level = g_value_get_int (value);
      break;
    case PROP_WHITE_LEVEL:
      priv->sensor.levels.white_level = g_value_get_int (value);
      break;
    case PROP_WHITE_BALANCE:
      priv->sensor.white_balance = get_float_array (value);
      break;
    case PROP_COLOR_MATRIX:
      priv->sensor.color_matrix = get_float_array (value);
      break;
    default:
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
    case PROP_BIT_DEPTH:
      g_value_set_uint (value, priv->bit_depth);
      break;
    case PROP_BLACK_LEVEL:
      g_value_set_int (value, static_cast < gint > (priv->sensor.levels.black_level));
      break;
    case PROP_WHITE_LEVEL:
      g_value_set_int (value, static_cast < gint > (priv->sensor.levels.white_level));
      break;
    case PROP_WHITE_BALANCE:
      set_float_array (value, priv->sensor.white_balance);
      break;
    case PROP_COLOR_MATRIX:
      set_float_array (value, priv->sensor.color_matrix);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static GstCaps *
gst_isp_bayer_filter_transform_caps (GstBaseTransform * trans, GstPadDirection direction, GstCaps * caps,
    GstCaps * filter)
{
  GstIspBayerFilter *self = GST_ISP_BAYER_FILTER (trans);
  /* The other pad's caps: same size and rate, the other media type; its template gives the formats. */
  const gboolean to_bayer = !is_bayer_side (self, direction);
  GstPad *other = direction == GST_PAD_SINK ? GST_BASE_TRANSFORM_SRC_PAD (trans) : GST_BASE_TRANSFORM_SINK_PAD (trans);
  GstCaps *renamed = gst_caps_copy (caps);
  for (guint i = 0; i < gst_caps_get_size (renamed); i++) {
    GstStructure *s = gst_caps_get_structure (renamed, i);
    gst_structure_set_name (s, to_bayer ? "video/x-bayer" : "video/x-raw");
    gst_structure_remove_fields (s, "format", "colorimetry", "chroma-site", NULL);
  }
  GstCaps *templ = gst_pad_get_pad_template_caps (other);
  GstCaps *result = gst_caps_intersect_full (templ, renamed, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (templ);
  gst_caps_unref (renamed);
  if (filter) {
    GstCaps *filtered = gst_caps_intersect_full (filter, result, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (result);
    result = filtered;
  }
  GST_DEBUG_OBJECT (self, "transformed %" GST_PTR_FORMAT " into %" GST_PTR_FORMAT, caps, result);
  return result;
}

static gboolean
gst_isp_bayer_filter_get_unit_size (GstBaseTransform *, GstCaps * caps, gsize * size)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_name (s, "video/x-bayer")) {
    neuralisp::BayerPattern pattern;
    gint container_bits, bits, width, height;
    if (!parse_bayer_format (gst_structure_get_string (s, "format"), &pattern, &container_bits, &bits) ||
        !gst_structure_get_int (s, "width", &width) || !gst_structure_get_int (s, "height", &height))
      return FALSE;
    *size = bayer_stride (width, container_bits) * height;
    return TRUE;
  }
  GstVideoInfo info;
  if (!gst_video_info_from_caps (&info, caps))
    return FALSE;
  *size = GST_VIDEO_INFO_SIZE (&info);
  return TRUE;
}

static gboolean
gst_isp_bayer_filter_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstIspBayerFilter *self = GST_ISP_BAYER_FILTER (trans);
  GstIspBayerFilterPrivate *priv = get_priv (self);
  const gboolean bayer_in = is_bayer_side (self, GST_PAD_SINK);
  GstCaps *bayer_caps = bayer_in ? incaps : outcaps, *video_caps = bayer_in ? outcaps : incaps;
  GstStructure *s = gst_caps_get_structure (bayer_caps, 0);
  BayerStream bayer;

  if (!parse_bayer_format (gst_structure_get_string (s, "format"), &bayer.pattern, &bayer.container_bits,
          &bayer.bits) || !gst_structure_get_int (s, "width", &bayer.width) ||
      !gst_structure_get_int (s, "height", &bayer.height)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Unsupported Bayer caps."), ("%" GST_PTR_FORMAT, bayer_caps));
    return FALSE;
  }
  if (bayer.width % 2 != 0 || bayer.height % 2 != 0) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Bayer frames need an even width and height."),
        ("got %dx%d: a Bayer mosaic is made of 2x2 cells", bayer.width, bayer.height));
    return FALSE;
  }
  guint bit_depth;
  {
    ObjectLock lock (self);
    bit_depth = priv->bit_depth;
  }
  if (bit_depth != 0) {
    if (static_cast < gint > (bit_depth) > bayer.container_bits || (bayer.container_bits == 8 && bit_depth != 8)) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("bit-depth does not fit the Bayer format."),
          ("bit-depth=%u with format %s (%d-bit samples)", bit_depth, gst_structure_get_string (s, "format"),
              bayer.container_bits));
      return FALSE;
    }
    bayer.bits = bit_depth;
  }
  bayer.stride = bayer_stride (bayer.width, bayer.container_bits);
  if (!gst_video_info_from_caps (&priv->video_info, video_caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Unsupported video caps."), ("%" GST_PTR_FORMAT, video_caps));
    return FALSE;
  }
  priv->bayer = bayer;
  GST_DEBUG_OBJECT (self, "Bayer %dx%d, %d of %d bits, stride %" G_GSIZE_FORMAT, bayer.width, bayer.height,
      bayer.bits, bayer.container_bits, bayer.stride);
  gst_isp_filter_reset (GST_ISP_FILTER (self), "new caps");
  return TRUE;
}

static GstFlowReturn
gst_isp_bayer_filter_transform (GstBaseTransform * trans, GstBuffer * inbuf, GstBuffer * outbuf)
{
  GstIspBayerFilter *self = GST_ISP_BAYER_FILTER (trans);
  GstIspBayerFilterPrivate *priv = get_priv (self);
  const gboolean bayer_in = is_bayer_side (self, GST_PAD_SINK);
  GstBuffer *bayer_buffer = bayer_in ? inbuf : outbuf, *video_buffer = bayer_in ? outbuf : inbuf;
  const BayerStream & bayer = priv->bayer;

  GstMapInfo map;
  if (!gst_buffer_map (bayer_buffer, &map, bayer_in ? GST_MAP_READ : GST_MAP_WRITE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Cannot map the Bayer buffer."), (NULL));
    return GST_FLOW_ERROR;
  }
  if (map.size < bayer.stride * bayer.height) {
    gst_buffer_unmap (bayer_buffer, &map);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Bayer buffer too small."),
        ("%" G_GSIZE_FORMAT " bytes for %dx%d %d-bit samples with a stride of %" G_GSIZE_FORMAT, map.size,
            bayer.width, bayer.height, bayer.container_bits, bayer.stride));
    return GST_FLOW_ERROR;
  }
  GstVideoFrame video;
  if (!gst_video_frame_map (&video, &priv->video_info, video_buffer, bayer_in ? GST_MAP_WRITE : GST_MAP_READ)) {
    gst_buffer_unmap (bayer_buffer, &map);
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Cannot map the video buffer."), (NULL));
    return GST_FLOW_ERROR;
  }

  neuralisp::FrameView bayer_view, video_view;
  bayer_view.format = bayer.container_bits == 8 ? neuralisp::PixelFormat::kBayer8 : neuralisp::PixelFormat::kBayer16;
  bayer_view.width = bayer.width;
  bayer_view.height = bayer.height;
  bayer_view.planes[0] = map.data;
  bayer_view.strides[0] = bayer.stride;
  bayer_view.bayer = bayer.pattern;
  bayer_view.bayer_bits = bayer.bits;
  GstFlowReturn ret;
  if (!neuralisp_frame_view_from_gst (&video, &video_view)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("unsupported video format"));
    ret = GST_FLOW_NOT_NEGOTIATED;
  } else {
    ret = gst_isp_filter_process (GST_ISP_FILTER (self), bayer_in ? bayer_view : video_view,
        bayer_in ? video_view : bayer_view);
  }
  gst_video_frame_unmap (&video);
  gst_buffer_unmap (bayer_buffer, &map);
  return ret;
}

/* GstVideoFilter's allocation handling parses both pads' caps as video/x-raw and GstBaseTransform's
 * sizes a pool from the query alone: buffers here are sized from get_unit_size, in downstream's
 * pool when it takes these caps, else in a plain one. */
static gboolean
gst_isp_bayer_filter_propose_allocation (GstBaseTransform * trans, GstQuery * decide_query, GstQuery * query)
{
  GstBaseTransformClass *base = GST_BASE_TRANSFORM_CLASS (g_type_class_peek (GST_TYPE_BASE_TRANSFORM));
  return base->propose_allocation (trans, decide_query, query);
}

static gboolean
gst_isp_bayer_filter_decide_allocation (GstBaseTransform * trans, GstQuery * query)
{
  GstCaps *outcaps = NULL;
  gsize size;
  gst_query_parse_allocation (query, &outcaps, NULL);
  if (!outcaps || !gst_isp_bayer_filter_get_unit_size (trans, outcaps, &size))
    return FALSE;

  GstBufferPool *pool = NULL;
  guint min = 0, max = 0;
  const gboolean offered = gst_query_get_n_allocation_pools (query) > 0;
  if (offered)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, &min, &max);
  for (int attempt = 0; attempt < 2; attempt++) {
    if (!pool)
      pool = gst_buffer_pool_new ();
    GstStructure *config = gst_buffer_pool_get_config (pool);
    gst_buffer_pool_config_set_params (config, outcaps, size, min, max);
    if (gst_buffer_pool_set_config (pool, config))
      break;
    GST_DEBUG_OBJECT (trans, "%" GST_PTR_FORMAT " does not take our caps, using a plain pool", pool);
    gst_clear_object (&pool);
    min = max = 0;
  }
  if (!pool)
    return FALSE;
  if (offered)
    gst_query_set_nth_allocation_pool (query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool (query, pool, size, min, max);
  gst_object_unref (pool);
  return TRUE;
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
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstIspFilterClass *filter_class = GST_ISP_FILTER_CLASS (klass);

  gobject_class->set_property = gst_isp_bayer_filter_set_property;
  gobject_class->get_property = gst_isp_bayer_filter_get_property;
  gobject_class->finalize = gst_isp_bayer_filter_finalize;

  g_object_class_install_property (gobject_class, PROP_BIT_DEPTH,
      g_param_spec_uint ("bit-depth", "Bit depth",
          "Significant bits of each sample (0 = the format's: 8, or the number in its name, e.g. 12 for "
          "rggb12le; a 16-bit format may hold fewer, e.g. bit-depth=10 with rggb16le)", 0, 16,
          DEFAULT_PROP_BIT_DEPTH,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_BLACK_LEVEL,
      g_param_spec_int ("black-level", "Black level",
          "Sensor code value of no light (-1 = 0)", -1, 65535, DEFAULT_PROP_BLACK_LEVEL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_WHITE_LEVEL,
      g_param_spec_int ("white-level", "White level",
          "Sensor code value of saturation (-1 = the largest code of the bit depth)", -1, 65535,
          DEFAULT_PROP_WHITE_LEVEL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_WHITE_BALANCE,
      float_array_spec ("white-balance", "White balance",
          "White-balance gains < R, G, B > applied to the camera's RGB (empty = automatic when rendering RAW, "
          "the model's daylight camera when making RAW)"));
  g_object_class_install_property (gobject_class, PROP_COLOR_MATRIX,
      float_array_spec ("color-matrix", "Colour matrix",
          "Colour matrix from white-balanced camera RGB to linear sRGB, 9 values row by row (empty = "
          "estimated when rendering RAW, the model's camera when making RAW)"));

  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_isp_bayer_filter_transform_caps);
  trans_class->get_unit_size = GST_DEBUG_FUNCPTR (gst_isp_bayer_filter_get_unit_size);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_isp_bayer_filter_set_caps);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_isp_bayer_filter_transform);
  trans_class->propose_allocation = GST_DEBUG_FUNCPTR (gst_isp_bayer_filter_propose_allocation);
  trans_class->decide_allocation = GST_DEBUG_FUNCPTR (gst_isp_bayer_filter_decide_allocation);
  filter_class->is_neutral = GST_DEBUG_FUNCPTR (gst_isp_bayer_filter_is_neutral);

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_BAYER_FILTER, (GstPluginAPIFlags) 0);
}

static void
gst_isp_bayer_filter_init (GstIspBayerFilter * self)
{
  new (get_priv (self)) GstIspBayerFilterPrivate ();
  gst_video_info_init (&get_priv (self)->video_info);
}
