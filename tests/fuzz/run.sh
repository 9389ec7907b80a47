#!/bin/sh
# The mutation fuzzer for longer than the test suite's 20 s, with a fresh seed each run, under
# AddressSanitizer and UBSan (the build tests/sanitizers/run.sh makes): tests/fuzz/run.sh [SECONDS]
# [SEED]. Failing metadata texts are saved into tests/fuzz/corpus, where every later run, the
# test suite's too, checks them first; a failing frame or resize case prints the --seed and
# --case that replay it (build-asan/tests/neuralisp-fuzz --seed N --case K --corpus tests/fuzz/corpus).
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-600}
seed=${2:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
# The sanitizer build is configured (and built) the one way tests/sanitizers/run.sh does it.
[ -f build-asan/build.ninja ] || tests/sanitizers/run.sh --list >/dev/null
ninja -C build-asan tests/neuralisp-fuzz
export ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
exec build-asan/tests/neuralisp-fuzz --seconds "$seconds" --seed "$seed" --corpus tests/fuzz/corpus --save tests/fuzz/corpus
