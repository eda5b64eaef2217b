//! `live.json` (schema `bksim.live.v1`): what a live run adds to the run's own files — per
//! variant, the comparison with the simulation of the same scaled scenario, whether the
//! harness kept up (and so whether the comparison is valid), and the harness's own figures.

use super::compare::Row;
use super::harness::HarnessStats;
use serde::{Deserialize, Serialize};

pub const LIVE_FILE: &str = "live.json";
pub const LIVE_SCHEMA: &str = "bksim.live.v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveFile {
    pub schema: String,
    pub scenario: String,
    pub scale: f64,
    pub duration_seconds: f64,
    pub warmup_seconds: f64,
    pub threads: usize,
    pub cpu_model: Option<String>,
    pub logical_cpus: usize,
    pub variants: Vec<LiveVariant>,
    /// This machine's envelope-encryption throughput for uploads, per mode, on the run's
    /// threads and payload size (measured after the runs).
    pub throughput: super::throughput::Throughput,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveVariant {
    pub name: String,
    /// False when the harness could not keep up with the scaled rate: the comparison is then
    /// not evidence about the model.
    pub valid: bool,
    pub invalid_because: Vec<String>,
    /// Whether live and simulated agree within the validation tolerances.
    pub agrees: bool,
    pub disagreements: Vec<String>,
    pub comparison: Vec<Row>,
    pub harness: HarnessStats,
}

/// Worst acceptable p99 lag of the harness's timer and workers: a tenth of the shortest
/// median latency the scenario models, at least 1 ms (an assumption: beyond that the
/// harness's own delay is no longer small beside what it measures).
pub fn lag_limit_us(sc: &crate::scenario::Scenario) -> u64 {
    use crate::scenario::LatencyDist;
    let median = |d: &LatencyDist| match *d {
        LatencyDist::Fixed(n) => n,
        LatencyDist::LogNormal { median, .. } => median,
        LatencyDist::Exponential { mean } => mean * 693 / 1000,
    };
    let shortest = median(&sc.kms.latency).min(median(&sc.s3.latency));
    (shortest / 10 / 1_000).max(1_000)
}

/// Why a live run's comparison is not valid (empty: it is).
pub fn invalid_because(sc: &crate::scenario::Scenario, h: &HarnessStats) -> Vec<String> {
    let limit = lag_limit_us(sc);
    let mut out = Vec::new();
    if h.dispatch_lag_us[1] > limit {
        out.push(format!(
            "the harness fell behind: p99 task start lag {} µs is over {} µs (a tenth of the shortest median latency, at least 1 ms)",
            h.dispatch_lag_us[1], limit
        ));
    }
    if h.worker_busy > 0.9 {
        out.push(format!(
            "worker threads were {:.0} % busy: the machine could not keep up with the scaled rate; lower --scale",
            h.worker_busy * 100.0
        ));
    }
    out
}
