/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstispfilter.h"

#include <cstring>
#include <string>

#include "elementcommon.h"
#include "ispframetimer.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_filter_debug);
#define GST_CAT_DEFAULT gst_isp_filter_debug

#define DEFAULT_PROP_POST_MESSAGES TRUE

enum
{
  PROP_0,
  PROP_POST_MESSAGES,
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

struct GstIspFilterPrivate
{
  gboolean post_messages = DEFAULT_PROP_POST_MESSAGES;  /* object lock */
  /* Streaming state, from start() to stop(). */
  std::unique_ptr<neuralisp::Processor> processor;
  IspFrameTimer timer;
  /* Set in set_caps when a pad carries Bayer. */
  gboolean bayer_in = FALSE, bayer_out = FALSE;
  BayerStream bayer;
  GstVideoInfo video_info;   /* the video/x-raw pad's, when the other one is Bayer */
};

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstIspFilter, gst_isp_filter, GST_TYPE_VIDEO_FILTER,
    G_ADD_PRIVATE (GstIspFilter);
    GST_DEBUG_CATEGORY_INIT (gst_isp_filter_debug, "ispfilter", 0, "neuralisp filter base"));

static GstIspFilterPrivate *
get_priv (GstIspFilter * self)
{
  return static_cast < GstIspFilterPrivate * >(gst_isp_filter_get_instance_private (self));
}

static void
gst_isp_filter_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspFilter *self = GST_ISP_FILTER (object);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_POST_MESSAGES:
      get_priv (self)->post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_isp_filter_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstIspFilter *self = GST_ISP_FILTER (object);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, get_priv (self)->post_messages);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* Applies changed runtime settings (all of them, when `force`) to the processor. */
static void
apply_runtime_settings (GstIspFilter * self, gboolean force)
{
  GstIspFilterClass *klass = GST_ISP_FILTER_GET_CLASS (self);
  if (!klass->take_runtime_settings)
    return;
  neuralisp::RuntimeSettings settings;
  gboolean changed;
  {
    ObjectLock lock (self);
    changed = klass->take_runtime_settings (self, &settings);
  }
  if (changed || force)
    get_priv (self)->processor->configure (settings);
}

static gboolean
gst_isp_filter_start (GstBaseTransform * trans)
{
  GstIspFilter *self = GST_ISP_FILTER (trans);
  GstIspFilterPrivate *priv = get_priv (self);

  if (!GST_ISP_FILTER_GET_CLASS (self)->create_processor (self, priv->processor))
    return FALSE;
  apply_runtime_settings (self, TRUE);
  priv->timer.start (GST_ELEMENT (self));
  return TRUE;
}

static gboolean
gst_isp_filter_stop (GstBaseTransform * trans)
{
  get_priv (GST_ISP_FILTER (trans))->processor.reset ();
  return TRUE;
}

void
gst_isp_filter_reset (GstIspFilter * self, const char *why)
{
  GstIspFilterPrivate *priv = get_priv (self);
  if (!priv->processor)
    return;
  GST_DEBUG_OBJECT (self, "resetting the processor: %s", why);
  priv->processor->reset ();
}

static gboolean
gst_isp_filter_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    gst_isp_filter_reset (GST_ISP_FILTER (trans), "flush");
  else if (GST_EVENT_TYPE (event) == GST_EVENT_GAP)
    gst_isp_filter_reset (GST_ISP_FILTER (trans), "gap");
  return GST_BASE_TRANSFORM_CLASS (gst_isp_filter_parent_class)->sink_event (trans, event);
}

static gboolean
gst_isp_filter_set_info (GstVideoFilter * filter, GstCaps *, GstVideoInfo *, GstCaps *, GstVideoInfo *)
{
  gst_isp_filter_reset (GST_ISP_FILTER (filter), "new caps");
  return TRUE;
}

static void
gst_isp_filter_before_transform (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstIspFilter *self = GST_ISP_FILTER (trans);
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT))
    gst_isp_filter_reset (self, "discontinuity");
  else if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP))
    gst_isp_filter_reset (self, "gap");
  neuralisp_sync_controlled_properties (trans, buffer);
  gboolean neutral;
  {
    ObjectLock lock (self);
    neutral = GST_ISP_FILTER_GET_CLASS (self)->is_neutral (self);
  }
  neuralisp_set_passthrough (trans, neutral);
}

