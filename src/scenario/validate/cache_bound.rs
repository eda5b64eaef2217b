//! The bound on the bucket-key cache that reads of old objects fill: each read of an object
//! written with a bucket key leaves an entry per (reader session, front-end host, bucket key)
//! for the key's lifetime, so reads per second times the lifetime size the model's state.

use super::super::model::*;
use super::ctx::{Ctx, R, Tbl, problem};
use super::top;

/// Most bucket-key cache entries reads of a bucket's old objects may keep at once (about 60
/// bytes each: some 600 MB).
pub(super) const MAX_CACHED_BUCKET_KEYS: f64 = 10_000_000.0;

/// For each bucket with old objects written with bucket keys, the cache entries its readers
/// can keep at once must stay within [`MAX_CACHED_BUCKET_KEYS`]. Entries are at most the
/// smaller of: reads per second (each workload at its peak) times the share of old objects
/// with a bucket key times the key lifetime (at most the run's length); and the population's
/// keys (one per writer session and lifetime) times the readers' sessions times the hosts.
pub(super) fn check(
    ctx: &Ctx,
    top_tbl: &Tbl,
    buckets: &[Bucket],
    workloads: &[Workload],
    s3: &S3Config,
    duration: crate::engine::time::Nanos,
) -> R<()> {
    let ttl = s3.bucket_key_ttl.max(1);
    for (bi, b) in buckets.iter().enumerate() {
        let Some(p) = &b.existing else { continue };
        if p.bucket_key_since == 0 || !b.encryption.s3_calls_kms() {
            continue;
        }
        let share = 1.0 - p.without_bucket_key() as f64 / p.objects.max(1) as f64;
        let readers = workloads.iter().filter(|w| {
            w.read_from == ReadFrom::Existing
                && match w.op {
                    Op::Get => w.bucket == bi,
                    Op::Copy => w.copy_from.unwrap_or(w.bucket) == bi,
                    Op::Put => false,
                }
        });
        let (mut rate, mut sessions) = (0.0, 0.0);
        for w in readers {
            rate += w.arrival.peak_rate(&s3.latency);
            sessions += w.sessions.max(1) as f64;
        }
        let window = ttl.min(duration.max(1)) as f64 / 1e9;
        let by_reads = rate * share * window;
        let since = p.bucket_key_since.min(p.written_over.max(1));
        let keys = p.writer_sessions.max(1) as f64 * since.div_ceil(ttl) as f64;
        let by_keys = keys * sessions * s3.frontend_hosts.max(1) as f64;
        let entries = by_reads.min(by_keys);
        if entries > MAX_CACHED_BUCKET_KEYS {
            // As the replication rules' check does: the element's `existing`, else the element.
            let items = ctx.array_of_tables(top_tbl, top::BUCKET.name, "")?;
            let origin = items.get(bi).map(|item| {
                item.as_table()
                    .and_then(|t| t.get("existing"))
                    .map_or(&item.origin, |e| &e.value.origin)
            });
            return Err(ctx.error(
                origin,
                &format!("{}.{}.existing", top::BUCKET.name, b.name),
                problem(format!(
                    "reads of its objects written with bucket keys would keep about {entries:.0} bucket-key cache entries ({rate:.0} reads/s × {:.0} % with a bucket key × {window:.0} s, the key lifetime or the run if shorter), more than bksim simulates: at most {MAX_CACHED_BUCKET_KEYS:.0}",
                    share * 100.0
                ))
                .hint("lower the read rate, shorten s3.bucket_key_ttl, or write fewer of the old objects with bucket keys (existing.bucket_key_share)"),
            ));
        }
    }
    Ok(())
}
