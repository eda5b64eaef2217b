//! A headline metric against the first swept parameter: a line per variant in its run-chart
//! colour, a marker at each swept value, one panel per value of the second parameter (small
//! multiples sharing the y axis). What the throttle-rate, cost and p99 charts have in common;
//! each of them says which metric, how to format it and when its axis turns logarithmic.

use plotters::prelude::*;

use super::panels::{self, Gutters};
use super::view::{AxisKind, SweepView};
use crate::chart::style::{self, GRID, INK, MUTED, TICK_SIZE};
use crate::chart::{Area, LOG_RATIO, LegendEntry, Res, Scale, axis, e, frame, line_width, text};
use crate::sweep::row::Headline;

/// When the y axis is logarithmic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogRule {
    /// When the lines' peaks differ by [`LOG_RATIO`] or more (as the run charts decide):
    /// one variant throttled at 50 % and another at 0.1 % get a log axis, a single line
    /// rising from 0 to 50 % keeps its linear shape.
    Peaks,
    /// When the positive values span [`LOG_RATIO`] or more (cost, latency).
    Values,
}

/// Which metric a line chart shows and how.
pub(crate) struct Metric {
    /// After "SCENARIO: ", before "against PARAM".
    pub name: &'static str,
    /// What the metric is, for the subtitle (a sentence).
    pub explain: &'static str,
    /// The y axis description with its unit.
    pub y_desc: &'static str,
    /// The plotted value (None: nothing to plot at that point, e.g. no completed requests).
    pub value: fn(&Headline) -> Option<f64>,
    /// Tick labels.
    pub fmt: fn(f64) -> String,
    pub rule: LogRule,
    /// Appended to a variant's legend entry when it is 0 at every point.
    pub all_zero: Option<&'static str>,
    /// The largest value the metric can take (100 for a percentage): the axis stops there.
    pub max: Option<f64>,
}

/// Minimum pixels between y tick labels.
const Y_TICK_GAP: f64 = 26.0;

/// The y scale for `lines` (each a list of values) under `rule`.
fn y_scale(lines: &[Vec<f64>], rule: LogRule, cap: Option<f64>) -> Scale {
    let mut s = y_scale_uncapped(lines, rule);
    if let Some(c) = cap {
        s.hi = s.hi.min(c).max(s.lo);
    }
    s
}

fn y_scale_uncapped(lines: &[Vec<f64>], rule: LogRule) -> Scale {
    let all: Vec<f64> = lines.iter().flatten().copied().collect();
    let max = all.iter().copied().fold(0.0, f64::max);
    let min_pos = all
        .iter()
        .copied()
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    match rule {
        LogRule::Peaks => {
            let peaks: Vec<f64> = lines
                .iter()
                .map(|l| l.iter().copied().fold(0.0, f64::max))
                .collect();
            Scale::auto(&peaks, min_pos, &[], 0.08, true)
        }
        LogRule::Values => {
            if min_pos.is_finite() && max / min_pos >= LOG_RATIO {
                let zeros = all.iter().any(|v| *v <= 0.0);
                Scale::log(min_pos, max, 0.1, zeros)
            } else {
                Scale::linear(max, 0.08)
            }
        }
    }
}

/// Every k-th of `ticks` (coordinates over `range`, drawn `px` pixels tall), the smallest k
/// that leaves [`Y_TICK_GAP`] pixels between labels.
pub(crate) fn thin(ticks: &[f64], range: &std::ops::Range<f64>, px: f64) -> Vec<f64> {
    let span = range.end - range.start;
    let fits = |t: &[f64]| {
        t.windows(2)
            .all(|w| (w[1] - w[0]).abs() / span * px >= Y_TICK_GAP)
    };
    if fits(ticks) {
        return ticks.to_vec();
    }
    // The top of a log axis (`200,000` above `100,000`) goes first, then every k-th.
    let below_top = &ticks[..ticks.len().saturating_sub(1)];
    for k in 1..ticks.len().max(2) {
        let t: Vec<f64> = below_top.iter().copied().step_by(k).collect();
        if fits(&t) {
            return t;
        }
    }
    ticks.iter().take(1).copied().collect()
}

