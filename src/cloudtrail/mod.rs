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

/// When simulated time 0 is in the records of a run that does not replay a log (a replay's
/// records keep the log's own times): 2026-01-01T00:00:00Z, in nanoseconds since the epoch.
pub const DEFAULT_START_NS: i64 = 1_767_225_600 * 1_000_000_000;
/// `schema` of the manifest.
pub const MANIFEST_SCHEMA: &str = "bksim.cloudtrail.v1";
pub use writer::{MANIFEST_FILE, TrailOptions, TrailStats, TrailWriter};