static gboolean
gst_isp_filter_query (GstBaseTransform * trans, GstPadDirection direction, GstQuery * query)
{
  if (direction != GST_PAD_SRC || GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_BASE_TRANSFORM_CLASS (gst_isp_filter_parent_class)->query (trans, direction, query);
  return get_priv (GST_ISP_FILTER (trans))->timer.answer_latency_query (GST_ELEMENT (trans),
      GST_BASE_TRANSFORM_SINK_PAD (trans), query);
}

GstFlowReturn
gst_isp_filter_process (GstIspFilter * self, const neuralisp::FrameView & in, const neuralisp::FrameView & out)
{
  GstIspFilterPrivate *priv = get_priv (self);
  gboolean post_messages;
  {
    ObjectLock lock (self);
    post_messages = priv->post_messages;
  }
  apply_runtime_settings (self, FALSE);
  neuralisp::Processor & processor = *priv->processor;
  neuralisp::Status status = GST_ISP_FILTER_GET_CLASS (self)->prepare (self, processor);
  if (!status.ok ()) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Invalid settings."), ("%s", status.message ().c_str ()));
    return GST_FLOW_ERROR;
  }

  const gint64 started = priv->timer.frame_started ();
  status = processor.process (in, {out});
  if (!status.ok ()) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Processing a frame failed."), ("%s", status.message ().c_str ()));
    return GST_FLOW_ERROR;
  }
  const gboolean report = post_messages && priv->timer.statistics_due (started);
  priv->timer.frame_done (GST_ELEMENT (self), started, post_messages,
      report ? processor.statistics () : neuralisp::Statistics ());
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_isp_filter_transform_frame (GstVideoFilter * filter, GstVideoFrame * in_frame, GstVideoFrame * out_frame)
{
  GstIspFilter *self = GST_ISP_FILTER (filter);
  neuralisp::FrameView in, out;

  if (!neuralisp_frame_view_from_gst (in_frame, &in) || !neuralisp_frame_view_from_gst (out_frame, &out)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("unsupported video format"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  return gst_isp_filter_process (self, in, out);
}

/* --- Bayer pads --- */

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
is_bayer (GstCaps * caps)
{
  return caps && gst_caps_get_size (caps) > 0 && gst_structure_has_name (gst_caps_get_structure (caps, 0), "video/x-bayer");
}

static GstIspFilterPads
pads_of (GstIspFilter * self)
{
  return GST_ISP_FILTER_GET_CLASS (self)->pads;
}

static GstCaps *
gst_isp_filter_transform_caps (GstBaseTransform * trans, GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstIspFilter *self = GST_ISP_FILTER (trans);
  const GstIspFilterPads pads = pads_of (self);
  if (pads != GST_ISP_FILTER_PADS_BAYER_IN && pads != GST_ISP_FILTER_PADS_BAYER_OUT)
    return GST_BASE_TRANSFORM_CLASS (gst_isp_filter_parent_class)->transform_caps (trans, direction, caps, filter);

  /* The other pad's caps: same size and rate, the other media type; its template gives the formats. */
  const gboolean to_bayer = (pads == GST_ISP_FILTER_PADS_BAYER_OUT) == (direction == GST_PAD_SINK);
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
bayer_unit_size (GstCaps * caps, gsize * size)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  neuralisp::BayerPattern pattern;
  gint container_bits, bits, width, height;
  if (!parse_bayer_format (gst_structure_get_string (s, "format"), &pattern, &container_bits, &bits) ||
      !gst_structure_get_int (s, "width", &width) || !gst_structure_get_int (s, "height", &height))
    return FALSE;
  *size = bayer_stride (width, container_bits) * height;
  return TRUE;
}

static gboolean
gst_isp_filter_get_unit_size (GstBaseTransform *, GstCaps * caps, gsize * size)
{
  if (is_bayer (caps))
    return bayer_unit_size (caps, size);
  GstVideoInfo info;
  if (!gst_video_info_from_caps (&info, caps))
    return FALSE;
  *size = GST_VIDEO_INFO_SIZE (&info);
  return TRUE;
}

static gboolean
set_bayer_caps (GstIspFilter * self, GstCaps * bayer_caps, GstCaps * video_caps)
{
  GstIspFilterPrivate *priv = get_priv (self);
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
  guint bit_depth = 0;
  if (GST_ISP_FILTER_GET_CLASS (self)->bayer_bit_depth) {
    ObjectLock lock (self);
    bit_depth = GST_ISP_FILTER_GET_CLASS (self)->bayer_bit_depth (self);
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
  if (video_caps && !gst_video_info_from_caps (&priv->video_info, video_caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Unsupported video caps."), ("%" GST_PTR_FORMAT, video_caps));
    return FALSE;
  }
  priv->bayer = bayer;
  GST_DEBUG_OBJECT (self, "Bayer %dx%d, %d of %d bits, stride %" G_GSIZE_FORMAT, bayer.width, bayer.height,
      bayer.bits, bayer.container_bits, bayer.stride);
  return TRUE;
}

static gboolean
gst_isp_filter_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstIspFilter *self = GST_ISP_FILTER (trans);
  GstIspFilterPrivate *priv = get_priv (self);
  priv->bayer_in = is_bayer (incaps);
  priv->bayer_out = is_bayer (outcaps);
  if (!priv->bayer_in && !priv->bayer_out)
    return GST_BASE_TRANSFORM_CLASS (gst_isp_filter_parent_class)->set_caps (trans, incaps, outcaps);
  GstCaps *video_caps = priv->bayer_in && priv->bayer_out ? NULL : priv->bayer_in ? outcaps : incaps;
  if (!set_bayer_caps (self, priv->bayer_in ? incaps : outcaps, video_caps))
    return FALSE;
  gst_isp_filter_reset (self, "new caps");
  return TRUE;
}

static neuralisp::FrameView
bayer_view (const BayerStream & bayer, guint8 * data)
{
  neuralisp::FrameView view;
  view.format = bayer.container_bits == 8 ? neuralisp::PixelFormat::kBayer8 : neuralisp::PixelFormat::kBayer16;
  view.width = bayer.width;
  view.height = bayer.height;
  view.planes[0] = data;
  view.strides[0] = bayer.stride;
  view.bayer = bayer.pattern;
  view.bayer_bits = bayer.bits;
  return view;
}

/* A mapped buffer of either kind, unmapped when the scope ends. */
class MappedFrame
{
public:
  MappedFrame (GstIspFilter * self, GstBuffer * buffer, gboolean bayer, GstMapFlags flags)
      : self_ (self), buffer_ (buffer), bayer_ (bayer)
  {
    GstIspFilterPrivate *priv = get_priv (self);
    if (bayer) {
      if (!gst_buffer_map (buffer, &map_, flags)) {
        GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Cannot map a Bayer buffer."), (NULL));
        return;
      }
      mapped_ = TRUE;
      const BayerStream & b = priv->bayer;
      if (map_.size < b.stride * b.height) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Bayer buffer too small."),
            ("%" G_GSIZE_FORMAT " bytes for %dx%d %d-bit samples with a stride of %" G_GSIZE_FORMAT, map_.size,
                b.width, b.height, b.container_bits, b.stride));
        return;
      }
      view_ = bayer_view (b, map_.data);
      ok_ = TRUE;
    } else {
      if (!gst_video_frame_map (&frame_, &priv->video_info, buffer, flags)) {
        GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Cannot map a video buffer."), (NULL));
        return;
      }
      mapped_ = TRUE;
      if (!neuralisp_frame_view_from_gst (&frame_, &view_)) {
        GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("unsupported video format"));
        return;
      }
      ok_ = TRUE;
    }
  }
  ~MappedFrame ()
  {
    if (mapped_ && bayer_)
      gst_buffer_unmap (buffer_, &map_);
    else if (mapped_)
      gst_video_frame_unmap (&frame_);
  }
  MappedFrame (const MappedFrame &) = delete;
  MappedFrame & operator= (const MappedFrame &) = delete;
  gboolean ok () const { return ok_; }
  const neuralisp::FrameView & view () const { return view_; }

private:
  GstIspFilter *self_;
  GstBuffer *buffer_;
  gboolean bayer_;
  gboolean mapped_ = FALSE, ok_ = FALSE;
  GstMapInfo map_ {};
  GstVideoFrame frame_ {};
  neuralisp::FrameView view_;
};

