#!/usr/bin/env bash
# bksim's engine against a SimPy model of the same system, back to back on this machine:
# simulated uploads per wall-clock second for each, REPS times, and the ratio of the medians.
#
# Usage: scripts/bench-vs-simpy.sh [REPS (default 3)] [SIMPY_SIMULATED_SECONDS (default 5)]
# Installs SimPy from PyPI into a throw-away virtual environment. BKSIM=path/to/bksim skips
# the cargo build.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS="${1:-3}"
SIMPY_SECONDS="${2:-5}"

if [ -z "${BKSIM:-}" ]; then
  cargo build --release --quiet --bin bksim
  BKSIM="${CARGO_TARGET_DIR:-target}/release/bksim"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet simpy

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

for i in $(seq "$REPS"); do
  "$tmp/venv/bin/python" scripts/baseline/simpy_model.py "$SIMPY_SECONDS" >> "$tmp/simpy.jsonl"
  "$BKSIM" run scripts/baseline/engine.toml --out "$tmp/bksim-$i" --quiet --threads 1
  python3 - "$tmp/bksim-$i" >> "$tmp/bksim.txt" <<'PY'
import json, sys
d = sys.argv[1]
run = json.load(open(f"{d}/run.json"))
summary = json.load(open(f"{d}/summary.json"))
offered = summary["variants"][0]["requests"]["put"]["offered"]
print(offered / run["variants"][0]["wall_seconds"])
PY
  echo "  repetition $i done" >&2
done

simpy=$(python3 -c "import json,sys; [print(json.loads(l)['uploads_per_second']) for l in open('$tmp/simpy.jsonl')]" | median)
bksim=$(median < "$tmp/bksim.txt")
printf 'simulated uploads per wall-clock second, one core, median of %s\n' "$REPS"
printf '  SimPy %-10s %14.0f\n' "$(python3 -c 'import importlib.metadata as m; print(m.version("simpy"))' 2>/dev/null || "$tmp/venv/bin/python" -c 'import simpy; print(simpy.__version__)')" "$simpy"
printf '  bksim            %14.0f\n' "$bksim"
python3 -c "print(f'  ratio            {($bksim)/($simpy):14.1f}x')"
