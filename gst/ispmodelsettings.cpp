/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ispmodelsettings.h"

#include "elementcommon.h"

#define DEFAULT_PROP_MODEL_LOCATION NULL
#define DEFAULT_PROP_DEVICE ISP_DEVICE_CPU
#define DEFAULT_PROP_PRECISION ISP_PRECISION_AUTO
#define DEFAULT_PROP_THREADS 0
#define DEFAULT_PROP_TILE_SIZE 0

enum
{
  ISP_DEVICE_CPU,
  ISP_DEVICE_CUDA,
};

enum
{
  ISP_PRECISION_AUTO,
  ISP_PRECISION_FP32,
  ISP_PRECISION_BF16,
};

/* Offsets from the first property id. */
enum
{
  PROP_MODEL_LOCATION,
  PROP_DEVICE,
  PROP_PRECISION,
  PROP_THREADS,
  PROP_TILE_SIZE,
};

GType
gst_isp_device_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {ISP_DEVICE_CPU, "CPU", "cpu"},
    {ISP_DEVICE_CUDA, "CUDA GPU (needs a LibTorch built with CUDA)", "cuda"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstIspDevice", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_isp_precision_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {ISP_PRECISION_AUTO, "bfloat16 where the CPU computes it natively (AVX512-BF16, AMX), else float32", "auto"},
    {ISP_PRECISION_FP32, "float32", "fp32"},
    {ISP_PRECISION_BF16, "bfloat16 (emulated, slower than float32, on CPUs without native support)", "bf16"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstIspPrecision", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

void
IspModelSettings::install_properties (GObjectClass * klass, guint first)
{
  const GParamFlags ready = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const GParamFlags playing = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  g_object_class_install_property (klass, first + PROP_MODEL_LOCATION,
      g_param_spec_string ("model-location", "Model location",
          "TorchScript model file to use instead of the default model (NULL = default, looked up on "
          "NEURALISP_MODEL_PATH, then beside the library's build tree, then in its installed data directory)",
          DEFAULT_PROP_MODEL_LOCATION, ready));
  g_object_class_install_property (klass, first + PROP_DEVICE,
      g_param_spec_enum ("device", "Device", "Where the network runs", GST_TYPE_ISP_DEVICE, DEFAULT_PROP_DEVICE, ready));
  g_object_class_install_property (klass, first + PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Arithmetic of the network's convolutions; frame conversion and outputs stay float32",
          GST_TYPE_ISP_PRECISION, DEFAULT_PROP_PRECISION, ready));
  g_object_class_install_property (klass, first + PROP_THREADS,
      g_param_spec_int ("threads", "Threads",
          "CPU threads for each run of this element's network (0 = one per core, fewer while other work "
          "keeps cores busy; at most one per core). "
          "Every neuralisp "
          "network of the process runs on one inference thread, so elements in different streaming "
          "threads take turns instead of oversubscribing the cores", 0, 256,
          DEFAULT_PROP_THREADS, playing));
  g_object_class_install_property (klass, first + PROP_TILE_SIZE,
      g_param_spec_int ("tile-size", "Tile size",
          "Largest tile side in pixels; larger frames run as overlapping, seamlessly blended tiles, "
          "which bounds memory (0 = automatic: frames up to 1920 pixels run whole)", 0, 16384,
          DEFAULT_PROP_TILE_SIZE, playing));

  gst_type_mark_as_plugin_api (GST_TYPE_ISP_DEVICE, (GstPluginAPIFlags) 0);
  gst_type_mark_as_plugin_api (GST_TYPE_ISP_PRECISION, (GstPluginAPIFlags) 0);
}

gboolean
IspModelSettings::set_property (GstElement * element, guint prop_id, const GValue * value, gboolean running)
{
  if (prop_id < first_prop_id_ || prop_id >= first_prop_id_ + kPropertyCount)
    return FALSE;
  const guint which = prop_id - first_prop_id_;
  if (running && (which == PROP_MODEL_LOCATION || which == PROP_DEVICE || which == PROP_PRECISION)) {
    GST_WARNING_OBJECT (element, "model-location, device and precision can only be changed in the NULL or READY state");
    return TRUE;
  }
  switch (which) {
    case PROP_MODEL_LOCATION:
      model_location_ = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_DEVICE:
      device_ = g_value_get_enum (value);
      break;
    case PROP_PRECISION:
      precision_ = g_value_get_enum (value);
      break;
    case PROP_THREADS:
      runtime_.threads = g_value_get_int (value);
      runtime_changed_ = TRUE;
      break;
    case PROP_TILE_SIZE:
      runtime_.tile_size = g_value_get_int (value);
      runtime_changed_ = TRUE;
      break;
  }
  return TRUE;
}

gboolean
IspModelSettings::get_property (guint prop_id, GValue * value) const
{
  if (prop_id < first_prop_id_ || prop_id >= first_prop_id_ + kPropertyCount)
    return FALSE;
  switch (prop_id - first_prop_id_) {
    case PROP_MODEL_LOCATION:
      g_value_set_string (value, model_location_.empty ()? NULL : model_location_.c_str ());
      break;
    case PROP_DEVICE:
      g_value_set_enum (value, device_);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, precision_);
      break;
    case PROP_THREADS:
      g_value_set_int (value, runtime_.threads);
      break;
    case PROP_TILE_SIZE:
      g_value_set_int (value, runtime_.tile_size);
      break;
  }
  return TRUE;
}

static std::string
search_path_text ()
{
  std::string text;
  for (const std::string & dir:neuralisp::model_search_path ())
    text += (text.empty ()? "" : ", ") + dir;
  return text;
}

gboolean
IspModelSettings::resolve (GstElement * element, const std::string & default_file,
    neuralisp::ModelOptions * options) const
{
  std::string wanted;
  {
    ObjectLock lock (element);
    wanted = model_location_.empty ()? default_file : model_location_;
    options->path = model_location_.empty ()? neuralisp::find_model (wanted) : wanted;
    options->device = device_ == ISP_DEVICE_CUDA ? neuralisp::Device::kCuda : neuralisp::Device::kCpu;
    options->precision = precision_ == ISP_PRECISION_FP32 ? neuralisp::Precision::kFp32 :
        precision_ == ISP_PRECISION_BF16 ? neuralisp::Precision::kBf16 : neuralisp::Precision::kAuto;
    options->threads = runtime_.threads;
  }
  if (options->path.empty ()) {
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND, ("Model file '%s' not found.", wanted.c_str ()),
        ("Looked in: %s. Set model-location or NEURALISP_MODEL_PATH.", search_path_text ().c_str ()));
    return FALSE;
  }
  return TRUE;
}

void
IspModelSettings::post_load_error (GstElement * element, const std::string & path, const neuralisp::Status & status)
{
  if (status.code () == neuralisp::ErrorCode::kNotFound)
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND, ("Could not read model file '%s'.", path.c_str ()),
        ("%s", status.message ().c_str ()));
  else
    GST_ELEMENT_ERROR (element, RESOURCE, FAILED, ("Could not load model file '%s'.", path.c_str ()),
        ("%s", status.message ().c_str ()));
}

gboolean
IspModelSettings::take_runtime (neuralisp::RuntimeSettings * settings)
{
  *settings = runtime_;
  const gboolean changed = runtime_changed_;
  runtime_changed_ = FALSE;
  return changed;
}
