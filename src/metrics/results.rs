//! What a run produces, as plain data: the serde structs behind `summary.json` and the
//! per-second time series, plus the latency histograms. Exporters read only these types.

use crate::scenario::Provenance;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Latency histograms record microseconds, from 1 µs to one simulated day, 3 significant digits.
pub const HIST_LOW_US: u64 = 1;
pub const HIST_HIGH_US: u64 = 86_400_000_000;
pub const HIST_SIGFIG: u8 = 3;

/// A new, empty latency histogram with the project's bounds (values in microseconds).
pub fn new_latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(HIST_LOW_US, HIST_HIGH_US, HIST_SIGFIG)
        .expect("constant histogram bounds are valid")
}

/// Everything one `bksim run` produced, all variants, in the order they were declared.
#[derive(Debug, Clone)]
pub struct RunResults {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub simulated_seconds: f64,
    pub warmup_seconds: f64,
    pub variants: Vec<VariantResults>,
    /// The scenario's measured values (`[[expect]]`), compared with the variants' summaries
    /// in the report and by `--check`.
    pub expectations: Vec<crate::scenario::Expectation>,
    /// What each replayed log held.
    pub traces: Vec<crate::replay::facts::TraceFacts>,
}

/// One variant's results.
#[derive(Debug, Clone)]
pub struct VariantResults {
    pub summary: VariantSummary,
    /// Latency of completed requests, first send to success, backoff included (µs).
    pub latency_put: Histogram<u64>,
    pub latency_get: Histogram<u64>,
    /// One row per `timeseries_step` simulated seconds from 0 until the run stopped.
    pub timeseries: Vec<SecondRow>,
    /// Seconds each time-series row covers (1 unless the run is long: see
    /// [`crate::metrics::collector::timeseries_step`]).
    pub timeseries_step: u64,
    /// Discrete events the engine processed for this variant (for `run.json`, not summary).
    pub events: u64,
    /// Objects whose real encryption round trip failed (`crypto.verify`); a run with any
    /// fails.
    pub verify_failures: Vec<String>,
    /// Requests of each trace workload not offered because the run ended first.
    pub trace_cut: Vec<u64>,
    /// Why reading a replayed trace failed, if it did; a run with one fails.
    pub trace_error: Option<String>,
}

/// Client-side encryption CPU and real-cryptography checks of one variant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CryptoSummary {
    /// Calibration profile that priced client-side encryption (`reference` or a path).
    pub profile: String,
    /// CPU cores per session for client-side encryption (0: it takes no simulated time).
    pub client_cpu_cores: u32,
    /// Core-seconds sessions spent encrypting and decrypting client-side objects (requests
    /// sent after warm-up).
    pub client_cpu_seconds: f64,
    /// That demand over the core-seconds the sessions had in the measured time: above 1 the
    /// cores cannot keep up and requests queue for them.
    pub client_cpu_load: f64,
    /// Objects really encrypted and decrypted with their own keys (`crypto.verify`).
    pub verified_objects: u64,
}

