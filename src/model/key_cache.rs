//! Caches of data-encryption keys with a time to live: S3's bucket-key cache (one entry per
//! front-end host, bucket, KMS key and requester session, DESIGN.md §1) and the client-side
//! data-key cache of `cse-kms`.
//!
//! An entry records when its KMS call will answer and whether it succeeded, both known when
//! the call is made (the limiter decides at call time), so requests that find an entry still
//! in flight simply wait for that answer (single-flight) without any extra event.

use crate::engine::time::Nanos;
use rustc_hash::FxHashMap;
use std::hash::Hash;

/// One cached (or in-flight) key. `I` is the key's identity as the cache stores it: `u64`
/// where the entry says which key it holds (writes), `()` where the map key already does
/// (reads, keyed by the key id), which keeps those entries 8 bytes smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEntry<I = u64> {
    /// Identity of the key (objects encrypted under it record this id).
    pub key_id: I,
    /// When KMS's answer reaches S3.
    pub ready_at: Nanos,
    /// False when the call was throttled: the entry then only tells waiters they failed.
    pub ok: bool,
    /// Usable until this time (exclusive).
    pub expires_at: Nanos,
}

/// What the map stores per entry: 16 bytes plus the id (a failed call is `expires_at == 0`),
/// so that a cache holding millions of keys (many readers of many bucket keys) stays small.
#[derive(Debug, Clone, Copy)]
struct Slot<I> {
    key_id: I,
    ready_at: Nanos,
    expires_at: Nanos,
}

impl<I: Copy> Slot<I> {
    #[inline]
    fn entry(self) -> KeyEntry<I> {
        KeyEntry {
            key_id: self.key_id,
            ready_at: self.ready_at,
            ok: self.expires_at != 0,
            expires_at: self.expires_at,
        }
    }
}

/// What a lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<I = u64> {
    /// A usable key.
    Hit(KeyEntry<I>),
    /// A call for this entry is in flight and its answer is known: wait for it.
    Join(KeyEntry<I>),
    /// Nothing usable: the caller must call KMS (and then `insert`).
    Miss,
}

/// A TTL cache of keys, swept of dead entries from time to time so that memory stays bounded
/// by the number of live entries.
#[derive(Debug)]
pub struct KeyCache<K: Hash + Eq, I = u64> {
    map: FxHashMap<K, Slot<I>>,
    single_flight: bool,
    /// How long a key is usable after KMS answered.
    ttl: Nanos,
    next_sweep: Nanos,
    sweep_every: Nanos,
}

impl<K: Hash + Eq + Copy, I: Copy> KeyCache<K, I> {
    /// An empty cache whose keys are usable for `ttl` after KMS answered.
    pub fn new(single_flight: bool, ttl: Nanos) -> Self {
        // Sweeping every quarter TTL keeps dead entries to at most a quarter of the live ones.
        let sweep_every = (ttl / 4).max(1_000_000_000);
        KeyCache {
            map: FxHashMap::default(),
            single_flight,
            ttl,
            next_sweep: sweep_every,
            sweep_every,
        }
    }

    /// Looks `key` up at `now`.
    #[inline]
    pub fn lookup(&mut self, key: &K, now: Nanos) -> Lookup<I> {
        self.maybe_sweep(now);
        match self.map.get(key).map(|s| s.entry()) {
            None => Lookup::Miss,
            Some(e) => {
                if e.ready_at <= now {
                    if e.ok && now < e.expires_at {
                        Lookup::Hit(e)
                    } else {
                        Lookup::Miss
                    }
                } else if self.single_flight {
                    Lookup::Join(e)
                } else {
                    Lookup::Miss
                }
            }
        }
    }

    /// Records a KMS call made at `now` for `key`: its answer time and success (a key is
    /// then usable for the cache's TTL).
    #[inline]
    pub fn insert(&mut self, key: K, now: Nanos, key_id: I, ready_at: Nanos, ok: bool) {
        let entry = Slot {
            key_id,
            ready_at,
            expires_at: if ok {
                ready_at.saturating_add(self.ttl).max(1)
            } else {
                0
            },
        };
        match self.map.get_mut(&key) {
            // Without single-flight a late miss can overlap an earlier call still in flight:
            // keep whichever key becomes usable first, as S3 would keep the first it got.
            Some(old) if old.expires_at != 0 && old.ready_at > now && old.ready_at <= ready_at => {}
            Some(old) => *old = entry,
            None => {
                self.map.insert(key, entry);
            }
        }
    }

    /// Drops an entry (e.g. a client-side key that reached its message or byte limit).
    pub fn evict(&mut self, key: &K) {
        self.map.remove(key);
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn maybe_sweep(&mut self, now: Nanos) {
        if now >= self.next_sweep {
            self.map
                .retain(|_, e| e.ready_at > now || e.expires_at > now);
            self.next_sweep = now + self.sweep_every;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_within_ttl_miss_after() {
        let mut c = KeyCache::new(true, 100);
        assert_eq!(c.lookup(&1u32, 0), Lookup::Miss);
        c.insert(1, 0, 7, 10, true);
        assert!(matches!(c.lookup(&1, 5), Lookup::Join(e) if e.key_id == 7));
        assert!(matches!(c.lookup(&1, 10), Lookup::Hit(e) if e.key_id == 7));
        assert!(matches!(c.lookup(&1, 109), Lookup::Hit(_)));
        assert_eq!(c.lookup(&1, 110), Lookup::Miss);
    }

    #[test]
    fn without_single_flight_in_flight_entries_are_misses() {
        let mut c = KeyCache::new(false, 100);
        c.insert(1u32, 0, 7, 10, true);
        assert_eq!(c.lookup(&1, 5), Lookup::Miss);
        assert!(matches!(c.lookup(&1, 10), Lookup::Hit(_)));
    }

    #[test]
    fn failed_call_is_joined_while_in_flight_then_forgotten() {
        let mut c = KeyCache::new(true, 100);
        c.insert(1u32, 0, 7, 10, false);
        assert!(matches!(c.lookup(&1, 5), Lookup::Join(e) if !e.ok));
        assert_eq!(c.lookup(&1, 10), Lookup::Miss);
    }

    #[test]
    fn sweep_bounds_memory() {
        let mut c: KeyCache<u32> = KeyCache::new(true, 1_000_000_000);
        assert_eq!(std::mem::size_of::<Slot<u64>>(), 24);
        assert_eq!(std::mem::size_of::<Slot<()>>(), 16);
        for i in 0..1000u32 {
            c.insert(i, 0, i as u64, 0, true);
        }
        assert_eq!(c.len(), 1000);
        c.lookup(&5000, 3_000_000_000);
        assert_eq!(c.len(), 0);
    }
}
