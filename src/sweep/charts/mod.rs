//! Charts of a sweep, each drawn as SVG and PNG (1280×720) into `<out>/charts/` with the chart
//! toolkit ([`crate::chart`]: canvas, bundled font, frame, scales, variant colours, the
//! chart-set writer), one file per chart type:
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

use crate::chart::{self, Area, ChartSet, Res, chart_kinds};
use crate::sweep::output::SweepResults;

chart_kinds! {
    /// Which sweep chart, with its file stem, in output order.
    pub enum SweepChartKind {
        ThrottleRate => "throttle-rate",
        Cost => "cost",
        P99 => "p99-latency",
        Heatmap => "throttle-heatmap",
    }
}

/// A chart a sweep gets: its kind, file stem and a one-line description.
pub type SweepChart = chart::Chart<SweepChartKind>;

/// The charts of a sweep: the three line charts, and the heatmap when exactly two parameters
/// were swept.
pub struct SweepCharts<'a> {
    r: &'a SweepResults,
}

impl<'a> SweepCharts<'a> {
    pub fn new(r: &'a SweepResults) -> SweepCharts<'a> {
        SweepCharts { r }
    }
}

impl ChartSet for SweepCharts<'_> {
    type Kind = SweepChartKind;

    fn subject(&self) -> &str {
        &self.r.header.scenario
    }

    /// None at all without a swept parameter.
    fn caption(&self, kind: SweepChartKind) -> Option<String> {
        let params = &self.r.header.grid.params;
        let first = params.first()?;
        let panels = match params.get(1) {
            Some(p) => format!(", one panel per value of {}", p.path),
            None => String::new(),
        };
        let line = |what: &str| format!("{what} against {}, per variant{panels}.", first.path);
        match kind {
            SweepChartKind::ThrottleRate => Some(line("KMS throttle rate")),
            SweepChartKind::Cost => Some(line("KMS cost per month")),
            SweepChartKind::P99 => Some(line("p99 latency")),
            SweepChartKind::Heatmap => (params.len() == 2).then(|| {
                format!(
                    "KMS throttle rate by {} and {}, one heatmap per variant.",
                    first.path, params[1].path
                )
            }),
        }
    }

    fn draw<DB: DrawingBackend>(&self, kind: SweepChartKind, root: &Area<DB>) -> Res<()> {
        if self.r.header.grid.params.is_empty() {
            return Err("the sweep has no parameters".into());
        }
        let v = view::SweepView::new(self.r);
        match kind {
            SweepChartKind::ThrottleRate => throttle::draw(root, &v),
            SweepChartKind::Cost => cost::draw(root, &v),
            SweepChartKind::P99 => latency::draw(root, &v),
            SweepChartKind::Heatmap => heatmap::draw(root, &v),
        }
    }
}

