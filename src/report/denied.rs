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
    for d in &v.access_denied {
        let why = match &d.statement {
            Some(s) => format!("{} decided by {s}", d.decision),
            None => format!(
                "{}: no statement allows the call with the encryption context S3 sends",
                d.decision
            ),
        };
        out.push(format!(
            "KMS denied {} {} call{} of workload '{}' ({}), {why}.",
            group(d.calls),
            d.operation,
            if d.calls == 1 { "" } else { "s" },
            d.workload,
            d.principal
        ));
    }
    out
}
