//! Tornado charts of a sensitivity analysis: for one variant and one metric, a horizontal bar
//! per parameter from the metric at the parameter's low value to the metric at its high value,
//! drawn around a vertical line at the base value, the parameter with the largest spread on
//! top. Files `charts/tornado-<variant>-<metric>.svg` and `.png`, drawn with the chart
//! toolkit ([`crate::chart`]): the same results give byte-identical files.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rayon::prelude::*;

use super::metrics::{self, Values};
use super::output::{SensitivityResults, VariantResult};
use crate::chart::document::{ChartError, Drawing, png_document, svg_document};
use crate::chart::format::group_f64;
use crate::chart::style::{AXIS_LABEL_SIZE, GRID, INK, MUTED, TICK_SIZE};
use crate::chart::{Area, LegendEntry, Res, axis, e, fmt_number, frame, nice_step, text};

/// Most parameters drawn; the subtitle says how many more moved the metric.
pub const MAX_BARS: usize = 14;

/// The colour of the part of a bar from the base to the metric at the parameter's low.
pub const LOW_COLOR: RGBColor = RGBColor(0, 114, 178);
/// ... and at its high.
pub const HIGH_COLOR: RGBColor = RGBColor(213, 94, 0);

/// One bar: a parameter and the metric at its low and high value.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    pub path: String,
    pub low: String,
    pub high: String,
    pub at_low: f64,
    pub at_high: f64,
    /// The parameter changes the variant's verdict at one of its ends.
    pub flips: bool,
}

/// The bars of one variant and metric, in drawing order (top first).
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    pub scenario: String,
    pub variant: String,
    pub metric: String,
    pub base: f64,
    /// Parameters that move the metric, by spread (largest first, then by path); at most
    /// [`MAX_BARS`].
    pub bars: Vec<TornadoBar>,
    /// Parameters that move the metric but are not drawn (beyond [`MAX_BARS`]).
    pub more: usize,
    /// Parameters that leave the metric at its base value.
    pub unmoved: usize,
}

/// The spread a parameter causes: highest minus lowest of the base, low and high values.
pub fn spread(base: f64, at_low: f64, at_high: f64) -> f64 {
    at_low.max(at_high).max(base) - at_low.min(at_high).min(base)
}

fn value(m: &Values, metric: &str, base: f64) -> f64 {
    m.get(metric).copied().unwrap_or(base)
}

impl Tornado {
    /// The tornado of `metric` for variant `v` of a sensitivity analysis of `scenario`.
    pub fn new(scenario: &str, v: &VariantResult, metric: &str) -> Tornado {
        let base = v.base.get(metric).copied().unwrap_or(0.0);
        let mut bars: Vec<(f64, TornadoBar)> = v
            .parameters
            .iter()
            .map(|p| {
                let bar = TornadoBar {
                    path: p.path.clone(),
                    low: p.low.clone(),
                    high: p.high.clone(),
                    at_low: value(&p.at_low, metric, base),
                    at_high: value(&p.at_high, metric, base),
                    flips: p.verdict_at_low != v.verdict || p.verdict_at_high != v.verdict,
                };
                (spread(base, bar.at_low, bar.at_high), bar)
            })
            .collect();
        let total = bars.len();
        bars.retain(|(s, _)| *s > 0.0);
        let unmoved = total - bars.len();
        bars.sort_by(|(sa, a), (sb, b)| sb.total_cmp(sa).then(a.path.cmp(&b.path)));
        let more = bars.len().saturating_sub(MAX_BARS);
        bars.truncate(MAX_BARS);
        Tornado {
            scenario: scenario.into(),
            variant: v.name.clone(),
            metric: metric.into(),
            base,
            bars: bars.into_iter().map(|(_, b)| b).collect(),
            more,
            unmoved,
        }
    }

    /// The file stem: `tornado-<variant>-<metric>`, characters other than ASCII letters and
    /// digits as `-`.
    pub fn stem(&self) -> String {
        stem(&self.variant, &self.metric)
    }

    /// One line saying what the chart shows (alt text, caption and SVG title).
    pub fn caption(&self) -> String {
        format!(
            "Tornado of {} for variant {}: the metric at each parameter's low and high value \
             around the base value {}.",
            metrics::describe(&self.metric),
            self.variant,
            fmt_value(self.base)
        )
    }

