#!/bin/sh
# Renders the real sensor captures in the datasets folder with ispraw2rgb, one PNG each, through
# the pipeline a file of raw Bayer frames plays with: filesrc reads one frame per buffer
# (blocksize), a caps filter says what the bytes are.
#   examples/raw-captures.sh [DATASETS_DIR] [OUTPUT_DIR] [ispraw2rgb properties...]
# The phone patch (.npy) and the CinemaDNG frame are first unpacked to headerless 16-bit
# little-endian mosaics (numpy; LibRaw's unprocessed_raw for the DNG).
set -eu
cd "$(dirname "$0")/.."
datasets="$(realpath -m "${1:-${NEURALISP_DATASETS:-../shared/datasets}}")/raw"
out="$(realpath -m "${2:-raw-output}")"
[ $# -gt 2 ] && shift 2 || set --
examples/setup.sh
for p in libraw-bin python3-numpy python3-opencv; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$p"
  fi
done
export GST_PLUGIN_PATH="$PWD/build/gst"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# render FILE FORMAT WIDTH HEIGHT OUTPUT [ispraw2rgb properties...]
render() {
  file=$1 format=$2 width=$3 height=$4 png=$5
  shift 5
  gst-launch-1.0 -q filesrc location="$file" blocksize=$((width * height * 2)) ! \
    "video/x-bayer,format=$format,width=$width,height=$height,framerate=0/1" ! \
    ispraw2rgb "$@" ! videoconvert ! pngenc ! filesink location="$png"
  echo "wrote $png"
}

# A 12-bit BGGR sensor capture of a colour chart, 1920x1080, headerless (black level 0).
render "$datasets/colorchecker-bggr12/ColorCheckerRAW_1920x1080_12bit_BGGR.raw" bggr12le 1920 1080 \
  "$out/colorchecker.png" "$@"

# A phone's 12-bit RGGB patch stored as 4 planes (512x512x4: R, G, G, B): back to a mosaic.
/usr/bin/python3 - "$datasets/vivox90-rggb12/x90_3_4.npy" "$work/phone.raw" <<'PY'
import sys
import numpy as np
planes = np.load(sys.argv[1])  # [h, w, 4] = R, G1, G2, B of each RGGB cell
h, w, _ = planes.shape
mosaic = planes.reshape(h, w, 2, 2).transpose(0, 2, 1, 3).reshape(2 * h, 2 * w)
mosaic.astype("<u2").tofile(sys.argv[2])
PY
render "$work/phone.raw" rggb12le 1024 1024 "$out/phone-patch.png" "$@"

# A Blackmagic Pocket 4K CinemaDNG frame (RGGB, 4128x2176): LibRaw unpacks its samples to 16 bits.
cp "$datasets/cinema-dng-and-halide-crop/blackmagic-pocket4k-cinemadng/Blackmagic.dng" "$work/frame.dng"
unprocessed_raw -T "$work/frame.dng" >/dev/null
/usr/bin/python3 - "$work/frame.dng.tiff" "$work/frame.raw" <<'PY'
import sys
import cv2
cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED).astype("<u2").tofile(sys.argv[2])
PY
render "$work/frame.raw" rggb16le 4128 2176 "$out/cinema-dng.png" black-level=512 "$@"
