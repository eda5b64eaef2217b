//! Typed errors of the crypto library, so callers (the simulation, the CLI) can map each
//! failure to an exit code or a modelled HTTP status without parsing messages. No variant
//! carries key bytes: messages name files, tests, keys by ARN, never key material.

use std::path::PathBuf;

/// Every way the crypto library can fail.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// A key, nonce or IV of the wrong length was supplied.
    #[error("{what}: expected {expected} bytes, got {got}")]
    BadLength {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    /// A message is longer than the mode allows (GCM: 2^36 - 32 bytes).
    #[error("{what} too long: {len} bytes (limit {limit})")]
    TooLong {
        what: &'static str,
        len: u64,
        limit: u64,
    },
    /// Authenticated decryption failed: ciphertext, tag, AAD or nonce was altered.
    #[error("authentication failed: ciphertext, tag, AAD or nonce does not match")]
    AuthenticationFailed,
    /// The modelled KMS refused a Decrypt: wrong key, altered blob or different context
    /// (`InvalidCiphertextException` in KMS terms).
    #[error("KMS Decrypt refused (InvalidCiphertextException): {0}")]
    KmsInvalidCiphertext(String),
    /// The modelled KMS does not know this key ARN (`NotFoundException`).
    #[error("KMS key not found: {0}")]
    KmsKeyNotFound(String),
    /// RFC 3394 key unwrap failed its integrity check.
    #[error("key unwrap failed: integrity check value does not match")]
    UnwrapFailed,
    /// SSE-C request rejected by the modelled S3 with the given HTTP status.
    #[error("SSE-C request rejected with HTTP {status}: {reason}")]
    SseC { status: u16, reason: String },
    /// Client-side encryption metadata is missing or inconsistent.
    #[error("client-side encryption metadata: {0}")]
    CseMetadata(String),
    /// A round trip in `verify_object` did not give back the original bytes.
    #[error("round trip mismatch for {mode} object {object}: {detail}")]
    RoundTripMismatch {
        mode: String,
        object: String,
        detail: String,
    },
    /// A test-vector file is malformed (bad JSON, missing field, bad hex, wrong size).
    #[error("{}: {}{msg}", file.display(), tc_id.map(|t| format!("tcId {t}: ")).unwrap_or_default())]
    Vector {
        file: PathBuf,
        tc_id: Option<i64>,
        msg: String,
    },
    /// A calibration profile is malformed or holds an impossible value.
    #[error("{}: {key}: {msg}", file.display())]
    Profile {
        file: PathBuf,
        key: String,
        msg: String,
    },
    /// Bad command-line input (sizes, thread counts, ...).
    #[error("{0}")]
    InvalidInput(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing to the output stream failed.
    #[error("output: {0}")]
    Output(#[from] std::io::Error),
}

impl CryptoError {
    /// The exit code the `bksim crypto` commands use for this error: 2 for invalid input
    /// (bad vector file, bad flag, bad profile), 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            CryptoError::Vector { .. }
            | CryptoError::Profile { .. }
            | CryptoError::InvalidInput(_) => 2,
            _ => 1,
        }
    }
}
