//! Charts of a results directory, each drawn with plotters as SVG (for reports and the
//! repository) and PNG (for slides), 1280×720, one file per chart type:
//!
//! - [`kms_traffic`]: KMS requests per second over simulated time, a line per variant, the
//!   quota as a horizontal line, throttled calls shaded beneath;
//! - [`throttling`]: throttled KMS calls and S3 503 SlowDowns per second, per variant;
//! - [`latency`]: HdrHistogram percentile curves per variant, one chart per operation that
//!   has traffic (x: 50 % … 99.999 % on the log-of-1/(1−p) scale; y: milliseconds);
//! - [`cost`]: KMS cost per 30-day month (labelled bars) and KMS requests per month;
//! - [`cloudtrail`]: KMS CloudTrail events per day by encryption context.
//!
//! Every chart's title names the scenario; the same variant has the same colour everywhere
//! ([`crate::chart::style`]); axes whose values span orders of magnitude are logarithmic
//! and say so; legends sit in a strip below the plot. Output depends only on the loaded
//! results: the same directory gives byte-identical SVG and PNG files.

mod bars;
pub(crate) mod common;

pub mod cloudtrail;
pub mod cost;
pub mod kms_traffic;
pub mod latency;
pub mod throttling;

use plotters::prelude::*;

use crate::chart::{self, Area, ChartSet, Res, chart_kinds};
use crate::report::load::LoadedRun;
use common::RunView;

/// An S3 operation with its own latency chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Put,
    Get,
}

impl Op {
    pub fn upper(self) -> &'static str {
        match self {
            Op::Put => "PUT",
            Op::Get => "GET",
        }
    }
}

chart_kinds! {
    /// Which run chart, with its file stem, in report order.
    pub enum ChartKind {
        KmsTraffic => "kms-traffic",
        Throttling => "throttling",
        LatencyPut => "latency-put",
        LatencyGet => "latency-get",
        Cost => "cost",
        CloudTrail => "cloudtrail",
    }
}

/// A chart a results directory gets: its kind, file stem and a one-line description (alt
/// text and caption).
pub type Chart = chart::Chart<ChartKind>;

/// The run charts of a results directory.
pub struct RunCharts<'a> {
    view: RunView<'a>,
}

impl<'a> RunCharts<'a> {
    pub fn new(run: &'a LoadedRun) -> RunCharts<'a> {
        RunCharts {
            view: RunView::new(run),
        }
    }
}

impl ChartSet for RunCharts<'_> {
    type Kind = ChartKind;

    fn subject(&self) -> &str {
        self.view.scenario()
    }

    /// A latency chart is left out for an operation no variant completed.
    fn caption(&self, kind: ChartKind) -> Option<String> {
        let latency = |op: Op| {
            let any = self.view.run.latency.iter().any(|l| match op {
                Op::Put => l.put.total_count > 0,
                Op::Get => l.get.total_count > 0,
            });
            any.then(|| {
                format!(
                    "{} latency percentiles per variant (first send to final outcome, retries \
                     and backoff included).",
                    op.upper()
                )
            })
        };
        match kind {
            ChartKind::KmsTraffic => Some(
                "KMS requests per second over simulated time, per variant, against the \
                 quota; throttled calls shaded beneath each line."
                    .into(),
            ),
            ChartKind::Throttling => Some(
                "Throttled KMS calls and S3 503 SlowDown answers per second, per variant.".into(),
            ),
            ChartKind::LatencyPut => latency(Op::Put),
            ChartKind::LatencyGet => latency(Op::Get),
            ChartKind::Cost => {
                Some("KMS cost and KMS requests per 30-day month, per variant.".into())
            }
            ChartKind::CloudTrail => {
                Some("KMS CloudTrail events per day, per variant, by encryption context.".into())
            }
        }
    }

    fn draw<DB: DrawingBackend>(&self, kind: ChartKind, root: &Area<DB>) -> Res<()> {
        let view = &self.view;
        match kind {
            ChartKind::KmsTraffic => kms_traffic::draw(root, view),
            ChartKind::Throttling => throttling::draw(root, view),
            ChartKind::LatencyPut => latency::draw(root, view, Op::Put),
            ChartKind::LatencyGet => latency::draw(root, view, Op::Get),
            ChartKind::Cost => cost::draw(root, view),
            ChartKind::CloudTrail => cloudtrail::draw(root, view),
        }
    }
}

