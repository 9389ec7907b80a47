/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the programs (neuralisp-process, neuralisp-rtsp, neuralisp-studio) share. */
#pragma once

#include <gst/gst.h>

#include <cstdio>
#include <string>

// GStreamer, and stdout line-buffered so that progress reaches a pipe (a log, a test) as it is
// printed.
inline void start_program(int* argc, char*** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  gst_init(argc, argv);
}

// A file path as a launch-line value: quoted and escaped, whatever characters it holds.
inline std::string launch_quoted(const std::string& path) {
  gchar* escaped = g_strescape(path.c_str(), nullptr);
  std::string text = std::string("\"") + escaped + "\"";
  g_free(escaped);
  return text;
}

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
