//! The validated scenario: plain data the simulation model reads, every value checked and in
//! internal units (nanoseconds, bytes, requests per second). Nothing here knows about TOML.

use super::error::Site;
pub use super::validate::{Expect, Expectation, MAX_MEASURED, Tolerance};
use crate::engine::time::Nanos;
use crate::mode::Mode;
use crate::replay::load::{Trace, TraceSpec};
use std::path::PathBuf;
use std::sync::Arc;

/// A scenario with one variant's overrides applied and every value validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    /// Simulated time during which new requests arrive. In-flight work drains after it.
    pub duration: Nanos,
    /// Requests first sent before this time (and KMS calls made before it) are left out of
    /// the statistics. The time series keeps every second.
    pub warmup: Nanos,
    pub kms: KmsConfig,
    /// The KMS of each Region the buckets use: the first is `kms` itself (its Region), the
    /// others in the order buckets first use them (`[kms.regions."<region>"]`, each key
    /// defaulting as in `[kms]`). A bucket's [`Bucket::region`] indexes this list.
    pub regions: Vec<KmsConfig>,
    /// `[[replication]]` rules, in the order written.
    pub replication: Vec<ReplicationRule>,
    pub s3: S3Config,
    pub client: ClientConfig,
    pub crypto: CryptoConfig,
    pub buckets: Vec<Bucket>,
    pub workloads: Vec<Workload>,
    /// Measured values to show beside the model's (`[[expect]]`), in the order written.
    pub expect: Vec<Expect>,
    /// Workloads that replay a log (`[[workload]]` with `trace`).
    pub traces: Vec<TraceWorkload>,
    /// Plain-language notes produced by validation that a user must see (for example "bucket
    /// keys are not supported with DSSE-KMS: the setting is ignored for bucket 'x'").
    pub notes: Vec<String>,
    /// Where each model parameter's value came from (scenario file, override, published AWS
    /// fact or assumption). Ordered by parameter path; feeds the "Assumptions" report section.
    pub provenance: Vec<Provenance>,
}

