#!/usr/bin/env bash
# Sweep scaling as a user sees it: the whole `bksim sweep` process of a 6-point grid (both
# quickstart variants at each point: 12 runs, shortened to 60 simulated seconds), its
# sweep.csv, sweep.json and charts written, on 1 thread and on 2, REPS times each, the two
# thread counts alternating. Prints the medians of wall-clock seconds and peak memory (maximum
# resident set) for each, and the speed-up (1-thread median / 2-thread median). The speed-up
# needs 2 free cores: run it on a quiet machine and give the load average with the figure.
#
# Usage: scripts/bench-sweep-scaling.sh [REPS (default 5)]
# BKSIM=path/to/bksim skips the cargo build.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS="${1:-5}"

if [ -z "${BKSIM:-}" ]; then
  cargo build --release --quiet --bin bksim
  BKSIM="${CARGO_TARGET_DIR:-target}/release/bksim"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

. scripts/lib/bench.sh
for i in $(seq "$REPS"); do
  for threads in 1 2; do
    timed "$tmp/threads-$threads" "$BKSIM" sweep scenarios/quickstart.toml \
      --set duration=60s --set warmup=10s \
      --param workload.uploads.arrival.rate=5000..30000:5000 \
      --threads "$threads" --quiet --out "$tmp/sweep-$threads"
    rm -rf "$tmp/sweep-$threads"
  done
  echo "  repetition $i done" >&2
done

wall1=$(awk '{print $1}' "$tmp/threads-1" | median)
wall2=$(awk '{print $1}' "$tmp/threads-2" | median)
mem1=$(awk '{print $3}' "$tmp/threads-1" | median)
mem2=$(awk '{print $3}' "$tmp/threads-2" | median)
printf 'bksim sweep, 6 points x 2 variants, outputs and charts included, median of %s (CPU: %s, %s logical CPUs, load average %s)\n' \
  "$REPS" "$(cpu_model)" "$(nproc)" \
  "$(load_average)"
printf '  %-10s %10s %14s\n' "" "wall s" "peak RSS MB"
printf '  %-10s %10.3f %14.1f\n' "1 thread" "$wall1" "$(awk -v k="$mem1" 'BEGIN {print k / 1024}')"
printf '  %-10s %10.3f %14.1f\n' "2 threads" "$wall2" "$(awk -v k="$mem2" 'BEGIN {print k / 1024}')"
python3 -c "print(f'  speed-up on 2 threads: {$wall1 / $wall2:.2f}x')"
