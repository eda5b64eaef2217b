//! What every chart shares: the frame (title naming the scenario, subtitle, legend strip
//! below the plot so it never covers data), axis scales (linear or log, with their tick
//! positions and labels), time-axis binning, text styles and number formatting.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::load::LoadedRun;
use crate::report::style::{self, INK, LEGEND_SIZE, MUTED, SUBTITLE_SIZE, TITLE_SIZE};

/// Errors while drawing are plotters' (or the font's); they carry a message only.
pub(crate) type Res<T> = Result<T, String>;

/// Turns any displayable error into the drawing error message.
pub(crate) fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

pub(crate) type Area<DB> = DrawingArea<DB, Shift>;

/// A text style in the bundled font.
pub(crate) fn text(size: f64, color: RGBColor, bold: bool) -> TextStyle<'static> {
    let weight = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    TextStyle {
        font: FontDesc::new(style::family(), size, weight),
        color: color.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Top),
    }
}

/// Width of variant `i`'s line: the first variant's is drawn wider and first, so a later
/// variant whose line coincides with it (bucket keys that save nothing) leaves it visible as
/// a border.
pub(crate) fn line_width(i: usize) -> u32 {
    if i == 0 { 6 } else { 3 }
}

/// How a legend entry is drawn.
#[derive(Debug, Clone)]
pub(crate) enum Marker {
    /// A line sample; `dash` draws it dashed.
    Line {
        color: RGBColor,
        width: u32,
        dash: bool,
    },
    /// A filled box (bars, shaded areas), with an optional border.
    Fill {
        color: RGBAColor,
        border: Option<RGBColor>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub marker: Marker,
    pub label: String,
}

impl LegendEntry {
    pub fn line(color: RGBColor, dash: bool, label: impl Into<String>) -> LegendEntry {
        LegendEntry {
            marker: Marker::Line {
                color,
                width: 4,
                dash,
            },
            label: label.into(),
        }
    }

    pub fn fill(color: RGBAColor, border: Option<RGBColor>, label: impl Into<String>) -> Self {
        LegendEntry {
            marker: Marker::Fill { color, border },
            label: label.into(),
        }
    }
}

const MARGIN: i32 = 28;
const SAMPLE_W: i32 = 40;
const SAMPLE_GAP: i32 = 10;
const ENTRY_GAP: i32 = 34;
const LEGEND_ROW_H: i32 = 32;

/// Splits `text` into lines no wider than `max_w` pixels in `style`.
pub(crate) fn wrap<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
    max_w: u32,
) -> Res<Vec<String>> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if !cur.is_empty() && area.estimate_text_size(&candidate, style).map_err(e)?.0 > max_w {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        } else {
            cur = candidate;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    Ok(lines)
}

/// Fills the background, draws the title and subtitle at the top and the legend strip at the
/// bottom, and returns the area left for the plot.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    subtitle: &str,
    legend: &[LegendEntry],
) -> Res<Area<DB>> {
    root.fill(&WHITE).map_err(e)?;
    let (w, h) = root.dim_in_pixel();
    let max_w = w - 2 * MARGIN as u32;

    let title_style = text(TITLE_SIZE, INK, true);
    let sub_style = text(SUBTITLE_SIZE, MUTED, false);
    let mut y = 18;
    for line in wrap(root, title, &title_style, max_w)? {
        root.draw_text(&line, &title_style, (MARGIN, y))
            .map_err(e)?;
        y += 40;
    }
    for line in wrap(root, subtitle, &sub_style, max_w)? {
        root.draw_text(&line, &sub_style, (MARGIN, y)).map_err(e)?;
        y += 26;
    }
    let top = y + 10;

    // Legend: entries in rows, each row centred.
    let label_style = text(LEGEND_SIZE, INK, false);
    let mut rows: Vec<Vec<(usize, i32)>> = vec![vec![]];
    let mut row_w = 0;
    for (i, entry) in legend.iter().enumerate() {
        let tw = root
            .estimate_text_size(&entry.label, &label_style)
            .map_err(e)?
            .0 as i32;
        let ew = SAMPLE_W + SAMPLE_GAP + tw;
        let need = if row_w == 0 {
            ew
        } else {
            row_w + ENTRY_GAP + ew
        };
        if row_w > 0 && need > max_w as i32 {
            rows.push(vec![]);
            row_w = ew;
        } else {
            row_w = need;
        }
        rows.last_mut().expect("one row").push((i, ew));
    }
    rows.retain(|r| !r.is_empty());
    let legend_h = if rows.is_empty() {
        12
    } else {
        rows.len() as i32 * LEGEND_ROW_H + 14
    };
    let bottom = h as i32 - legend_h;
    for (r, row) in rows.iter().enumerate() {
        let total: i32 =
            row.iter().map(|(_, w)| w).sum::<i32>() + ENTRY_GAP * (row.len() as i32 - 1);
        let mut x = (w as i32 - total) / 2;
        let cy = bottom + 4 + r as i32 * LEGEND_ROW_H + LEGEND_ROW_H / 2;
        for &(i, ew) in row {
            draw_sample(root, &legend[i].marker, x, cy)?;
            root.draw_text(
                &legend[i].label,
                &label_style.pos(Pos::new(HPos::Left, VPos::Center)),
                (x + SAMPLE_W + SAMPLE_GAP, cy),
            )
            .map_err(e)?;
            x += ew + ENTRY_GAP;
        }
    }
    Ok(root
        .clone()
        .shrink((0, top), (w, (bottom - top).max(1) as u32)))
}

