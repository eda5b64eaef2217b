//! What the report says about each variant, in plain words and independent of format: was
//! it throttled, where (which seconds, warm-up or measured period) and by what (the KMS quota
//! or S3's per-prefix request rate); the peak KMS rate against the quota and the headroom
//! left; monthly KMS cost; p99 latency; failures; and, for client-side encryption, whether
//! the clients' CPUs keep up. `report.html` and `report.md` print the
//! same sentences.
//!
//! Totals come from `summary.json` (measured period, warm-up excluded); *where* comes from
//! the per-second time series, which covers the whole run.

use crate::metrics::results::{OpCounts, SecondRow, VariantSummary};
use crate::report::load::LoadedRun;
use crate::report::table::{group, group_f64, plain_number, usd};

/// One variant's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub variant: String,
    /// Position in the scenario (its colour).
    pub index: usize,
    /// Short judgement, e.g. "Throttled by the KMS quota".
    pub headline: String,
    /// Throttled at all in the measured period (KMS or S3 prefix).
    pub throttled: bool,
    /// Nothing to worry about: not throttled, no failures, client CPUs keep up.
    pub ok: bool,
    /// Plain sentences, each ending with a full stop.
    pub sentences: Vec<String>,
}

/// The verdict of every variant, in scenario order.
pub fn verdicts(run: &LoadedRun) -> Vec<Verdict> {
    let s = &run.summary;
    let region = parameter(run, "kms.region");
    s.variants
        .iter()
        .zip(&run.timeseries)
        .enumerate()
        .map(|(i, (v, rows))| {
            verdict(
                i,
                v,
                rows,
                run.timeseries_step.max(1),
                s.warmup_seconds,
                s.simulated_seconds,
                region.as_deref(),
            )
        })
        .collect()
}

fn parameter(run: &LoadedRun, path: &str) -> Option<String> {
    run.summary
        .variants
        .iter()
        .flat_map(|v| &v.parameters)
        .find(|p| p.path == path)
        .map(|p| p.value.clone())
}

