#!/bin/sh
# Denoises a video file into a Motion-JPEG AVI, printing progress:
#   ./examples/file-to-file.sh input.mp4 output.avi [fast|quality]
# (MP4/H.264 input needs gstreamer1.0-libav.)
set -eu
[ $# -ge 2 ] || { echo "usage: $0 INPUT OUTPUT.avi [fast|quality]" >&2; exit 2; }
input="$(realpath "$1")"
output="$(realpath -m "$2")"
model="${3:-fast}"
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
exec gst-launch-1.0 -e filesrc location="$input" ! decodebin ! videoconvert ! \
  ispdenoise model="$model" ! progressreport update-freq=2 ! videoconvert ! \
  jpegenc quality=92 ! avimux ! filesink location="$output"
