//! The live run beside the simulation of the same scaled scenario: KMS requests by
//! operation, throttles, completed and failed requests, and p50/p99 latency, each with its
//! difference (relative, or in percentage points for a fraction), and whether the two agree
//! within the tolerances the model is held to.

use crate::metrics::results::VariantSummary;
use serde::Serialize;

/// One compared figure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    pub metric: String,
    pub live: f64,
    pub simulated: f64,
    /// (live − simulated) / simulated, or for a fraction live − simulated in percentage
    /// points; None when the simulated value is 0 and the live one is not.
    pub difference: Option<f64>,
    /// `relative` or `points`.
    pub kind: &'static str,
}

/// The tolerances of the model-validation test (issue: KMS requests within 5 %, throttled
/// fraction within 3 points, p50 latency within 15 %).
pub const KMS_REQUESTS_TOLERANCE: f64 = 0.05;
pub const THROTTLED_POINTS_TOLERANCE: f64 = 3.0;
pub const P50_TOLERANCE: f64 = 0.15;

pub(super) fn relative(metric: &str, live: f64, simulated: f64) -> Row {
    let difference = if simulated != 0.0 {
        Some((live - simulated) / simulated)
    } else if live == 0.0 {
        Some(0.0)
    } else {
        None
    };
    Row {
        metric: metric.to_string(),
        live,
        simulated,
        difference,
        kind: "relative",
    }
}

fn fraction(metric: &str, live: f64, simulated: f64) -> Row {
    Row {
        metric: metric.to_string(),
        live: live * 100.0,
        simulated: simulated * 100.0,
        difference: Some((live - simulated) * 100.0),
        kind: "points",
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The compared figures of one variant.
pub fn rows(live: &VariantSummary, sim: &VariantSummary) -> Vec<Row> {
    let (l, s) = (&live.kms, &sim.kms);
    let mut out = vec![
        relative("kms.requests", l.requests as f64, s.requests as f64),
        relative(
            "kms.GenerateDataKey",
            l.by_operation.GenerateDataKey as f64,
            s.by_operation.GenerateDataKey as f64,
        ),
        relative(
            "kms.Decrypt",
            l.by_operation.Decrypt as f64,
            s.by_operation.Decrypt as f64,
        ),
        relative("kms.throttled", l.throttled as f64, s.throttled as f64),
        fraction(
            "kms.throttled_fraction_%",
            share(l.throttled, l.requests),
            share(s.throttled, s.requests),
        ),
    ];
    out.extend(super::cse::by_caller_rows(live, sim));
    for (op, lr, sr, ll, sl) in [
        (
            "put",
            &live.requests.put,
            &sim.requests.put,
            &live.latency_ms.put,
            &sim.latency_ms.put,
        ),
        (
            "get",
            &live.requests.get,
            &sim.requests.get,
            &live.latency_ms.get,
            &sim.latency_ms.get,
        ),
    ] {
        if lr.offered == 0 && sr.offered == 0 {
            continue;
        }
        out.push(relative(
            &format!("{op}.offered"),
            lr.offered as f64,
            sr.offered as f64,
        ));
        out.push(relative(
            &format!("{op}.completed"),
            lr.completed as f64,
            sr.completed as f64,
        ));
        out.push(relative(
            &format!("{op}.failed"),
            lr.failed as f64,
            sr.failed as f64,
        ));
        out.push(relative(&format!("{op}.p50_ms"), ll.p50, sl.p50));
        out.push(relative(&format!("{op}.p99_ms"), ll.p99, sl.p99));
    }
    out
}

/// Where the live run and the simulation disagree beyond the tolerances (empty: they agree).
pub fn disagreements(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rows {
        let tol = match r.metric.as_str() {
            "kms.requests" => KMS_REQUESTS_TOLERANCE,
            "kms.throttled_fraction_%" => THROTTLED_POINTS_TOLERANCE,
            m if m.ends_with(".p50_ms") => P50_TOLERANCE,
            _ => continue,
        };
        let ok = r.difference.is_some_and(|d| d.abs() <= tol);
        if !ok {
            out.push(format!(
                "{}: live {:.3}, simulated {:.3} (tolerance {}{})",
                r.metric,
                r.live,
                r.simulated,
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
        "{:<28} {:>14} {:>14} {:>10}\n",
        "metric", "live", "simulated", "difference"
    );
    for r in rows {
        let d = match (r.difference, r.kind) {
            (None, _) => "—".to_string(),
            (Some(d), "points") => format!("{d:+.2} pt"),
            (Some(d), _) => format!("{:+.1} %", d * 100.0),
        };
        s.push_str(&format!(
            "{:<28} {:>14} {:>14} {:>10}\n",
            r.metric,
            num(r.live),
            num(r.simulated),
            d
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

    #[test]
    fn differences_are_relative_or_in_points() {
        let r = relative("kms.requests", 105.0, 100.0);
        assert_eq!(r.difference, Some(0.05));
        assert_eq!(relative("x", 0.0, 0.0).difference, Some(0.0));
        assert_eq!(relative("x", 3.0, 0.0).difference, None);
        let f = fraction("kms.throttled_fraction_%", 0.34, 0.33);
        assert!((f.difference.unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn disagreements_name_the_metric_and_tolerance() {
        let rows = vec![
            relative("kms.requests", 106.0, 100.0),
            fraction("kms.throttled_fraction_%", 0.30, 0.32),
            relative("put.p50_ms", 30.0, 28.0),
            relative("put.p99_ms", 300.0, 100.0),
        ];
        let d = disagreements(&rows);
        assert_eq!(
            d,
            vec!["kms.requests: live 106.000, simulated 100.000 (tolerance 5 %)".to_string()]
        );
        let t = table(&rows);
        assert!(
            t.contains("kms.requests                            106            100     +6.0 %"),
            "{t}"
        );
        assert!(t.contains("-2.00 pt"), "{t}");
    }
}