/// The charts for `run`, in report order.
pub fn charts_for(run: &LoadedRun) -> Vec<Chart> {
    chart::charts(&RunCharts::new(run))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::chart::ChartError;
    use crate::chart::testing::{check_png, check_svg};
    use crate::metrics::results::{
        CloudTrailSummary, KmsSummary, LatencySummary, OpCounts, PerOp, SecondRow, Slowdown,
        VariantSummary,
    };
    use crate::report::load::{PercentileCurve, PercentilePoint, SummaryFile, VariantLatency};
    use crate::scenario::{Provenance, ValueSource};

    /// A plausible latency curve: `base` ms at the median, doubling per decade of tail.
    fn curve(count: u64, base: f64) -> PercentileCurve {
        if count == 0 {
            return PercentileCurve::default();
        }
        let mut points = vec![PercentilePoint {
            value_ms: base / 4.0,
            percentile: 0.0,
            total_count: 1,
        }];
        for k in 1..=12 {
            let p = 1.0 - 0.5f64.powi(k);
            points.push(PercentilePoint {
                value_ms: base * 2f64.powf(k as f64 / 3.3),
                percentile: p,
                total_count: (count as f64 * p) as u64,
            });
        }
        points.push(PercentilePoint {
            value_ms: base * 20.0,
            percentile: 1.0,
            total_count: count,
        });
        PercentileCurve {
            points,
            total_count: count,
            max_ms: base * 20.0,
            mean_ms: base * 1.5,
        }
    }

    /// A synthetic results directory: `names.len()` variants over `seconds` seconds; variant
    /// `i` sends `rate / (i+1)^3` KMS calls per second against a 10,000 rps quota, the first
    /// one throttled above it; GETs only when `gets`.
    pub(crate) fn synthetic(names: &[&str], seconds: u64, rate: u64, gets: bool) -> LoadedRun {
        let quota = 10_000u64;
        let mut variants = Vec::new();
        let mut timeseries = Vec::new();
        let mut latency = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let r = rate / (i as u64 + 1).pow(3);
            let throttled = r.saturating_sub(quota);
            let rows: Vec<SecondRow> = (0..seconds)
                .map(|s| {
                    let wobble = (s * 7919 + i as u64 * 31) % 97;
                    let kms = if r > 0 { r + wobble } else { 0 };
                    let thr = if throttled > 0 { throttled + wobble } else { 0 };
                    SecondRow {
                        second: s,
                        put_offered: r,
                        put_completed: r - throttled / 2,
                        put_failed: throttled / 2,
                        get_offered: if gets { r / 2 } else { 0 },
                        get_completed: if gets { r / 2 } else { 0 },
                        kms_requests: kms,
                        kms_throttled: thr,
                        generate_data_key: kms,
                        slowdown_kms: thr,
                        slowdown_prefix: if i == 1 && s % 50 == 0 { 40 } else { 0 },
                        background_requests: 0,
                        ..SecondRow::default()
                    }
                })
                .collect();
            let measured = seconds.saturating_sub(2).max(1);
            let requests = r * measured;
            let put = OpCounts {
                offered: r * measured,
                completed: (r - throttled / 2) * measured,
                failed: throttled / 2 * measured,
                retries: throttled * measured,
                no_object: 0,
                unfinished: 0,
                denied: 0,
            };
            let get = if gets {
                OpCounts {
                    offered: r / 2 * measured,
                    completed: r / 2 * measured,
                    ..OpCounts::default()
                }
            } else {
                OpCounts::default()
            };
            let lat = |c: &OpCounts, base: f64| LatencySummary {
                count: c.completed,
                p50: base,
                p90: base * 2.0,
                p99: base * 4.0,
                p999: base * 8.0,
                max: base * 20.0,
                mean: base * 1.5,
            };
            let base = 20.0 * (i as f64 + 1.0);
            variants.push(VariantSummary {
                name: name.to_string(),
                description: format!("variant {i}"),
                requests: PerOp { put, get },
                other_requests: Default::default(),
                latency_ms: PerOp {
                    put: lat(&put, base),
                    get: lat(&get, base),
                },
                kms: KmsSummary {
                    quota_rps: quota,
                    requests,
                    throttled: throttled * measured,
                    peak_rps: r + 96,
                    cost_usd: requests as f64 * 3e-6,
                    cost_usd_per_month: requests as f64 * 3e-6 * 2_592_000.0 / measured as f64,
                    keys: 1,
                    key_cost_usd_per_month: 1.0,
                    ..KmsSummary::default()
                },
                kms_regions: Vec::new(),
                replication: None,
                cloudtrail: CloudTrailSummary {
                    kms_events: requests,
                    object_arn_context: if i == 0 { requests } else { 0 },
                    bucket_arn_context: if i == 0 { 0 } else { requests },
                    client_context: 0,
                    kms_events_per_day: requests as f64 * 86_400.0 / measured as f64,
                },
                bucket_keys_issued: 0,
                bucket_keys_decrypted: 0,
                s3_slowdown: Slowdown {
                    kms: throttled * measured,
                    prefix: if i == 1 { 40 } else { 0 },
                },
                access_denied: Vec::new(),
                crypto: Default::default(),
                notes: vec![],
                parameters: vec![
                    Provenance {
                        path: "kms.quota_rps".into(),
                        value: quota.to_string(),
                        source: ValueSource::Fact {
                            reference: "aws-facts §1.1 https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html".into(),
                        },
                    },
                    Provenance {
                        path: "kms.region".into(),
                        value: "eu-west-3".into(),
                        source: ValueSource::Scenario { line: 3 },
                    },
                    Provenance {
                        path: "s3.bucket_key_ttl".into(),
                        value: "5m".into(),
                        source: ValueSource::Assumption {
                            note: "not published (aws-facts §3.1)".into(),
                        },
                    },
                ],
            });
            timeseries.push(rows);
            latency.push(VariantLatency {
                put: curve(put.completed, base),
                get: curve(get.completed, base),
            });
        }
        LoadedRun {
            live: None,
            sensitivity: None,
            timeseries_step: 1,
            summary: SummaryFile {
                schema: crate::report::formats::summary::SUMMARY_SCHEMA.into(),
                bksim_version: "0.0.0-test".into(),
                scenario: "synthetic".into(),
                description: "A synthetic run for chart tests".into(),
                seed: 1,
                simulated_seconds: seconds.saturating_sub(1) as f64,
                warmup_seconds: 2.0,
                drain_limit_seconds: 60.0,
                variants,
                expectations: Vec::new(),
                traces: Vec::new(),
            },
            timeseries,
            latency,
            run: None,
        }
    }

    fn render_svg(run: &LoadedRun, c: &Chart) -> Result<String, ChartError> {
        chart::render_svg(&RunCharts::new(run), c)
    }

    fn render_png(run: &LoadedRun, c: &Chart) -> Result<Vec<u8>, ChartError> {
        chart::render_png(&RunCharts::new(run), c)
    }

    #[test]
    fn every_chart_renders_well_formed_svg_and_decodable_png_deterministically() {
        let run = synthetic(&["per-object", "bucket-key"], 120, 15_000, true);
        let list = charts_for(&run);
        assert_eq!(
            list.iter().map(|c| c.stem).collect::<Vec<_>>(),
            [
                "kms-traffic",
                "throttling",
                "latency-put",
                "latency-get",
                "cost",
                "cloudtrail"
            ]
        );
        for c in &list {
            let svg = render_svg(&run, c).unwrap();
            check_svg(&svg, c.stem);
            assert_eq!(svg, render_svg(&run, c).unwrap(), "{}: SVG differs", c.stem);
            let png = render_png(&run, c).unwrap();
            check_png(&png, c.stem);
            assert_eq!(png, render_png(&run, c).unwrap(), "{}: PNG differs", c.stem);
        }
    }

    #[test]
    fn edge_cases_render() {
        let runs = [
            // One variant, no traffic at all.
            synthetic(&["idle"], 5, 0, false),
            // Many variants with long names (palette cycles), GETs, a prefix limit.
            synthetic(
                &[
                    "per-object-data-keys-baseline",
                    "bucket-key-with-a-rather-long-name",
                    "c",
                    "d",
                    "e",
                    "f",
                    "g",
                    "h",
                ],
                30,
                40_000,
                true,
            ),
            // Long enough to bin the time axis and use minutes.
            synthetic(&["a", "b"], 4_000, 12_000, false),
        ];
        for run in &runs {
            let list = charts_for(run);
            for c in &list {
                check_svg(&render_svg(run, c).unwrap(), c.stem);
            }
        }
        // No completed requests: no latency charts.
        assert!(
            !charts_for(&runs[0])
                .iter()
                .any(|c| matches!(c.kind, ChartKind::LatencyPut | ChartKind::LatencyGet))
        );
        // PNGs of the busiest one.
        for c in charts_for(&runs[1]) {
            check_png(&render_png(&runs[1], &c).unwrap(), c.stem);
        }
    }

    #[test]
    fn long_runs_are_binned() {
        let run = synthetic(&["a"], 4_000, 12_000, false);
        let svg = render_svg(&run, &charts_for(&run)[0]).unwrap();
        assert!(
            svg.contains("simulated time (min), mean per 3-s bin"),
            "axis label"
        );
    }
}
