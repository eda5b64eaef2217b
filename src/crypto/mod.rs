//! Real envelope encryption (AES-256-CTR/GCM, key derivation, key wrap, SSE-C, client-side).

pub mod backend;
pub mod ctr;
pub mod error;
pub mod gcm;
#[cfg(target_arch = "x86_64")]
mod vaes512;

pub use backend::Backend;
pub use error::CryptoError;

/// The backend detected once for this process.
pub fn active_backend() -> Backend {
    static B: std::sync::OnceLock<Backend> = std::sync::OnceLock::new();
    *B.get_or_init(Backend::detect)
}
