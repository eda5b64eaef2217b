//! A live session's client-side data-key caches ([`super::cse`]), with the simulation's
//! semantics ([`crate::model::sim::cse`] over [`crate::model::key_cache::KeyCache`]): data
//! keys for writes by bucket, within the AWS Encryption SDK's limits (`max_messages`,
//! `max_bytes`; the first use of a key is not counted), and data keys decrypted for reads by
//! key id. A key is usable from KMS's answer until `max_age` after it; a key whose call is
//! still in flight is a miss (no single-flight); a miss overlapping a call in flight keeps
//! whichever key becomes usable first. Each session's caches sit behind its own lock.

use crate::crypto::DataKey;
use crate::engine::time::Nanos;
use crate::scenario::DataKeyCache;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Read-cache entries are swept of dead ones every this many insertions.
const SWEEP_EVERY: u32 = 1024;

/// A cached data key: its identity, when KMS's answer came, until when it is usable (0: the
/// call was throttled), the plaintext key and its wrapped form.
#[derive(Clone)]
pub struct Entry {
    pub key_id: u64,
    pub ready_at: Nanos,
    pub expires_at: Nanos,
    pub key: Option<Arc<DataKey>>,
    pub blob: Arc<Vec<u8>>,
}

impl Entry {
    fn usable(&self, now: Nanos) -> bool {
        self.ready_at <= now && self.expires_at != 0 && now < self.expires_at
    }
}

pub struct KeyCaches {
    ttl: Nanos,
    write: FxHashMap<u32, Entry>,
    /// Objects and bytes encrypted under each bucket's cached write key since it was cached.
    usage: FxHashMap<u32, (u64, u64)>,
    read: FxHashMap<u64, Entry>,
    inserts: u32,
}

impl KeyCaches {
    /// Caches whose keys are usable for `ttl` (the cache's `max_age`) after KMS answered.
    pub fn new(ttl: Nanos) -> KeyCaches {
        KeyCaches {
            ttl,
            write: FxHashMap::default(),
            usage: FxHashMap::default(),
            read: FxHashMap::default(),
            inserts: 0,
        }
    }

    /// The data key for a write of `size` bytes to `bucket` at `now`, counted against the
    /// limits; None (a miss) when there is none usable, or when this message would take it
    /// past `max_messages` or `max_bytes` (it is then evicted).
    pub fn write_hit(
        &mut self,
        bucket: u32,
        now: Nanos,
        size: u64,
        limits: &DataKeyCache,
    ) -> Option<Entry> {
        let e = self.write.get(&bucket).filter(|e| e.usable(now))?.clone();
        let usage = self.usage.entry(bucket).or_insert((0, 0));
        if usage.0 < limits.max_messages && usage.1.saturating_add(size) <= limits.max_bytes {
            usage.0 += 1;
            usage.1 = usage.1.saturating_add(size);
            Some(e)
        } else {
            self.write.remove(&bucket);
            None
        }
    }

    /// The data key `key_id` decrypted for reads, if usable at `now`.
    pub fn read_hit(&mut self, key_id: u64, now: Nanos) -> Option<Entry> {
        self.read.get(&key_id).filter(|e| e.usable(now)).cloned()
    }

    /// A GenerateDataKey made at `now` for `bucket`, answered at `e.ready_at` (`e.key` None:
    /// throttled). Its usage starts at zero: the first use, the call's own, is not counted.
    pub fn insert_write(&mut self, bucket: u32, now: Nanos, e: Entry) {
        let ttl = self.ttl;
        insert(&mut self.write, bucket, now, ttl, e);
        self.usage.insert(bucket, (0, 0));
    }

    /// A Decrypt of data key `e.key_id` made at `now`.
    pub fn insert_read(&mut self, now: Nanos, e: Entry) {
        self.inserts += 1;
        if self.inserts >= SWEEP_EVERY {
            self.inserts = 0;
            self.read
                .retain(|_, e| e.ready_at > now || e.expires_at > now);
        }
        let ttl = self.ttl;
        insert(&mut self.read, e.key_id, now, ttl, e);
    }
}

