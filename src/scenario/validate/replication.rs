//! `[[replication]]`: S3 Replication rules from a source bucket to a destination bucket (same
//! Region or another), each with a replication lag distribution.

use super::super::error::did_you_mean;
use super::super::model::*;
use super::super::presets::*;
use super::ctx::{Ctx, Problem, R, Tbl, problem};
use super::keys::{Assumption, KeyDef, Required, Source, Special, Text};
use super::top;
use super::values::string;

const FROM: KeyDef = KeyDef::new("from", Required, "a bucket's name", Source::None);
const TO: KeyDef = KeyDef::new("to", Required, "a bucket's name, not `from`", Source::None);
const LAG: KeyDef = KeyDef::new(
    "lag",
    Text(r#"{ median = "5s", p99 = "1m" }"#),
    "latency",
    Assumption(NOTE_REPLICATION_LAG),
);

/// The role name of a rule that names none.
const DEFAULT_REPLICATION_ROLE: &str = "s3-replication";

const ROLE: KeyDef = KeyDef::new(
    "role",
    Special("arn:aws:iam::<the source bucket key's account>:role/s3-replication"),
    "IAM role ARN",
    Assumption(NOTE_REPLICATION_ROLE),
);

pub(super) const KEYS: &[KeyDef] = &[FROM, TO, LAG, ROLE];

/// The replication rules, checked against the buckets.
pub(super) fn rules(ctx: &mut Ctx, top_tbl: &Tbl, buckets: &[Bucket]) -> R<Vec<ReplicationRule>> {
    if top_tbl.get(top::REPLICATION.name).is_none() {
        return Ok(Vec::new());
    }
    let items = ctx.array_of_tables(
        top_tbl,
        top::REPLICATION.name,
        "add a [[replication]] with from and to",
    )?;
    let known: Vec<&str> = buckets.iter().map(|b| b.name.as_str()).collect();
    let bucket = |v: &_| {
        let s = string(v)?;
        known.iter().position(|b| *b == s).ok_or_else(|| Problem {
            msg: format!("no [[bucket]] named '{s}' (known: {})", known.join(", ")),
            hint: did_you_mean(&s, known.iter().copied()),
        })
    };
    let mut out: Vec<ReplicationRule> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let t = Tbl {
            t: item.as_table().expect("checked by array_of_tables"),
            path: format!("{}[{i}]", top::REPLICATION.name),
            origin: Some(&item.origin),
        };
        ctx.check_keys(&t, KEYS, |_| None)?;
        let from = ctx.req(&t, FROM.name, Some("from = \"<source bucket>\""), bucket)?;
        let to = ctx.req(&t, TO.name, Some("to = \"<destination bucket>\""), bucket)?;
        let to_origin = t.get(TO.name).map(|v| &v.origin);
        if from == to {
            return Err(ctx.error(
                to_origin,
                &t.key_path(TO.name),
                problem(format!(
                    "replication from bucket '{}' to itself",
                    buckets[from].name
                ))
                .hint("replicate to another bucket"),
            ));
        }
        if out.iter().any(|r| r.from == from && r.to == to) {
            return Err(ctx.error(
                to_origin,
                &t.key_path(TO.name),
                problem(format!(
                    "a [[replication]] from '{}' to '{}' is already there",
                    buckets[from].name, buckets[to].name
                )),
            ));
        }
        // Replicating SSE-KMS objects needs a KMS key for the replicas in the destination's
        // Region (ReplicaKmsKeyID, aws-facts §3.7): the model takes the destination's key.
        let (src, dst) = (&buckets[from], &buckets[to]);
        if src.encryption.s3_calls_kms() && !dst.encryption.s3_calls_kms() {
            return Err(ctx.error(
                to_origin,
                &t.key_path(TO.name),
                problem(format!(
                    "bucket '{}' uses {} and bucket '{}' {}: S3 replicates SSE-KMS objects only with a KMS key for the replicas (ReplicaKmsKeyID) in the destination's Region",
                    src.name,
                    src.encryption.name(),
                    dst.name,
                    dst.encryption.name()
                ))
                .hint(format!("give bucket '{}' encryption = \"sse-kms\"", dst.name)),
            ));
        }
        if src.encryption.client_calls_kms() {
            ctx.note(format!(
                "replication from '{}': S3 replicates client-side encrypted objects as opaque data, with no KMS call",
                src.name
            ));
        }
        let lag = ctx.value_with(&t, &LAG, |ctx, v, path| ctx.latency(v, path))?;
        let role = match ctx.opt(&t, ROLE.name, |v| {
            let s = string(v)?;
            match crate::policy::Caller::parse(&s) {
                Ok(c) if c.principal_arn.contains(":role/") && c.arn == c.principal_arn => Ok(s),
                _ => Err(problem(format!("'{s}' is not an IAM role ARN")).hint(
                    "write arn:aws:iam::ACCOUNT:role/NAME (the role S3 assumes to replicate)",
                )),
            }
        })? {
            Some(r) => r,
            None => {
                let account = arn_account(&src.kms_key);
                let r = format!("arn:aws:iam::{account}:role/{DEFAULT_REPLICATION_ROLE}");
                // Named in the parameters only where it decides something: policies.
                if buckets.iter().any(|b| b.policies.is_some()) {
                    ctx.record_computed(&t, &ROLE, r.clone());
                }
                r
            }
        };
        out.push(ReplicationRule {
            from,
            to,
            lag,
            role,
        });
    }
    Ok(out)
}

