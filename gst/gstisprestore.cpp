/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-isprestore
 * @title: isprestore
 *
 * Controllable restoration: removes as much blur, noise and JPEG compression as asked, with one
 * neural network whose shared trunk runs once per frame and whose light task-specific head runs
 * per output (TASNet). `deblur`, `denoise` and `dejpeg` (0..1) say how much of each degradation
 * to remove, on the scale the model card gives: `deblur` = Gaussian blur sigma / 4, `denoise` =
 * white-noise sigma / 50 (0-255 scale), `dejpeg` = (100 - JPEG quality) / 90. A value names the
 * difference between the input's degradation and the output's, so `denoise=0.3` on a sigma-25
 * input leaves sigma-10 noise. They can change while playing and be bound to a GstController;
 * all three at 0 passes frames through untouched, at no cost.
 *
 * Request source pads (`src_%u`) give more outputs of every frame, each with its own `deblur`,
 * `denoise` and `dejpeg` pad properties (controllable too): the trunk still runs once, so a user
 * can compare several restorations side by side for little more than the cost of one. The
 * always-present `src` pad follows the element's own properties, so the element also works as a
 * plain filter. Pads can be requested and released while playing; unlinked pads cost nothing.
 * From gst-launch, pad properties are set as `src_0::denoise=0.5` on the element.
 *
 * The network estimates the degradation of every frame (smoothed over time; the estimate
 * restarts after a flush, a discontinuity or new caps) and its shared trunk is told it, so that
 * it tells noise from texture as the input calls for. `mode=blind` also removes that estimate on
 * every pad, whatever the task properties say. It is trained on camera noise carried through a
 * demosaicking ISP as well as on the task-scale degradations. At most once a second the element
 * posts an `isprestore-stats` element message with `frames`, `mean-process-time`, and as doubles
 * `outputs`, `blind`, `convert-in-ms`, `estimate-ms`, `trunk-ms`, `heads-ms`, `convert-out-ms` and the
 * estimate: `blur-sigma`, `noise-sigma` (0-255 scale) and `jpeg-quality`.
 *
 * The network runs in bfloat16 where the CPU computes it natively (`precision=auto`).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! isprestore deblur=0.3 denoise=0.5 ! videoconvert ! autovideosink
 * gst-launch-1.0 videotestsrc ! ispdegrade blur=2 noise=20 jpeg-quality=40 ! isprestore name=r \
 *     src_0::deblur=0.5 src_0::denoise=0.4 src_0::dejpeg=0.67 src_1::denoise=0.4 \
 *     r.src ! queue ! videoconvert ! autovideosink \
 *     r.src_0 ! queue ! videoconvert ! autovideosink r.src_1 ! queue ! videoconvert ! autovideosink
 * gst-launch-1.0 filesrc location=clip.mp4 ! decodebin ! videoconvert ! isprestore mode=blind ! videoconvert ! autovideosink
 * ]|
 */
#include "gstisprestore.h"

#include <gst/video/gstvideopool.h>
#include <gst/video/video.h>

#include <memory>
#include <vector>

#include <neuralisp/restorer.h>

#include "elementcommon.h"
#include "ispframetimer.h"
#include "ispmodelsettings.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_restore_debug);
#define GST_CAT_DEFAULT gst_isp_restore_debug

#define DEFAULT_PROP_DEBLUR 0.0
#define DEFAULT_PROP_DENOISE 0.0
#define DEFAULT_PROP_DEJPEG 0.0
#define DEFAULT_PROP_MODE GST_ISP_RESTORE_MODE_MANUAL
#define DEFAULT_PROP_POST_MESSAGES TRUE
#define DEFAULT_MODEL_FILE "restore/restore-fast.pt"

typedef enum
{
  GST_ISP_RESTORE_MODE_MANUAL,
  GST_ISP_RESTORE_MODE_BLIND,
} GstIspRestoreMode;

