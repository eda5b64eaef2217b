#!/usr/bin/env bash
# A speed change measured against the revision before it, in one command: builds BASE_REV's
# bksim and the working tree's, then runs `bksim run` of one scenario with each, alternating,
# REPS times, the whole process timed (outputs, charts and report included). Prints the median
# and minimum wall-clock and CPU (user + system) seconds of each, the median peak resident set,
# and the ratios of the medians (base / working tree: above 1 is faster or smaller). The machine may be shared: the two builds run back
# to back under the same load, and the minimum is the run least disturbed by it.
#
# Usage: scripts/bench-vs-base.sh BASE_REV [REPS (default 9)] [-- BKSIM RUN ARGS...]
#   default run arguments: scripts/baseline/engine.toml --threads 1
#   e.g. scripts/bench-vs-base.sh HEAD~1 5 -- scenarios/quickstart.toml --variant per-object
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -ge 1 ] || { echo "usage: $0 BASE_REV [REPS] [-- RUN ARGS...]" >&2; exit 2; }
base_rev="$1"; shift
REPS=9
if [ "$#" -gt 0 ] && [ "$1" != "--" ]; then REPS="$1"; shift; fi
[ "$#" -gt 0 ] && [ "$1" = "--" ] && shift
args=("$@")
[ "${#args[@]}" -gt 0 ] || args=(scripts/baseline/engine.toml --threads 1)
. scripts/lib/two-builds.sh
. scripts/lib/bench.sh
two_builds "$base_rev"

for i in $(seq "$REPS"); do
  for which in base new; do
    timed "$work/$which.time" "$work/bksim-$which" run "${args[@]}" --out "$work/out-$which" --quiet
    rm -rf "$work/out-$which"
  done
done

# `column N WHICH STAT`: the median or minimum of column N (1 wall, 2 CPU, 3 peak RSS in KiB)
# of WHICH's times.
column() { awk -v c="$1" '{print $c}' "$work/$2.time" | "$3" | awk '{printf "%.3f", $1}'; }
# `rss WHICH`: WHICH's median peak resident set in MiB.
rss() { awk -v k="$(column 3 "$1" median)" 'BEGIN {printf "%.1f", k / 1024}'; }
printf 'bksim run %s: %s runs each, alternating (CPU: %s, %s logical CPUs, load average %s)\n' \
  "${args[*]}" "$REPS" "$(cpu_model)" "$(nproc)" "$(load_average)"
printf '  %-22s %12s %12s %12s %12s %16s\n' "" "wall median" "wall min" "CPU median" "CPU min" \
  "peak RSS MiB"
for which in base new; do
  label="$base_rev"
  [ "$which" = base ] || label="working tree"
  printf '  %-22s %12s %12s %12s %12s %16s\n' "$label" "$(column 1 "$which" median)" \
    "$(column 1 "$which" minimum)" "$(column 2 "$which" median)" "$(column 2 "$which" minimum)" \
    "$(rss "$which")"
done
awk -v bw="$(column 1 base median)" -v nw="$(column 1 new median)" \
  -v bc="$(column 2 base median)" -v nc="$(column 2 new median)" \
  -v bm="$(column 3 base median)" -v nm="$(column 3 new median)" \
  'BEGIN {printf "  ratio of medians (base / working tree): wall %.2fx, CPU %.2fx, peak RSS %.2fx\n", bw / nw, bc / nc, bm / nm}'
