#!/bin/sh
# The lib and gst suites again, built with AddressSanitizer and UndefinedBehaviorSanitizer into
# ./build-asan (tests/run.sh calls this). The pipeline suite is left out: it runs the same code
# paths on whole pipelines and would add minutes under the sanitizers.
set -eu
cd "$(dirname "$0")/../.."
# float-cast-overflow: a NaN or out-of-range float converted to an integer (a pixel code) is
# undefined behaviour that -fsanitize=undefined leaves out.
[ -f build-asan/build.ninja ] || meson setup build-asan --buildtype=debugoptimized \
  -Db_sanitize=address,undefined -Db_lundef=false -Dcpp_args=-fsanitize=float-cast-overflow >/dev/null
ninja -C build-asan
# GST_REGISTRY_FORK=no: the plugin scanner is not instrumented and cannot load an instrumented
# plugin. allocator_may_return_null: impossible allocations report failure (the library's tests of
# that skip under ASan anyway). halt_on_error: undefined behaviour fails the test.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export GST_REGISTRY_FORK=no
# The registry, scanned once here with the sanitizer runtimes preloaded, before any test. A test
# process that finds no registry scans every installed plugin in-process (there is no
# instrumented scanner), and some start threads as they load (gstreamer1.0-plugins-bad, which
# tests/run.sh installs, brings dozens): every test that Check then forks inherits them
# half-alive. LSan's "running thread was not suspended" lines came with them in CI, and a failure
# that no later run reproduced once the registry existed.
# The same plugin paths as tests/meson.build's test environment.
GST_PLUGIN_PATH="$PWD/build-asan/gst" GST_REGISTRY="$PWD/build-asan/tests/registry.bin" \
  GST_PLUGIN_SYSTEM_PATH_1_0="$(pkg-config --variable=pluginsdir gstreamer-1.0)" \
  LD_PRELOAD="libasan.so.8 libubsan.so.1" ASAN_OPTIONS=detect_leaks=0 gst-inspect-1.0 neuralisp >/dev/null
# The instrumented code runs two to three times slower: the per-test timeouts (Check's and
# meson's), set for the plain build, get that time too (isprestore's 100 state cycles, each
# loading and probing the model, came to the edge of their 300 s).
export CK_TIMEOUT_MULTIPLIER=3
exec meson test -C build-asan --print-errorlogs --timeout-multiplier 3 --suite lib --suite gst --logbase sanitizers "$@"
