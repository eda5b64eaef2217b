//! The metrics a sensitivity analysis reports for each run, and the run's verdict.

use crate::metrics::results::VariantSummary;
use crate::metrics::summary::round6;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Metric values by name.
pub type Values = BTreeMap<String, f64>;

/// KMS calls per second over the measured window (after warm-up).
pub const KMS_RPS: &str = "kms_requests_per_s";

/// Every metric name, as `--metric` accepts them.
pub const NAMES: &[&str] = &[
    KMS_RPS,
    "kms_peak_over_quota",
    "kms_throttled_fraction",
    "kms_cost_per_month_usd",
    "failed_fraction.put",
    "failed_fraction.get",
    "p99_ms.put",
    "p99_ms.get",
];

/// What a run's outcome means for a design review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No KMS call throttled and no request failed.
    Ok,
    /// Some KMS calls throttled (the SDK's retries hid them: no request failed).
    Throttled,
    /// Some requests failed.
    Failures,
}

/// One run's metrics and verdict.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub values: Values,
    pub verdict: Verdict,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        round6(a as f64 / b as f64)
    }
}

/// The metrics of one variant's summary; `sc` gives the measured window.
pub fn of(s: &VariantSummary, sc: &Scenario) -> Metrics {
    let measured = crate::engine::time::to_secs(sc.duration.saturating_sub(sc.warmup));
    let k = &s.kms;
    let mut v = Values::new();
    let rps = if measured > 0.0 {
        k.requests as f64 / measured
    } else {
        0.0
    };
    v.insert(KMS_RPS.into(), round6(rps));
    v.insert("kms_peak_over_quota".into(), ratio(k.peak_rps, k.quota_rps));
    v.insert(
        "kms_throttled_fraction".into(),
        ratio(k.throttled, k.requests),
    );
    v.insert(
        "kms_cost_per_month_usd".into(),
        round6(k.cost_usd_per_month),
    );
    for (op, c, l) in [
        ("put", &s.requests.put, &s.latency_ms.put),
        ("get", &s.requests.get, &s.latency_ms.get),
    ] {
        v.insert(format!("failed_fraction.{op}"), ratio(c.failed, c.offered));
        v.insert(format!("p99_ms.{op}"), round6(l.p99));
    }
    let failed = s.requests.put.failed + s.requests.get.failed;
    let verdict = if failed > 0 {
        Verdict::Failures
    } else if k.throttled > 0 {
        Verdict::Throttled
    } else {
        Verdict::Ok
    };
    Metrics { values: v, verdict }
}

/// What a metric measures, as an axis or a sentence names it.
pub fn describe(name: &str) -> String {
    let op = |s: &str| s.to_uppercase();
    match name.split_once('.') {
        Some(("failed_fraction", o)) => format!("share of {}s failed", op(o)),
        Some(("p99_ms", o)) => format!("{} p99 latency (ms)", op(o)),
        _ => match name {
            KMS_RPS => "KMS requests per second".into(),
            "kms_peak_over_quota" => "KMS peak second / quota".into(),
            "kms_throttled_fraction" => "share of KMS calls throttled".into(),
            "kms_cost_per_month_usd" => "KMS cost per month (USD)".into(),
            other => other.into(),
        },
    }
}
