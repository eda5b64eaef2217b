//! Copy workloads live (`op = "copy"`, CopyObject and Batch Operations copy jobs), with the
//! simulation's semantics ([`crate::model::sim`]'s `copy.rs`): each copy reads its source
//! object with the source's key ([`Phase::CopyRead`]: a Decrypt of the object's data key or
//! the source's bucket key, against the source prefix's GET limit; the stored bytes are
//! really opened and checked) and then writes the destination with the destination bucket's
//! settings ([`Phase::CopyWrite`]: GenerateDataKey or a bucket key, against the destination
//! prefix's PUT limit; the bytes are really sealed). Nothing moves over the client's
//! connection (no transfer time). A copy counts as a write, even one that fails reading.
//!
//! A copy job over a bucket's pre-existing population reads it in index order (0, 1, 2, …,
//! cycling), as a Batch Operations job walks its manifest; otherwise it picks an object
//! written in the run. A copy in place of a population object rewrites it: as in the
//! simulation, after `c` successful in-place copies population indices `0..c` are rewritten,
//! index `i` with the key the `(i+1)`-th successful copy wrote it with (kept run-length
//! encoded, one entry per change of key), and a later read of it (a GET, or the job's next
//! cycle) makes the object with that key: through the job's bucket key (so the reader
//! unwraps that bucket key, once per cache entry), or a per-object key of its own.

use super::envelope;
use super::harness::Shared;
use super::lock;
use super::request::{NONE, Phase, Req};
use super::store::{ObjKey, StoredObject, arn_of};
use crate::crypto::{CryptoError, DataKey};
use crate::engine::rng::Stream;
use crate::engine::time::Nanos;
use crate::model::objects::KeyRef;
use crate::scenario::{Op, ReadFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The key a run of rewritten population objects was written with.
#[derive(Clone)]
enum RunKey {
    /// No KMS key (the population's own kind then applies).
    NoKms,
    /// A data key of its own per object.
    PerObject,
    /// The copying session's bucket key `id` (wrapped in `blob`).
    BucketKey {
        id: u64,
        /// The bucket's slot of the KMS key it was issued under.
        slot: u32,
        blob: Arc<Vec<u8>>,
        key: Arc<DataKey>,
    },
}

impl RunKey {
    fn same(&self, o: &RunKey) -> bool {
        match (self, o) {
            (RunKey::NoKms, RunKey::NoKms) | (RunKey::PerObject, RunKey::PerObject) => true,
            (RunKey::BucketKey { id: a, .. }, RunKey::BucketKey { id: b, .. }) => a == b,
            _ => false,
        }
    }
}

/// Population objects of one bucket rewritten in place by copies.
#[derive(Default)]
struct Rewritten {
    /// Successful in-place copies of population objects: indices `0..count` are rewritten.
    count: u64,
    /// (first ordinal, key): ordinals from this one up to the next entry's were written with
    /// this key.
    runs: Vec<(u64, RunKey)>,
}

impl Rewritten {
    fn push(&mut self, key: RunKey) {
        if self.runs.last().is_none_or(|(_, k)| !k.same(&key)) {
            self.runs.push((self.count, key));
        }
        self.count += 1;
    }

    fn key(&self, i: u64) -> Option<RunKey> {
        if i >= self.count {
            return None;
        }
        let n = self.runs.partition_point(|&(first, _)| first <= i);
        self.runs.get(n.checked_sub(1)?).map(|(_, k)| k.clone())
    }
}

/// The copy workloads' state in a live run.
pub struct Copies {
    /// By workload: the next population index its copies read (cycling).
    cursor: Vec<AtomicU64>,
    /// By bucket.
    rewritten: Vec<Mutex<Rewritten>>,
}

impl Copies {
    pub fn new(buckets: usize, workloads: usize) -> Copies {
        Copies {
            cursor: (0..workloads).map(|_| AtomicU64::new(0)).collect(),
            rewritten: (0..buckets).map(|_| Mutex::default()).collect(),
        }
    }

    fn rewritten(&self, bi: usize) -> std::sync::MutexGuard<'_, Rewritten> {
        lock(&self.rewritten[bi])
    }
}

