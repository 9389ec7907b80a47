/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gst/gst.h>

#include "gstispdegrade.h"
#include "gstispdenoise.h"
#include "gstispenhance.h"
#include "gstispraw2rgb.h"
#include "gstisprestore.h"
#include "gstisprgb2raw.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (ispdenoise, plugin);
  ret |= GST_ELEMENT_REGISTER (ispdegrade, plugin);
  ret |= GST_ELEMENT_REGISTER (isprestore, plugin);
  ret |= GST_ELEMENT_REGISTER (ispraw2rgb, plugin);
  ret |= GST_ELEMENT_REGISTER (isprgb2raw, plugin);
  ret |= GST_ELEMENT_REGISTER (ispenhance, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, neuralisp,
    "Neural camera ISP: denoising, restoration, RAW and enhancement on CPU",
    plugin_init, PACKAGE_VERSION, "LGPL", "neuralisp", "neuralisp")
