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
//! written in the run. Not run live: the simulation's watermark of population objects
//! rewritten in place (later GETs of them in the run read them with the copy's new key); live
//! GETs read population objects as they were written before the run.

use super::harness::Shared;
use super::request::{NONE, Phase, Req};
use super::store::StoredObject;
use crate::crypto::CryptoError;
use crate::engine::rng::Stream;
use crate::engine::time::{NANOS_PER_MICRO, Nanos};
use crate::model::dist::SizeSampler;
use crate::scenario::{Op, ReadFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The copy workloads' state in a live run.
pub struct Copies {
    /// By workload: the next population index its copies read (cycling).
    cursor: Vec<AtomicU64>,
}

impl Copies {
    pub fn new(workloads: usize) -> Copies {
        Copies {
            cursor: (0..workloads).map(|_| AtomicU64::new(0)).collect(),
        }
    }
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
            let mut m = sh.m.lock().unwrap_or_else(|e| e.into_inner());
            m.no_object(now);
            drop(m);
            let next = now + ws.think.max(NANOS_PER_MICRO);
            if client != NONE && next < sh.sc.duration {
                sh.at(
                    next,
                    super::worker::Task::ClientNext {
                        workload: wi,
                        client,
                    },
                );
            }
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
        let mut m = sh.m.lock().unwrap_or_else(|e| e.into_inner());
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
        host: NONE,
        obj_key: o.key.clone(),
        key: None,
        read: Some(o),
        sealed: None,
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
    let (Some(p), Some(pop)) = (fb.store.population(), sh.sc.buckets[bi].existing.as_ref()) else {
        return Ok(None);
    };
    let n = sh.copies.cursor[wi as usize].fetch_add(1, Ordering::Relaxed);
    let i = n % p.objects.max(1);
    let size = SizeSampler::new(&pop.size).sample(rng);
    let payload = size.min(sh.settings.max_payload) as usize;
    let plain = fb.mode == crate::mode::Mode::None;
    let o = fb.store.existing(
        &sh.kms,
        &fb.kms_key,
        &sh.front.s3_root,
        i,
        size,
        payload,
        id,
        plain,
    )?;
    Ok(Some(Arc::new(o)))
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
    fn a_copy_is_a_write_in_every_phase() {
        assert!(!counts_as_get(true, Phase::CopyRead));
        assert!(!counts_as_get(false, Phase::CopyWrite));
        assert!(counts_as_get(true, Phase::Get));
        assert!(!counts_as_get(false, Phase::Put));
    }
}
