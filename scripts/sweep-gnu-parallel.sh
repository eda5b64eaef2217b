#!/usr/bin/env bash
# Runs a sharded bksim sweep on a list of hosts with GNU parallel, then merges the shards.
#
#   scripts/sweep-gnu-parallel.sh HOSTS_FILE SHARDS SCENARIO [sweep options...]
#
# HOSTS_FILE lists ssh hosts (GNU parallel --sshloginfile format). Each host needs bksim on
# its PATH and the scenario at the same path (a shared filesystem, or copy it first); each
# shard's output comes back with --return. Example:
#
#   scripts/sweep-gnu-parallel.sh hosts.txt 8 scenarios/quickstart.toml \
#       --param workload.uploads.arrival.rate=1000..64000:x2 --param kms.quota_rps=10000,20000
#
# The merged output is byte-identical to `bksim sweep` run on one machine.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
hosts=$1; shards=$2; scenario=$3; shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seq 0 $((shards - 1)) | parallel --sshloginfile "$hosts" --transferfile "$scenario" \
  --return "shards/shard-{}-of-$shards.json" --cleanup \
  bksim sweep "$scenario" "$@" --shard "{}/$shards" --out shards --quiet
mkdir -p "$work/shards" && mv shards/shard-*-of-"$shards".json "$work/shards/"
bksim merge "$work/shards" --out "results/$(basename "$scenario" .toml)-sweep"