#define GST_TYPE_ISP_RESTORE_MODE (gst_isp_restore_mode_get_type ())
static GType
gst_isp_restore_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_ISP_RESTORE_MODE_MANUAL, "Manual: each pad removes what its deblur, denoise and dejpeg say", "manual"},
    {GST_ISP_RESTORE_MODE_BLIND, "Blind: estimate the degradation of every frame and remove it", "blind"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstIspRestoreMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* The task properties, on the element (for its `src` pad) and on every source pad; ids are
 * offsets from a first id. */
enum
{
  TASK_DEBLUR,
  TASK_DENOISE,
  TASK_DEJPEG,
  TASK_PROPERTY_COUNT,
};

static void
install_task_properties (GObjectClass * klass, guint first)
{
  const GParamFlags flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_CONTROLLABLE | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property (klass, first + TASK_DEBLUR,
      g_param_spec_double ("deblur", "Deblur", "How much blur to remove (Gaussian sigma / 4: 0.5 removes sigma 2)",
          0.0, 1.0, DEFAULT_PROP_DEBLUR, flags));
  g_object_class_install_property (klass, first + TASK_DENOISE,
      g_param_spec_double ("denoise", "Denoise",
          "How much noise to remove (sigma / 50 on the 0-255 scale: 0.5 removes sigma 25)", 0.0, 1.0,
          DEFAULT_PROP_DENOISE, flags));
  g_object_class_install_property (klass, first + TASK_DEJPEG,
      g_param_spec_double ("dejpeg", "Dejpeg",
          "How much JPEG compression to remove ((100 - quality) / 90: 0.67 undoes quality 40)", 0.0, 1.0,
          DEFAULT_PROP_DEJPEG, flags));
}

static float *
task_value (neuralisp::RestoreTask & task, guint which)
{
  switch (which) {
    case TASK_DEBLUR: return &task.deblur;
    case TASK_DENOISE: return &task.denoise;
    default: return &task.dejpeg;
  }
}

static gboolean
task_is_neutral (const neuralisp::RestoreTask & task)
{
  return task.deblur == 0.0f && task.denoise == 0.0f && task.dejpeg == 0.0f;
}

/* ---------------------------------------------------------------- the pad */

struct _GstIspRestorePad
{
  GstPad parent;
  neuralisp::RestoreTask task;  /* object lock */
  gboolean released;            /* object lock; set before the pad is deactivated and removed */
};

G_DEFINE_TYPE (GstIspRestorePad, gst_isp_restore_pad, GST_TYPE_PAD);

enum
{
  PROP_PAD_0,
  PROP_PAD_TASK_FIRST,
};

static void
gst_isp_restore_pad_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspRestorePad *pad = GST_ISP_RESTORE_PAD (object);
  if (prop_id < PROP_PAD_TASK_FIRST || prop_id >= PROP_PAD_TASK_FIRST + TASK_PROPERTY_COUNT) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  ObjectLock lock (pad);
  *task_value (pad->task, prop_id - PROP_PAD_TASK_FIRST) = static_cast<float> (g_value_get_double (value));
}

static void
gst_isp_restore_pad_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstIspRestorePad *pad = GST_ISP_RESTORE_PAD (object);
  if (prop_id < PROP_PAD_TASK_FIRST || prop_id >= PROP_PAD_TASK_FIRST + TASK_PROPERTY_COUNT) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  ObjectLock lock (pad);
  g_value_set_double (value, *task_value (pad->task, prop_id - PROP_PAD_TASK_FIRST));
}

static void
gst_isp_restore_pad_class_init (GstIspRestorePadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = gst_isp_restore_pad_set_property;
  gobject_class->get_property = gst_isp_restore_pad_get_property;
  install_task_properties (gobject_class, PROP_PAD_TASK_FIRST);
}

static void
gst_isp_restore_pad_init (GstIspRestorePad * pad)
{
  new (&pad->task) neuralisp::RestoreTask ();
}

static neuralisp::RestoreTask
pad_task (GstIspRestorePad * pad)
{
  ObjectLock lock (pad);
  return pad->task;
}

static gboolean
pad_released (GstIspRestorePad * pad)
{
  ObjectLock lock (pad);
  return pad->released;
}

/* ---------------------------------------------------------------- the element */

enum
{
  PROP_0,
  PROP_MODE,
  PROP_POST_MESSAGES,
  PROP_TASK_FIRST,
  PROP_MODEL_FIRST = PROP_TASK_FIRST + TASK_PROPERTY_COUNT,
};

struct GstIspRestorePrivate
{
  /* Properties, guarded by the object lock. */
  IspModelSettings model_settings { PROP_MODEL_FIRST };
  GstIspRestoreMode mode = DEFAULT_PROP_MODE;
  gboolean post_messages = DEFAULT_PROP_POST_MESSAGES;
  guint next_pad_index = 0;

