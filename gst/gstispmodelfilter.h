/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstIspModelFilter: a GstIspFilter backed by a neural network. It adds the model properties
 * (model-location, device, precision, threads, tile-size: IspModelSettings) and loads the model
 * at READY->PAUSED, failing with an error that names the file. */
#pragma once

#include <string>

#include <neuralisp/model.h>

#include "gstispfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_ISP_MODEL_FILTER (gst_isp_model_filter_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstIspModelFilter, gst_isp_model_filter, GST, ISP_MODEL_FILTER, GstIspFilter)

struct _GstIspModelFilterClass
{
  GstIspFilterClass parent_class;

  /* File name of the model to use when model-location is unset, looked up on
   * neuralisp::model_search_path(). Called with the object lock held. */
  std::string (*default_model) (GstIspModelFilter * filter);
  /* Creates the processor from a model file; the status message becomes the element error. */
  neuralisp::Status (*create) (GstIspModelFilter * filter, const neuralisp::ModelOptions & options,
      std::unique_ptr<neuralisp::Processor> & processor);
};

G_END_DECLS
