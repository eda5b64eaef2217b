//! HKDF-SHA256 (RFC 5869) and the bucket-key derivation built on it: with an S3 Bucket Key,
//! every object still gets its own data key, derived from the bucket key with a per-object
//! random salt (stored with the object) and the object ARN as `info`.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroize;

use super::error::CryptoError;
use super::keys::DataKey;

/// Length of the per-object salt stored with a bucket-key object.
pub const OBJECT_SALT_LEN: usize = 16;
/// Longest output HKDF-SHA256 can give: 255 hash lengths.
pub const HKDF_MAX_OUTPUT: usize = 255 * 32;

/// HKDF-Extract: PRK = HMAC-SHA256(salt, ikm); an empty salt means 32 zero bytes.
pub fn hkdf_sha256_extract(salt: &[u8], ikm: &[u8]) -> [u8; 32] {
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    prk.into()
}

/// HKDF-SHA256 Extract-then-Expand into `okm` (at most 8160 bytes).
pub fn hkdf_sha256(
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    okm: &mut [u8],
) -> Result<(), CryptoError> {
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, okm)
        .map_err(|_| CryptoError::TooLong {
            what: "HKDF-SHA256 output",
            len: okm.len() as u64,
            limit: HKDF_MAX_OUTPUT as u64,
        })
}

/// The per-object data key of a bucket-key object:
/// HKDF-SHA256(ikm = bucket key, salt = per-object random salt, info = object ARN).
pub fn derive_object_key(
    bucket_key: &DataKey,
    salt: &[u8; OBJECT_SALT_LEN],
    object_arn: &str,
) -> DataKey {
    let mut okm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(salt), bucket_key.expose_secret())
        .expand(object_arn.as_bytes(), &mut okm)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    let key = DataKey::from_bytes(okm);
    okm.zeroize();
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5869_a1() {
        let ikm = hex::decode("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b").unwrap();
        let salt = hex::decode("000102030405060708090a0b0c").unwrap();
        let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
        let mut okm = [0u8; 42];
        hkdf_sha256(&salt, &ikm, &info, &mut okm).unwrap();
        assert_eq!(
            hex::encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
        assert_eq!(
            hex::encode(hkdf_sha256_extract(&salt, &ikm)),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
        );
        let mut too_long = vec![0u8; HKDF_MAX_OUTPUT + 1];
        assert!(hkdf_sha256(&salt, &ikm, &info, &mut too_long).is_err());
    }

    #[test]
    fn object_keys_depend_on_salt_and_arn() {
        let bk = DataKey::from_bytes([7u8; 32]);
        let a = derive_object_key(&bk, &[1u8; 16], "arn:aws:s3:::b/k1");
        let b = derive_object_key(&bk, &[1u8; 16], "arn:aws:s3:::b/k2");
        let c = derive_object_key(&bk, &[2u8; 16], "arn:aws:s3:::b/k1");
        let a2 = derive_object_key(&bk, &[1u8; 16], "arn:aws:s3:::b/k1");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, a2);
    }
}
