/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstispfilter.h"

#include "elementcommon.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_filter_debug);
#define GST_CAT_DEFAULT gst_isp_filter_debug

#define DEFAULT_PROP_MODEL_LOCATION NULL
#define DEFAULT_PROP_DEVICE NEURALISP_DEVICE_CPU
#define DEFAULT_PROP_THREADS 0
#define DEFAULT_PROP_TILE_SIZE 0
#define DEFAULT_PROP_POST_MESSAGES TRUE

/* Statistics are posted at most this often, so that applications can show them cheaply. */
#define STATS_INTERVAL_US G_USEC_PER_SEC

/* The latency reported is this much above the slowest frame seen, so that ordinary jitter
 * does not make the pipeline redistribute latency again and again. */
#define LATENCY_MARGIN 1.25

enum
{
  NEURALISP_DEVICE_CPU,
  NEURALISP_DEVICE_CUDA,
};

enum
{
  PROP_0,
  PROP_MODEL_LOCATION,
  PROP_DEVICE,
  PROP_THREADS,
  PROP_TILE_SIZE,
  PROP_POST_MESSAGES,
};

struct GstIspFilterPrivate
{
  /* Properties, guarded by the object lock. */
  std::string model_location;
  gint device = DEFAULT_PROP_DEVICE;
  GstIspFilterRuntime runtime { DEFAULT_PROP_THREADS, DEFAULT_PROP_TILE_SIZE };
  gboolean post_messages = DEFAULT_PROP_POST_MESSAGES;

  /* Streaming-thread state. */
  std::string stats_name;       /* "<factory name>-stats" */
  gint64 last_stats_time = 0;
  guint frames_since_stats = 0;
  GstClockTime process_time_since_stats = 0;
  guint64 frames_processed = 0;
  /* Processing time added to the latency query (guarded by the object lock); grows when a frame
   * takes longer, so that live pipelines keep every frame instead of rendering them late. */
  GstClockTime latency = 0;
};

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstIspFilter, gst_isp_filter, GST_TYPE_VIDEO_FILTER,
    G_ADD_PRIVATE (GstIspFilter);
    GST_DEBUG_CATEGORY_INIT (gst_isp_filter_debug, "ispfilter", 0, "neuralisp filter base"));

static GstIspFilterPrivate *
get_priv (GstIspFilter * self)
{
  return static_cast < GstIspFilterPrivate * >(gst_isp_filter_get_instance_private (self));
}

