//! The comparison table `bksim run` prints: one column per variant, one row per metric, so a
//! capacity planner sees at a glance which option throttles, what it costs and what latency
//! clients get. Plain text, no colour, deterministic, numbers right-aligned with thousands
//! separators; fits 100 columns for two or three variants with realistic figures. Rows for
//! an operation nobody sent (no PUT or no GET traffic in any variant) are left out. Notes
//! the variants carry (ignored settings, assumptions) follow the table.

use std::fmt::Write;

pub(crate) use crate::chart::format::{count_pct, plain_number, usd};
pub use crate::chart::format::{group, group_f64};
use crate::metrics::results::{LatencySummary, OpCounts, RunResults, VariantSummary};

/// The table, the notes and a final newline.
pub fn comparison_table(r: &RunResults) -> String {
    let variants: Vec<&VariantSummary> = r.variants.iter().map(|v| &v.summary).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Scenario {} (seed {}): {} s simulated{}",
        r.scenario,
        r.seed,
        plain_number(r.simulated_seconds),
        if r.warmup_seconds > 0.0 {
            format!(
                ", first {} s excluded as warm-up",
                plain_number(r.warmup_seconds)
            )
        } else {
            String::new()
        }
    );
    if !r.description.trim().is_empty() {
        let _ = writeln!(out, "{}", r.description.trim());
    }
    if variants.is_empty() {
        out.push_str("(no variants ran)\n");
        return out;
    }
    out.push('\n');

    let sections = sections(&variants);
    render(&mut out, &variants, &sections);
    out.push_str(&crate::report::expect::terminal_section(
        &r.expectations,
        &variants,
    ));

    let notes = notes(&variants);
    if !notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}

/// A row: its label and one cell per variant.
pub(crate) type Row = (String, Vec<String>);

