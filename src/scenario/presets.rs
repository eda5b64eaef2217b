//! Presets and the sources behind every default: the KMS request-quota tables by Region
//! (current and legacy), and the short `aws-facts §N` references and assumption notes that
//! validation records as provenance. Numbers come from `docs/aws-facts.md`.

/// A KMS quota preset picked by `kms.region`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionPreset {
    /// The Region name without any `legacy-…:` prefix.
    pub region: String,
    /// `current`, `legacy-2021` or `legacy-2019`.
    pub quota_table: &'static str,
    /// Symmetric cryptographic-operation quota, requests per second.
    pub quota_rps: u64,
    /// `aws-facts §N` reference (`docs/aws-facts.md`) for `quota_rps`.
    pub reference: &'static str,
}

/// The six Regions of the middle tier (20,000 rps today).
pub const MIDDLE_TIER: [&str; 6] = [
    "us-east-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "eu-central-1",
    "eu-west-2",
];
/// The three Regions of the top tier (100,000 rps today).
pub const TOP_TIER: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];

pub const REF_QUOTA_CURRENT: &str =
    "aws-facts §1.1 https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html";
pub const REF_QUOTA_LEGACY_2021: &str = "aws-facts §1.2 legacy-2021 tiers 5,500/10,000/50,000 (archived KMS docs, June 2023); Region lists UNCERTAIN";
pub const REF_QUOTA_LEGACY_2019: &str = "aws-facts §1.2 legacy-2019 tiers 5,500/10,000/30,000 (archived KMS docs, Dec 2019); Region lists from secondary sources, UNCERTAIN";
pub const REF_PRICE: &str = "aws-facts §2 https://aws.amazon.com/kms/pricing/ ($0.03 per 10,000 from secondary sources; UNCERTAIN at the AWS-doc level)";
pub const REF_KEY_PRICE: &str = "aws-facts §2 https://aws.amazon.com/kms/pricing/";
pub const REF_PREFIX_RATES: &str = "aws-facts §13 https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html";
pub const REF_RETRY_MODE: &str = "aws-facts §9 botocore standard mode, the AWS SDKs' shared default; boto3's own default is legacy until the announced switch to standard (no sooner than November 2026, aws-facts §9.2; whether it has shipped is UNCERTAIN) https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html";
pub const REF_BOTOCORE_LEGACY: &str = "aws-facts §9.4 botocore data/_retry.json __default__ (max_attempts 5, base \"rand\", growth_factor 2) and retryhandler.py delay_exponential; no retry quota";
pub const REF_BOTOCORE_STANDARD: &str = "aws-facts §9.1 botocore retries/standard.py and quota.py";
pub const REF_ESDK_CACHE: &str = "aws-facts §10 https://docs.aws.amazon.com/encryption-sdk/latest/developer-guide/thresholds.html";

pub const NOTE_REGION: &str = "no region given";
pub const NOTE_BUCKET_REGION: &str =
    "the bucket is in the Region of the account's KMS (`kms.region`) unless it says otherwise";
pub const NOTE_REPLICATION_LAG: &str = "AWS publishes no lag distribution; S3 Replication Time Control replicates 99.99% of objects within 15 minutes (aws-facts §3.7), most much sooner: median 5 s, p99 1 min assumed";
pub const NOTE_LIMITER: &str =
    "KMS docs describe per-second intervals; burst behaviour UNCERTAIN (aws-facts §1.4)";
pub const NOTE_BURST: &str =
    "no KMS burst allowance is documented (aws-facts §1.4); one second of quota";
pub const NOTE_KMS_LATENCY: &str = "no published KMS latency figure (aws-facts §12)";
pub const NOTE_REPLICATION_ROLE: &str = "a role named s3-replication in the account of the source bucket's KMS key (a replication configuration must name one; its name decides only policy checks and CloudTrail names)";
pub const NOTE_PRINCIPAL: &str = "a role named after the workload, in the account of the bucket's KMS key: only policies that name principals tell them apart";
pub const NOTE_BACKGROUND: &str = "no other KMS traffic in the account and Region";
pub const NOTE_FREE_TIER: &str =
    "free tier (20,000 requests/month, all Regions, aws-facts §2) not applied";
