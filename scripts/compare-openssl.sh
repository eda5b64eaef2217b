#!/usr/bin/env bash
# Compares bksim's AES-256-CTR / AES-256-GCM throughput with OpenSSL on this machine:
# runs `openssl speed -evp aes-256-ctr` and `-evp aes-256-gcm` and `bksim crypto bench`
# back to back (1 MiB buffers, one core; bksim also with 2 threads), REPS times, and prints
# a ratio table of the medians. Absolute numbers are noisy on a shared machine; the ratios
# come from measurements taken in the same run.
#
# Usage: scripts/compare-openssl.sh [REPS (default 3)] [SECONDS per figure (default 2)]
# Env:   BKSIM=path/to/bksim (default: build with cargo --release), OPENSSL=openssl
set -euo pipefail

REPS="${1:-3}"
SECS="${2:-2}"
OPENSSL="${OPENSSL:-openssl}"
cd "$(dirname "$0")/.."

if ! command -v "$OPENSSL" >/dev/null 2>&1; then
    echo "compare-openssl: '$OPENSSL' not found on PATH" >&2
    exit 1
fi
if [ -z "${BKSIM:-}" ]; then
    cargo build --release --quiet --bin bksim
    BKSIM="${CARGO_TARGET_DIR:-target}/release/bksim"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

ossl_rate() { # cipher -> bytes/s
    "$OPENSSL" speed -evp "$1" -bytes 1048576 -seconds "$SECS" 2>/dev/null |
        awk -v c="$(echo "$1" | tr a-z A-Z)" '$1 == c { v = $2; sub(/k$/, "", v); print v * 1000 }'
}

echo "$("$OPENSSL" version) vs bksim, 1 MiB buffers, ${SECS}s per figure, $REPS repetitions" >&2
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other processes skew the ratios)" >&2
for i in $(seq 1 "$REPS"); do
    ctr="$(ossl_rate aes-256-ctr)"
    gcm="$(ossl_rate aes-256-gcm)"
    "$BKSIM" crypto bench --sizes 1MiB --threads 2 --json --seconds "$SECS" >"$tmp/bksim-$i.json"
    echo "$ctr $gcm" >"$tmp/openssl-$i.txt"
    echo "  repetition $i done (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done

python3 - "$tmp" "$REPS" <<'PY'
import json, statistics, sys
tmp, reps = sys.argv[1], int(sys.argv[2])
rows = {"ctr": [], "gcm": [], "ctr2": [], "gcm2": []}
backend = env = None
for i in range(1, reps + 1):
    o_ctr, o_gcm = map(float, open(f"{tmp}/openssl-{i}.txt").read().split())
    b = json.load(open(f"{tmp}/bksim-{i}.json"))
    backend, env = b["backend"], b["envelope_ns"]
    r = {(x["cipher"], x["threads"]): x["gb_per_s"] * 1e9 for x in b["results"]}
    rows["ctr"].append((o_ctr, r[("aes-256-ctr", 1)]))
    rows["gcm"].append((o_gcm, r[("aes-256-gcm", 1)]))
    rows["ctr2"].append((r[("aes-256-ctr", 1)], r[("aes-256-ctr", 2)]))
    rows["gcm2"].append((r[("aes-256-gcm", 1)], r[("aes-256-gcm", 2)]))
med = lambda xs: statistics.median(xs)
print(f"bksim backend: {backend}")
print(f"{'measurement':<40} {'baseline GB/s':>14} {'bksim GB/s':>11} {'ratio':>7}  (median of {reps}; per-run ratios)")
for key, label in [("ctr", "aes-256-ctr 1 thread vs openssl"), ("gcm", "aes-256-gcm 1 thread vs openssl"),
                   ("ctr2", "aes-256-ctr 2 threads vs bksim 1 thread"), ("gcm2", "aes-256-gcm 2 threads vs bksim 1 thread")]:
    base = [a for a, _ in rows[key]]; ours = [b for _, b in rows[key]]
    ratios = [b / a for a, b in rows[key]]
    print(f"{label:<40} {med(base)/1e9:>14.2f} {med(ours)/1e9:>11.2f} {med(ratios):>6.2f}x  ({', '.join(f'{r:.2f}' for r in ratios)})")
print("per-object envelope cost, last run (ns): " + ", ".join(f"{k} {v:.0f}" for k, v in env.items()))
PY