GType
gst_isp_device_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {NEURALISP_DEVICE_CPU, "CPU", "cpu"},
    {NEURALISP_DEVICE_CUDA, "CUDA GPU (needs a LibTorch built with CUDA)", "cuda"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstIspDevice", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
is_running (GstIspFilter * self)
{
  return GST_STATE (self) > GST_STATE_READY;
}

static void
gst_isp_filter_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspFilter *self = GST_ISP_FILTER (object);
  GstIspFilterPrivate *priv = get_priv (self);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_MODEL_LOCATION:
      if (is_running (self)) {
        GST_WARNING_OBJECT (self, "model-location can only be changed in the NULL or READY state");
        break;
      }
      priv->model_location = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_DEVICE:
      if (is_running (self)) {
        GST_WARNING_OBJECT (self, "device can only be changed in the NULL or READY state");
        break;
      }
      priv->device = g_value_get_enum (value);
      break;
    case PROP_THREADS:
      priv->runtime.threads = g_value_get_int (value);
      break;
    case PROP_TILE_SIZE:
      priv->runtime.tile_size = g_value_get_int (value);
      break;
    case PROP_POST_MESSAGES:
      priv->post_messages = g_value_get_boolean (value);
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
  GstIspFilterPrivate *priv = get_priv (self);
  ObjectLock lock (self);

  switch (prop_id) {
    case PROP_MODEL_LOCATION:
      g_value_set_string (value, priv->model_location.empty ()? NULL : priv->model_location.c_str ());
      break;
    case PROP_DEVICE:
      g_value_set_enum (value, priv->device);
      break;
    case PROP_THREADS:
      g_value_set_int (value, priv->runtime.threads);
      break;
    case PROP_TILE_SIZE:
      g_value_set_int (value, priv->runtime.tile_size);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, priv->post_messages);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static std::string
search_path_text ()
{
  std::string text;
  for (const std::string & dir:neuralisp::model_search_path ())
    text += (text.empty ()? "" : ", ") + dir;
  return text;
}

static gboolean
gst_isp_filter_start (GstBaseTransform * trans)
{
  GstIspFilter *self = GST_ISP_FILTER (trans);
  GstIspFilterClass *klass = GST_ISP_FILTER_GET_CLASS (self);
  GstIspFilterPrivate *priv = get_priv (self);
  neuralisp::ModelOptions options;
  std::string wanted;

  {
    ObjectLock lock (self);
    wanted = priv->model_location.empty ()? klass->default_model (self) : priv->model_location;
    options.path = priv->model_location.empty ()? neuralisp::find_model (wanted) : wanted;
    options.device = priv->device == NEURALISP_DEVICE_CUDA ? neuralisp::Device::kCuda : neuralisp::Device::kCpu;
    options.threads = priv->runtime.threads;
  }
  if (options.path.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("Model file '%s' not found.", wanted.c_str ()),
        ("Looked in: %s. Set model-location or NEURALISP_MODEL_PATH.", search_path_text ().c_str ()));
    return FALSE;
  }

  GST_INFO_OBJECT (self, "loading model %s", options.path.c_str ());
  const neuralisp::Status status = klass->load (self, options);
  if (!status.ok ()) {
    if (status.code () == neuralisp::ErrorCode::kNotFound)
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("Could not read model file '%s'.", options.path.c_str ()),
          ("%s", status.message ().c_str ()));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not load model file '%s'.", options.path.c_str ()),
          ("%s", status.message ().c_str ()));
    return FALSE;
  }
  GstElementFactory *factory = gst_element_get_factory (GST_ELEMENT (self));
  priv->stats_name = std::string (factory ? GST_OBJECT_NAME (factory) : G_OBJECT_TYPE_NAME (self)) + "-stats";
  priv->last_stats_time = 0;
  priv->frames_since_stats = 0;
  priv->process_time_since_stats = 0;
  priv->frames_processed = 0;
  {
    ObjectLock lock (self);
    priv->latency = 0;
  }
  return TRUE;
}

static gboolean
gst_isp_filter_stop (GstBaseTransform * trans)
{
  GstIspFilter *self = GST_ISP_FILTER (trans);
  GST_ISP_FILTER_GET_CLASS (self)->unload (self);
  return TRUE;
}

/* The first frame also builds the backend's kernels and says little about the steady time, so
 * it only counts from the second frame on. */
static void
update_latency (GstIspFilter * self, GstClockTime process_time)
{
  GstIspFilterPrivate *priv = get_priv (self);
  if (priv->frames_processed++ == 0)
    return;
  {
    ObjectLock lock (self);
    if (process_time <= priv->latency)
      return;
    priv->latency = static_cast < GstClockTime > (process_time * LATENCY_MARGIN);
  }
  GST_INFO_OBJECT (self, "a frame took %" GST_TIME_FORMAT ", reporting more latency", GST_TIME_ARGS (process_time));
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
}

static void
gst_isp_filter_before_transform (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstIspFilter *self = GST_ISP_FILTER (trans);
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
  GstIspFilter *self = GST_ISP_FILTER (trans);
  if (direction != GST_PAD_SRC || GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_BASE_TRANSFORM_CLASS (gst_isp_filter_parent_class)->query (trans, direction, query);

  if (!gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (trans), query))
    return FALSE;
  gboolean live;
  GstClockTime min, max, latency;
  gst_query_parse_latency (query, &live, &min, &max);
  {
    ObjectLock lock (self);
    latency = get_priv (self)->latency;
  }
  GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " of processing time", GST_TIME_ARGS (latency));
  gst_query_set_latency (query, live, min + latency, GST_CLOCK_TIME_IS_VALID (max) ? max + latency : max);
  return TRUE;
}

