//! Running a grid: every (point, variant) pair is one independent simulation, run on all cores
//! with rayon and collected in grid order, so the output is the same whatever the thread count
//! and whatever order the runs finish in. Only the headline metrics of each run are kept.

use super::grid::Grid;
use super::row::{Headline, SweepRow};
use crate::engine::rng::stable_hash;
use crate::engine::time::{NANOS_PER_MILLI, to_secs};
use crate::model::run_variant;
use crate::prepare;
use crate::scenario::{Arrival, Override, Scenario, ScenarioError, ScenarioFile};
use rayon::prelude::*;

/// What to sweep: a scenario file, overrides applied to every point (`--set`, `--seed`), the
/// grid, and the variants to run at each point.
pub struct Sweep<'a> {
    pub file: &'a ScenarioFile,
    pub base: Vec<Override>,
    pub grid: Grid,
    pub variants: Vec<String>,
}

pub use crate::report::plausible::MAX_SHARDS;

/// A deterministic share of the grid: points `i` with `i % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` (0 ≤ I < N ≤ [`MAX_SHARDS`]).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let err = || {
            format!(
                "--shard '{}': write I/N with 0 <= I < N <= {MAX_SHARDS}, e.g. --shard 0/4",
                crate::input::clip(s, 60)
            )
        };
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let index: usize = i.trim().parse().map_err(|_| err())?;
        let count: usize = n.trim().parse().map_err(|_| err())?;
        if count == 0 || index >= count || count > MAX_SHARDS {
            return Err(err());
        }
        Ok(Shard { index, count })
    }

    pub fn owns(&self, point: usize) -> bool {
        point % self.count == self.index
    }
}

impl Sweep<'_> {
    /// The overrides of one run: the point's values after the base overrides.
    fn overrides(&self, point: usize) -> Vec<Override> {
        let mut o = self.base.clone();
        o.extend(self.grid.overrides(point));
        o
    }

    /// Checks that every point of `shard` resolves for every variant, before anything runs.
    pub fn validate(&self, shard: Shard) -> Result<(), ScenarioError> {
        for point in (0..self.grid.points()).filter(|p| shard.owns(*p)) {
            let o = self.overrides(point);
            for v in &self.variants {
                prepare::variant(self.file, Some(v), &o)?;
            }
        }
        Ok(())
    }

    /// The jobs of a shard, in output order: points ascending, variants in declared order.
    pub fn jobs(&self, shard: Shard) -> Vec<(usize, usize)> {
        (0..self.grid.points())
            .filter(|p| shard.owns(*p))
            .flat_map(|p| (0..self.variants.len()).map(move |v| (p, v)))
            .collect()
    }

    /// Runs the jobs of `shard` on the current rayon pool; `done` is called after each run.
    /// The longest runs start first (by [`weight`]), so the last run to finish is a short
    /// one and no core idles at the end; the rows come back in job order whatever the order
    /// of the runs, and the first error in job order is the one returned.
    pub fn run(
        &self,
        shard: Shard,
        done: &(dyn Fn() + Sync),
    ) -> Result<Vec<SweepRow>, ScenarioError> {
        let jobs = self.jobs(shard);
        let weights: Vec<Result<f64, ScenarioError>> = jobs
            .par_iter()
            .map(|&(point, vi)| {
                prepare::variant(self.file, Some(&self.variants[vi]), &self.overrides(point))
                    .map(|sc| weight(&sc))
            })
            .collect();
        let mut order: Vec<(f64, usize)> = Vec::with_capacity(jobs.len());
        for (i, w) in weights.into_iter().enumerate() {
            order.push((w?, i));
        }
        // Heaviest first; equal weights in job order.
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut rows: Vec<(usize, Result<SweepRow, ScenarioError>)> = order
            .into_iter()
            // Threads take the next run as they come free, in this order.
            .par_bridge()
            .map(|(_, i)| {
                let (point, vi) = jobs[i];
                let name = &self.variants[vi];
                let row =
                    prepare::variant(self.file, Some(name), &self.overrides(point)).map(|sc| {
                        let r = run_variant(name, &sc, None);
                        SweepRow {
                            point,
                            variant: name.clone(),
                            metrics: Headline::from_summary(&r.summary),
                        }
                    });
                done();
                (i, row)
            })
            .collect();
        rows.sort_unstable_by_key(|&(i, _)| i);
        rows.into_iter().map(|(_, row)| row).collect()
    }

    /// Identifies the sweep: shards are merged only when they agree on it. It covers the
    /// bksim version, the scenario text, the base overrides, the grid and the variants.
    pub fn fingerprint(&self) -> String {
        let base: Vec<String> = self
            .base
            .iter()
            .map(|o| format!("{}={}", o.path, o.value_toml()))
            .collect();
        let grid = serde_json::to_string(&self.grid).unwrap_or_default();
        let h = stable_hash(&[
            env!("CARGO_PKG_VERSION").as_bytes(),
            self.file.text().as_bytes(),
            base.join("\n").as_bytes(),
            grid.as_bytes(),
            self.variants.join("\n").as_bytes(),
        ]);
        format!("{h:016x}")
    }
}

