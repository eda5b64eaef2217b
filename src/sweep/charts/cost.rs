//! Monthly cost: the KMS request cost per 30-day month against the first swept parameter, a
//! line per variant (log axis when the variants differ by orders of magnitude, as per-object
//! keys and bucket keys do), one panel per value of the second parameter.

use plotters::prelude::*;

use super::lines::{self, LogRule, Metric};
use super::view::SweepView;
use crate::chart::fmt_usd;
use crate::chart::{Area, Res};

pub(crate) const METRIC: Metric = Metric {
    name: "KMS cost per month",
    explain: "KMS requests served in the measured period, scaled to a 30-day month (throttled \
              calls are not billed).",
    y_desc: "KMS request cost (USD/month)",
    value: |h| Some(h.cost_usd_per_month),
    fmt: fmt_usd,
    rule: LogRule::Values,
    max: None,
    all_zero: None,
};

pub(super) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &SweepView) -> Res<()> {
    lines::draw(root, v, &METRIC)
}
