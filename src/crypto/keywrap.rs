//! AES key wrap (RFC 3394, default IV A6A6A6A6A6A6A6A6) with a 256-bit KEK, used for
//! SSE-S3: each object's random key is wrapped under the bucket's S3-managed root key.
//! (The modelled KMS wraps with AES-GCM instead, because it must bind the encryption
//! context; see `kms_keys.rs`.) Wrapping runs on AES-NI with a cached key schedule when
//! the CPU has it (it is on the per-object path of SSE-S3); unwrapping and the fallback use
//! the `aes-kw` crate.

use aes::cipher::KeyInit;
use aes_kw::KwAes256;
use zeroize::Zeroizing;

use super::error::CryptoError;

/// A key-encryption key with its AES key schedule computed once.
pub struct KeyWrapper {
    kw: KwAes256,
    #[cfg(target_arch = "x86_64")]
    rk: Option<super::vaes512::RoundKeys>,
}

impl KeyWrapper {
    /// Prepares `kek` (the schedule is wiped on drop by the `aes` crate).
    pub fn new(kek: &[u8; 32]) -> Self {
        KeyWrapper {
            kw: KwAes256::new(kek.into()),
            #[cfg(target_arch = "x86_64")]
            rk: std::arch::is_x86_feature_detected!("aes")
                // SAFETY: AES-NI was detected just above.
                .then(|| unsafe { super::vaes512::expand_key(kek) }),
        }
    }

    /// Wraps `key_data` (a multiple of 8 bytes, at least 16) into `len + 8` bytes.
    pub fn wrap(&self, key_data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if key_data.len() < 16 || !key_data.len().is_multiple_of(8) {
            return Err(CryptoError::BadLength {
                what: "AES-KW key data (multiple of 8, at least 16)",
                expected: key_data.len().next_multiple_of(8).max(16),
                got: key_data.len(),
            });
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(rk) = &self.rk {
            return Ok(wrap_aesni(rk, key_data));
        }
        let mut out = vec![0u8; key_data.len() + 8];
        self.kw
            .wrap_key(key_data, &mut out)
            .map_err(|_| CryptoError::UnwrapFailed)?;
        Ok(out)
    }

    /// Unwraps and checks the integrity register; the result is wiped on drop.
    pub fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
            return Err(CryptoError::BadLength {
                what: "AES-KW wrapped key (multiple of 8, at least 24)",
                expected: wrapped.len().next_multiple_of(8).max(24),
                got: wrapped.len(),
            });
        }
        let mut out = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
        self.kw
            .unwrap_key(wrapped, &mut out)
            .map_err(|_| CryptoError::UnwrapFailed)?;
        Ok(out)
    }
}

/// RFC 3394 §2.2.1 wrapping on AES-NI (the algorithm is sequential).
#[cfg(target_arch = "x86_64")]
fn wrap_aesni(rk: &super::vaes512::RoundKeys, key_data: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; key_data.len() + 8];
    // SAFETY: `rk` exists only when AES-NI was detected; lengths are checked by `wrap`.
    unsafe { super::vaes512::kw_wrap(rk, key_data, &mut out) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3394_4_6_and_tamper() {
        let kek: [u8; 32] =
            hex::decode("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
                .unwrap()
                .try_into()
                .unwrap();
        let kd = hex::decode("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f")
            .unwrap();
        let w = KeyWrapper::new(&kek);
        let wrapped = w.wrap(&kd).unwrap();
        assert_eq!(
            hex::encode(&wrapped),
            "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21"
        );
        assert_eq!(&w.unwrap(&wrapped).unwrap()[..], &kd[..]);
        let mut bad = wrapped.clone();
        bad[10] ^= 1;
        assert!(matches!(w.unwrap(&bad), Err(CryptoError::UnwrapFailed)));
        assert!(w.wrap(&kd[..12]).is_err());
        // The AES-NI wrap and the crate agree on every length.
        for len in (16..=64).step_by(8) {
            let data: Vec<u8> = (0..len as u8).collect();
            let mut crate_out = vec![0u8; len + 8];
            w.kw.wrap_key(&data, &mut crate_out).unwrap();
            assert_eq!(w.wrap(&data).unwrap(), crate_out, "len {len}");
            assert_eq!(&w.unwrap(&crate_out).unwrap()[..], &data[..]);
        }
    }
}
