#!/usr/bin/env bash
# The replay bench: `bksim replay` over a generated S3 access log of LINES lines, three times,
# against the time to merely read the same files.
#
# Usage: scripts/bench-replay.sh [LINES (default 10000000)]
#
# Builds bksim and the generator in release, generates the log into a temporary directory
# (one day, 3 buckets, 8 files per bucket: 24 plain files, as S3 delivers them), then reports:
# - the median wall time of `cat DIR/* > /dev/null` over three runs (the cost of reading, from
#   the page cache after the first run);
# - the median wall time and the peak RSS of `bksim replay DIR --quiet --threads 1 --out TMP`
#   (one core: reading, ordering and both variants' simulations in turn) over three
#   runs, and the ratio of the two medians;
# - the CPU model and the number of CPUs.
# Peak RSS comes from GNU time (`/usr/bin/time -f '%e %M'`) when present, otherwise from the
# VmHWM line of /proc/<pid>/status read while the process runs (the script says which).
# BKSIM=path/to/bksim skips the build of bksim; KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES="${1:-10000000}"
case "$LINES" in
  ''|*[!0-9]*) echo "bench-replay.sh: LINES must be a positive integer, not '$LINES'" >&2; exit 2 ;;
esac

cargo build --release --quiet --example gen-logs
if [ -z "${BKSIM:-}" ]; then
  cargo build --release --quiet --bin bksim
  BKSIM="${CARGO_TARGET_DIR:-target}/release/bksim"
fi
GEN="${CARGO_TARGET_DIR:-target}/release/examples/gen-logs"

tmp="$(mktemp -d)"
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$tmp"' EXIT; fi
log="$tmp/log"

echo "== generating $LINES access-log lines into $log"
"$GEN" --out "$log" --requests "$LINES" --span 24h --buckets 3 --files 8 --seed 1 | head -2
echo "   $(du -sh "$log" | cut -f1) in $(ls "$log" | wc -l) files"

. scripts/lib/bench.sh

# wall seconds and peak RSS (KiB) of a command: "SECONDS KIB" on stdout.
if [ -x /usr/bin/time ] && /usr/bin/time -f '%e %M' true >/dev/null 2>&1; then
  RSS_SOURCE="GNU time (/usr/bin/time -f '%e %M')"
  measure() { /usr/bin/time -f '%e %M' -o "$tmp/time.txt" "$@" >/dev/null; cat "$tmp/time.txt"; }
else
  RSS_SOURCE="VmHWM from /proc/<pid>/status, sampled every 50 ms"
  measure() {
    local start end hwm=0 v
    start=$(date +%s.%N)
    "$@" >/dev/null &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
      sleep 0.05
    done
    wait "$pid"
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" -v m="$hwm" 'BEGIN {printf "%.2f %d\n", e - s, m}'
  }
fi

echo "== reading the log: cat $log/* > /dev/null, 3 runs"
for i in 1 2 3; do
  s=$(date +%s.%N); cat "$log"/* > /dev/null; e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN {printf "%.3f\n", e - s}' >> "$tmp/cat.txt"
done
cat_median=$(median < "$tmp/cat.txt")

echo "== bksim replay $log --quiet --threads 1, 3 runs"
for i in 1 2 3; do
  rm -rf "$tmp/out"
  measure "$BKSIM" replay "$log" --quiet --threads 1 --out "$tmp/out" >> "$tmp/replay.txt"
  tail -1 "$tmp/replay.txt" | awk '{printf "   run '"$i"': %s s, peak RSS %.0f MiB\n", $1, $2/1024}'
done
replay_median=$(cut -d' ' -f1 "$tmp/replay.txt" | median)
rss_max=$(cut -d' ' -f2 "$tmp/replay.txt" | sort -g | tail -1)

echo
echo "CPU:            $(cpu_model) ($(nproc) CPUs available; load average $(load_average))"
echo "log:            $LINES access-log lines, $(du -sh "$log" | cut -f1), $(ls "$log" | wc -l) files"
echo "read (cat):     median ${cat_median} s"
echo "bksim replay:   median ${replay_median} s, peak RSS $((rss_max / 1024)) MiB (max of 3; ${RSS_SOURCE})"
awk -v r="$replay_median" -v c="$cat_median" \
  'BEGIN {if (c > 0) printf "ratio:          replay / read = %.1f\n", r / c; else print "ratio:          read time too small to divide by"}'
