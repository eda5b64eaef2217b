//! S3 Replication (`[[replication]]`): every object written to a rule's source bucket (PUT,
//! multipart upload, copy destination) is replicated to its destination after a lag drawn from
//! the rule's `lag`. The replication role is its own requester session (one per rule), so its
//! bucket keys are its own cache entries. A replication first reads the source object as S3
//! does for a GET (its Decrypt with the object's ARN, or the source's bucket key unwrapped, in
//! the source bucket's Region) and then writes the replica with the destination's settings (in
//! the destination's Region): through the role's bucket key when the destination uses bucket
//! keys, else one call per object, `Encrypt` of the source object's data key when the source
//! is SSE-KMS (the replication role's documented `kms:Encrypt` permission, aws-facts §3.7) and
//! `GenerateDataKey` when the source object had no KMS key (inferred: a new data key, as for a
//! PUT).
//!
//! Both calls go through the S3 front end as a copy's read and write do: they count against the
//! source prefix's GET/HEAD rate and the destination prefix's PUT rate (inferred: a replica is
//! a write to the destination bucket), in each Region's KMS quota, cost and CloudTrail counts,
//! but not in any client's latency. A throttled call is retried after [`RETRY_AFTER`]
//! (assumption: S3 retries replication internally on a schedule it does not publish).
//! Replicas are not replicated further (S3 replicates only objects written by clients).
//!
//! Determinism: one lag stream per rule (`replication/lag/<i>`), one host stream
//! (`replication/hosts`), and events in time order, ties first in, first out.

use super::super::dist::LatencySampler;
use super::super::objects::{KeyRef, ObjectRecord};
use super::request::{NONE, Outcome, Phase, Request};
use super::{Ev, Simulation};
use crate::engine::rng::Stream;
use crate::engine::time::{NANOS_PER_SEC, Nanos};
use crate::mode::Mode;
use crate::scenario::Scenario;

/// How long after a throttled replication call S3 tries again (assumption, see the module
/// documentation).
pub const RETRY_AFTER: Nanos = NANOS_PER_SEC;

/// One object being replicated.
#[derive(Debug, Clone, Copy)]
struct Task {
    rule: u32,
    object: ObjectRecord,
    /// When the source write completed (its KMS calls count if this is in the measured
    /// window).
    written: Nanos,
    /// The front-end host serving this replication (the role's connection).
    host: u32,
    /// The source was read: the replica is being written.
    writing: bool,
}

/// What replication did in the run.
#[derive(Debug, Default, Clone)]
pub struct ReplicationCounts {
    /// Replicas written for source writes completed in the measured window.
    pub replicas: u64,
    /// Of those, replicas whose ETag differs from the source's (an unencrypted or SSE-S3
    /// source object written into an SSE-KMS destination with a bucket key, aws-facts §3.7).
    pub etag_different: u64,
    /// KMS calls (or prefix 503s) that were throttled and retried.
    pub retries: u64,
    /// Replications that failed because a policy denied the role's KMS call (S3 marks the
    /// replica FAILED and does not retry it).
    pub denied: u64,
    /// Replications not finished when the run ended.
    pub pending: u64,
    /// Highest lag seen, source write to replica written, ns (measured replicas).
    pub max_lag: Nanos,
}

pub(super) struct Replication {
    /// By source bucket: the rules replicating it.
    by_source: Vec<Vec<u32>>,
    from: Vec<u32>,
    to: Vec<u32>,
    lag: Vec<LatencySampler>,
    lag_rng: Vec<Stream>,
    host_rng: Stream,
    hosts: u64,
    /// The role's session of rule 0; rule `i`'s is `first_session + i`.
    first_session: u32,
    /// The caller index (a request's `workload`) of rule 0's role; rule `i`'s is `+ i`.
    first_caller: u32,
    tasks: Vec<Task>,
    free: Vec<u32>,
    /// Encryption of each bucket (for the ETag rule).
    modes: Vec<Mode>,
    pub(super) counts: ReplicationCounts,
}

impl Replication {
    /// `sessions`: the sessions of the workloads (the roles' sessions come after them).
    pub(super) fn new(sc: &Scenario, sessions: u32) -> Replication {
        let mut by_source = vec![Vec::new(); sc.buckets.len()];
        for (i, r) in sc.replication.iter().enumerate() {
            by_source[r.from].push(i as u32);
        }
        Replication {
            by_source,
            from: sc.replication.iter().map(|r| r.from as u32).collect(),
            to: sc.replication.iter().map(|r| r.to as u32).collect(),
            lag: sc
                .replication
                .iter()
                .map(|r| LatencySampler::new(&r.lag))
                .collect(),
            lag_rng: (0..sc.replication.len())
                .map(|i| Stream::new(sc.seed, &format!("replication/lag/{i}")))
                .collect(),
            host_rng: Stream::new(sc.seed, "replication/hosts"),
            hosts: sc.s3.frontend_hosts.max(1) as u64,
            first_session: sessions,
            first_caller: super::principals::replication_caller(sc, 0),
            tasks: Vec::new(),
            free: Vec::new(),
            modes: sc.buckets.iter().map(|b| b.encryption).collect(),
            counts: ReplicationCounts::default(),
        }
    }