/// The charts of `r`, in output order.
pub fn charts_for(r: &SweepResults) -> Vec<SweepChart> {
    chart::charts(&SweepCharts::new(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::ChartError;
    use crate::chart::testing::{check_png, check_svg};
    use crate::sweep::grid::{Grid, parse_param};
    use crate::sweep::output::SweepHeader;
    use crate::sweep::row::{Headline, SweepRow};

    /// A synthetic sweep over `params`: variant 0 is throttled above a quota that grows with
    /// the second parameter, variant 1 never; `gap` leaves one row out.
    fn sweep(params: &[&str], variants: &[&str], gap: bool) -> SweepResults {
        let grid = Grid::new(params.iter().map(|p| parse_param(p).unwrap()).collect()).unwrap();
        let mut rows = Vec::new();
        for point in 0..grid.points() {
            let c = grid.coordinates(point);
            let x = grid.params[0].values[c[0]]
                .number
                .unwrap_or(c[0] as f64 + 1.0);
            let quota = 1.0 + c.get(1).copied().unwrap_or(0) as f64;
            for (i, name) in variants.iter().enumerate() {
                if gap && point == 1 && i == 0 {
                    continue;
                }
                let load = x / (i as f64 * 1000.0 + 1.0);
                let throttle = ((load - quota) / load).max(0.0);
                let requests = (load * 1000.0) as u64;
                rows.push(SweepRow {
                    point,
                    variant: name.to_string(),
                    metrics: Headline {
                        put_offered: requests,
                        put_completed: if point == 0 && i == 1 { 0 } else { requests },
                        kms_requests: requests,
                        kms_throttled: (requests as f64 * throttle) as u64,
                        throttle_rate: crate::metrics::summary::round6(throttle),
                        kms_peak_rps: requests,
                        quota_rps: 10_000,
                        cost_usd_per_month: requests as f64 * 0.03,
                        put_p50_ms: 20.0,
                        put_p99_ms: 100.0 + 800.0 * throttle,
                        ..Headline::default()
                    },
                });
            }
        }
        SweepResults::new(
            SweepHeader {
                bksim_version: "0.0.0-test".into(),
                scenario: "synthetic".into(),
                seed: 1,
                simulated_seconds: 3.0,
                fingerprint: "f".into(),
                grid,
                variants: variants.iter().map(|v| v.to_string()).collect(),
            },
            rows,
        )
    }

    fn render_svg(r: &SweepResults, c: &SweepChart) -> Result<String, ChartError> {
        chart::render_svg(&SweepCharts::new(r), c)
    }

    fn render_png(r: &SweepResults, c: &SweepChart) -> Result<Vec<u8>, ChartError> {
        chart::render_png(&SweepCharts::new(r), c)
    }

    /// The text elements of an SVG document.
    fn texts(svg: &str) -> Vec<String> {
        roxmltree::Document::parse(svg)
            .unwrap()
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect()
    }

    fn has(svg: &str, t: &str) -> bool {
        texts(svg).iter().any(|x| x == t)
    }

    fn check_all(r: &SweepResults, stems: &[&str], png: bool) {
        let list = charts_for(r);
        assert_eq!(list.iter().map(|c| c.stem).collect::<Vec<_>>(), stems);
        for c in &list {
            let svg = render_svg(r, c).unwrap();
            check_svg(&svg, c.stem);
            assert!(svg.contains(&r.header.grid.params[0].path), "{}", c.stem);
            assert_eq!(svg, render_svg(r, c).unwrap(), "{}: SVG differs", c.stem);
            if png {
                let p = render_png(r, c).unwrap();
                check_png(&p, c.stem);
                assert_eq!(p, render_png(r, c).unwrap(), "{}: PNG differs", c.stem);
            }
        }
    }

    const LINES: [&str; 3] = ["throttle-rate", "cost", "p99-latency"];
    const ALL: [&str; 4] = ["throttle-rate", "cost", "p99-latency", "throttle-heatmap"];

    #[test]
    fn one_parameter_gets_the_three_line_charts() {
        let r = sweep(
            &["kms.quota_rps=1..8:1"],
            &["per-object", "bucket-key"],
            false,
        );
        check_all(&r, &LINES, true);
        let svg = render_svg(&r, &charts_for(&r)[0]).unwrap();
        assert!(has(&svg, "bucket-key (never throttled)"));
        assert!(has(&svg, "KMS calls throttled (%)"));
        assert!(has(&svg, "kms.quota_rps (requests/s)"));
        let cost = render_svg(&r, &charts_for(&r)[1]).unwrap();
        assert!(
            has(&cost, "KMS request cost (USD/month), log scale"),
            "costs 1000x apart"
        );
    }

    #[test]
    fn two_parameters_get_panels_and_a_heatmap() {
        let r = sweep(
            &[
                "workload.uploads.arrival.rate=1..64:x2",
                "s3.bucket_key_ttl=1m,5m,15m",
            ],
            &["per-object", "bucket-key"],
            true,
        );
        check_all(&r, &ALL, true);
        let svg = render_svg(&r, &charts_for(&r)[0]).unwrap();
        for t in [
            "s3.bucket_key_ttl = 1m",
            "s3.bucket_key_ttl = 15m",
            "workload.uploads.arrival.rate (requests/s), log scale",
        ] {
            assert!(has(&svg, t), "{t}: {:?}", texts(&svg));
        }
        let heat = render_svg(&r, &charts_for(&r)[3]).unwrap();
        assert!(has(&heat, "0: none") && has(&heat, "per-object"));
        assert!(has(&heat, "n/a"), "the missing point is marked");
    }

    #[test]
    fn categorical_and_three_parameter_grids() {
        let r = sweep(
            &["kms.limiter=fixed-window,token-bucket", "kms.quota_rps=1,2"],
            &["a"],
            false,
        );
        check_all(&r, &ALL, true);
        let svg = render_svg(&r, &charts_for(&r)[0]).unwrap();
        assert!(has(&svg, "fixed-window") && has(&svg, "token-bucket"));
        let r = sweep(
            &[
                "kms.quota_rps=1..4:1",
                "s3.bucket_key_ttl=1m,5m",
                "kms.region=a,b",
            ],
            &["a", "b", "c"],
            false,
        );
        check_all(&r, &LINES, false);
        let svg = render_svg(&r, &charts_for(&r)[0]).unwrap();
        assert!(svg.contains("fixed at their first value: kms.region = a"));
    }

    #[test]
    fn many_panels_and_a_large_heatmap_render() {
        let r = sweep(
            &["kms.quota_rps=1..40:1", "workload.uploads.sessions=1..20:1"],
            &["a", "b", "c", "d", "e"],
            false,
        );
        check_all(&r, &ALL, false);
        let svg = render_svg(&r, &charts_for(&r)[0]).unwrap();
        assert!(svg.contains("12 of its 20 values"));
        check_png(&render_png(&r, &charts_for(&r)[3]).unwrap(), "heatmap");
    }
}
