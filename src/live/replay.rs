//! Replayed logs in the live harness (the simulation's `replay.rs` semantics, in real time):
//! each trace workload's requests offered at their logged times (divided by the replay
//! speed, which `--scale` multiplies), objects identified by (bucket, key): a read of an
//! object the replay wrote uses the key that wrote it, any other read reads the bucket's
//! pre-existing population. HEAD, DELETE, multipart calls and copy sources are counted with
//! the "other" requests.
//!
//! What the replay wrote is remembered per object (its key, size and prefix) for the whole
//! replay, as the simulation does; bodies are kept for a bounded number of objects, and a
//! read of an object whose body was not kept seals it again under the object's own key
//! (unwrapped outside the run's traffic) before its counted KMS calls and its check.

use super::envelope::{self, Sealed};
use super::harness::Shared;
use super::lock;
use super::request::{NONE, Phase, Req};
use super::store::{ObjKey, StoredObject, arn_of};
use super::worker::Task;
use crate::crypto::CryptoError;
use crate::crypto::sse_kms::bucket_arn;
use crate::engine::time::Nanos;
use crate::model::objects::ObjectRecord;
use crate::model::sim::replay::Source;
use crate::replay::entry::LogOp;
use crate::replay::record::{NO_SIZE, NO_SOURCE, Rec};
use crate::scenario::Scenario;
use rustc_hash::FxHashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// What a replayed request is about.
#[derive(Debug, Clone, Copy)]
pub struct TraceInfo {
    pub obj: u128,
    /// A copy whose source is read first: the destination bucket.
    pub dst_bucket: u32,
    pub op: LogOp,
}

/// Objects the replay wrote (and has not deleted since) and uploads in progress.
#[derive(Default)]
struct Objects {
    objects: FxHashMap<u128, Arc<StoredObject>>,
    uploads: FxHashMap<u128, ObjKey>,
    /// Bodies kept so far (bounded by `Replayer::bodies`).
    kept: u64,
}

pub struct Replayer {
    sources: Vec<Mutex<Source>>,
    objects: Mutex<Objects>,
    /// Most bodies kept for reads.
    bodies: u64,
    error: Mutex<Option<String>>,
}

impl Replayer {
    /// The trace workloads of `sc`; the first's sessions start at `first_session`.
    pub fn new(sc: &Scenario, first_session: u32, bodies: u64) -> Replayer {
        let mut sources = Vec::new();
        let mut session = first_session;
        for (i, tw) in sc.traces.iter().enumerate() {
            let workload = (sc.workloads.len() + i) as u32;
            if let Some(s) = Source::new(tw, session, workload, sc.duration) {
                session += tw.trace.as_ref().map_or(1, |t| t.sessions.max(1));
                sources.push(Mutex::new(s));
            }
        }
        Replayer {
            sources,
            objects: Mutex::new(Objects::default()),
            bodies,
            error: Mutex::new(None),
        }
    }

    /// Sessions the trace workloads need in all.
    pub fn sessions(sc: &Scenario) -> u32 {
        sc.traces
            .iter()
            .filter_map(|tw| tw.trace.as_ref())
            .map(|t| t.sessions.max(1))
            .sum()
    }

    /// Requests of each trace not offered because the run ended first, and why reading a
    /// trace failed, if it did.
    pub fn outcome(&self) -> (Vec<u64>, Option<String>) {
        let cut = self.sources.iter().map(|s| lock(s).cut()).collect();
        (cut, lock(&self.error).clone())
    }
}

/// Schedules every trace's first request.
pub fn start(sh: &Shared) {
    for i in 0..sh.replay.sources.len() {
        schedule(sh, i as u32);
    }
}

fn schedule(sh: &Shared, source: u32) {
    if let Some(t) = lock(&sh.replay.sources[source as usize]).next_time() {
        sh.at(t, Task::Trace { source });
    }
}