static GstFlowReturn
gst_isp_filter_transform (GstBaseTransform * trans, GstBuffer * inbuf, GstBuffer * outbuf)
{
  GstIspFilter *self = GST_ISP_FILTER (trans);
  GstIspFilterPrivate *priv = get_priv (self);
  if (!priv->bayer_in && !priv->bayer_out)
    return GST_BASE_TRANSFORM_CLASS (gst_isp_filter_parent_class)->transform (trans, inbuf, outbuf);
  MappedFrame in (self, inbuf, priv->bayer_in, GST_MAP_READ);
  if (!in.ok ())
    return GST_FLOW_ERROR;
  MappedFrame out (self, outbuf, priv->bayer_out, GST_MAP_WRITE);
  if (!out.ok ())
    return GST_FLOW_ERROR;
  return gst_isp_filter_process (self, in.view (), out.view ());
}

/* GstVideoFilter's allocation handling parses the caps as video/x-raw: Bayer buffers are sized
 * from their caps, in downstream's pool when it takes them, else in a plain one. */
static gboolean
gst_isp_filter_propose_allocation (GstBaseTransform * trans, GstQuery * decide_query, GstQuery * query)
{
  GstCaps *caps = NULL;
  gst_query_parse_allocation (query, &caps, NULL);
  if (!is_bayer (caps))
    return GST_BASE_TRANSFORM_CLASS (gst_isp_filter_parent_class)->propose_allocation (trans, decide_query, query);
  GstBaseTransformClass *base = GST_BASE_TRANSFORM_CLASS (g_type_class_peek (GST_TYPE_BASE_TRANSFORM));
  return base->propose_allocation (trans, decide_query, query);
}

