//! The report's lines for several Regions and for replication: a row per Region's KMS
//! (requests, peak against its own quota, throttles, cost), the replication rows (replicas,
//! the role's KMS calls, ETags that differ from their source, replications still pending),
//! the verdict's sentence naming the Regions that throttled, and the ETag warning.

use super::table::Row;
use crate::chart::format::{count_pct, group, group_f64, usd};
use crate::metrics::results::VariantSummary;

/// Rows for the KMS section: `Encrypt` calls (replication only), when any variant made some.
pub(crate) fn kms_rows(vs: &[&VariantSummary]) -> Vec<Row> {
    let mut out = Vec::new();
    if vs.iter().any(|v| v.kms.by_operation.Encrypt > 0) {
        out.push(row(vs, "KMS Encrypt (replicas)", |v| {
            group(v.kms.by_operation.Encrypt)
        }));
    }
    out
}

/// The per-Region section (when any variant uses several Regions or replicates) and the
/// replication section (when any variant replicates).
pub(crate) fn sections(vs: &[&VariantSummary]) -> Vec<Vec<Row>> {
    let mut out = Vec::new();
    let regions = vs.iter().map(|v| v.kms_regions.len()).max().unwrap_or(0);
    if regions > 0 {
        let mut rows = Vec::new();
        for i in 0..regions {
            let name = vs
                .iter()
                .find_map(|v| v.kms_regions.get(i).map(|r| r.region.clone()))
                .unwrap_or_default();
            let r = |v: &VariantSummary| v.kms_regions.get(i).cloned();
            rows.push(row(vs, &format!("KMS {name} requests"), |v| {
                r(v).map_or("-".into(), |r| group(r.requests))
            }));
            rows.push(row(vs, &format!("KMS {name} throttled"), |v| {
                r(v).map_or("-".into(), |r| count_pct(r.throttled, r.requests))
            }));
            rows.push(row(vs, &format!("KMS {name} peak rps / quota"), |v| {
                r(v).map_or("-".into(), |r| {
                    format!("{} / {}", group(r.peak_rps), group(r.quota_rps))
                })
            }));
            if vs.iter().any(|v| v.replication.is_some()) {
                rows.push(row(vs, &format!("KMS {name} for replication"), |v| {
                    r(v).map_or("-".into(), |r| group(r.replication_requests))
                }));
            }
            rows.push(row(vs, &format!("KMS {name} cost per month (USD)"), |v| {
                r(v).map_or("-".into(), |r| usd(r.cost_usd_per_month))
            }));
        }
        out.push(rows);
    }
    if vs.iter().any(|v| v.replication.is_some()) {
        let p = |v: &VariantSummary| v.replication.clone().unwrap_or_default();
        out.push(vec![
            row(vs, "Replicas written", |v| group(p(v).replicas)),
            row(vs, "Replica KMS requests (all Regions)", |v| {
                group(p(v).kms_requests)
            }),
            row(vs, "Replicas with another ETag than the source", |v| {
                count_pct(p(v).etag_different, p(v).replicas)
            }),
            row(vs, "Replication steps throttled and retried", |v| {
                group(p(v).retries)
            }),
            row(vs, "Replications pending at the end", |v| {
                group(p(v).pending_at_end)
            }),
            row(vs, "Replication lag, longest (s)", |v| {
                group_f64(p(v).max_lag_ms / 1000.0, 1)
            }),
        ]);
    }
    out
}

fn row(vs: &[&VariantSummary], label: &str, f: impl Fn(&VariantSummary) -> String) -> Row {
    (label.to_string(), vs.iter().map(|v| f(v)).collect())
}

/// The verdict's sentence naming the Regions whose KMS throttled (several Regions only).
pub(crate) fn throttled_regions(v: &VariantSummary) -> Option<String> {
    let names: Vec<String> = v
        .kms_regions
        .iter()
        .filter(|r| r.throttled > 0)
        .map(|r| {
            format!(
                "{} ({} of {} calls, peak {}/s against a quota of {}/s)",
                r.region,
                group(r.throttled),
                group(r.requests),
                group(r.peak_rps),
                group(r.quota_rps)
            )
        })
        .collect();
    if names.is_empty() || v.kms_regions.len() < 2 {
        return None;
    }
    Some(format!("KMS throttled in {}.", names.join(" and ")))
}

/// The ETag warning: replicas per second whose ETag differs from their source's.
pub(crate) fn etag_warning(v: &VariantSummary, measured_seconds: f64) -> Option<String> {
    let r = v.replication.as_ref()?;
    if r.etag_different == 0 || measured_seconds <= 0.0 {
        return None;
    }
    let per_s = r.etag_different as f64 / measured_seconds;
    Some(format!(
        "{} replicas/s get a different ETag than their source; applications comparing ETags \
         across buckets must account for this (an unencrypted or SSE-S3 source replicated into \
         SSE-KMS with a bucket key, aws-facts §3.7).",
        group_f64(per_s, if per_s >= 10.0 { 0 } else { 2 })
    ))
}

/// With several Regions, the verdict's peak sentence: each Region's peak against its own
/// quota (the totals' peak mixes quotas that are not shared).
pub(crate) fn region_peaks(v: &VariantSummary) -> Option<String> {
    if v.kms_regions.len() < 2 {
        return None;
    }
    let parts: Vec<String> = v
        .kms_regions
        .iter()
        .map(|r| {
            let share = if r.quota_rps > 0 {
                format!(
                    " ({:.1}% of it)",
                    100.0 * r.peak_rps as f64 / r.quota_rps as f64
                )
            } else {
                String::new()
            };
            format!(
                "{} {} requests/s against its quota of {} requests/s{share}",
                r.region,
                group(r.peak_rps),
                group(r.quota_rps)
            )
        })
        .collect();
    Some(format!(
        "Peak KMS requests per Region: {}.",
        parts.join("; ")
    ))
}
