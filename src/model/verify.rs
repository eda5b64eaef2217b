//! `crypto.verify`: really encrypts and decrypts the first objects a run writes, each with the
//! key the model gave it (a data key of its own from the modelled KMS, a key derived from the
//! bucket key that encrypted it, a customer key, or a client-side envelope), so the security
//! model the simulation compares is demonstrably the real one.

use super::objects::KeyRef;
use crate::crypto::kms_keys::ModelledKms;
use crate::crypto::sse_kms::BucketKey;
use crate::crypto::verify::{ObjectContext, verify_object};
use crate::engine::rng::{mix64, stable_hash};
use crate::scenario::{Bucket, Scenario};
use rustc_hash::FxHashMap;

/// Checks a sample of a variant's objects with real cryptography.
pub struct Verifier {
    kms: ModelledKms,
    /// Real bucket keys standing for the model's bucket-key ids.
    bucket_keys: FxHashMap<u64, BucketKey>,
    remaining: u32,
    seed: u64,
    pub checked: u64,
    pub failures: Vec<String>,
}

impl Verifier {
    /// A verifier when the scenario asks for one.
    pub fn new(sc: &Scenario) -> Option<Verifier> {
        sc.crypto.verify.then(|| Verifier {
            kms: ModelledKms::seeded(sc.seed),
            bucket_keys: FxHashMap::default(),
            remaining: sc.crypto.verify_objects,
            seed: sc.seed,
            checked: 0,
            failures: Vec::new(),
        })
    }

    /// An object was written: check it while the sample is not full.
    pub fn written(&mut self, bucket: &Bucket, object: &str, key: KeyRef, size: u64) {
        if self.remaining == 0 {
            return;
        }
        self.remaining -= 1;
        let ctx = ObjectContext {
            bucket: &bucket.name,
            key: object,
            kms_key_arn: &bucket.kms_key,
            size,
            s3_root_seed: mix64(self.seed ^ stable_hash(&[b"s3-root", bucket.name.as_bytes()])),
        };
        let seed = mix64(self.seed ^ stable_hash(&[bucket.name.as_bytes(), object.as_bytes()]));
        let bk = match key {
            KeyRef::BucketKey(id) => {
                if !self.bucket_keys.contains_key(&id) {
                    self.kms.ensure_key(&bucket.kms_key);
                    match BucketKey::generate(&mut self.kms, &bucket.kms_key, &bucket.name) {
                        Ok(k) => {
                            self.bucket_keys.insert(id, k);
                        }
                        Err(e) => {
                            self.failures
                                .push(format!("{}/{object}: bucket key: {e}", bucket.name));
                            return;
                        }
                    }
                }
                self.bucket_keys.get(&id)
            }
            _ => None,
        };
        match verify_object(bucket.encryption, &ctx, &mut self.kms, bk, seed) {
            Ok(()) => self.checked += 1,
            Err(e) => self.failures.push(format!("{}/{object}: {e}", bucket.name)),
        }
    }
}
