//! S3 Replication live (`[[replication]]`), with the simulation's semantics
//! ([`crate::model::sim::replication`]): every object a client writes to a rule's source bucket
//! (PUT, multipart upload, copy destination) is replicated after a lag drawn from the rule's
//! `lag` — a timer entry, not a sleeping thread. The replication role is its own requester
//! session per rule (its bucket keys are its own cache entries, on one front-end host per
//! object). A replication first reads the source object as S3 does for a GET (a Decrypt of
//! its data key, or the source's bucket key unwrapped, in the source bucket's Region; the
//! stored bytes are really opened and checked) and then writes the replica with the
//! destination's settings in the destination's Region (the role's bucket key; else one call
//! per object: `Encrypt` of the source object's data key when the source is SSE-KMS,
//! `GenerateDataKey` when it had no KMS key; the replica's bytes are really sealed, and it is
//! kept in the destination's store, where GETs read it).
//!
//! Both calls go through the live S3 front end ([`super::front::handle`], phases
//! [`Phase::CopyRead`] and [`Phase::CopyWrite`]): they count against the source prefix's
//! GET/HEAD rate and the destination prefix's PUT rate, in each Region's KMS quota and
//! counts (the Region's `replication_requests`), but in no client's latency. A throttled
//! step is retried after [`RETRY_AFTER`]. Replicas are not replicated further.
//!
//! The role's KMS calls are made on the worker thread that runs the step; the in-process KMS
//! ([`super::kms`]) learns that the caller is the role from [`role_call`], a per-thread
//! marker set only while the step's front-end call runs (as the simulation's
//! `KmsCalls::replication` flag is set around its call).

use super::envelope::{self, Sealed};
use super::front::{self, Next};
use super::harness::Shared;
use super::lock;
use super::request::{NONE, Phase, Req};
use super::store::{ObjKey, StoredObject, arn_of};
use super::worker::Task;
use crate::crypto::{CryptoError, DataKey};
use crate::engine::rng::Stream;
use crate::engine::time::Nanos;
use crate::metrics::collector::{Context, KmsOpKind};
use crate::mode::Mode;
use crate::model::dist::LatencySampler;
use crate::model::objects::ObjectRecord;
pub use crate::model::sim::replication::RETRY_AFTER;
use crate::model::sim::replication::ReplicationCounts;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Where a replication is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Reading the source: the call to S3.
    Read,
    /// The source's key is at S3: the bytes are opened and checked.
    ReadKey,
    /// Writing the replica: the call to S3.
    Write,
    /// The replica's key is at S3: the bytes are sealed and the replica kept.
    WriteKey,
}

/// One object being replicated (a timer entry while it waits).
pub struct Step {
    rule: u32,
    stage: Stage,
    source: Arc<StoredObject>,
    /// When the source write completed (the role's calls count if it is measured).
    written: Nanos,
    /// The call under way, as the front end handles it.
    r: Req,
    /// The source object's data key, once read (re-encrypted for an SSE-KMS source).
    source_key: Option<Arc<DataKey>>,
}

/// The replication rules of a live run and what they did.
pub struct Replicator {
    /// By source bucket: the rules replicating it.
    by_source: Vec<Vec<u32>>,
    /// By rule: source and destination bucket.
    rules: Vec<(usize, usize)>,
    lag: Vec<LatencySampler>,
    /// By rule its lag stream, then the hosts' stream.
    rng: Mutex<(Vec<Stream>, Stream)>,
    hosts: u64,
    /// The role's session of rule 0 (after the workloads' sessions); rule `i`'s is `+ i`.
    first_session: u32,
    counts: Mutex<ReplicationCounts>,
    pending: AtomicU64,
}

