/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp-studio's window: a source, the suite's chain (denoise -> restore -> enhance) and the
 * input beside the processed frames, a control per live property, the elements' statistics and a
 * snapshot button. Apart from main() so that a test drives the same window. */
#pragma once

#include <gtk/gtk.h>

#include <string>

struct StudioOptions {
  std::string device = "/dev/video0";  // a camera, used when it exists
  std::string file;                    // a video or image file instead
  std::string photo = "/usr/share/backgrounds/mate/nature/LadyBird.jpg";  // built-in source
  std::string snapshot_dir = ".";
  // A Bayer source: the camera's Bayer frames (or the built-in photo made RAW by isprgb2raw) through
  // ispraw2rgb first, beside stock bayer2rgb's rendering of the same frames.
  bool bayer = false;
  int width = 640, height = 400;
};

struct Studio;

// Builds the window and starts playing; nullptr (with the reason in `error`) when the pipeline
// cannot be built. The window is shown; closing it quits the GTK main loop.
Studio* studio_new(const StudioOptions& options, std::string* error);
void studio_free(Studio* studio);
GtkWidget* studio_window(Studio* studio);
// The video: input on the left half, processed on the right.
GtkWidget* studio_view(Studio* studio);
// The control of an element's property, named "ELEMENT.PROPERTY" (e.g. "ispenhance.exposure").
GtkWidget* studio_control(Studio* studio, const std::string& name);
// Frames shown so far.
guint64 studio_frames(Studio* studio);
// Writes the current side-by-side frame (input | processed) as a PNG; its path, or "" on failure.
std::string studio_snapshot(Studio* studio);
// What the source is, for the title and the test: "camera", "file" or "photo".
std::string studio_source_kind(Studio* studio);