/// The deterministic per-variant block of `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct VariantSummary {
    pub name: String,
    /// The variant's description from the scenario file ("" when none).
    pub description: String,
    pub requests: PerOp<OpCounts>,
    /// Requests of a replayed log that are neither a PUT (or a copy's write) nor a GET:
    /// HEAD, DELETE, multipart-upload calls, the source side of copies. Not in the latency
    /// figures; absent when there are none.
    #[serde(default, skip_serializing_if = "OpCounts::is_zero")]
    pub other_requests: OpCounts,
    pub latency_ms: PerOp<LatencySummary>,
    pub kms: KmsSummary,
    /// The KMS of each Region the scenario uses, when it uses several or replicates (`kms`
    /// holds their totals); absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kms_regions: Vec<RegionSummary>,
    /// `[[replication]]`: replicas written and what they cost; absent without replication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<ReplicationSummary>,
    pub cloudtrail: CloudTrailSummary,
    /// Bucket keys S3 obtained from KMS with GenerateDataKey (new bucket keys for writes).
    pub bucket_keys_issued: u64,
    /// Bucket keys S3 unwrapped with Decrypt to read objects (cache misses on reads).
    pub bucket_keys_decrypted: u64,
    pub s3_slowdown: Slowdown,
    /// KMS calls the buckets' policies denied, by workload and operation (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_denied: Vec<DeniedCalls>,
    pub crypto: CryptoSummary,
    /// Notes from validation that apply to this variant (e.g. a setting that was ignored).
    pub notes: Vec<String>,
    /// Every model parameter's value for this variant and where it came from (scenario
    /// line, override, published fact or assumption), sorted by path.
    pub parameters: Vec<Provenance>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct PerOp<T> {
    pub put: T,
    pub get: T,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct OpCounts {
    /// Requests that arrived (after warm-up).
    pub offered: u64,
    /// Requests that finally succeeded.
    pub completed: u64,
    /// Requests that ran out of attempts or retry quota.
    pub failed: u64,
    /// Attempts beyond the first, over all requests.
    pub retries: u64,
    /// GETs that found no object to read (nothing written yet); never sent.
    pub no_object: u64,
    /// Requests still in flight when the run stopped, [`DRAIN_LIMIT`] after `duration`:
    /// offered = completed + failed + no_object + unfinished.
    ///
    /// [`DRAIN_LIMIT`]: crate::metrics::collector::DRAIN_LIMIT
    #[serde(default)]
    pub unfinished: u64,
    /// Of `failed`, requests S3 answered 403 AccessDenied because the bucket's policies
    /// denied its KMS call (not retried). Absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub denied: u64,
}

impl OpCounts {
    /// Nothing counted.
    pub fn is_zero(&self) -> bool {
        *self == OpCounts::default()
    }
}

/// Latency percentiles in milliseconds (3 decimals), over completed requests.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
pub struct LatencySummary {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct KmsSummary {
    /// The quota this variant ran against, requests per second.
    pub quota_rps: u64,
    /// Calls that reached KMS from this scenario's traffic, throttled ones included.
    pub requests: u64,
    /// Of those, rejected with ThrottlingException.
    pub throttled: u64,
    pub by_operation: ByOperation,
    /// `requests` split by who made them, S3 (server-side encryption) or the client
    /// (client-side encryption): only for scenarios with a bucket's `client_encryption` layer
    /// over a server-side mode, absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_caller: Option<ByCaller>,
    /// Of `requests`, those made to read objects that were in the bucket before the run
    /// (`[bucket.existing]`): the traffic turning bucket keys on does not remove until the
    /// objects are rewritten. Absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub for_existing_objects: u64,
    /// Highest number of this scenario's KMS calls in one simulated second.
    pub peak_rps: u64,
    /// Other applications' calls sharing the quota (`kms.background_rps`), and how many of
    /// them were throttled. Not part of `requests` nor of the cost.
    pub background_requests: u64,
    pub background_throttled: u64,
    /// Cost of the calls KMS served during the measured time, USD.
    pub cost_usd: f64,
    /// The same traffic scaled to a 30-day month (free tier applied when enabled), USD.
    pub cost_usd_per_month: f64,
    /// Customer-managed KMS keys the scenario uses, and their storage cost per month, USD.
    pub keys: u64,
    pub key_cost_usd_per_month: f64,
}

/// One Region's KMS: its quota and the run's calls to it (calls for requests first sent in the
/// measured window, as in [`KmsSummary`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct RegionSummary {
    pub region: String,
    pub quota_rps: u64,
    pub requests: u64,
    pub throttled: u64,
    pub by_operation: ByOperation,
    /// Of `requests`, those the replication role made (source reads and replica writes).
    pub replication_requests: u64,
    pub peak_rps: u64,
    pub background_requests: u64,
    pub background_throttled: u64,
    pub cost_usd: f64,
    /// Scaled to a 30-day month at this Region's price, without the free tier (which is
    /// shared by all Regions and applied to the total only).
    pub cost_usd_per_month: f64,
}

/// What `[[replication]]` did: replicas of objects written in the measured window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ReplicationSummary {
    pub replicas: u64,
    /// Replicas whose ETag differs from their source's (an unencrypted or SSE-S3 source
    /// written into an SSE-KMS destination with a bucket key, aws-facts §3.7).
    pub etag_different: u64,
    /// The replication role's KMS calls, all Regions (each Region's in `kms_regions`).
    pub kms_requests: u64,
    /// Replication steps throttled (KMS or prefix) and retried.
    pub retries: u64,
    /// Replications that failed because a policy denied the role's KMS call (absent when
    /// none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub denied: u64,
    /// Replications not finished when the run ended.
    pub pending_at_end: u64,
    /// Longest time from a source write to its replica, ms.
    pub max_lag_ms: f64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[allow(non_snake_case)]
pub struct ByOperation {
    pub GenerateDataKey: u64,
    pub Decrypt: u64,
    /// Only replication makes it (a replica's data key encrypted under the destination's
    /// key); absent when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub Encrypt: u64,
}

/// KMS calls the bucket's policies denied (measured window), for one workload and operation:
/// each made S3 answer 403 AccessDenied.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeniedCalls {
    pub workload: String,
    pub principal: String,
    pub operation: String,
    pub calls: u64,
    /// `denied (implicit)`: no statement allows; `denied (explicit deny)`: `statement` denies.
    pub decision: String,
    /// The deciding statement and its file, when one decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
}

