//! The model's analytic checks again, this time from scenario text through the parser, so the
//! file format's keys demonstrably reach the model with the meaning the docs give them.

use bksim::model::run_variant;
use bksim::prepare;
use bksim::scenario::{Override, ScenarioFile};
use std::path::Path;

fn scenario(text: &str, variant: Option<&str>, sets: &[&str]) -> bksim::scenario::Scenario {
    let f = ScenarioFile::parse(Path::new("test.toml"), text).expect("valid scenario");
    let extra: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse_cli(s).unwrap())
        .collect();
    prepare::variant(&f, variant, &extra).expect("resolves")
}

const BASE: &str = r#"
name = "analytic"
seed = 9
duration = "60s"

[kms]
region = "eu-west-3"            # 10,000 rps tier, overridden below
quota_rps = 1000
latency = "5ms"

[s3]
latency = "10ms"
prefix_put_rps = 0

[client]
retry = "none"

[[bucket]]
name = "b"
encryption = "sse-kms"

[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "poisson", rate = 2000 }
sessions = 4
"#;

#[test]
fn fixed_window_from_the_file_admits_q_per_second() {
    let sc = scenario(BASE, Some("per-object"), &[]);
    assert_eq!(sc.kms.quota_rps, 1000);
    let s = run_variant("per-object", &sc, None).summary;
    let done = s.requests.put.completed as f64;
    assert!((done / 60_000.0 - 1.0).abs() < 0.01, "{done}");
    assert_eq!(s.requests.put.retries, 0);
}

#[test]
fn token_bucket_from_the_file_admits_qt_plus_b() {
    let sc = scenario(
        BASE,
        Some("per-object"),
        &["kms.limiter=token-bucket", "kms.burst=3000"],
    );
    let s = run_variant("per-object", &sc, None).summary;
    let done = s.requests.put.completed as f64;
    assert!((done / 63_000.0 - 1.0).abs() < 0.01, "{done}");
}

#[test]
fn region_preset_sets_the_quota_the_model_uses() {
    let text = BASE.replace("quota_rps = 1000\n", "");
    let sc = scenario(&text, Some("per-object"), &["kms.region=eu-central-1"]);
    assert_eq!(sc.kms.quota_rps, 20_000);
    let s = run_variant("per-object", &sc, None).summary;
    assert_eq!(s.kms.quota_rps, 20_000);
    assert_eq!(s.kms.throttled, 0);
    assert_eq!(s.kms.by_operation.GenerateDataKey, s.requests.put.completed);
}

#[test]
fn bucket_keys_from_the_file_follow_ceil_d_over_t() {
    let text = r#"
name = "ttl"
duration = "10m"
[kms]
latency = "0ms"
[s3]
frontend_hosts = 1
bucket_key_ttl = "45s"
latency = "0ms"
[client]
connections_per_session = 1
[[bucket]]
name = "b"
encryption = "sse-kms"
bucket_key = true
[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "constant", rate = 20 }
"#;
    let f = ScenarioFile::parse(Path::new("ttl.toml"), text).unwrap();
    // No [[variant]]: the defaults are per-object and bucket-key.
    let names: Vec<&str> = f.variants().iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["per-object", "bucket-key"]);
    let sc = prepare::variant(&f, Some("bucket-key"), &[]).unwrap();
    let s = run_variant("bucket-key", &sc, None).summary;
    assert_eq!(s.bucket_keys_issued, 600u64.div_ceil(45));
    let sc = prepare::variant(&f, Some("per-object"), &[]).unwrap();
    let s = run_variant("per-object", &sc, None).summary;
    assert_eq!(s.bucket_keys_issued, 0);
    assert_eq!(s.kms.requests, s.requests.put.offered);
}

#[test]
fn dsse_ignores_bucket_keys_and_says_so() {
    let text = BASE.replace(
        "encryption = \"sse-kms\"",
        "encryption = \"dsse-kms\"\nbucket_key = true",
    );
    let sc = scenario(&text, None, &["kms.quota_rps=100000"]);
    assert!(
        sc.notes.iter().any(|n| n.contains("DSSE")),
        "{:?}",
        sc.notes
    );
    let s = run_variant("v", &sc, None).summary;
    assert_eq!(s.bucket_keys_issued, 0);
    assert_eq!(s.kms.requests, s.requests.put.offered);
    assert!(s.notes.iter().any(|n| n.contains("DSSE")));
}
