#!/bin/sh
# A soak (a benchmark, not a test): FRAMES frames of WIDTHxHEIGHT through
#   videotestsrc ! ispdegrade camera-noise=0.5 ! ispdenoise ! fakesink
# sampling the process's resident memory every second, then RSS after warm-up, at the end and at
# its peak, and the drift per 1,000 frames past warm-up (flat memory: within a few MB).
#   tests/benchmark/soak.sh [FRAMES] [WIDTH] [HEIGHT]     (default 10000 640 480)
set -eu
cd "$(dirname "$0")/../.."
frames=${1:-10000}
width=${2:-640}
height=${3:-480}
[ -f build/build.ninja ] || examples/setup.sh
export GST_PLUGIN_PATH="$PWD/build/gst"
samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
start=$(date +%s.%N)
gst-launch-1.0 -q videotestsrc num-buffers="$frames" pattern=ball ! \
  "video/x-raw,format=RGB,width=$width,height=$height,framerate=30/1" ! ispdegrade camera-noise=0.5 ! \
  ispdenoise ! fakesink sync=false &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$(date +%s.%N) $rss" >>"$samples"
  sleep 1
done
wait "$pid"
end=$(date +%s.%N)
awk -v frames="$frames" -v start="$start" -v end="$end" -v size="${width}x${height}" '
  { t[NR] = $1 - start; r[NR] = $2 / 1024; if (r[NR] > peak) peak = r[NR] }
  END {
    fps = frames / (end - start)
    w = int(NR / 5) + 1  # the first fifth is warm-up
    printf "soak %s: %d frames in %.1f s (%.1f fps), %d samples\n", size, frames, end - start, fps, NR
    printf "RSS after warm-up %.1f MB (at %.0f s), end %.1f MB, peak %.1f MB\n", r[w], t[w], r[NR], peak
    if (NR > w) printf "drift past warm-up: %+.2f MB per 1000 frames\n", (r[NR] - r[w]) / ((t[NR] - t[w]) * fps / 1000)
  }' "$samples"
