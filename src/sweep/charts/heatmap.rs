//! Throttle-rate heatmap of a two-parameter grid: one heatmap per variant (first parameter
//! across, second up, each in axis order), every cell one grid point coloured by its KMS
//! throttle rate on a shared colour scale (yellow to dark red; logarithmic when the rates
//! span orders of magnitude), grey where nothing was throttled, the value printed in each
//! cell when the cells are large enough to read it. The colour scale sits on the right.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::panels::{self, Gutters};
use super::view::SweepView;
use crate::chart::fmt_pct;
use crate::chart::style::{self, AXIS_LABEL_SIZE, INK, MUTED, TICK_SIZE};
use crate::chart::{Area, LOG_RATIO, Res, Scale, axis, e, frame, text};

/// Cells with no throttling at all.
const ZERO: RGBColor = RGBColor(232, 232, 232);
/// ColorBrewer YlOrRd without its palest step (which would read as the grey of zero).
const RAMP: [RGBColor; 8] = [
    RGBColor(255, 237, 160),
    RGBColor(254, 217, 118),
    RGBColor(254, 178, 76),
    RGBColor(253, 141, 60),
    RGBColor(252, 78, 42),
    RGBColor(227, 26, 28),
    RGBColor(189, 0, 38),
    RGBColor(128, 0, 38),
];
/// Width of the colour scale strip on the right.
const SCALE_W: i32 = 150;
const CELL_TEXT: [f64; 3] = [22.0, 18.0, 15.0];

/// Throttle rates (%) to colours.
struct Colors {
    scale: Scale,
}

impl Colors {
    fn new(values: &[f64]) -> Colors {
        let max = values.iter().copied().fold(0.0, f64::max);
        let min_pos = values
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let scale = if !min_pos.is_finite() {
            Scale::linear(1.0, 0.0)
        } else if max / min_pos >= LOG_RATIO {
            Scale::log(min_pos, max, 0.0, false)
        } else {
            Scale::linear(max, 0.0)
        };
        let mut scale = scale;
        scale.hi = scale.hi.min(100.0).max(scale.lo);
        Colors { scale }
    }

    /// Position on the ramp, 0 … 1.
    fn t(&self, v: f64) -> f64 {
        let (a, b) = (self.scale.map(self.scale.lo), self.scale.map(self.scale.hi));
        ((self.scale.map(v) - a) / (b - a)).clamp(0.0, 1.0)
    }

