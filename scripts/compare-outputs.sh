#!/usr/bin/env bash
# Runs every bundled scenario (or the ones named) with the bksim of a base revision and with
# the working tree's, and compares every output byte for byte: summary.json, timeseries.csv,
# the .hgrm files, charts (SVG and PNG), report.md, and report.html without its run-facts
# section (wall time and machine differ from run to run). run.json is wall-clock facts only
# and is not compared. Prints one line per scenario and exits 1 on any difference.
#
# A structural change that must not change behaviour passes this against the commit before it.
#
# Usage: scripts/compare-outputs.sh BASE_REV [SCENARIO...]   (e.g. HEAD~1, main, a commit id)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -ge 1 ] || { echo "usage: $0 BASE_REV [SCENARIO...]" >&2; exit 2; }
base_rev="$1"; shift
. scripts/lib/two-builds.sh
two_builds "$base_rev"

if [ "$#" -gt 0 ]; then
  names=("$@")
else
  names=()
  for f in scenarios/*.toml; do names+=("$(basename "$f" .toml)"); done
fi

# report.html without the run-facts section (from its heading to the end of the section).
strip_run_facts() { sed '/<section id="run">/,/<\/section>/d' "$1"; }

status=0
for name in "${names[@]}"; do
  f="scenarios/$name.toml"
  "$work/bksim-base" run "$f" --out "$work/base/$name" --quiet
  "$work/bksim-new" run "$f" --out "$work/new/$name" --quiet
  diffs=()
  while IFS= read -r rel; do
    case "$rel" in
      run.json) continue ;;
      report.html)
        cmp -s <(strip_run_facts "$work/base/$name/$rel") <(strip_run_facts "$work/new/$name/$rel") || diffs+=("$rel") ;;
      *)
        if [ ! -f "$work/new/$name/$rel" ]; then diffs+=("$rel (missing)")
        elif ! cmp -s "$work/base/$name/$rel" "$work/new/$name/$rel"; then diffs+=("$rel"); fi ;;
    esac
  done < <(cd "$work/base/$name" && find . -type f | sed 's|^\./||' | sort)
  extra="$(comm -13 <(cd "$work/base/$name" && find . -type f | sort) <(cd "$work/new/$name" && find . -type f | sort) | sed 's|^\./||' | tr '\n' ' ')"
  [ -z "$extra" ] || diffs+=("new files: $extra")
  files="$(cd "$work/base/$name" && find . -type f | wc -l)"
  if [ "${#diffs[@]}" -eq 0 ]; then
    echo "$name: identical ($files files)"
  else
    echo "$name: DIFFERENT: ${diffs[*]}"
    status=1
  fi
done
exit "$status"
