//! Engine throughput: simulated uploads per wall-clock second for the per-object variant of a
//! quickstart-like model (Poisson 20,000 PUT/s against a 10,000 rps fixed-window quota,
//! standard retries), and the same with bucket keys. Criterion reports time per iteration;
//! the element throughput it prints is simulated uploads per second.

use bksim::model::run_variant;
use bksim::model::testkit::simple;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    for (name, bucket_key) in [("per-object", false), ("bucket-key", true)] {
        let mut sc = simple(20_000.0, 10_000, 60);
        sc.buckets[0].bucket_key = bucket_key;
        let offered = run_variant(name, &sc, None).summary.requests.put.offered;
        g.throughput(Throughput::Elements(offered));
        g.bench_function(name, |b| b.iter(|| run_variant(name, &sc, None)));
    }
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
