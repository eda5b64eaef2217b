//! Tests of the section "What this verdict depends on": its place and order in both reports,
//! the flip values, and its absence without `sensitivity.json`.

use super::metrics::Values;
use super::output::{Flip, SCHEMA};
use super::*;

fn param(path: &str, low: f64, high: f64, at_low: Verdict) -> ParamResult {
    let m = |v: f64| Values::from([(KMS_RPS.to_string(), v)]);
    ParamResult {
        path: path.into(),
        source: "assumption".into(),
        reason: format!("why {path}"),
        low: "750".into(),
        high: "3000".into(),
        at_low: m(low),
        at_high: m(high),
        verdict_at_low: at_low,
        verdict_at_high: Verdict::Ok,
        flip: (at_low != Verdict::Ok).then(|| Flip {
            keeps: "1002".into(),
            flips: "996".into(),
            verdict: at_low,
        }),
    }
}

/// Variant "a" of the synthetic run: base 1,000 KMS requests/s; the quota flips it at its
/// low end, the hosts move the rate most, the TTL less, latency not at all.
fn results() -> SensitivityResults {
    SensitivityResults {
        schema: SCHEMA.into(),
        scenario: "synthetic".into(),
        seed: 7,
        bisection_precision: "1/128 of the distance".into(),
        variants: vec![VariantResult {
            name: "a".into(),
            verdict: Verdict::Ok,
            base: Values::from([(KMS_RPS.to_string(), 1000.0)]),
            parameters: vec![
                param("kms.quota_rps", 1000.0, 1000.0, Verdict::Throttled),
                param("s3.frontend_hosts", 100.0, 5000.0, Verdict::Ok),
                param("s3.bucket_key_ttl", 1500.0, 900.0, Verdict::Ok),
                param("kms.latency", 1000.0, 1000.0, Verdict::Ok),
            ],
        }],
    }
}

fn run(with: bool) -> crate::report::LoadedRun {
    let mut run = crate::report::charts::tests::synthetic(&["a"], 5, 100, false);
    run.sensitivity = with.then(results);
    run
}

#[test]
fn markdown_names_the_flip_first_then_the_others_by_spread() {
    let md = crate::report::markdown::report_md(&run(true), &[]);
    let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s} missing:\n{md}"));
    // After the verdicts, before the comparison.
    assert!(at("## Verdict") < at("## What this verdict depends on"));
    assert!(at("## What this verdict depends on") < at("## Comparison"));
    assert!(md.contains("to 1/128 of the distance."), "{md}");
    assert!(md.contains(
        "- `kms.quota_rps` (assumption, range 750 … 3000): at its low value 750 the verdict \
         is: KMS throttled (the SDK's retries hid it: no request failed). It flips between \
         1002 (still: no KMS throttling, no failed requests) and 996 (KMS throttled"
    ));
    assert!(md.contains("| `s3.frontend_hosts` | 750 … 3000 | 100 | 5,000 | assumption |"));
    assert!(at("| `s3.frontend_hosts`") < at("| `s3.bucket_key_ttl`"));
    // The quota is listed above, latency moves nothing: neither is in the table.
    let section = &md[at("## What this verdict depends on")..at("## Comparison")];
    assert!(!section.contains("| `kms.quota_rps`") && !section.contains("| `kms.latency`"));
    assert!(md.contains("](charts/tornado-a-kms-requests-per-s.svg)"));
}

#[test]
fn html_embeds_the_tornado_of_the_main_metric() {
    let r = run(true);
    let charts = render_charts(r.sensitivity.as_ref().unwrap(), false).unwrap();
    assert_eq!(charts.len(), 1);
    assert_eq!(charts[0].stem, "tornado-a-kms-requests-per-s");
    let html = crate::report::html::report_html(&r, &[], &charts);
    let start = html.find("<section id=\"depends\">").unwrap();
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(section.contains("<figure id=\"chart-tornado-a-kms-requests-per-s\""));
    assert!(section.contains("<svg role=\"img\" "));
    assert!(section.contains("<li><code>kms.quota_rps</code>"));
    assert!(html.find("id=\"verdict\"").unwrap() < start);
}

#[test]
fn without_sensitivity_json_there_is_no_section() {
    let md = crate::report::markdown::report_md(&run(false), &[]);
    let html = crate::report::html::report_html(&run(false), &[], &[]);
    assert!(!md.contains(TITLE) && !html.contains(TITLE));
    let mut r = results();
    r.variants[0].parameters.truncate(1);
    r.variants[0].parameters[0].verdict_at_low = Verdict::Ok;
    let md = markdown_section(Some(&r), |s| s.to_string());
    assert!(md.contains("No parameter changes this verdict within its range."));
    assert!(md.contains("No other parameter moves the KMS requests per second."));
    // Nothing to chart: no tornado.
    assert!(!md.contains("](charts/tornado-"));
    assert!(render_charts(&r, true).unwrap().is_empty());
}