/// Population object `i` of bucket `bi` (`size` bytes, `payload` of them stored), named
/// `id`: as it was written before the run, or as a copy in place rewrote it.
pub fn existing(
    sh: &Shared,
    bi: usize,
    i: u64,
    size: u64,
    payload: usize,
    id: u64,
) -> Result<StoredObject, CryptoError> {
    let fb = &sh.front.buckets[bi];
    let rewritten = sh.copies.rewritten(bi).key(i);
    let p = fb.store.population();
    let (Some(p), Some(k @ (RunKey::PerObject | RunKey::BucketKey { .. }))) = (p, rewritten) else {
        let plain = fb.mode == crate::mode::Mode::None;
        let s3 = &sh.front.s3_root;
        return fb
            .store
            .existing(&sh.kms, &fb.kms_keys[0], s3, i, size, payload, id, plain);
    };
    let mut record = p.object(i, size);
    let arn = arn_of(&fb.store.name, id);
    let (key, obj_key) = match k {
        RunKey::BucketKey {
            id: kid,
            slot,
            blob,
            key,
        } => {
            let salt = envelope::salt(id, u32::MAX);
            record.key = KeyRef::BucketKey(kid);
            let k = envelope::derive(&key, &salt, &arn);
            (
                k,
                ObjKey::BucketKey {
                    id: kid,
                    slot,
                    blob,
                    salt,
                },
            )
        }
        _ => {
            let (k, blob) = sh.kms.setup_generate(&fb.kms_keys[0], &arn)?;
            record.key = KeyRef::PerObject;
            let blob = Arc::new(blob);
            (k, ObjKey::PerObject { blob })
        }
    };
    Ok(StoredObject {
        id,
        record,
        sealed: envelope::seal(&key, id, payload, &arn)?,
        key: obj_key,
        client: None,
    })
}

/// Request `r` ended with its write done: a copy in place of a population object raises
/// its bucket's watermark with the key it wrote.
pub fn succeeded(sh: &Shared, r: &Req) {
    let w = &sh.sc.workloads[r.workload as usize];
    let in_place = w.op == Op::Copy && w.copy_from.unwrap_or(w.bucket) == w.bucket;
    if !(in_place && r.existing) {
        return;
    }
    let key = match (&r.obj_key, &r.key) {
        (ObjKey::PerObject { .. }, _) => RunKey::PerObject,
        (ObjKey::BucketKey { id, slot, blob, .. }, Some(k)) => RunKey::BucketKey {
            id: *id,
            slot: *slot,
            blob: blob.clone(),
            key: k.clone(),
        },
        _ => RunKey::NoKms,
    };
    sh.copies.rewritten(r.bucket as usize).push(key);
}

/// Whether workload `wi` of the run is a copy workload.
pub fn is_copy(sh: &Shared, wi: u32) -> bool {
    sh.sc.workloads[wi as usize].op == Op::Copy
}

