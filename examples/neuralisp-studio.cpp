/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp-studio: watch a camera (or a file, or the built-in photo with camera noise) through
 * the suite's chain beside its input, and move every live property while it plays.
 *
 *   neuralisp-studio [--device /dev/video0] [--file CLIP_OR_IMAGE] [--snapshots DIR]
 *                    [--width 640 --height 400]
 */
#include <gst/gst.h>
#include <gtk/gtk.h>

#include <cstdlib>

#include "studio.h"

int main(int argc, char** argv) {
  gtk_init(&argc, &argv);
  gst_init(&argc, &argv);
  StudioOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--device" && value) options.device = argv[++i];
    else if (arg == "--file" && value) options.file = argv[++i];
    else if (arg == "--snapshots" && value) options.snapshot_dir = argv[++i];
    else if (arg == "--width" && value) options.width = std::atoi(argv[++i]) / 2 * 2;
    else if (arg == "--height" && value) options.height = std::atoi(argv[++i]) / 2 * 2;
    else {
      g_printerr("usage: %s [--device /dev/videoN] [--file CLIP_OR_IMAGE] [--snapshots DIR] [--width W --height H]\n"
                 "  Without a camera or a file it shows the built-in photo with camera noise.\n"
                 "  Keys: Space pause, Ctrl+S snapshot (input | processed PNG), Ctrl+0 neutral, Ctrl+Q quit.\n",
                 argv[0]);
      return 2;
    }
  }
  if (options.width <= 0 || options.height <= 0) {
    g_printerr("--width and --height must be positive\n");
    return 2;
  }
  std::string error;
  Studio* studio = studio_new(options, &error);
  if (!studio) {
    g_printerr("neuralisp-studio: %s\n", error.c_str());
    return 1;
  }
  gtk_main();
  studio_free(studio);
  return 0;
}