fn draw_sample<DB: DrawingBackend>(area: &Area<DB>, m: &Marker, x: i32, cy: i32) -> Res<()> {
    match m {
        Marker::Line { color, width, dash } => {
            let style = ShapeStyle::from(color).stroke_width(*width);
            if *dash {
                let mut sx = x;
                while sx < x + SAMPLE_W {
                    let ex = (sx + 9).min(x + SAMPLE_W);
                    area.draw(&PathElement::new(vec![(sx, cy), (ex, cy)], style))
                        .map_err(e)?;
                    sx += 15;
                }
            } else {
                area.draw(&PathElement::new(vec![(x, cy), (x + SAMPLE_W, cy)], style))
                    .map_err(e)?;
            }
        }
        Marker::Fill { color, border } => {
            let (a, b) = ((x + 4, cy - 10), (x + SAMPLE_W - 4, cy + 10));
            area.draw(&Rectangle::new([a, b], color.filled()))
                .map_err(e)?;
            if let Some(bc) = border {
                area.draw(&Rectangle::new(
                    [a, b],
                    ShapeStyle::from(bc).stroke_width(2),
                ))
                .map_err(e)?;
            }
        }
    }
    Ok(())
}

/// A value axis, linear or logarithmic. Charts plot `map(value)`; on a log axis that is
/// `log10(value)`, with values at or below `lo` (zeros included) drawn at `lo`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scale {
    pub log: bool,
    /// Lowest value shown (0 on a linear axis).
    pub lo: f64,
    /// Highest value shown.
    pub hi: f64,
    /// Log axis only: zeros are drawn at `lo`, which is labelled "0".
    pub zero_floor: bool,
}

/// Peaks differing by this factor or more get a log axis.
pub(crate) const LOG_RATIO: f64 = 20.0;

impl Scale {
    /// A linear axis from 0 to a round number at or above `max` (plus `pad`, a fraction).
    pub fn linear(max: f64, pad: f64) -> Scale {
        let max = if max > 0.0 && max.is_finite() {
            max
        } else {
            1.0
        };
        let step = nice_step(max * (1.0 + pad) / 5.0);
        Scale {
            log: false,
            lo: 0.0,
            hi: (max * (1.0 + pad) / step).ceil() * step,
            zero_floor: false,
        }
    }

    /// A log axis from the decade at or below `min_pos` to the round number (1, 2 or 5 times
    /// a power of ten) at or above `max` times `1 + pad`. With `zero_floor`, one more half decade below takes the zeros.
    pub fn log(min_pos: f64, max: f64, pad: f64, zero_floor: bool) -> Scale {
        let min_pos = if min_pos > 0.0 { min_pos } else { 1.0 };
        let max = max.max(min_pos);
        let mut lo = 10f64.powf(min_pos.log10().floor());
        if zero_floor {
            lo /= 3.0;
        }
        let hi = nice_ceil(max * (1.0 + pad));
        Scale {
            log: true,
            lo,
            hi,
            zero_floor,
        }
    }