/// KMS calls by caller: S3's (object- or bucket-ARN context) and the client's own.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct ByCaller {
    pub s3: CallerCalls,
    pub client: CallerCalls,
}

/// One caller's KMS calls: all that reached KMS, those throttled, and by operation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[allow(non_snake_case)]
pub struct CallerCalls {
    pub requests: u64,
    pub throttled: u64,
    pub GenerateDataKey: u64,
    pub Decrypt: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
pub struct CloudTrailSummary {
    /// One event per KMS call (throttled calls are logged with an error code).
    pub kms_events: u64,
    /// Events whose encryption context is `aws:s3:arn` = an object ARN (no bucket key).
    pub object_arn_context: u64,
    /// Events whose encryption context is `aws:s3:arn` = the bucket ARN (bucket key).
    pub bucket_arn_context: u64,
    /// Events from client-side encryption (`cse-kms`): the client's own context.
    pub client_context: u64,
    /// Events per day at the measured rate.
    pub kms_events_per_day: f64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Slowdown {
    /// 503 SlowDown because KMS throttled S3's call.
    pub kms: u64,
    /// 503 SlowDown because a prefix exceeded its request rate.
    pub prefix: u64,
}

/// One simulated second of one variant, or `step` seconds for long runs (all traffic,
/// warm-up and drain included; counts are totals over the row's seconds).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct SecondRow {
    /// The first second the row covers (a multiple of the run's time-series step).
    pub second: u64,
    pub put_offered: u64,
    pub put_completed: u64,
    pub put_failed: u64,
    pub get_offered: u64,
    pub get_completed: u64,
    pub get_failed: u64,
    /// Calls from this scenario that reached KMS (throttled included).
    pub kms_requests: u64,
    pub kms_throttled: u64,
    pub generate_data_key: u64,
    pub decrypt: u64,
    /// Of `kms_requests`, the calls made to read objects that were in the bucket before the
    /// run (written before it, or read by a replayed log that never wrote them).
    pub kms_for_existing: u64,
    pub background_requests: u64,
    pub slowdown_kms: u64,
    pub slowdown_prefix: u64,
    /// Requests in flight (sent or waiting to retry, not yet finished) at the end of the row.
    pub in_flight: u64,
}

/// For `skip_serializing_if`: a count of zero is left out of summary.json.
fn is_zero(n: &u64) -> bool {
    *n == 0
}
