//! AES-256-GCM (96-bit nonce, 128-bit tag) for authenticated content encryption and for the
//! modelled KMS's key wrapping. It runs on aws-lc-rs by default (the fastest measured on
//! every CPU class, see `backend.rs`), or on the `aes-gcm` crate when that backend is forced.
//! Decryption never releases plaintext that failed authentication: the buffer is wiped
//! before the error returns.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroize;

use super::backend::{Backend, Mode};
use super::error::CryptoError;

/// Nonce length (bytes) this implementation takes: 96 bits, as SP 800-38D recommends and
/// the S3 Encryption Client uses.
pub const NONCE_LEN: usize = 12;
/// Tag length in bytes.
pub const TAG_LEN: usize = 16;
/// Longest plaintext GCM allows: 2^39 - 256 bits.
pub const MAX_PLAINTEXT: u64 = (1 << 36) - 32;

/// An AES-256 key prepared for GCM (key schedule and GHASH key powers computed once).
/// Key material is wiped on drop (aws-lc-rs cleans its context; the crate zeroizes).
pub struct Aes256Gcm {
    imp: Imp,
}

enum Imp {
    AwsLc(Box<LessSafeKey>),
    Crate(Box<aes_gcm::Aes256Gcm>),
}

impl Aes256Gcm {
    /// Prepares `key` with this process's GCM backend (see [`super::active_backends`]).
    pub fn new(key: &[u8; 32]) -> Self {
        Self::with_backend(key, super::active_backends().gcm)
    }

    /// Prepares `key` with a given backend (tests and benchmarks compare backends). A
    /// backend this CPU cannot run, or one without GCM (`vaes512`), gives aws-lc-rs.
    pub fn with_backend(key: &[u8; 32], backend: Backend) -> Self {
        let crate_ok = matches!(backend, Backend::RustCrypto | Backend::Software);
        if crate_ok && backend.is_available() && backend.implements(Mode::Gcm) {
            return Aes256Gcm {
                imp: Imp::Crate(Box::new(aes_gcm::Aes256Gcm::new(key.into()))),
            };
        }
        let k = UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte key is valid for AES-256-GCM");
        Aes256Gcm {
            imp: Imp::AwsLc(Box::new(LessSafeKey::new(k))),
        }
    }

    /// Which implementation this key runs on.
    pub fn backend(&self) -> Backend {
        match &self.imp {
            Imp::AwsLc(_) => Backend::AwsLc,
            Imp::Crate(_) => {
                if aes::hardware_accelerated() {
                    Backend::RustCrypto
                } else {
                    Backend::Software
                }
            }
        }
    }

    /// Encrypts `data` in place and returns the 16-byte tag.
    pub fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        check_len(data.len())?;
        let len = data.len() as u64;
        let too_long = || CryptoError::TooLong {
            what: "GCM input",
            len,
            limit: MAX_PLAINTEXT,
        };
        match &self.imp {
            Imp::AwsLc(k) => {
                let n = Nonce::assume_unique_for_key(*nonce);
                let tag = k
                    .seal_in_place_separate_tag(n, Aad::from(aad), data)
                    .map_err(|_| too_long())?;
                let mut out = [0u8; TAG_LEN];
                out.copy_from_slice(tag.as_ref());
                Ok(out)
            }
            Imp::Crate(c) => {
                let tag = c
                    .encrypt_inout_detached(nonce.into(), aad, data.into())
                    .map_err(|_| too_long())?;
                Ok(tag.into())
            }
        }
    }

    /// Checks `tag` and decrypts `data` in place. On failure `data` is zeroed and
    /// [`CryptoError::AuthenticationFailed`] is returned.
    pub fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), CryptoError> {
        check_len(data.len())?;
        let ok = match &self.imp {
            Imp::AwsLc(k) => {
                let n = Nonce::assume_unique_for_key(*nonce);
                k.open_in_place_separate_tag(n, Aad::from(aad), tag, data)
                    .is_ok()
            }
            Imp::Crate(c) => c
                .decrypt_inout_detached(nonce.into(), aad, data.into(), tag.into())
                .is_ok(),
        };
        if ok {
            Ok(())
        } else {
            data.zeroize();
            Err(CryptoError::AuthenticationFailed)
        }
    }

    /// Encrypts `plaintext` and returns `ciphertext || tag`.
    pub fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::with_capacity(plaintext.len() + TAG_LEN);
        out.extend_from_slice(plaintext);
        let tag = self.seal_in_place(nonce, aad, &mut out)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Opens `ciphertext || tag` and returns the plaintext.
    pub fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < TAG_LEN {
            return Err(CryptoError::AuthenticationFailed);
        }
        let (ct, tag) = sealed.split_at(sealed.len() - TAG_LEN);
        let tag: [u8; TAG_LEN] = tag.try_into().expect("split at TAG_LEN");
        let mut out = ct.to_vec();
        self.open_in_place(nonce, aad, &mut out, &tag)?;
        Ok(out)
    }
}