    /// For lines with the given `peaks` (each line's maximum) and `floor` (the smallest
    /// positive value of any line): log when the largest peak is [`LOG_RATIO`] times the
    /// smallest positive one or more, reaching down to `floor` so no positive value is drawn
    /// as zero; else linear. `extra` values (a quota line) must fit but do not decide.
    pub fn auto(peaks: &[f64], floor: f64, extra: &[f64], pad: f64, zero_floor: bool) -> Scale {
        let max = peaks
            .iter()
            .chain(extra)
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let min_peak = peaks
            .iter()
            .copied()
            .filter(|v| *v > 0.0 && v.is_finite())
            .fold(f64::INFINITY, f64::min);
        let top = peaks.iter().copied().fold(0.0, f64::max);
        if min_peak.is_finite() && top / min_peak >= LOG_RATIO {
            let floor = if floor > 0.0 {
                floor.min(min_peak)
            } else {
                min_peak
            };
            Scale::log(floor, max, pad, zero_floor)
        } else {
            Scale::linear(max, pad)
        }
    }

    /// The smallest positive value of `lines` (infinity when there is none).
    pub fn min_positive(lines: &[Vec<(f64, f64)>]) -> f64 {
        lines
            .iter()
            .flatten()
            .map(|p| p.1)
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min)
    }

    /// The plotted coordinate of `v`.
    pub fn map(&self, v: f64) -> f64 {
        if self.log { v.max(self.lo).log10() } else { v }
    }

    /// The coordinate range of the axis.
    pub fn range(&self) -> Range<f64> {
        self.map(self.lo)..self.map(self.hi)
    }

    /// Tick positions (plotted coordinates).
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let mut t: Vec<f64> = Vec::new();
            if self.zero_floor {
                t.push(self.lo.log10());
            }
            let first = self.lo.log10().ceil() as i32;
            let last = self.hi.log10().floor() as i32;
            let decades = last - first;
            for d in first..=last {
                t.push(d as f64);
                if decades <= 2 {
                    for m in [2.0f64, 5.0] {
                        let v = 10f64.powi(d) * m;
                        if v <= self.hi * (1.0 + 1e-9) {
                            t.push(v.log10());
                        }
                    }
                }
            }
            // The top of the axis, when it is not a decade, gets its own tick.
            let top = self.hi.log10();
            if t.last().is_none_or(|l| top - l > 1e-9) {
                t.push(top);
            }
            t
        } else {
            let step = nice_step(self.hi / 5.0);
            let n = (self.hi / step).round() as i64;
            (0..=n).map(|i| i as f64 * step).collect()
        }
    }

    /// The label of a tick at plotted coordinate `t`, using `fmt` for values.
    pub fn label(&self, t: f64, fmt: fn(f64) -> String) -> String {
        if self.log {
            if self.zero_floor && (t - self.lo.log10()).abs() < 1e-9 {
                "0".to_string()
            } else {
                fmt(10f64.powf(t))
            }
        } else {
            fmt(t)
        }
    }

    /// Appended to an axis description: " (log scale)" or "".
    pub fn suffix(&self) -> &'static str {
        if self.log { " (log scale)" } else { "" }
    }
}

