/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model handling every model-backed neuralisp element holds, whatever its base class (a video
 * filter, a Bayer transform, an element with request pads): the model-location, device,
 * precision, threads and tile-size properties, model lookup, and the errors that name the file. */
#pragma once

#include <gst/gst.h>

#include <string>

#include <neuralisp/model.h>
#include <neuralisp/processor.h>

#define GST_TYPE_ISP_DEVICE (gst_isp_device_get_type ())
GType gst_isp_device_get_type (void);
#define GST_TYPE_ISP_PRECISION (gst_isp_precision_get_type ())
GType gst_isp_precision_get_type (void);

class IspModelSettings
{
public:
  /* Installs the properties on `klass` with ids first_prop_id .. first_prop_id + kPropertyCount - 1. */
  static constexpr guint kPropertyCount = 5;
  static void install_properties (GObjectClass * klass, guint first_prop_id);

  explicit IspModelSettings (guint first_prop_id) : first_prop_id_ (first_prop_id) {}

  /* From the element's set/get_property with its object lock held: FALSE when prop_id is not one
   * of these. `running` refuses the READY-only properties with a warning. */
  gboolean set_property (GstElement * element, guint prop_id, const GValue * value, gboolean running);
  gboolean get_property (guint prop_id, GValue * value) const;

  /* The model to load at READY->PAUSED: model-location, or `default_file` looked up on the model
   * search path. Posts the error and returns FALSE when there is none. Takes the object lock. */
  gboolean resolve (GstElement * element, const std::string & default_file, neuralisp::ModelOptions * options) const;
  /* Posts the error for a model that failed to load, naming the file. */
  static void post_load_error (GstElement * element, const std::string & path, const neuralisp::Status & status);

  /* The runtime settings, and whether they changed since the last call (object lock held). */
  gboolean take_runtime (neuralisp::RuntimeSettings * settings);

private:
  guint first_prop_id_;
  std::string model_location_;
  gint device_ = 0;
  gint precision_ = 0;
  neuralisp::RuntimeSettings runtime_;
  gboolean runtime_changed_ = TRUE;
};
