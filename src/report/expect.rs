//! Measured values beside the model's (`[[expect]]`): the metric paths a scenario may name
//! (derived from the summary type itself, [`metric_paths`]), each expectation compared with
//! the model's value ([`compare`]: relative error, within or out of tolerance), and the
//! "Measured vs model" section of the terminal table, `report.md` and `report.html`.
//! Everything is computed from the variants' summaries and the expectations `summary.json`
//! records, so `bksim report DIR` rebuilds the same section byte for byte.

use std::fmt::Write;

use crate::chart::format::group;
use crate::metrics::results::{OpCounts, VariantSummary};
use crate::scenario::{Expectation, Tolerance};

/// The section's title, in every output.
pub const TITLE: &str = "Measured vs model";

/// Every path to a number in a variant's block of `summary.json`, in the order of the file
/// (`requests.put.offered`, …, `kms.by_operation.Decrypt`, …): read from an empty summary
/// serialized, so that the list follows the type.
pub fn metric_paths() -> Vec<String> {
    let empty = VariantSummary {
        name: String::new(),
        description: String::new(),
        requests: Default::default(),
        // Left out of the file when zero: one request makes it appear.
        other_requests: OpCounts {
            offered: 1,
            ..Default::default()
        },
        latency_ms: Default::default(),
        kms: Default::default(),
        kms_regions: Vec::new(),
        replication: None,
        cloudtrail: Default::default(),
        bucket_keys_issued: 0,
        bucket_keys_decrypted: 0,
        s3_slowdown: Default::default(),
        access_denied: Vec::new(),
        crypto: Default::default(),
        notes: Vec::new(),
        parameters: Vec::new(),
    };
    let mut out = Vec::new();
    let value = serde_json::to_value(&empty).expect("a summary always serializes");
    leaves(&value, "", &mut out);
    out
}

fn leaves(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Number(_) => out.push(prefix.to_string()),
        serde_json::Value::Object(map) => {
            for (k, x) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(x, &path, out);
            }
        }
        _ => {}
    }
}

/// The number at `path` in `v`'s summary, if there is one. A number of [`metric_paths`] the
/// summary leaves out (a part written only when not zero, such as `other_requests`) is 0.
pub fn metric_value(v: &VariantSummary, path: &str) -> Option<f64> {
    let mut x = serde_json::to_value(v).ok()?;
    for seg in path.split('.') {
        match x.get_mut(seg) {
            Some(next) => x = next.take(),
            None => return metric_paths().iter().any(|p| p == path).then_some(0.0),
        }
    }
    x.as_f64()
}

/// Relative error of the model against the measured value, as a fraction: (model − measured)
/// / |measured|. `None` when the measured value is 0 (no relative error is defined).
pub fn relative_error(model: f64, measured: f64) -> Option<f64> {
    (measured != 0.0).then(|| (model - measured) / measured.abs())
}

/// Whether `model` is within `tol` of `measured`: |model − measured| at most pct % of
/// |measured|, or at most the absolute amount. Bounds are inclusive, to within a relative
/// 10^-9 of the values compared, so that decimal inputs on the bound (1,357.4 against 1,234
/// ± 10%) are not refused for a rounding error of the last binary digit.
pub fn within(model: f64, measured: f64, tol: Tolerance) -> bool {
    let diff = (model - measured).abs();
    let bound = match tol {
        Tolerance::Percent(p) => p * measured.abs() / 100.0,
        Tolerance::Absolute(a) => a,
    };
    let slack = 1e-9 * model.abs().max(measured.abs()).max(bound);
    diff <= bound + slack
}

/// How one expectation came out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    Within,
    Out,
    /// Its variant was not in this run (`--variant` left it out).
    NotRun,
    /// The summary has no such number (a summary from another bksim version).
    NoMetric,
}

/// One expectation beside the model's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison<'a> {
    pub expectation: &'a Expectation,
    pub model: Option<f64>,
    pub outcome: Outcome,
}

/// Each expectation, in order, with the model's value from its variant's summary.
pub fn compare<'a>(exps: &'a [Expectation], variants: &[&VariantSummary]) -> Vec<Comparison<'a>> {
    exps.iter()
        .map(|e| {
            let Some(v) = variants.iter().find(|v| v.name == e.variant) else {
                return Comparison {
                    expectation: e,
                    model: None,
                    outcome: Outcome::NotRun,
                };
            };
            match metric_value(v, &e.metric) {
                None => Comparison {
                    expectation: e,
                    model: None,
                    outcome: Outcome::NoMetric,
                },
                Some(m) => Comparison {
                    expectation: e,
                    model: Some(m),
                    outcome: if within(m, e.value, e.tolerance) {
                        Outcome::Within
                    } else {
                        Outcome::Out
                    },
                },
            }
        })
        .collect()
}

