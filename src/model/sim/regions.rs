//! The KMS of each Region in use: its quota, latency and background traffic
//! ([`super::super::kms::Kms`]) and what the run's calls did to it (requests, throttles, the
//! busiest second), for the per-Region summary. A KMS call goes to the Region of the bucket it
//! serves ([`super::kms_calls::KmsCalls`]).

use super::super::kms::Kms;
use crate::engine::time::{NANOS_PER_SEC, Nanos};
use crate::metrics::collector::KmsOpKind;
use crate::scenario::Scenario;

/// What one Region's KMS saw from the run (calls made for requests first sent in the
/// measured window, as the totals count them).
#[derive(Debug, Default, Clone)]
pub struct RegionCounts {
    pub requests: u64,
    pub throttled: u64,
    pub generate_data_key: u64,
    pub decrypt: u64,
    pub encrypt: u64,
    /// Of `requests`, those the replication role made.
    pub replication: u64,
    pub background_requests: u64,
    pub background_throttled: u64,
    /// Highest number of the run's calls in one whole second of the measured window.
    pub peak_rps: u64,
    second: u64,
    in_second: u64,
}

impl RegionCounts {
    /// A call at `t`; `measured`: its request was first sent in the measured window; the
    /// peak counts whole seconds of [`warmup`, `end`).
    #[inline]
    pub(crate) fn call(&mut self, t: Nanos, op: KmsOpKind, throttled: bool, measured: bool) {
        let s = t / NANOS_PER_SEC + 1;
        if s != self.second {
            self.second = s;
            self.in_second = 0;
        }
        self.in_second += 1;
        if !measured {
            return;
        }
        self.requests += 1;
        self.throttled += throttled as u64;
        match op {
            KmsOpKind::GenerateDataKey => self.generate_data_key += 1,
            KmsOpKind::Decrypt => self.decrypt += 1,
            KmsOpKind::Encrypt => self.encrypt += 1,
        }
    }

    /// Counts the current second (`second` is 1-based, 0: none yet) towards the peak if it
    /// lies whole in [warmup, end).
    fn close(&mut self, warmup: Nanos, end: Nanos) {
        if self.second == 0 {
            return;
        }
        let start = (self.second - 1) * NANOS_PER_SEC;
        if start >= warmup && start.saturating_add(NANOS_PER_SEC) <= end {
            self.peak_rps = self.peak_rps.max(self.in_second);
        }
    }
}

/// The KMS configuration of every Region, by index: `kms` itself for the first (so that a
/// change to `sc.kms` is the first Region's), then the others of [`Scenario::regions`].
fn configs(sc: &Scenario) -> impl Iterator<Item = &crate::scenario::KmsConfig> {
    std::iter::once(&sc.kms).chain(sc.regions.iter().skip(1))
}

/// Every Region's KMS and counts, by index in [`Scenario::regions`].
pub(crate) struct Regions {
    pub(crate) kms: Vec<Kms>,
    pub(crate) counts: Vec<RegionCounts>,
    /// Bucket index → Region index.
    pub(crate) of_bucket: Vec<u32>,
    warmup: Nanos,
    end: Nanos,
}

impl Regions {
    pub(crate) fn new(sc: &Scenario) -> Regions {
        let kms = configs(sc)
            .enumerate()
            .map(|(i, cfg)| {
                // The first Region keeps the streams single-Region runs always had.
                let streams = if i == 0 {
                    "kms".to_string()
                } else {
                    format!("kms/{}", cfg.region)
                };
                Kms::named(cfg, sc.seed, &streams)
            })
            .collect::<Vec<_>>();
        Regions {
            counts: vec![RegionCounts::default(); kms.len()],
            kms,
            of_bucket: sc.buckets.iter().map(|b| b.region).collect(),
            warmup: sc.warmup,
            end: sc.duration,
        }
    }

    /// Before a call to Region `region` at `t`: closes the Region's previous second (towards
    /// its peak) when `t` starts a new one.
    #[inline]
    pub(crate) fn before_call(&mut self, region: usize, t: Nanos) {
        let c = &mut self.counts[region];
        if t / NANOS_PER_SEC + 1 != c.second {
            c.close(self.warmup, self.end);
        }
    }

    /// At the end of the run: closes every Region's last second.
    pub(crate) fn finish(&mut self) {
        let (w, e) = (self.warmup, self.end);
        for c in &mut self.counts {
            c.close(w, e);
        }
    }
}

/// The per-Region summary (empty for a single-Region run without replication, whose outputs
/// stay as they were), and the totals' request cost and monthly cost: the sum over Regions,
/// each at its own price, with the free tier (all Regions together, aws-facts §2) subtracted
/// from the total at `kms.price_per_10k` when `kms.free_tier` is on.
pub fn summaries(
    sc: &Scenario,
    counts: &[RegionCounts],
    measured_seconds: f64,
) -> (Vec<crate::metrics::results::RegionSummary>, f64, f64) {
    use super::super::kms::{FREE_TIER_REQUESTS_PER_MONTH, monthly_cost, request_cost};
    use crate::metrics::results::{ByOperation, RegionSummary};
    use crate::metrics::summary::round6;
    let mut out = Vec::new();
    let (mut cost, mut monthly, mut served_total) = (0.0, 0.0, 0u64);
    for (cfg, c) in configs(sc).zip(counts) {
        let served = c.requests - c.throttled;
        served_total += served;
        let r_cost = request_cost(served as f64, cfg.price_per_10k);
        let r_month = monthly_cost(served, measured_seconds, cfg.price_per_10k, false);
        cost += r_cost;
        monthly += r_month;
        out.push(RegionSummary {
            region: cfg.region.clone(),
            quota_rps: cfg.quota_rps,
            requests: c.requests,
            throttled: c.throttled,
            by_operation: ByOperation {
                GenerateDataKey: c.generate_data_key,
                Decrypt: c.decrypt,
                Encrypt: c.encrypt,
            },
            replication_requests: c.replication,
            peak_rps: c.peak_rps,
            background_requests: c.background_requests,
            background_throttled: c.background_throttled,
            cost_usd: round6(r_cost),
            cost_usd_per_month: round6(r_month),
        });
    }
    if sc.kms.free_tier && measured_seconds > 0.0 {
        let per_month =
            served_total as f64 * super::super::kms::SECONDS_PER_MONTH / measured_seconds;
        monthly -= request_cost(
            per_month.min(FREE_TIER_REQUESTS_PER_MONTH),
            sc.kms.price_per_10k,
        );
        monthly = monthly.max(0.0);
    }
    if out.len() < 2 && sc.replication.is_empty() {
        out.clear();
    }
    (out, cost, monthly)
}
