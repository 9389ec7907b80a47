#!/bin/sh
# The test command: set up (packages + build) and run the whole suite with meson. The functional
# suites (lib, gst, pipeline) decide, and so do lib and gst again under AddressSanitizer and
# UndefinedBehaviorSanitizer (tests/sanitizers/run.sh); the perf suite needs a quiet machine, so it
# runs last and is reported, not counted.
set -eu
cd "$(dirname "$0")/.."
examples/setup.sh
# The stock Bayer elements (bayer2rgb, rgb2bayer) that the Bayer elements must interoperate with,
# and the H.264 and AAC encoders behind neuralisp-process's default MP4 output.
for package in gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package"
  fi
done
status=0
meson test -C build --print-errorlogs --no-suite perf "$@" || status=$?
tests/sanitizers/run.sh || status=$?
meson test -C build --suite perf --logbase perflog || echo "perf suite: see build/meson-logs/perflog.txt (reported, not counted)"
# For each failed suite the lines that say why (a CI log keeps only the end of a long output,
# where sanitizer reports of later tests bury them), then one plain closing line: suites passed
# and failed.
python3 - build/meson-logs/testlog.json build-asan/meson-logs/sanitizers.json <<'PY'
import json, re, sys
cause = re.compile(r":[FE]:|Failure|FAILED|runtime error|ERROR: \w+Sanitizer|SUMMARY: |CRITICAL|WARNING \*\*|"
                   r"Received signal|Early exit|[Tt]imeout")
results = []
for path in sys.argv[1:]:
    for line in open(path):
        if not line.strip():
            continue
        test = json.loads(line)
        results.append(test["result"])
        if test["result"] not in ("OK", "EXPECTEDFAIL", "SKIP"):
            print(f"{test['name']} ({path}): {test['result']}, exit {test.get('returncode')}")
            output = (test.get("stdout") or "") + (test.get("stderr") or "")
            for text in [t for t in output.splitlines() if cause.search(t)][:40]:
                print("   ", text)
passed = sum(r in ("OK", "EXPECTEDFAIL") for r in results)
skipped = results.count("SKIP")
print(f"suites: {passed} passed, {len(results) - passed - skipped} failed, {skipped} skipped")
PY
exit $status