/// A run's rough cost, only to start the longest runs first (results do not depend on it):
/// the requests its workloads offer at their peak rates over the run. A closed-loop client
/// counts as one request per think time (at least 10 ms: its own latency); a replayed log
/// counts the requests it holds.
fn weight(sc: &Scenario) -> f64 {
    let per_second: f64 = sc
        .workloads
        .iter()
        .map(|w| match &w.arrival {
            Arrival::Poisson { rate, profile } | Arrival::Constant { rate, profile } => {
                profile.peak(*rate)
            }
            Arrival::Closed { concurrency, think } => {
                *concurrency as f64 / to_secs((*think).max(10 * NANOS_PER_MILLI))
            }
        })
        .sum();
    let replayed: u64 = sc
        .traces
        .iter()
        .filter_map(|tw| tw.trace.as_ref())
        .map(|t| t.bucket_requests.iter().sum::<u64>())
        .sum();
    per_second * to_secs(sc.duration) + replayed as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_points() {
        assert_eq!(Shard::parse("1/3").unwrap(), Shard { index: 1, count: 3 });
        for bad in [
            "3/3",
            "1",
            "a/b",
            "0/0",
            "-1/2",
            "0/18446744073709551615",
            "0/10001",
        ] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Shard::parse("9999/10000").unwrap().count, MAX_SHARDS);
        assert!(Shard::parse("0/10001").unwrap_err().contains("N <= 10000"));
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        for p in 0..100 {
            assert_eq!(shards.iter().filter(|s| s.owns(p)).count(), 1);
        }
    }

    /// Offered requests at peak rates over the run: 2 open-loop workloads (one with a burst
    /// to 300/s) and a closed loop of 4 clients thinking 0.5 s, for 10 s.
    #[test]
    fn weight_counts_peak_offered_requests() {
        let text = r#"
name = "w"
duration = "10s"
[kms]
region = "eu-west-1"
[[bucket]]
name = "b"
encryption = "sse-kms"
[[workload]]
name = "steady"
bucket = "b"
op = "put"
arrival = { kind = "poisson", rate = 100 }
[[workload]]
name = "bursty"
bucket = "b"
op = "put"
arrival = { kind = "constant", rate = 50, profile = { kind = "burst", rate = 300, at = "2s", length = "1s" } }
[[workload]]
name = "loop"
bucket = "b"
op = "put"
arrival = { kind = "closed", concurrency = 4, think = "500ms" }
"#;
        let file = ScenarioFile::parse(std::path::Path::new("w.toml"), text).unwrap();
        let sc = prepare::variant(&file, None, &[]).unwrap();
        assert_eq!(weight(&sc), (100.0 + 300.0 + 8.0) * 10.0);
    }

    /// A replayed log weighs the requests it holds.
    #[test]
    fn weight_of_a_replayed_log_is_its_requests() {
        let path = std::path::Path::new("scenarios/replay-web-app.toml");
        let file = ScenarioFile::load(path).unwrap();
        let sc = prepare::variant(&file, None, &[]).unwrap();
        let trace = sc.traces[0].trace.as_ref().unwrap();
        let requests: u64 = trace.bucket_requests.iter().sum();
        assert!(requests > 1_000, "{requests}");
        assert_eq!(weight(&sc), requests as f64);
    }
}
