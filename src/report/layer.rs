//! The report's view of client-side encryption over server-side encryption (a bucket's
//! `client_encryption` layer): the KMS calls made by S3 and those made by the client, apart,
//! in the comparison table and in the verdict. Variants without the layer show nothing here.

use super::table::{Row, count_pct, group};
use crate::metrics::results::{CallerCalls, VariantSummary};

/// The table's rows splitting KMS calls by caller, when any variant has them ("-" for a
/// variant without a client layer).
pub(crate) fn table_rows(vs: &[&VariantSummary]) -> Vec<Row> {
    if vs.iter().all(|v| v.kms.by_caller.is_none()) {
        return Vec::new();
    }
    let row = |label: &str, f: &dyn Fn(&VariantSummary) -> Option<String>| -> Row {
        let cells = vs
            .iter()
            .map(|v| f(v).unwrap_or_else(|| "-".to_string()))
            .collect();
        (label.to_string(), cells)
    };
    let pick = |v: &VariantSummary, client: bool| -> Option<CallerCalls> {
        v.kms
            .by_caller
            .map(|c| if client { c.client } else { c.s3 })
    };
    vec![
        row("KMS calls made by S3", &|v| {
            pick(v, false).map(|c| group(c.requests))
        }),
        row("KMS calls made by the client", &|v| {
            pick(v, true).map(|c| group(c.requests))
        }),
        row("KMS throttled, S3's calls", &|v| {
            pick(v, false).map(|c| count_pct(c.throttled, c.requests))
        }),
        row("KMS throttled, the client's calls", &|v| {
            pick(v, true).map(|c| count_pct(c.throttled, c.requests))
        }),
    ]
}

/// The verdict's sentence on the two layers' KMS calls, for a variant with a client layer.
pub(crate) fn verdict_sentence(v: &VariantSummary) -> Option<String> {
    let c = v.kms.by_caller?;
    let calls = |x: &CallerCalls| {
        let mut s = format!(
            "{} ({} GenerateDataKey, {} Decrypt",
            group(x.requests),
            group(x.GenerateDataKey),
            group(x.Decrypt)
        );
        if x.throttled > 0 {
            s.push_str(&format!(", {} throttled", group(x.throttled)));
        }
        s.push(')');
        s
    };
    let mut s = format!(
        "Client-side encryption over server-side encryption: of the {} KMS calls, S3 made {} and the client made {}, all against the same quota and at the same price",
        group(v.kms.requests),
        calls(&c.s3),
        calls(&c.client)
    );
    if c.client.requests > c.s3.requests {
        s.push_str("; bucket keys cut only S3's calls, the client's are cut by its data-key cache (client.data_key_cache)");
    }
    if c.client.throttled > 0 {
        s.push_str("; the client's KMS client retries its own throttled calls by its retry mode, without repeating the S3 request");
    }
    if c.s3.throttled > 0 {
        s.push_str("; a throttled call of S3's is a 503 SlowDown to a request whose client-side call had succeeded");
    }
    s.push('.');
    Some(s)
}