impl Replicator {
    /// `sessions`: the workloads' sessions (the roles' come after them).
    pub fn new(sc: &crate::scenario::Scenario, sessions: usize) -> Replicator {
        let mut by_source = vec![Vec::new(); sc.buckets.len()];
        for (i, r) in sc.replication.iter().enumerate() {
            by_source[r.from].push(i as u32);
        }
        let lag_rng = (0..sc.replication.len())
            .map(|i| Stream::new(sc.seed, &format!("live/replication/lag/{i}")))
            .collect();
        Replicator {
            by_source,
            rules: sc.replication.iter().map(|r| (r.from, r.to)).collect(),
            lag: sc
                .replication
                .iter()
                .map(|r| LatencySampler::new(&r.lag))
                .collect(),
            rng: Mutex::new((lag_rng, Stream::new(sc.seed, "live/replication/hosts"))),
            hosts: sc.s3.frontend_hosts.max(1) as u64,
            first_session: sessions as u32,
            counts: Mutex::new(ReplicationCounts::default()),
            pending: AtomicU64::new(0),
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, ReplicationCounts> {
        lock(&self.counts)
    }

    /// What replication did, replications not finished counted pending.
    pub fn finish(&self) -> ReplicationCounts {
        let mut c = self.counts().clone();
        c.pending = self.pending.load(Ordering::Acquire);
        c
    }
}

/// The caller index (policies' principal) of a request: its workload's, or for a
/// replication (workload NONE) its rule's role, after the workloads and traces (as the
/// simulation's `principals` numbers them).
pub fn caller(sh: &Shared, r: &Req) -> u32 {
    if r.workload != NONE {
        return r.workload;
    }
    let rule = r.session.saturating_sub(sh.replication.first_session);
    (sh.sc.workloads.len() + sh.sc.traces.len()) as u32 + rule
}

/// How long requests in flight at the end may take when `--drain` is not given: the
/// simulation's drain limit when replications may be pending (their lags are not scaled, and
/// the run compared with the simulation must replicate as long as the simulation does), else
/// the harness's default.
pub fn default_drain(sc: &crate::scenario::Scenario) -> Nanos {
    if sc.replication.is_empty() {
        super::harness::DEFAULT_DRAIN
    } else {
        crate::metrics::collector::DRAIN_LIMIT
    }
}

/// The replication role's call being made on this thread: the source object's data key when
/// the replica re-encrypts it (`Encrypt`).
#[derive(Clone)]
pub struct RoleCall {
    pub replica_key: Option<Arc<DataKey>>,
}

thread_local! {
    static ROLE: RefCell<Option<RoleCall>> = const { RefCell::new(None) };
}

/// The replication role's call under way on this thread, if the KMS call being made is one.
pub fn role_call() -> Option<RoleCall> {
    ROLE.with(|r| r.borrow().clone())
}

/// The operation the role's call `op` with context `ctx` really is: a replica of an SSE-KMS
/// object has its source's data key re-encrypted (`Encrypt`) rather than a new one generated.
pub fn role_op(role: &Option<RoleCall>, op: KmsOpKind, ctx: Context) -> KmsOpKind {
    match (op, ctx, role) {
        (
            KmsOpKind::GenerateDataKey,
            Context::ObjectArn,
            Some(RoleCall {
                replica_key: Some(_),
            }),
        ) => KmsOpKind::Encrypt,
        _ => op,
    }
}

/// Marks this thread's KMS calls as the role's while alive.
struct RoleGuard;

impl RoleGuard {
    fn set(call: RoleCall) -> RoleGuard {
        ROLE.with(|r| *r.borrow_mut() = Some(call));
        RoleGuard
    }
}

impl Drop for RoleGuard {
    fn drop(&mut self) {
        ROLE.with(|r| *r.borrow_mut() = None);
    }
}

/// A client wrote `o` to bucket `bi` at `now`: each rule replicating the bucket schedules its
/// replication after its lag.
pub fn written(sh: &Shared, now: Nanos, bi: u32, o: Arc<StoredObject>) {
    let rp = &sh.replication;
    let Some(rules) = rp.by_source.get(bi as usize) else {
        return;
    };
    for &rule in rules {
        let (lag, host) = {
            let mut g = lock(&rp.rng);
            let (lags, hosts) = &mut *g;
            let lag = rp.lag[rule as usize].sample(&mut lags[rule as usize]);
            (lag, hosts.below(rp.hosts) as u32)
        };
        let (from, _) = rp.rules[rule as usize];
        let r = Req {
            workload: NONE,
            session: rp.first_session + rule,
            client: NONE,
            bucket: from as u32,
            get: true,
            other: true,
            first_send: now,
            size: o.record.size,
            payload: o.sealed.body.len(),
            prefix: o.record.prefix,
            object: o.id,
            existing: false,
            phase: Phase::CopyRead,
            part: 0,
            parts: 0,
            attempt: 0,
            retries: 0,
            denied: false,
            kms_left: 0,
            host,
            obj_key: o.key.clone(),
            key: None,
            read: None,
            sealed: None,
            trace: None,
            cse: None,
        };
        rp.pending.fetch_add(1, Ordering::AcqRel);
        // The run drains until replications are done, as the simulation does.
        sh.in_flight.fetch_add(1, Ordering::AcqRel);
        let step = Step {
            rule,
            stage: Stage::Read,
            source: o.clone(),
            written: now,
            r,
            source_key: None,
        };
        sh.at(now.saturating_add(lag), Task::Replicate(Box::new(step)));
    }
}

/// The replication step `s` at `now`.
pub fn step(sh: &Shared, rng: &mut Stream, now: Nanos, s: Box<Step>) {
    let out = match s.stage {
        Stage::Read | Stage::Write => call(sh, rng, now, s),
        Stage::ReadKey => read_done(sh, rng, now, s),
        Stage::WriteKey => write_done(sh, rng, now, s),
    };
    if let Err(e) = out {
        sh.fail(format!("replication: {e}"));
        done(sh);
    }
}

fn done(sh: &Shared) {
    sh.replication.pending.fetch_sub(1, Ordering::AcqRel);
    sh.in_flight.fetch_sub(1, Ordering::AcqRel);
}

/// The step's call to S3 (the source's read, or the replica's write).
fn call(sh: &Shared, rng: &mut Stream, now: Nanos, mut s: Box<Step>) -> Result<(), CryptoError> {
    let rp = &sh.replication;
    let writing = s.stage == Stage::Write;
    let (from, to) = rp.rules[s.rule as usize];
    let bi = if writing { to } else { from };
    let r = &mut s.r;
    r.bucket = bi as u32;
    r.get = !writing;
    r.phase = if writing {
        Phase::CopyWrite
    } else {
        Phase::CopyRead
    };
    r.prefix = s.source.record.prefix % sh.front.buckets[bi].prefixes.max(1);
    r.attempt += 1;
    let source_kms = matches!(
        s.source.key,
        ObjKey::PerObject { .. } | ObjKey::BucketKey { .. }
    );
    let replica_key = if writing && source_kms {
        s.source_key.clone()
    } else {
        None
    };
    let next = {
        let _role = RoleGuard::set(RoleCall { replica_key });
        front::handle(sh, rng, now, r)?
    };
    match next {
        Next::Respond(at, _) => {
            // Throttled (the prefix's rate, or KMS): S3 tries again later.
            rp.counts().retries += 1;
            sh.at(at.saturating_add(RETRY_AFTER), Task::Replicate(s));
        }
        Next::KeyAt(at) => {
            s.stage = if writing {
                Stage::WriteKey
            } else {
                Stage::ReadKey
            };
            if at <= now {
                return match s.stage {
                    Stage::WriteKey => write_done(sh, rng, now, s),
                    _ => read_done(sh, rng, now, s),
                };
            }
            sh.at(at, Task::Replicate(s));
        }
    }
    Ok(())
}

/// S3's answer after the key arrived at `now` and the bytes were handled: its own time and
/// the object's transfer (as the simulation's replication steps take).
fn answer_at(sh: &Shared, rng: &mut Stream, now: Nanos, s: &Step) -> Nanos {
    now.max(sh.clock.now()) + sh.front.s3_time(rng) + sh.front.transfer_time(s.source.record.size)
}

/// The source's key is there: its bytes are opened and checked, then the replica is written.
fn read_done(
    sh: &Shared,
    rng: &mut Stream,
    now: Nanos,
    mut s: Box<Step>,
) -> Result<(), CryptoError> {
    let t0 = sh.clock.now();
    let o = s.source.clone();
    let arn = arn_of(&sh.front.buckets[s.r.bucket as usize].store.name, o.id);
    let key = front::object_key(sh, &s.r, &arn);
    match &key {
        Some(k) => envelope::open_and_check(k, &o.sealed, o.id, &arn)?,
        None if o.sealed.body == envelope::payload(o.id, o.sealed.body.len()) => {}
        None => {
            return Err(CryptoError::InvalidInput(format!(
                "{arn}: stored bytes are not the payload written"
            )));
        }
    }
    let c = &sh.crypto;
    c.opened.fetch_add(1, Ordering::Relaxed);
    c.opened_bytes
        .fetch_add(o.sealed.body.len() as u64, Ordering::Relaxed);
    c.busy
        .fetch_add(sh.clock.now().saturating_sub(t0), Ordering::Relaxed);
    s.source_key = key.map(Arc::new);
    let at = answer_at(sh, rng, now, &s);
    // The replica: a new object of the destination, its key chosen when S3 handles it.
    let r = &mut s.r;
    r.key = None;
    r.obj_key = ObjKey::Plain;
    r.object = sh.next_object.fetch_add(1, Ordering::Relaxed);
    r.attempt = 0;
    s.stage = Stage::Write;
    sh.at(at, Task::Replicate(s));
    Ok(())
}

/// The replica's key is there: its bytes are sealed and it is kept in the destination.
fn write_done(sh: &Shared, rng: &mut Stream, now: Nanos, s: Box<Step>) -> Result<(), CryptoError> {
    let t0 = sh.clock.now();
    let rp = &sh.replication;
    let (from, to) = rp.rules[s.rule as usize];
    let dst = &sh.front.buckets[to];
    let r = &s.r;
    let arn = arn_of(&dst.store.name, r.object);
    let sealed = match front::object_key(sh, r, &arn) {
        Some(k) => envelope::seal(&k, r.object, r.payload, &arn)?,
        None => Sealed::plain(r.object, r.payload),
    };
    let c = &sh.crypto;
    c.sealed.fetch_add(1, Ordering::Relaxed);
    c.sealed_bytes
        .fetch_add(r.payload as u64, Ordering::Relaxed);
    c.busy
        .fetch_add(sh.clock.now().saturating_sub(t0), Ordering::Relaxed);
    let at = answer_at(sh, rng, now, &s);
    let bucket_key = matches!(r.obj_key, ObjKey::BucketKey { .. });
    dst.store.record(StoredObject {
        id: r.object,
        record: ObjectRecord {
            key: front::key_ref(&r.obj_key),
            size: r.size,
            prefix: r.prefix,
            client_key: 0,
        },
        key: r.obj_key.clone(),
        sealed,
        // No client envelope: as in the simulation, a read of the replica makes no
        // client-side Decrypt.
        client: None,
    });
    let measured = lock(&sh.m).measured(s.written);
    if measured {
        let mut c = rp.counts();
        c.replicas += 1;
        c.max_lag = c.max_lag.max(at.saturating_sub(s.written));
        let plain_source = matches!(sh.front.buckets[from].mode, Mode::None | Mode::SseS3);
        if plain_source && bucket_key {
            c.etag_different += 1;
        }
    }
    done(sh);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_roles_per_object_write_of_an_sse_kms_replica_is_an_encrypt() {
        let key = Some(RoleCall {
            replica_key: Some(Arc::new(DataKey::from_bytes([7; 32]))),
        });
        let gdk = KmsOpKind::GenerateDataKey;
        assert_eq!(role_op(&key, gdk, Context::ObjectArn), KmsOpKind::Encrypt);
        // The role's bucket key is generated; an unencrypted source's replica gets a new key;
        // a client's call is what it is.
        assert_eq!(role_op(&key, gdk, Context::BucketArn), gdk);
        let plain = Some(RoleCall { replica_key: None });
        assert_eq!(role_op(&plain, gdk, Context::ObjectArn), gdk);
        assert_eq!(role_op(&None, gdk, Context::ObjectArn), gdk);
        assert_eq!(
            role_op(&key, KmsOpKind::Decrypt, Context::ObjectArn),
            KmsOpKind::Decrypt
        );
        // The marker is this thread's, and only while a role's call runs.
        assert!(role_call().is_none());
        {
            let _g = RoleGuard::set(RoleCall { replica_key: None });
            assert!(role_call().is_some());
            let other = std::thread::spawn(|| role_call().is_none());
            assert!(other.join().unwrap());
        }
        assert!(role_call().is_none());
    }
}
