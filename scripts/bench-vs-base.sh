#!/usr/bin/env bash
# A speed change measured against the revision before it, in one command: builds BASE_REV's
# bksim and the working tree's, then runs `bksim run` of one scenario with each, alternating,
# REPS times, the whole process timed (outputs, charts and report included). Prints the median
# and minimum wall-clock and CPU (user + system) seconds of each and the ratios of the medians
# (base / working tree: above 1 is faster). The machine may be shared: the two builds run back
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
two_builds "$base_rev"

for i in $(seq "$REPS"); do
  for which in base new; do
    /usr/bin/time -o "$work/time" -f '%e %U %S' "$work/bksim-$which" run "${args[@]}" \
      --out "$work/out-$which" --quiet
    awk '{printf "%s %.3f\n", $1, $2 + $3}' "$work/time" >> "$work/$which.time"
    rm -rf "$work/out-$which"
  done
done

stats() { sort -g | awk '{a[NR]=$1} END {printf "%.3f %.3f\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2, a[1]}'; }
read -r base_wall base_wall_min < <(awk '{print $1}' "$work/base.time" | stats)
read -r base_cpu base_cpu_min < <(awk '{print $2}' "$work/base.time" | stats)
read -r new_wall new_wall_min < <(awk '{print $1}' "$work/new.time" | stats)
read -r new_cpu new_cpu_min < <(awk '{print $2}' "$work/new.time" | stats)
printf 'bksim run %s: %s runs each, alternating (CPU: %s, %s logical CPUs, load average %s)\n' \
  "${args[*]}" "$REPS" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
  "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-22s %12s %12s %12s %12s\n' "" "wall median" "wall min" "CPU median" "CPU min"
printf '  %-22s %12s %12s %12s %12s\n' "$base_rev" "$base_wall" "$base_wall_min" "$base_cpu" "$base_cpu_min"
printf '  %-22s %12s %12s %12s %12s\n' "working tree" "$new_wall" "$new_wall_min" "$new_cpu" "$new_cpu_min"
awk -v bw="$base_wall" -v nw="$new_wall" -v bc="$base_cpu" -v nc="$new_cpu" \
  'BEGIN {printf "  ratio of medians (base / working tree): wall %.2fx, CPU %.2fx\n", bw / nw, bc / nc}'
