//! Tests of the tornado charts: bar order and extent against the data, the drawn SVG's bars
//! against the same data, and byte-identical output.

use super::super::metrics::{KMS_RPS, Verdict};
use super::super::output::ParamResult;
use super::*;
use crate::chart::testing::{check_png, check_svg};

fn param(path: &str, low: f64, high: f64, flip: bool) -> ParamResult {
    let m = |v: f64| Values::from([(KMS_RPS.to_string(), v)]);
    ParamResult {
        path: path.into(),
        source: "assumption".into(),
        reason: "a test".into(),
        low: "1".into(),
        high: "2".into(),
        at_low: m(low),
        at_high: m(high),
        verdict_at_low: if flip {
            Verdict::Throttled
        } else {
            Verdict::Ok
        },
        verdict_at_high: Verdict::Ok,
        flip: None,
    }
}

/// Base 100 requests/s. Spreads: wide 80 (60..140), ttl 40 (120..80: the high end lowers
/// it), quota 40 (100..140, flips at its low), latency 0.
fn variant() -> VariantResult {
    VariantResult {
        name: "bucket key".into(),
        verdict: Verdict::Ok,
        base: Values::from([(KMS_RPS.to_string(), 100.0)]),
        parameters: vec![
            param("s3.latency", 100.0, 100.0, false),
            param("s3.bucket_key_ttl", 120.0, 80.0, false),
            param("kms.quota_rps", 100.0, 140.0, true),
            param("s3.frontend_hosts", 60.0, 140.0, false),
        ],
    }
}

#[test]
fn bars_are_ordered_by_spread_and_keep_their_values() {
    let t = Tornado::new("toy", &variant(), KMS_RPS);
    let order: Vec<&str> = t.bars.iter().map(|b| b.path.as_str()).collect();
    // Equal spreads (40) by path: kms.quota_rps before s3.bucket_key_ttl.
    assert_eq!(
        order,
        ["s3.frontend_hosts", "kms.quota_rps", "s3.bucket_key_ttl"]
    );
    assert_eq!((t.bars[0].at_low, t.bars[0].at_high), (60.0, 140.0));
    assert_eq!((t.bars[2].at_low, t.bars[2].at_high), (120.0, 80.0));
    assert!(t.bars[1].flips && !t.bars[0].flips);
    assert_eq!((t.unmoved, t.more, t.base), (1, 0, 100.0));
    assert_eq!(t.stem(), "tornado-bucket-key-kms-requests-per-s");
    assert_eq!(spread(100.0, 120.0, 80.0), 40.0);
}

#[test]
fn at_most_max_bars_are_drawn() {
    let mut v = variant();
    v.parameters = (0..20)
        .map(|i| {
            param(
                &format!("p{i:02}"),
                100.0 - i as f64,
                100.0 + i as f64,
                false,
            )
        })
        .collect();
    let t = Tornado::new("toy", &v, KMS_RPS);
    assert_eq!(t.bars.len(), MAX_BARS);
    assert_eq!(t.bars[0].path, "p19");
    // p00 moves nothing; p01..p05 move it but are beyond the first 14.
    assert_eq!((t.more, t.unmoved), (5, 1));
}

/// The bars of one colour in the SVG (legend samples, 20 px high, left out), top to bottom,
/// as (x, y, width).
fn rects(svg: &str, fill: &str) -> Vec<(i64, i64, i64)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let num = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<i64>().unwrap();
    let mut out: Vec<(i64, i64, i64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(fill))
        .filter(|n| num(n, "height") > 21)
        .map(|n| (num(&n, "x"), num(&n, "y"), num(&n, "width")))
        .collect();
    out.sort_by_key(|r| r.1);
    out
}

#[test]
fn the_drawn_bars_match_the_data() {
    let r = SensitivityResults {
        schema: super::super::output::SCHEMA.into(),
        scenario: "toy".into(),
        seed: 1,
        bisection_precision: "1/128".into(),
        variants: vec![variant()],
    };
    let files = render(&r, None, true).unwrap();
    assert_eq!(files.len(), 1);
    let f = &files[0];
    check_svg(&f.svg, &f.stem);
    check_png(&f.png, &f.stem);
    assert!(
        f.svg.contains("s3.frontend_hosts: 1 … 2"),
        "labels name the parameters"
    );
    assert!(f.svg.contains("kms.quota_rps: 1 … 2 (flips)"));
    // Low parts: hosts (60, left of base), quota none, ttl (120, right of base).
    let low = rects(&f.svg, "#0072B2");
    // High parts: hosts (140, right), quota (140, right), ttl (80, left).
    let high = rects(&f.svg, "#D55E00");
    assert_eq!(low.len(), 2, "{low:?}");
    assert_eq!(high.len(), 3, "{high:?}");
    // Every bar starts or ends at the base line.
    let base_x = low[0].0 + low[0].2;
    assert_eq!(high[0].0, base_x);
    assert_eq!(high[1].0, base_x);
    assert_eq!(low[1].0, base_x);
    assert_eq!(high[2].0 + high[2].2, base_x);
    // Extents in proportion to the values (±1 px of rounding): 40 requests/s from the base
    // for hosts and quota, 20 either side for the TTL.
    let w40 = low[0].2;
    for w in [high[0].2, high[1].2] {
        assert!((w - w40).abs() <= 1, "{w} vs {w40}");
    }
    for w in [low[1].2, high[2].2] {
        assert!((2 * w - w40).abs() <= 2, "{w} vs {w40} / 2");
    }
    // Top to bottom: hosts, quota, ttl.
    assert!(low[0].1 == high[0].1 && high[0].1 < high[1].1 && high[1].1 < low[1].1);
    assert_eq!(low[1].1, high[2].1);
    // Deterministic bytes, on any thread count.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    assert_eq!(pool.install(|| render(&r, None, true)).unwrap(), files);
}

#[test]
fn a_metric_nothing_moves_still_draws() {
    let mut v = variant();
    v.parameters.truncate(1);
    let r = SensitivityResults {
        schema: super::super::output::SCHEMA.into(),
        scenario: "toy".into(),
        seed: 1,
        bisection_precision: String::new(),
        variants: vec![v],
    };
    let f = &render(&r, Some(&[KMS_RPS, "p99_ms.put"]), false).unwrap()[0];
    check_svg(&f.svg, "empty tornado");
    assert!(f.svg.contains("No parameter moves this metric."));
    assert!(f.png.is_empty());
    assert_eq!(files(std::slice::from_ref(f)).len(), 1);
}

#[test]
fn parameter_values_are_shortened() {
    assert_eq!(compact(r#"{ median = "4ms", p99 = "20ms" }"#), "4ms median");
    assert_eq!(compact("\"1m\""), "1m");
    assert_eq!(compact("750"), "750");
    assert_eq!(metrics::describe("p99_ms.get"), "GET p99 latency (ms)");
    assert_eq!(fmt_value(400.03333), "400.033");
    assert_eq!(fmt_value(12_000.0), "12,000");
    assert_eq!(fmt_value(0.001234), "0.001234");
    assert_eq!(fmt_tick(400.02, 0.01), "400.02");
    assert_eq!(fmt_tick(12_000.0, 2_000.0), "12,000");
    assert!(is_tornado_file("tornado-a-b.png") && !is_tornado_file("cost.svg"));
}