    fn ramp(t: f64) -> RGBColor {
        let x = t.clamp(0.0, 1.0) * (RAMP.len() - 1) as f64;
        let i = (x.floor() as usize).min(RAMP.len() - 2);
        let f = x - i as f64;
        let (a, b) = (RAMP[i], RAMP[i + 1]);
        let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
        RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    fn color(&self, v: f64) -> RGBColor {
        if v <= 0.0 {
            ZERO
        } else {
            Colors::ramp(self.t(v))
        }
    }
}

/// Ink that reads on `bg`.
fn ink_on(bg: RGBColor) -> RGBColor {
    let l = 0.2126 * bg.0 as f64 + 0.7152 * bg.1 as f64 + 0.0722 * bg.2 as f64;
    if l < 140.0 { WHITE } else { INK }
}

/// A cell's value as printed: `0`, `<0.01%`, `0.35%`, `12.5%`.
fn cell_label(v: f64) -> String {
    if v <= 0.0 {
        "0".into()
    } else if v < 0.01 {
        "<0.01%".into()
    } else if v < 10.0 {
        format!("{}%", crate::chart::sig3((v * 100.0).round() / 100.0))
    } else {
        format!("{v:.1}%")
    }
}

pub(super) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &SweepView) -> Res<()> {
    let Some(py) = &v.panel else {
        return Err("a heatmap needs two swept parameters".into());
    };
    let (xs, ys) = (v.x.as_slots(), py.as_slots());
    let nv = v.variants().len();
    // rate[variant][x rank][y rank], in percent.
    let rate: Vec<Vec<Vec<Option<f64>>>> = (0..nv)
        .map(|var| {
            xs.order
                .iter()
                .map(|&x| {
                    ys.order
                        .iter()
                        .map(|&y| v.get(x, y, var).map(|h| h.throttle_rate * 100.0))
                        .collect()
                })
                .collect()
        })
        .collect();
    let all: Vec<f64> = rate.iter().flatten().flatten().flatten().copied().collect();
    let colors = Colors::new(&all);
    let none = all.iter().all(|x| *x <= 0.0);

    let tick_style = text(TICK_SIZE, INK, false);
    let measure = |s: &str| {
        root.estimate_text_size(s, &tick_style)
            .map(|d| d.0 as f64)
            .unwrap_or(0.0)
    };
    let y_label_w = ys
        .order
        .iter()
        .map(|&i| measure(&ys.label(i)))
        .fold(0.0, f64::max) as i32;
    let g = Gutters {
        left: 40 + y_label_w + 14,
        right: SCALE_W,
        title: 34,
        ticks: 34,
        bottom: 36,
        col_gap: 30,
        row_gap: 10,
    };

    let title = format!(
        "{}: KMS throttle rate by {} and {}",
        v.scenario(),
        v.x.path(),
        py.path()
    );
    let subtitle = format!(
        "One heatmap per variant; each cell is one grid point, coloured by throttled KMS calls \
         over all KMS calls (warm-up excluded){}. {}{}",
        if none {
            "; no point throttled at all"
        } else {
            ", grey where none was throttled"
        },
        v.run_note(),
        " Exact values in sweep.csv."
    );
    let area = frame(root, &title, &subtitle, &[])?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let cells = panels::cells(nv, w, h, &g);
    let Some(first) = cells.first() else {
        return Ok(());
    };
    let last = cells[cells.len() - 1];
    // Every cell shows its value, or none does (when some would not fit).
    let (cw, ch) = (
        first.w as f64 / xs.len() as f64,
        first.h as f64 / ys.len() as f64,
    );
    let labels: Vec<String> = all.iter().map(|x| cell_label(*x)).collect();
    let cell_size = CELL_TEXT.into_iter().find(|size| {
        let st = text(*size, INK, false);
        ch >= size + 6.0
            && labels.iter().all(|l| {
                area.estimate_text_size(l, &st)
                    .map(|d| d.0 as f64 + 8.0 <= cw)
                    .unwrap_or(false)
            })
    });

    let name_style = text(21.0, INK, true);
    for (var, cell) in cells.iter().enumerate() {
        let x_range = -0.5..xs.len() as f64 - 0.5;
        let y_range = -0.5..ys.len() as f64 - 0.5;
        let x_ticks = xs.ticks(&x_range, cell.w as f64, &measure);
        // Rows: every k-th label so they stay 24 pixels apart.
        let every = ((24.0 * ys.len() as f64 / cell.h as f64).ceil() as usize).max(1);
        let y_ticks: Vec<(f64, String)> = ys
            .order
            .iter()
            .step_by(every)
            .map(|&i| (ys.pos[i], ys.label(i)))
            .collect();
        let y_left = if cell.col == 0 { y_label_w + 14 } else { 0 };
        let sub = panels::panel_area(&area, cell, y_left, g.ticks);
        let mut chart = ChartBuilder::on(&sub)
            .x_label_area_size(g.ticks as u32)
            .y_label_area_size(y_left as u32)
            .build_cartesian_2d(
                axis(x_range.clone(), x_ticks.iter().map(|t| t.0).collect()),
                axis(y_range.clone(), y_ticks.iter().map(|t| t.0).collect()),
            )
            .map_err(e)?;
        let find = |ticks: &[(f64, String)], t: f64| {
            ticks
                .iter()
                .find(|(c, _)| (c - t).abs() < 1e-9)
                .map(|(_, l)| l.clone())
                .unwrap_or_default()
        };
        let x_fmt = |t: &f64| find(&x_ticks, *t);
        let y_fmt = |t: &f64| find(&y_ticks, *t);
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(ShapeStyle::from(MUTED).stroke_width(2))
            .label_style(tick_style.clone())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()
            .map_err(e)?;

        for (xr, col) in rate[var].iter().enumerate() {
            for (yr, val) in col.iter().enumerate() {
                let (x, y) = (xr as f64, yr as f64);
                let corners = [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)];
                let fill = val.map(|r| colors.color(r)).unwrap_or(WHITE);
                chart
                    .draw_series(std::iter::once(Rectangle::new(corners, fill.filled())))
                    .map_err(e)?;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        corners,
                        ShapeStyle::from(WHITE).stroke_width(2),
                    )))
                    .map_err(e)?;
                if let Some(size) = cell_size {
                    let (label, ink) = match val {
                        Some(r) => (cell_label(*r), ink_on(fill)),
                        None => ("n/a".to_string(), MUTED),
                    };
                    let st = text(size, ink, false).pos(Pos::new(HPos::Center, VPos::Center));
                    chart
                        .draw_series(std::iter::once(Text::new(label, (x, y), st)))
                        .map_err(e)?;
                }
            }
        }

        // The variant's name, after a sample of its run-chart colour.
        let ty = cell.y - g.title / 2 - 2;
        area.draw(&PathElement::new(
            vec![(cell.x, ty), (cell.x + 28, ty)],
            ShapeStyle::from(style::variant_color(var)).stroke_width(6),
        ))
        .map_err(e)?;
        area.draw_text(
            &v.variants()[var],
            &name_style.pos(Pos::new(HPos::Left, VPos::Center)),
            (cell.x + 38, ty),
        )
        .map_err(e)?;
    }
    panels::y_desc(&area, &ys.desc(), 8, first.y, last.y + last.h)?;
    panels::x_desc(
        &area,
        &xs.desc(),
        g.left,
        cells.iter().map(|c| c.x + c.w).max().unwrap_or(w),
        h - g.bottom + 2,
    )?;
    color_scale(&area, &colors, w - SCALE_W + 30, first.y, last.y + last.h)
}