    /// The x axis: from below the lowest to above the highest value drawn (the base included),
    /// with round ticks, and the tick step.
    fn scale(&self) -> (f64, f64, Vec<f64>, f64) {
        let vals = self
            .bars
            .iter()
            .flat_map(|b| [b.at_low, b.at_high])
            .chain([self.base]);
        let (mut lo, mut hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        if hi - lo <= 0.0 {
            let d = if self.base.abs() > 0.0 {
                self.base.abs() * 0.1
            } else {
                1.0
            };
            lo -= d;
            hi += d;
        }
        let step = nice_step((hi - lo) / 6.0);
        let pad = (hi - lo) * 0.06;
        // A non-negative metric's axis does not reach below 0.
        let lo = if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        };
        let hi = hi + pad;
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        let ticks = (first..=last).map(|k| k as f64 * step).collect();
        (lo, hi, ticks, step)
    }
}

/// The file stem of the tornado of `metric` for `variant`.
pub fn stem(variant: &str, metric: &str) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect()
    };
    format!("tornado-{}-{}", safe(variant), safe(metric))
}

/// A metric value as text: six significant digits at most (`400.033`, `0.00123`), trailing
/// zeros removed, thousands grouped.
pub fn fmt_value(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let decimals = (5 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = group_f64(v.abs(), decimals);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if v < 0.0 { format!("-{s}") } else { s }
}

/// A tick label with as many decimals as the tick step needs (`400.02` when the ticks are
/// 0.01 apart), thousands grouped.
fn fmt_tick(v: f64, step: f64) -> String {
    let decimals = if step > 0.0 && step < 1.0 {
        (-step.log10().floor()) as usize
    } else {
        0
    };
    if v.abs() < 1.0 && decimals == 0 {
        return fmt_number(v);
    }
    let s = group_f64(v.abs(), decimals.min(9));
    if v < 0.0 { format!("-{s}") } else { s }
}

/// A parameter value as a short label: a latency table by its first field (`4ms median`),
/// strings without quotes.
pub fn compact(v: &str) -> String {
    let t = v.trim();
    let first = t
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .and_then(|inner| inner.split(',').next())
        .and_then(|f| f.split_once('='));
    if let Some((k, val)) = first {
        return format!("{} {}", val.trim().trim_matches('"'), k.trim());
    }
    t.trim_matches('"').to_string()
}

/// The y axis label of a bar: `path: low … high`, shortened to fit.
fn bar_label(b: &TornadoBar) -> String {
    let mut s = format!("{}: {} … {}", b.path, compact(&b.low), compact(&b.high));
    if s.chars().count() > 58 {
        s = s.chars().take(57).collect::<String>() + "…";
    }
    if b.flips {
        s.push_str(" (flips)");
    }
    s
}

impl Drawing for Tornado {
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Res<()> {
        let title = format!(
            "{}: what moves {} ({})",
            self.scenario,
            metrics::describe(&self.metric),
            self.variant
        );
        let mut subtitle = format!(
            "One parameter at a time from its low to its high value, the others at their base \
             values (same seed); the line is the base value, {}.",
            fmt_value(self.base)
        );
        if self.more > 0 {
            subtitle.push_str(&format!(
                " The {} parameters with the largest spread are shown of {}.",
                self.bars.len(),
                self.bars.len() + self.more
            ));
        }
        if self.unmoved > 0 {
            subtitle.push_str(&format!(
                " {} parameter{} leave{} it unchanged.",
                self.unmoved,
                if self.unmoved == 1 { "" } else { "s" },
                if self.unmoved == 1 { "s" } else { "" }
            ));
        }
        let legend = [
            LegendEntry::fill(LOW_COLOR.to_rgba(), None, "at the parameter's low value"),
            LegendEntry::fill(HIGH_COLOR.to_rgba(), None, "at its high value"),
            LegendEntry::line(INK, false, "base value"),
        ];
        let area = frame(root, &title, &subtitle, &legend)?;
        let n = self.bars.len().max(1) as f64;
        let labels: Vec<String> = self.bars.iter().map(bar_label).collect();
        let tick_style = text(TICK_SIZE, INK, false);
        let name_w = labels
            .iter()
            .map(|l| area.estimate_text_size(l, &tick_style).map(|s| s.0))
            .collect::<Result<Vec<u32>, _>>()
            .map_err(e)?
            .into_iter()
            .max()
            .unwrap_or(0)
            + 20;
        let (lo, hi, ticks, step) = self.scale();
        let centers: Vec<f64> = (0..self.bars.len()).map(|i| n - i as f64 - 0.5).collect();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_top(6)
            .x_label_area_size(66)
            .y_label_area_size(name_w)
            .build_cartesian_2d(axis(lo..hi, ticks), axis(0.0..n, centers.clone()))
            .map_err(e)?;
        let x_fmt = |t: &f64| fmt_tick(*t, step);
        let y_fmt = |t: &f64| {
            centers
                .iter()
                .position(|c| (c - t).abs() < 1e-6)
                .map(|i| labels[i].clone())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID)
            .axis_style(ShapeStyle::from(MUTED).stroke_width(2))
            .x_desc(metrics::describe(&self.metric))
            .axis_desc_style(text(AXIS_LABEL_SIZE, INK, false))
            .label_style(tick_style)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()
            .map_err(e)?;
        let band = 0.62;
        for (b, c) in self.bars.iter().zip(&centers) {
            let (y0, y1) = (c - band / 2.0, c + band / 2.0);
            // The farther end first, so a nearer end on the same side stays visible on top.
            let mut ends = [(b.at_low, LOW_COLOR), (b.at_high, HIGH_COLOR)];
            ends.sort_by(|x, y| (y.0 - self.base).abs().total_cmp(&(x.0 - self.base).abs()));
            for (v, color) in ends {
                if v != self.base {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(self.base, y0), (v, y1)],
                            color.filled(),
                        )))
                        .map_err(e)?;
                }
            }
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(self.base, 0.0), (self.base, n)],
                ShapeStyle::from(INK).stroke_width(3),
            )))
            .map_err(e)?;
        if self.bars.is_empty() {
            let style =
                text(AXIS_LABEL_SIZE, MUTED, false).pos(Pos::new(HPos::Center, VPos::Center));
            chart
                .draw_series(std::iter::once(Text::new(
                    "No parameter moves this metric.".to_string(),
                    ((lo + hi) / 2.0, n / 2.0),
                    style,
                )))
                .map_err(e)?;
        }
        Ok(())
    }
}