static GstFlowReturn
gst_isp_filter_transform_frame (GstVideoFilter * filter, GstVideoFrame * in_frame, GstVideoFrame * out_frame)
{
  GstIspFilter *self = GST_ISP_FILTER (filter);
  GstIspFilterPrivate *priv = get_priv (self);
  neuralisp::FrameView in, out;
  GstIspFilterRuntime runtime;
  gboolean post_messages;

  if (!neuralisp_frame_view_from_gst (in_frame, &in) || !neuralisp_frame_view_from_gst (out_frame, &out)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("unsupported video format"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  {
    ObjectLock lock (self);
    runtime = priv->runtime;
    post_messages = priv->post_messages;
  }

  const gint64 now = g_get_monotonic_time ();
  GstStructure *stats = NULL;
  if (post_messages && (priv->last_stats_time == 0 || now - priv->last_stats_time >= STATS_INTERVAL_US))
    stats = gst_structure_new_empty (priv->stats_name.c_str ());

  const neuralisp::Status status = GST_ISP_FILTER_GET_CLASS (self)->process (self, in, out, runtime, stats);
  if (!status.ok ()) {
    if (stats)
      gst_structure_free (stats);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Processing a frame failed."), ("%s", status.message ().c_str ()));
    return GST_FLOW_ERROR;
  }

  const GstClockTime process_time = (g_get_monotonic_time () - now) * GST_USECOND;
  update_latency (self, process_time);
  priv->frames_since_stats++;
  priv->process_time_since_stats += process_time;
  if (stats) {
    gst_structure_set (stats,
        "frames", G_TYPE_UINT, priv->frames_since_stats,
        "mean-process-time", G_TYPE_UINT64, priv->process_time_since_stats / priv->frames_since_stats, NULL);
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), stats));
    priv->last_stats_time = now;
    priv->frames_since_stats = 0;
    priv->process_time_since_stats = 0;
  }
  return GST_FLOW_OK;
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

  g_object_class_install_property (gobject_class, PROP_MODEL_LOCATION,
      g_param_spec_string ("model-location", "Model location",
          "TorchScript model file to use instead of the default model (NULL = default, looked up on "
          "NEURALISP_MODEL_PATH, the source tree and the installed data directory)",
          DEFAULT_PROP_MODEL_LOCATION,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_enum ("device", "Device", "Where the network runs", GST_TYPE_ISP_DEVICE,
          DEFAULT_PROP_DEVICE,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_int ("threads", "Threads",
          "CPU threads this element's inference may use (0 = one per core)", 0, 256, DEFAULT_PROP_THREADS,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_TILE_SIZE,
      g_param_spec_int ("tile-size", "Tile size",
          "Largest tile side in pixels; larger frames run as overlapping, seamlessly blended tiles, "
          "which bounds memory (0 = automatic: frames up to 1280 pixels run whole)", 0, 16384,
          DEFAULT_PROP_TILE_SIZE,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message with statistics at most once a second", DEFAULT_PROP_POST_MESSAGES,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));

  trans_class->start = GST_DEBUG_FUNCPTR (gst_isp_filter_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_isp_filter_stop);
  trans_class->before_transform = GST_DEBUG_FUNCPTR (gst_isp_filter_before_transform);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_isp_filter_query);
  filter_class->transform_frame = GST_DEBUG_FUNCPTR (gst_isp_filter_transform_frame);

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_FILTER, (GstPluginAPIFlags) 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ISP_DEVICE, (GstPluginAPIFlags) 0);
}

static void
gst_isp_filter_init (GstIspFilter * self)
{
  new (get_priv (self)) GstIspFilterPrivate ();
  /* A network can be slower than the source: late frames are better dropped before the work. */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), TRUE);
}
