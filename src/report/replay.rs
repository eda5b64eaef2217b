//! The "Replayed log" section of the reports: for each trace workload, the log's files and
//! formats, time span, requests by operation, sessions, buckets, and what was skipped or
//! could not be read, with the first unreadable lines quoted.

use crate::replay::facts::TraceFacts;
use crate::report::table::{group, plain_number};

/// The section's heading and its anchor in report.html.
pub const HEADING: &str = "Replayed log";
pub const ANCHOR: &str = "replay";

/// The facts of one trace as (label, value) rows, in the order shown.
pub fn rows(t: &TraceFacts) -> Vec<(String, String)> {
    let n = group;
    let list = |items: &[crate::replay::facts::NameCount]| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items
                .iter()
                .map(|i| format!("{} {}", i.name, n(i.count)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut rows = vec![
        ("Log".to_string(), t.paths.join(", ")),
        ("Files".to_string(), list(&t.files)),
        (
            "Time span".to_string(),
            format!(
                "{} to {} ({} s of log{})",
                t.first,
                t.last,
                plain_number(t.span_seconds),
                if t.speed == 1.0 {
                    String::new()
                } else {
                    format!(", replayed at {}× speed", t.speed)
                }
            ),
        ),
        (
            "Requests replayed".to_string(),
            format!("{} of {} lines read", n(t.requests), n(t.lines)),
        ),
        ("By operation".to_string(), list(&t.by_operation)),
        ("Sessions (requesters)".to_string(), n(t.sessions)),
        (
            "Buckets".to_string(),
            t.buckets
                .iter()
                .map(|b| {
                    if b.bucket == b.log_name {
                        format!("{} {}", b.log_name, n(b.requests))
                    } else {
                        format!("{} (as {}) {}", b.log_name, b.bucket, n(b.requests))
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "Skipped (not modelled or failed)".to_string(),
            list(&t.skipped),
        ),
        ("Unreadable lines".to_string(), n(t.bad_lines)),
    ];
    if t.cut > 0 {
        rows.push((
            "Beyond the run's duration".to_string(),
            format!("{} requests not offered", n(t.cut)),
        ));
    }
    rows
}

/// The first unreadable lines, as `file:line: reason: text`.
pub fn bad_examples(t: &TraceFacts) -> Vec<String> {
    t.bad_examples
        .iter()
        .map(|b| format!("{}:{}: {}: {}", b.file, b.line, b.reason, b.text))
        .collect()
}

/// The section in Markdown (empty without traces).
pub fn markdown(traces: &[TraceFacts], cell: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    for t in traces {
        out.push_str(&format!("## {HEADING}: workload {}\n\n", cell(&t.workload)));
        out.push_str("| | |\n|---|---|\n");
        for (label, value) in rows(t) {
            out.push_str(&format!("| {} | {} |\n", cell(&label), cell(&value)));
        }
        out.push('\n');
        let bad = bad_examples(t);
        if !bad.is_empty() {
            out.push_str("First unreadable lines:\n\n");
            for b in bad {
                out.push_str(&format!("- `{}`\n", b.replace('`', "'")));
            }
            out.push('\n');
        }
    }
    out
}

/// The section in HTML (empty without traces).
pub fn html(traces: &[TraceFacts], esc: impl Fn(&str) -> String) -> String {
    let mut o = String::new();
    for (i, t) in traces.iter().enumerate() {
        o.push_str(&format!(
            "<section id=\"{ANCHOR}-{i}\">\n<h2>{HEADING}: workload {}</h2>\n<table class=\"facts\">\n<tbody>\n",
            esc(&t.workload)
        ));
        for (label, value) in rows(t) {
            o.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>\n",
                esc(&label),
                esc(&value)
            ));
        }
        o.push_str("</tbody>\n</table>\n");
        let bad = bad_examples(t);
        if !bad.is_empty() {
            o.push_str("<p>First unreadable lines:</p>\n<ul>\n");
            for b in bad {
                o.push_str(&format!("<li><code>{}</code></li>\n", esc(&b)));
            }
            o.push_str("</ul>\n");
        }
        o.push_str("</section>\n");
    }
    o
}