pub(crate) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &SweepView, m: &Metric) -> Res<()> {
    let nv = v.variants().len();
    // values[panel][variant][k]: the metric at the k-th x value in axis order.
    let values: Vec<Vec<Vec<Option<f64>>>> = v
        .panels
        .iter()
        .map(|&y| {
            (0..nv)
                .map(|var| {
                    v.x.order
                        .iter()
                        .map(|&x| v.get(x, y, var).and_then(m.value))
                        .collect()
                })
                .collect()
        })
        .collect();
    let lines: Vec<Vec<f64>> = values
        .iter()
        .flatten()
        .map(|l| l.iter().flatten().copied().collect())
        .collect();
    let y = y_scale(&lines, m.rule, m.max);

    let legend: Vec<LegendEntry> = v
        .variants()
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let zero = values
                .iter()
                .all(|p| p[i].iter().flatten().all(|x| *x == 0.0));
            let label = match m.all_zero {
                Some(note) if zero => format!("{name} ({note})"),
                _ => name.clone(),
            };
            LegendEntry::line(style::variant_color(i), false, label)
        })
        .collect();
    let title = format!("{}: {} against {}", v.scenario(), m.name, v.x.path());
    let subtitle = format!("{} {}{}", m.explain, v.run_note(), v.panel_note());
    let area = frame(root, &title, &subtitle, &legend)?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);

    let tick_style = text(TICK_SIZE, INK, false);
    let measure = |s: &str| {
        area.estimate_text_size(s, &tick_style)
            .map(|d| d.0 as f64)
            .unwrap_or(0.0)
    };
    let y_ticks_all = y.ticks();
    let y_label_w = y_ticks_all
        .iter()
        .map(|t| measure(&y.label(*t, m.fmt)))
        .fold(0.0, f64::max) as i32;
    let many = v.panels.len() > 1;
    let g = Gutters {
        left: 40 + y_label_w + 14,
        right: 28,
        title: if many { 32 } else { 4 },
        ticks: 34,
        bottom: 36,
        col_gap: 34,
        row_gap: 10,
    };
    let cells = panels::cells(v.panels.len(), w, h, &g);
    let Some(first) = cells.first() else {
        return Ok(());
    };
    let last = cells[cells.len() - 1];

    // Shared y axis: ticks thinned so their labels never touch at this panel height.
    let (y0, y1) = (y.map(y.lo), y.map(y.hi));
    let y_range = (y0 - 0.03 * (y1 - y0))..y1;
    let y_ticks = thin(&y_ticks_all, &y_range, first.h as f64);

    let title_style = text(19.0, INK, true);
    for (cell, &yv) in cells.iter().zip(&v.panels) {
        let pad =
            (v.x.order.iter().map(|&i| measure(&v.x.label(i)))).fold(0.0, f64::max) / 2.0 + 2.0;
        let x_range = v.x.range(cell.w as f64, pad.max(16.0));
        let x_ticks = v.x.ticks(&x_range, cell.w as f64, &measure);
        let y_left = if cell.col == 0 { y_label_w + 14 } else { 0 };
        let sub = panels::panel_area(&area, cell, y_left, g.ticks);
        let mut chart = ChartBuilder::on(&sub)
            .x_label_area_size(g.ticks as u32)
            .y_label_area_size(y_left as u32)
            .build_cartesian_2d(
                axis(
                    x_range.clone(),
                    x_ticks.iter().map(|t| t.0).collect::<Vec<f64>>(),
                ),
                axis(y_range.clone(), y_ticks.clone()),
            )
            .map_err(e)?;
        let x_fmt = |t: &f64| {
            x_ticks
                .iter()
                .find(|(c, _)| (c - t).abs() < 1e-9)
                .map(|(_, l)| l.clone())
                .unwrap_or_default()
        };
        let y_fmt = |t: &f64| y.label(*t, m.fmt);
        let mut mesh = chart.configure_mesh();
        mesh.bold_line_style(GRID)
            .axis_style(ShapeStyle::from(MUTED).stroke_width(2))
            .label_style(tick_style.clone())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        if v.x.kind == AxisKind::Categorical {
            mesh.disable_x_mesh();
        }
        mesh.draw().map_err(e)?;
        if cell.col > 0 {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x_range.start, y_range.start), (x_range.start, y_range.end)],
                    ShapeStyle::from(MUTED).stroke_width(2),
                )))
                .map_err(e)?;
        }

        // Pixels between neighbouring points (the closest pair).
        let spacing =
            v.x.order
                .windows(2)
                .map(|w| (v.x.pos[w[1]] - v.x.pos[w[0]]).abs())
                .fold(f64::INFINITY, f64::min)
                / (x_range.end - x_range.start)
                * cell.w as f64;
        let panel = v.panels.iter().position(|p| *p == yv).unwrap_or(0);
        for (var, vals) in values[panel].iter().enumerate() {
            let color = style::variant_color(var);
            let pts: Vec<Option<(f64, f64)>> =
                v.x.order
                    .iter()
                    .zip(vals)
                    .map(|(&x, val)| val.map(|val| (v.x.pos[x], y.map(val))))
                    .collect();
            // A line through consecutive points; a gap where a point has no value.
            for seg in pts.split(|p| p.is_none()) {
                let seg: Vec<(f64, f64)> = seg.iter().flatten().copied().collect();
                if seg.len() > 1 {
                    chart
                        .draw_series(LineSeries::new(
                            seg,
                            ShapeStyle::from(color).stroke_width(line_width(var)),
                        ))
                        .map_err(e)?;
                }
            }
            // Markers where the points are far enough apart to tell them from the line.
            let r = (line_width(var) + 2).min((spacing / 4.0) as u32);
            if r >= 3 {
                chart
                    .draw_series(
                        pts.iter()
                            .flatten()
                            .map(|&p| Circle::new(p, r, color.filled())),
                    )
                    .map_err(e)?;
            }
        }

        if many {
            let long = v.panel_title(yv, false);
            let label = if panels::width(&area, &long, &title_style)? <= cell.w {
                long
            } else {
                v.panel_title(yv, true)
            };
            area.draw_text(&label, &title_style, (cell.x, cell.y - g.title + 4))
                .map_err(e)?;
        }
    }
    panels::y_desc(
        &area,
        &format!("{}{}", m.y_desc, if y.log { ", log scale" } else { "" }),
        8,
        first.y,
        last.y + last.h,
    )?;
    panels::x_desc(
        &area,
        &v.x.desc(),
        g.left,
        cells.iter().map(|c| c.x + c.w).max().unwrap_or(w),
        h - g.bottom + 2,
    )?;
    Ok(())
}
