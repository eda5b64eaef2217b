//! The scenario a live run plays: the validated scenario with every rate multiplied by
//! `--scale` (workload arrivals and their profiles, closed-loop concurrency, KMS quotas and
//! background calls, S3 prefix limits), its duration cut to `--duration` and its warm-up to
//! fit, and the features the harness does not run named, so they are refused up front.

use crate::engine::time::{NANOS_PER_SEC, Nanos};
use crate::mode::Mode;
use crate::scenario::{Arrival, LimiterKind, RateProfile, ReadFrom, Scenario};

/// Live duration when `--duration` is not given: the scenario's, at most this.
pub const DEFAULT_DURATION: Nanos = 30 * NANOS_PER_SEC;
/// Longest `--duration` (a live run takes that long on the clock; memory follows it).
pub const MAX_DURATION: Nanos = 3600 * NANOS_PER_SEC;
/// Warm-up when `--warmup` is not given: the scenario's, at most this share of the duration.
pub const DEFAULT_WARMUP_SHARE: f64 = 0.2;

/// Multiplies every rate of `sc` by `scale` and sets its duration and warm-up.
/// Counts that are not rates (sessions, hosts, objects, TTLs, latencies, `requests`) are kept.
pub fn scaled(sc: &Scenario, scale: f64, duration: Nanos, warmup: Option<Nanos>) -> Scenario {
    let mut s = sc.clone();
    let rate = |r: f64| r * scale;
    let count = |n: u64| ((n as f64 * scale).round() as u64).max(1);
    for w in &mut s.workloads {
        match &mut w.arrival {
            Arrival::Poisson { rate: r, profile } | Arrival::Constant { rate: r, profile } => {
                *r = rate(*r);
                scale_profile(profile, scale);
            }
            Arrival::Closed { concurrency, .. } => {
                *concurrency = count(*concurrency as u64).min(u32::MAX as u64) as u32;
            }
        }
    }
    for k in std::iter::once(&mut s.kms).chain(s.regions.iter_mut()) {
        k.quota_rps = count(k.quota_rps);
        if let LimiterKind::TokenBucket { burst } = &mut k.limiter {
            *burst = count(*burst);
        }
        k.background_rps = rate(k.background_rps);
    }
    // A replayed log offers its requests `scale` times as fast.
    for t in &mut s.traces {
        t.speed *= scale;
    }
    for p in [&mut s.s3.prefix_put_rps, &mut s.s3.prefix_get_rps] {
        if *p > 0 {
            *p = count(*p);
        }
    }
    s.duration = duration;
    s.warmup = warmup
        .unwrap_or_else(|| {
            sc.warmup
                .min((duration as f64 * DEFAULT_WARMUP_SHARE) as Nanos)
        })
        .min(duration.saturating_sub(1));
    if scale != 1.0 {
        s.notes.push(format!(
            "live: every rate ×{scale} (arrivals, closed-loop concurrency, KMS quota and background calls, S3 prefix limits); sessions, hosts, objects, TTLs and latencies unchanged"
        ));
    }
    s
}

/// The closed-loop clients of all of `sc`'s workloads together: `--scale` multiplies them, and
/// a scaled scenario must stay within [`crate::scenario::MAX_CONCURRENCY`] as a file must.
pub fn clients(sc: &Scenario) -> u64 {
    sc.workloads
        .iter()
        .map(|w| match w.arrival {
            Arrival::Closed { concurrency, .. } => concurrency as u64,
            _ => 0,
        })
        .sum()
}

fn scale_profile(p: &mut RateProfile, scale: f64) {
    match p {
        RateProfile::Flat | RateProfile::Diurnal { .. } => {}
        RateProfile::Steps { rate, .. } => rate.iter_mut().for_each(|r| *r *= scale),
        RateProfile::Ramp { to, .. } => *to *= scale,
        RateProfile::Burst { rate, .. } => *rate *= scale,
    }
}

