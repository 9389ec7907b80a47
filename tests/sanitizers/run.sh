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
exec meson test -C build-asan --print-errorlogs --suite lib --suite gst --logbase sanitizers "$@"