/// The smallest of 1, 2 or 5 times a power of ten at or above `v` (> 0).
pub(crate) fn nice_ceil(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    let f = v / mag;
    let m = if f <= 1.0 + 1e-9 {
        1.0
    } else if f <= 2.0 + 1e-9 {
        2.0
    } else if f <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// A round step (1, 2 or 5 times a power of ten) near `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// A linear f64 axis with explicit tick positions (plotters' own f64 axis picks its ticks
/// itself and cannot take a custom label formatter together with chosen key points).
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

/// The axis from `range` with ticks at `ticks` (those outside the range are dropped).
pub(crate) fn axis(range: Range<f64>, ticks: Vec<f64>) -> Axis {
    let (lo, hi) = (range.start, range.end);
    let eps = (hi - lo).abs() * 1e-9;
    let ticks = ticks
        .into_iter()
        .filter(|t| *t >= lo - eps && *t <= hi + eps)
        .collect();
    Axis { lo, hi, ticks }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        if self.hi == self.lo {
            return (limit.0 + limit.1) / 2;
        }
        let f = ((v - self.lo) / (self.hi - self.lo)).clamp(-1.0, 2.0);
        let len = (limit.1 - limit.0) as f64;
        limit.0 + (len * f).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() || hint.max_num_points() == 0 {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// Axis tick text for counts and rates: `0`, `500`, `150,000` up to a million, then `1.5M`,
/// `2B`, `1T`.
pub(crate) fn fmt_count(v: f64) -> String {
    let a = v.abs();
    if a >= 1e12 {
        format!("{}T", trim(v / 1e12))
    } else if a >= 1e9 {
        format!("{}B", trim(v / 1e9))
    } else if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v.fract() == 0.0 || a >= 100.0 {
        group_float(v)
    } else {
        trim(v)
    }
}

/// `$` and [`fmt_count`].
pub(crate) fn fmt_usd_tick(v: f64) -> String {
    format!("${}", fmt_count(v))
}

/// Milliseconds on a latency axis.
pub(crate) fn fmt_ms(v: f64) -> String {
    if v >= 1.0 { group_float(v) } else { trim(v) }
}

/// Up to 2 decimals, trailing zeros removed.
fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Rounded to a whole number with thousands separators.
fn group_float(v: f64) -> String {
    let r = v.round();
    if r < 0.0 {
        format!("-{}", crate::report::table::group((-r) as u64))
    } else {
        crate::report::table::group(r as u64)
    }
}

/// Large counts in words for bar labels: `88,560`, `51.0 million`, `2.72 billion`.
pub(crate) fn fmt_words(v: f64) -> String {
    let sig3 = |x: f64| {
        if x >= 100.0 {
            format!("{x:.0}")
        } else if x >= 10.0 {
            format!("{x:.1}")
        } else {
            format!("{x:.2}")
        }
    };
    if v >= 1e12 {
        format!("{} trillion", sig3(v / 1e12))
    } else if v >= 1e9 {
        format!("{} billion", sig3(v / 1e9))
    } else if v >= 1e6 {
        format!("{} million", sig3(v / 1e6))
    } else {
        group_float(v)
    }
}

/// The time axis: seconds, or minutes for runs longer than 30 minutes.
pub(crate) struct TimeAxis {
    /// Seconds per axis unit.
    pub unit: f64,
    pub desc: &'static str,
    /// Seconds per plotted point (1 unless the run is long enough to bin); a multiple of
    /// `step`.
    pub bin: u64,
    /// Seconds per time-series row (1 unless the run was long).
    pub step: u64,
}

/// At most this many points per line; longer series are averaged over bins.
pub(crate) const MAX_POINTS: usize = 1500;

impl TimeAxis {
    /// The axis for `n` seconds of rows of `step` seconds each.
    pub fn for_seconds(n: u64, step: u64) -> TimeAxis {
        let step = step.max(1);
        let bin = ((n as usize).div_ceil(MAX_POINTS).max(1) as u64).next_multiple_of(step);
        if n > 1800 {
            TimeAxis {
                unit: 60.0,
                desc: "simulated time (min)",
                bin,
                step,
            }
        } else {
            TimeAxis {
                unit: 1.0,
                desc: "simulated time (s)",
                bin,
                step,
            }
        }
    }

    /// `(x, mean value per second)` over bins of `self.bin` seconds. `rows` must be sorted
    /// by second (each row a total over `self.step` seconds); missing seconds count as zero.
    pub fn points<T>(
        &self,
        rows: &[T],
        second: fn(&T) -> u64,
        value: impl Fn(&T) -> f64,
    ) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        let mut cur: Option<(u64, f64)> = None;
        for r in rows {
            let b = second(r) / self.bin;
            match &mut cur {
                Some((cb, sum)) if *cb == b => *sum += value(r),
                _ => {
                    if let Some((cb, sum)) = cur.take() {
                        out.push(((cb * self.bin) as f64 / self.unit, sum / self.bin as f64));
                    }
                    cur = Some((b, value(r)));
                }
            }
        }
        if let Some((cb, sum)) = cur {
            out.push(((cb * self.bin) as f64 / self.unit, sum / self.bin as f64));
        }
        out
    }

    /// Ticks for an axis from 0 to `end` (axis units).
    pub fn ticks(&self, end: f64) -> Vec<f64> {
        let step = nice_step(end / 8.0);
        let n = (end / step).floor() as i64;
        (0..=n).map(|i| i as f64 * step).collect()
    }

    /// Per-second rates are averaged when binned; say so, and say when the time series
    /// itself has rows of more than a second.
    pub fn rate_note(&self) -> String {
        if self.step > 1 {
            format!(
                ", time series in {}-s rows, mean per {}-s bin",
                self.step, self.bin
            )
        } else if self.bin > 1 {
            format!(", mean per {}-s bin", self.bin)
        } else {
            String::new()
        }
    }
}

/// Facts every chart's subtitle or legend may use.
pub(crate) struct RunView<'a> {
    pub run: &'a LoadedRun,
    /// The end of the last row in any variant's time series, in seconds.
    pub end_second: u64,
}

impl<'a> RunView<'a> {
    pub fn new(run: &'a LoadedRun) -> RunView<'a> {
        let end_second = run
            .timeseries
            .iter()
            .filter_map(|rows| rows.last().map(|r| r.second + run.timeseries_step.max(1)))
            .max()
            .unwrap_or(1);
        RunView { run, end_second }
    }

    pub fn scenario(&self) -> &str {
        &self.run.summary.scenario
    }

    /// The scenario's description, or its name when it has none.
    pub fn description(&self) -> String {
        let d = self.run.summary.description.trim();
        if d.is_empty() {
            format!("scenario {}", self.scenario())
        } else {
            d.to_string()
        }
    }

    /// A parameter's value in the first variant that has it.
    pub fn parameter(&self, path: &str) -> Option<&str> {
        self.run
            .summary
            .variants
            .iter()
            .flat_map(|v| &v.parameters)
            .find(|p| p.path == path)
            .map(|p| p.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales() {
        let s = Scale::linear(32_322.0, 0.1);
        assert_eq!(s.hi, 40_000.0);
        assert_eq!(s.ticks(), vec![0.0, 10_000.0, 20_000.0, 30_000.0, 40_000.0]);
        let l = Scale::auto(&[32_322.0, 529.0], 1.0, &[20_000.0], 0.2, true);
        assert!(l.lo < 1.0, "{l:?}");
        assert!(l.log, "peaks 61x apart: {l:?}");
        assert!(!Scale::auto(&[32_322.0, 5_000.0], 1.0, &[], 0.1, false).log);
    }

    #[test]
    fn log_scale_ticks_and_labels() {
        let l = Scale::log(3.0, 32_322.0, 0.2, true);
        assert!(l.log);
        assert_eq!(l.hi, 50_000.0);
        assert_eq!(nice_ceil(1_110_000.0), 2_000_000.0);
        assert_eq!(nice_ceil(1_000.0), 1_000.0);
        let t = l.ticks();
        assert_eq!(l.label(t[0], fmt_count), "0");
        assert_eq!(l.label(t[1], fmt_count), "1");
        assert_eq!(l.label(*t.last().unwrap(), fmt_count), "50,000");
        assert_eq!(l.label(t[t.len() - 2], fmt_count), "10,000");
        assert_eq!(l.map(0.0), l.lo.log10());
    }

    #[test]
    fn number_formats() {
        assert_eq!(fmt_count(0.0), "0");
        assert_eq!(fmt_count(20_000.0), "20,000");
        assert_eq!(fmt_count(1_500_000.0), "1.5M");
        assert_eq!(fmt_count(0.5), "0.5");
        assert_eq!(fmt_count(1.5), "1.5");
        assert_eq!(fmt_count(2_500.0), "2,500");
        assert_eq!(fmt_words(88_560.0), "88,560");
        assert_eq!(fmt_words(51_025_485.0), "51.0 million");
        assert_eq!(fmt_words(2_721_359_200.0), "2.72 billion");
        assert_eq!(nice_step(7_000.0), 10_000.0);
        assert_eq!(nice_step(1_500.0), 2_000.0);
    }

    #[test]
    fn binning_averages() {
        let t = TimeAxis {
            unit: 1.0,
            desc: "",
            bin: 2,
            step: 1,
        };
        let rows = [(0u64, 2.0), (1, 4.0), (2, 6.0)];
        let p = t.points(&rows, |r| r.0, |r| r.1);
        assert_eq!(p, vec![(0.0, 3.0), (2.0, 3.0)]);
        // Rows of 60 s holding totals: a 3-day run bins them by 180 s (a multiple of 60), and
        // a bin's point is its mean per second: (600 + 1200 + 1800) / 180 = 20.
        let t = TimeAxis::for_seconds(3 * 86_400, 60);
        assert_eq!((t.bin, t.step), (180, 60));
        let rows = [(0u64, 600.0), (60, 1200.0), (120, 1800.0), (180, 60.0)];
        let p = t.points(&rows, |r| r.0, |r| r.1);
        assert_eq!(p, vec![(0.0, 20.0), (3.0, 60.0 / 180.0)]);
        assert!(t.rate_note().contains("60-s rows"), "{}", t.rate_note());
    }
}
