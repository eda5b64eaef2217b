//! A client-side data-key cache with the AWS Encryption SDK's security thresholds (max
//! age, max messages, max bytes), for client-side encryption: a cached data key is reused
//! only while the entry is within all three; an entry past one is evicted. The first use
//! of a key (before it is cached) does not count. Time is passed in explicitly (simulated
//! nanoseconds), so the cache is deterministic.

use std::collections::HashMap;

use crate::engine::time::Nanos;

use super::error::CryptoError;
use super::keys::DataKey;
use super::kms_keys::EncryptionContext;

/// Largest `max_messages` the Encryption SDK accepts (and its default): 2^32.
pub const MAX_MESSAGES_LIMIT: u64 = 1 << 32;
/// Default and largest `max_bytes`: 2^63 - 1.
pub const MAX_BYTES_LIMIT: u64 = i64::MAX as u64;

/// The three thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    /// Required, > 0: how long after caching an entry may be used.
    pub max_age: Nanos,
    /// 1 ..= 2^32 messages per cached key.
    pub max_messages: u64,
    /// 0 ..= 2^63 - 1 bytes per cached key, the current message included.
    pub max_bytes: u64,
}

impl CacheLimits {
    /// Checks the ranges the Encryption SDK enforces; `None` means the SDK default.
    pub fn new(
        max_age: Nanos,
        max_messages: Option<u64>,
        max_bytes: Option<u64>,
    ) -> Result<Self, CryptoError> {
        let max_messages = max_messages.unwrap_or(MAX_MESSAGES_LIMIT);
        let max_bytes = max_bytes.unwrap_or(MAX_BYTES_LIMIT);
        if max_age == 0 {
            return Err(CryptoError::InvalidInput(
                "data key cache: max_age must be > 0".into(),
            ));
        }
        if !(1..=MAX_MESSAGES_LIMIT).contains(&max_messages) {
            return Err(CryptoError::InvalidInput(format!(
                "data key cache: max_messages must be in 1..=2^32, got {max_messages}"
            )));
        }
        if max_bytes > MAX_BYTES_LIMIT {
            return Err(CryptoError::InvalidInput(format!(
                "data key cache: max_bytes must be at most 2^63-1, got {max_bytes}"
            )));
        }
        Ok(CacheLimits {
            max_age,
            max_messages,
            max_bytes,
        })
    }
}

struct Entry {
    key: DataKey,
    ciphertext_blob: Vec<u8>,
    created: Nanos,
    messages: u64,
    bytes: u64,
}

/// Counters of cache use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
}

/// The cache: entries keyed by (KMS key ARN, encryption context).
pub struct DataKeyCache {
    limits: CacheLimits,
    entries: HashMap<String, Entry>,
    stats: CacheStats,
}

impl std::fmt::Debug for DataKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKeyCache")
            .field("limits", &self.limits)
            .field("entries", &self.entries.len())
            .field("stats", &self.stats)
            .finish()
    }
}

/// The cache identifier of a (KMS key, context) pair.
pub fn cache_id(kms_key_arn: &str, context: &EncryptionContext) -> String {
    let mut s = String::with_capacity(64);
    s.push_str(&kms_key_arn.len().to_string());
    s.push(':');
    s.push_str(kms_key_arn);
    for (k, v) in context {
        s.push_str(&format!("|{}:{k}{}:{v}", k.len(), v.len()));
    }
    s
}

impl DataKeyCache {
    pub fn new(limits: CacheLimits) -> Self {
        DataKeyCache {
            limits,
            entries: HashMap::new(),
            stats: CacheStats::default(),
        }
    }

    pub fn limits(&self) -> CacheLimits {
        self.limits
    }

    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// A cached key for a message of `message_bytes` at time `now`, if the entry stays
    /// within every threshold with this message counted; the use is recorded. An entry
    /// that would exceed one is evicted and `None` returned (a miss).
    pub fn get(&mut self, id: &str, now: Nanos, message_bytes: u64) -> Option<(DataKey, Vec<u8>)> {
        let limits = self.limits;
        let Some(e) = self.entries.get_mut(id) else {
            self.stats.misses += 1;
            return None;
        };
        let too_old = now.saturating_sub(e.created) >= limits.max_age;
        let too_many = e.messages + 1 > limits.max_messages;
        let too_big = e.bytes.saturating_add(message_bytes) > limits.max_bytes;
        if too_old || too_many || too_big {
            self.entries.remove(id);
            self.stats.evictions += 1;
            self.stats.misses += 1;
            return None;
        }
        e.messages += 1;
        e.bytes += message_bytes;
        self.stats.hits += 1;
        Some((e.key.clone(), e.ciphertext_blob.clone()))
    }

    /// Caches a key after its first use (which does not count against the thresholds).
    pub fn put(&mut self, id: String, key: DataKey, ciphertext_blob: Vec<u8>, now: Nanos) {
        self.entries.insert(
            id,
            Entry {
                key,
                ciphertext_blob,
                created: now,
                messages: 0,
                bytes: 0,
            },
        );
    }

    /// Entries currently held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        let mut c = DataKeyCache::new(CacheLimits::new(100, Some(2), Some(1000)).unwrap());
        let k = DataKey::from_bytes([1; 32]);
        assert!(c.get("a", 0, 10).is_none());
        c.put("a".into(), k.clone(), vec![1], 0);
        assert!(c.get("a", 1, 10).is_some());
        assert!(c.get("a", 2, 10).is_some());
        assert!(
            c.get("a", 3, 10).is_none(),
            "third message exceeds max_messages = 2"
        );
        c.put("a".into(), k.clone(), vec![1], 10);
        assert!(c.get("a", 109, 10).is_some());
        assert!(c.get("a", 110, 10).is_none(), "max_age reached");
        c.put("a".into(), k, vec![1], 200);
        assert!(
            c.get("a", 201, 1001).is_none(),
            "max_bytes includes the current message"
        );
        assert!(CacheLimits::new(0, None, None).is_err());
        assert!(CacheLimits::new(1, Some(0), None).is_err());
        assert!(CacheLimits::new(1, Some((1 << 32) + 1), None).is_err());
        assert_eq!(c.stats().hits, 3);
    }
}