fn insert<K: std::hash::Hash + Eq>(
    map: &mut FxHashMap<K, Entry>,
    k: K,
    now: Nanos,
    ttl: Nanos,
    mut e: Entry,
) {
    let keep_old = map
        .get(&k)
        .is_some_and(|o| o.expires_at != 0 && o.ready_at > now && o.ready_at <= e.ready_at);
    if !keep_old {
        e.expires_at = match e.key {
            Some(_) => e.ready_at.saturating_add(ttl).max(1),
            None => 0,
        };
        map.insert(k, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key_id: u64, ready_at: Nanos, ok: bool) -> Entry {
        Entry {
            key_id,
            ready_at,
            expires_at: 0,
            key: ok.then(|| Arc::new(DataKey::from_bytes([key_id as u8; 32]))),
            blob: Arc::new(vec![key_id as u8]),
        }
    }

    const LIMITS: DataKeyCache = DataKeyCache {
        max_age: 100,
        max_messages: 2,
        max_bytes: 1_000,
    };

    #[test]
    fn write_keys_follow_the_encryption_sdk_limits() {
        let mut c = KeyCaches::new(LIMITS.max_age);
        assert!(c.write_hit(0, 0, 10, &LIMITS).is_none());
        // Called at 0, answered at 5: a miss while in flight, then two more messages (the
        // first use, the call's own, is not counted), then the limit: evicted, a miss.
        c.insert_write(0, 0, entry(1, 5, true));
        assert!(c.write_hit(0, 4, 10, &LIMITS).is_none());
        assert_eq!(c.write_hit(0, 5, 10, &LIMITS).map(|e| e.key_id), Some(1));
        assert_eq!(c.write_hit(0, 6, 10, &LIMITS).map(|e| e.key_id), Some(1));
        assert!(c.write_hit(0, 7, 10, &LIMITS).is_none());
        assert!(c.write_hit(0, 8, 10, &LIMITS).is_none(), "evicted");
        // A new key: usable until 100 after its answer (exclusive); other buckets apart.
        c.insert_write(0, 10, entry(2, 20, true));
        assert!(c.write_hit(1, 30, 10, &LIMITS).is_none());
        assert_eq!(c.write_hit(0, 119, 10, &LIMITS).map(|e| e.key_id), Some(2));
        c.insert_write(0, 200, entry(3, 200, true));
        assert!(c.write_hit(0, 300, 10, &LIMITS).is_none(), "max_age");
        // max_bytes counts the current message.
        c.insert_write(0, 400, entry(4, 400, true));
        assert!(c.write_hit(0, 401, 1_001, &LIMITS).is_none());
        // A throttled call is never a hit.
        c.insert_write(0, 500, entry(5, 500, false));
        assert!(c.write_hit(0, 501, 1, &LIMITS).is_none());
    }

    #[test]
    fn overlapping_misses_keep_the_key_usable_first() {
        let mut c = KeyCaches::new(100);
        c.insert_write(0, 0, entry(1, 10, true));
        // A second miss at 2 (the first call in flight) answered later: the first key stays.
        c.insert_write(0, 2, entry(2, 12, true));
        assert_eq!(c.write_hit(0, 12, 1, &LIMITS).map(|e| e.key_id), Some(1));
        // Answered earlier: the second key replaces it.
        c.insert_read(0, entry(7, 10, true));
        c.insert_read(2, entry(7, 8, true));
        assert_eq!(c.read_hit(7, 9).map(|e| e.ready_at), Some(8));
        assert!(c.read_hit(8, 9).is_none());
        assert!(
            c.read_hit(7, 108).is_none(),
            "max_age after the answer at 8"
        );
    }
}