/// The colour scale: a vertical ramp with ticks from `top` to above the zero swatch near
/// `bottom`, at `x`.
fn color_scale<DB: DrawingBackend>(
    area: &Area<DB>,
    c: &Colors,
    x: i32,
    top: i32,
    bottom: i32,
) -> Res<()> {
    const BAR_W: i32 = 22;
    let bar_bottom = (bottom - 44).max(top + 40);
    let height = bar_bottom - top;
    let steps = 64;
    for k in 0..steps {
        let y_a = bar_bottom - height * k / steps;
        let y_b = bar_bottom - height * (k + 1) / steps;
        let color = Colors::ramp((k as f64 + 0.5) / steps as f64);
        area.draw(&Rectangle::new(
            [(x, y_b), (x + BAR_W, y_a)],
            color.filled(),
        ))
        .map_err(e)?;
    }
    area.draw(&Rectangle::new(
        [(x, top), (x + BAR_W, bar_bottom)],
        ShapeStyle::from(MUTED).stroke_width(1),
    ))
    .map_err(e)?;
    let s = &c.scale;
    let (a, b) = (s.map(s.lo), s.map(s.hi));
    let label_style = text(TICK_SIZE, INK, false).pos(Pos::new(HPos::Left, VPos::Center));
    let ticks = super::lines::thin(&s.ticks(), &(a..b), height as f64);
    let mut label_w = 0;
    for t in ticks {
        let y = bar_bottom - ((t - a) / (b - a) * height as f64).round() as i32;
        area.draw(&PathElement::new(
            vec![(x + BAR_W, y), (x + BAR_W + 6, y)],
            ShapeStyle::from(MUTED).stroke_width(1),
        ))
        .map_err(e)?;
        let l = s.label(t, fmt_pct);
        label_w = label_w.max(panels::width(area, &l, &label_style)?);
        area.draw_text(&l, &label_style, (x + BAR_W + 10, y))
            .map_err(e)?;
    }
    // Zero: its own swatch under the ramp.
    let zy = bottom - 22;
    area.draw(&Rectangle::new(
        [(x, zy - 11), (x + BAR_W, zy + 11)],
        ZERO.filled(),
    ))
    .map_err(e)?;
    area.draw_text("0: none", &label_style, (x + BAR_W + 10, zy))
        .map_err(e)?;
    let desc = format!(
        "KMS calls throttled (%){}",
        if s.log { ", log scale" } else { "" }
    );
    let st = text(AXIS_LABEL_SIZE, INK, false)
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Top));
    area.draw_text(
        &desc,
        &st,
        (x + BAR_W + 16 + label_w, (top + bar_bottom) / 2),
    )
    .map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_labels() {
        let c = Colors::new(&[0.0, 0.5, 50.0]);
        assert!(c.scale.log, "100x apart");
        assert_eq!(c.color(0.0), ZERO);
        assert_eq!(Colors::ramp(0.0), RAMP[0]);
        assert_eq!(Colors::ramp(1.0), RAMP[7]);
        assert_ne!(c.color(0.5), c.color(50.0));
        assert!(!Colors::new(&[0.0, 10.0, 40.0]).scale.log);
        assert_eq!(Colors::new(&[0.0]).color(0.0), ZERO);
        assert_eq!(cell_label(0.0), "0");
        assert_eq!(cell_label(0.004), "<0.01%");
        assert_eq!(cell_label(0.35), "0.35%");
        assert_eq!(cell_label(51.967), "52.0%");
        assert_eq!(ink_on(RAMP[7]), WHITE);
        assert_eq!(ink_on(RAMP[0]), INK);
    }
}
