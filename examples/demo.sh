#!/bin/sh
# The main job: set up (packages + build) and run the demo on the embedded default input, a photo
# from Debian's mate-backgrounds package panned into a short video, degraded with camera noise
# and cleaned by ispdenoise. Extra arguments go to neuralisp-demo, e.g. --device /dev/video0,
# --model quality, --frames 300, --output DIR.
set -eu
cd "$(dirname "$0")/.."
examples/setup.sh
GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}" exec build/examples/neuralisp-demo "$@"
