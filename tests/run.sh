#!/bin/sh
# The test command: set up (packages + build) and run the whole suite with meson.
set -eu
cd "$(dirname "$0")/.."
examples/setup.sh
status=0
meson test -C build --print-errorlogs "$@" || status=$?
# One plain closing line for CI logs: suites passed and failed.
python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
results = [json.loads(line)["result"] for line in open(sys.argv[1]) if line.strip()]
passed = sum(r in ("OK", "EXPECTEDFAIL") for r in results)
skipped = results.count("SKIP")
print(f"suites: {passed} passed, {len(results) - passed - skipped} failed, {skipped} skipped")
PY
exit $status
