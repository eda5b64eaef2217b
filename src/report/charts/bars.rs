//! Horizontal bar panels with a value label at the end of each bar, shared by the cost and
//! CloudTrail charts. Variant names sit on the y axis, so long names never collide; the value
//! axis is logarithmic when the bars differ by orders of magnitude, and leaves room on the
//! right for the longest label.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::style::{AXIS_LABEL_SIZE, GRID, INK, MUTED, TICK_SIZE};
use crate::chart::{LOG_RATIO, Res, Scale, axis, e, text};

/// Text size of the labels at the bars' ends.
const VALUE_SIZE: f64 = 20.0;

pub(crate) struct Bar {
    pub value: f64,
    pub label: String,
    pub fill: RGBColor,
    pub border: Option<RGBColor>,
}

/// The bars of one variant, top to bottom.
pub(crate) struct Group {
    pub name: String,
    pub bars: Vec<Bar>,
}

/// Draws `groups` as horizontal bars in `area`, titled `caption`, the value axis described by
/// `x_desc` and its ticks formatted by `fmt`. Names are drawn on the y axis when `names`.
pub(crate) fn hbars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    groups: &[Group],
    names: bool,
    caption: &str,
    x_desc: &str,
    fmt: fn(f64) -> String,
) -> Res<()> {
    let n = groups.len().max(1) as f64;
    let values: Vec<f64> = groups
        .iter()
        .flat_map(|g| g.bars.iter().map(|b| b.value))
        .collect();
    let max = values.iter().copied().fold(0.0, f64::max);
    let min_pos = values
        .iter()
        .copied()
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);

    let tick_style = text(TICK_SIZE, INK, false);
    let value_style = text(VALUE_SIZE, INK, false).pos(Pos::new(HPos::Left, VPos::Center));
    let label_w = groups
        .iter()
        .flat_map(|g| &g.bars)
        .map(|b| area.estimate_text_size(&b.label, &value_style).map(|s| s.0))
        .collect::<Result<Vec<u32>, _>>()
        .map_err(e)?
        .into_iter()
        .max()
        .unwrap_or(0);
    let name_w = if names {
        groups
            .iter()
            .map(|g| area.estimate_text_size(&g.name, &tick_style).map(|s| s.0))
            .collect::<Result<Vec<u32>, _>>()
            .map_err(e)?
            .into_iter()
            .max()
            .unwrap_or(0)
            + 24
    } else {
        12
    };
    let (area_w, _) = area.dim_in_pixel();
    let (margin_l, margin_r) = (12u32, 28u32);
    let plot_w = area_w.saturating_sub(name_w + margin_l + margin_r).max(100) as f64;
    // The fraction of the axis the longest label needs, beyond the longest bar.
    let room = ((label_w as f64 + 16.0) / plot_w).min(0.6);

    let scale = if max > 0.0 && min_pos.is_finite() && max / min_pos >= LOG_RATIO {
        let lo = 10f64.powf(min_pos.log10().floor());
        let (tl, tm) = (lo.log10(), max.log10());
        let th = tl + (tm - tl) / (1.0 - room);
        Scale {
            log: true,
            lo,
            hi: 10f64.powf(th),
            zero_floor: false,
        }
    } else {
        let top = if max > 0.0 { max } else { 1.0 };
        Scale {
            log: false,
            lo: 0.0,
            hi: top / (1.0 - room),
            zero_floor: false,
        }
    };
    let mut ticks = if scale.log {
        let first = scale.lo.log10().ceil() as i32;
        let last = scale.hi.log10().floor() as i32;
        let step = (last - first + 1 + 6) / 7;
        (first..=last)
            .filter(|d| (d - first) % step == 0)
            .map(|d| d as f64)
            .collect::<Vec<_>>()
    } else {
        let step = crate::chart::nice_step(scale.hi / 5.0);
        let k = (scale.hi / step).floor() as i64;
        (0..=k).map(|i| i as f64 * step).collect()
    };
    ticks.retain(|t| *t <= scale.map(scale.hi) + 1e-9);

    let centers: Vec<f64> = (0..groups.len()).map(|g| n - g as f64 - 0.5).collect();
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_left(margin_l)
        .margin_right(margin_r)
        .margin_top(6);
    if !caption.is_empty() {
        builder.caption(caption, text(AXIS_LABEL_SIZE, INK, true));
    }
    let mut chart = builder
        .x_label_area_size(66)
        .y_label_area_size(name_w)
        .build_cartesian_2d(
            axis(scale.range(), ticks),
            axis(0.0..n, if names { centers.clone() } else { vec![] }),
        )
        .map_err(e)?;
    let x_fmt = |t: &f64| {
        if scale.log {
            fmt(10f64.powf(*t))
        } else {
            fmt(*t)
        }
    };
    let y_fmt = |t: &f64| {
        centers
            .iter()
            .position(|c| (c - t).abs() < 1e-6)
            .map(|i| groups[i].name.clone())
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .bold_line_style(GRID)
        .axis_style(ShapeStyle::from(MUTED).stroke_width(2))
        .x_desc(format!("{x_desc}{}", scale.suffix()))
        .axis_desc_style(text(AXIS_LABEL_SIZE, INK, false))
        .label_style(tick_style.clone())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()
        .map_err(e)?;

    let x0 = scale.map(scale.lo);
    for (g, group) in groups.iter().enumerate() {
        let k = group.bars.len().max(1) as f64;
        let band = 0.72;
        let th = band / k;
        for (j, bar) in group.bars.iter().enumerate() {
            let top = centers[g] + band / 2.0 - j as f64 * th;
            let gap = if k > 1.0 { 0.08 * th } else { 0.0 };
            let (b0, b1) = (top - th + gap, top);
            let x1 = if bar.value > 0.0 {
                scale.map(bar.value)
            } else {
                x0
            };
            if bar.value > 0.0 {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, b0), (x1, b1)],
                        bar.fill.filled(),
                    )))
                    .map_err(e)?;
                if let Some(bc) = bar.border {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, b0), (x1, b1)],
                            ShapeStyle::from(bc).stroke_width(2),
                        )))
                        .map_err(e)?;
                }
            }
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x1, (b0 + b1) / 2.0))
                        + Text::new(bar.label.clone(), (8, 0), value_style.clone()),
                ))
                .map_err(e)?;
        }
    }
    Ok(())
}
