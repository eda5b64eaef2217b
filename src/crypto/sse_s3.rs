//! SSE-S3: every object gets a random 256-bit key, wrapped (RFC 3394) under a per-bucket
//! root key that S3 manages; content is AES-256-CTR. Also the S3-managed second layer of
//! DSSE-KMS.

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::ctr::Aes256Ctr;
use super::error::CryptoError;
use super::keys::{DataKey, random16};
use super::keywrap::KeyWrapper;

/// The S3-managed root key of one bucket (key schedule only; the raw bytes are wiped).
pub struct S3ManagedRoot {
    wrapper: KeyWrapper,
}

impl std::fmt::Debug for S3ManagedRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("S3ManagedRoot(<redacted>)")
    }
}

/// An object as SSE-S3 stores it.
#[derive(Debug, Clone)]
pub struct SseS3Object {
    /// The object key wrapped under the bucket root (40 bytes).
    pub wrapped_key: Vec<u8>,
    /// CTR initial counter block.
    pub iv: [u8; 16],
    /// Ciphertext, same length as the plaintext.
    pub body: Vec<u8>,
}

impl S3ManagedRoot {
    /// A fresh random root key.
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let k = DataKey::generate(rng);
        S3ManagedRoot {
            wrapper: KeyWrapper::new(k.expose_secret()),
        }
    }

    /// A deterministic root key for `bucket` under `seed` (reproducible verification).
    pub fn for_bucket(bucket: &str, seed: u64) -> Self {
        let mut h = seed ^ 0x5353_335f_726f_6f74;
        for b in bucket.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        Self::generate(&mut ChaCha20Rng::seed_from_u64(h))
    }

    /// A fresh object key, wrapped: the per-object envelope step of SSE-S3.
    pub fn new_object_key<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<(DataKey, Vec<u8>), CryptoError> {
        let k = DataKey::generate(rng);
        let wrapped = self.wrapper.wrap(k.expose_secret())?;
        Ok((k, wrapped))
    }

    /// Unwraps an object key.
    pub fn unwrap_object_key(&self, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let k = self.wrapper.unwrap(wrapped)?;
        let bytes: [u8; 32] = k[..].try_into().map_err(|_| CryptoError::UnwrapFailed)?;
        Ok(DataKey::from_bytes(bytes))
    }

    /// Encrypts an object with its own random key.
    pub fn seal_object<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        plaintext: &[u8],
    ) -> Result<SseS3Object, CryptoError> {
        let (k, wrapped_key) = self.new_object_key(rng)?;
        let iv = random16(rng);
        let mut body = plaintext.to_vec();
        Aes256Ctr::new(k.expose_secret()).apply_keystream(&iv, &mut body);
        Ok(SseS3Object {
            wrapped_key,
            iv,
            body,
        })
    }

    /// Decrypts an object stored by [`S3ManagedRoot::seal_object`].
    pub fn open_object(&self, obj: &SseS3Object) -> Result<Vec<u8>, CryptoError> {
        let k = self.unwrap_object_key(&obj.wrapped_key)?;
        let mut out = obj.body.clone();
        Aes256Ctr::new(k.expose_secret()).apply_keystream(&obj.iv, &mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_unique_keys_and_wrong_root() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let root = S3ManagedRoot::for_bucket("b", 1);
        let a = root.seal_object(&mut rng, b"hello world").unwrap();
        let b = root.seal_object(&mut rng, b"hello world").unwrap();
        assert_ne!(a.wrapped_key, b.wrapped_key);
        assert_ne!(a.body, b.body);
        assert_eq!(root.open_object(&a).unwrap(), b"hello world");
        let other = S3ManagedRoot::for_bucket("c", 1);
        assert!(matches!(
            other.open_object(&a),
            Err(CryptoError::UnwrapFailed)
        ));
    }
}
