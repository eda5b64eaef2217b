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
//! ([`crate::report::style`]); axes whose values span orders of magnitude are logarithmic
//! and say so; legends sit in a strip below the plot. Output depends only on the loaded
//! results: the same directory gives byte-identical SVG and PNG files.

mod bars;
pub(crate) mod canvas;
pub(crate) mod common;

pub mod cloudtrail;
pub mod cost;
pub mod kms_traffic;
pub mod latency;
pub mod throttling;

use plotters::prelude::*;

use crate::report::load::LoadedRun;
use crate::report::style;
use canvas::Canvas;

/// A chart could not be drawn or encoded.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot draw chart {chart}: {message}")]
    Draw { chart: String, message: String },
    #[error("cannot encode chart {chart} as PNG: {message}")]
    Encode { chart: String, message: String },
}

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

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    KmsTraffic,
    Throttling,
    Latency(Op),
    Cost,
    CloudTrail,
}

/// A chart a results directory gets: its kind, file stem and a one-line description (alt
/// text and caption).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub kind: ChartKind,
    /// File name without extension: `kms-traffic` → `charts/kms-traffic.svg`.
    pub stem: &'static str,
    pub caption: String,
}

/// The charts for `run`, in report order. A latency chart is left out for an operation no
/// variant completed.
pub fn charts_for(run: &LoadedRun) -> Vec<Chart> {
    let mut v = vec![
        Chart {
            kind: ChartKind::KmsTraffic,
            stem: "kms-traffic",
            caption: "KMS requests per second over simulated time, per variant, against the \
                      quota; throttled calls shaded beneath each line."
                .into(),
        },
        Chart {
            kind: ChartKind::Throttling,
            stem: "throttling",
            caption: "Throttled KMS calls and S3 503 SlowDown answers per second, per variant."
                .into(),
        },
    ];
    for (op, stem) in [(Op::Put, "latency-put"), (Op::Get, "latency-get")] {
        let any = run.latency.iter().any(|l| match op {
            Op::Put => l.put.total_count > 0,
            Op::Get => l.get.total_count > 0,
        });
        if any {
            v.push(Chart {
                kind: ChartKind::Latency(op),
                stem,
                caption: format!(
                    "{} latency percentiles per variant (first send to final outcome, retries \
                     and backoff included).",
                    op.upper()
                ),
            });
        }
    }
    v.push(Chart {
        kind: ChartKind::Cost,
        stem: "cost",
        caption: "KMS cost and KMS requests per 30-day month, per variant.".into(),
    });
    v.push(Chart {
        kind: ChartKind::CloudTrail,
        stem: "cloudtrail",
        caption: "KMS CloudTrail events per day, per variant, by encryption context.".into(),
    });
    v
}

/// A chart that can be drawn on any plotters backend: what [`svg_document`] and
/// [`png_document`] render. Run charts and sweep charts ([`crate::sweep::charts`]) both draw
/// through it, so they share the canvas, the font and the encoding.
pub(crate) trait Drawing {
    fn draw<DB: DrawingBackend>(&self, root: &common::Area<DB>) -> Result<(), String>;
}

/// A run chart of `run`.
struct RunChart<'a> {
    run: &'a LoadedRun,
    kind: ChartKind,
}

impl Drawing for RunChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &common::Area<DB>) -> Result<(), String> {
        let view = common::RunView::new(self.run);
        match self.kind {
            ChartKind::KmsTraffic => kms_traffic::draw(root, &view),
            ChartKind::Throttling => throttling::draw(root, &view),
            ChartKind::Latency(op) => latency::draw(root, &view, op),
            ChartKind::Cost => cost::draw(root, &view),
            ChartKind::CloudTrail => cloudtrail::draw(root, &view),
        }
    }
}

/// Registers the font, draws `d` and presents the result.
fn draw_on<DB: DrawingBackend>(root: &common::Area<DB>, d: &impl Drawing) -> Result<(), String> {
    if !style::register_fonts() {
        return Err("the bundled font could not be loaded".into());
    }
    d.draw(root)?;
    root.present().map_err(common::e)
}

/// The chart as an SVG document (UTF-8 text, final newline), with a `<title>` for screen
/// readers.
pub fn render_svg(run: &LoadedRun, chart: &Chart) -> Result<String, ChartError> {
    svg_document(
        chart.stem,
        &format!("{}: {}", run.summary.scenario, chart.caption),
        &RunChart {
            run,
            kind: chart.kind,
        },
    )
}

/// `d` as an SVG document (UTF-8 text, final newline) titled `title` (the `<title>` element,
/// for screen readers); `stem` names the chart in errors.
pub(crate) fn svg_document(
    stem: &str,
    title: &str,
    d: &impl Drawing,
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = Canvas {
            inner: SVGBackend::with_string(&mut svg, (style::WIDTH, style::HEIGHT)),
            raster: false,
        }
        .into_drawing_area();
        draw_on(&root, d).map_err(|message| ChartError::Draw {
            chart: stem.to_string(),
            message,
        })?;
    }
    // Give the document a title (the first child of the root element).
    if let Some(end) = svg.find('>') {
        let title = format!("\n<title>{}</title>", xml_escape(title));
        svg.insert_str(end + 1, &title);
    }
    if !svg.ends_with('\n') {
        svg.push('\n');
    }
    Ok(wrap_points(&svg))
}

