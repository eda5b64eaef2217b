//! SSE-C as S3 does it: the request carries the customer key (base64) and its MD5; S3
//! checks the MD5, encrypts with the key, keeps only a randomly salted HMAC-SHA256 of it,
//! and discards the key. A GET must present the same key: a missing key is HTTP 400, a
//! different key HTTP 403 (the status the model reports; AWS does not document it, see
//! aws-facts §6), and without the key the object cannot be read.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};
use rand::Rng;
use zeroize::{Zeroize, Zeroizing};

use super::ctr::Aes256Ctr;
use super::error::CryptoError;
use super::gcm::ct_eq;
use super::keys::{DataKey, random16};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The three SSE-C request headers. `Debug` hides the key.
#[derive(Clone)]
pub struct SseCHeaders {
    /// `x-amz-server-side-encryption-customer-algorithm` (must be `AES256`).
    pub algorithm: String,
    /// `x-amz-server-side-encryption-customer-key`: base64 of the 256-bit key.
    pub key_b64: Zeroizing<String>,
    /// `x-amz-server-side-encryption-customer-key-MD5`: base64 of MD5(key).
    pub key_md5_b64: String,
}

impl std::fmt::Debug for SseCHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseCHeaders")
            .field("algorithm", &self.algorithm)
            .field("key_b64", &"<redacted>")
            .field("key_md5_b64", &self.key_md5_b64)
            .finish()
    }
}

impl SseCHeaders {
    /// The headers a client sends for `key`.
    pub fn for_key(key: &DataKey) -> Self {
        SseCHeaders {
            algorithm: "AES256".to_string(),
            key_b64: Zeroizing::new(B64.encode(key.expose_secret())),
            key_md5_b64: B64.encode(Md5::digest(key.expose_secret())),
        }
    }
}

/// An SSE-C object as S3 stores it: no key, only a salted HMAC of it.
#[derive(Debug, Clone)]
pub struct SseCObject {
    pub key_hmac_salt: [u8; 16],
    pub key_hmac: [u8; 32],
    pub iv: [u8; 16],
    pub body: Vec<u8>,
}

fn reject(status: u16, reason: &str) -> CryptoError {
    CryptoError::SseC {
        status,
        reason: reason.to_string(),
    }
}

/// S3's checks of the request headers: algorithm `AES256`, a 256-bit base64 key, and an
/// MD5 that matches it (HTTP 400 otherwise). Returns the key.
pub fn check_headers(h: &SseCHeaders) -> Result<DataKey, CryptoError> {
    if h.algorithm != "AES256" {
        return Err(reject(400, "customer algorithm must be AES256"));
    }
    let raw = Zeroizing::new(
        B64.decode(h.key_b64.as_bytes())
            .map_err(|_| reject(400, "customer key is not valid base64"))?,
    );
    let mut bytes: [u8; 32] = raw[..]
        .try_into()
        .map_err(|_| reject(400, "customer key must be 256 bits"))?;
    let key = DataKey::from_bytes(bytes);
    bytes.zeroize();
    let md5 = B64
        .decode(h.key_md5_b64.as_bytes())
        .map_err(|_| reject(400, "customer key MD5 is not valid base64"))?;
    if !ct_eq(&md5, &Md5::digest(key.expose_secret())) {
        return Err(reject(400, "customer key MD5 does not match the key"));
    }
    Ok(key)
}

fn key_hmac(salt: &[u8; 16], key: &DataKey) -> [u8; 32] {
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(salt).expect("HMAC takes any key length");
    m.update(key.expose_secret());
    m.finalize().into_bytes().into()
}

/// SSE-C PUT.
pub fn put_object<R: Rng + ?Sized>(
    rng: &mut R,
    h: &SseCHeaders,
    plaintext: &[u8],
) -> Result<SseCObject, CryptoError> {
    let key = check_headers(h)?;
    let key_hmac_salt = random16(rng);
    let key_hmac = key_hmac(&key_hmac_salt, &key);
    let iv = random16(rng);
    let mut body = plaintext.to_vec();
    Aes256Ctr::new(key.expose_secret()).apply_keystream(&iv, &mut body);
    Ok(SseCObject {
        key_hmac_salt,
        key_hmac,
        iv,
        body,
    })
}

/// SSE-C GET: 400 without headers or with bad ones, 403 when the key is not the one the
/// object was written with.
pub fn get_object(obj: &SseCObject, h: Option<&SseCHeaders>) -> Result<Vec<u8>, CryptoError> {
    let h = h.ok_or_else(|| {
        reject(
            400,
            "object is SSE-C encrypted: the customer key headers are required",
        )
    })?;
    let key = check_headers(h)?;
    if !ct_eq(&key_hmac(&obj.key_hmac_salt, &key), &obj.key_hmac) {
        return Err(reject(
            403,
            "customer key does not match the key the object was written with",
        ));
    }
    let mut out = obj.body.clone();
    Aes256Ctr::new(key.expose_secret()).apply_keystream(&obj.iv, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn md5_rfc1321() {
        assert_eq!(
            hex::encode(Md5::digest(b"abc")),
            "900150983cd24fb0d6963f7d28e17f72"
        );
    }

    #[test]
    fn wrong_key_403_missing_400_bad_md5_400() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let k = DataKey::generate(&mut rng);
        let h = SseCHeaders::for_key(&k);
        let obj = put_object(&mut rng, &h, b"secret data").unwrap();
        assert_eq!(get_object(&obj, Some(&h)).unwrap(), b"secret data");
        let other = SseCHeaders::for_key(&DataKey::generate(&mut rng));
        assert!(matches!(
            get_object(&obj, Some(&other)),
            Err(CryptoError::SseC { status: 403, .. })
        ));
        assert!(matches!(
            get_object(&obj, None),
            Err(CryptoError::SseC { status: 400, .. })
        ));
        let mut bad = h.clone();
        bad.key_md5_b64 = other.key_md5_b64.clone();
        assert!(matches!(
            put_object(&mut rng, &bad, b"x"),
            Err(CryptoError::SseC { status: 400, .. })
        ));
        let mut alg = h.clone();
        alg.algorithm = "AES128".into();
        assert!(matches!(
            check_headers(&alg),
            Err(CryptoError::SseC { status: 400, .. })
        ));
        assert!(!format!("{h:?}").contains(h.key_b64.as_str()));
    }
}