fn check_len(len: usize) -> Result<(), CryptoError> {
    if len as u64 > MAX_PLAINTEXT {
        return Err(CryptoError::TooLong {
            what: "GCM input",
            len: len as u64,
            limit: MAX_PLAINTEXT,
        });
    }
    Ok(())
}

/// Constant-time equality of two tags.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gcm_backends() -> Vec<Backend> {
        Backend::available()
            .into_iter()
            .filter(|b| b.implements(Mode::Gcm))
            .collect()
    }

    fn pattern(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn gcm_spec_test_case_16() {
        let key: [u8; 32] =
            hex::decode("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
                .unwrap()
                .try_into()
                .unwrap();
        let nonce: [u8; 12] = hex::decode("cafebabefacedbaddecaf888")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = hex::decode("feedfacedeadbeeffeedfacedeadbeefabaddad2").unwrap();
        let pt = hex::decode("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39").unwrap();
        for b in gcm_backends() {
            let g = Aes256Gcm::with_backend(&key, b);
            assert_eq!(g.backend(), b);
            let mut d = pt.clone();
            let tag = g.seal_in_place(&nonce, &aad, &mut d).unwrap();
            assert_eq!(hex::encode(tag), "76fc6ece0f4e1768cddf8853bb2d551b", "{b}");
            assert_eq!(
                hex::encode(&d),
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
            );
            g.open_in_place(&nonce, &aad, &mut d, &tag).unwrap();
            assert_eq!(d, pt);
        }
    }

    /// Every GCM backend this CPU runs agrees with aws-lc-rs on every length around the
    /// block and batch boundaries, with AAD of every shape (the proptest in
    /// tests/it/crypto_diff.rs adds random inputs).
    #[test]
    fn backends_match_aws_lc_all_lengths() {
        let key = [0x5au8; 32];
        let reference = Aes256Gcm::with_backend(&key, Backend::AwsLc);
        let others: Vec<_> = gcm_backends()
            .into_iter()
            .filter(|b| *b != Backend::AwsLc)
            .map(|b| Aes256Gcm::with_backend(&key, b))
            .collect();
        assert!(!others.is_empty(), "rustcrypto or software runs everywhere");
        let nonce = [9u8; 12];
        for aad_len in [0usize, 1, 15, 16, 17, 255, 256, 257, 700] {
            let aad = pattern(aad_len, 3);
            for len in (0..300).chain([511, 512, 513, 4096 + 5, 65536 + 3]) {
                let pt = pattern(len, len as u8);
                let mut a = pt.clone();
                let ta = reference.seal_in_place(&nonce, &aad, &mut a).unwrap();
                for g in &others {
                    let mut b = pt.clone();
                    let tb = g.seal_in_place(&nonce, &aad, &mut b).unwrap();
                    assert_eq!(
                        (&a, ta),
                        (&b, tb),
                        "{} aad {aad_len} len {len}",
                        g.backend()
                    );
                    g.open_in_place(&nonce, &aad, &mut b, &tb).unwrap();
                    assert_eq!(b, pt);
                }
            }
        }
    }

    #[test]
    fn tampering_is_rejected_and_buffer_wiped() {
        let key = [1u8; 32];
        for b in gcm_backends() {
            let g = Aes256Gcm::with_backend(&key, b);
            let nonce = [2u8; 12];
            let pt = pattern(100, 1);
            let sealed = g.seal(&nonce, b"ctx", &pt).unwrap();
            for i in [0, 50, 99, 100, 115] {
                let mut bad = sealed.clone();
                bad[i] ^= 1;
                assert!(matches!(
                    g.open(&nonce, b"ctx", &bad),
                    Err(CryptoError::AuthenticationFailed)
                ));
            }
            assert!(g.open(&nonce, b"cty", &sealed).is_err());
            assert!(g.open(&[3u8; 12], b"ctx", &sealed).is_err());
            let mut d = sealed[..100].to_vec();
            let mut tag: [u8; 16] = sealed[100..].try_into().unwrap();
            tag[0] ^= 0x80;
            assert!(g.open_in_place(&nonce, b"ctx", &mut d, &tag).is_err());
            assert!(d.iter().all(|&x| x == 0), "plaintext released on failure");
        }
    }
}