/// Points of a polyline or polygon per line of the SVG text.
const POINTS_PER_LINE: usize = 12;

/// Breaks long `points="…"` lists (a time series is one polyline of a thousand points) into
/// lines of [`POINTS_PER_LINE`] points, so a change to the data shows as a readable diff of
/// the committed charts rather than one changed line of 30 kB. Whitespace in `points` is
/// insignificant, so the drawing is unchanged.
fn wrap_points(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() + svg.len() / 50);
    let mut rest = svg;
    while let Some(i) = rest.find(" points=\"") {
        let start = i + " points=\"".len();
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('"') else {
            break;
        };
        let list: Vec<&str> = rest[start..start + len].split_whitespace().collect();
        for (k, chunk) in list.chunks(POINTS_PER_LINE).enumerate() {
            if k > 0 {
                out.push('\n');
            }
            out.push_str(&chunk.join(" "));
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// The chart as a PNG file (8-bit RGB).
pub fn render_png(run: &LoadedRun, chart: &Chart) -> Result<Vec<u8>, ChartError> {
    png_document(
        chart.stem,
        &RunChart {
            run,
            kind: chart.kind,
        },
    )
}

/// `d` as a PNG file (8-bit RGB); `stem` names the chart in errors.
pub(crate) fn png_document(stem: &str, d: &impl Drawing) -> Result<Vec<u8>, ChartError> {
    let (w, h) = (style::WIDTH, style::HEIGHT);
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = Canvas {
            inner: BitMapBackend::with_buffer(&mut pixels, (w, h)),
            raster: true,
        }
        .into_drawing_area();
        draw_on(&root, d).map_err(|message| ChartError::Draw {
            chart: stem.to_string(),
            message,
        })?;
    }
    let encode_err = |e: png::EncodingError| ChartError::Encode {
        chart: stem.to_string(),
        message: e.to_string(),
    };
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        enc.set_filter(png::Filter::Up);
        let mut writer = enc.write_header().map_err(encode_err)?;
        writer.write_image_data(&pixels).map_err(encode_err)?;
        writer.finish().map_err(encode_err)?;
    }
    Ok(out)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
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
            timeseries_step: 1,
            summary: SummaryFile {
                schema: crate::metrics::results::SUMMARY_SCHEMA.into(),
                bksim_version: "0.0.0-test".into(),
                scenario: "synthetic".into(),
                description: "A synthetic run for chart tests".into(),
                seed: 1,
                simulated_seconds: seconds.saturating_sub(1) as f64,
                warmup_seconds: 2.0,
                drain_limit_seconds: 60.0,
                variants,
            },
            timeseries,
            latency,
            run: None,
        }
    }

    pub(crate) fn check_svg(svg: &str, what: &str) {
        let doc = roxmltree::Document::parse(svg)
            .unwrap_or_else(|e| panic!("{what}: SVG is not well-formed XML: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{what}");
        assert_eq!(root.attribute("width"), Some("1280"), "{what}");
        assert_eq!(root.attribute("height"), Some("720"), "{what}");
        assert!(doc.descendants().any(|n| n.has_tag_name("title")), "{what}");
        assert!(
            doc.descendants().filter(|n| n.has_tag_name("text")).count() > 5,
            "{what}"
        );
    }

    pub(crate) fn check_png(png_bytes: &[u8], what: &str) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder
            .read_info()
            .unwrap_or_else(|e| panic!("{what}: PNG does not decode: {e}"));
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1280, 720), "{what}");
        assert_eq!(info.color_type, png::ColorType::Rgb, "{what}");
        let px = &buf[..info.buffer_size()];
        let colours: std::collections::HashSet<&[u8]> = px.chunks(3).collect();
        assert!(colours.len() > 10, "{what}: {} colours", colours.len());
        // Text was drawn: there are dark pixels in the title strip.
        let dark = px[..(1280 * 3 * 60)]
            .chunks(3)
            .filter(|p| p.iter().all(|c| *c < 80))
            .count();
        assert!(dark > 200, "{what}: no title text ({dark} dark pixels)");
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
                .any(|c| matches!(c.kind, ChartKind::Latency(_)))
        );
        // PNGs of the busiest one.
        for c in charts_for(&runs[1]) {
            check_png(&render_png(&runs[1], &c).unwrap(), c.stem);
        }
    }

    #[test]
    fn point_lists_are_wrapped() {
        let pts: Vec<String> = (0..30).map(|i| format!("{i},{i}")).collect();
        let svg = format!(
            "<svg>\n<polyline fill=\"none\" points=\"{}\"/>\n</svg>\n",
            pts.join(" ")
        );
        let w = wrap_points(&svg);
        assert_eq!(w.lines().count(), 5, "{w}");
        assert!(w.contains("10,10 11,11\n12,12 13,13"), "{w}");
        assert_eq!(
            w.split_whitespace().collect::<Vec<_>>(),
            svg.split_whitespace().collect::<Vec<_>>()
        );
        assert_eq!(wrap_points("<svg/>"), "<svg/>");
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
