//! Throttling: two panels over simulated time sharing the x axis. Top: KMS calls rejected
//! with ThrottlingException per second. Bottom: S3 503 SlowDown answers per second, solid
//! when KMS throttled S3's call, dashed when a prefix exceeded its request rate (drawn only
//! when some variant hit a prefix limit). A line per variant in its colour; a variant that
//! was never throttled lies on the zero line and its legend entry says so.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{RunView, TimeAxis};
use crate::chart::style::{
    self, ANNOTATION_SIZE, AXIS_LABEL_SIZE, GRID, INK, MUTED, NEUTRAL, TICK_SIZE, WARMUP_FILL,
};
use crate::chart::{Area, LegendEntry, Res, Scale, axis, e, fmt_count, frame, line_width, text};

struct Line {
    color: RGBColor,
    width: u32,
    dashed: bool,
    points: Vec<(f64, f64)>,
}

pub(super) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &RunView) -> Res<()> {
    let s = &v.run.summary;
    let t = TimeAxis::for_seconds(v.end_second, v.run.timeseries_step);
    let ts = &v.run.timeseries;
    let series = |f: fn(&crate::metrics::results::SecondRow) -> u64| -> Vec<Vec<(f64, f64)>> {
        ts.iter()
            .map(|rows| t.points(rows, |r| r.second, |r| f(r) as f64))
            .collect()
    };
    let kms = series(|r| r.kms_throttled);
    let s3_kms = series(|r| r.slowdown_kms);
    let s3_prefix = series(|r| r.slowdown_prefix);
    let any_prefix = s3_prefix.iter().flatten().any(|p| p.1 > 0.0);

    let mut legend = Vec::new();
    for (i, var) in s.variants.iter().enumerate() {
        let quiet = ts[i]
            .iter()
            .all(|r| r.kms_throttled == 0 && r.slowdown_kms == 0 && r.slowdown_prefix == 0);
        let label = if quiet {
            format!("{} (never throttled)", var.name)
        } else {
            var.name.clone()
        };
        legend.push(LegendEntry::line(style::variant_color(i), false, label));
    }
    if any_prefix {
        legend.push(LegendEntry::line(NEUTRAL, false, "503: KMS throttled S3"));
        legend.push(LegendEntry::line(
            NEUTRAL,
            true,
            "503: S3 prefix request rate",
        ));
    }
    if s.warmup_seconds > 0.0 {
        legend.push(LegendEntry::fill(
            WARMUP_FILL.to_rgba(),
            Some(GRID),
            "warm-up (not in statistics)",
        ));
    }

    let title = format!("{}: throttling per second", v.scenario());
    let subtitle = format!(
        "{}. Throttled calls are retried by the SDK; a request fails when its retries run out.",
        v.description()
    );
    let area = frame(root, &title, &subtitle, &legend)?;
    let (_, h) = area.dim_in_pixel();
    let (top, bottom) = area.split_vertically(h / 2);

    let kms_lines: Vec<Line> = kms
        .into_iter()
        .enumerate()
        .map(|(i, points)| Line {
            color: style::variant_color(i),
            width: line_width(i),
            dashed: false,
            points,
        })
        .collect();
    let mut s3_lines: Vec<Line> = s3_kms
        .into_iter()
        .enumerate()
        .map(|(i, points)| Line {
            color: style::variant_color(i),
            width: line_width(i),
            dashed: false,
            points,
        })
        .collect();
    if any_prefix {
        for (i, points) in s3_prefix.into_iter().enumerate() {
            if points.iter().any(|p| p.1 > 0.0) {
                s3_lines.push(Line {
                    color: style::variant_color(i),
                    width: 3,
                    dashed: true,
                    points,
                });
            }
        }
    }
    panel(
        &top,
        v,
        &t,
        &kms_lines,
        "KMS ThrottlingException",
        "throttled KMS calls/s",
        false,
    )?;
    panel(
        &bottom,
        v,
        &t,
        &s3_lines,
        "S3 503 SlowDown",
        "503 SlowDown/s",
        true,
    )?;
    Ok(())
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    v: &RunView,
    t: &TimeAxis,
    lines: &[Line],
    name: &str,
    y_desc: &str,
    x_axis: bool,
) -> Res<()> {
    let peaks: Vec<f64> = lines
        .iter()
        .map(|l| l.points.iter().map(|p| p.1).fold(0.0, f64::max))
        .collect();
    let nothing = peaks.iter().all(|p| *p <= 0.0);
    let points: Vec<Vec<(f64, f64)>> = lines.iter().map(|l| l.points.clone()).collect();
    let y = Scale::auto(&peaks, Scale::min_positive(&points), &[], 0.15, true);
    let x_end = v.end_second as f64 / t.unit;
    let mut chart = ChartBuilder::on(area)
        .margin_left(16)
        .margin_right(36)
        .margin_top(if x_axis { 22 } else { 6 })
        .x_label_area_size(if x_axis { 66 } else { 4 })
        .y_label_area_size(118)
        .build_cartesian_2d(axis(0.0..x_end, t.ticks(x_end)), axis(y.range(), y.ticks()))
        .map_err(e)?;
    let (y0, y1) = (y.map(y.lo), y.map(y.hi));
    let warmup = v.run.summary.warmup_seconds / t.unit;
    if warmup > 0.0 {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, y0), (warmup.min(x_end), y1)],
                WARMUP_FILL.filled(),
            )))
            .map_err(e)?;
    }
    let y_fmt = |v: &f64| y.label(*v, fmt_count);
    let x_fmt = |v: &f64| fmt_count(*v);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .bold_line_style(GRID)
        .axis_style(ShapeStyle::from(MUTED).stroke_width(2))
        .y_desc(format!("{y_desc}{}", y.suffix()))
        .axis_desc_style(text(AXIS_LABEL_SIZE, INK, false))
        .label_style(text(TICK_SIZE, INK, false))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt);
    if x_axis {
        mesh.x_desc(format!("{}{}", t.desc, t.rate_note()));
    } else {
        mesh.x_labels(0);
    }
    mesh.draw().map_err(e)?;

    for l in lines {
        let pts: Vec<(f64, f64)> = l.points.iter().map(|&(x, v)| (x, y.map(v))).collect();
        let style = ShapeStyle::from(l.color).stroke_width(l.width);
        if l.dashed {
            chart
                .draw_series(DashedLineSeries::new(pts, 10, 6, style))
                .map_err(e)?;
        } else {
            chart.draw_series(LineSeries::new(pts, style)).map_err(e)?;
        }
    }

    // Panel name in the top left corner of the plot, on a white box.
    let label = if nothing {
        format!("{name}: none in any variant")
    } else {
        name.to_string()
    };
    let st = text(ANNOTATION_SIZE, INK, true).pos(Pos::new(HPos::Left, VPos::Top));
    let (w, h) = area.estimate_text_size(&label, &st).map_err(e)?;
    chart
        .plotting_area()
        .draw(
            &(EmptyElement::at((0.0, y1))
                + Rectangle::new(
                    [(10, 6), (10 + w as i32 + 16, 6 + h as i32 + 10)],
                    WHITE.mix(0.9).filled(),
                )
                + Text::new(label, (18, 11), st)),
        )
        .map_err(e)?;
    Ok(())
}
