/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstispmodelfilter.h"

#include "elementcommon.h"
#include "ispmodelsettings.h"

GST_DEBUG_CATEGORY_STATIC (gst_isp_model_filter_debug);
#define GST_CAT_DEFAULT gst_isp_model_filter_debug

enum
{
  PROP_0,
  PROP_MODEL_FIRST,
};

struct GstIspModelFilterPrivate
{
  IspModelSettings settings { PROP_MODEL_FIRST };  /* object lock */
};

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstIspModelFilter, gst_isp_model_filter, GST_TYPE_ISP_FILTER,
    G_ADD_PRIVATE (GstIspModelFilter);
    GST_DEBUG_CATEGORY_INIT (gst_isp_model_filter_debug, "ispmodelfilter", 0, "neuralisp model filter base"));

static GstIspModelFilterPrivate *
get_priv (GstIspModelFilter * self)
{
  return static_cast < GstIspModelFilterPrivate * >(gst_isp_model_filter_get_instance_private (self));
}

static void
gst_isp_model_filter_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  GstIspModelFilter *self = GST_ISP_MODEL_FILTER (object);
  ObjectLock lock (self);
  if (!get_priv (self)->settings.set_property (GST_ELEMENT (self), prop_id, value, GST_STATE (self) > GST_STATE_READY))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_isp_model_filter_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstIspModelFilter *self = GST_ISP_MODEL_FILTER (object);
  ObjectLock lock (self);
  if (!get_priv (self)->settings.get_property (prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static gboolean
gst_isp_model_filter_create_processor (GstIspFilter * filter, std::unique_ptr<neuralisp::Processor> & processor)
{
  GstIspModelFilter *self = GST_ISP_MODEL_FILTER (filter);
  GstIspModelFilterClass *klass = GST_ISP_MODEL_FILTER_GET_CLASS (self);
  std::string default_model;
  {
    ObjectLock lock (self);
    default_model = klass->default_model (self);
  }
  neuralisp::ModelOptions options;
  if (!get_priv (self)->settings.resolve (GST_ELEMENT (self), default_model, &options))
    return FALSE;

  GST_INFO_OBJECT (self, "loading model %s", options.path.c_str ());
  const neuralisp::Status status = klass->create (self, options, processor);
  if (!status.ok ()) {
    IspModelSettings::post_load_error (GST_ELEMENT (self), options.path, status);
    return FALSE;
  }
  const neuralisp::ModelInfo *info = processor->model_info ();
  GST_INFO_OBJECT (self, "model %s (%s %s) runs in %s", options.path.c_str (), info->task.c_str (),
      info->variant.c_str (), neuralisp::precision_name (info->precision));
  return TRUE;
}

static gboolean
gst_isp_model_filter_take_runtime_settings (GstIspFilter * filter, neuralisp::RuntimeSettings * settings)
{
  return get_priv (GST_ISP_MODEL_FILTER (filter))->settings.take_runtime (settings);
}

static void
gst_isp_model_filter_finalize (GObject * object)
{
  get_priv (GST_ISP_MODEL_FILTER (object))->~GstIspModelFilterPrivate ();
  G_OBJECT_CLASS (gst_isp_model_filter_parent_class)->finalize (object);
}

static void
gst_isp_model_filter_class_init (GstIspModelFilterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstIspFilterClass *filter_class = GST_ISP_FILTER_CLASS (klass);

  gobject_class->set_property = gst_isp_model_filter_set_property;
  gobject_class->get_property = gst_isp_model_filter_get_property;
  gobject_class->finalize = gst_isp_model_filter_finalize;
  IspModelSettings::install_properties (gobject_class, PROP_MODEL_FIRST);

  filter_class->create_processor = GST_DEBUG_FUNCPTR (gst_isp_model_filter_create_processor);
  filter_class->take_runtime_settings = GST_DEBUG_FUNCPTR (gst_isp_model_filter_take_runtime_settings);

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_MODEL_FILTER, (GstPluginAPIFlags) 0);
}

static void
gst_isp_model_filter_init (GstIspModelFilter * self)
{
  new (get_priv (self)) GstIspModelFilterPrivate ();
}