/// Where one parameter's value came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// Dotted path, e.g. `kms.quota_rps`.
    pub path: String,
    /// The value as the user would write it, e.g. `"10000"` or `"5m"`.
    pub value: String,
    pub source: ValueSource,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ValueSource {
    /// Set in the scenario file at this line.
    Scenario { line: usize },
    /// Set by a variant's `set` table or by `--set`.
    Override { by: String },
    /// A default that is a published AWS fact; `reference` names the `docs/aws-facts.md`
    /// section (`aws-facts §N`) and URL.
    Fact { reference: String },
    /// A default that is an assumption (no published figure); `note` says why this value.
    Assumption { note: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct KmsConfig {
    /// AWS Region name as written (`eu-central-1`), without any `legacy-2021:` prefix.
    pub region: String,
    /// Which quota table the region preset came from: `current` or `legacy-2021`.
    pub quota_table: String,
    /// Requests per second for the shared symmetric cryptographic-operation quota.
    pub quota_rps: u64,
    pub limiter: LimiterKind,
    pub latency: LatencyDist,
    /// Other applications' calls in the same account and Region (Poisson), requests/s.
    pub background_rps: f64,
    /// USD per 10,000 requests.
    pub price_per_10k: f64,
    /// Subtract the 20,000 free requests per month from the monthly cost.
    pub free_tier: bool,
    /// USD per customer-managed KMS key per month (storage).
    pub key_price_per_month: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LimiterKind {
    /// At most `quota_rps` calls admitted in each aligned one-second window.
    FixedWindow,
    /// Tokens refill at `quota_rps` per second up to `burst`; the bucket starts full.
    TokenBucket { burst: u64 },
}

/// A latency distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LatencyDist {
    Fixed(Nanos),
    /// Lognormal fitted to a median and a 99th percentile (p99 >= median).
    LogNormal {
        median: Nanos,
        p99: Nanos,
    },
    /// Exponential with the given mean (for queueing checks against analytic results).
    Exponential {
        mean: Nanos,
    },
}

/// The standard normal quantile of 0.99: a lognormal's p99 is `median · e^(σ · Z99)`.
pub const Z99: f64 = 2.326_347_874_040_841;

/// Longest latency or lag a distribution draws: one simulated hour (a lognormal tail must not
/// stall the run).
pub const MAX_DRAWN_LATENCY: Nanos = 3_600_000_000_000;

impl LatencyDist {
    /// The mean, in nanoseconds, of the draws (each at most [`MAX_DRAWN_LATENCY`]; the
    /// lognormal's mean `median · e^(σ²/2)` is taken uncapped, then capped, an upper bound).
    pub fn mean_ns(&self) -> f64 {
        let mean = match *self {
            LatencyDist::Fixed(t) => t as f64,
            LatencyDist::LogNormal { median, p99 } if p99 > median && median > 0 => {
                let sigma = ((p99 as f64).ln() - (median as f64).ln()) / Z99;
                median as f64 * (sigma * sigma / 2.0).exp()
            }
            LatencyDist::LogNormal { median, .. } => median as f64,
            LatencyDist::Exponential { mean } => mean as f64,
        };
        mean.min(MAX_DRAWN_LATENCY as f64)
    }
}

/// An object size distribution, in bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SizeDist {
    Fixed(u64),
    LogNormal { median: u64, p99: u64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct S3Config {
    pub frontend_hosts: u32,
    /// How long S3 keeps a bucket key after KMS returned it.
    pub bucket_key_ttl: Nanos,
    /// S3's own service time per request, KMS time excluded.
    pub latency: LatencyDist,
    /// Per-prefix request rates; 0 = unlimited.
    pub prefix_put_rps: u64,
    pub prefix_get_rps: u64,
    /// Concurrent misses of one bucket-key cache entry wait for a single KMS call.
    pub single_flight: bool,
    /// Objects at or above this size are uploaded as multipart uploads.
    pub multipart_threshold: u64,
    pub multipart_part_size: u64,
    /// Bytes per second one connection moves (upload or download); `None` = size costs no time.
    pub transfer_rate: Option<f64>,
    /// KMS calls S3 makes per object with dsse-kms where SSE-KMS makes one (each a
    /// GenerateDataKey on write, a Decrypt on read); an assumption (aws-facts §7).
    pub dsse_kms_calls_per_object: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    None,
    Standard,
    Adaptive,
    /// botocore's legacy (v1) retry handler: 5 attempts, uncapped `rand · 2^(n−1)` s backoff,
    /// no retry quota (aws-facts §9.4).
    Legacy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    pub retry: RetryMode,
    /// Attempts including the first (1 when `retry` is `None`).
    pub max_attempts: u32,
    pub base_delay: Nanos,
    pub max_backoff: Nanos,
    /// Retry-quota tokens per session; 0 disables the quota.
    pub retry_quota: u32,
    /// Tokens one retry takes from the quota.
    pub retry_cost: u32,
    pub connections_per_session: u32,
    /// What a request does when all of its session's pooled connections are busy.
    pub pool: PoolPolicy,
    /// Client-side data-key cache for `cse-kms` (AWS Encryption SDK caching semantics).
    pub data_key_cache: Option<DataKeyCache>,
    /// CPU cores per session that encrypt and decrypt client-side (`cse-kms`) objects; 0 =
    /// encryption takes no simulated time.
    pub cpu_cores: u32,
}

/// Real cryptography in a run: the calibration profile that prices client-side encryption,
/// and whether to really encrypt and decrypt a sample of objects.
#[derive(Debug, Clone, PartialEq)]
pub struct CryptoConfig {
    /// `reference` (the profile shipped in calibration/reference.json) or the profile file's
    /// path as written.
    pub profile: String,
    /// The profile file (relative paths resolved against the scenario file's folder); None
    /// for `reference`.
    pub profile_path: Option<PathBuf>,
    /// Where `profile` was set, for the error when the profile cannot be loaded.
    pub profile_site: Site,
    /// What client-side encryption costs, from the profile: None until the caller loaded it
    /// (`prepare::variant`).
    pub cse_cost: Option<CseCost>,
    /// Really encrypt and decrypt a sample of the run's objects with their own keys and fail
    /// the run on any mismatch.
    pub verify: bool,
    /// How many objects per variant `verify` checks (the first ones written).
    pub verify_objects: u32,
}

/// Client-side encryption (cse-kms, AES-256-GCM) on one core, from the calibration profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CseCost {
    /// Cost per object, ns.
    pub per_object_ns: f64,
    /// Throughput, bytes per second.
    pub bytes_per_sec: f64,
}

/// Connection-pool behaviour when every pooled connection is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolPolicy {
    /// botocore/urllib3 (`block=False`): open an extra connection (to a front-end host of its
    /// own); at most `connections_per_session` idle connections are kept for reuse.
    Grow,
    /// Wait for a pooled connection (Java SDK v2 / Apache client): the pool is a queue with
    /// `connections_per_session` servers.
    Wait,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataKeyCache {
    pub max_age: Nanos,
    pub max_messages: u64,
    pub max_bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub name: String,
    /// The bucket's name in logs that a trace workload replays (`name` unless set).
    pub s3_name: String,
    pub encryption: Mode,
    /// Effective setting: always false for modes that cannot use a bucket key.
    pub bucket_key: bool,
    pub kms_key: String,
    /// The bucket's default KMS key changes to another at a time in the run (server-side KMS
    /// modes only): writes from then on use the new key, objects written before keep theirs.
    pub kms_key_change: Option<KeyChange>,
    pub prefixes: u32,
    /// Index in [`Scenario::regions`] of the bucket's Region (`region`, default `kms.region`):
    /// every KMS call for this bucket goes to that Region's KMS.
    pub region: u32,
    /// Objects that exist before the run starts, for GET workloads.
    pub existing: Option<Population>,
    /// Whether objects written before the run used a bucket key when nothing says otherwise:
    /// the bucket's `bucket_key` in the scenario file, before any variant or `--set` (turning
    /// bucket keys on changes the run's writes, not the history of what is already there).
    /// False for modes that cannot use a bucket key.
    pub history_bucket_key: bool,
    /// The key policy and IAM policies each KMS call for this bucket is checked against
    /// (`key_policy`, `iam_policies`); `None`: calls are not checked.
    pub policies: Option<BucketPolicies>,
    /// A client-side encryption layer on top of the bucket's server-side `encryption`
    /// (`client_encryption = "cse-kms"`); None without one (and always for a `cse-kms` bucket).
    pub client_layer: Option<ClientLayer>,
}

/// The account of the default KMS key (the documentation's example account), and of an ARN
/// that names none.
pub const DEFAULT_ACCOUNT: &str = "111122223333";

/// The account (fifth field) of an ARN such as a validated KMS key's, else
/// [`DEFAULT_ACCOUNT`].
pub fn arn_account(arn: &str) -> &str {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .unwrap_or(DEFAULT_ACCOUNT)
}

/// The Region (fourth field) of an ARN, if it names one.
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// The principal of a workload that names none (`principal`'s default).
pub fn default_principal(workload: &str, account: &str) -> String {
    format!("arn:aws:iam::{account}:role/{workload}")
}

/// A bucket's policies, parsed once and shared by every variant.
#[derive(Debug, Clone)]
pub struct BucketPolicies {
    pub set: Arc<crate::policy::PolicySet>,
    /// The files as the scenario names them (key policy first).
    pub files: Vec<String>,
}

impl PartialEq for BucketPolicies {
    fn eq(&self, other: &Self) -> bool {
        self.files == other.files
    }
}

/// `[[replication]]`: every object written to bucket `from` (PUT, multipart upload, copy
/// destination) is replicated to bucket `to` after a lag drawn from `lag`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationRule {
    /// Index of the source bucket.
    pub from: usize,
    /// Index of the destination bucket.
    pub to: usize,
    pub lag: LatencyDist,
    /// The IAM role S3 assumes to replicate (`role`): the principal of its KMS calls.
    pub role: String,
}

/// `client_encryption = "cse-kms"` on a server-side bucket: the client encrypts each object
/// itself (as `cse-kms` does: its KMS calls through `client.data_key_cache`, its CPU) and S3
/// then encrypts the ciphertext again with the bucket's own mode.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientLayer {
    /// The KMS key the client's data keys are generated under (`client_kms_key`, by default
    /// the bucket's `kms_key`).
    pub kms_key: String,
}

