//! Latency: HdrHistogram percentile curves of one operation, a line per variant. The x axis
//! is the usual log-of-1/(1−p) scale from 50 % to 99.999 % (each decade of tail gets the
//! same width); the y axis is milliseconds, logarithmic when the curves span orders of
//! magnitude. Points come from the `.hgrm` files; a curve stops where its histogram's data
//! stops (few requests have no 99.999th percentile of their own).

use plotters::prelude::*;

use super::Op;
use super::common::RunView;
use crate::chart::format::group;
use crate::chart::style::{self, AXIS_LABEL_SIZE, GRID, INK, MUTED, TICK_SIZE};
use crate::chart::{Area, LegendEntry, Res, Scale, axis, e, fmt_ms, frame, line_width, text};
use crate::report::load::PercentileCurve;

/// x of the 50th percentile: log10(1/(1-0.5)).
const X_MIN: f64 = std::f64::consts::LOG10_2;
/// x of the 99.999th percentile.
const X_MAX: f64 = 5.0;

/// The x coordinate of percentile `p` (0 … 1).
fn x_of(p: f64) -> f64 {
    (1.0 / (1.0 - p)).log10()
}

/// The curve's points from the 50th to the 99.999th percentile, in (x, ms).
fn points(c: &PercentileCurve) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for w in c.points.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b.percentile < 0.5 || a.percentile >= 1.0 {
            continue;
        }
        if out.is_empty() {
            // Start exactly at 50 %: the value at or above the median.
            let v = if a.percentile >= 0.5 {
                a.value_ms
            } else {
                b.value_ms
            };
            out.push((X_MIN, v));
        }
        if b.percentile >= 1.0 {
            break;
        }
        let xb = x_of(b.percentile);
        if xb > X_MAX {
            out.push((X_MAX, b.value_ms));
            break;
        }
        if xb > X_MIN {
            out.push((xb, b.value_ms));
        }
    }
    out
}

fn pct_label(x: f64) -> String {
    let p = 100.0 * (1.0 - 10f64.powf(-x));
    let s = format!("{p:.3}");
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

pub(super) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &RunView, op: Op) -> Res<()> {
    let s = &v.run.summary;
    let curves: Vec<&PercentileCurve> = v
        .run
        .latency
        .iter()
        .map(|l| match op {
            Op::Put => &l.put,
            Op::Get => &l.get,
        })
        .collect();
    let lines: Vec<Vec<(f64, f64)>> = curves.iter().map(|c| points(c)).collect();

    let mut legend = Vec::new();
    for (i, var) in s.variants.iter().enumerate() {
        let counts = match op {
            Op::Put => var.requests.put,
            Op::Get => var.requests.get,
        };
        let label = if curves[i].total_count == 0 {
            format!("{}: no completed {}s", var.name, op.upper())
        } else if counts.failed > 0 {
            format!(
                "{}: {} completed ({} failed, not in the curve)",
                var.name,
                group(curves[i].total_count),
                group(counts.failed)
            )
        } else {
            format!("{}: {} completed", var.name, group(curves[i].total_count))
        };
        legend.push(LegendEntry::line(style::variant_color(i), false, label));
    }

    let title = format!("{}: {} latency by percentile", v.scenario(), op.upper());
    let subtitle = format!(
        "{}. From first send to final outcome, retries and backoff included.",
        v.description()
    );
    let area = frame(root, &title, &subtitle, &legend)?;

    let peaks: Vec<f64> = lines
        .iter()
        .map(|l| l.iter().map(|p| p.1).fold(0.0, f64::max))
        .collect();
    let lows: Vec<f64> = lines
        .iter()
        .filter_map(|l| l.first().map(|p| p.1))
        .filter(|v| *v > 0.0)
        .collect();
    let low = lows.iter().copied().fold(f64::INFINITY, f64::min);
    let high = peaks.iter().copied().fold(0.0, f64::max);
    let y = if low.is_finite() && high / low >= 20.0 {
        Scale::log(low, high, 0.1, false)
    } else {
        Scale::linear(high, 0.1)
    };

    let x_ticks: Vec<f64> = vec![X_MIN, 1.0, 2.0, 3.0, 4.0, 5.0];
    let mut chart = ChartBuilder::on(&area)
        .margin_left(16)
        .margin_right(44)
        .margin_top(8)
        .x_label_area_size(66)
        .y_label_area_size(118)
        .build_cartesian_2d(axis(X_MIN..X_MAX, x_ticks), axis(y.range(), y.ticks()))
        .map_err(e)?;
    let y_fmt = |t: &f64| y.label(*t, fmt_ms);
    let x_fmt = |t: &f64| pct_label(*t);
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .axis_style(ShapeStyle::from(MUTED).stroke_width(2))
        .x_desc("percentile (log scale of 1/(1−p))")
        .y_desc(format!("latency (ms){}", y.suffix()))
        .axis_desc_style(text(AXIS_LABEL_SIZE, INK, false))
        .label_style(text(TICK_SIZE, INK, false))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()
        .map_err(e)?;
    for (i, pts) in lines.iter().enumerate() {
        if pts.is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|&(x, v)| (x, y.map(v))),
                ShapeStyle::from(style::variant_color(i)).stroke_width(line_width(i)),
            ))
            .map_err(e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::load::PercentilePoint;

    #[test]
    fn percentile_axis() {
        assert_eq!(pct_label(X_MIN), "50%");
        assert_eq!(pct_label(1.0), "90%");
        assert_eq!(pct_label(3.0), "99.9%");
        assert_eq!(pct_label(5.0), "99.999%");
    }

    #[test]
    fn curve_points_start_at_the_median_and_stop_at_five_nines() {
        let p = |v: f64, q: f64| PercentilePoint {
            value_ms: v,
            percentile: q,
            total_count: 0,
        };
        let c = PercentileCurve {
            points: vec![
                p(1.0, 0.0),
                p(2.0, 0.5),
                p(3.0, 0.9),
                p(4.0, 0.999999),
                p(4.0, 1.0),
            ],
            total_count: 10,
            max_ms: 4.0,
            mean_ms: 2.0,
        };
        let pts = points(&c);
        assert_eq!(pts[0], (X_MIN, 2.0));
        assert!((pts[1].0 - 1.0).abs() < 1e-9 && pts[1].1 == 3.0);
        assert_eq!(*pts.last().unwrap(), (X_MAX, 4.0));
        assert!(points(&PercentileCurve::default()).is_empty());
    }
}
