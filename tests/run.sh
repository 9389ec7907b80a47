#!/bin/sh
# The test command: set up (packages + build) and run the whole suite with meson.
set -eu
cd "$(dirname "$0")/.."
examples/setup.sh
meson test -C build --print-errorlogs "$@"
