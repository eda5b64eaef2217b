//! The modelled KMS's key material: real 256-bit keys per KMS key ARN, and real
//! GenerateDataKey / Decrypt. The simulation decides *when* KMS is called and what it
//! costs; this module makes sure that what it hands out is a real envelope.
//!
//! Wrapping uses AES-256-GCM under the KMS key, with the encryption context as additional
//! authenticated data, not RFC 3394 key wrap: like real KMS, Decrypt must fail when the
//! context differs from the one given at GenerateDataKey, and GCM binds the context to the
//! ciphertext for free, while RFC 3394 has no place for it.
//!
//! Ciphertext blob layout (version 1):
//! `0x01 || be16(len(arn)) || arn || nonce(12) || wrapped key(32) || tag(16)`.
//! AAD: `"bksim-kms-v1" || be16(len(arn)) || arn || context`, the context serialised as
//! its (key, value) pairs in sorted key order, each string prefixed by its be32 length.

use std::collections::{BTreeMap, HashMap};

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::error::CryptoError;
use super::gcm::{Aes256Gcm, NONCE_LEN, TAG_LEN};
use super::keys::{DataKey, random12};

/// A KMS encryption context: string pairs, compared exactly (order does not matter).
pub type EncryptionContext = BTreeMap<String, String>;

const BLOB_VERSION: u8 = 1;
const AAD_LABEL: &[u8] = b"bksim-kms-v1";

/// What GenerateDataKey returns: the plaintext data key and the same key wrapped under
/// the KMS key (the blob S3 or the client stores with the object).
#[derive(Debug, Clone)]
pub struct GeneratedDataKey {
    /// Plaintext data key; wiped on drop.
    pub plaintext: DataKey,
    /// Wrapped key (`CiphertextBlob`), safe to store.
    pub ciphertext_blob: Vec<u8>,
}

struct KmsKey {
    gcm: Aes256Gcm,
}

/// A KMS holding real key material per KMS key ARN.
pub struct ModelledKms {
    keys: HashMap<String, KmsKey>,
    rng: ChaCha20Rng,
}

impl std::fmt::Debug for ModelledKms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelledKms")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl ModelledKms {
    /// A KMS whose key material and data keys come from the operating system's CSPRNG.
    pub fn from_entropy() -> Self {
        ModelledKms {
            keys: HashMap::new(),
            rng: rand::make_rng::<ChaCha20Rng>(),
        }
    }

    /// A deterministic KMS (ChaCha20 seeded with `seed`), so that a simulation's
    /// verification pass is reproducible. Not for protecting real data.
    pub fn seeded(seed: u64) -> Self {
        ModelledKms {
            keys: HashMap::new(),
            rng: ChaCha20Rng::seed_from_u64(seed),
        }
    }

    /// Creates key material for `key_arn` if it does not exist yet (the scenario names
    /// KMS keys; the model creates them on first use).
    pub fn ensure_key(&mut self, key_arn: &str) {
        if !self.keys.contains_key(key_arn) {
            let material = DataKey::generate(&mut self.rng);
            let gcm = Aes256Gcm::new(material.expose_secret());
            self.keys.insert(key_arn.to_string(), KmsKey { gcm });
        }
    }

    /// Whether the KMS knows `key_arn`.
    pub fn has_key(&self, key_arn: &str) -> bool {
        self.keys.contains_key(key_arn)
    }

    /// GenerateDataKey (KeySpec AES_256): a fresh 256-bit data key and its wrapped form.
    pub fn generate_data_key(
        &mut self,
        key_arn: &str,
        context: &EncryptionContext,
    ) -> Result<GeneratedDataKey, CryptoError> {
        let plaintext = DataKey::generate(&mut self.rng);
        let ciphertext_blob = self.encrypt(key_arn, &plaintext, context)?;
        Ok(GeneratedDataKey {
            plaintext,
            ciphertext_blob,
        })
    }

    /// Encrypt: wraps an existing 256-bit key under `key_arn` with `context` bound.
    pub fn encrypt(
        &mut self,
        key_arn: &str,
        plaintext: &DataKey,
        context: &EncryptionContext,
    ) -> Result<Vec<u8>, CryptoError> {
        let nonce = random12(&mut self.rng);
        let key = self
            .keys
            .get(key_arn)
            .ok_or_else(|| CryptoError::KmsKeyNotFound(key_arn.to_string()))?;
        let arn = key_arn.as_bytes();
        let arn_len = u16::try_from(arn.len()).map_err(|_| {
            CryptoError::InvalidInput(format!("KMS key ARN too long: {} bytes", arn.len()))
        })?;
        let mut blob = Vec::with_capacity(1 + 2 + arn.len() + NONCE_LEN + 32 + TAG_LEN);
        blob.push(BLOB_VERSION);
        blob.extend_from_slice(&arn_len.to_be_bytes());
        blob.extend_from_slice(arn);
        blob.extend_from_slice(&nonce);
        let start = blob.len();
        blob.extend_from_slice(plaintext.expose_secret());
        let aad = aad(key_arn, context);
        let tag = key.gcm.seal_in_place(&nonce, &aad, &mut blob[start..])?;
        blob.extend_from_slice(&tag);
        Ok(blob)
    }

    /// Decrypt: unwraps a blob made by this KMS. Fails with
    /// [`CryptoError::KmsInvalidCiphertext`] when the blob was altered, names another
    /// key, or `context` differs from the one it was made with.
    pub fn decrypt(
        &self,
        ciphertext_blob: &[u8],
        context: &EncryptionContext,
    ) -> Result<DataKey, CryptoError> {
        let bad = |why: &str| CryptoError::KmsInvalidCiphertext(why.to_string());
        let (&version, rest) = ciphertext_blob
            .split_first()
            .ok_or_else(|| bad("empty blob"))?;
        if version != BLOB_VERSION {
            return Err(bad("unknown blob version"));
        }
        if rest.len() < 2 {
            return Err(bad("truncated blob"));
        }
        let arn_len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        let rest = &rest[2..];
        if rest.len() != arn_len + NONCE_LEN + 32 + TAG_LEN {
            return Err(bad("blob has the wrong length"));
        }
        let arn = std::str::from_utf8(&rest[..arn_len]).map_err(|_| bad("key ARN is not UTF-8"))?;
        let nonce: [u8; NONCE_LEN] = rest[arn_len..arn_len + NONCE_LEN]
            .try_into()
            .expect("sized");
        let body = &rest[arn_len + NONCE_LEN..];
        let tag: [u8; TAG_LEN] = body[32..].try_into().expect("sized");
        let key = self
            .keys
            .get(arn)
            .ok_or_else(|| CryptoError::KmsKeyNotFound(arn.to_string()))?;
        let mut k = [0u8; 32];
        k.copy_from_slice(&body[..32]);
        key.gcm
            .open_in_place(&nonce, &aad(arn, context), &mut k, &tag)
            .map_err(|_| bad("ciphertext or encryption context does not match"))?;
        let dk = DataKey::from_bytes(k);
        zeroize::Zeroize::zeroize(&mut k);
        Ok(dk)
    }
}