/// A tornado chart rendered: its stem, caption and documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornadoFile {
    pub variant: String,
    pub metric: String,
    pub stem: String,
    pub caption: String,
    pub svg: String,
    /// Empty when PNG was not asked for.
    pub png: Vec<u8>,
}

/// The tornado charts of `r`: per variant (in order), per metric in `metrics` (every metric
/// of the results when `None`, in name order). Drawn in parallel on the current rayon pool
/// and collected in that order, so the output does not depend on the thread count.
pub fn render(
    r: &SensitivityResults,
    metrics: Option<&[&str]>,
    png: bool,
) -> Result<Vec<TornadoFile>, ChartError> {
    let mut charts = Vec::new();
    for v in &r.variants {
        let names: Vec<&str> = match metrics {
            Some(m) => m
                .iter()
                .copied()
                .filter(|m| v.base.contains_key(*m))
                .collect(),
            None => v.base.keys().map(String::as_str).collect(),
        };
        for m in names {
            charts.push(Tornado::new(&r.scenario, v, m));
        }
    }
    charts
        .par_iter()
        .map(|t| {
            let stem = t.stem();
            let caption = t.caption();
            let svg = svg_document(&stem, &format!("{}: {caption}", t.scenario), t)?;
            let png = if png {
                png_document(&stem, t)?
            } else {
                Vec::new()
            };
            Ok(TornadoFile {
                variant: t.variant.clone(),
                metric: t.metric.clone(),
                stem,
                caption,
                svg,
                png,
            })
        })
        .collect()
}

/// The files of `charts` as (path relative to the output directory, bytes): every SVG, then
/// every PNG rendered.
pub fn files(charts: &[TornadoFile]) -> Vec<(String, &[u8])> {
    let dir = crate::chart::CHARTS_DIR;
    let svg = charts
        .iter()
        .map(|c| (format!("{dir}/{}.svg", c.stem), c.svg.as_bytes()));
    let png = charts
        .iter()
        .filter(|c| !c.png.is_empty())
        .map(|c| (format!("{dir}/{}.png", c.stem), c.png.as_slice()));
    svg.chain(png).collect()
}

/// Whether `name` (in `charts/`) is a tornado chart's file name.
pub fn is_tornado_file(name: &str) -> bool {
    name.starts_with("tornado-") && (name.ends_with(".svg") || name.ends_with(".png"))
}

#[cfg(test)]
#[path = "tornado_tests.rs"]
mod tests;