  GstPad *sinkpad = nullptr;
  GstIspRestorePad *srcpad = nullptr;   /* the always pad; the element's task properties are its own */

  /* Streaming state, from READY->PAUSED to PAUSED->READY (stream lock). */
  std::unique_ptr<neuralisp::Restorer> restorer;
  GstIspRestoreMode applied_mode = DEFAULT_PROP_MODE;
  IspFrameTimer timer;
  GstVideoInfo info;
  gboolean have_info = FALSE;
  GstSegment segment;
  GstBufferPool *pool = nullptr;
};

struct _GstIspRestore
{
  GstElement parent;
  GstIspRestorePrivate *priv;
};

static void gst_isp_restore_child_proxy_init (gpointer g_iface, gpointer iface_data);

G_DEFINE_TYPE_WITH_CODE (GstIspRestore, gst_isp_restore, GST_TYPE_ELEMENT,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY, gst_isp_restore_child_proxy_init);
    GST_DEBUG_CATEGORY_INIT (gst_isp_restore_debug, "isprestore", 0, "controllable neural restoration"));
GST_ELEMENT_REGISTER_DEFINE (isprestore, "isprestore", GST_RANK_NONE, GST_TYPE_ISP_RESTORE);

static GstStaticCaps video_caps = GST_STATIC_CAPS (NEURALISP_VIDEO_CAPS);

static void
gst_isp_restore_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspRestore *self = GST_ISP_RESTORE (object);
  if (prop_id >= PROP_TASK_FIRST && prop_id < PROP_TASK_FIRST + TASK_PROPERTY_COUNT) {
    g_object_set_property (G_OBJECT (self->priv->srcpad), pspec->name, value);
    return;
  }
  ObjectLock lock (self);
  switch (prop_id) {
    case PROP_MODE:
      self->priv->mode = static_cast < GstIspRestoreMode > (g_value_get_enum (value));
      break;
    case PROP_POST_MESSAGES:
      self->priv->post_messages = g_value_get_boolean (value);
      break;
    default:
      if (!self->priv->model_settings.set_property (GST_ELEMENT (self), prop_id, value,
              GST_STATE (self) > GST_STATE_READY))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_isp_restore_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstIspRestore *self = GST_ISP_RESTORE (object);
  if (prop_id >= PROP_TASK_FIRST && prop_id < PROP_TASK_FIRST + TASK_PROPERTY_COUNT) {
    g_object_get_property (G_OBJECT (self->priv->srcpad), pspec->name, value);
    return;
  }
  ObjectLock lock (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->priv->mode);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->priv->post_messages);
      break;
    default:
      if (!self->priv->model_settings.get_property (prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static gboolean
apply_mode (GstIspRestore * self, GstIspRestoreMode mode)
{
  GstIspRestorePrivate *priv = self->priv;
  const neuralisp::Status status = priv->restorer->set_mode (mode == GST_ISP_RESTORE_MODE_BLIND ?
      neuralisp::RestoreMode::kBlind : neuralisp::RestoreMode::kManual);
  if (!status.ok ()) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("This model cannot run in blind mode."), ("%s",
            status.message ().c_str ()));
    return FALSE;
  }
  priv->applied_mode = mode;
  return TRUE;
}

static gboolean
gst_isp_restore_start (GstIspRestore * self)
{
  GstIspRestorePrivate *priv = self->priv;
  neuralisp::RestorerOptions options;
  if (!priv->model_settings.resolve (GST_ELEMENT (self), DEFAULT_MODEL_FILE, &options.model))
    return FALSE;
  GstIspRestoreMode mode;
  {
    ObjectLock lock (self);
    priv->model_settings.take_runtime (&options.runtime);
    mode = priv->mode;
  }
  GST_INFO_OBJECT (self, "loading model %s", options.model.path.c_str ());
  const neuralisp::Status status = neuralisp::Restorer::create (options, priv->restorer);
  if (!status.ok ()) {
    IspModelSettings::post_load_error (GST_ELEMENT (self), options.model.path, status);
    return FALSE;
  }
  if (!apply_mode (self, mode)) {
    priv->restorer.reset ();
    return FALSE;
  }
  GST_INFO_OBJECT (self, "model %s runs in %s", options.model.path.c_str (),
      neuralisp::precision_name (priv->restorer->model_info ()->precision));
  priv->timer.start (GST_ELEMENT (self));
  gst_segment_init (&priv->segment, GST_FORMAT_TIME);
  priv->have_info = FALSE;
  return TRUE;
}

