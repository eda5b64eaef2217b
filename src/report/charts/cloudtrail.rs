//! CloudTrail: KMS events per day per variant, split by the encryption context the events
//! record: the object ARN (per-object data keys), the bucket ARN (S3 Bucket Keys) or the
//! client's own context (client-side encryption). One group of bars per variant, in the
//! variant's colour: solid for object-ARN, a light tint for bucket-ARN, a lighter one for
//! client context. Only the contexts that occur in some variant are drawn.

use plotters::prelude::*;

use super::bars::{Bar, Group, hbars};
use super::common::RunView;
use crate::chart::style::{self, NEUTRAL};
use crate::chart::{Area, LegendEntry, Res, fmt_count, fmt_words, frame};
use crate::metrics::results::CloudTrailSummary;

struct Context {
    label: &'static str,
    short: &'static str,
    count: fn(&CloudTrailSummary) -> u64,
    tint: f64,
}

const CONTEXTS: [Context; 3] = [
    Context {
        label: "object-ARN context (per-object data keys)",
        short: "object ARN",
        count: |c| c.object_arn_context,
        tint: 0.0,
    },
    Context {
        label: "bucket-ARN context (S3 Bucket Keys)",
        short: "bucket ARN",
        count: |c| c.bucket_arn_context,
        tint: 0.55,
    },
    Context {
        label: "client context (client-side encryption)",
        short: "client context",
        count: |c| c.client_context,
        tint: 0.8,
    },
];

pub(super) fn draw<DB: DrawingBackend>(root: &Area<DB>, v: &RunView) -> Res<()> {
    let s = &v.run.summary;
    let present: Vec<&Context> = CONTEXTS
        .iter()
        .filter(|c| s.variants.iter().any(|x| (c.count)(&x.cloudtrail) > 0))
        .collect();
    let legend: Vec<LegendEntry> = present
        .iter()
        .map(|c| {
            LegendEntry::fill(
                style::tint(NEUTRAL, c.tint).to_rgba(),
                (c.tint > 0.0).then_some(NEUTRAL),
                c.label,
            )
        })
        .collect();
    let title = format!("{}: KMS CloudTrail events per day", v.scenario());
    let subtitle = format!(
        "{}. One event per KMS call at the measured rate, throttled calls included (logged \
         with an error code); by the encryption context each event records.",
        v.description()
    );
    let area = frame(root, &title, &subtitle, &legend)?;
    // Each variant's contexts with events; a variant without any KMS call gets one empty bar
    // that says so.
    let groups: Vec<Group> = s
        .variants
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let c = &x.cloudtrail;
            let total = c.object_arn_context + c.bucket_arn_context + c.client_context;
            let color = style::variant_color(i);
            let mut bars: Vec<Bar> = present
                .iter()
                .filter(|ctx| (ctx.count)(c) > 0)
                .map(|ctx| {
                    let per_day = c.kms_events_per_day * (ctx.count)(c) as f64 / total as f64;
                    Bar {
                        value: per_day,
                        label: format!("{} per day, {}", fmt_words(per_day.round()), ctx.short),
                        fill: style::tint(color, ctx.tint),
                        border: (ctx.tint > 0.0).then_some(color),
                    }
                })
                .collect();
            if bars.is_empty() {
                bars.push(Bar {
                    value: 0.0,
                    label: "no KMS events".into(),
                    fill: color,
                    border: None,
                });
            }
            Group {
                name: x.name.clone(),
                bars,
            }
        })
        .collect();
    hbars(&area, &groups, true, "", "KMS events per day", fmt_count)
}
