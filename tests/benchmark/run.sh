#!/bin/sh
# Prints neuralisp's speed and quality figures (a benchmark, not a test: it asserts nothing).
#   tests/benchmark/run.sh [DATASETS_DIR]     (default ../shared/datasets; quality needs it)
set -eu
cd "$(dirname "$0")/../.."
datasets="$(realpath -m "${1:-${NEURALISP_DATASETS:-../shared/datasets}}")"
examples/setup.sh
# OpenCV's photo module (fastNlMeans, the classical reference) and libav (the H.264 video clips
# that ispenhance's temporal figures decode).
for package in libopencv-photo-dev gstreamer1.0-libav; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package"
  fi
done
[ -x build/tests/benchmark/neuralisp-benchmark ] || { meson setup --reconfigure build >/dev/null && ninja -C build; }
export GST_PLUGIN_PATH="$PWD/build/gst"
bench=build/tests/benchmark/neuralisp-benchmark
# Every command appends its figures here; the plots are drawn from them at the end.
export NEURALISP_FIGURES="$PWD/build/benchmark-figures.txt"
: > "$NEURALISP_FIGURES"
$bench speed fast 640 480 150
$bench speed fast 1280 720 60
$bench speed fast 1920 1080 30
$bench speed quality 640 480 100
$bench speed quality 1280 720 60
restore_model="$(realpath build/models/restore/restore-fast.pt)"
$bench restore-speed "$restore_model" 640 480 60
$bench restore-speed "$restore_model" 1280 720 30
enhance_model="$(realpath build/models/enhance/enhance-fast.pt)"
$bench enhance-speed "$enhance_model" 640 480 60
$bench enhance-speed "$enhance_model" 1280 720 60
$bench enhance-speed "$enhance_model" 1920 1080 30
raw2rgb_model="$(realpath build/models/raw/raw2rgb-fast.pt)"
rgb2raw_model="$(realpath build/models/raw/rgb2raw-fast.pt)"
$bench raw-speed "$raw2rgb_model" "$rgb2raw_model" 640 480 60
$bench raw-speed "$raw2rgb_model" "$rgb2raw_model" 1280 720 30
$bench raw-speed "$raw2rgb_model" "$rgb2raw_model" 1920 1080 20
if [ -d "$datasets/val/mcmaster18" ]; then
  for model in fast quality; do
    $bench quality "$model" "$datasets"
  done
  # The figures the model cards show are redrawn where the cards are.
  $bench temporal fast "$datasets" models/denoise
  $bench real-noise fast "$datasets" models/denoise
  $bench restore-quality "$restore_model" "$datasets"
  $bench raw-quality "$raw2rgb_model" "$rgb2raw_model" "$datasets"
  $bench enhance-quality "$enhance_model" "$datasets"
  $bench enhance-temporal "$enhance_model" "$datasets" models/enhance/step-response.png
else
  echo "quality figures skipped: no datasets at $datasets"
fi
# fps against frame size per element, and PSNR against fps beside the classical baselines.
$bench plot "$NEURALISP_FIGURES" tests/benchmark
