#!/usr/bin/env bash
# Generates synthetic S3 server access logs or CloudTrail data-event files, as AWS delivers
# them (the gen-logs example over bksim::replay::generate). All arguments go to it; see
# `scripts/gen-logs.sh --help`. Example:
#
#   scripts/gen-logs.sh --out /tmp/logs --requests 100000 --span 1h --seed 1
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --release --example gen-logs -- "$@"
