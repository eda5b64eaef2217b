"""The engine benchmark's model written in SimPy, as a baseline for bksim's speed.

Same system as `benches/engine.rs` and `scripts/baseline/engine.toml`: Poisson 20,000 PUT/s
from 10 sessions, each upload one GenerateDataKey against a 10,000 requests/s fixed-window KMS
quota, lognormal KMS latency (median 10 ms, p99 50 ms) and S3 latency (20 ms, 120 ms), botocore
standard retries (3 attempts, full-jitter backoff 1 s base 20 s cap, 500-token retry quota per
session costing 5, refunding 1 or 5). Prints one JSON line: simulated uploads, wall seconds,
uploads per wall-clock second.

Usage: python3 simpy_model.py [SIMULATED_SECONDS (default 5)]
"""

import json
import math
import random
import sys
import time

import simpy

RATE, SESSIONS, QUOTA = 20_000.0, 10, 10_000
Z99 = 2.326347874040841


def lognormal(rng, median, p99):
    mu = math.log(median)
    return math.exp(rng.gauss(mu, (math.log(p99) - mu) / Z99))


class Kms:
    def __init__(self):
        self.window, self.used = -1, 0

    def admit(self, now):
        w = int(now)
        if w != self.window:
            self.window, self.used = w, 0
        if self.used < QUOTA:
            self.used += 1
            return True
        return False


def main():
    sim_seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    rng = random.Random(42)
    env = simpy.Environment()
    kms = Kms()
    quota = [500] * SESSIONS
    stats = {"offered": 0, "completed": 0, "failed": 0}

    def upload(session):
        attempt = 0
        while True:
            attempt += 1
            admitted = kms.admit(env.now)
            yield env.timeout(lognormal(rng, 0.010, 0.050))
            yield env.timeout(lognormal(rng, 0.020, 0.120))
            if admitted:
                quota[session] = min(500, quota[session] + (1 if attempt == 1 else 5))
                stats["completed"] += 1
                return
            if attempt < 3 and quota[session] >= 5:
                quota[session] -= 5
                yield env.timeout(rng.random() * min(2 ** (attempt - 1), 20))
            else:
                stats["failed"] += 1
                return

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(RATE))
            if env.now >= sim_seconds:
                return
            stats["offered"] += 1
            env.process(upload(rng.randrange(SESSIONS)))

    env.process(arrivals())
    start = time.perf_counter()
    env.run()
    wall = time.perf_counter() - start
    stats.update(
        simulated_seconds=sim_seconds,
        wall_seconds=round(wall, 3),
        uploads_per_second=round(stats["offered"] / wall, 1),
    )
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