/// A copy of workload `wi` (closed-loop client `client`, or [`NONE`]) arriving at `now`: the
/// request, reading its source first, or None when the source has no object to copy yet.
pub fn start(sh: &Shared, rng: &mut Stream, now: Nanos, wi: u32, client: u32) -> Option<Box<Req>> {
    let w = &sh.sc.workloads[wi as usize];
    let ws = &sh.workloads[wi as usize];
    let src = w.copy_from.unwrap_or(w.bucket);
    let session = ws.first_session + rng.below(ws.sessions as u64) as u32;
    let object = sh.next_object.fetch_add(1, Ordering::Relaxed);
    let picked = match w.read_from {
        ReadFrom::Existing => next_existing(sh, rng, wi, src, object),
        _ => Ok(sh.front.buckets[src].store.pick(rng)),
    };
    let o = match picked {
        Ok(Some(o)) => o,
        Ok(None) => {
            super::worker::no_object(sh, now, wi, client);
            return None;
        }
        Err(e) => {
            let name = &sh.front.buckets[src].store.name;
            sh.fail(format!("making an existing object of bucket {name}: {e}"));
            return None;
        }
    };
    // Making an existing object took the harness time: the copy is sent now.
    let first_send = sh.clock.now().max(now);
    {
        let mut m = lock(&sh.m);
        m.advance(first_send);
        // A copy counts as a write.
        m.arrived(first_send, false);
    }
    sh.in_flight.fetch_add(1, Ordering::AcqRel);
    Some(Box::new(Req {
        workload: wi,
        session,
        client,
        bucket: src as u32,
        // The source read is in the GET class of the source prefix's limits.
        get: true,
        other: false,
        first_send,
        size: o.record.size,
        payload: o.sealed.body.len(),
        prefix: o.record.prefix,
        object: o.id,
        existing: w.read_from == ReadFrom::Existing,
        phase: Phase::CopyRead,
        part: 0,
        parts: 0,
        attempt: 0,
        retries: 0,
        denied: false,
        kms_left: 0,
        host: NONE,
        obj_key: o.key.clone(),
        key: None,
        read: Some(o),
        sealed: None,
        trace: None,
        cse: None,
    }))
}

/// The next population object of copy workload `wi` (in index order, cycling), made as its
/// writer made it, named `id`.
fn next_existing(
    sh: &Shared,
    rng: &mut Stream,
    wi: u32,
    bi: usize,
    id: u64,
) -> Result<Option<Arc<StoredObject>>, CryptoError> {
    let fb = &sh.front.buckets[bi];
    let Some(p) = fb.store.population() else {
        return Ok(None);
    };
    let n = sh.copies.cursor[wi as usize].fetch_add(1, Ordering::Relaxed);
    let i = n % p.objects.max(1);
    let Some(size) = fb.store.population_size(rng) else {
        return Ok(None);
    };
    let payload = size.min(sh.settings.max_payload) as usize;
    Ok(Some(Arc::new(existing(sh, bi, i, size, payload, id)?)))
}

/// The copy in `r` read its source: it writes its workload's bucket next, as a new object
/// (its key chosen by the destination's settings when S3 handles the write), at the same
/// prefix index modulo the destination's prefixes.
pub fn to_write(sh: &Shared, r: &mut Req) {
    let dst = sh.sc.workloads[r.workload as usize].bucket;
    let fb = &sh.front.buckets[dst];
    r.bucket = dst as u32;
    r.get = false;
    r.prefix %= fb.prefixes.max(1);
    r.object = sh.next_object.fetch_add(1, Ordering::Relaxed);
    r.obj_key = super::store::ObjKey::Plain;
    r.key = None;
}

/// Whether a request ending (or left unfinished) in phase `phase` with class `get` counts as
/// a GET: a copy counts as a write even while reading its source.
pub fn counts_as_get(get: bool, phase: Phase) -> bool {
    get && phase != Phase::CopyRead
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watermark_keys_follow_completion_order() {
        let bk = |id| RunKey::BucketKey {
            id,
            slot: 0,
            blob: Arc::new(Vec::new()),
            key: Arc::new(DataKey::from_bytes([1; 32])),
        };
        let id = |k: Option<RunKey>| match k {
            Some(RunKey::BucketKey { id, .. }) => Some(id),
            Some(RunKey::PerObject) => Some(0),
            Some(RunKey::NoKms) => Some(u64::MAX),
            None => None,
        };
        let mut r = Rewritten::default();
        assert_eq!(id(r.key(0)), None);
        for k in [bk(1), bk(1), bk(2), bk(2), RunKey::PerObject] {
            r.push(k);
        }
        assert_eq!(r.count, 5);
        assert_eq!(r.runs.len(), 3);
        let got: Vec<_> = (0..6).map(|i| id(r.key(i))).collect();
        assert_eq!(got, [Some(1), Some(1), Some(2), Some(2), Some(0), None]);
    }

    #[test]
    fn a_copy_is_a_write_in_every_phase() {
        assert!(!counts_as_get(true, Phase::CopyRead));
        assert!(counts_as_get(true, Phase::Get));
    }
}
