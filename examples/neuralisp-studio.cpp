/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* neuralisp-studio: watch a camera (or a file, or the built-in photo with camera noise) through
 * the suite's chain beside its input, and move every live property while it plays.
 *
 *   neuralisp-studio [--device /dev/video0] [--bayer] [--file CLIP_OR_IMAGE] [--snapshots DIR]
 *                    [--width 640 --height 400]
 */
#include <gst/gst.h>
#include <gtk/gtk.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "programs.h"
#include "studio.h"

namespace {

void usage(FILE* to, const char* program) {
  std::fprintf(to,
               "usage: %s [--device /dev/videoN] [--bayer] [--file CLIP_OR_IMAGE] [--snapshots DIR] [--width W --height H]\n"
               "  Without a camera or a file it shows the built-in photo with camera noise; --bayer takes the\n"
               "  camera's Bayer frames (or makes the photo RAW) through ispraw2rgb, beside stock bayer2rgb.\n"
               "  Keys: Space pause, Ctrl+S snapshot (input | processed PNG), Ctrl+0 neutral, Ctrl+Q quit.\n",
               program);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      usage(stdout, argv[0]);
      return 0;
    }
  if (!gtk_init_check(&argc, &argv)) {
    g_printerr("neuralisp-studio: cannot open a display (DISPLAY or WAYLAND_DISPLAY is not set or not reachable)\n");
    return 1;
  }
  start_program(&argc, &argv);
  StudioOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--device" && value) options.device = argv[++i];
    else if (arg == "--file" && value) options.file = argv[++i];
    else if (arg == "--snapshots" && value) options.snapshot_dir = argv[++i];
    else if (arg == "--bayer") options.bayer = true;
    else if (arg == "--width" && value) options.width = std::atoi(argv[++i]) / 2 * 2;
    else if (arg == "--height" && value) options.height = std::atoi(argv[++i]) / 2 * 2;
    else {
      usage(stderr, argv[0]);
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