/// Most replications a scenario may keep pending at once: each waits its lag in the event
/// queue (about 100 bytes with its state), so 4,000,000 hold about 400 MB.
pub(super) const MAX_PENDING_REPLICATIONS: f64 = 4_000_000.0;

/// The replications each rule keeps pending at once must stay within
/// [`MAX_PENDING_REPLICATIONS`]: by Little's law, the writes per second into its source bucket
/// (each workload at its peak: open loop its profile's peak, a closed loop one request per
/// think time plus S3 latency, at least 1 ms) times the lag's mean, at most the run's length,
/// and never more than a workload's `requests`.
pub(super) fn check_pending(
    ctx: &Ctx,
    top_tbl: &Tbl,
    rules: &[ReplicationRule],
    workloads: &[Workload],
    buckets: &[Bucket],
    s3_latency: &LatencyDist,
    duration: crate::engine::time::Nanos,
) -> R<()> {
    use crate::engine::time::to_secs;
    if rules.is_empty() {
        return Ok(());
    }
    let items = ctx.array_of_tables(top_tbl, top::REPLICATION.name, "")?;
    for (i, r) in rules.iter().enumerate() {
        let lag = r.lag.mean_ns().min(duration as f64);
        let mut rate = 0.0;
        let mut pending = 0.0;
        for w in workloads
            .iter()
            .filter(|w| w.bucket == r.from && matches!(w.op, Op::Put | Op::Copy))
        {
            let peak = w.arrival.peak_rate(s3_latency);
            let p = peak * lag / 1e9;
            rate += peak;
            pending += w.requests.map_or(p, |n| p.min(n as f64));
        }
        if pending > MAX_PENDING_REPLICATIONS {
            let item = items[i];
            let t = item.as_table().expect("checked by array_of_tables");
            let origin = t.get(LAG.name).map_or(&item.origin, |v| &v.value.origin);
            return Err(ctx.error(
                Some(origin),
                &format!("{}[{i}].{}", top::REPLICATION.name, LAG.name),
                problem(format!(
                    "about {pending:.0} replications would wait at once ({rate:.0} writes/s into '{}' for a mean lag of {:.1} s), more than bksim simulates: at most {MAX_PENDING_REPLICATIONS:.0}",
                    buckets[r.from].name,
                    to_secs(lag as u64)
                ))
                .hint("shorten the lag, lower the writes' rate, or bound the writing workloads with `requests`"),
            ));
        }
    }
    Ok(())
}
