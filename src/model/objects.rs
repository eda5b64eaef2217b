//! Which objects GETs read and which key encrypted each: a bounded uniform sample of the
//! objects written during the run, and a statistical pre-existing population whose objects'
//! attributes are derived from their index, so that no per-object state grows with the run.

use crate::engine::rng::{Stream, mix64, stable_hash};
use crate::engine::time::Nanos;

/// How an object's data key was protected, which decides what a read needs from KMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRef {
    /// No KMS involvement (none, sse-s3, sse-c).
    NoKms,
    /// Its own data key from GenerateDataKey (object-ARN context): a read calls Decrypt.
    PerObject,
    /// Derived from the bucket key with this id: a read needs that bucket key.
    BucketKey(u64),
    /// Client-side encryption under the data key with this id (a cached data key may have
    /// encrypted several objects).
    ClientKey(u64),
}

impl KeyRef {
    /// The client-side data key's id (0 for any other kind of key).
    pub fn client_id(self) -> u64 {
        match self {
            KeyRef::ClientKey(id) => id,
            _ => 0,
        }
    }
}

/// What a read needs to know about an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectRecord {
    pub key: KeyRef,
    pub size: u64,
    pub prefix: u32,
    /// The client-side data key of a bucket's `client_encryption` layer, over the server-side
    /// `key` (0: no client layer; a `cse-kms` bucket's key is `key` itself).
    pub client_key: u64,
}

/// Ids of keys issued during a run count up from 1; population keys have the top bit set so
/// the two can never collide.
pub const POPULATION_KEY_BIT: u64 = 1 << 63;

/// A uniform random sample (Algorithm R) of bounded size over the objects written to one
/// bucket during the run.
#[derive(Debug)]
pub struct WrittenObjects {
    sample: Vec<ObjectRecord>,
    capacity: usize,
    seen: u64,
    rng: Stream,
}

/// Objects kept per bucket for reads of written objects.
pub const WRITTEN_SAMPLE_CAPACITY: usize = 1 << 16;

impl WrittenObjects {
    pub fn new(seed: u64, bucket: &str, capacity: usize) -> Self {
        WrittenObjects {
            sample: Vec::new(),
            capacity,
            seen: 0,
            rng: Stream::new(seed, &format!("written/{bucket}")),
        }
    }

    /// Counts an object written and keeps it in the sample with the probability Algorithm R
    /// gives it (a capacity of 0 keeps none and draws nothing).
    pub fn record(&mut self, o: ObjectRecord) {
        self.seen += 1;
        if self.capacity == 0 {
            return;
        }
        if self.sample.len() < self.capacity {
            self.sample.push(o);
        } else {
            let j = self.rng.below(self.seen) as usize;
            if j < self.capacity {
                self.sample[j] = o;
            }
        }
    }

    /// A uniformly chosen written object, or `None` before any was written.
    pub fn pick(&self, rng: &mut Stream) -> Option<ObjectRecord> {
        if self.sample.is_empty() {
            None
        } else {
            Some(self.sample[rng.below(self.sample.len() as u64) as usize])
        }
    }

    pub fn written(&self) -> u64 {
        self.seen
    }
}

/// The pre-existing objects of a bucket, described by counts and spans.
#[derive(Debug, Clone)]
pub struct Population {
    pub objects: u64,
    pub written_over: Nanos,
    pub writer_sessions: u32,
    pub hosts: u32,
    pub prefixes: u32,
    /// Encryption of the population: which kind of key each object carries.
    pub kind: PopulationKeys,
    /// With [`PopulationKeys::BucketKey`], objects from this index on (the newest) were
    /// written with a bucket key, older ones each with its own data key.
    pub bucket_key_from: u64,
    /// Mixed into key ids so two buckets' populations never share keys.
    pub salt: u64,
    /// A `client_encryption` layer over the bucket's mode: its objects' client-side data
    /// keys, one per object (`None`) or, with a client cache, one per writer session and
    /// `max_age` (`Some(max_age)`). `None` without a layer.
    pub client_layer: Option<Option<Nanos>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PopulationKeys {
    NoKms,
    PerObject,
    /// Bucket keys renewed every `ttl`, per writer session and front-end host.
    BucketKey {
        ttl: Nanos,
    },
    /// Client-side data keys; with a client cache, one per writer session and `max_age`.
    ClientKey {
        reuse: Option<Nanos>,
    },
}

impl Population {
    pub fn new(
        bucket: &str,
        p: &crate::scenario::Population,
        hosts: u32,
        prefixes: u32,
        kind: PopulationKeys,
    ) -> Self {
        // Objects are numbered oldest first: those written before bucket keys come first.
        let bucket_key_from = p.without_bucket_key();
        Population {
            objects: p.objects,
            written_over: p.written_over,
            bucket_key_from,
            writer_sessions: p.writer_sessions.max(1),
            hosts: hosts.max(1),
            prefixes: prefixes.max(1),
            kind,
            salt: stable_hash(&[b"population", bucket.as_bytes()]),
            client_layer: None,
        }
    }

