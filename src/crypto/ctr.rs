//! AES-256-CTR content encryption, byte-compatible with OpenSSL `aes-256-ctr`: the 16-byte
//! IV is the initial counter block and the whole block is incremented as one 128-bit
//! big-endian integer (NIST SP 800-38A). On CPUs with VAES-512 it runs bksim's own kernel
//! (`vaes512.rs`, the fastest measured there); elsewhere aws-lc-rs; the `aes` and `ctr`
//! crates when that backend is forced (see `backend.rs`).

use aes::Aes256;
use aes::cipher::{InnerIvInit, KeyInit, StreamCipher};
use aws_lc_rs::cipher::{AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey};
use aws_lc_rs::iv::FixedLength;

use super::backend::Backend;
use super::error::CryptoError;

/// An AES-256 key prepared for CTR: the key schedule is computed once and reused for any
/// number of messages (each with its own IV). Key material is wiped on drop.
pub struct Aes256Ctr {
    imp: Imp,
}

// The key schedule stays inline (240 bytes): boxing it would add an allocation to every
// per-object key setup.
#[allow(clippy::large_enum_variant)]
enum Imp {
    #[cfg(target_arch = "x86_64")]
    Vaes(super::vaes512::RoundKeys),
    AwsLc(Box<EncryptingKey>),
    Crate(Box<Aes256>),
}

impl Aes256Ctr {
    /// Prepares `key` with this process's CTR backend (see [`super::active_backends`]).
    pub fn new(key: &[u8; 32]) -> Self {
        Self::with_backend(key, super::active_backends().ctr)
    }

    /// Prepares `key` with a given backend (tests and benchmarks compare backends). A
    /// backend this CPU cannot run gives aws-lc-rs.
    pub fn with_backend(key: &[u8; 32], backend: Backend) -> Self {
        if !backend.is_available() {
            return Self::aws_lc(key);
        }
        match backend {
            #[cfg(target_arch = "x86_64")]
            Backend::Vaes512 => {
                // SAFETY: `is_available` checked the CPU features the kernel needs.
                let rk = unsafe { super::vaes512::expand_key(key) };
                Aes256Ctr { imp: Imp::Vaes(rk) }
            }
            Backend::RustCrypto | Backend::Software => Aes256Ctr {
                imp: Imp::Crate(Box::new(Aes256::new(key.into()))),
            },
            _ => Self::aws_lc(key),
        }
    }

    fn aws_lc(key: &[u8; 32]) -> Self {
        let k = UnboundCipherKey::new(&AES_256, key)
            .and_then(EncryptingKey::ctr)
            .expect("a 32-byte key is valid for AES-256-CTR");
        Aes256Ctr {
            imp: Imp::AwsLc(Box::new(k)),
        }
    }

    /// Builds from a key slice, checking its length.
    pub fn from_slice(key: &[u8]) -> Result<Self, CryptoError> {
        let key: &[u8; 32] = key.try_into().map_err(|_| CryptoError::BadLength {
            what: "AES-256 key",
            expected: 32,
            got: key.len(),
        })?;
        Ok(Self::new(key))
    }

    /// Which implementation this key runs on.
    pub fn backend(&self) -> Backend {
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Vaes(_) => Backend::Vaes512,
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

    /// XORs `data` in place with the keystream starting at counter block `iv`. Encryption
    /// and decryption are the same operation.
    pub fn apply_keystream(&self, iv: &[u8; 16], data: &mut [u8]) {
        match &self.imp {
            #[cfg(target_arch = "x86_64")]
            Imp::Vaes(rk) => {
                let mut ctr = u128::from_be_bytes(*iv);
                let mut rest = data;
                while !rest.is_empty() {
                    // Blocks left before the low 64 bits of the counter wrap: the kernel
                    // increments only those, so split the buffer at the wrap and carry
                    // into the high half here (full 128-bit increment, as OpenSSL does).
                    let to_wrap = (1u128 << 64) - (ctr & u64::MAX as u128);
                    let max_bytes = to_wrap.saturating_mul(16).min(rest.len() as u128) as usize;
                    let (now, later) = rest.split_at_mut(max_bytes);
                    // SAFETY: `Imp::Vaes` is only built after checking the CPU features.
                    unsafe { super::vaes512::ctr_xor(rk, ctr, now) };
                    ctr = ctr.wrapping_add(now.len().div_ceil(16) as u128);
                    rest = later;
                }
            }
            Imp::AwsLc(k) => {
                // `Iv128` is the context CTR takes, so this cannot fail; an empty buffer
                // needs no call.
                if !data.is_empty() {
                    k.less_safe_encrypt(data, EncryptionContext::Iv128(FixedLength::from(*iv)))
                        .expect("CTR with a 16-byte IV");
                }
            }
            Imp::Crate(cipher) => {
                let core = ctr::CtrCore::<&Aes256, ctr::flavors::Ctr128BE>::inner_iv_init(
                    &**cipher,
                    iv.into(),
                );
                ctr::Ctr128BE::from_core(core).apply_keystream(data);
            }
        }
    }
}

/// One-shot AES-256-CTR: XORs `data` in place with the keystream of (`key`, `iv`).
pub fn aes256_ctr(key: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) {
    Aes256Ctr::new(key).apply_keystream(iv, data);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(n: usize, seed: u8) -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn sp800_38a_f55() {
        let key = hex::decode("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
            .unwrap();
        let iv = hex::decode("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").unwrap();
        let mut d = hex::decode("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51")
            .unwrap();
        for b in Backend::available() {
            let c = Aes256Ctr::with_backend(key.as_slice().try_into().unwrap(), b);
            assert_eq!(c.backend(), b);
            let mut x = d.clone();
            c.apply_keystream(iv.as_slice().try_into().unwrap(), &mut x);
            assert_eq!(
                hex::encode(&x),
                "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
            );
        }
        d.clear();
    }

    /// Every CTR backend this CPU runs agrees with aws-lc-rs on every length and around
    /// counter wraps of the low 32 and 64 bits and of the whole 128 bits (aws-lc-rs counts
    /// in 32-bit chunks, bksim's kernel in 64-bit ones).
    #[test]
    fn backends_match_aws_lc_lengths_and_wraps() {
        let key = [0x42u8; 32];
        let reference = Aes256Ctr::with_backend(&key, Backend::AwsLc);
        let others: Vec<_> = Backend::available()
            .into_iter()
            .filter(|b| *b != Backend::AwsLc)
            .map(|b| Aes256Ctr::with_backend(&key, b))
            .collect();
        assert!(!others.is_empty(), "rustcrypto or software runs everywhere");
        let ivs: [u128; 6] = [
            0,
            0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10,
            u32::MAX as u128 - 2,
            (5u128 << 64) | (u64::MAX as u128 - 3),
            u128::MAX - 2,
            u64::MAX as u128,
        ];
        for iv in ivs {
            for len in (0..600).chain([1023, 1024, 1025, 4096 + 7, 65536 + 13]) {
                let pt = pattern(len, len as u8);
                let mut a = pt.clone();
                reference.apply_keystream(&iv.to_be_bytes(), &mut a);
                for c in &others {
                    let mut b = pt.clone();
                    c.apply_keystream(&iv.to_be_bytes(), &mut b);
                    assert_eq!(a, b, "{} iv {iv:x} len {len}", c.backend());
                }
            }
        }
    }
}
