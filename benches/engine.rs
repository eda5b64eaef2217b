//! Engine throughput: simulated uploads per wall-clock second for the per-object variant of a
//! quickstart-like model (Poisson 20,000 PUT/s against a 10,000 rps fixed-window quota,
//! standard retries), and the same with bucket keys. Criterion reports time per iteration;
//! the element throughput it prints is simulated uploads per second.
//!
//! Beside them, the floor: the same per-object model written by hand as a bare loop
//! (`support/bare_loop.rs`), with bksim's timing wheel or `std`'s binary heap, and bksim's
//! ChaCha8 streams or SplitMix64. It shows how fast this model can be simulated at all on the
//! machine, and what the event structure and the generator cost.

#[path = "support/bare_loop.rs"]
mod bare_loop;

use bksim::engine::queue::EventQueue;
use bksim::engine::rng::Stream;
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

fn floor(c: &mut Criterion) {
    let sc = simple(20_000.0, 10_000, 60);
    let model = run_variant("per-object", &sc, None).summary;
    let bare = bare_loop::run::<_, Stream>(&sc, EventQueue::new());
    // The same system: the share of uploads that complete, and the median latency, agree.
    let share = |done: u64, offered: u64| done as f64 / offered as f64;
    let (p, b) = (&model.requests.put, bare);
    let (model_share, bare_share) = (share(p.completed, p.offered), share(b.completed, b.offered));
    assert!(
        (model_share - bare_share).abs() < 0.01,
        "completed share: run_variant {model_share:.4}, bare loop {bare_share:.4}"
    );
    let model_median_us = model.latency_ms.put.p50 * 1000.0;
    assert!(
        (model_median_us / b.median_us as f64 - 1.0).abs() < 0.02,
        "median latency: run_variant {model_median_us} µs, bare loop {} µs",
        b.median_us
    );
    eprintln!(
        "floor: the bare loop completes {bare_share:.4} of {} uploads (run_variant {model_share:.4}), median {} µs ({model_median_us:.0} µs)",
        b.offered, b.median_us
    );

    let mut g = c.benchmark_group("floor");
    g.sample_size(10);
    g.throughput(Throughput::Elements(b.offered));
    g.bench_function("wheel+chacha8", |x| {
        x.iter(|| bare_loop::run::<_, Stream>(&sc, EventQueue::new()))
    });
    g.bench_function("wheel+splitmix64", |x| {
        x.iter(|| bare_loop::run::<_, bare_loop::SplitMix64>(&sc, EventQueue::new()))
    });
    g.bench_function("heap+chacha8", |x| {
        x.iter(|| bare_loop::run::<_, Stream>(&sc, bare_loop::Heap::default()))
    });
    g.finish();
}

criterion_group!(benches, engine, floor);
criterion_main!(benches);
