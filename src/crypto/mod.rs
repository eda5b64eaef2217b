//! Real envelope encryption (AES-256-CTR/GCM, key derivation, key wrap, SSE-C, client-side).
//!
//! This is not a model of the cryptography: every mode bksim simulates is implemented here
//! for real, so that the security properties it compares hold (every object has its own
//! data key, with or without a bucket key; a wrong SSE-C key is refused; plaintext keys are
//! wiped after use and never printed) and so that what encryption costs can be measured.
//!
//! - Ciphers: [`ctr`] (AES-256-CTR, OpenSSL-compatible), [`gcm`] (AES-256-GCM), on the
//!   [`backend`] chosen at run time per mode (aws-lc-rs, bksim's VAES-512 CTR kernel, the
//!   RustCrypto crates; `BKSIM_CRYPTO_BACKEND` forces one).
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
pub mod openssl_speed;
pub mod selftest;
pub mod sse_c;
pub mod sse_kms;
pub mod sse_s3;
#[cfg(target_arch = "x86_64")]
mod vaes512;
pub mod vectors;
pub mod verify;

pub use backend::{BACKEND_ENV, Backend, Backends};
pub use calibration::Profile;
pub use error::CryptoError;
pub use keys::DataKey;
pub use kms_keys::{EncryptionContext, ModelledKms};
pub use sse_kms::BucketKey;
pub use verify::{ObjectContext, VERIFY_MAX_BYTES, verify_object};

/// The backends of this process, chosen once: [`BACKEND_ENV`] when it names one this CPU
/// runs, else the fastest measured for this CPU. An invalid value is reported (exit code 2)
/// by [`check_backend_env`], which `main` calls before any command runs; library users
/// that skip it get the fastest backends.
pub fn active_backends() -> Backends {
    static B: std::sync::OnceLock<Backends> = std::sync::OnceLock::new();
    *B.get_or_init(|| Backends::from_env().unwrap_or_else(|_| Backends::fastest_here()))
}

/// Checks [`BACKEND_ENV`]: the error names the value and the choices (exit code 2).
pub fn check_backend_env() -> Result<Backends, CryptoError> {
    Backends::from_env()
}
