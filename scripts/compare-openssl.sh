#!/usr/bin/env bash
# Compares bksim's AES-256-CTR / AES-256-GCM throughput with aws-lc-rs and OpenSSL on this
# machine: runs `bksim crypto bench --sizes SIZES --threads 2 --json` REPS times; each run
# measures every backend bksim can use (aws-lc-rs, its VAES-512 CTR kernel, the RustCrypto
# crates) and `openssl speed -evp` (one process per thread), all in CPU time of the measuring
# threads, so each ratio comes from figures taken in the same run. Prints the median of
# each figure and of the per-run ratios. Absolute numbers are noisy on a shared machine.
#
# Usage: scripts/compare-openssl.sh [REPS (default 3)] [SECONDS per figure (default 2)] [SIZES (default 1MiB)]
# Env:   BKSIM=path/to/bksim (default: build with cargo --release), OPENSSL=openssl,
#        BKSIM_CRYPTO_BACKEND=NAME forces the backend bksim uses (see `bksim crypto bench --help`);
#        OPENSSL_ia32cap=... hides CPU features from OpenSSL and aws-lc-rs alike (e.g. to
#        measure a CPU class without AVX-512/VAES; see the README's performance section).
set -euo pipefail

REPS="${1:-3}"
SECS="${2:-2}"
SIZES="${3:-1MiB}"
OPENSSL="${OPENSSL:-openssl}"
cd "$(dirname "$0")/.."

if ! command -v "$OPENSSL" >/dev/null 2>&1; then
    echo "compare-openssl: '$OPENSSL' not found on PATH" >&2
    exit 1
fi
export OPENSSL
if [ -z "${BKSIM:-}" ]; then
    cargo build --release --quiet --bin bksim
    BKSIM="${CARGO_TARGET_DIR:-target}/release/bksim"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "$("$OPENSSL" version) vs bksim, $SIZES buffers, ${SECS}s per figure, $REPS repetitions" >&2
echo "  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
for i in $(seq 1 "$REPS"); do
    "$BKSIM" crypto bench --sizes "$SIZES" --threads 2 --json --seconds "$SECS" >"$tmp/bksim-$i.json"
    echo "  repetition $i done (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done

python3 - "$tmp" "$REPS" <<'PY'
import json, statistics, sys
from collections import defaultdict
tmp, reps = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{tmp}/bksim-{i}.json")) for i in range(1, reps + 1)]
label = runs[-1]["backend"]
# The report's backend is one name, or "aes-256-ctr=A,aes-256-gcm=B".
uses = dict(p.split("=") for p in label.split(",")) if "=" in label else defaultdict(lambda: label)
figs = defaultdict(list)  # (cipher, size, threads, backend) -> [GB/s per run]
for r in runs:
    for x in r["results"]:
        figs[(x["cipher"], x["size_bytes"], x["threads"], x["backend"])].append(x["gb_per_s"])
def ratios(a, b):
    return [x / y for x, y in zip(figs[a], figs[b])]
def size(n):
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB" if n >= 1024 else f"{n} B"
print(f"bksim uses: {label}; cpu: {runs[-1]['cpu_model']}; {runs[-1].get('openssl', 'no openssl')}")
print(f"{'cipher':<12} {'size':>7} {'thr':>3} {'backend':<12} {'GB/s':>7} {'x aws-lc-rs':>12} {'x openssl':>10}  (medians of {reps} runs; ratios per run)")
for (cipher, sz, thr, backend) in sorted(figs, key=lambda k: (k[0], k[1], k[2], k[3] != uses[k[0]], k[3])):
    row = figs[(cipher, sz, thr, backend)]
    cols = []
    for base in ("aws-lc-rs", "openssl"):
        key = (cipher, sz, thr, base)
        cols.append(f"{statistics.median(ratios((cipher, sz, thr, backend), key)):.2f}x" if key in figs else "-")
    mark = " *" if backend == uses[cipher] else ""
    print(f"{cipher:<12} {size(sz):>7} {thr:>3} {backend + mark:<12} {statistics.median(row):>7.2f} {cols[0]:>12} {cols[1]:>10}")
print("* = the backend bksim uses for that cipher")
print("per-object envelope cost, last run (ns): " + ", ".join(f"{k} {v:.0f}" for k, v in runs[-1]["envelope_ns"].items()))
PY
