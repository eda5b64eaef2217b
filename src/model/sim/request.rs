//! A request in flight: which call of it is under way, what it carries, and the slab that
//! holds the requests in flight (indices reused, so memory follows the in-flight count).

use super::super::objects::KeyRef;
use crate::engine::time::Nanos;

/// "No such index" (no closed-loop client, no connection).
pub(super) const NONE: u32 = u32::MAX;

/// What answered the current attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Ok,
    SlowdownKms,
    SlowdownPrefix,
    /// KMS ThrottlingException to a client-side call.
    KmsThrottled,
    /// The bucket's policies denied the KMS call: S3's 403 AccessDenied (or KMS's
    /// AccessDeniedException to a client-side call), which the client does not retry.
    AccessDenied,
}

/// Which call of a request is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// cse-kms: the client's GenerateDataKey before the PUT.
    ClientGenerate,
    Put,
    MpuCreate,
    MpuPart,
    MpuComplete,
    Get,
    /// cse-kms: the client's Decrypt after the GET.
    ClientDecrypt,
    /// Replayed HEAD: no KMS call, nothing moved.
    Head,
    /// Replayed DELETE: no KMS call.
    Delete,
    /// Replayed copy, reading the source: S3 needs the source's key as a GET does; nothing
    /// moves over the client's connection.
    CopyRead,
    /// Replayed copy, writing the destination: a new object's key as a PUT; nothing moves
    /// over the client's connection.
    CopyWrite,
}

impl Phase {
    /// Whether this call is the client's own KMS call (client-side encryption), sent to KMS
    /// without an S3 connection.
    #[inline]
    pub(super) fn is_client_kms(self) -> bool {
        matches!(self, Phase::ClientGenerate | Phase::ClientDecrypt)
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Request {
    pub(super) workload: u32,
    pub(super) session: u32,
    pub(super) client: u32,
    /// The bucket of the current call (a replayed copy reads one bucket and writes another).
    pub(super) bucket: u32,
    /// GET class (prefix limits; counted as a GET unless `other`).
    pub(super) get: bool,
    /// One replayed call of a log (no further phases, counted by its operation).
    pub(super) replay: bool,
    /// Counted with the "other" requests (replayed HEAD, DELETE, multipart calls, copy sources).
    pub(super) other: bool,
    pub(super) first_send: Nanos,
    pub(super) size: u64,
    pub(super) prefix: u32,
    pub(super) key: KeyRef,
    /// The client-side data key of a `client_encryption` layer over the bucket's mode (0:
    /// none; a `cse-kms` bucket's client key is `key`).
    pub(super) client_key: u64,
    /// Reads an object that was in the bucket before the run (its KMS calls are counted apart).
    pub(super) existing: bool,
    /// Failed with AccessDenied (a policy denied its KMS call).
    pub(super) denied: bool,
    pub(super) phase: Phase,
    pub(super) part: u32,
    pub(super) parts: u32,
    /// Attempts made of the current call.
    pub(super) attempt: u32,
    pub(super) retries: u32,
    /// Front-end host of the connection the current S3 attempt uses (NONE when none).
    pub(super) host: u32,
    /// When S3 (or KMS, client-side) received the current attempt.
    pub(super) sent: Nanos,
}

/// Slab of in-flight requests: indices are reused, so memory follows the in-flight count.
pub(super) struct Requests {
    pub(super) slots: Vec<Request>,
    pub(super) free: Vec<u32>,
}

impl Requests {
    pub(super) fn new() -> Requests {
        Requests {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    pub(super) fn insert(&mut self, r: Request) -> u32 {
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = r;
            i
        } else {
            self.slots.push(r);
            (self.slots.len() - 1) as u32
        }
    }

    pub(super) fn remove(&mut self, i: u32) {
        self.free.push(i);
    }

    /// The requests still in flight.
    pub(super) fn in_flight(&self) -> impl Iterator<Item = &Request> {
        let mut free = vec![false; self.slots.len()];
        for &i in &self.free {
            free[i as usize] = true;
        }
        self.slots
            .iter()
            .zip(free)
            .filter(|(_, f)| !*f)
            .map(|(r, _)| r)
    }
}