pub const NOTE_FRONTEND_HOSTS: &str = "the size of S3's front-end fleet is not published";
pub const NOTE_BUCKET_KEY_TTL: &str = "bucket-key lifetime not published; analogues: Huawei OBS ≈3m, Kinesis SSE ≈5m (aws-facts §3.1)";
pub const NOTE_S3_LATENCY: &str = "no published S3 latency figure (aws-facts §12)";
pub const NOTE_SINGLE_FLIGHT: &str = "how S3 handles concurrent bucket-key misses is not published";
pub const NOTE_MULTIPART_THRESHOLD: &str = "AWS CLI default multipart_threshold";
pub const NOTE_PART_SIZE: &str = "AWS CLI default multipart_chunksize";
pub const NOTE_TRANSFER_RATE: &str = "object size costs no transfer time";
pub const NOTE_HEAD_BEFORE_GET: &str = "GETs only unless set: whether a client sends HEAD first depends on the SDK call (a download manager does, a plain GetObject does not)";
pub const NOTE_DSSE_KMS_CALLS: &str = "AWS says DSSE-KMS makes \"additional\" KMS API calls without a number (aws-facts §7); 1 charges it like SSE-KMS without a bucket key";
pub const NOTE_CONNECTIONS: &str = "botocore default max_pool_connections";
pub const NOTE_CPU_CORES: &str =
    "0: client-side encryption takes no simulated time unless a scenario gives the clients cores";
pub const NOTE_PROFILE: &str =
    "calibration/reference.json, measured with bksim crypto calibrate on the reference machine";
pub const NOTE_VERIFY: &str = "verification is opt-in: it costs real CPU time, not simulated time";
pub const NOTE_POOL: &str =
    "botocore/urllib3 (block=False) opens an extra connection when the pool is busy";
pub const NOTE_SEED: &str = "bksim default seed";
pub const NOTE_WARMUP: &str = "statistics include the whole run";
pub const NOTE_BUCKET_KEY: &str = "S3 Bucket Keys off unless the scenario enables them";
pub const NOTE_KMS_KEY: &str = "made-up customer managed key ARN in kms.region";
pub const NOTE_CLIENT_KMS_KEY: &str = "the client-side layer encrypts under the bucket's own KMS key unless the scenario names another (an application's choice, no published default)";
pub const NOTE_PREFIXES: &str = "all objects under one partitioned prefix";
pub const NOTE_WRITER_SESSIONS: &str = "objects written by one session";
pub const NOTE_EXISTING_BUCKET_KEY: &str =
    "objects keep the encryption they were written with: the bucket_key the file gives the bucket";
pub const NOTE_EXISTING_SIZE: &str = "object size is workload-specific";
pub const NOTE_SESSIONS: &str = "one requester (IAM) session";
pub const NOTE_SIZE: &str = "object size is workload-specific";
pub const NOTE_THINK: &str = "no think time between requests";
pub const NOTE_TRACE_FORMAT: &str = "each file's format is recognised from its first line";
pub const NOTE_SPEED: &str = "the log's own pace";
pub const NOTE_MAX_BAD_LINES: &str = "a few unreadable lines are usual in logs gathered by hand; more means the wrong file or format";
pub const NOTE_REPLAY_EXISTING: &str =
    "a log does not say how or when the objects it reads but never writes were written";
pub const NOTE_REQUESTS: &str =
    "a workload sends requests for the whole run unless it is given a number of them";
pub const NOTE_AFTER: &str = "a workload starts at time 0 unless it follows another";
pub const NOTE_SESSIONS_OF: &str =
    "a workload has sessions of its own unless it shares another workload's";
pub const NOTE_OBJECTS: &str =
    "a get workload reading what one workload wrote reads every object it wrote, in order";
pub const NOTE_READ_FROM: &str =
    "the bucket's existing objects when it has some, else objects written in this run";

