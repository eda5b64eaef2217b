#!/usr/bin/env bash
# Regenerates the reference results: runs every bundled scenario (scenarios/*.toml) with its
# own seed into a scratch directory, then copies what the repository tracks of each run (the
# reports and the SVG charts, with the sensitivity section: `run --sensitivity`) into
# reference-results/<scenario>/.
#
# reference-results/ is apart from results/ (where `bksim run` writes by default and which git
# ignores), so a user's runs never change a tracked file. A change to the model or the charts
# shows up here as a small, reviewable diff. Everything but report.html's run facts (wall time,
# machine) is byte-identical from one run to the next.
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

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

for f in "${files[@]}"; do
  name="$(basename "$f" .toml)"
  echo "== $name"
  start=$(date +%s)
  "$bksim" run "$f" --sensitivity --out "$scratch/$name" --quiet
  dest="reference-results/$name"
  rm -rf "$dest"
  mkdir -p "$dest/charts"
  cp "$scratch/$name/report.html" "$scratch/$name/report.md" "$dest/"
  cp "$scratch/$name/charts/"*.svg "$dest/charts/"
  echo "   $dest/ ($(( $(date +%s) - start )) s)"
done

echo "== tracked reference files"
git status --short -- reference-results/ || true
