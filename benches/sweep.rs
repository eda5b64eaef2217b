//! Sweep scaling: the same 16-run grid on a rayon pool of 1 and of 2 threads. The ratio of
//! the two medians is the parallel speed-up (target: at least 1.8x on 2 cores).

use bksim::scenario::ScenarioFile;
use bksim::sweep::grid::{Grid, parse_param};
use bksim::sweep::{Shard, Sweep};
use criterion::{Criterion, criterion_group, criterion_main};
use std::path::Path;

const SCENARIO: &str = r#"
name = "sweep-bench"
duration = "20s"
[kms]
region = "eu-central-1"
quota_rps = 10000
[[bucket]]
name = "b"
encryption = "sse-kms"
prefixes = 16
[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "poisson", rate = 10000 }
sessions = 10
"#;

fn sweep_scaling(c: &mut Criterion) {
    let file = ScenarioFile::parse(Path::new("bench.toml"), SCENARIO).expect("bench scenario");
    let grid = Grid::new(vec![
        parse_param("workload.w.arrival.rate=5000..20000:5000").unwrap(),
        parse_param("s3.bucket_key_ttl=1m,5m").unwrap(),
    ])
    .unwrap();
    let sweep = Sweep {
        file: &file,
        base: vec![],
        grid,
        variants: file.variants().iter().map(|v| v.name.clone()).collect(),
    };
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("threads-{threads}"), |b| {
            b.iter(|| pool.install(|| sweep.run(Shard::ALL, &|| {}).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, sweep_scaling);
criterion_main!(benches);