static gboolean
gst_isp_filter_decide_allocation (GstBaseTransform * trans, GstQuery * query)
{
  GstCaps *outcaps = NULL;
  gsize size;
  gst_query_parse_allocation (query, &outcaps, NULL);
  if (!is_bayer (outcaps))
    return GST_BASE_TRANSFORM_CLASS (gst_isp_filter_parent_class)->decide_allocation (trans, query);
  if (!bayer_unit_size (outcaps, &size))
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

static void
gst_isp_filter_finalize (GObject * object)
{
  get_priv (GST_ISP_FILTER (object))->~GstIspFilterPrivate ();
  G_OBJECT_CLASS (gst_isp_filter_parent_class)->finalize (object);
}

static void
gst_isp_filter_class_init (GstIspFilterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  gobject_class->set_property = gst_isp_filter_set_property;
  gobject_class->get_property = gst_isp_filter_get_property;
  gobject_class->finalize = gst_isp_filter_finalize;

  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message named <element>-stats with statistics at most once a second",
          DEFAULT_PROP_POST_MESSAGES,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));

  trans_class->start = GST_DEBUG_FUNCPTR (gst_isp_filter_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_isp_filter_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_isp_filter_sink_event);
  trans_class->before_transform = GST_DEBUG_FUNCPTR (gst_isp_filter_before_transform);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_isp_filter_query);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_isp_filter_transform_caps);
  trans_class->get_unit_size = GST_DEBUG_FUNCPTR (gst_isp_filter_get_unit_size);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_isp_filter_set_caps);
  trans_class->transform = GST_DEBUG_FUNCPTR (gst_isp_filter_transform);
  trans_class->propose_allocation = GST_DEBUG_FUNCPTR (gst_isp_filter_propose_allocation);
  trans_class->decide_allocation = GST_DEBUG_FUNCPTR (gst_isp_filter_decide_allocation);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_isp_filter_set_info);
  filter_class->transform_frame = GST_DEBUG_FUNCPTR (gst_isp_filter_transform_frame);

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_FILTER, (GstPluginAPIFlags) 0);
}

static void
gst_isp_filter_init (GstIspFilter * self)
{
  new (get_priv (self)) GstIspFilterPrivate ();
  gst_video_info_init (&get_priv (self)->video_info);
  /* A network can be slower than the source: late frames are better dropped before the work. */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), TRUE);
}