/// One line per expectation out of tolerance, for `--check`.
pub fn failures(exps: &[Expectation], variants: &[&VariantSummary]) -> Vec<String> {
    compare(exps, variants)
        .into_iter()
        .filter(|c| c.outcome == Outcome::Out)
        .map(|c| {
            let e = c.expectation;
            let model = c.model.unwrap_or(0.0);
            let err = error_text(model, e.value);
            format!(
                "[[expect]] at line {}: {} of variant {} is {} in the model, {} measured ({}), outside {}",
                e.line,
                e.metric,
                e.variant,
                number(model),
                number(e.value),
                err,
                tolerance_text(e.tolerance)
            )
        })
        .collect()
}

/// A value as the section shows it: grouped digits, at most three decimals.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        let g = group(x.abs() as u64);
        if x < 0.0 { format!("-{g}") } else { g }
    } else {
        let s = format!("{:.3}", x.abs());
        let s = s.trim_end_matches('0').trim_end_matches('.');
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let int = int
            .parse::<u64>()
            .map(group)
            .unwrap_or_else(|_| int.to_string());
        let sign = if x < 0.0 { "-" } else { "" };
        if frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }
    }
}

/// The relative error as a signed percentage with one decimal (`+5.3%`, `-50.0%`, `0%` when
/// equal), or `n/a` when the measured value is 0 and the model's is not.
pub fn error_text(model: f64, measured: f64) -> String {
    if model == measured {
        return "0%".into();
    }
    match relative_error(model, measured) {
        None => "n/a".into(),
        Some(r) => {
            let pct = r * 100.0;
            let shown = format!("{:.1}", pct.abs());
            if shown == "0.0" {
                format!("{}0.0%", if pct < 0.0 { "-" } else { "+" })
            } else {
                format!("{}{shown}%", if pct < 0.0 { "-" } else { "+" })
            }
        }
    }
}

/// `±10%` or `±1`.
pub fn tolerance_text(t: Tolerance) -> String {
    match t {
        Tolerance::Percent(p) => format!("±{}%", number(p)),
        Tolerance::Absolute(a) => format!("±{}", number(a)),
    }
}

fn outcome_text(o: Outcome) -> &'static str {
    match o {
        Outcome::Within => "within",
        Outcome::Out => "OUT",
        Outcome::NotRun => "not run",
        Outcome::NoMetric => "no such metric",
    }
}

/// The cells of one comparison: variant, metric, measured, model, error, tolerance, result.
fn cells(c: &Comparison) -> [String; 7] {
    let e = c.expectation;
    [
        e.variant.clone(),
        e.metric.clone(),
        number(e.value),
        c.model.map(number).unwrap_or_else(|| "-".into()),
        c.model
            .map(|m| error_text(m, e.value))
            .unwrap_or_else(|| "-".into()),
        tolerance_text(e.tolerance),
        outcome_text(c.outcome).into(),
    ]
}

const HEAD: [&str; 7] = [
    "variant",
    "metric",
    "measured",
    "model",
    "error",
    "tolerance",
    "result",
];

