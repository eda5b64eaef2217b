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
mod canvas;
mod common;

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

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    run: &LoadedRun,
    kind: ChartKind,
) -> Result<(), String> {
    if !style::register_fonts() {
        return Err("the bundled font could not be loaded".into());
    }
    let view = common::RunView::new(run);
    match kind {
        ChartKind::KmsTraffic => kms_traffic::draw(root, &view),
        ChartKind::Throttling => throttling::draw(root, &view),
        ChartKind::Latency(op) => latency::draw(root, &view, op),
        ChartKind::Cost => cost::draw(root, &view),
        ChartKind::CloudTrail => cloudtrail::draw(root, &view),
    }?;
    root.present().map_err(common::e)
}

/// The chart as an SVG document (UTF-8 text, final newline), with a `<title>` for screen
/// readers.
pub fn render_svg(run: &LoadedRun, chart: &Chart) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = Canvas {
            inner: SVGBackend::with_string(&mut svg, (style::WIDTH, style::HEIGHT)),
            raster: false,
        }
        .into_drawing_area();
        draw(&root, run, chart.kind).map_err(|message| ChartError::Draw {
            chart: chart.stem.to_string(),
            message,
        })?;
    }
    // Give the document a title (the first child of the root element).
    if let Some(end) = svg.find('>') {
        let title = format!(
            "\n<title>{}</title>",
            xml_escape(&format!("{}: {}", run.summary.scenario, chart.caption))
        );
        svg.insert_str(end + 1, &title);
    }
    if !svg.ends_with('\n') {
        svg.push('\n');
    }
    Ok(svg)
}

/// The chart as a PNG file (8-bit RGB).
pub fn render_png(run: &LoadedRun, chart: &Chart) -> Result<Vec<u8>, ChartError> {
    let (w, h) = (style::WIDTH, style::HEIGHT);
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = Canvas {
            inner: BitMapBackend::with_buffer(&mut pixels, (w, h)),
            raster: true,
        }
        .into_drawing_area();
        draw(&root, run, chart.kind).map_err(|message| ChartError::Draw {
            chart: chart.stem.to_string(),
            message,
        })?;
    }
    let encode_err = |e: png::EncodingError| ChartError::Encode {
        chart: chart.stem.to_string(),
        message: e.to_string(),
    };
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Balanced);
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