    /// The tasks still pending (at the end of the run).
    pub(super) fn pending(&self) -> u64 {
        (self.tasks.len() - self.free.len()) as u64
    }

    fn insert(&mut self, t: Task) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.tasks[i as usize] = t;
                i
            }
            None => {
                self.tasks.push(t);
                (self.tasks.len() - 1) as u32
            }
        }
    }
}

impl Simulation<'_> {
    /// Object `o` was written to bucket `bi` at `now` by a client: each rule replicating the
    /// bucket schedules its replication after its lag.
    pub(super) fn replicate(&mut self, now: Nanos, bi: u32, o: ObjectRecord) {
        let rp = &mut self.replication;
        let Some(rules) = rp.by_source.get(bi as usize) else {
            return;
        };
        for k in 0..rules.len() {
            let rule = rp.by_source[bi as usize][k];
            let lag = rp.lag[rule as usize].sample(&mut rp.lag_rng[rule as usize]);
            let host = rp.host_rng.below(rp.hosts) as u32;
            let task = rp.insert(Task {
                rule,
                object: o,
                written: now,
                host,
                writing: false,
            });
            self.q
                .schedule(now.saturating_add(lag), Ev::Replicate { task });
        }
    }

    /// A replication step at `now`: the source read, or the replica's write.
    pub(super) fn replication_step(&mut self, now: Nanos, task: u32) {
        let t = self.replication.tasks[task as usize];
        let rule = t.rule as usize;
        let (from, to) = (self.replication.from[rule], self.replication.to[rule]);
        let bucket = if t.writing { to } else { from };
        let prefixes = self.front.buckets[bucket as usize].prefixes.max(1);
        let mut r = Request {
            // The role's caller index: its principal for policies and CloudTrail.
            workload: self.replication.first_caller + t.rule,
            session: self.replication.first_session + t.rule,
            client: NONE,
            bucket,
            get: !t.writing,
            // Not a workload's request: the bucket's own key settings apply.
            replay: true,
            other: true,
            first_send: t.written,
            size: t.object.size,
            prefix: t.object.prefix % prefixes,
            key: if t.writing {
                KeyRef::NoKms
            } else {
                t.object.key
            },
            existing: false,
            denied: false,
            // S3's own read and write: the client's layer (if any) is not touched.
            client_key: 0,
            phase: if t.writing {
                Phase::CopyWrite
            } else {
                Phase::CopyRead
            },
            part: 0,
            parts: 0,
            attempt: 1,
            retries: 0,
            host: t.host,
            sent: now,
        };
        // A replica of an SSE-KMS object re-encrypts its data key under the destination's key.
        let source_kms = matches!(t.object.key, KeyRef::PerObject | KeyRef::BucketKey(_));
        self.kms.replication = true;
        self.kms.replica_encrypt = t.writing && source_kms;
        let bytes = t.object.size;
        let (at, outcome) =
            self.front
                .handle(&mut self.kms, &mut self.m, now, &mut r, bucket, bytes);
        self.kms.replication = false;
        self.kms.replica_encrypt = false;
        if outcome == Outcome::AccessDenied {
            let rp = &mut self.replication;
            rp.free.push(task);
            if self.m.measured(t.written) {
                rp.counts.denied += 1;
            }
            return;
        }
        if outcome != Outcome::Ok {
            self.replication.counts.retries += 1;
            self.q
                .schedule(at.saturating_add(RETRY_AFTER), Ev::Replicate { task });
            return;
        }
        if !t.writing {
            self.replication.tasks[task as usize].writing = true;
            self.q.schedule(at, Ev::Replicate { task });
            return;
        }
        // The replica is in the destination: reads of that bucket may find it.
        let dst_calls_kms = self.front.buckets[to as usize].encryption.calls_kms();
        let replica = ObjectRecord {
            key: if dst_calls_kms { r.key } else { KeyRef::NoKms },
            size: t.object.size,
            prefix: r.prefix,
            // S3 copies a client-side layer's ciphertext as it is.
            client_key: t.object.client_key,
        };
        self.front.buckets[to as usize].written.record(replica);
        let rp = &mut self.replication;
        rp.free.push(task);
        if self.m.measured(t.written) {
            let c = &mut rp.counts;
            c.replicas += 1;
            c.max_lag = c.max_lag.max(at.saturating_sub(t.written));
            let plain_source = matches!(rp.modes[from as usize], Mode::None | Mode::SseS3);
            if plain_source && matches!(r.key, KeyRef::BucketKey(_)) {
                c.etag_different += 1;
            }
        }
    }
}

/// The summary of replication (None without `[[replication]]`); `regions` is the per-Region
/// summary (its replication calls sum to the role's).
pub fn summary(
    sc: &Scenario,
    c: &ReplicationCounts,
    regions: &[crate::metrics::results::RegionSummary],
) -> Option<crate::metrics::results::ReplicationSummary> {
    if sc.replication.is_empty() {
        return None;
    }
    Some(crate::metrics::results::ReplicationSummary {
        replicas: c.replicas,
        etag_different: c.etag_different,
        kms_requests: regions.iter().map(|r| r.replication_requests).sum(),
        retries: c.retries,
        denied: c.denied,
        pending_at_end: c.pending,
        max_lag_ms: crate::metrics::summary::round6(c.max_lag as f64 / 1e6),
    })
}