/// Offers trace `source`'s next request at `now` and schedules the one after it.
pub fn request(sh: &Shared, now: Nanos, source: u32) -> Option<Box<Req>> {
    let (rec, workload, first_session, buckets) = {
        let mut s = lock(&sh.replay.sources[source as usize]);
        let rec = s.take(sh.sc.duration)?;
        if let Some(e) = s.error() {
            lock(&sh.replay.error).get_or_insert_with(|| e.to_string());
        }
        // The scenario's buckets of the request (and of a copy's source, when it has one).
        let src = match rec.op {
            LogOp::Copy if rec.src != NO_SOURCE => s.buckets[rec.src_bucket as usize],
            _ => 0,
        };
        (
            rec,
            s.workload,
            s.first_session,
            (s.buckets[rec.bucket as usize], src),
        )
    };
    schedule(sh, source);
    match start_request(sh, now, &rec, workload, first_session, buckets) {
        Ok(r) => Some(r),
        Err(e) => {
            sh.fail(format!("replayed request: {e}"));
            None
        }
    }
}

/// The request for `rec` (the simulation's `Replay::start`).
fn start_request(
    sh: &Shared,
    now: Nanos,
    rec: &Rec,
    workload: u32,
    first_session: u32,
    (bucket, src_bucket): (u32, u32),
) -> Result<Box<Req>, CryptoError> {
    let logged = (rec.size != NO_SIZE).then_some(rec.size);
    let prefixes = |b: u32| sh.front.buckets[b as usize].prefixes.max(1) as u64;
    let prefix = (rec.obj as u64 % prefixes(bucket)) as u32;
    let known = |b: u32, obj: u128| -> Result<(Arc<StoredObject>, bool), CryptoError> {
        let found = lock(&sh.replay.objects).objects.get(&obj).cloned();
        match found {
            Some(o) => Ok((body(sh, b, o)?, false)),
            None => Ok((existing(sh, b, obj, logged.unwrap_or(0))?, true)),
        }
    };
    let upload_key = || -> Result<ObjKey, CryptoError> {
        let k = lock(&sh.replay.objects).uploads.get(&rec.obj).cloned();
        match k {
            Some(k) => Ok(k),
            None => Ok(existing(sh, bucket, rec.obj, 0)?.key.clone()),
        }
    };
    let info = TraceInfo {
        obj: rec.obj,
        dst_bucket: bucket,
        op: rec.op,
    };
    let mut read = None;
    let mut existing_read = false;
    // (phase, bucket of the first call, get class, other class, size, key)
    let (phase, first_bucket, get, other, size, key) = match rec.op {
        LogOp::Put => (
            Phase::Put,
            bucket,
            false,
            false,
            logged.unwrap_or(0),
            ObjKey::Plain,
        ),
        LogOp::Copy if rec.src != NO_SOURCE => {
            let (o, e) = known(src_bucket, rec.src)?;
            existing_read = e;
            let size = logged.unwrap_or(o.record.size);
            let k = o.key.clone();
            read = Some(o);
            (Phase::CopyRead, src_bucket, true, false, size, k)
        }
        LogOp::Copy => (
            Phase::CopyWrite,
            bucket,
            false,
            false,
            logged.unwrap_or(0),
            ObjKey::Plain,
        ),
        LogOp::CopySource => {
            let (o, e) = known(bucket, rec.obj)?;
            existing_read = e;
            let size = logged.unwrap_or(o.record.size);
            let k = o.key.clone();
            read = Some(o);
            (Phase::CopyRead, bucket, true, true, size, k)
        }
        LogOp::MpuCreate => (Phase::MpuCreate, bucket, false, true, 0, ObjKey::Plain),
        LogOp::MpuPart => (
            Phase::MpuPart,
            bucket,
            false,
            true,
            logged.unwrap_or(0),
            upload_key()?,
        ),
        LogOp::MpuComplete => (
            Phase::MpuComplete,
            bucket,
            false,
            true,
            logged.unwrap_or(0),
            upload_key()?,
        ),
        LogOp::Get => {
            let (o, e) = known(bucket, rec.obj)?;
            existing_read = e;
            let size = logged.unwrap_or(o.record.size);
            let k = o.key.clone();
            read = Some(o);
            (Phase::Get, bucket, true, false, size, k)
        }
        LogOp::Head => (Phase::Head, bucket, true, true, 0, ObjKey::Plain),
        LogOp::Delete => (Phase::Delete, bucket, false, true, 0, ObjKey::Plain),
    };
    let first_send = sh.clock.now().max(now);
    {
        let mut m = lock(&sh.m);
        m.advance(first_send);
        if other {
            m.arrived_other(first_send);
        } else {
            m.arrived(first_send, rec.op == LogOp::Get);
        }
    }
    sh.in_flight.fetch_add(1, Ordering::AcqRel);
    // The object's name follows its identity in the log, so every call about it (an
    // upload's parts, a later read) names the same object and its key's context matches.
    let object = match &read {
        Some(o) => o.id,
        None => object_id(rec.obj),
    };
    let payload = read
        .as_ref()
        .map_or(size.min(sh.settings.max_payload) as usize, |o| {
            o.sealed.body.len()
        });
    Ok(Box::new(Req {
        workload,
        session: first_session + rec.session,
        client: NONE,
        bucket: first_bucket,
        get,
        other,
        first_send,
        size,
        payload,
        prefix,
        object,
        existing: existing_read,
        phase,
        part: 0,
        // A replayed part is one logged call of its own size: one part of one.
        parts: 1,
        attempt: 0,
        retries: 0,
        denied: false,
        kms_left: 0,
        host: NONE,
        obj_key: key,
        key: None,
        read,
        sealed: None,
        trace: Some(info),
        cse: None,
    }))
}

