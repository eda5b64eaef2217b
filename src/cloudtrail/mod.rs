//! The KMS events of a run written as CloudTrail delivers them: gzip JSON files of
//! `{"Records": [...]}`, one set per Region and delivery interval, under the key layout a trail
//! uses in its S3 bucket, with a deterministic sample or a limit so a run of billions of calls
//! never fills a disk.
//!
//! - [`record`]: one KMS event and its CloudTrail record (the fields of the KMS developer
//!   guide's GenerateDataKey and Decrypt examples).
//! - [`writer`]: the files, sampling, limit and the manifest `bksim-cloudtrail.json`.

pub mod record;
pub mod writer;

pub use record::{Caller, KmsEvent, ObjectName};
pub use writer::{MANIFEST_FILE, TrailOptions, TrailStats, TrailWriter};
