//! KMS traffic: requests per second over simulated time, one line per variant, the quota as
//! a dashed horizontal line, each variant's throttled calls shaded beneath its line in its
//! colour, edged with a thin line so overlapping shadings stay apart. When other applications share the quota (`kms.background_rps`), the lines show
//! all calls against the quota (this scenario's plus theirs) and a grey line shows theirs.
//! The warm-up (left out of the statistics) is a grey band; when retries go on after
//! arrivals stop, a dotted line marks the stop.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::common::{RunView, TimeAxis};
use crate::chart::format::group;
use crate::chart::style::{
    self, ANNOTATION_SIZE, AXIS_LABEL_SIZE, GRID, INK, MUTED, NEUTRAL, TICK_SIZE, WARMUP_FILL,
};
use crate::chart::{Area, LegendEntry, Res, Scale, axis, e, fmt_count, frame, line_width, text};

/// Opacity of the throttled-calls shading (overlapping variants stay distinguishable).
const THROTTLED_ALPHA: f64 = 0.22;

pub(super) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &RunView) -> Res<()> {
    let s = &v.run.summary;
    let t = TimeAxis::for_seconds(v.end_second, v.run.timeseries_step);
    let background = s.variants.iter().any(|x| x.kms.background_requests > 0);

    let lines: Vec<Vec<(f64, f64)>> = v
        .run
        .timeseries
        .iter()
        .map(|rows| {
            t.points(
                rows,
                |r| r.second,
                |r| (r.kms_requests + if background { r.background_requests } else { 0 }) as f64,
            )
        })
        .collect();
    let throttled: Vec<Vec<(f64, f64)>> = v
        .run
        .timeseries
        .iter()
        .map(|rows| t.points(rows, |r| r.second, |r| r.kms_throttled as f64))
        .collect();
    let bg_line = if background {
        Some(t.points(
            &v.run.timeseries[0],
            |r| r.second,
            |r| r.background_requests as f64,
        ))
    } else {
        None
    };

    let mut quotas: Vec<u64> = s.variants.iter().map(|x| x.kms.quota_rps).collect();
    quotas.sort_unstable();
    quotas.dedup();
    let peaks: Vec<f64> = lines
        .iter()
        .map(|l| l.iter().map(|p| p.1).fold(0.0, f64::max))
        .collect();
    let extra: Vec<f64> = quotas.iter().map(|q| *q as f64).collect();
    let y = Scale::auto(&peaks, Scale::min_positive(&lines), &extra, 0.25, true);
    let x_end = v.end_second as f64 / t.unit;

    let region = v.parameter("kms.region").unwrap_or("");
    let mut legend: Vec<LegendEntry> = Vec::new();
    for (i, var) in s.variants.iter().enumerate() {
        legend.push(LegendEntry::line(style::variant_color(i), false, &var.name));
    }
    for (i, var) in s.variants.iter().enumerate() {
        if throttled[i].iter().any(|p| p.1 > 0.0) {
            legend.push(LegendEntry::fill(
                style::variant_color(i).mix(THROTTLED_ALPHA),
                Some(style::variant_color(i)),
                format!("{} throttled", var.name),
            ));
        }
    }
    for q in &quotas {
        let label = if quotas.len() == 1 && !region.is_empty() {
            format!("quota {} rps ({region})", group(*q))
        } else {
            format!("quota {} rps", group(*q))
        };
        legend.push(LegendEntry::line(INK, true, label));
    }
    if background {
        legend.push(LegendEntry::line(
            NEUTRAL,
            false,
            "other applications' calls",
        ));
    }
    if s.warmup_seconds > 0.0 {
        legend.push(LegendEntry::fill(
            WARMUP_FILL.to_rgba(),
            Some(GRID),
            "warm-up (not in statistics)",
        ));
    }

    let title = format!("{}: KMS requests per second", v.scenario());
    let subtitle = if background {
        format!(
            "{}. Lines: all calls against the account's quota, this scenario's plus other \
             applications'.",
            v.description()
        )
    } else {
        format!("{}.", v.description())
    };
    let area = frame(root, &title, &subtitle, &legend)?;

    let y_desc = if background {
        "KMS requests/s in the account"
    } else {
        "KMS requests/s"
    };
    let mut chart = ChartBuilder::on(&area)
        .margin_left(16)
        .margin_right(36)
        .margin_top(8)
        .x_label_area_size(66)
        .y_label_area_size(118)
        .build_cartesian_2d(axis(0.0..x_end, t.ticks(x_end)), axis(y.range(), y.ticks()))
        .map_err(e)?;

    let (y0, y1) = (y.map(y.lo), y.map(y.hi));
    let warmup = s.warmup_seconds / t.unit;
    if warmup > 0.0 {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, y0), (warmup.min(x_end), y1)],
                WARMUP_FILL.filled(),
            )))
            .map_err(e)?;
    }

    let y_fmt = |t: &f64| y.label(*t, fmt_count);
    let x_fmt = |t: &f64| fmt_count(*t);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .axis_style(ShapeStyle::from(MUTED).stroke_width(2))
        .x_desc(format!("{}{}", t.desc, t.rate_note()))
        .y_desc(format!("{y_desc}{}", y.suffix()))
        .axis_desc_style(text(AXIS_LABEL_SIZE, INK, false))
        .label_style(text(TICK_SIZE, INK, false))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()
        .map_err(e)?;

    // Throttled calls: shaded from the axis up to the throttled rate.
    for (i, pts) in throttled.iter().enumerate() {
        if !pts.iter().any(|p| p.1 > 0.0) {
            continue;
        }
        let c = style::variant_color(i);
        chart
            .draw_series(
                AreaSeries::new(
                    pts.iter().map(|&(x, v)| (x, y.map(v))),
                    y0,
                    c.mix(THROTTLED_ALPHA).filled(),
                )
                .border_style(ShapeStyle::from(c.mix(0.8)).stroke_width(1)),
            )
            .map_err(e)?;
    }
    if let Some(bg) = &bg_line {
        chart
            .draw_series(LineSeries::new(
                bg.iter().map(|&(x, v)| (x, y.map(v))),
                ShapeStyle::from(NEUTRAL).stroke_width(2),
            ))
            .map_err(e)?;
    }
    for (i, pts) in lines.iter().enumerate() {
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|&(x, v)| (x, y.map(v))),
                ShapeStyle::from(style::variant_color(i)).stroke_width(line_width(i)),
            ))
            .map_err(e)?;
    }
    for q in &quotas {
        let qy = y.map(*q as f64);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, qy), (x_end, qy)],
                14,
                8,
                ShapeStyle::from(INK).stroke_width(3),
            ))
            .map_err(e)?;
    }

    // Arrivals stop at the scenario's duration; the rest is retries draining.
    let stop = s.simulated_seconds / t.unit;
    if stop > 0.0 && stop < x_end * 0.985 {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(stop, y0), (stop, y1)],
                4,
                6,
                ShapeStyle::from(MUTED).stroke_width(2),
            ))
            .map_err(e)?;
        // The label goes right of the line, or left of it near the right edge.
        let right = stop < x_end * 0.8;
        let (h, dx) = if right {
            (HPos::Left, 8)
        } else {
            (HPos::Right, -8)
        };
        let note = text(ANNOTATION_SIZE, MUTED, false).pos(Pos::new(h, VPos::Top));
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((stop, y1)) + Text::new("arrivals stop", (dx, 6), note),
            ))
            .map_err(e)?;
    }
    Ok(())
}
