//! Uploads in one PUT or in parts (multipart upload: create, parts, complete), as the SDKs'
//! transfer managers split them: which call an upload starts with and what each call moves.

use super::request::{Phase, Request};
use crate::scenario::S3Config;

/// The multipart threshold and part size of a run.
pub(super) struct Multipart {
    threshold: u64,
    part_size: u64,
}

impl Multipart {
    pub(super) fn new(s3: &S3Config) -> Multipart {
        Multipart {
            threshold: s3.multipart_threshold,
            part_size: s3.multipart_part_size.max(1),
        }
    }

    /// The first S3 call of an upload of `size` bytes, and its part count if multipart.
    #[inline]
    pub(super) fn first_call(&self, size: u64) -> (Phase, u32) {
        if size >= self.threshold {
            let parts = size.div_ceil(self.part_size).max(1) as u32;
            (Phase::MpuCreate, parts)
        } else {
            (Phase::Put, 0)
        }
    }

    /// Bytes the request's current call moves.
    #[inline]
    pub(super) fn call_bytes(&self, r: &Request) -> u64 {
        match r.phase {
            Phase::Put | Phase::Get => r.size,
            // A replayed part is one logged call: its size is the part's.
            Phase::MpuPart if r.replay => r.size,
            Phase::MpuPart => {
                let done = r.part as u64 * self.part_size;
                r.size.saturating_sub(done).min(self.part_size)
            }
            _ => 0,
        }
    }

    /// The call after a successful part: the next part, or the completion.
    #[inline]
    pub(super) fn after_part(r: &mut Request) -> Phase {
        r.part += 1;
        if r.part < r.parts {
            Phase::MpuPart
        } else {
            Phase::MpuComplete
        }
    }
}
