//! Cost: KMS cost per 30-day month per variant (request cost plus key storage) as labelled
//! bars, and beside it the KMS requests per month that cost comes from. Both scale the
//! measured period (warm-up excluded) to 30 days, as `summary.json` does.

use plotters::prelude::*;

use super::bars::{Bar, Group, hbars};
use super::common::RunView;
use crate::chart::format::usd;
use crate::chart::style;
use crate::chart::{Area, Res, e, fmt_count, fmt_usd_tick, fmt_words, frame};

/// Seconds in the 30-day month the summary's monthly figures use.
const MONTH_DAYS: f64 = 30.0;

pub(super) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &RunView) -> Res<()> {
    let s = &v.run.summary;
    let title = format!("{}: KMS cost and requests per month", v.scenario());
    let keys = s
        .variants
        .iter()
        .any(|x| x.kms.key_cost_usd_per_month > 0.0);
    let subtitle = format!(
        "{}. The measured period scaled to a 30-day month; cost is {}requests KMS served \
         (throttled calls are not billed), requests include throttled calls.",
        v.description(),
        if keys { "key storage plus " } else { "" }
    );
    let area = frame(root, &title, &subtitle, &[])?;
    let (w, _) = area.dim_in_pixel();
    let (left, right) = area.split_horizontally(w * 56 / 100);

    let cost: Vec<Group> = s
        .variants
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let total = x.kms.cost_usd_per_month + x.kms.key_cost_usd_per_month;
            Group {
                name: x.name.clone(),
                bars: vec![Bar {
                    value: total,
                    label: usd(total),
                    fill: style::variant_color(i),
                    border: None,
                }],
            }
        })
        .collect();
    let requests: Vec<Group> = s
        .variants
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let per_month = x.cloudtrail.kms_events_per_day * MONTH_DAYS;
            Group {
                name: x.name.clone(),
                bars: vec![Bar {
                    value: per_month,
                    label: fmt_words(per_month),
                    fill: style::variant_color(i),
                    border: None,
                }],
            }
        })
        .collect();
    hbars(
        &left,
        &cost,
        true,
        "KMS cost per 30-day month",
        "USD per month",
        fmt_usd_tick,
    )?;
    hbars(
        &right,
        &requests,
        false,
        "KMS requests per 30-day month",
        "requests per month",
        fmt_count,
    )?;
    root.present().map_err(e)
}
