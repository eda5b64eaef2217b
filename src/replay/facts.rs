//! What a replayed log held, for the report: its files and formats, time span, requests by
//! operation, sessions, buckets, and what was skipped or unreadable and why. Stored in
//! `summary.json` (`traces`) so that `bksim report` rebuilds the same report.

use serde::{Deserialize, Serialize};

/// One trace workload's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TraceFacts {
    /// The workload's name.
    pub workload: String,
    /// The LOG paths as given.
    pub paths: Vec<String>,
    /// Files read, by format.
    pub files: Vec<NameCount>,
    /// Lines (or CloudTrail records) read, replayed or not.
    pub lines: u64,
    /// Requests replayed.
    pub requests: u64,
    /// Requests replayed, by S3 operation (in a fixed order; absent when 0).
    pub by_operation: Vec<NameCount>,
    /// Records of operations replay does not model (or failed requests), by name as logged,
    /// most frequent first.
    pub skipped: Vec<NameCount>,
    /// Lines that could not be read.
    pub bad_lines: u64,
    /// The first few of them.
    pub bad_examples: Vec<BadLineFact>,
    /// First and last request, RFC 3339 UTC (empty when none).
    pub first: String,
    pub last: String,
    /// From the start of the first request's second to the end of the last one's, seconds.
    pub span_seconds: f64,
    /// Replay speed: logged time divided by this is simulated time.
    pub speed: f64,
    /// Distinct requesters (simulated sessions).
    pub sessions: u64,
    /// Requests by bucket, as named in the log (the scenario's name when it differs).
    pub buckets: Vec<BucketFacts>,
    /// Requests beyond the run's duration, not offered.
    #[serde(default)]
    pub cut: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameCount {
    pub name: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BadLineFact {
    pub file: String,
    pub line: u64,
    pub reason: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketFacts {
    /// The bucket's name in the log.
    pub log_name: String,
    /// The scenario bucket it is replayed as.
    pub bucket: String,
    pub requests: u64,
}