static void
release_pool (GstIspRestorePrivate * priv)
{
  if (!priv->pool)
    return;
  gst_buffer_pool_set_active (priv->pool, FALSE);
  gst_object_unref (priv->pool);
  priv->pool = nullptr;
}

static void
gst_isp_restore_stop (GstIspRestore * self)
{
  GstIspRestorePrivate *priv = self->priv;
  priv->restorer.reset ();
  release_pool (priv);
  priv->have_info = FALSE;
}

static GstStateChangeReturn
gst_isp_restore_change_state (GstElement * element, GstStateChange transition)
{
  GstIspRestore *self = GST_ISP_RESTORE (element);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !gst_isp_restore_start (self))
    return GST_STATE_CHANGE_FAILURE;
  const GstStateChangeReturn ret = GST_ELEMENT_CLASS (gst_isp_restore_parent_class)->change_state (element, transition);
  /* After the parent deactivated the pads: no streaming thread uses the restorer any more. */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_isp_restore_stop (self);
  return ret;
}

static void
reset_restorer (GstIspRestore * self, const char *why)
{
  if (!self->priv->restorer)
    return;
  GST_DEBUG_OBJECT (self, "resetting the restorer: %s", why);
  self->priv->restorer->reset ();
}

/* New caps: one pool of output frames for every pad (they all carry the input's format). */
static gboolean
set_caps (GstIspRestore * self, GstCaps * caps)
{
  GstIspRestorePrivate *priv = self->priv;
  GstVideoInfo info;
  if (!gst_video_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("invalid caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  release_pool (priv);
  priv->pool = gst_video_buffer_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (priv->pool);
  gst_buffer_pool_config_set_params (config, caps, GST_VIDEO_INFO_SIZE (&info), 0, 0);
  if (!gst_buffer_pool_set_config (priv->pool, config) || !gst_buffer_pool_set_active (priv->pool, TRUE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, (NULL), ("cannot set up a buffer pool for %" GST_PTR_FORMAT, caps));
    release_pool (priv);
    return FALSE;
  }
  priv->info = info;
  priv->have_info = TRUE;
  reset_restorer (self, "new caps");
  return TRUE;
}

static gboolean
gst_isp_restore_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstIspRestore *self = GST_ISP_RESTORE (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      if (!set_caps (self, caps)) {
        gst_event_unref (event);
        return FALSE;
      }
      break;
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &self->priv->segment);
      break;
    case GST_EVENT_FLUSH_STOP:
      reset_restorer (self, "flush");
      break;
    default:
      break;
  }
  /* To every source pad; an unlinked one keeps the sticky events for when it is linked. */
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_isp_restore_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstIspRestore *self = GST_ISP_RESTORE (parent);
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    return self->priv->timer.answer_latency_query (GST_ELEMENT (self), self->priv->sinkpad, query);
  return gst_pad_query_default (pad, parent, query);
}

/* One source pad's share of a frame. */
struct Output
{
  GstPad *pad = nullptr;        /* a reference */
  neuralisp::RestoreTask task;
  GstBuffer *buffer = nullptr;  /* what it pushes: the input (pass-through) or a restored frame */
  GstVideoFrame frame {};
  gboolean mapped = FALSE;
};

/* The source pads and their tasks, with controlled properties brought to the buffer's time. */
static std::vector<Output>
collect_outputs (GstIspRestore * self, GstBuffer * buffer)
{
  std::vector<Output> outputs;
  {
    ObjectLock lock (self);
    for (GList * l = GST_ELEMENT (self)->srcpads; l; l = l->next) {
      outputs.emplace_back ();
      outputs.back ().pad = GST_PAD (gst_object_ref (l->data));
    }
  }
  const GstClockTime stream_time = gst_segment_to_stream_time (&self->priv->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buffer));
  if (GST_CLOCK_TIME_IS_VALID (stream_time)) {
    gst_object_sync_values (GST_OBJECT (self), stream_time);
    for (Output & o:outputs)
      gst_object_sync_values (GST_OBJECT (o.pad), stream_time);
  }
  for (Output & o:outputs)
    o.task = pad_task (GST_ISP_RESTORE_PAD (o.pad));
  return outputs;
}

