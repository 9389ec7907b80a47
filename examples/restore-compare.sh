#!/bin/sh
# Three restorations of every frame side by side, from one pass of isprestore's shared trunk:
#   ./examples/restore-compare.sh [/dev/video0]
# Without a camera it restores a test pattern degraded by blur, noise and JPEG (ispdegrade).
# Left: the element's src pad (noise only); middle: src_0 (noise and JPEG); right: src_1 (all).
set -eu
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
if [ -e "${1:-/dev/video0}" ]; then
  source="v4l2src device=${1:-/dev/video0} ! videoconvert ! videoscale ! video/x-raw,width=426,height=320"
else
  source="videotestsrc pattern=ball ! video/x-raw,width=426,height=320 ! ispdegrade blur=1.5 noise=20 jpeg-quality=40"
fi
exec gst-launch-1.0 $source ! isprestore name=r denoise=0.4 \
  src_0::denoise=0.4 src_0::dejpeg=0.67 src_1::deblur=0.4 src_1::denoise=0.4 src_1::dejpeg=0.67 \
  compositor name=c sink_1::xpos=426 sink_2::xpos=852 ! videoconvert ! autovideosink \
  r.src ! queue ! c.sink_0 r.src_0 ! queue ! c.sink_1 r.src_1 ! queue ! c.sink_2
