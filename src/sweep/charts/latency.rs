//! p99 latency: the worse of the PUT and GET 99th percentiles (first send to final outcome,
//! retries and backoff included) against the first swept parameter, a line per variant, one
//! panel per value of the second parameter. A point where a variant completed no request has
//! no p99 and leaves a gap in its line.

use plotters::prelude::*;

use super::lines::{self, LogRule, Metric};
use super::view::SweepView;
use crate::chart::{Area, Res, fmt_ms};

pub(crate) const METRIC: Metric = Metric {
    name: "p99 latency",
    explain: "The worse of the PUT and GET 99th percentiles, from first send to final outcome, \
              retries and backoff included.",
    y_desc: "p99 latency (ms)",
    value: |h| Some(h.p99_ms()).filter(|p| *p > 0.0),
    fmt: fmt_ms,
    rule: LogRule::Values,
    max: None,
    all_zero: None,
};

pub(super) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &SweepView) -> Res<()> {
    lines::draw(root, v, &METRIC)
}
