//! The run's KMS calls as CloudTrail records (`--cloudtrail`): each call's bucket, session,
//! KMS key and object, named as AWS names them. The model does not name objects: an object
//! ARN gets a synthetic key (`object-<16 hex digits>`, the same for every call of one request)
//! and a session of a workload whose `principal` is a role is
//! `arn:aws:sts::<account>:assumed-role/<role>/session-<n>`.

use std::io;
use std::path::Path;

use super::principals::{KeyName, key_names};
use crate::cloudtrail::{Caller, KmsEvent, ObjectName, TrailOptions, TrailStats, TrailWriter};
use crate::engine::rng::mix64;
use crate::engine::time::Nanos;
use crate::metrics::collector::{Context, KmsOpKind};
use crate::scenario::{DEFAULT_ACCOUNT, Scenario};

use super::request::Request;

/// What a KMS call is about, beyond what the collector counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject {
    /// The workload whose request it is (planned workloads, then trace workloads).
    pub(crate) workload: u32,
    pub(crate) bucket: u32,
    pub(crate) session: u32,
    /// The bucket's slot of the KMS key (see [`super::kms_keys`]).
    pub(crate) slot: u32,
    /// Identifies the object (a hash; 0 for a bucket key).
    pub(crate) object: u64,
}

impl Subject {
    /// The subject of a call for request `r` to bucket `bucket` under key slot `slot`.
    #[inline]
    pub(super) fn of(r: &Request, bucket: u32, slot: u32) -> Subject {
        Subject {
            workload: r.workload,
            bucket,
            session: r.session,
            slot,
            object: mix64(r.first_send ^ ((r.session as u64) << 40) ^ r.workload as u64),
        }
    }
}

/// The writer and the names it needs.
pub struct Trail {
    writer: TrailWriter,
    /// Unix time of simulated time 0, in nanoseconds.
    epoch_ns: i64,
    seq: u64,
    /// Per bucket: its name in S3, and its KMS key ARNs by slot with their Region and account.
    buckets: Vec<(String, Vec<KeyName>)>,
    /// (first global session, the session ARN's text before the session's number), ascending.
    sessions: Vec<(u32, String)>,
    /// The key of each caller's client-side calls (see [`super::principals::client_keys`]).
    client_keys: Vec<Option<KeyName>>,
}

/// A session of principal `arn`, without its number: a role's sessions are
/// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/session-<n>`; a user or a role session given as
/// such is itself (`…#<n>` tells a workload's sessions apart).
fn session_prefix(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        [_, partition, "iam", _, account, res] if res.starts_with("role/") => format!(
            "arn:{partition}:sts::{account}:assumed-role/{}/session-",
            res["role/".len()..].rsplit('/').next().unwrap_or(res)
        ),
        _ => format!("{arn}#"),
    }
}

impl Trail {
    /// A trail for `sc`'s calls written under `root` (in the account of the first bucket's
    /// KMS key); simulated time 0 is `epoch_ns`.
    pub fn new(sc: &Scenario, root: &Path, opts: TrailOptions, epoch_ns: i64) -> Trail {
        let buckets: Vec<(String, Vec<KeyName>)> = (0..sc.buckets.len())
            .map(|bi| (sc.buckets[bi].s3_name.clone(), key_names(sc, bi)))
            .collect();
        let account = buckets
            .first()
            .and_then(|(_, keys)| keys.first())
            .map_or(DEFAULT_ACCOUNT, |k| k.account.as_str());
        let writer = TrailWriter::new(root, account, sc.seed, opts);
        // Sessions in order: each planned workload's, each trace's (one per requester), each
        // replication rule's (one).
        let sizes = sc
            .workloads
            .iter()
            .map(|w| w.sessions)
            .chain(
                sc.traces
                    .iter()
                    .map(|tw| tw.trace.as_ref().map_or(0, |t| t.sessions)),
            )
            .chain(sc.replication.iter().map(|_| 1));
        let mut sessions = Vec::new();
        let mut next = 0u32;
        for ((_, principal), n) in super::principals::principals(sc).iter().zip(sizes) {
            sessions.push((next, session_prefix(principal)));
            next += n;
        }
        let client_keys = super::principals::client_keys(sc)
            .into_iter()
            .map(|k| k.map(|k| KeyName::new(&k, &sc.kms.region)))
            .collect();
        Trail {
            client_keys,
            writer,
            epoch_ns,
            seq: 0,
            buckets,
            sessions,
        }
    }

    /// Records one call made at `now`.
    pub(super) fn record(
        &mut self,
        now: Nanos,
        op: KmsOpKind,
        context: Context,
        s: Subject,
        throttled: bool,
        denied: bool,
    ) {
        let (bucket, keys) = &self.buckets[s.bucket as usize];
        let key = match (context, self.client_keys.get(s.workload as usize)) {
            (Context::Client, Some(Some(k))) => k,
            _ => &keys[(s.slot as usize).min(keys.len() - 1)],
        };
        let i = self
            .sessions
            .partition_point(|(first, _)| *first <= s.session);
        let (first, prefix) = &self.sessions[i.saturating_sub(1)];
        let principal = format!("{prefix}{}", s.session - first);
        let e = KmsEvent {
            at_unix_ns: self.epoch_ns.saturating_add(now as i64),
            op,
            context,
            caller: if context == Context::Client {
                Caller::Client
            } else {
                Caller::S3
            },
            region: &key.region,
            account: &key.account,
            principal: &principal,
            key_arn: &key.arn,
            bucket,
            object: ObjectName::Id(s.object),
            throttled,
            denied,
            seq: self.seq,
        };
        self.seq += 1;
        self.writer.record(&e);
    }

    pub fn finish(self) -> io::Result<TrailStats> {
        self.writer.finish()
    }
}