/* Restores `input` into a new buffer for every output in `work`. */
static GstFlowReturn
restore_frame (GstIspRestore * self, GstIspRestoreMode mode, GstBuffer * input, std::vector<Output *> & work)
{
  GstIspRestorePrivate *priv = self->priv;
  gboolean post_messages;
  neuralisp::RuntimeSettings runtime;
  gboolean runtime_changed;
  {
    ObjectLock lock (self);
    post_messages = priv->post_messages;
    runtime_changed = priv->model_settings.take_runtime (&runtime);
  }
  if (runtime_changed)
    priv->restorer->configure (runtime);
  if (mode != priv->applied_mode && !apply_mode (self, mode))
    return GST_FLOW_ERROR;

  GstVideoFrame in_frame;
  if (!gst_video_frame_map (&in_frame, &priv->info, input, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL), ("cannot map the input frame"));
    return GST_FLOW_ERROR;
  }
  neuralisp::FrameView in_view;
  std::vector<neuralisp::FrameView> out_views (work.size ());
  std::vector<neuralisp::RestoreTask> tasks;
  GstFlowReturn ret = GST_FLOW_OK;
  neuralisp_frame_view_from_gst (&in_frame, &in_view);
  for (std::size_t i = 0; i < work.size () && ret == GST_FLOW_OK; i++) {
    Output & o = *work[i];
    ret = gst_buffer_pool_acquire_buffer (priv->pool, &o.buffer, NULL);
    if (ret != GST_FLOW_OK)
      break;
    if (!gst_video_frame_map (&o.frame, &priv->info, o.buffer, GST_MAP_WRITE)) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL), ("cannot map an output frame"));
      ret = GST_FLOW_ERROR;
      break;
    }
    o.mapped = TRUE;
    neuralisp_frame_view_from_gst (&o.frame, &out_views[i]);
    tasks.push_back (o.task);
  }

  if (ret == GST_FLOW_OK) {
    neuralisp::Status status = priv->restorer->set_tasks (tasks);
    const gint64 started = priv->timer.frame_started ();
    if (status.ok ())
      status = priv->restorer->process (in_view, out_views);
    if (status.ok ()) {
      const gboolean report = post_messages && priv->timer.statistics_due (started);
      priv->timer.frame_done (GST_ELEMENT (self), started, post_messages,
          report ? priv->restorer->statistics () : neuralisp::Statistics ());
    } else {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Restoring a frame failed."), ("%s", status.message ().c_str ()));
      ret = GST_FLOW_ERROR;
    }
  }

  gst_video_frame_unmap (&in_frame);
  for (Output * o:work) {
    if (o->mapped)
      gst_video_frame_unmap (&o->frame);
    o->mapped = FALSE;
    if (o->buffer)
      gst_buffer_copy_into (o->buffer, input, (GstBufferCopyFlags) (GST_BUFFER_COPY_FLAGS |
              GST_BUFFER_COPY_TIMESTAMPS | GST_BUFFER_COPY_META), 0, -1);
  }
  return ret;
}

/* What upstream hears from several pads' results, as tee tells it: an error or flushing stops
 * the stream; not-linked and EOS only when every pad says so. */
static GstFlowReturn
combine_flows (const std::vector<GstFlowReturn> & results)
{
  gboolean all_not_linked = TRUE, all_eos = TRUE;
  for (GstFlowReturn r:results) {
    if (r == GST_FLOW_FLUSHING || r < GST_FLOW_EOS)
      return r;
    all_not_linked &= r == GST_FLOW_NOT_LINKED;
    all_eos &= r == GST_FLOW_EOS;
  }
  if (results.empty () || all_not_linked)
    return GST_FLOW_NOT_LINKED;
  return all_eos ? GST_FLOW_EOS : GST_FLOW_OK;
}

