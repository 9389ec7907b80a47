#!/bin/sh
# Installs what is missing on Debian 12 and builds neuralisp into ./build (used by the demo and
# the test command, so that each of them is a single step on a fresh machine).
set -eu
cd "$(dirname "$0")/.."

packages="g++ meson ninja-build pkg-config
  libtorch-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libgstrtspserver-1.0-dev python3-gi gir1.2-gstreamer-1.0
  libgtk-3-dev gstreamer1.0-gtk3 xvfb xauth
  libgtest-dev mate-backgrounds"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

[ -f build/build.ninja ] || meson setup build --buildtype=release
ninja -C build
