#!/bin/sh
# Live view of a USB camera, denoised: ./examples/camera-live.sh [/dev/video0] [fast|quality]
set -eu
cd "$(dirname "$0")/.."
device="${1:-/dev/video0}"
model="${2:-fast}"
export GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
exec gst-launch-1.0 -m v4l2src device="$device" ! videoconvert ! \
  ispdenoise model="$model" ! videoconvert ! autovideosink