static GstFlowReturn
gst_isp_restore_chain (GstPad *, GstObject * parent, GstBuffer * buffer)
{
  GstIspRestore *self = GST_ISP_RESTORE (parent);
  GstIspRestorePrivate *priv = self->priv;

  if (!priv->have_info) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("a buffer arrived before the caps"));
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT))
    reset_restorer (self, "discontinuity");

  std::vector<Output> outputs = collect_outputs (self, buffer);
  GstIspRestoreMode mode;
  {
    ObjectLock lock (self);
    mode = priv->mode;
  }
  const gboolean blind = mode == GST_ISP_RESTORE_MODE_BLIND;
  /* Only linked pads that change the frame cost a head; the others pass the input on. */
  std::vector<Output *> work;
  for (Output & o:outputs)
    if (gst_pad_is_linked (o.pad) && (blind || !task_is_neutral (o.task)))
      work.push_back (&o);

  GstFlowReturn ret = work.empty ()? GST_FLOW_OK : restore_frame (self, mode, buffer, work);
  std::vector<GstFlowReturn> results;
  for (Output & o:outputs) {
    if (ret == GST_FLOW_OK) {
      GstFlowReturn r = gst_pad_push (o.pad, o.buffer ? o.buffer : gst_buffer_ref (buffer));
      o.buffer = nullptr;
      /* A pad released while it pushed (flushing, once deactivated) no longer speaks for the
       * element. */
      if (!pad_released (GST_ISP_RESTORE_PAD (o.pad)))
        results.push_back (r);
    }
    if (o.buffer)
      gst_buffer_unref (o.buffer);
    gst_object_unref (o.pad);
  }
  gst_buffer_unref (buffer);
  if (ret != GST_FLOW_OK)
    return ret;
  ret = combine_flows (results);
  if (ret != GST_FLOW_OK)
    GST_DEBUG_OBJECT (self, "pushing gave %s", gst_flow_get_name (ret));
  return ret;
}

static void
setup_src_pad (GstPad * pad)
{
  gst_pad_set_query_function (pad, GST_DEBUG_FUNCPTR (gst_isp_restore_src_query));
  GST_PAD_SET_PROXY_CAPS (pad);
}

static gboolean
forward_sticky_event (GstPad *, GstEvent ** event, gpointer user_data)
{
  /* An unlinked pad keeps it, and sends it before its first buffer once linked. */
  gst_pad_push_event (GST_PAD (user_data), gst_event_ref (*event));
  return TRUE;
}

static GstPad *
gst_isp_restore_request_new_pad (GstElement * element, GstPadTemplate * templ, const gchar * name, const GstCaps *)
{
  GstIspRestore *self = GST_ISP_RESTORE (element);
  guint index;
  {
    ObjectLock lock (self);
    if (name && sscanf (name, "src_%u", &index) == 1) {
      self->priv->next_pad_index = MAX (self->priv->next_pad_index, index + 1);
    } else {
      index = self->priv->next_pad_index++;
    }
  }
  gchar *pad_name = g_strdup_printf ("src_%u", index);
  GstPad *pad = GST_PAD (g_object_new (GST_TYPE_ISP_RESTORE_PAD, "name", pad_name, "direction", GST_PAD_SRC,
          "template", templ, NULL));
  g_free (pad_name);
  setup_src_pad (pad);

  /* A pad added while the stream runs starts with the stream's caps and segment, so that its
   * first buffer is understood downstream. */
  gboolean streaming;
  {
    ObjectLock lock (self->priv->sinkpad);
    streaming = GST_PAD_MODE (self->priv->sinkpad) != GST_PAD_MODE_NONE;
  }
  if (streaming) {
    gst_pad_set_active (pad, TRUE);
    gst_pad_sticky_events_foreach (self->priv->sinkpad, forward_sticky_event, pad);
  }
  if (!gst_element_add_pad (element, pad)) {
    GST_WARNING_OBJECT (self, "a pad named %s exists already", GST_OBJECT_NAME (pad));
    gst_object_unref (pad);
    return NULL;
  }
  gst_child_proxy_child_added (GST_CHILD_PROXY (self), G_OBJECT (pad), GST_OBJECT_NAME (pad));
  GST_DEBUG_OBJECT (self, "added %" GST_PTR_FORMAT, pad);
  return pad;
}

static void
gst_isp_restore_release_pad (GstElement * element, GstPad * pad)
{
  GstIspRestore *self = GST_ISP_RESTORE (element);
  GST_DEBUG_OBJECT (self, "releasing %" GST_PTR_FORMAT, pad);
  gst_object_ref (pad);
  {
    ObjectLock lock (pad);
    GST_ISP_RESTORE_PAD (pad)->released = TRUE;
  }
  gst_child_proxy_child_removed (GST_CHILD_PROXY (self), G_OBJECT (pad), GST_OBJECT_NAME (pad));
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
  gst_object_unref (pad);
}

