//! Charts of a sweep, each drawn as SVG and PNG (1280×720) into `<out>/charts/` with the run
//! charts' machinery ([`crate::report::charts`]: canvas, bundled font, frame, scales,
//! variant colours), one file per chart type:
//!
//! - [`throttle`]: KMS throttle rate against the first swept parameter;
//! - [`cost`]: KMS cost per month against it;
//! - [`latency`]: p99 latency against it;
//! - [`heatmap`]: throttle rate over a two-parameter grid, one heatmap per variant.
//!
//! The line charts draw a line per variant (its colour in the run charts) and one panel per
//! value of the second parameter, if any (small multiples sharing the y axis; with three or
//! more parameters the others are held at their first value and the subtitle says so). The
//! x axis is linear, logarithmic (geometric values) or categorical (values that are not
//! numbers, in their listed order), decided from the values ([`view`]). Output depends only
//! on the [`SweepResults`]: `bksim sweep` and `bksim merge` of the same grid write
//! byte-identical charts.

pub mod cost;
pub mod heatmap;
pub mod latency;
mod lines;
mod panels;
pub mod throttle;
mod view;

use plotters::prelude::*;

use crate::report::charts::common::Area;
use crate::report::charts::{ChartError, Drawing, png_document, svg_document};
use crate::sweep::output::SweepResults;

/// Directory of the chart files, relative to the sweep's output directory.
pub const CHARTS_DIR: &str = "charts";

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepChartKind {
    ThrottleRate,
    Cost,
    P99,
    Heatmap,
}

/// A chart a sweep gets: its kind, file stem and a one-line description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepChart {
    pub kind: SweepChartKind,
    /// File name without extension: `throttle-rate` → `charts/throttle-rate.svg`.
    pub stem: &'static str,
    pub caption: String,
}

/// Every chart file stem a sweep may have (to remove those a new sweep no longer has).
pub const ALL_STEMS: [&str; 4] = ["throttle-rate", "cost", "p99-latency", "throttle-heatmap"];

/// The charts of `r`: the three line charts, and the heatmap when exactly two parameters
/// were swept.
pub fn charts_for(r: &SweepResults) -> Vec<SweepChart> {
    let params = &r.header.grid.params;
    let Some(first) = params.first() else {
        return Vec::new();
    };
    let panels = match params.get(1) {
        Some(p) => format!(", one panel per value of {}", p.path),
        None => String::new(),
    };
    let line = |what: &str| format!("{what} against {}, per variant{panels}.", first.path);
    let mut v = vec![
        SweepChart {
            kind: SweepChartKind::ThrottleRate,
            stem: "throttle-rate",
            caption: line("KMS throttle rate"),
        },
        SweepChart {
            kind: SweepChartKind::Cost,
            stem: "cost",
            caption: line("KMS cost per month"),
        },
        SweepChart {
            kind: SweepChartKind::P99,
            stem: "p99-latency",
            caption: line("p99 latency"),
        },
    ];
    if params.len() == 2 {
        v.push(SweepChart {
            kind: SweepChartKind::Heatmap,
            stem: "throttle-heatmap",
            caption: format!(
                "KMS throttle rate by {} and {}, one heatmap per variant.",
                first.path, params[1].path
            ),
        });
    }
    v
}

struct SweepDrawing<'a> {
    r: &'a SweepResults,
    kind: SweepChartKind,
}

impl Drawing for SweepDrawing<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Result<(), String> {
        if self.r.header.grid.params.is_empty() {
            return Err("the sweep has no parameters".into());
        }
        let v = view::SweepView::new(self.r);
        match self.kind {
            SweepChartKind::ThrottleRate => throttle::draw(root, &v),
            SweepChartKind::Cost => cost::draw(root, &v),
            SweepChartKind::P99 => latency::draw(root, &v),
            SweepChartKind::Heatmap => heatmap::draw(root, &v),
        }
    }
}

/// The chart as an SVG document (UTF-8 text, final newline) with a `<title>`.
pub fn render_svg(r: &SweepResults, chart: &SweepChart) -> Result<String, ChartError> {
    svg_document(
        chart.stem,
        &format!("{}: {}", r.header.scenario, chart.caption),
        &SweepDrawing {
            r,
            kind: chart.kind,
        },
    )
}

/// The chart as a PNG file (8-bit RGB).
pub fn render_png(r: &SweepResults, chart: &SweepChart) -> Result<Vec<u8>, ChartError> {
    png_document(
        chart.stem,
        &SweepDrawing {
            r,
            kind: chart.kind,
        },
    )
}

/// Every chart of `r` as `(path relative to the output directory, bytes)`: SVG then PNG of
/// each, in [`charts_for`] order.
pub fn render_all(r: &SweepResults) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let mut out = Vec::new();
    for c in charts_for(r) {
        out.push((
            format!("{CHARTS_DIR}/{}.svg", c.stem),
            render_svg(r, &c)?.into_bytes(),
        ));
        out.push((format!("{CHARTS_DIR}/{}.png", c.stem), render_png(r, &c)?));
    }
    Ok(out)
}
