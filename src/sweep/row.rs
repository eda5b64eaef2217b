//! The headline metrics of one (grid point, variant) run: what a sweep keeps of a run, so
//! that memory per point is a few hundred bytes whatever the run's size.

use crate::metrics::results::VariantSummary;
use serde::{Deserialize, Serialize};

/// One row of a sweep: a grid point, a variant, and its headline metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Index of the grid point (0-based, last parameter varying fastest).
    pub point: usize,
    pub variant: String,
    pub metrics: Headline,
}

/// The headline metrics of `summary.json`, flattened.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Headline {
    pub put_offered: u64,
    pub put_completed: u64,
    pub put_failed: u64,
    pub put_retries: u64,
    pub get_offered: u64,
    pub get_completed: u64,
    pub get_failed: u64,
    pub get_retries: u64,
    /// Failed requests over offered requests.
    pub failed_rate: f64,
    pub kms_requests: u64,
    pub kms_throttled: u64,
    /// Throttled KMS calls over KMS calls (0 with no calls).
    pub throttle_rate: f64,
    pub kms_peak_rps: u64,
    pub quota_rps: u64,
    pub cost_usd_per_month: f64,
    pub cloudtrail_events_per_day: f64,
    pub bucket_keys_issued: u64,
    pub bucket_keys_decrypted: u64,
    pub slowdown_kms: u64,
    pub slowdown_prefix: u64,
    /// S3 503s for prefix limits over S3 attempts.
    pub prefix_throttle_rate: f64,
    pub put_p50_ms: f64,
    pub put_p99_ms: f64,
    pub get_p50_ms: f64,
    pub get_p99_ms: f64,
}

/// Column names of [`Headline`] in CSV order.
pub const HEADLINE_COLUMNS: [&str; 26] = [
    "put_offered",
    "put_completed",
    "put_failed",
    "put_retries",
    "get_offered",
    "get_completed",
    "get_failed",
    "get_retries",
    "failed_rate",
    "kms_requests",
    "kms_throttled",
    "throttle_rate",
    "kms_peak_rps",
    "quota_rps",
    "cost_usd_per_month",
    "cloudtrail_events_per_day",
    "bucket_keys_issued",
    "bucket_keys_decrypted",
    "slowdown_kms",
    "slowdown_prefix",
    "prefix_throttle_rate",
    "put_p50_ms",
    "put_p99_ms",
    "get_p50_ms",
    "get_p99_ms",
    "p99_ms",
];

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        crate::metrics::summary::round6(a as f64 / b as f64)
    }
}

impl Headline {
    pub fn from_summary(s: &VariantSummary) -> Headline {
        let (p, g) = (&s.requests.put, &s.requests.get);
        let offered = p.offered + g.offered;
        let attempts = p.offered + g.offered + p.retries + g.retries;
        Headline {
            put_offered: p.offered,
            put_completed: p.completed,
            put_failed: p.failed,
            put_retries: p.retries,
            get_offered: g.offered,
            get_completed: g.completed,
            get_failed: g.failed,
            get_retries: g.retries,
            failed_rate: ratio(p.failed + g.failed, offered),
            kms_requests: s.kms.requests,
            kms_throttled: s.kms.throttled,
            throttle_rate: ratio(s.kms.throttled, s.kms.requests),
            kms_peak_rps: s.kms.peak_rps,
            quota_rps: s.kms.quota_rps,
            cost_usd_per_month: s.kms.cost_usd_per_month,
            cloudtrail_events_per_day: s.cloudtrail.kms_events_per_day,
            bucket_keys_issued: s.bucket_keys_issued,
            bucket_keys_decrypted: s.bucket_keys_decrypted,
            slowdown_kms: s.s3_slowdown.kms,
            slowdown_prefix: s.s3_slowdown.prefix,
            prefix_throttle_rate: ratio(s.s3_slowdown.prefix, attempts),
            put_p50_ms: s.latency_ms.put.p50,
            put_p99_ms: s.latency_ms.put.p99,
            get_p50_ms: s.latency_ms.get.p50,
            get_p99_ms: s.latency_ms.get.p99,
        }
    }

    /// The worse p99 of the operations that completed requests.
    pub fn p99_ms(&self) -> f64 {
        let mut p = 0.0f64;
        if self.put_completed > 0 {
            p = p.max(self.put_p99_ms);
        }
        if self.get_completed > 0 {
            p = p.max(self.get_p99_ms);
        }
        p
    }

    pub fn failed(&self) -> u64 {
        self.put_failed + self.get_failed
    }

    /// The values in [`HEADLINE_COLUMNS`] order, as CSV fields.
    pub fn csv_fields(&self) -> Vec<String> {
        let f = |x: f64| format!("{x}");
        vec![
            self.put_offered.to_string(),
            self.put_completed.to_string(),
            self.put_failed.to_string(),
            self.put_retries.to_string(),
            self.get_offered.to_string(),
            self.get_completed.to_string(),
            self.get_failed.to_string(),
            self.get_retries.to_string(),
            f(self.failed_rate),
            self.kms_requests.to_string(),
            self.kms_throttled.to_string(),
            f(self.throttle_rate),
            self.kms_peak_rps.to_string(),
            self.quota_rps.to_string(),
            f(self.cost_usd_per_month),
            f(self.cloudtrail_events_per_day),
            self.bucket_keys_issued.to_string(),
            self.bucket_keys_decrypted.to_string(),
            self.slowdown_kms.to_string(),
            self.slowdown_prefix.to_string(),
            f(self.prefix_throttle_rate),
            f(self.put_p50_ms),
            f(self.put_p99_ms),
            f(self.get_p50_ms),
            f(self.get_p99_ms),
            f(self.p99_ms()),
        ]
    }
}