/// The number naming object `obj` of the log (its ARN, payload and nonce): a hash of its
/// identity, with the top bit set so it never meets the harness's counted numbers.
fn object_id(obj: u128) -> u64 {
    crate::engine::rng::mix64(obj as u64 ^ (obj >> 64) as u64 ^ 0x7265_706c_6179) | 1 << 63
}

/// Object `obj` of bucket `b` that the replay has not written: one of the bucket's
/// pre-existing objects (its index is the identity's low bits modulo their number), or,
/// without a population, an object with its own key (server-side KMS) or none.
fn existing(sh: &Shared, b: u32, obj: u128, size: u64) -> Result<Arc<StoredObject>, CryptoError> {
    let fb = &sh.front.buckets[b as usize];
    let id = object_id(obj);
    let payload = size.min(sh.settings.max_payload) as usize;
    if let Some(p) = fb.store.population() {
        let i = obj as u64 % p.objects.max(1);
        return Ok(Arc::new(super::copy::existing(
            sh, b as usize, i, size, payload, id,
        )?));
    }
    let arn = arn_of(&fb.store.name, id);
    let prefix = (obj as u64 % fb.prefixes.max(1) as u64) as u32;
    let (key, obj_key) = if fb.mode.s3_calls_kms() {
        let (k, blob) = sh.kms.setup_generate(&fb.kms_keys[0], &arn)?;
        (
            Some(k),
            ObjKey::PerObject {
                blob: Arc::new(blob),
            },
        )
    } else if fb.mode == crate::mode::Mode::None {
        (None, ObjKey::Plain)
    } else {
        let salt = envelope::salt(id, u32::MAX);
        (
            Some(envelope::derive(&sh.front.s3_root, &salt, &arn)),
            ObjKey::S3Managed { salt },
        )
    };
    let sealed = match &key {
        Some(k) => envelope::seal(k, id, payload, &arn)?,
        None => Sealed::plain(id, payload),
    };
    Ok(Arc::new(StoredObject {
        id,
        record: ObjectRecord {
            key: super::front::key_ref(&obj_key),
            size,
            prefix,
            client_key: 0,
        },
        key: obj_key,
        sealed,
        client: None,
    }))
}

