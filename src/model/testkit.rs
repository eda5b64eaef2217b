//! A programmatic scenario builder for model tests and benchmarks, independent of the file
//! format: every field set explicitly, with the same defaults the scenario file documents.

use crate::engine::time::{NANOS_PER_MILLI, NANOS_PER_SEC, Nanos};
use crate::mode::Mode;
use crate::scenario::*;

/// A one-bucket, one-workload scenario: Poisson PUTs at `rate` against `quota_rps`.
pub fn simple(rate: f64, quota_rps: u64, duration_s: u64) -> Scenario {
    Scenario {
        name: "test".into(),
        description: String::new(),
        seed: 42,
        duration: duration_s * NANOS_PER_SEC,
        warmup: 0,
        kms: KmsConfig {
            region: "eu-central-1".into(),
            quota_table: "current".into(),
            quota_rps,
            limiter: LimiterKind::FixedWindow,
            latency: LatencyDist::LogNormal {
                median: 10 * NANOS_PER_MILLI,
                p99: 50 * NANOS_PER_MILLI,
            },
            background_rps: 0.0,
            price_per_10k: 0.03,
            free_tier: false,
            key_price_per_month: 1.0,
        },
        s3: S3Config {
            frontend_hosts: 100,
            bucket_key_ttl: 300 * NANOS_PER_SEC,
            latency: LatencyDist::LogNormal {
                median: 20 * NANOS_PER_MILLI,
                p99: 120 * NANOS_PER_MILLI,
            },
            prefix_put_rps: 3500,
            prefix_get_rps: 5500,
            single_flight: true,
            multipart_threshold: 8 << 20,
            multipart_part_size: 8 << 20,
            transfer_rate: None,
        },
        client: ClientConfig {
            retry: RetryMode::Standard,
            max_attempts: 3,
            base_delay: NANOS_PER_SEC,
            max_backoff: 20 * NANOS_PER_SEC,
            retry_quota: 500,
            retry_cost: 5,
            connections_per_session: 10,
            pool: PoolPolicy::Grow,
            data_key_cache: None,
            cpu_cores: 0,
        },
        crypto: CryptoConfig {
            profile: "reference".into(),
            profile_path: None,
            profile_site: Site::new(std::path::Path::new("testkit"), None),
            cse_cost: Some(CseCost {
                per_object_ns: 611.0,
                bytes_per_sec: 16.8e9,
            }),
            verify: false,
            verify_objects: 100,
        },
        buckets: vec![Bucket {
            name: "b".into(),
            encryption: Mode::SseKms,
            bucket_key: false,
            kms_key: "arn:aws:kms:eu-central-1:111122223333:key/test".into(),
            prefixes: 16,
            existing: None,
        }],
        workloads: vec![Workload {
            name: "w".into(),
            bucket: 0,
            op: Op::Put,
            arrival: Arrival::Poisson {
                rate,
                profile: RateProfile::Flat,
            },
            sessions: 10,
            size: SizeDist::Fixed(256 << 10),
            read_from: ReadFrom::Written,
        }],
        notes: vec![],
        provenance: vec![],
    }
}

/// Fixed latency helper.
pub fn fixed(ms: u64) -> LatencyDist {
    LatencyDist::Fixed(ms * NANOS_PER_MILLI)
}

/// Nanoseconds from seconds.
pub fn secs(s: u64) -> Nanos {
    s * NANOS_PER_SEC
}
