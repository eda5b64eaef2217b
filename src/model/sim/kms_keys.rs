//! Which KMS key and bucket-key setting S3 uses for a write: the bucket's default key (which
//! `kms_key_change` replaces from a time on) unless the put workload names its own
//! (`x-amz-server-side-encryption-aws-kms-key-id`), and the bucket's `bucket_key` unless the
//! workload sends `x-amz-server-side-encryption-bucket-key-enabled` (aws-facts §3.6).
//!
//! Each bucket numbers the KMS keys it can use: slot 0 is its `kms_key`, then the key of its
//! `kms_key_change`, then its put workloads' keys. A bucket key issued during the run carries
//! its slot in bits 48..63 of its id, so an object written with a bucket key remembers its
//! KMS key at no memory cost, and the slot-0 ids of every scenario without several keys are
//! the ids of before. Objects of the pre-existing population were written under slot 0. An
//! object with its own data key (no bucket key) needs no slot: its read costs one Decrypt
//! whatever the key, on the account's one quota (aws-facts §1.4).

use super::super::objects::POPULATION_KEY_BIT;
use crate::engine::time::Nanos;
use crate::scenario::{Op, Scenario};

/// Where a bucket key id keeps its KMS key slot.
const SLOT_SHIFT: u32 = 48;
/// Slots a bucket can have (the bits between `SLOT_SHIFT` and the population bit).
const MAX_SLOTS: usize = 1 << (63 - SLOT_SHIFT);

/// What S3 encrypts a new object with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WriteKey {
    /// The bucket's slot of the KMS key.
    pub(crate) slot: u32,
    /// Whether the object gets a bucket key.
    pub(crate) bucket_key: bool,
}

struct BucketKeys {
    bucket_key: bool,
    /// (from, slot) of a key change.
    change: Option<(Nanos, u32)>,
}

/// A workload's request headers, resolved to its bucket's slots.
#[derive(Clone, Copy)]
struct Headers {
    slot: Option<u32>,
    bucket_key: Option<bool>,
}

pub(crate) struct KeySelect {
    buckets: Vec<BucketKeys>,
    workloads: Vec<Headers>,
}

/// The KMS keys bucket `bi` can use, by slot (see the module documentation).
pub(crate) fn slots(sc: &Scenario, bi: usize) -> Vec<&str> {
    let b = &sc.buckets[bi];
    let mut keys = vec![b.kms_key.as_str()];
    let change = b.kms_key_change.as_ref().map(|c| c.to.as_str());
    let workloads = sc
        .workloads
        .iter()
        .filter(|w| w.bucket == bi && w.op == Op::Put)
        .filter_map(|w| w.kms_key.as_deref());
    for k in change.into_iter().chain(workloads) {
        if !keys.contains(&k) && keys.len() < MAX_SLOTS {
            keys.push(k);
        }
    }
    keys
}

fn slot_of(keys: &[&str], k: &str) -> u32 {
    keys.iter().position(|x| *x == k).unwrap_or(0) as u32
}

impl KeySelect {
    pub(crate) fn new(sc: &Scenario) -> KeySelect {
        let all: Vec<Vec<&str>> = (0..sc.buckets.len()).map(|bi| slots(sc, bi)).collect();
        let buckets = sc
            .buckets
            .iter()
            .zip(&all)
            .map(|(b, keys)| BucketKeys {
                bucket_key: b.bucket_key,
                change: b
                    .kms_key_change
                    .as_ref()
                    .map(|c| (c.at, slot_of(keys, &c.to))),
            })
            .collect();
        let workloads = sc
            .workloads
            .iter()
            .map(|w| Headers {
                slot: w.kms_key.as_deref().map(|k| slot_of(&all[w.bucket], k)),
                bucket_key: w.bucket_key,
            })
            .collect();
        KeySelect { buckets, workloads }
    }

    /// The key for a write to bucket `bi` at `now` by `workload` (`None`: a replayed request,
    /// which sends no headers).
    #[inline]
    pub(crate) fn for_write(&self, bi: u32, workload: Option<u32>, now: Nanos) -> WriteKey {
        let b = &self.buckets[bi as usize];
        let h = workload.and_then(|w| self.workloads.get(w as usize));
        let default_slot = match b.change {
            Some((at, slot)) if now >= at => slot,
            _ => 0,
        };
        WriteKey {
            slot: h.and_then(|h| h.slot).unwrap_or(default_slot),
            bucket_key: h.and_then(|h| h.bucket_key).unwrap_or(b.bucket_key),
        }
    }
}

/// A bucket key id (from `KmsCalls::new_key_id`) carrying KMS key slot `slot`.
#[inline]
pub(super) fn tag(id: u64, slot: u32) -> u64 {
    id | ((slot as u64) << SLOT_SHIFT)
}

/// The KMS key slot of a bucket key id: 0 for the pre-existing population's keys.
#[inline]
pub(super) fn slot(id: u64) -> u32 {
    if id & POPULATION_KEY_BIT != 0 {
        0
    } else {
        (id >> SLOT_SHIFT) as u32
    }
}

/// The distinct KMS keys a scenario uses, each billed per month (aws-facts §2): every
/// KMS-using bucket's `kms_key`, the new key of a `kms_key_change` that happens before
/// `duration`, the key of every `client_encryption` layer, and the `kms_key` of every put
/// workload on a server-side KMS bucket.
pub fn distinct_kms_keys(sc: &Scenario) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for b in sc.buckets.iter().filter(|b| b.encryption.calls_kms()) {
        keys.push(&b.kms_key);
        if let Some(c) = &b.kms_key_change
            && c.at < sc.duration
        {
            keys.push(&c.to);
        }
    }
    // A client-side layer's key (the bucket's own, or `client_kms_key`).
    keys.extend(
        sc.buckets
            .iter()
            .filter_map(|b| b.client_layer.as_ref().map(|l| l.kms_key.as_str())),
    );
    keys.extend(
        sc.workloads
            .iter()
            .filter_map(|w| w.client_layer.as_ref().map(|l| l.kms_key.as_str())),
    );
    for w in &sc.workloads {
        if let Some(k) = &w.kms_key
            && w.op == Op::Put
            && sc.buckets[w.bucket].encryption.calls_kms()
        {
            keys.push(k);
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests;
