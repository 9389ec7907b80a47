#!/bin/sh
# `meson install` into a temporary root: the plugin, the library with neuralisp.pc and its headers,
# the models and the programs arrive; an application builds against the installed pkg-config file
# and denoises with the installed models; the installed plugin loads and finds them too.
#   tests/install/test_install.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
source=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$root" >/dev/null
prefix=$(sed -n 's/^prefix=//p' "$(find "$root" -name neuralisp.pc | head -n 1)")
libdir=$(dirname "$(find "$root" -name 'libneuralisp.so' | head -n 1)")
fail() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
for file in "$prefix/bin/neuralisp-process" "$prefix/bin/neuralisp-rtsp" "$prefix/include/neuralisp/denoiser.h" \
            "$prefix/share/neuralisp/models/denoise/denoise-fast.pt" "$prefix/share/neuralisp/models/restore/restore-fast.pt"; do
  [ -e "$root$file" ] || fail "$file was not installed"
done
plugin=$(find "$root" -name 'libgstneuralisp.so' | head -n 1)
[ -n "$plugin" ] || fail "the plugin was not installed"

# An application against the installed pkg-config file (its paths under the temporary root).
export PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
c++ -std=c++17 "$source/examples/library.cpp" $(pkg-config --cflags --libs neuralisp) -o "$root/library-example"
# No build tree and no model path: the installed library finds the installed models.
output=$(env -u NEURALISP_MODEL_PATH LD_LIBRARY_PATH="$libdir" "$root/library-example") || fail "the example failed: $output"
echo "$output"
model=$(realpath "$(echo "$output" | sed -n 's/^model //p')")
case "$model" in "$(realpath "$root$prefix/share/neuralisp/models")"/*) ;; *) fail "the model used, $model, is not the installed one";; esac

# The installed plugin, alone on the plugin path.
GST_PLUGIN_PATH= GST_PLUGIN_SYSTEM_PATH_1_0="$(dirname "$plugin"):$(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=pluginsdir gstreamer-1.0)" \
  GST_REGISTRY="$root/registry.bin" LD_LIBRARY_PATH="$libdir" env -u NEURALISP_MODEL_PATH \
  gst-launch-1.0 -q videotestsrc num-buffers=3 ! video/x-raw,width=64,height=48 ! ispdenoise ! fakesink \
  || fail "the installed plugin did not run"
echo "1 passed, 0 failed"