fn verdict(
    index: usize,
    v: &VariantSummary,
    rows: &[SecondRow],
    step: u64,
    warmup: f64,
    simulated: f64,
    region: Option<&str>,
) -> Verdict {
    // In time-series rows (seconds, unless the run was long enough for coarser rows).
    let warm = (warmup.ceil() as u64).div_ceil(step);
    let end = (simulated.ceil() as u64).div_ceil(step);
    let kms_secs: Vec<u64> = seconds_where(rows, step, |r| r.kms_throttled > 0);
    let prefix_secs: Vec<u64> = seconds_where(rows, step, |r| r.slowdown_prefix > 0);
    let kms_measured = v.kms.throttled > 0 || v.s3_slowdown.kms > 0;
    let prefix_measured = v.s3_slowdown.prefix > 0;
    let throttled = kms_measured || prefix_measured;

    let cpu_saturated = v.crypto.client_cpu_cores > 0 && v.crypto.client_cpu_load > 1.0;
    let mut headline = match (kms_measured, prefix_measured) {
        (true, true) => {
            "Throttled by the KMS quota and by S3's per-prefix request rate".to_string()
        }
        (true, false) => "Throttled by the KMS quota".to_string(),
        (false, true) => "Throttled by S3's per-prefix request rate, not by KMS".to_string(),
        (false, false) if !kms_secs.is_empty() || !prefix_secs.is_empty() => {
            "Throttled only during warm-up".to_string()
        }
        (false, false) => "Not throttled".to_string(),
    };

    if cpu_saturated {
        headline.push_str("; client CPUs saturated");
    }

    let mut sentences = Vec::new();

    // Where and why.
    if !kms_secs.is_empty() {
        let mut s = if v.kms.throttled > 0 {
            format!(
                "KMS rejected {} of {} calls with ThrottlingException",
                group(v.kms.throttled),
                group(v.kms.requests)
            )
        } else {
            "KMS rejected calls with ThrottlingException".to_string()
        };
        if v.kms.requests > 0 && v.kms.throttled > 0 {
            s.push_str(&format!(
                " ({})",
                pct(v.kms.throttled as f64 / v.kms.requests as f64)
            ));
        }
        s.push_str(&format!(" {}", where_text_rows(&kms_secs, warm, end, step)));
        if v.s3_slowdown.kms > 0 {
            s.push_str(&format!(
                "; S3 answered {} requests with 503 SlowDown because KMS throttled its call",
                group(v.s3_slowdown.kms)
            ));
        }
        s.push('.');
        sentences.push(s);
        sentences.extend(super::replication::throttled_regions(v));
    }
    if !prefix_secs.is_empty() {
        sentences.push(format!(
            "S3 answered {} requests with 503 SlowDown because a prefix exceeded its request \
             rate, {}.",
            group(v.s3_slowdown.prefix),
            where_text_rows(&prefix_secs, warm, end, step)
        ));
    }

    // Peak against the quota.
    let quota = v.kms.quota_rps;
    let quota_name = match region {
        Some(r) if !r.is_empty() => format!("{r}'s quota of {} requests/s", group(quota)),
        _ => format!("the quota of {} requests/s", group(quota)),
    };
    let peak = v.kms.peak_rps;
    let with_bg = v.kms.background_requests > 0;
    let account_peak = rows
        .iter()
        .filter(|r| r.second >= warm * step)
        // Rows of more than a second give their mean per second.
        .map(|r| (r.kms_requests + r.background_requests) / step)
        .max()
        .unwrap_or(0);
    let mut s = if with_bg {
        format!(
            "Peak {} KMS requests/s from this scenario, {} with other applications' calls, \
             against {quota_name}",
            group(peak),
            group(account_peak)
        )
    } else {
        format!("Peak {} KMS requests/s against {quota_name}", group(peak))
    };
    let top = if with_bg { account_peak } else { peak };
    if quota > 0 {
        let share = top as f64 / quota as f64;
        if top >= quota {
            s.push_str(&format!(": {} of the quota, no headroom", pct(share)));
        } else {
            s.push_str(&format!(
                ": {} of the quota, headroom {} requests/s ({})",
                pct(share),
                group(quota - top),
                pct(1.0 - share)
            ));
        }
    }
    s.push('.');
    sentences.push(s);
    // Several Regions: each Region's peak against its own quota instead.
    if let (Some(p), Some(last)) = (super::replication::region_peaks(v), sentences.last_mut()) {
        *last = p;
    }
    if v.kms.background_throttled > 0 {
        sentences.push(format!(
            "Other applications sharing the quota were throttled too: {} of their {} calls \
             ({}).",
            group(v.kms.background_throttled),
            group(v.kms.background_requests),
            pct(v.kms.background_throttled as f64 / v.kms.background_requests as f64)
        ));
    }

    // Failures and retries.
    let ops: Vec<(&str, &OpCounts)> = [("PUT", &v.requests.put), ("GET", &v.requests.get)]
        .into_iter()
        .filter(|(_, c)| c.offered > 0)
        .collect();
    // Requests denied by policy fail at once; the sentences about them are below.
    let failed: Vec<String> = ops
        .iter()
        .filter(|(_, c)| c.failed > c.denied)
        .map(|(op, c)| {
            let n = c.failed - c.denied;
            format!(
                "{} of {} {op}s ({})",
                group(n),
                group(c.offered),
                pct(n as f64 / c.offered as f64)
            )
        })
        .collect();
    let retries: u64 = ops.iter().map(|(_, c)| c.retries).sum();
    if !failed.is_empty() {
        sentences.push(format!(
            "{} failed after the SDK's retries ran out.",
            capitalize(&join_and(&failed))
        ));
    } else if ops.iter().any(|(_, c)| c.denied > 0) {
        // Said by the AccessDenied sentences.
    } else if !ops.is_empty() {
        if retries > 0 {
            sentences.push(format!(
                "No request failed; {} retries absorbed the throttling.",
                group(retries)
            ));
        } else {
            sentences.push("No request failed.".to_string());
        }
    }

    // Requests the drain limit cut off.
    let unfinished: Vec<String> = ops
        .iter()
        .filter(|(_, c)| c.unfinished > 0)
        .map(|(op, c)| format!("{} of {} {op}s", group(c.unfinished), group(c.offered)))
        .collect();
    if !unfinished.is_empty() {
        sentences.push(format!(
            "{} were still unfinished when the run stopped, 60 simulated seconds after its end \
             (the drain limit).",
            capitalize(&join_and(&unfinished))
        ));
    }

    let denied = crate::report::denied::sentences(v);
    if v.requests.put.denied + v.requests.get.denied > 0 {
        headline.push_str("; requests fail with AccessDenied");
    } else if v.replication.as_ref().is_some_and(|r| r.denied > 0) {
        headline.push_str("; replications fail with AccessDenied");
    }
    sentences.extend(denied);
    if let Some(s) = crate::report::old_objects::sentence(&v.kms, rows, step, warm, end) {
        sentences.push(s);
    }
    // Replicas whose ETag differs from their source's.
    sentences.extend(super::replication::etag_warning(v, simulated - warmup));

    // Client-side encryption's CPU.
    if v.crypto.client_cpu_cores > 0 {
        let cores = v.crypto.client_cpu_cores;
        let mut s = format!(
            "Client-side encryption needs {} of the {} CPU core{} each session has",
            pct(v.crypto.client_cpu_load),
            cores,
            if cores == 1 { "" } else { "s" }
        );
        if cpu_saturated {
            s.push_str(": the cores cannot keep up and requests queue for them");
        }
        s.push('.');
        sentences.push(s);
    }

    sentences.extend(super::layer::verdict_sentence(v));

    // Cost.
    let mut s = format!(
        "KMS costs {} per 30-day month in requests",
        usd(v.kms.cost_usd_per_month)
    );
    if v.kms.key_cost_usd_per_month > 0.0 {
        s.push_str(&format!(
            " plus {} for key storage",
            usd(v.kms.key_cost_usd_per_month)
        ));
    }
    s.push_str(&format!(
        "; CloudTrail records {} KMS events per day.",
        group_f64(v.cloudtrail.kms_events_per_day, 0)
    ));
    sentences.push(s);

    // Latency: of the requests that completed (failed ones have no latency).
    let lat: Vec<String> = [
        ("PUT", &v.latency_ms.put, &v.requests.put),
        ("GET", &v.latency_ms.get, &v.requests.get),
    ]
    .into_iter()
    .filter(|(_, l, _)| l.count > 0)
    .map(|(op, l, r)| {
        let of = if r.failed > 0 {
            format!(" of the {} completed {op}s", group(r.completed))
        } else {
            String::new()
        };
        format!("{op} p99{of} {} (p50 {})", ms(l.p99), ms(l.p50))
    })
    .collect();
    if !lat.is_empty() {
        sentences.push(format!(
            "Latency, retries and backoff included: {}.",
            lat.join("; ")
        ));
    }

    for n in &v.notes {
        let n = n.trim_end_matches('.');
        sentences.push(format!("Note: {n}."));
    }

    let failed_any = v.requests.put.failed > 0
        || v.requests.get.failed > 0
        || v.requests.put.unfinished > 0
        || v.requests.get.unfinished > 0;
    Verdict {
        variant: v.name.clone(),
        index,
        headline,
        throttled,
        ok: !throttled && !cpu_saturated && !failed_any,
        sentences,
    }
}