/// What in `sc` the live harness does not run yet, one phrase each (empty: it runs).
pub fn unsupported(sc: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for w in &sc.workloads {
        let b = &sc.buckets[w.bucket];
        if w.op != crate::scenario::Op::Put
            && w.read_from == ReadFrom::Existing
            && (b.encryption == Mode::CseKms || b.client_layer.is_some())
        {
            out.push(format!(
                "workload '{}': reads of objects that were in client-side encrypted bucket '{}' before the run",
                w.name, b.name
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_that_fits_has_two_significant_digits_rounded_down() {
        let f = |offered: f64, capacity: f64| Fit { offered, capacity };
        assert_eq!(f(30_000.0, 20_994.0).scale_that_fits(1.0), 0.69);
        assert_eq!(f(30_000.0, 6_568.0).scale_that_fits(1.0), 0.21);
        assert_eq!(f(24_000.0, 688.0).scale_that_fits(1.0), 0.028);
        assert_eq!(f(100.0, 50.0).scale_that_fits(10.0), 5.0);
    }
    use crate::scenario::ScenarioFile;

    pub(crate) fn parse(text: &str) -> Scenario {
        let file = ScenarioFile::parse(std::path::Path::new("t.toml"), text).expect("parses");
        file.resolve(None, &[]).expect("valid")
    }

    #[test]
    fn rates_and_quotas_scale_counts_do_not() {
        let sc = parse(
            r#"
name = "t"
duration = "10m"
warmup = "1m"
[kms]
region = "eu-central-1"
background_rps = 100
[s3]
prefix_put_rps = 3500
[[bucket]]
name = "b"
encryption = "sse-kms"
kms_key = "arn:aws:kms:eu-central-1:111122223333:key/k"
[[workload]]
name = "w"
bucket = "b"
op = "put"
sessions = 7
arrival = { kind = "poisson", rate = 30000, profile = { kind = "burst", rate = 60000, at = "1m", length = "1m" } }
"#,
        );
        let s = scaled(&sc, 0.1, 30 * NANOS_PER_SEC, None);
        assert_eq!(s.kms.quota_rps, 2_000);
        assert_eq!(s.kms.background_rps, 10.0);
        assert_eq!(s.s3.prefix_put_rps, 350);
        let get = (sc.s3.prefix_get_rps as f64 * 0.1).round() as u64;
        assert_eq!(s.s3.prefix_get_rps, get);
        assert_eq!(s.workloads[0].sessions, 7);
        match &s.workloads[0].arrival {
            Arrival::Poisson {
                rate,
                profile: RateProfile::Burst { rate: b, .. },
            } => {
                assert_eq!((*rate, *b), (3000.0, 6000.0));
            }
            a => panic!("{a:?}"),
        }
        // 20 % of 30 s is less than the scenario's minute of warm-up.
        assert_eq!(s.duration, 30 * NANOS_PER_SEC);
        assert_eq!(s.warmup, 6 * NANOS_PER_SEC);
        assert!(s.notes.iter().any(|n| n.contains("×0.1")));
        assert!(unsupported(&s).is_empty());
    }
}

/// Share of the worker threads' time a live run may plan to use (the rest is headroom for
/// the timer thread, the operating system and bursts).
pub const UTILISATION_BUDGET: f64 = 0.5;

/// A scaled scenario's offered load against what the machine can serve live.
#[derive(Debug, Clone, Copy)]
pub struct Fit {
    /// S3 calls per second the workloads offer at their peak.
    pub offered: f64,
    /// S3 calls per second the harness's threads can serve within the budget.
    pub capacity: f64,
}

impl Fit {
    /// The largest scale (two significant digits, rounded down) at which `offered` fits.
    pub fn scale_that_fits(&self, scale: f64) -> f64 {
        two_digits_down(scale * self.capacity / self.offered.max(1e-9))
    }
}

/// `s` rounded down to two significant digits (a `--scale` to suggest: it must still fit).
pub fn two_digits_down(s: f64) -> f64 {
    let mag = 10f64.powi(s.log10().floor() as i32 - 1);
    // Written with the decimals two significant digits need (no 0.6900000000000001).
    let decimals = (-(mag.log10().round() as i32)).max(0) as usize;
    format!("{:.*}", decimals, (s / mag).floor() * mag)
        .parse()
        .unwrap_or(s)
}

/// None when `sc` fits this machine's `threads` live at the measured `costs`; else the
/// offered load and the capacity.
pub fn fits(
    sc: &Scenario,
    threads: usize,
    max_payload: u64,
    costs: &super::capacity::Costs,
) -> Option<Fit> {
    use crate::scenario::{LatencyDist, SizeDist};
    let median_ns = |d: &LatencyDist| match *d {
        LatencyDist::Fixed(n) => n,
        LatencyDist::LogNormal { median, .. } => median,
        LatencyDist::Exponential { mean } => mean,
    };
    let mut offered = 0.0;
    let mut cost_us = 0.0;
    for w in &sc.workloads {
        let size = match w.size {
            SizeDist::Fixed(n) => n,
            SizeDist::LogNormal { median, .. } => median,
        };
        let calls = if w.op == crate::scenario::Op::Put && size >= sc.s3.multipart_threshold {
            2.0 + size.div_ceil(sc.s3.multipart_part_size.max(1)) as f64
        } else if w.head == crate::scenario::HeadCall::BeforeGet {
            2.0
        } else {
            1.0
        };
        // A copy reads and writes; each replication of a written object reads and writes.
        use crate::scenario::Op;
        let writes = matches!(w.op, Op::Put | Op::Copy);
        let rules = sc
            .replication
            .iter()
            .filter(|r| writes && r.from == w.bucket);
        let calls = calls + f64::from(u8::from(w.op == Op::Copy)) + 2.0 * rules.count() as f64;
        let rate = match &w.arrival {
            Arrival::Poisson { rate, profile } | Arrival::Constant { rate, profile } => {
                profile.peak(*rate)
            }
            Arrival::Closed { concurrency, think } => {
                // Each call waits for S3 (and the data it moves), the first for KMS too.
                let transfer = sc
                    .s3
                    .transfer_rate
                    .filter(|r| *r > 0.0)
                    .map_or(0.0, |r| size as f64 / r * NANOS_PER_SEC as f64);
                let cycle = *think as f64
                    + calls * median_ns(&sc.s3.latency) as f64
                    + median_ns(&sc.kms.latency) as f64
                    + transfer;
                *concurrency as f64 * NANOS_PER_SEC as f64 / cycle.max(1e6)
            }
        };
        let bytes = size.min(max_payload) as f64;
        offered += rate * calls;
        cost_us += rate * (calls * costs.call_us + bytes * costs.byte_us);
    }
    // Replayed logs: their requests over their span, `speed` times as fast.
    for tw in &sc.traces {
        if let Some(t) = tw.trace.as_ref() {
            let span = (t.end_ns - t.start_ns).max(1) as f64 / 1e9 / tw.speed.max(1e-9);
            let rate = t.store.len() as f64 / span.max(1e-3);
            let bytes = sc.s3.multipart_part_size.min(max_payload) as f64;
            offered += rate;
            cost_us += rate * (costs.call_us + bytes * costs.byte_us);
        }
    }
    let per_call = if offered > 0.0 {
        cost_us / offered
    } else {
        0.0
    };
    let capacity = threads.max(1) as f64 * UTILISATION_BUDGET * 1e6 / per_call.max(1e-9);
    (offered > capacity).then_some(Fit { offered, capacity })
}