/// The KMS key ARN a blob names, without decrypting it.
pub fn blob_key_arn(ciphertext_blob: &[u8]) -> Option<&str> {
    let arn_len = u16::from_be_bytes([*ciphertext_blob.get(1)?, *ciphertext_blob.get(2)?]) as usize;
    std::str::from_utf8(ciphertext_blob.get(3..3 + arn_len)?).ok()
}

fn aad(key_arn: &str, context: &EncryptionContext) -> Vec<u8> {
    let mut a = Vec::with_capacity(64 + key_arn.len());
    a.extend_from_slice(AAD_LABEL);
    a.extend_from_slice(&(key_arn.len() as u16).to_be_bytes());
    a.extend_from_slice(key_arn.as_bytes());
    for (k, v) in context {
        a.extend_from_slice(&(k.len() as u32).to_be_bytes());
        a.extend_from_slice(k.as_bytes());
        a.extend_from_slice(&(v.len() as u32).to_be_bytes());
        a.extend_from_slice(v.as_bytes());
    }
    a
}

/// `{"aws:s3:arn": arn}`, the context S3 uses (object ARN, or bucket ARN with a bucket key).
pub fn s3_context(arn: &str) -> EncryptionContext {
    let mut c = EncryptionContext::new();
    c.insert("aws:s3:arn".to_string(), arn.to_string());
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_decrypt_and_context_binding() {
        let mut kms = ModelledKms::seeded(1);
        let arn = "arn:aws:kms:us-east-1:111122223333:key/k1";
        kms.ensure_key(arn);
        let ctx = s3_context("arn:aws:s3:::b/o");
        let g = kms.generate_data_key(arn, &ctx).unwrap();
        assert_eq!(blob_key_arn(&g.ciphertext_blob), Some(arn));
        assert_eq!(kms.decrypt(&g.ciphertext_blob, &ctx).unwrap(), g.plaintext);
        assert!(matches!(
            kms.decrypt(&g.ciphertext_blob, &s3_context("arn:aws:s3:::b")),
            Err(CryptoError::KmsInvalidCiphertext(_))
        ));
        let mut extra = ctx.clone();
        extra.insert("k".into(), "v".into());
        assert!(kms.decrypt(&g.ciphertext_blob, &extra).is_err());
        for i in 0..g.ciphertext_blob.len() {
            let mut bad = g.ciphertext_blob.clone();
            bad[i] ^= 4;
            assert!(kms.decrypt(&bad, &ctx).is_err(), "byte {i}");
        }
        assert!(kms.decrypt(&g.ciphertext_blob[..10], &ctx).is_err());
        let g2 = kms.generate_data_key(arn, &ctx).unwrap();
        assert_ne!(g.plaintext, g2.plaintext);
        assert!(matches!(
            kms.generate_data_key("arn:nope", &ctx),
            Err(CryptoError::KmsKeyNotFound(_))
        ));
    }
}
