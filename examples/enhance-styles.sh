#!/bin/sh
# ispenhance's looks side by side on a camera (or, without one, a dim, blue-cast photo from
# Debian's mate-backgrounds panned by a test pattern's motion):
#   ./examples/enhance-styles.sh [/dev/video0]
# Top: input | natural | vivid; bottom: warm | low-light | film.
set -eu
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
caps="video/x-raw,format=RGB,width=400,height=250"
if [ -e "${1:-/dev/video0}" ]; then
  source="v4l2src device=${1:-/dev/video0} ! videoconvert ! videoscale ! $caps"
else
  # The photo as a still stream, mis-rendered: darker and bluish (videobalance), as a poor webcam.
  source="filesrc location=/usr/share/backgrounds/mate/nature/LadyBird.jpg ! jpegdec ! imagefreeze ! \
videoconvert ! videoscale ! videobalance brightness=-0.25 contrast=0.8 hue=0.08 ! videoconvert ! $caps"
fi
exec gst-launch-1.0 $source ! tee name=t \
  compositor name=c sink_1::xpos=400 sink_2::xpos=800 sink_3::ypos=250 \
    sink_4::xpos=400 sink_4::ypos=250 sink_5::xpos=800 sink_5::ypos=250 ! videoconvert ! autovideosink \
  t. ! queue ! c.sink_0 \
  t. ! queue ! ispenhance style=natural ! c.sink_1 \
  t. ! queue ! ispenhance style=vivid ! c.sink_2 \
  t. ! queue ! ispenhance style=warm ! c.sink_3 \
  t. ! queue ! ispenhance style=low-light ! c.sink_4 \
  t. ! queue ! ispenhance style=film ! c.sink_5
