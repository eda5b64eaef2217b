//! Copy workloads (CopyObject, and S3 Batch Operations copy jobs): each copy reads its source
//! object with the source's key ([`Phase::CopyRead`], against the source prefix's GET/HEAD
//! limit) and then writes the destination with the destination bucket's settings
//! ([`Phase::CopyWrite`], against the destination prefix's PUT limit): the same two phases a
//! replayed copy goes through, handled by the front end as a GET and a PUT are.
//!
//! A copy's destination uses the destination bucket's bucket-key setting, as CopyObject and
//! the Batch Operations Copy operation do (their `BucketKeyEnabled`:
//! https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/s3/aws.sdk.kotlin.services.s3.model/-copy-object-request/bucket-key-enabled.html,
//! https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/s3control/aws.sdk.kotlin.services.s3control.model/-s3-copy-object-operation/bucket-key-enabled.html).
//!
//! A copy job over a bucket's pre-existing population reads it in index order (0, 1, 2, ...,
//! cycling), as a Batch Operations job walks its manifest. When it copies in place (source
//! and destination the same bucket: re-encryption), the copy replaces the old object, so a
//! later read of it needs the new key. Since the population keeps no per-object state, the
//! rewritten objects are described by a watermark: after `c` successful in-place copies,
//! population indices `0..c` are rewritten, index `i` with the key the `(i+1)`-th successful
//! copy wrote it with (kept run-length encoded: one entry per change of key, so memory follows
//! the changes of key, at most the copies done in the run, not the population). Copies in
//! flight finish in about the order they started, so the watermark is exact in count and
//! approximate only in which of the few copies in flight are done.

use super::super::dist::SizeSampler;
use super::super::objects::{KeyRef, ObjectRecord, Population};
use super::request::{Phase, Request};
use crate::engine::rng::Stream;

/// "No population index": the copy read an object written in this run.
const NOT_POPULATION: u64 = u64::MAX;

/// Population objects of one bucket rewritten in place by copies.
#[derive(Debug, Default)]
struct Rewritten {
    /// Successful in-place copies of population objects: indices `0..count` are rewritten.
    count: u64,
    /// (first ordinal, key): ordinals from this one up to the next entry's were written with
    /// this key.
    runs: Vec<(u64, KeyRef)>,
}

impl Rewritten {
    fn push(&mut self, key: KeyRef) {
        if self.runs.last().is_none_or(|&(_, k)| k != key) {
            self.runs.push((self.count, key));
        }
        self.count += 1;
    }

    fn key(&self, i: u64) -> Option<KeyRef> {
        if i >= self.count {
            return None;
        }
        let n = self.runs.partition_point(|&(first, _)| first <= i);
        self.runs.get(n.checked_sub(1)?).map(|&(_, k)| k)
    }
}

/// The copy workloads' state in a run.
pub(super) struct Copies {
    /// By bucket.
    rewritten: Vec<Rewritten>,
    /// By workload: the next population index its copies read (cycling).
    cursor: Vec<u64>,
    /// By request slot: the population index the copy in flight read, or [`NOT_POPULATION`].
    index: Vec<u64>,
    /// The population index the request being started read, until it has a slot.
    pending: u64,
}

impl Copies {
    pub(super) fn new(buckets: usize, workloads: usize) -> Copies {
        Copies {
            rewritten: (0..buckets).map(|_| Rewritten::default()).collect(),
            cursor: vec![0; workloads],
            index: Vec::new(),
            pending: NOT_POPULATION,
        }
    }

    /// Object `i` of bucket `bi`'s population `p`: as it was written, or as a copy in place
    /// rewrote it.
    pub(super) fn existing(&self, bi: u32, p: &Population, i: u64, size: u64) -> ObjectRecord {
        let mut o = p.object(i, size);
        if let Some(k) = self.rewritten.get(bi as usize).and_then(|r| r.key(i)) {
            o.key = k;
        }
        o
    }

    /// The population index copy workload `workload` reads next (in order, cycling).
    pub(super) fn next_index(&mut self, workload: u32, p: &Population) -> u64 {
        let c = &mut self.cursor[workload as usize];
        let i = *c % p.objects.max(1);
        *c += 1;
        i
    }

    /// A population object for a request being started (of bucket `bi`, population `p`,
    /// sizes `sizes`): a copy job walks the population in order, a GET picks at random. The
    /// index read is kept for [`Copies::set_index`].
    pub(super) fn pick(
        &mut self,
        copy: bool,
        workload: u32,
        bi: u32,
        p: &Population,
        sizes: &SizeSampler,
        rng: &mut Stream,
    ) -> ObjectRecord {
        // The index first, then the size: the order of draws GETs have always made.
        let i = if copy {
            self.next_index(workload, p)
        } else {
            p.pick_index(rng)
        };
        self.pending = if copy { i } else { NOT_POPULATION };
        self.existing(bi, p, i, sizes.sample(rng))
    }

    /// Remembers which population index (if any) the request started in slot `slot` read.
    pub(super) fn set_index(&mut self, slot: u32) {
        let s = slot as usize;
        if self.index.len() <= s {
            self.index.resize(s + 1, NOT_POPULATION);
        }
        self.index[s] = std::mem::replace(&mut self.pending, NOT_POPULATION);
    }

    /// The write of request `slot` into bucket `bi` succeeded with `key`; `copy` is its
    /// workload's source bucket if it is a copy. A copy in place of a population object
    /// raises the bucket's watermark.
    pub(super) fn succeeded(&mut self, slot: u32, copy: Option<u32>, bi: u32, key: KeyRef) {
        let i = self.index.get(slot as usize).copied();
        if copy == Some(bi) && i.is_some_and(|i| i != NOT_POPULATION) {
            self.rewritten[bi as usize].push(key);
        }
    }
}

/// The copy in `r` read its source: it goes on to write object `prefix` of bucket `dst` (a new
/// object's key, chosen by the destination's settings when S3 handles the write).
pub(super) fn to_write(r: &mut Request, dst: u32, prefix: u32) {
    r.attempt = 0;
    r.phase = Phase::CopyWrite;
    r.bucket = dst;
    r.get = false;
    r.key = KeyRef::NoKms;
    r.prefix = prefix;
}

impl super::Simulation<'_> {
    /// A planned copy read its source: it writes its workload's bucket next, at the same
    /// prefix index (modulo the destination's prefixes).
    pub(super) fn copy_next(&mut self, now: u64, req: u32) {
        let r = &mut self.reqs.slots[req as usize];
        let dst = self.workloads[r.workload as usize].bucket;
        let prefixes = self.front.buckets[dst as usize].prefixes.max(1);
        let prefix = r.prefix % prefixes;
        to_write(r, dst, prefix);
        self.attempt(now, req);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watermark_keys_follow_completion_order() {
        let mut r = Rewritten::default();
        assert_eq!(r.key(0), None);
        for k in [
            KeyRef::BucketKey(1),
            KeyRef::BucketKey(1),
            KeyRef::BucketKey(2),
        ] {
            r.push(k);
        }
        r.push(KeyRef::BucketKey(2));
        assert_eq!(r.count, 4);
        assert_eq!(r.runs.len(), 2);
        assert_eq!(r.key(0), Some(KeyRef::BucketKey(1)));
        assert_eq!(r.key(1), Some(KeyRef::BucketKey(1)));
        assert_eq!(r.key(2), Some(KeyRef::BucketKey(2)));
        assert_eq!(r.key(3), Some(KeyRef::BucketKey(2)));
        assert_eq!(r.key(4), None);
    }
}

#[cfg(test)]
#[path = "copy_tests.rs"]
mod run_tests;
