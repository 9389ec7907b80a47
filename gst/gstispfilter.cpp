/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstispfilter.h"

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

struct GstIspFilterPrivate
{
  gboolean post_messages = DEFAULT_PROP_POST_MESSAGES;  /* object lock */
  /* Streaming state, from start() to stop(). */
  std::unique_ptr<neuralisp::Processor> processor;
  IspFrameTimer timer;
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
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_isp_filter_set_info);
  filter_class->transform_frame = GST_DEBUG_FUNCPTR (gst_isp_filter_transform_frame);

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_FILTER, (GstPluginAPIFlags) 0);
}

static void
gst_isp_filter_init (GstIspFilter * self)
{
  new (get_priv (self)) GstIspFilterPrivate ();
  /* A network can be slower than the source: late frames are better dropped before the work. */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), TRUE);
}