/// A replay-written object with its body: kept, or sealed again under its own key.
fn body(sh: &Shared, b: u32, o: Arc<StoredObject>) -> Result<Arc<StoredObject>, CryptoError> {
    let len = o.record.size.min(sh.settings.max_payload) as usize;
    if o.sealed.body.len() == len {
        return Ok(o);
    }
    let fb = &sh.front.buckets[b as usize];
    let arn = arn_of(&fb.store.name, o.id);
    let key = match &o.key {
        ObjKey::Plain => None,
        ObjKey::S3Managed { salt } => Some(envelope::derive(&sh.front.s3_root, salt, &arn)),
        ObjKey::PerObject { blob } => Some(sh.kms.setup_decrypt(blob, &arn)?),
        ObjKey::BucketKey { blob, salt, .. } => {
            let bk = sh.kms.setup_decrypt(blob, &bucket_arn(&fb.store.name))?;
            Some(envelope::derive(&bk, salt, &arn))
        }
    };
    let sealed = match &key {
        Some(k) if fb.mode == crate::mode::Mode::DsseKms => {
            envelope::seal_double(k, &super::front::outer_key(sh, o.id, &arn), o.id, len, &arn)?
        }
        Some(k) => envelope::seal(k, o.id, len, &arn)?,
        None => Sealed::plain(o.id, len),
    };
    Ok(Arc::new(StoredObject {
        id: o.id,
        record: o.record,
        key: o.key.clone(),
        sealed,
        client: o.client.clone(),
    }))
}

/// The replayed call of `r` succeeded: a copy that read its source writes its destination
/// next (true); every other replayed request is done (false).
pub fn next(sh: &Shared, r: &mut Req) -> bool {
    let Some(info) = r.trace else {
        return false;
    };
    if r.phase == Phase::CopyRead && info.op == LogOp::Copy {
        let fb = &sh.front.buckets[info.dst_bucket as usize];
        r.bucket = info.dst_bucket;
        r.get = false;
        r.prefix = (info.obj as u64 % fb.prefixes.max(1) as u64) as u32;
        r.object = object_id(info.obj);
        r.obj_key = ObjKey::Plain;
        r.key = None;
        r.read = None;
        r.phase = Phase::CopyWrite;
        return true;
    }
    false
}

/// A replayed request is over: what it changed (objects written, uploads begun, objects
/// deleted), and its count.
pub fn finish(sh: &Shared, now: Nanos, r: Req, ok: bool) {
    let Some(info) = r.trace else {
        return;
    };
    if ok {
        match info.op {
            LogOp::Put | LogOp::Copy | LogOp::MpuComplete => {
                let mut objects = lock(&sh.replay.objects);
                if info.op == LogOp::MpuComplete {
                    objects.uploads.remove(&info.obj);
                }
                let keep = objects.kept < sh.replay.bodies;
                objects.kept += u64::from(keep);
                let o = Arc::new(StoredObject {
                    id: r.object,
                    record: ObjectRecord {
                        key: super::front::key_ref(&r.obj_key),
                        size: r.size,
                        prefix: r.prefix,
                        client_key: 0,
                    },
                    key: r.obj_key.clone(),
                    sealed: match (&r.sealed, keep) {
                        (Some(s), true) => s.clone(),
                        _ => Sealed::empty(),
                    },
                    client: None,
                });
                objects.objects.insert(info.obj, o.clone());
                drop(objects);
                sh.front.buckets[r.bucket as usize].store.keep(o.clone());
                super::replication::written(sh, now, r.bucket, o);
            }
            LogOp::MpuCreate => {
                lock(&sh.replay.objects)
                    .uploads
                    .insert(info.obj, r.obj_key.clone());
            }
            LogOp::Delete => {
                lock(&sh.replay.objects).objects.remove(&info.obj);
            }
            LogOp::MpuPart | LogOp::Get | LogOp::Head | LogOp::CopySource => {}
        }
    }
    let mut m = lock(&sh.m);
    m.advance(now);
    if r.other {
        m.finished_other(r.first_send, ok, r.retries);
    } else {
        let get = info.op == LogOp::Get;
        m.finished(now, r.first_send, get, ok, r.retries);
        if r.denied {
            m.access_denied(r.first_send, get);
        }
    }
}

/// Counts a replayed request still in flight when the drain ended.
pub fn count_unfinished(m: &mut crate::metrics::collector::Collector, r: &Req, info: &TraceInfo) {
    if r.other {
        m.unfinished_other(r.first_send);
    } else {
        m.unfinished(r.first_send, info.op == LogOp::Get);
    }
}
