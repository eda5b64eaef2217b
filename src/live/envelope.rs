//! The live harness's real envelope encryption of one object: its payload (a pattern derived
//! from the object's number, so a read can check every byte), sealed with AES-256-GCM under
//! the object's data key, and opened and checked on a read. Data keys are [`DataKey`]s,
//! wiped on drop.

use crate::crypto::gcm::{Aes256Gcm, NONCE_LEN, TAG_LEN};
use crate::crypto::kdf::{OBJECT_SALT_LEN, derive_object_key};
use crate::crypto::{CryptoError, DataKey};

/// An object as the live S3 stores it: nonce, ciphertext and tag.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub nonce: [u8; NONCE_LEN],
    pub body: Vec<u8>,
    pub tag: [u8; TAG_LEN],
    /// DSSE-KMS: the tag of the second, outer layer (S3-managed key) over `body`.
    pub outer: Option<[u8; TAG_LEN]>,
}

impl Sealed {
    /// Object `id`'s payload stored as it is (encryption `none`).
    pub fn plain(id: u64, len: usize) -> Sealed {
        Sealed {
            nonce: [0; NONCE_LEN],
            body: payload(id, len),
            tag: [0; TAG_LEN],
            outer: None,
        }
    }

    /// Nothing stored (an upload whose bytes were not kept).
    pub fn empty() -> Sealed {
        Sealed::plain(0, 0)
    }
}

/// The payload of object `id`, `len` bytes: a pattern every byte of which depends on the id
/// and its position, so that a read detects a wrong key, a swapped object or a cut body.
pub fn payload(id: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    fill(id, &mut out);
    out
}

fn fill(id: u64, out: &mut [u8]) {
    // Each 8-byte word is computed from its own index (no chain from word to word), so the
    // loop vectorises: filling costs a fraction of what sealing does.
    let seed = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let word = |i: u64| {
        (seed.wrapping_add(i.wrapping_mul(0xD6E8_FEB8_6659_FD93))).rotate_left(17) ^ (seed >> 29)
    };
    let n = (out.len() / 8) as u64;
    let mut chunks = out.chunks_exact_mut(8);
    for (i, c) in (&mut chunks).enumerate() {
        c.copy_from_slice(&word(i as u64).to_le_bytes());
    }
    let rest = chunks.into_remainder();
    let last = word(n).to_le_bytes();
    let len = rest.len();
    rest.copy_from_slice(&last[..len]);
}

/// The AAD binding a sealed object to its name: the object's ARN as S3 would build it.
fn aad(object: &str) -> &[u8] {
    object.as_bytes()
}

/// The 96-bit nonce of object `id` (a data key seals one object, or, derived from a bucket
/// key with a fresh salt, one object as well: a counter is unique per key).
fn nonce(id: u64) -> [u8; NONCE_LEN] {
    let mut n = [0u8; NONCE_LEN];
    n[4..].copy_from_slice(&id.to_be_bytes());
    n
}

/// Encrypts object `id` (`len` bytes of its payload) under `key`, bound to `object` (its ARN).
pub fn seal(key: &DataKey, id: u64, len: usize, object: &str) -> Result<Sealed, CryptoError> {
    let mut body = payload(id, len);
    let n = nonce(id);
    let tag = Aes256Gcm::new(key.expose_secret()).seal_in_place(&n, aad(object), &mut body)?;
    Ok(Sealed {
        nonce: n,
        body,
        tag,
        outer: None,
    })
}

/// DSSE-KMS: object `id` sealed under `inner` (the KMS data key), then again under `outer`
/// (the S3-managed key): two independent AES-256-GCM layers.
pub fn seal_double(
    inner: &DataKey,
    outer: &DataKey,
    id: u64,
    len: usize,
    object: &str,
) -> Result<Sealed, CryptoError> {
    let mut s = seal(inner, id, len, object)?;
    let tag =
        Aes256Gcm::new(outer.expose_secret()).seal_in_place(&s.nonce, aad(object), &mut s.body)?;
    s.outer = Some(tag);
    Ok(s)
}

/// DSSE-KMS: removes the outer layer with `outer`, then opens and checks as
/// [`open_and_check`] with `inner`.
pub fn open_double_and_check(
    inner: &DataKey,
    outer: &DataKey,
    sealed: &Sealed,
    id: u64,
    object: &str,
) -> Result<(), CryptoError> {
    let Some(tag) = sealed.outer else {
        return Err(CryptoError::InvalidInput(format!(
            "object {object}: no outer layer"
        )));
    };
    let mut mid = sealed.body.clone();
    Aes256Gcm::new(outer.expose_secret()).open_in_place(
        &sealed.nonce,
        aad(object),
        &mut mid,
        &tag,
    )?;
    let inner_sealed = Sealed {
        body: mid,
        outer: None,
        ..*sealed_header(sealed)
    };
    open_and_check(inner, &inner_sealed, id, object)
}

