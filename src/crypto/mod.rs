//! Real envelope encryption (AES-256-CTR/GCM, key derivation, key wrap, SSE-C, client-side).
//!
//! This is not a model of the cryptography: every mode bksim simulates is implemented here
//! for real, so that the security properties it compares hold (every object has its own
//! data key, with or without a bucket key; a wrong SSE-C key is refused; plaintext keys are
//! wiped after use and never printed) and so that what encryption costs can be measured.
//!
//! - Ciphers: [`ctr`] (AES-256-CTR, OpenSSL-compatible), [`gcm`] (AES-256-GCM), on the
//!   [`backend`] detected at run time (own VAES-512 kernels, or the RustCrypto crates).
//! - Keys: [`keys`] (wiped-on-drop key type), [`kdf`] (HKDF-SHA256, bucket-key
//!   derivation), [`keywrap`] (RFC 3394), [`kms_keys`] (the modelled KMS's real keys).
//! - Modes: [`sse_s3`], [`sse_kms`] (incl. bucket keys and DSSE-KMS), [`sse_c`],
//!   [`cse`] (S3 Encryption Client v2) with [`data_key_cache`].
//! - For the simulation: [`verify::verify_object`] and the calibration [`Profile`].
//! - For the command line: [`vectors`], [`selftest`], [`bench`], [`calibration`], and
//!   [`commands`], what `bksim crypto ...` runs (its arguments are in `cli::crypto`).

pub mod backend;
pub mod bench;
pub mod calibration;
pub mod commands;
pub mod cse;
pub mod ctr;
pub mod data_key_cache;
pub mod error;
pub mod gcm;
pub mod kdf;
pub mod keys;
pub mod keywrap;
pub mod kms_keys;
pub mod selftest;
pub mod sse_c;
pub mod sse_kms;
pub mod sse_s3;
#[cfg(target_arch = "x86_64")]
mod vaes512;
pub mod vectors;
pub mod verify;

pub use backend::Backend;
pub use calibration::Profile;
pub use error::CryptoError;
pub use keys::DataKey;
pub use kms_keys::{EncryptionContext, ModelledKms};
pub use sse_kms::BucketKey;
pub use verify::{ObjectContext, VERIFY_MAX_BYTES, verify_object};

/// The backend detected once for this process.
pub fn active_backend() -> Backend {
    static B: std::sync::OnceLock<Backend> = std::sync::OnceLock::new();
    *B.get_or_init(Backend::detect)
}