/// The rows (their index: the second, for one-second rows) where `f` holds.
fn seconds_where(rows: &[SecondRow], step: u64, f: impl Fn(&SecondRow) -> bool) -> Vec<u64> {
    rows.iter()
        .filter(|r| f(r))
        .map(|r| r.second / step)
        .collect()
}

/// Where in time, over the same window as the counts it accompanies: "in 540 of 540
/// measured seconds (60–599 s)", with the warm-up and the drain after the run mentioned
/// separately when they had some too.
#[cfg(test)]
fn where_text(secs: &[u64], warm: u64, end: u64) -> String {
    where_text_rows(secs, warm, end, 1)
}

/// [`where_text`] for rows of `step` seconds: `secs`, `warm` and `end` count rows; for
/// `step` > 1 it says "measured 60-s intervals" and gives each stretch's first and last
/// row's start in seconds.
fn where_text_rows(secs: &[u64], warm: u64, end: u64, step: u64) -> String {
    let measured: Vec<u64> = secs
        .iter()
        .copied()
        .filter(|s| *s >= warm && *s < end)
        .collect();
    let before = secs.iter().any(|s| *s < warm);
    let after = secs.iter().any(|s| *s >= end);
    let list = |secs: &[u64]| {
        let ranges = ranges(secs);
        if ranges.len() <= 3 {
            ranges
                .iter()
                .map(|&(a, b)| {
                    if a == b {
                        format!("{} s", a * step)
                    } else {
                        format!("{}–{} s", a * step, b * step)
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            format!(
                "{} separate stretches between {} s and {} s",
                ranges.len(),
                ranges[0].0 * step,
                ranges[ranges.len() - 1].1 * step
            )
        }
    };
    let mut extra = Vec::new();
    if before {
        extra.push("during warm-up");
    }
    if after {
        extra.push("while requests drained after arrivals stopped");
    }
    if measured.is_empty() {
        let all: Vec<u64> = secs.to_vec();
        return format!("only {} ({})", extra.join(" and "), list(&all));
    }
    let unit = if step == 1 {
        "seconds".to_string()
    } else {
        format!("{step}-s intervals")
    };
    let mut text = format!(
        "in {} of {} measured {unit} ({})",
        group(measured.len() as u64),
        group(end.saturating_sub(warm)),
        list(&measured)
    );
    if !extra.is_empty() {
        text.push_str(&format!(", and also {}", extra.join(" and ")));
    }
    text
}

/// Consecutive runs of seconds: `[1,2,3,7]` → `[(1,3),(7,7)]`.
fn ranges(secs: &[u64]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &s in secs {
        match out.last_mut() {
            Some((_, b)) if *b + 1 == s => *b = s,
            _ => out.push((s, s)),
        }
    }
    out
}

/// A share as the comparison table prints it: `36.5%`, `<0.1%`; `162%` from 100 % up.
fn pct(x: f64) -> String {
    let p = 100.0 * x;
    if p > 0.0 && p < 0.05 {
        "<0.1%".to_string()
    } else if p >= 100.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// Milliseconds, three significant digits: `879 ms`, `31.7 ms`, `2.49 s`, `7.3 min`.
pub(crate) fn ms(x: f64) -> String {
    if x >= 60_000.0 {
        format!("{} min", plain_number((x / 60_000.0 * 10.0).round() / 10.0))
    } else if x >= 10_000.0 {
        format!("{:.1} s", x / 1000.0)
    } else if x >= 1000.0 {
        format!("{:.2} s", x / 1000.0)
    } else if x >= 100.0 {
        format!("{x:.0} ms")
    } else if x >= 10.0 {
        format!("{x:.1} ms")
    } else {
        format!("{x:.2} ms")
    }
}

fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::tests::synthetic;

    #[test]
    fn verdicts_say_what_throttled_where_and_how_much() {
        let run = synthetic(&["per-object", "bucket-key", "quiet"], 60, 15_000, false);
        let v = verdicts(&run);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].headline, "Throttled by the KMS quota");
        assert!(v[0].throttled);
        let t0 = v[0].sentences.join(" ");
        assert!(
            t0.contains("in 57 of 57 measured seconds (2–58 s), and also during warm-up"),
            "{t0}"
        );
        assert!(
            t0.contains("eu-west-3's quota of 10,000 requests/s"),
            "{t0}"
        );
        assert!(t0.contains("no headroom"), "{t0}");
        assert!(
            t0.contains("failed after the SDK's retries ran out"),
            "{t0}"
        );
        assert!(
            t0.contains("PUT p99 of the 725,000 completed PUTs 80.0 ms"),
            "{t0}"
        );
        assert_eq!(
            v[1].headline,
            "Throttled by S3's per-prefix request rate, not by KMS"
        );
        let t1 = v[1].sentences.join(" ");
        assert!(
            t1.contains("because a prefix exceeded its request rate"),
            "{t1}"
        );
        assert!(t1.contains("headroom 8,029 requests/s (80.3%)"), "{t1}");
        assert_eq!(v[2].headline, "Not throttled");
        assert!(v[2].ok && !v[0].ok && !v[1].ok);
        assert!(v[2].sentences.iter().any(|s| s == "No request failed."));
        assert!(!v[2].sentences.iter().any(|s| s.contains("unfinished")));
    }

    #[test]
    fn unfinished_requests_are_said_and_spoil_the_verdict() {
        let mut run = synthetic(&["quiet"], 60, 1_000, false);
        run.summary.variants[0].requests.put.unfinished = 1_234;
        let v = verdicts(&run);
        assert!(!v[0].ok);
        let offered = crate::report::table::group(run.summary.variants[0].requests.put.offered);
        assert!(
            v[0].sentences.contains(&format!(
                "1,234 of {offered} PUTs were still unfinished when the run stopped, 60 \
                 simulated seconds after its end (the drain limit)."
            )),
            "{:?}",
            v[0].sentences
        );
    }

    #[test]
    fn where_and_ranges() {
        assert_eq!(ranges(&[1, 2, 3, 7]), vec![(1, 3), (7, 7)]);
        assert_eq!(
            where_text(&[0, 1, 2], 60, 600),
            "only during warm-up (0–2 s)"
        );
        assert_eq!(
            where_text(&[100, 102, 104, 106], 60, 600),
            "in 4 of 540 measured seconds (4 separate stretches between 100 s and 106 s)"
        );
        assert_eq!(
            where_text_rows(&[1, 2, 9], 1, 10, 60),
            "in 3 of 9 measured 60-s intervals (60–120 s, 540 s)"
        );
        assert_eq!(
            where_text(&(0..602).collect::<Vec<_>>(), 60, 600),
            "in 540 of 540 measured seconds (60–599 s), and also during warm-up and while \
             requests drained after arrivals stopped"
        );
    }

    #[test]
    fn number_words() {
        assert_eq!(pct(0.365), "36.5%");
        assert_eq!(pct(1.6161), "162%");
        assert_eq!(pct(0.026), "2.6%");
        assert_eq!(pct(0.0001), "<0.1%");
        assert_eq!(ms(879.103), "879 ms");
        assert_eq!(ms(31.663), "31.7 ms");
        assert_eq!(ms(2494.0), "2.49 s");
        assert_eq!(ms(436_207.0), "7.3 min");
        assert_eq!(
            join_and(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
