//! The sensitivity ranges: a plausible low and high for every scenario key whose default is
//! an assumption (or a fact marked UNCERTAIN), with a one-line reason, and the assumption
//! keys that are deliberately not varied (they are not model inputs, or they are the thing
//! the variants compare). A test over the key tables (`scenario/validate/sensitivity_keys.rs`)
//! checks that every assumption-labelled key is in one of the two lists.

/// One end of a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// A value written as in a scenario file (`10`, `"1m"`, `true`).
    Value(&'static str),
    /// The parameter's value in the scenario times this factor (numbers, durations, sizes,
    /// and each of those inside a table such as a latency distribution).
    Scale(f64),
}

/// The range of one key. `key` is a dotted path where `*` stands for any element name
/// (`bucket.*.existing.size`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangeDef {
    pub key: &'static str,
    pub low: Bound,
    pub high: Bound,
    pub reason: &'static str,
}

const fn r(key: &'static str, low: Bound, high: Bound, reason: &'static str) -> RangeDef {
    RangeDef {
        key,
        low,
        high,
        reason,
    }
}

use Bound::{Scale, Value};

/// Every varied key, in the order they are listed in `scenarios/README.md`.
pub const RANGES: &[RangeDef] = &[
    r(
        "kms.quota_rps",
        Scale(0.5),
        Scale(2.0),
        "Region tier lists are partly UNCERTAIN, and accounts get quota increases",
    ),
    r(
        "kms.limiter",
        Value(r#""fixed-window""#),
        Value(r#""token-bucket""#),
        "KMS does not publish how it enforces the per-second quota",
    ),
    r(
        "kms.burst",
        Scale(0.5),
        Scale(2.0),
        "burst capacity of the token bucket is unpublished",
    ),
    r(
        "kms.latency",
        Scale(0.5),
        Scale(2.0),
        "no published KMS latency; measured figures vary by Region and load",
    ),
    r(
        "kms.background_rps",
        Value("0"),
        Value("2000"),
        "other applications' share of the account's quota is rarely known",
    ),
    r(
        "kms.price_per_10k",
        Value("0.03"),
        Value("0.04"),
        "price from secondary sources (UNCERTAIN at the AWS-doc level)",
    ),
    r(
        "kms.free_tier",
        Value("false"),
        Value("true"),
        "whether the account's 20,000 free requests are already used elsewhere",
    ),
    r(
        "kms.regions.*.quota_rps",
        Scale(0.5),
        Scale(2.0),
        "Region tier lists are partly UNCERTAIN, and accounts get quota increases",
    ),
    r(
        "kms.regions.*.latency",
        Scale(0.5),
        Scale(2.0),
        "no published KMS latency",
    ),
    r(
        "s3.frontend_hosts",
        Value("10"),
        Value("1000"),
        "how many S3 hosts cache a bucket key separately is unpublished",
    ),
    r(
        "s3.bucket_key_ttl",
        Value(r#""1m""#),
        Value(r#""15m""#),
        "AWS says only that a bucket key is used for a limited time",
    ),
    r(
        "s3.latency",
        Scale(0.5),
        Scale(2.0),
        "no published S3 latency; it varies with object size and Region",
    ),
    r(
        "s3.single_flight",
        Value("false"),
        Value("true"),
        "whether concurrent misses on one host share one KMS call is unpublished",
    ),
    r(
        "s3.multipart_threshold",
        Value(r#""5MiB""#),
        Value(r#""64MiB""#),
        "SDKs and tools use different thresholds",
    ),
    r(
        "s3.multipart_part_size",
        Value(r#""5MiB""#),
        Value(r#""64MiB""#),
        "SDKs and tools use different part sizes",
    ),
    r(
        "s3.dsse_kms_calls_per_object",
        Value("1"),
        Value("2"),
        "DSSE-KMS's KMS calls per object are not published",
    ),
    r(
        "client.retry",
        Value(r#""legacy""#),
        Value(r#""standard""#),
        "boto3's switch from legacy to standard retries is UNCERTAIN",
    ),
    r(
        "client.connections_per_session",
        Value("1"),
        Value("100"),
        "connection pools differ by SDK and configuration",
    ),
    r(
        "client.cpu_cores",
        Value("0"),
        Value("4"),
        "client CPU available for encryption is rarely known (0: no limit)",
    ),
    r(
        "client.pool",
        Value(r#""grow""#),
        Value(r#""wait""#),
        "whether a client opens more connections or queues depends on the SDK",
    ),
    r(
        "bucket.*.prefixes",
        Scale(0.5),
        Scale(2.0),
        "how S3 partitions a bucket's keys is not visible to clients",
    ),
    r(
        "bucket.*.existing.writer_sessions",
        Value("1"),
        Value("100"),
        "how many writers wrote the bucket's old objects is rarely known",
    ),
    r(
        "bucket.*.existing.size",
        Scale(0.25),
        Scale(4.0),
        "the size of objects written before the run is rarely known",
    ),
    r(
        "replication.*.lag",
        Scale(0.5),
        Scale(2.0),
        "replication time is published only as a 15-minute RTC bound",
    ),
];

/// Assumption-labelled keys that are not varied, and why.
pub const NOT_INPUTS: &[(&str, &str)] = &[
    (
        "seed",
        "common random numbers: every run uses the same seed",
    ),
    ("warmup", "the measurement window, not a property of AWS"),
    (
        "kms.region",
        "not varied yet: only the main Region's kms.quota_rps is",
    ),
    (
        "kms.regions.*.limiter",
        "not varied yet: only the main Region's kms.limiter is",
    ),
    (
        "kms.regions.*.burst",
        "not varied yet: only the main Region's kms.burst is",
    ),
    (
        "kms.regions.*.background_rps",
        "not varied yet: only the main Region's kms.background_rps is",
    ),
    (
        "kms.regions.*.price_per_10k",
        "not varied yet: only the main Region's kms.price_per_10k is",
    ),
    (
        "kms.regions.*.free_tier",
        "not varied yet: only the main Region's kms.free_tier is",
    ),
    ("s3.transfer_rate", "the client's network: the user's input"),
    (
        "crypto.profile",
        "CPU calibration, measured by bksim crypto",
    ),
    ("crypto.verify", "a self-check, not a model input"),
    ("crypto.verify_objects", "a self-check, not a model input"),
    ("bucket.*.bucket_key", "what the variants compare"),
    ("bucket.*.existing.bucket_key", "what the variants compare"),
    (
        "bucket.*.kms_key",
        "identifies the key; does not change load",
    ),
    ("bucket.*.region", "topology: the user's input"),
    (
        "bucket.*.client_kms_key",
        "identifies the key; does not change load",
    ),
    (
        "workload.*.head_before_get",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.sessions",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.size",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.read_from",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.requests",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.after",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.sessions_of",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.objects",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.from",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.client_kms_key",
        "identifies the key; does not change load",
    ),
    (
        "workload.*.principal",
        "identity for policies; does not change load",
    ),
    (
        "replication.*.role",
        "identity for policies; does not change load",
    ),
    (
        "workload.*.arrival.think",
        "the workload's own shape: the user's input",
    ),
    (
        "workload.*.format",
        "how a trace is read, not a model input",
    ),
    ("workload.*.speed", "the replay speed the user chose"),
    (
        "workload.*.max_bad_lines",
        "how a trace is read, not a model input",
    ),
];

/// Whether the dotted `path` matches the pattern `key` (`*` matches one element name).
pub fn matches(key: &str, path: &str) -> bool {
    let k: Vec<&str> = key.split('.').collect();
    let p: Vec<&str> = path.split('.').collect();
    k.len() == p.len() && k.iter().zip(&p).all(|(a, b)| *a == "*" || a == b)
}

/// The range for `path`, if any.
pub fn range_for(path: &str) -> Option<&'static RangeDef> {
    RANGES.iter().find(|r| matches(r.key, path))
}