/// A sealed object's nonce and tag with no body (to rebuild one layer).
fn sealed_header(s: &Sealed) -> Box<Sealed> {
    Box::new(Sealed {
        nonce: s.nonce,
        body: Vec::new(),
        tag: s.tag,
        outer: None,
    })
}

/// Decrypts a sealed object with `key` and checks it is object `id`'s payload, whole.
pub fn open_and_check(
    key: &DataKey,
    sealed: &Sealed,
    id: u64,
    object: &str,
) -> Result<(), CryptoError> {
    let mut body = sealed.body.clone();
    Aes256Gcm::new(key.expose_secret()).open_in_place(
        &sealed.nonce,
        aad(object),
        &mut body,
        &sealed.tag,
    )?;
    if body != payload(id, sealed.body.len()) {
        return Err(CryptoError::InvalidInput(format!(
            "object {object}: decrypted bytes are not the payload written"
        )));
    }
    Ok(())
}

/// The data key of one bucket-key object (HKDF-SHA256 of the bucket key with the object's
/// salt and ARN, as `crypto::sse_kms` derives it).
pub fn derive(bucket_key: &DataKey, salt: &[u8; OBJECT_SALT_LEN], object: &str) -> DataKey {
    derive_object_key(bucket_key, salt, object)
}

/// A salt for object `id` under a bucket key (unique per object).
pub fn salt(id: u64, session: u32) -> [u8; OBJECT_SALT_LEN] {
    let mut s = [0u8; OBJECT_SALT_LEN];
    s[..8].copy_from_slice(&id.to_be_bytes());
    s[8..12].copy_from_slice(&session.to_be_bytes());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let k = DataKey::from_bytes([7u8; 32]);
        let s = seal(&k, 42, 1000, "arn:aws:s3:::b/o").unwrap();
        assert_eq!(s.body.len(), 1000);
        assert_ne!(s.body, payload(42, 1000));
        open_and_check(&k, &s, 42, "arn:aws:s3:::b/o").unwrap();
        // Another object's id, another name, another key or a flipped bit all fail.
        assert!(open_and_check(&k, &s, 43, "arn:aws:s3:::b/o").is_err());
        assert!(open_and_check(&k, &s, 42, "arn:aws:s3:::b/p").is_err());
        assert!(
            open_and_check(&DataKey::from_bytes([8u8; 32]), &s, 42, "arn:aws:s3:::b/o").is_err()
        );
        let mut t = s.clone();
        t.body[500] ^= 1;
        assert!(open_and_check(&k, &t, 42, "arn:aws:s3:::b/o").is_err());
    }

    #[test]
    fn double_layer_round_trip_needs_both_keys() {
        let (k1, k2) = (
            DataKey::from_bytes([1u8; 32]),
            DataKey::from_bytes([2u8; 32]),
        );
        let s = seal_double(&k1, &k2, 9, 300, "arn:aws:s3:::b/o").unwrap();
        assert_ne!(s.body, seal(&k1, 9, 300, "arn:aws:s3:::b/o").unwrap().body);
        open_double_and_check(&k1, &k2, &s, 9, "arn:aws:s3:::b/o").unwrap();
        assert!(open_double_and_check(&k2, &k1, &s, 9, "arn:aws:s3:::b/o").is_err());
        assert!(open_and_check(&k1, &s, 9, "arn:aws:s3:::b/o").is_err());
    }

    #[test]
    fn payloads_differ_by_object_and_position() {
        let a = payload(1, 64);
        assert_ne!(a, payload(2, 64));
        assert_ne!(a[..8], a[8..16]);
        assert_eq!(payload(1, 5), a[..5]);
    }

    #[test]
    fn derived_keys_differ_per_salt_and_object() {
        let bk = DataKey::from_bytes([1u8; 32]);
        let a = derive(&bk, &salt(1, 0), "arn:aws:s3:::b/o");
        let b = derive(&bk, &salt(2, 0), "arn:aws:s3:::b/o");
        let c = derive(&bk, &salt(1, 0), "arn:aws:s3:::b/p");
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_ne!(a.expose_secret(), c.expose_secret());
    }
}
