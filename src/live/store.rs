//! What the live S3 keeps: per bucket, a bounded uniform sample (Algorithm R, as the
//! simulation keeps) of the objects written during the run, each with its sealed body and
//! how its data key is kept, so a GET really decrypts; and the objects that were there
//! before the run, made when first read (their keys from KMS outside the run's traffic).

use super::envelope::{self, Sealed};
use super::kms::LiveKms;
use crate::crypto::sse_kms::{bucket_arn, object_arn};
use crate::crypto::{CryptoError, DataKey};
use crate::engine::rng::Stream;
use crate::model::dist::SizeSampler;
use crate::model::objects::{KeyRef, ObjectRecord, Population};
use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex};

/// How an object's data key is kept.
#[derive(Clone)]
pub enum ObjKey {
    /// Derived from the S3-managed root key with the object's salt (sse-s3), or no
    /// encryption at all (`none`: the body is the payload).
    S3Managed {
        salt: [u8; 16],
    },
    Plain,
    /// Its own data key, wrapped by KMS (context: the object's ARN).
    PerObject {
        blob: Arc<Vec<u8>>,
    },
    /// Derived from the bucket key `id` (wrapped in `blob`, context: the bucket's ARN).
    BucketKey {
        id: u64,
        /// The bucket's slot of the KMS key (the write cache is per KMS key).
        slot: u32,
        blob: Arc<Vec<u8>>,
        salt: [u8; 16],
    },
}

/// One object as stored.
pub struct StoredObject {
    pub id: u64,
    pub record: ObjectRecord,
    pub key: ObjKey,
    pub sealed: Sealed,
    /// The client's own envelope of the object (client-side encryption, [`super::cse`]).
    pub client: Option<Arc<super::cse::ClientSealed>>,
}

/// The ARN of object number `id` in `bucket`.
pub fn arn_of(bucket: &str, id: u64) -> String {
    object_arn(bucket, &format!("obj-{id:016x}"))
}

/// Written objects of one bucket.
struct Written {
    sample: Vec<Arc<StoredObject>>,
    capacity: usize,
    seen: u64,
    rng: Stream,
}

/// Bucket keys of a population, made on first use: at most this many kept (then forgotten
/// and made again, which only costs the harness time).
const POPULATION_KEYS_KEPT: usize = 1 << 16;

/// A population bucket key: plaintext and wrapped.
type PopulationKey = (Arc<DataKey>, Arc<Vec<u8>>);

pub struct BucketStore {
    pub name: String,
    written: Mutex<Written>,
    /// The objects there before the run and the sampler of their sizes.
    population: Option<(Population, SizeSampler)>,
    population_keys: Mutex<FxHashMap<u64, PopulationKey>>,
}

impl BucketStore {
    pub fn new(
        name: &str,
        seed: u64,
        capacity: usize,
        population: Option<(Population, SizeSampler)>,
    ) -> Self {
        BucketStore {
            name: name.to_string(),
            written: Mutex::new(Written {
                sample: Vec::new(),
                capacity: capacity.max(1),
                seen: 0,
                rng: Stream::new(seed, &format!("live/written/{name}")),
            }),
            population,
            population_keys: Mutex::new(FxHashMap::default()),
        }
    }

    /// Keeps `o` (in the sample, or not), and returns it shared.
    pub fn record(&self, o: StoredObject) -> Arc<StoredObject> {
        let o = Arc::new(o);
        self.keep(o.clone());
        o
    }

    /// Keeps a shared object in the sample (or not).
    pub fn keep(&self, o: Arc<StoredObject>) {
        let mut w = super::lock(&self.written);
        w.seen += 1;
        if w.sample.len() < w.capacity {
            w.sample.push(o);
        } else {
            let seen = w.seen;
            let j = w.rng.below(seen) as usize;
            if j < w.capacity {
                w.sample[j] = o;
            }
        }
    }

    /// A uniformly chosen written object, None before any was written.
    pub fn pick(&self, rng: &mut Stream) -> Option<Arc<StoredObject>> {
        let w = super::lock(&self.written);
        if w.sample.is_empty() {
            None
        } else {
            Some(w.sample[rng.below(w.sample.len() as u64) as usize].clone())
        }
    }

    pub fn population(&self) -> Option<&Population> {
        self.population.as_ref().map(|(p, _)| p)
    }

    /// The size of a population object read now (sampled as the simulation does).
    pub fn population_size(&self, rng: &mut Stream) -> Option<u64> {
        self.population.as_ref().map(|(_, s)| s.sample(rng))
    }

    /// Population object `i` of `size` bytes (`payload` of them really stored), made as
    /// its writer made it: its key from KMS outside the run's traffic.
    #[allow(clippy::too_many_arguments)]
    pub fn existing(
        &self,
        kms: &LiveKms,
        kms_key: &str,
        s3_root: &DataKey,
        i: u64,
        size: u64,
        payload: usize,
        id: u64,
        plain: bool,
    ) -> Result<StoredObject, CryptoError> {
        let p = self
            .population()
            .ok_or_else(|| CryptoError::InvalidInput("bucket has no population".into()))?;
        let record = p.object(i, size);
        let arn = arn_of(&self.name, id);
        let salt = envelope::salt(id, u32::MAX);
        let (key, obj_key) = match record.key {
            KeyRef::NoKms if plain => {
                return Ok(StoredObject {
                    id,
                    record,
                    key: ObjKey::Plain,
                    sealed: Sealed::plain(id, payload),
                    client: None,
                });
            }
            KeyRef::NoKms => (
                envelope::derive(s3_root, &salt, &arn),
                ObjKey::S3Managed { salt },
            ),
            KeyRef::PerObject => {
                let (dk, blob) = kms.setup_generate(kms_key, &arn)?;
                (
                    dk,
                    ObjKey::PerObject {
                        blob: Arc::new(blob),
                    },
                )
            }
            KeyRef::BucketKey(kid) => {
                let (bk, blob) = self.population_key(kms, kms_key, kid)?;
                (
                    envelope::derive(&bk, &salt, &arn),
                    ObjKey::BucketKey {
                        id: kid,
                        slot: 0,
                        blob,
                        salt,
                    },
                )
            }
            KeyRef::ClientKey(_) => {
                return Err(CryptoError::InvalidInput(
                    "client-side keys are not run live".into(),
                ));
            }
        };
        Ok(StoredObject {
            id,
            record,
            sealed: envelope::seal(&key, id, payload, &arn)?,
            key: obj_key,
            client: None,
        })
    }

    fn population_key(
        &self,
        kms: &LiveKms,
        kms_key: &str,
        kid: u64,
    ) -> Result<PopulationKey, CryptoError> {
        let mut keys = super::lock(&self.population_keys);
        if let Some((k, b)) = keys.get(&kid) {
            return Ok((k.clone(), b.clone()));
        }
        if keys.len() >= POPULATION_KEYS_KEPT {
            keys.clear();
        }
        let (dk, blob) = kms.setup_generate(kms_key, &bucket_arn(&self.name))?;
        let e = (Arc::new(dk), Arc::new(blob));
        keys.insert(kid, e.clone());
        Ok(e)
    }
}
