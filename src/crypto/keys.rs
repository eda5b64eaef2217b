//! Plaintext key material as one type that is wiped on drop and never printed, so the rest
//! of the library cannot leak a key through `Debug`, a log or an error message by accident.

use rand::Rng;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A 256-bit plaintext key (data key, bucket key, KMS key material, SSE-C customer key).
/// Wiped on drop; `Debug` prints `<redacted>`; no `Display`, no `Serialize`.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// Wraps existing bytes (the caller should wipe its own copy).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DataKey(bytes)
    }

    /// A fresh random key from a cryptographically secure generator.
    pub fn generate<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut k = [0u8; 32];
        rng.fill_bytes(&mut k);
        DataKey(k)
    }

    /// The key bytes, for handing to a cipher. Never log or store them.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// A fresh random 16-byte value (IVs, salts).
pub fn random16<R: Rng + ?Sized>(rng: &mut R) -> [u8; 16] {
    let mut v = [0u8; 16];
    rng.fill_bytes(&mut v);
    v
}

/// A fresh random 12-byte GCM nonce.
pub fn random12<R: Rng + ?Sized>(rng: &mut R) -> [u8; 12] {
    let mut v = [0u8; 12];
    rng.fill_bytes(&mut v);
    v
}
