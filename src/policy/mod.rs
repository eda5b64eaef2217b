//! KMS key policies and IAM policies: parsing them as AWS returns them ([`document`]), the
//! condition operators ([`condition`]), the evaluation of one KMS request ([`evaluate`], the
//! API the simulation can call per KMS call), and `bksim policy-check`'s before/after analysis
//! of turning S3 Bucket Keys on ([`check`]).
//!
//! One KMS call, as the simulation would evaluate it (parse the policies and the principal
//! once; [`PolicySet::evaluate`] allocates nothing unless a statement cannot be evaluated):
//!
//! ```
//! use bksim::policy::{document, Caller, Decision, PolicyKind, PolicySet, Request};
//! let key = document::parse("key.json", r#"{"Statement": [{"Sid": "Uploads", "Effect": "Allow",
//!     "Principal": {"AWS": "arn:aws:iam::111122223333:role/uploader"},
//!     "Action": "kms:GenerateDataKey", "Resource": "*",
//!     "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b/*"}}}]}"#,
//!     PolicyKind::Key).unwrap();
//! let set = PolicySet { key, identity: vec![] };
//! let caller = Caller::parse("arn:aws:iam::111122223333:role/uploader").unwrap();
//! let call = |arn: &str| set.evaluate(&Request {
//!     caller: &caller,
//!     action: "kms:GenerateDataKey",
//!     key_arn: "arn:aws:kms:us-east-1:111122223333:key/k",
//!     key_account: "111122223333",
//!     via_service: Some("s3.us-east-1.amazonaws.com"),
//!     context: &[("aws:s3:arn", arn)],
//! });
//! let before = call("arn:aws:s3:::b/photo.jpg");
//! assert_eq!(before.decision, Decision::Allow);
//! assert_eq!(set.statement(before.deciding.unwrap()).sid.as_deref(), Some("Uploads"));
//! assert_eq!(call("arn:aws:s3:::b").decision, Decision::ImplicitDeny); // with bucket keys
//! ```

pub mod check;
pub mod condition;
pub mod document;
pub mod evaluate;
mod json;

pub use condition::Truth;
pub use document::{Policy, PolicyError, PolicyKind};
pub use evaluate::{Caller, Decision, IdentityPolicy, Outcome, PolicySet, Request, StatementRef};

use std::io::Read;
use std::path::Path;

/// Largest key policy file read. KMS accepts key policies of up to 32 KiB (32,768 bytes:
/// <https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html>); the cap leaves
/// room for re-indented JSON and for the escaping of `aws kms get-key-policy`'s output.
pub const KEY_POLICY_MAX_BYTES: u64 = 128 * 1024;
/// Largest IAM policy file read. IAM counts at most 6,144 characters for a managed policy and
/// 10,240 for a role's inline policies, whitespace not counted
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>); the cap
/// leaves room for whitespace and URL-encoding (`aws iam get-policy-version`).
pub const IAM_POLICY_MAX_BYTES: u64 = 64 * 1024;

/// Reads and parses a policy file: a regular file, UTF-8, no larger than the kind's cap.
pub fn load(path: &Path, kind: PolicyKind) -> Result<Policy, PolicyError> {
    let source = path.display().to_string();
    let err = |message: String| PolicyError {
        source: source.clone(),
        path: String::new(),
        message,
    };
    let cap = match kind {
        PolicyKind::Key => KEY_POLICY_MAX_BYTES,
        PolicyKind::Identity => IAM_POLICY_MAX_BYTES,
    };
    let what = match kind {
        PolicyKind::Key => "a key policy (KMS accepts 32,768 bytes)",
        PolicyKind::Identity => "an IAM policy (IAM accepts 10,240 characters)",
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err("is not a regular file".into()));
    }
    if meta.len() > cap {
        return Err(err(format!(
            "is {} bytes, more than bksim reads for {what}: {cap} bytes",
            meta.len()
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > cap {
        return Err(err(format!(
            "is more than bksim reads for {what}: {cap} bytes"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        err(format!(
            "is not UTF-8 text: invalid byte at offset {}",
            e.utf8_error().valid_up_to()
        ))
    })?;
    document::parse(&source, &text, kind)
}

#[cfg(test)]
mod tests;
