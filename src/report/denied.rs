//! What the verdict says when a bucket's policies denied KMS calls: which workload (and
//! principal), which operation, how many of its requests failed with AccessDenied, and the
//! statement that decided (or that none allowed).

use crate::metrics::results::VariantSummary;
use crate::report::table::group;

/// The verdict's sentences about denied calls (none when nothing was denied).
pub fn sentences(v: &VariantSummary) -> Vec<String> {
    let mut out = Vec::new();
    for (op, counts) in [("PUT", &v.requests.put), ("GET", &v.requests.get)] {
        if counts.denied > 0 {
            out.push(format!(
                "{} of {} {op}s ({:.1}%) failed with AccessDenied: the bucket's policies denied S3's KMS call.",
                group(counts.denied),
                group(counts.offered),
                100.0 * counts.denied as f64 / counts.offered.max(1) as f64
            ));
        }
    }
    if let Some(r) = v.replication.as_ref().filter(|r| r.denied > 0) {
        out.push(format!(
            "{} replication{} failed: the policies denied the replication role's KMS call (S3 marks the replica FAILED and does not retry it).",
            group(r.denied),
            if r.denied == 1 { "" } else { "s" }
        ));
    }
    for d in &v.access_denied {
        let why = match &d.statement {
            Some(s) => format!("{} decided by {s}", d.decision),
            None => format!(
                "{}: no statement allows the call with the encryption context S3 sends",
                d.decision
            ),
        };
        out.push(format!(
            "KMS denied {} {} call{} of '{}' ({}), {why}.",
            group(d.calls),
            d.operation,
            if d.calls == 1 { "" } else { "s" },
            d.workload,
            d.principal
        ));
    }
    out
}