/* The source pads are the element's children, so that gst-launch sets `src_0::deblur=0.5`. */
static GObject *
gst_isp_restore_child_by_index (GstChildProxy * proxy, guint index)
{
  ObjectLock lock (proxy);
  gpointer pad = g_list_nth_data (GST_ELEMENT (proxy)->srcpads, index);
  return pad ? G_OBJECT (gst_object_ref (pad)) : NULL;
}

static guint
gst_isp_restore_children_count (GstChildProxy * proxy)
{
  ObjectLock lock (proxy);
  return GST_ELEMENT (proxy)->numsrcpads;
}

static void
gst_isp_restore_child_proxy_init (gpointer g_iface, gpointer)
{
  GstChildProxyInterface *iface = static_cast < GstChildProxyInterface * >(g_iface);
  iface->get_child_by_index = gst_isp_restore_child_by_index;
  iface->get_children_count = gst_isp_restore_children_count;
}

static void
gst_isp_restore_finalize (GObject * object)
{
  delete GST_ISP_RESTORE (object)->priv;
  G_OBJECT_CLASS (gst_isp_restore_parent_class)->finalize (object);
}

static void
gst_isp_restore_class_init (GstIspRestoreClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_isp_restore_set_property;
  gobject_class->get_property = gst_isp_restore_get_property;
  gobject_class->finalize = gst_isp_restore_finalize;

  /* The element's own task is its always `src` pad's (see set_property). */
  install_task_properties (gobject_class, PROP_TASK_FIRST);
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "Where the task comes from: the properties, or an estimate of each frame",
          GST_TYPE_ISP_RESTORE_MODE, DEFAULT_PROP_MODE,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message named isprestore-stats with statistics at most once a second",
          DEFAULT_PROP_POST_MESSAGES,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  IspModelSettings::install_properties (gobject_class, PROP_MODEL_FIRST);

  GstCaps *caps = gst_static_caps_get (&video_caps);
  gst_element_class_add_pad_template (element_class, gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new_with_gtype ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps, GST_TYPE_ISP_RESTORE_PAD));
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new_with_gtype ("src_%u", GST_PAD_SRC, GST_PAD_REQUEST, caps, GST_TYPE_ISP_RESTORE_PAD));
  gst_caps_unref (caps);

  gst_element_class_set_static_metadata (element_class, "Neural controllable restoration",
      "Filter/Effect/Video", "Removes as much blur, noise and JPEG compression as asked, with several "
      "differently restored outputs from one pass of a shared network", "neuralisp developers");
  gst_element_class_add_static_metadata (element_class, NEURALISP_METADATA_EXAMPLE,
      "gst-launch-1.0 v4l2src ! videoconvert ! isprestore deblur=0.3 denoise=0.5 ! videoconvert ! autovideosink");

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_isp_restore_change_state);
  element_class->request_new_pad = GST_DEBUG_FUNCPTR (gst_isp_restore_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_isp_restore_release_pad);

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_RESTORE_MODE, (GstPluginAPIFlags) 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ISP_RESTORE_PAD, (GstPluginAPIFlags) 0);
}

static void
gst_isp_restore_init (GstIspRestore * self)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  GstIspRestorePrivate *priv = self->priv = new GstIspRestorePrivate ();
  gst_video_info_init (&priv->info);
  gst_segment_init (&priv->segment, GST_FORMAT_TIME);

  priv->sinkpad = gst_pad_new_from_template (gst_element_class_get_pad_template (klass, "sink"), "sink");
  gst_pad_set_chain_function (priv->sinkpad, GST_DEBUG_FUNCPTR (gst_isp_restore_chain));
  gst_pad_set_event_function (priv->sinkpad, GST_DEBUG_FUNCPTR (gst_isp_restore_sink_event));
  GST_PAD_SET_PROXY_CAPS (priv->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), priv->sinkpad);

  priv->srcpad = GST_ISP_RESTORE_PAD (g_object_new (GST_TYPE_ISP_RESTORE_PAD, "name", "src", "direction",
          GST_PAD_SRC, "template", gst_element_class_get_pad_template (klass, "src"), NULL));
  setup_src_pad (GST_PAD (priv->srcpad));
  gst_element_add_pad (GST_ELEMENT (self), GST_PAD (priv->srcpad));
}