/// The terminal section (empty when there are no expectations): a heading line and an
/// aligned table, text left-aligned and numbers right-aligned.
pub fn terminal_section(exps: &[Expectation], variants: &[&VariantSummary]) -> String {
    if exps.is_empty() {
        return String::new();
    }
    let rows: Vec<[String; 7]> = compare(exps, variants).iter().map(cells).collect();
    let width: Vec<usize> = (0..7)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain(std::iter::once(HEAD[i].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |r: &[&str]| {
        let mut s = String::new();
        for (i, c) in r.iter().enumerate() {
            let w = width[i];
            if (2..6).contains(&i) {
                let _ = write!(s, "  {c:>w$}");
            } else {
                let _ = write!(s, "  {c:<w$}");
            }
        }
        s.trim_end().to_string()
    };
    let mut out = format!("\n{TITLE} ([[expect]] in the scenario; sources in report.md):\n");
    out.push_str(&line(&HEAD));
    out.push('\n');
    for r in &rows {
        let r: Vec<&str> = r.iter().map(String::as_str).collect();
        out.push_str(&line(&r));
        out.push('\n');
    }
    out
}

/// The intro sentence of the report sections.
const INTRO: &str = "Values measured on real traffic (the scenario's `[[expect]]` tables) beside \
     the model's. The error is (model − measured) / measured; a result is OUT when the model \
     is further from the measured value than the tolerance.";

/// The `report.md` section (empty when there are no expectations).
pub fn markdown_section(
    exps: &[Expectation],
    variants: &[&VariantSummary],
    cell: impl Fn(&str) -> String,
    source: impl Fn(&str) -> String,
) -> String {
    if exps.is_empty() {
        return String::new();
    }
    let mut out = format!("## {TITLE}\n\n{INTRO}\n\n");
    out.push_str("| variant | metric | measured | model | error | tolerance | result | source |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---|---|\n");
    for c in compare(exps, variants) {
        let r = cells(&c);
        let _ = write!(out, "|");
        for (i, x) in r.iter().enumerate() {
            if i == 1 {
                let _ = write!(out, " `{}` |", x.replace(['`', '|'], "'"));
            } else if i == 6 && c.outcome == Outcome::Out {
                let _ = write!(out, " **{}** |", cell(x));
            } else {
                let _ = write!(out, " {} |", cell(x));
            }
        }
        let _ = writeln!(out, " {} |", source(&c.expectation.source));
    }
    out.push('\n');
    out
}

/// The `report.html` section (empty when there are no expectations).
pub fn html_section(
    exps: &[Expectation],
    variants: &[&VariantSummary],
    esc: impl Fn(&str) -> String,
    source: impl Fn(&str) -> String,
) -> String {
    if exps.is_empty() {
        return String::new();
    }
    let mut o = format!(
        "<section id=\"expect\">\n<h2>{TITLE}</h2>\n<p>{}</p>\n<table class=\"compare expect\">\n<thead><tr>",
        esc(INTRO).replace("`[[expect]]`", "<code>[[expect]]</code>")
    );
    for (i, h) in HEAD.iter().enumerate() {
        let class = if (2..6).contains(&i) {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(o, "<th{class}>{h}</th>");
    }
    o.push_str("<th>source</th></tr></thead>\n<tbody>\n");
    for c in compare(exps, variants) {
        let r = cells(&c);
        o.push_str("<tr>");
        for (i, x) in r.iter().enumerate() {
            match i {
                1 => {
                    let _ = write!(o, "<td><code>{}</code></td>", esc(x));
                }
                2..=5 => {
                    let _ = write!(o, "<td class=\"num\">{}</td>", esc(x));
                }
                6 => {
                    // Inline styles: the page's stylesheet is the same for every run.
                    let style = match c.outcome {
                        Outcome::Within => " style=\"color:#1b6e3c\"",
                        Outcome::Out => " style=\"color:#a8300a;font-weight:bold\"",
                        _ => "",
                    };
                    let _ = write!(o, "<td class=\"result\"{style}>{}</td>", esc(x));
                }
                _ => {
                    let _ = write!(o, "<td>{}</td>", esc(x));
                }
            }
        }
        let _ = writeln!(o, "<td>{}</td></tr>", source(&c.expectation.source));
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_paths_are_the_numbers_of_a_summary() {
        let paths = metric_paths();
        for p in [
            "requests.put.offered",
            "requests.get.unfinished",
            "latency_ms.get.p99",
            "kms.requests",
            "kms.by_operation.Decrypt",
            "kms.by_operation.GenerateDataKey",
            "kms.cost_usd_per_month",
            "cloudtrail.kms_events",
            "bucket_keys_issued",
            "s3_slowdown.kms",
            "crypto.client_cpu_seconds",
            "other_requests.offered",
        ] {
            assert!(paths.iter().any(|x| x == p), "{p} missing from {paths:?}");
        }
        for p in ["name", "description", "crypto.profile", "notes", "kms"] {
            assert!(!paths.iter().any(|x| x == p), "{p} is not a number");
        }
    }

    #[test]
    fn metric_values_come_from_the_summary() {
        let run = crate::report::charts::tests::synthetic(&["a"], 5, 100, false);
        let v = &run.summary.variants[0];
        assert_eq!(metric_value(v, "kms.requests"), Some(v.kms.requests as f64));
        assert_eq!(
            metric_value(v, "latency_ms.put.p99"),
            Some(v.latency_ms.put.p99)
        );
        // Left out of the file when zero, still a metric.
        assert!(v.other_requests.is_zero());
        assert_eq!(metric_value(v, "other_requests.offered"), Some(0.0));
        assert_eq!(metric_value(v, "kms.bogus"), None);
        assert_eq!(metric_value(v, "name"), None);
    }

    #[test]
    fn errors_and_tolerances() {
        assert_eq!(relative_error(110.0, 100.0), Some(0.1));
        assert_eq!(relative_error(2.0, 4.0), Some(-0.5));
        assert_eq!(relative_error(3.0, 0.0), None);
        assert_eq!(error_text(2.0, 4.0), "-50.0%");
        assert_eq!(error_text(1053.0, 1000.0), "+5.3%");
        assert_eq!(error_text(150.0, 150.0), "0%");
        assert_eq!(error_text(1.0, 0.0), "n/a");
        assert_eq!(error_text(100_001.0, 100_000.0), "+0.0%");
        // Boundaries are inclusive, in both directions.
        assert!(within(110.0, 100.0, Tolerance::Percent(10.0)));
        assert!(within(90.0, 100.0, Tolerance::Percent(10.0)));
        assert!(!within(110.5, 100.0, Tolerance::Percent(10.0)));
        assert!(within(5.0, 4.0, Tolerance::Absolute(1.0)));
        assert!(!within(2.0, 4.0, Tolerance::Absolute(1.0)));
        assert!(within(0.0, 0.0, Tolerance::Percent(0.0)));
        assert!(!within(1.0, 0.0, Tolerance::Percent(50.0)));
        assert_eq!(tolerance_text(Tolerance::Percent(12.5)), "±12.5%");
        assert_eq!(tolerance_text(Tolerance::Absolute(1.0)), "±1");
        assert_eq!(number(1234567.0), "1,234,567");
        assert_eq!(number(1234.5678), "1,234.568");
        assert_eq!(number(0.25), "0.25");
    }
}