/// Whether `name` is a well-formed AWS Region name: `xx-word-N` or `xx-gov-word-N`.
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let (geo, rest) = match parts.as_slice() {
        [geo, "gov", rest @ ..] => (*geo, rest),
        [geo, rest @ ..] => (*geo, rest),
        [] => return false,
    };
    let [area, number] = rest else {
        return false;
    };
    geo.len() == 2
        && geo.chars().all(|c| c.is_ascii_lowercase())
        && !area.is_empty()
        && area.chars().all(|c| c.is_ascii_lowercase())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// What is wrong with a Region name, if anything: the message and how to fix it, as every
/// check of a Region name reports it (a scenario's `kms.region` and `region` keys,
/// `bksim policy-check --region`).
pub fn region_name_problem(name: &str) -> Option<(String, String)> {
    (!is_region_name(name)).then(|| {
        (
            format!("'{name}' is not an AWS Region name"),
            "Region names look like us-east-1, eu-central-1 or us-gov-west-1".into(),
        )
    })
}

/// Picks the quota preset for `kms.region`: a Region name (current table) or
/// `legacy-2021:<region>` / `legacy-2019:<region>`. Errors are plain messages.
pub fn region_preset(spec: &str) -> Result<RegionPreset, (String, Option<String>)> {
    let (table, region) = match spec.split_once(':') {
        None => ("current", spec),
        Some(("legacy-2021", r)) => ("legacy-2021", r),
        Some(("legacy-2019", r)) => ("legacy-2019", r),
        Some((other, _)) => {
            return Err((
                format!("unknown quota table '{other}'"),
                Some("write a Region name, or legacy-2021:<region> or legacy-2019:<region>".into()),
            ));
        }
    };
    if let Some((message, hint)) = region_name_problem(region) {
        return Err((message, Some(hint)));
    }
    let tier = if TOP_TIER.contains(&region) {
        2
    } else if MIDDLE_TIER.contains(&region) {
        1
    } else {
        0
    };
    let (quota_rps, reference) = match table {
        "current" => ([10_000, 20_000, 100_000][tier], REF_QUOTA_CURRENT),
        "legacy-2021" => ([5_500, 10_000, 50_000][tier], REF_QUOTA_LEGACY_2021),
        _ => ([5_500, 10_000, 30_000][tier], REF_QUOTA_LEGACY_2019),
    };
    Ok(RegionPreset {
        region: region.to_string(),
        quota_table: table,
        quota_rps,
        reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "eu-central-1",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-10",
        ] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "useast-1",
            "US-EAST-1",
            "us-east-1a",
            "u-east-1",
            "us--1",
            "us-gov-1",
            "us-east-1-2",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn current_table() {
        let q = |r: &str| region_preset(r).unwrap().quota_rps;
        for r in TOP_TIER {
            assert_eq!(q(r), 100_000, "{r}");
        }
        for r in MIDDLE_TIER {
            assert_eq!(q(r), 20_000, "{r}");
        }
        assert_eq!(q("sa-east-1"), 10_000);
        assert_eq!(q("cn-north-1"), 10_000);
        assert_eq!(region_preset("us-east-1").unwrap().quota_table, "current");
    }

    #[test]
    fn legacy_tables() {
        let p = region_preset("legacy-2021:us-east-1").unwrap();
        assert_eq!(
            (p.region.as_str(), p.quota_table, p.quota_rps),
            ("us-east-1", "legacy-2021", 50_000)
        );
        assert_eq!(
            region_preset("legacy-2021:eu-central-1").unwrap().quota_rps,
            10_000
        );
        assert_eq!(
            region_preset("legacy-2021:sa-east-1").unwrap().quota_rps,
            5_500
        );
        assert_eq!(
            region_preset("legacy-2019:us-west-2").unwrap().quota_rps,
            30_000
        );
        assert_eq!(
            region_preset("legacy-2019:eu-west-2").unwrap().quota_rps,
            10_000
        );
        assert_eq!(
            region_preset("legacy-2019:sa-east-1").unwrap().quota_rps,
            5_500
        );
        assert!(region_preset("legacy-2020:us-east-1").is_err());
        assert!(region_preset("legacy-2021:mars-1").is_err());
    }
}
