/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the command-line programs (neuralisp-process, neuralisp-rtsp) share. */
#pragma once

#include <gst/gst.h>

#include <string>

// Whether GStreamer has an element of that name installed.
inline bool has_element(const char* name) {
  GstElementFactory* factory = gst_element_factory_find(name);
  if (factory) gst_object_unref(factory);
  return factory != nullptr;
}

// Whether --chain builds, checked before any work starts so that a typo fails once; says why not.
inline bool chain_builds(const char* program, const std::string& chain) {
  GError* err = nullptr;
  GstElement* bin = gst_parse_bin_from_description(chain.c_str(), TRUE, &err);
  if (!bin) {
    g_printerr("%s: --chain \"%s\": %s\n", program, chain.c_str(), err ? err->message : "invalid");
    if (err) g_error_free(err);
    return false;
  }
  gst_object_unref(gst_object_ref_sink(bin));
  return true;
}