/// `kms_key_change = { at, to }`: from simulated time `at`, the bucket's default KMS key is
/// `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyChange {
    pub at: Nanos,
    pub to: String,
}

/// Objects already in a bucket when the run starts, described statistically so that no
/// per-object state is kept: object `i` was written at a time spread evenly over
/// `written_over` before the start, by one of `writer_sessions` sessions, on one host.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub objects: u64,
    pub written_over: Nanos,
    pub writer_sessions: u32,
    /// The objects written in the last `bucket_key_since` of `written_over` used a bucket key
    /// (0: none did; `written_over`: all did).
    pub bucket_key_since: Nanos,
    pub size: SizeDist,
}

impl Population {
    /// How many objects were written without a bucket key: the oldest ones, object `i` being
    /// written at floor(i·W/N), those before W − `bucket_key_since`, i.e. objects 0 to
    /// ceil((W − since)·N / W) − 1.
    pub fn without_bucket_key(&self) -> u64 {
        let w = self.written_over.max(1) as u128;
        let before = w - (self.bucket_key_since as u128).min(w);
        (before * self.objects.max(1) as u128).div_ceil(w) as u64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Put,
    Get,
    /// CopyObject (or one task of an S3 Batch Operations copy job): S3 reads the source
    /// object with its key and writes the destination with the destination bucket's settings.
    Copy,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Put => "put",
            Op::Get => "get",
            Op::Copy => "copy",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The bucket's pre-existing population.
    Existing,
    /// Objects written earlier in this run (a bounded, uniform sample of them).
    Written,
    /// The objects one put workload wrote, by the order its PUTs completed: positions
    /// `first..=last` (1-based), read in order and cycling.
    Workload {
        writer: usize,
        first: u64,
        last: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub name: String,
    /// Index into `Scenario::buckets`.
    pub bucket: usize,
    pub op: Op,
    pub arrival: Arrival,
    pub sessions: u32,
    /// Object sizes for PUT. GETs of existing objects use the population's sizes, GETs of
    /// written objects the size each was written with.
    pub size: SizeDist,
    pub read_from: ReadFrom,
    /// Requests the workload offers before it stops (open loop: arrivals stop; closed loop:
    /// in total over its clients); `None` = until the end of the run.
    pub requests: Option<u64>,
    /// Index of the workload whose end (its last request finished) starts this one; `None` =
    /// it starts at time 0. That workload always has `requests`.
    pub after: Option<usize>,
    /// Index of the workload whose sessions this one sends from (chains resolved to the
    /// owner); `sessions` is then 0, as it has none of its own.
    pub sessions_of: Option<usize>,
    /// HEAD requests of a read workload (`op = "head"` is `Op::Get` with `HeadCall::Only`).
    pub head: HeadCall,
    /// PUT on a server-side KMS bucket: the KMS key its requests name
    /// (`x-amz-server-side-encryption-aws-kms-key-id`); `None` = the bucket's default key.
    pub kms_key: Option<String>,
    /// PUT on an `sse-kms` bucket: the `x-amz-server-side-encryption-bucket-key-enabled`
    /// header; `None` = the bucket's setting decides.
    pub bucket_key: Option<bool>,
    /// Copy workloads: index of the source bucket (`from`; the workload's own `bucket` when
    /// unset, an in-place re-encryption). `None` for put and get workloads.
    pub copy_from: Option<usize>,
    /// The IAM principal whose requests these are (`principal`): what a bucket's policies
    /// are evaluated for.
    pub principal: String,
    /// PUT: the client-side layer its objects get over the bucket's server-side mode (its
    /// `client_encryption` and `client_kms_key`, by default the bucket's); `None` without
    /// one, and for other operations (a read uses the layers that wrote the object).
    pub client_layer: Option<ClientLayer>,
}

/// The HEAD requests of a read workload: a HEAD makes no KMS call and counts against the
/// prefix's GET/HEAD rate (aws-facts §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeadCall {
    /// GETs only.
    #[default]
    None,
    /// `op = "head"`: HEADs only (counted with the "other" requests).
    Only,
    /// `head_before_get = true`: a HEAD, then the GET, in the same session (as SDK downloads).
    BeforeGet,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arrival {
    /// Open loop, exponential inter-arrival times at `rate` (modulated by `profile`).
    Poisson { rate: f64, profile: RateProfile },
    /// Open loop, evenly spaced at `rate` (modulated by `profile`), the first at time 0.
    Constant { rate: f64, profile: RateProfile },
    /// Closed loop: `concurrency` clients, each sending its next request `think` after its
    /// last one ended.
    Closed { concurrency: u32, think: Nanos },
}

/// The finest time step of a rate profile (1 ms): ramps and diurnal curves are followed in
/// steps of it, and bursts repeat no more often (constant arrivals walk every burst).
pub const PROFILE_STEP: Nanos = 1_000_000;

/// How an open-loop rate changes over simulated time. `base` is the arrival's `rate`.
#[derive(Debug, Clone, PartialEq)]
pub enum RateProfile {
    Flat,
    /// From `at[i]` on, the rate is `rate[i]`; before `at[0]`, the base rate. `at` ascending.
    Steps {
        at: Vec<Nanos>,
        rate: Vec<f64>,
    },
    /// Linear from the base rate at `start` to `to` at `end`, `to` afterwards.
    Ramp {
        to: f64,
        start: Nanos,
        end: Nanos,
    },
    /// `rate` during [at, at + length) (repeating every `every` when set), base elsewhere.
    Burst {
        rate: f64,
        at: Nanos,
        length: Nanos,
        every: Option<Nanos>,
    },
    /// base · (trough + (1 − trough) · (1 + cos(2π (t − peak_at) / period)) / 2).
    Diurnal {
        period: Nanos,
        trough: f64,
        peak_at: Nanos,
    },
}

impl Arrival {
    /// Requests per second at the arrival's peak, for the bounds `validate` puts on what a
    /// rate fills: open loop, the profile's peak; closed loop, each client one request per
    /// think time plus a mean `latency` (at least 1 ms).
    pub fn peak_rate(&self, latency: &LatencyDist) -> f64 {
        match self {
            Arrival::Poisson { rate, profile } | Arrival::Constant { rate, profile } => {
                profile.peak(*rate)
            }
            Arrival::Closed { concurrency, think } => {
                let cycle = (*think as f64 + latency.mean_ns()).max(1e6);
                *concurrency as f64 * 1e9 / cycle
            }
        }
    }
}

impl RateProfile {
    /// The highest rate the profile ever reaches over `base` (the thinning envelope).
    pub fn peak(&self, base: f64) -> f64 {
        match self {
            RateProfile::Flat | RateProfile::Diurnal { .. } => base,
            RateProfile::Steps { rate, .. } => rate.iter().copied().fold(base, f64::max),
            RateProfile::Ramp { to, .. } => base.max(*to),
            RateProfile::Burst { rate, .. } => base.max(*rate),
        }
    }
}

/// A workload that replays a log: its requests, times, buckets and sessions come from the log.
#[derive(Debug, Clone)]
pub struct TraceWorkload {
    pub name: String,
    /// The log's files and format, paths resolved against the scenario file's folder.
    pub spec: TraceSpec,
    /// Logged time divided by `speed` is simulated time.
    pub speed: f64,
    /// The paths as written in the scenario (for the report).
    pub written: Vec<String>,
    /// Where `trace` was written, for problems found when the log is read.
    pub site: Site,
    /// The log, read and ordered: None until the caller loaded it (`prepare::variant`).
    pub trace: Option<Arc<Trace>>,
    /// The scenario bucket of each of the trace's buckets (set with `trace`).
    pub buckets: Vec<usize>,
}

impl PartialEq for TraceWorkload {
    /// Equal settings, and the same loaded log (or none).
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
            && self.spec == o.spec
            && self.speed == o.speed
            && self.written == o.written
            && self.site == o.site
            && self.buckets == o.buckets
            && match (&self.trace, &o.trace) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }
}
