#!/usr/bin/env bash
# bksim against a SimPy model of the same system (scripts/baseline/: Poisson arrivals, fixed-
# window KMS quota, lognormal latencies, full-jitter standard retries, 3 attempts), back to back
# on this machine, REPS times each, the WHOLE process timed as a user sees it: for bksim,
# `bksim run` with its outputs, charts and report written; for SimPy, the Python interpreter
# start-up, the model and its JSON line. Both simulate the same number of seconds. Prints the
# medians of wall-clock and CPU (user + system) seconds, their ratios, and each engine's own
# simulated uploads per wall-clock second (bksim's from run.json, SimPy's from its JSON line).
#
# Usage: scripts/bench-vs-simpy.sh [REPS (default 3)] [SIMULATED_SECONDS (default 60)]
# Installs SimPy from PyPI into a throw-away virtual environment. BKSIM=path/to/bksim skips
# the cargo build. The machine is shared: compare the medians of one invocation, not figures
# of different sessions.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS="${1:-3}"
SECONDS_SIMULATED="${2:-60}"

if [ -z "${BKSIM:-}" ]; then
  cargo build --release --quiet --bin bksim
  BKSIM="${CARGO_TARGET_DIR:-target}/release/bksim"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet simpy

. scripts/lib/bench.sh

for i in $(seq "$REPS"); do
  timed "$tmp/simpy.time" "$tmp/venv/bin/python" scripts/baseline/simpy_model.py "$SECONDS_SIMULATED" >> "$tmp/simpy.jsonl"
  timed "$tmp/bksim.time" "$BKSIM" run scripts/baseline/engine.toml --set "duration=${SECONDS_SIMULATED}s" \
    --out "$tmp/bksim-$i" --quiet --threads 1
  python3 - "$tmp/bksim-$i" >> "$tmp/bksim.rate" <<'PY'
import json, sys
d = sys.argv[1]
run = json.load(open(f"{d}/run.json"))
summary = json.load(open(f"{d}/summary.json"))
offered = summary["variants"][0]["requests"]["put"]["offered"]
print(offered / run["variants"][0]["wall_seconds"])
PY
  rm -rf "$tmp/bksim-$i"
  echo "  repetition $i done" >&2
done

col() { awk -v c="$1" '{print $c}' "$2" | median; }
simpy_wall=$(col 1 "$tmp/simpy.time")
simpy_cpu=$(col 2 "$tmp/simpy.time")
bksim_wall=$(col 1 "$tmp/bksim.time")
bksim_cpu=$(col 2 "$tmp/bksim.time")
simpy_rate=$(python3 -c "import json; [print(json.loads(l)['uploads_per_second']) for l in open('$tmp/simpy.jsonl')]" | median)
bksim_rate=$(median < "$tmp/bksim.rate")
simpy_version=$("$tmp/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("simpy"))')

printf 'whole process, %s simulated seconds, one core, median of %s (CPU: %s)\n' \
  "$SECONDS_SIMULATED" "$REPS" "$(cpu_model)"
printf '  %-12s %10s %10s %18s\n' "" "wall s" "CPU s" "uploads/wall s"
printf '  %-12s %10.3f %10.3f %18.0f\n' "SimPy $simpy_version" "$simpy_wall" "$simpy_cpu" "$simpy_rate"
printf '  %-12s %10.3f %10.3f %18.0f\n' "bksim" "$bksim_wall" "$bksim_cpu" "$bksim_rate"
python3 -c "print(f'  ratio (SimPy / bksim): wall {$simpy_wall / $bksim_wall:.1f}x, CPU {$simpy_cpu / $bksim_cpu:.1f}x, engine throughput {$bksim_rate / $simpy_rate:.1f}x')"
