//! Throttle rate: the share of KMS calls rejected with ThrottlingException against the first
//! swept parameter, a line per variant, one panel per value of the second parameter.

use plotters::prelude::*;

use super::lines::{self, LogRule, Metric};
use super::view::SweepView;
use crate::chart::fmt_pct;
use crate::chart::{Area, Res};

pub(crate) const METRIC: Metric = Metric {
    name: "KMS throttle rate",
    explain: "Throttled KMS calls over all KMS calls, warm-up excluded; throttled calls are \
              retried by the SDK.",
    y_desc: "KMS calls throttled (%)",
    value: |h| Some(h.throttle_rate * 100.0),
    fmt: fmt_pct,
    rule: LogRule::Peaks,
    max: Some(100.0),
    all_zero: Some("never throttled"),
};

pub(super) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &SweepView) -> Res<()> {
    lines::draw(root, v, &METRIC)
}