pub(crate) fn sections(vs: &[&VariantSummary]) -> Vec<Vec<Row>> {
    let has_put = vs.iter().any(|v| has_traffic(&v.requests.put));
    let has_get = vs.iter().any(|v| has_traffic(&v.requests.get));
    let row = |label: &str, f: &dyn Fn(&VariantSummary) -> String| -> Row {
        (label.to_string(), vs.iter().map(|v| f(v)).collect())
    };

    let mut requests = Vec::new();
    for (op, on, pick) in [
        (
            "PUT",
            has_put,
            (|v: &VariantSummary| v.requests.put) as fn(&VariantSummary) -> OpCounts,
        ),
        ("GET", has_get, |v: &VariantSummary| v.requests.get),
    ] {
        if !on {
            continue;
        }
        requests.push(row(&format!("{op} offered"), &|v| group(pick(v).offered)));
        requests.push(row(&format!("{op} completed"), &|v| {
            group(pick(v).completed)
        }));
        requests.push(row(&format!("{op} failed"), &|v| {
            count_pct(pick(v).failed, pick(v).offered)
        }));
        requests.push(row(&format!("{op} retries"), &|v| group(pick(v).retries)));
        if vs.iter().any(|v| pick(v).no_object > 0) {
            requests.push(row(&format!("{op} with no object to read"), &|v| {
                group(pick(v).no_object)
            }));
        }
    }

    if vs.iter().any(|v| !v.other_requests.is_zero()) {
        // Replayed HEAD, DELETE, multipart calls and copy sources.
        let o = |v: &VariantSummary| v.other_requests;
        requests.push(row("Other offered (HEAD, DELETE, multipart...)", &|v| {
            group(o(v).offered)
        }));
        requests.push(row("Other completed", &|v| group(o(v).completed)));
        requests.push(row("Other failed", &|v| {
            count_pct(o(v).failed, o(v).offered)
        }));
    }

    let mut kms = vec![
        row("KMS requests", &|v| group(v.kms.requests)),
        row("KMS throttled", &|v| {
            count_pct(v.kms.throttled, v.kms.requests)
        }),
        row("KMS peak rps / quota", &|v| {
            format!("{} / {}", group(v.kms.peak_rps), group(v.kms.quota_rps))
        }),
        row("KMS GenerateDataKey", &|v| {
            group(v.kms.by_operation.GenerateDataKey)
        }),
        row("KMS Decrypt", &|v| group(v.kms.by_operation.Decrypt)),
    ];
    kms.extend(super::replication::kms_rows(vs));
    kms.extend(super::layer::table_rows(vs));
    if vs.iter().any(|v| v.kms.for_existing_objects > 0) {
        kms.push(row("KMS for objects written before the run", &|v| {
            count_pct(v.kms.for_existing_objects, v.kms.requests)
        }));
    }
    if vs.iter().any(|v| v.kms.background_requests > 0) {
        kms.push(row("KMS background requests", &|v| {
            group(v.kms.background_requests)
        }));
        kms.push(row("KMS background throttled", &|v| {
            count_pct(v.kms.background_throttled, v.kms.background_requests)
        }));
    }
    kms.push(row("KMS cost per month (USD)", &|v| {
        usd(v.kms.cost_usd_per_month)
    }));
    if vs.iter().any(|v| v.kms.keys > 0) {
        kms.push(row("KMS key storage per month (USD)", &|v| {
            usd(v.kms.key_cost_usd_per_month)
        }));
    }
    kms.push(row("CloudTrail KMS events per day", &|v| {
        group_f64(v.cloudtrail.kms_events_per_day, 0)
    }));
    kms.push(row("Bucket keys issued", &|v| group(v.bucket_keys_issued)));
    kms.push(row("Bucket keys decrypted", &|v| {
        group(v.bucket_keys_decrypted)
    }));

    let s3 = vec![
        row("S3 503 SlowDown (KMS throttled)", &|v| {
            group(v.s3_slowdown.kms)
        }),
        row("S3 503 SlowDown (prefix limit)", &|v| {
            group(v.s3_slowdown.prefix)
        }),
    ];

    let mut latency = Vec::new();
    for (op, on, pick) in [
        (
            "PUT",
            has_put,
            (|v: &VariantSummary| v.latency_ms.put) as fn(&VariantSummary) -> LatencySummary,
        ),
        ("GET", has_get, |v: &VariantSummary| v.latency_ms.get),
    ] {
        if !on {
            continue;
        }
        for (name, q) in [
            (
                "p50",
                (|l: &LatencySummary| l.p50) as fn(&LatencySummary) -> f64,
            ),
            ("p99", |l: &LatencySummary| l.p99),
            ("p99.9", |l: &LatencySummary| l.p999),
        ] {
            latency.push(row(&format!("{op} latency {name} (ms)"), &|v| {
                let l = pick(v);
                if l.count == 0 {
                    "-".to_string()
                } else {
                    group_f64(q(&l), 3)
                }
            }));
        }
    }

    let mut client = Vec::new();
    if vs.iter().any(|v| v.crypto.client_cpu_cores > 0) {
        client.push(row("Client CPU cores per session", &|v| {
            group(v.crypto.client_cpu_cores as u64)
        }));
        client.push(row("Client CPU load (demand / cores)", &|v| {
            if v.crypto.client_cpu_cores == 0 {
                "-".to_string()
            } else {
                format!("{:.0}%", v.crypto.client_cpu_load * 100.0)
            }
        }));
    }
    if vs.iter().any(|v| v.crypto.verified_objects > 0) {
        client.push(row("Objects verified with real crypto", &|v| {
            group(v.crypto.verified_objects)
        }));
    }

    [requests, kms]
        .into_iter()
        .chain(super::replication::sections(vs))
        .chain([s3, client, latency])
        .filter(|s| !s.is_empty())
        .collect()
}

fn render(out: &mut String, vs: &[&VariantSummary], sections: &[Vec<Row>]) {
    let label_w = sections
        .iter()
        .flatten()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let col_w: Vec<usize> = (0..vs.len())
        .map(|i| {
            sections
                .iter()
                .flatten()
                .map(|(_, cells)| cells[i].chars().count())
                .chain(std::iter::once(vs[i].name.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();

    let mut line = format!("{:label_w$}", "");
    for (v, w) in vs.iter().zip(&col_w) {
        let _ = write!(line, "  {:>w$}", v.name);
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for (i, section) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (label, cells) in section {
            let mut line = format!("{label:label_w$}");
            for (c, w) in cells.iter().zip(&col_w) {
                let _ = write!(line, "  {c:>w$}");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

/// Notes in first-seen order; a note every variant carries is printed once, others name
/// the variants they apply to.
pub(crate) fn notes(vs: &[&VariantSummary]) -> Vec<String> {
    let mut seen: Vec<(&str, Vec<&str>)> = Vec::new();
    for v in vs {
        for n in &v.notes {
            match seen.iter_mut().find(|(text, _)| text == n) {
                Some((_, names)) => {
                    if !names.contains(&v.name.as_str()) {
                        names.push(&v.name);
                    }
                }
                None => seen.push((n, vec![&v.name])),
            }
        }
    }
    seen.into_iter()
        .map(|(text, names)| {
            if names.len() == vs.len() && vs.len() > 1 {
                text.to_string()
            } else {
                format!("{}: {text}", names.join(", "))
            }
        })
        .collect()
}

fn has_traffic(c: &OpCounts) -> bool {
    c.offered > 0 || c.completed > 0 || c.failed > 0 || c.no_object > 0
}
