#!/usr/bin/env bash
# Regenerates the reference results: runs every bundled scenario (scenarios/*.toml) with its
# own seed into results/<scenario>/, which writes the data files, the charts and the reports.
#
# The repository tracks only the reports and SVG charts of this run (results/*/report.html,
# results/*/report.md, results/*/charts/*.svg; see .gitignore), so a change to the model or
# the charts shows up as a small, reviewable diff. Everything but report.html's run facts
# (wall time, machine) is byte-identical from one run to the next.
#
# Usage: scripts/regen-results.sh [SCENARIO...]   (default: every bundled scenario)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bksim="${CARGO_TARGET_DIR:-target}/release/bksim"

if [ "$#" -gt 0 ]; then
  files=()
  for s in "$@"; do files+=("scenarios/${s%.toml}.toml"); done
else
  files=(scenarios/*.toml)
fi

for f in "${files[@]}"; do
  name="$(basename "$f" .toml)"
  echo "== $name"
  start=$(date +%s)
  "$bksim" run "$f" --out "results/$name" --quiet
  echo "   results/$name/ ($(( $(date +%s) - start )) s)"
done

echo "== tracked reference files"
git status --short -- results/ || true
