//! The live run beside the simulation of the same scaled scenario: KMS requests by
//! operation, throttles, completed and failed requests, and p50/p99 latency, each with its
//! difference (relative, or in percentage points for a fraction), and whether the two agree
//! within the tolerances the model is held to.

use crate::metrics::results::VariantSummary;
pub use crate::report::formats::live::Row;

pub use crate::report::formats::live::SIM_SEEDS;

/// The tolerances of the model-validation test (issue: KMS requests within 5 %, throttled
/// fraction within 3 points, p50 latency within 15 %).
pub const KMS_REQUESTS_TOLERANCE: f64 = 0.05;
pub const THROTTLED_POINTS_TOLERANCE: f64 = 3.0;
pub const P50_TOLERANCE: f64 = 0.15;

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

type Metric = (&'static str, bool, fn(&VariantSummary) -> f64);

/// The compared metrics: name, whether it is a fraction (shown in percent, compared in
/// points), and how to read it from a summary.
const KMS_METRICS: [Metric; 5] = [
    ("kms.requests", false, |v| v.kms.requests as f64),
    ("kms.GenerateDataKey", false, |v| {
        v.kms.by_operation.GenerateDataKey as f64
    }),
    ("kms.Decrypt", false, |v| v.kms.by_operation.Decrypt as f64),
    ("kms.throttled", false, |v| v.kms.throttled as f64),
    ("kms.throttled_fraction_%", true, |v| {
        share(v.kms.throttled, v.kms.requests)
    }),
];

/// Encrypt (replicas of SSE-KMS objects), when either side has some.
const ENCRYPT: Metric = ("kms.Encrypt", false, |v| v.kms.by_operation.Encrypt as f64);

/// Replication, when the scenario has rules.
const REPLICATION_METRICS: [Metric; 3] = [
    ("replication.replicas", false, |v| {
        v.replication.as_ref().map_or(0.0, |r| r.replicas as f64)
    }),
    ("replication.kms_requests", false, |v| {
        v.replication
            .as_ref()
            .map_or(0.0, |r| r.kms_requests as f64)
    }),
    ("replication.etag_different", false, |v| {
        v.replication
            .as_ref()
            .map_or(0.0, |r| r.etag_different as f64)
    }),
];

/// The client's CPU seconds (client-side encryption).
const CLIENT_CPU: Metric = ("client.cpu_seconds", false, |v| v.crypto.client_cpu_seconds);

/// KMS calls by caller, when a bucket has a client-side layer over its server-side mode.
const BY_CALLER_METRICS: [Metric; 6] = [
    ("kms.s3.GenerateDataKey", false, |v| {
        v.kms
            .by_caller
            .as_ref()
            .map_or(0.0, |c| c.s3.GenerateDataKey as f64)
    }),
    ("kms.s3.Decrypt", false, |v| {
        v.kms
            .by_caller
            .as_ref()
            .map_or(0.0, |c| c.s3.Decrypt as f64)
    }),
    ("kms.s3.throttled", false, |v| {
        v.kms
            .by_caller
            .as_ref()
            .map_or(0.0, |c| c.s3.throttled as f64)
    }),
    ("kms.client.GenerateDataKey", false, |v| {
        v.kms
            .by_caller
            .as_ref()
            .map_or(0.0, |c| c.client.GenerateDataKey as f64)
    }),
    ("kms.client.Decrypt", false, |v| {
        v.kms
            .by_caller
            .as_ref()
            .map_or(0.0, |c| c.client.Decrypt as f64)
    }),
    ("kms.client.throttled", false, |v| {
        v.kms
            .by_caller
            .as_ref()
            .map_or(0.0, |c| c.client.throttled as f64)
    }),
];

const PUT_METRICS: [Metric; 5] = [
    ("put.offered", false, |v| v.requests.put.offered as f64),
    ("put.completed", false, |v| v.requests.put.completed as f64),
    ("put.failed", false, |v| v.requests.put.failed as f64),
    ("put.p50_ms", false, |v| v.latency_ms.put.p50),
    ("put.p99_ms", false, |v| v.latency_ms.put.p99),
];

const GET_METRICS: [Metric; 5] = [
    ("get.offered", false, |v| v.requests.get.offered as f64),
    ("get.completed", false, |v| v.requests.get.completed as f64),
    ("get.failed", false, |v| v.requests.get.failed as f64),
    ("get.p50_ms", false, |v| v.latency_ms.get.p50),
    ("get.p99_ms", false, |v| v.latency_ms.get.p99),
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn row(m: &Metric, live: &VariantSummary, sims: &[VariantSummary]) -> Row {
    let (name, fraction, get) = *m;
    let k = if fraction { 100.0 } else { 1.0 };
    let values: Vec<f64> = sims.iter().map(|s| get(s) * k).collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let simulated = median(values);
    let live = get(live) * k;
    let difference = if fraction {
        Some(live - simulated)
    } else if simulated != 0.0 {
        Some((live - simulated) / simulated)
    } else if live == 0.0 {
        Some(0.0)
    } else {
        None
    };
    Row {
        metric: name.to_string(),
        live,
        simulated,
        simulated_range: if sims.is_empty() { [0.0; 2] } else { [lo, hi] },
        difference,
        kind: if fraction { "points" } else { "relative" }.to_string(),
    }
}

/// The compared figures of one variant: the live run against the simulations of the same
/// scaled scenario (one per seed).
pub fn rows(live: &VariantSummary, sims: &[VariantSummary]) -> Vec<Row> {
    let mut out: Vec<Row> = KMS_METRICS.iter().map(|m| row(m, live, sims)).collect();
    let all = || std::iter::once(live).chain(sims);
    if all().any(|v| v.kms.by_operation.Encrypt > 0) {
        out.insert(3, row(&ENCRYPT, live, sims));
    }
    if all().any(|v| v.replication.is_some()) {
        out.extend(REPLICATION_METRICS.iter().map(|m| row(m, live, sims)));
    }
    // Client-side encryption: the client's CPU, and the calls by caller when layered.
    if all().any(|v| v.crypto.client_cpu_seconds > 0.0) {
        out.push(row(&CLIENT_CPU, live, sims));
    }
    if all().any(|v| v.kms.by_caller.is_some()) {
        out.extend(BY_CALLER_METRICS.iter().map(|m| row(m, live, sims)));
    }
    for (metrics, offered) in [
        (
            &PUT_METRICS,
            live.requests.put.offered + sims.iter().map(|s| s.requests.put.offered).sum::<u64>(),
        ),
        (
            &GET_METRICS,
            live.requests.get.offered + sims.iter().map(|s| s.requests.get.offered).sum::<u64>(),
        ),
    ] {
        if offered > 0 {
            out.extend(metrics.iter().map(|m| row(m, live, sims)));
        }
    }
    out
}

/// Where the live run and the simulation disagree beyond the tolerances and beyond the
/// simulation's own spread over its seeds (empty: they agree).
pub fn disagreements(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rows {
        let tol = match r.metric.as_str() {
            "kms.requests" => KMS_REQUESTS_TOLERANCE,
            "kms.throttled_fraction_%" => THROTTLED_POINTS_TOLERANCE,
            m if m.ends_with(".p50_ms") => P50_TOLERANCE,
            _ => continue,
        };
        // Within the tolerance of the simulated median, or within the simulation's own
        // spread over its seeds (small counts, such as a dozen bucket keys, move by more than
        // 5 % from one seed to the next).
        let [lo, hi] = r.simulated_range;
        let ok = r.difference.is_some_and(|d| d.abs() <= tol) || (lo..=hi).contains(&r.live);
        if !ok {
            out.push(format!(
                "{}: live {:.3}, simulated {:.3}, {:.3} to {:.3} over the seeds (tolerance {}{})",
                r.metric,
                r.live,
                r.simulated,
                lo,
                hi,
                if r.kind == "points" { tol } else { tol * 100.0 },
                if r.kind == "points" { " points" } else { " %" }
            ));
        }
    }
    out
}

/// The rows as a plain-text table.
pub fn table(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<28} {:>12} {:>12} {:>10}   {}\n",
        "metric",
        "live",
        "simulated",
        "difference",
        format_args!("simulated over {SIM_SEEDS} seeds")
    );
    for r in rows {
        let d = match (r.difference, r.kind.as_str()) {
            (None, _) => "—".to_string(),
            (Some(d), "points") => format!("{d:+.2} pt"),
            (Some(d), _) => format!("{:+.1} %", d * 100.0),
        };
        s.push_str(&format!(
            "{:<28} {:>12} {:>12} {:>10}   {} to {}\n",
            r.metric,
            num(r.live),
            num(r.simulated),
            d,
            num(r.simulated_range[0]),
            num(r.simulated_range[1])
        ));
    }
    s
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(requests: u64, throttled: u64, p50: f64) -> VariantSummary {
        let mut v = VariantSummary::default();
        v.kms.requests = requests;
        v.kms.throttled = throttled;
        v.requests.put.offered = 10;
        v.latency_ms.put.p50 = p50;
        v
    }

    #[test]
    fn live_is_compared_with_the_median_of_the_seeds() {
        let sims = [
            summary(100, 30, 20.0),
            summary(90, 36, 30.0),
            summary(120, 30, 25.0),
        ];
        let r = rows(&summary(106, 35, 27.5), &sims);
        let r_out = rows(&summary(126, 45, 27.5), &sims);
        let get = |m: &str| r.iter().find(|x| x.metric == m).unwrap().clone();
        let k = get("kms.requests");
        assert_eq!((k.simulated, k.simulated_range), (100.0, [90.0, 120.0]));
        assert!((k.difference.unwrap() - 0.06).abs() < 1e-12);
        // Fractions in percent, differences in points: live 35/106, simulated median of
        // 30 %, 40 %, 25 %.
        let t = get("kms.throttled_fraction_%");
        assert!((t.simulated - 30.0).abs() < 1e-9, "{t:?}");
        assert!((t.difference.unwrap() - (3500.0 / 106.0 - 30.0)).abs() < 1e-9);
        assert!((get("put.p50_ms").difference.unwrap() - 0.1).abs() < 1e-12);
        // No GET traffic anywhere: no GET rows.
        assert!(r.iter().all(|x| !x.metric.starts_with("get.")));
        // 106 is 6 % over the median but inside the seeds' 90 to 120, and the throttled
        // fraction 3.02 points over it but inside their 25 % to 40 %: no disagreement. 126
        // requests are out of the seeds' range; 45 of them throttled (35.7 %) are not.
        assert!(disagreements(&r).is_empty(), "{:?}", disagreements(&r));
        assert_eq!(
            disagreements(&r_out),
            vec![
                "kms.requests: live 126.000, simulated 100.000, 90.000 to 120.000 over the seeds (tolerance 5 %)".to_string(),
            ]
        );
        let t = table(&r);
        assert!(t.contains("kms.requests"), "{t}");
        assert!(t.contains("+6.0 %"), "{t}");
        assert!(t.contains("+3.02 pt"), "{t}");
    }

    #[test]
    fn a_zero_simulated_value_has_no_relative_difference() {
        let r = rows(&summary(3, 0, 1.0), &[summary(0, 0, 1.0)]);
        assert_eq!(r[0].difference, None);
        let r = rows(&summary(0, 0, 1.0), &[summary(0, 0, 1.0)]);
        assert_eq!(r[0].difference, Some(0.0));
    }
}