    /// Object `i`: written at `i/objects` of the way through `written_over`, by a writer
    /// session chosen by hashing its index; its key is the one that writer held on its host
    /// in that TTL window.
    ///
    /// The host follows the writer, not the object: a live writer keeps its connection (the
    /// SDK's pool is last-in first-out, so a session writing one object at a time reuses one
    /// connection, bound to one front-end host), and S3 caches its bucket key per host and
    /// session. So a writer session holds one bucket key per TTL window, as a live writer
    /// does, and a reader unwraps at most `writer_sessions` keys per window, whatever
    /// `s3.frontend_hosts` is.
    pub fn object(&self, i: u64, size: u64) -> ObjectRecord {
        let h = mix64(self.salt ^ i);
        let writer = (h % self.writer_sessions as u64) as u32;
        let host = self.writer_host(writer);
        let written_at =
            ((i as u128 * self.written_over as u128) / self.objects.max(1) as u128) as u64;
        let prefix = (i % self.prefixes as u64) as u32;
        let key = match self.kind {
            PopulationKeys::NoKms => KeyRef::NoKms,
            PopulationKeys::PerObject => KeyRef::PerObject,
            PopulationKeys::BucketKey { .. } if i < self.bucket_key_from => KeyRef::PerObject,
            PopulationKeys::BucketKey { ttl } => {
                let window = written_at / ttl.max(1);
                KeyRef::BucketKey(self.key_id(&[writer as u64, host as u64, window]))
            }
            PopulationKeys::ClientKey { reuse: None } => KeyRef::ClientKey(self.key_id(&[i])),
            PopulationKeys::ClientKey { reuse: Some(age) } => {
                let window = written_at / age.max(1);
                KeyRef::ClientKey(self.key_id(&[writer as u64, u64::MAX, window]))
            }
        };
        let client_key = match self.client_layer {
            None => 0,
            // Tagged apart from the server-side keys' parts (u64::MAX - 1, not u64::MAX).
            Some(None) => self.key_id(&[i, u64::MAX - 1]),
            Some(Some(age)) => {
                let window = written_at / age.max(1);
                self.key_id(&[writer as u64, u64::MAX - 1, window])
            }
        };
        ObjectRecord {
            key,
            size,
            prefix,
            client_key,
        }
    }

    /// The front-end host writer session `writer`'s connection was bound to.
    fn writer_host(&self, writer: u32) -> u32 {
        (mix64(self.salt ^ mix64(writer as u64 ^ 0x686f_7374)) % self.hosts as u64) as u32
    }

    fn key_id(&self, parts: &[u64]) -> u64 {
        let mut h = self.salt;
        for p in parts {
            h = mix64(h ^ p);
        }
        h | POPULATION_KEY_BIT
    }

    /// A uniformly chosen object index.
    pub fn pick_index(&self, rng: &mut Stream) -> u64 {
        rng.below(self.objects.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservoir_is_bounded_and_uniform() {
        let mut w = WrittenObjects::new(1, "b", 100);
        for i in 0..10_000u64 {
            w.record(ObjectRecord {
                key: KeyRef::BucketKey(i),
                size: 1,
                prefix: 0,
                client_key: 0,
            });
        }
        assert_eq!(w.sample.len(), 100);
        assert_eq!(w.written(), 10_000);
        let late = w
            .sample
            .iter()
            .filter(|o| matches!(o.key, KeyRef::BucketKey(i) if i >= 5000))
            .count();
        assert!((30..=70).contains(&late), "{late}");
    }

    #[test]
    fn a_bucket_nobody_reads_keeps_no_sample_but_counts() {
        let mut w = WrittenObjects::new(1, "b", 0);
        let o = ObjectRecord {
            key: KeyRef::NoKms,
            size: 1,
            prefix: 0,
            client_key: 0,
        };
        w.record(o);
        w.record(o);
        assert_eq!(w.written(), 2);
        assert!(w.sample.is_empty());
        assert!(w.pick(&mut Stream::new(1, "picks")).is_none());
    }

    #[test]
    fn population_keys_follow_writer_host_window() {
        let sp = crate::scenario::Population {
            objects: 1_000_000,
            written_over: 1_000_000_000_000,
            writer_sessions: 2,
            bucket_key_since: 1_000_000_000_000,
            size: crate::scenario::SizeDist::Fixed(1),
        };
        // 100 front-end hosts: the host follows the writer, so they add no keys.
        let p = Population::new(
            "b",
            &sp,
            100,
            1,
            PopulationKeys::BucketKey {
                ttl: 100_000_000_000,
            },
        );
        let mut keys = std::collections::HashSet::new();
        for i in 0..1_000_000 {
            if let KeyRef::BucketKey(k) = p.object(i, 1).key {
                assert!(k & POPULATION_KEY_BIT != 0);
                keys.insert(k);
            }
        }
        // 2 writers × 10 windows (an independent host per object gave up to 2 × 100 × 10).
        assert_eq!(keys.len(), 20);
    }

    fn population(objects: u64, written_over: Nanos, since: Nanos) -> Population {
        let sp = crate::scenario::Population {
            objects,
            written_over,
            writer_sessions: 3,
            bucket_key_since: since,
            size: crate::scenario::SizeDist::Fixed(1),
        };
        Population::new("b", &sp, 7, 1, PopulationKeys::BucketKey { ttl: 1 })
    }

    #[test]
    fn only_objects_written_since_bucket_keys_were_enabled_have_one() {
        // 1000 objects over 1000 s, object i written at i s; bucket keys for the last 300 s
        // (from 700 s on): objects 700..999, 300 of them.
        let p = population(1000, 1_000_000_000_000, 300_000_000_000);
        assert_eq!(p.bucket_key_from, 700);
        let with = (0..1000)
            .filter(|&i| matches!(p.object(i, 1).key, KeyRef::BucketKey(_)))
            .count();
        assert_eq!(with, 300);
        assert_eq!(p.object(699, 1).key, KeyRef::PerObject);
        // 10 objects over 3 ns, since 1 ns: written at floor(3i/10) = 0,0,0,0,1,1,1,2,2,2;
        // those at ≥ 2 ns are 7, 8, 9.
        assert_eq!(population(10, 3, 1).bucket_key_from, 7);
        assert_eq!(population(10, 3, 0).bucket_key_from, 10);
        assert_eq!(population(10, 3, 3).bucket_key_from, 0);
    }
}
