//! S3's bucket-key caches in the live harness, shared by every worker thread without a
//! global lock: entries are spread over shards by key, each with its own lock. Lookups
//! follow the simulation's cache ([`crate::model::key_cache`]): a key is usable from when
//! KMS answered until its TTL ends; a request finding the key's KMS call still in flight
//! waits for that answer (single-flight) or, without single-flight, calls again. A miss calls
//! KMS under the shard's lock, so two requests never both miss one entry.

use crate::crypto::DataKey;
use crate::engine::time::Nanos;
use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex};

const SHARDS: usize = 64;
/// Dead entries are swept from a shard every this many insertions into it.
const SWEEP_EVERY: u32 = 1024;

/// One bucket key, or a call for it in flight.
#[derive(Clone)]
pub struct Entry {
    /// Identity of the bucket key (objects encrypted under it record this id).
    pub key_id: u64,
    /// When KMS's answer reaches S3.
    pub ready_at: Nanos,
    /// False when the call was throttled or denied.
    pub ok: bool,
    /// The call was denied by policy (not throttled).
    pub denied: bool,
    /// Usable until this time (exclusive).
    pub expires_at: Nanos,
    /// The plaintext bucket key (wiped when the last holder drops it); None when failed.
    pub key: Option<Arc<DataKey>>,
    /// The wrapped bucket key, stored with every object it encrypts.
    pub blob: Arc<Vec<u8>>,
}

/// What KMS answered to the call a miss made: the key's id, when the answer is at S3, the
/// plaintext key (None: throttled or denied) and its wrapped form, and whether it was denied.
pub struct Called {
    pub key_id: u64,
    pub ready_at: Nanos,
    pub key: Option<DataKey>,
    pub blob: Vec<u8>,
    pub denied: bool,
}

/// What a lookup found, or what the call it made returned.
pub enum Got {
    Hit(Entry),
    Join(Entry),
    Called(Entry),
}

struct Shard {
    map: FxHashMap<u128, Entry>,
    inserts: u32,
}

pub struct SharedCache {
    shards: Vec<Mutex<Shard>>,
    single_flight: bool,
    ttl: Nanos,
}

impl SharedCache {
    pub fn new(single_flight: bool, ttl: Nanos) -> SharedCache {
        SharedCache {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        map: FxHashMap::default(),
                        inserts: 0,
                    })
                })
                .collect(),
            single_flight,
            ttl,
        }
    }

    fn shard(&self, k: u128) -> std::sync::MutexGuard<'_, Shard> {
        let h = crate::engine::rng::mix64((k as u64) ^ ((k >> 64) as u64).rotate_left(17));
        super::lock(&self.shards[(h % SHARDS as u64) as usize])
    }

    fn found(&self, e: Option<&Entry>, now: Nanos) -> Option<Got> {
        let e = e?;
        if e.ready_at <= now {
            (e.ok && now < e.expires_at).then(|| Got::Hit(e.clone()))
        } else if self.single_flight {
            Some(Got::Join(e.clone()))
        } else {
            None
        }
    }

    /// The entry for `k` at `now` if usable (or joinable), without calling anything.
    pub fn lookup(&self, k: u128, now: Nanos) -> Option<Got> {
        let s = self.shard(k);
        self.found(s.map.get(&k), now)
    }

    /// The entry for `k` at `now`; on a miss, `call` asks KMS (under this shard's lock) and
    /// its answer becomes the entry: `(key_id, ready_at, key, blob)`, key None = throttled.
    pub fn get_or_call<E>(
        &self,
        k: u128,
        now: Nanos,
        call: impl FnOnce() -> Result<Called, E>,
    ) -> Result<Got, E> {
        let mut s = self.shard(k);
        if let Some(g) = self.found(s.map.get(&k), now) {
            return Ok(g);
        }
        let Called {
            key_id,
            ready_at,
            key,
            blob,
            denied,
        } = call()?;
        let ok = key.is_some();
        let e = Entry {
            key_id,
            ready_at,
            ok,
            denied,
            expires_at: if ok {
                ready_at.saturating_add(self.ttl).max(1)
            } else {
                0
            },
            key: key.map(Arc::new),
            blob: Arc::new(blob),
        };
        s.inserts += 1;
        if s.inserts >= SWEEP_EVERY {
            s.inserts = 0;
            s.map
                .retain(|_, v| v.ready_at > now || (v.ok && v.expires_at > now));
        }
        s.map.insert(k, e.clone());
        Ok(Got::Called(e))
    }

    /// Entries held (live or not yet swept).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(|s| super::lock(s).map.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: u64, at: Nanos, ok: bool) -> Result<Called, ()> {
        Ok(Called {
            key_id: id,
            ready_at: at,
            key: ok.then(|| DataKey::from_bytes([id as u8; 32])),
            blob: vec![id as u8],
            denied: false,
        })
    }

    #[test]
    fn miss_join_hit_expire() {
        let c = SharedCache::new(true, 100);
        assert!(
            matches!(c.get_or_call(1, 0, || answer(7, 10, true)), Ok(Got::Called(e)) if e.key_id == 7)
        );
        // In flight until 10: joined, not called again.
        assert!(
            matches!(c.get_or_call(1, 5, || answer(8, 20, true)), Ok(Got::Join(e)) if e.key_id == 7 && e.ready_at == 10)
        );
        assert!(matches!(c.lookup(1, 10), Some(Got::Hit(e)) if e.key_id == 7));
        // Usable until ready + TTL (exclusive), then a new call.
        assert!(matches!(c.lookup(1, 109), Some(Got::Hit(_))));
        assert!(c.lookup(1, 110).is_none());
        assert!(
            matches!(c.get_or_call(1, 110, || answer(9, 120, true)), Ok(Got::Called(e)) if e.key_id == 9)
        );
    }

    #[test]
    fn failures_are_joined_then_retried_and_single_flight_off_calls_again() {
        let c = SharedCache::new(true, 100);
        let _ = c.get_or_call(2, 0, || answer(1, 10, false));
        assert!(matches!(c.lookup(2, 5), Some(Got::Join(e)) if !e.ok));
        assert!(c.lookup(2, 10).is_none());
        let c = SharedCache::new(false, 100);
        let _ = c.get_or_call(2, 0, || answer(1, 10, true));
        assert!(c.lookup(2, 5).is_none());
    }

    #[test]
    fn dead_entries_are_swept() {
        let c = SharedCache::new(true, 10);
        for k in 0..(SHARDS as u128 * SWEEP_EVERY as u128 * 2) {
            let _ = c.get_or_call(k, k as Nanos * 1_000, || {
                answer(1, k as Nanos * 1_000, true)
            });
        }
        assert!(
            c.len() < SHARDS * SWEEP_EVERY as usize * 2 / 2,
            "{}",
            c.len()
        );
    }
}
