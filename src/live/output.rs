//! What makes a live run's comparison valid (the harness kept up), and the names of
//! `live.json`'s format ([`crate::report::formats::live`], where its types are).

use super::harness::HarnessStats;

pub use crate::layout::LIVE_FILE;
pub use crate::report::formats::live::{LIVE_SCHEMA, LiveFile, LiveVariant};

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
