//! Replication and per-Region KMS: KMS calls counted by hand on small runs (one front-end host,
//! a fixed lag, so every call is known) in the right Region's counters and cost, the ETag
//! count, determinism, and bad input (exit 2 naming file, line and key).

use std::path::Path;

use bksim::metrics::results::VariantSummary;
use bksim::model::run_variant;
use bksim::scenario::ScenarioFile;

use super::common::{bksim, text};

/// Runs `toml` (its one variant) and returns its summary.
fn run(toml: &str) -> VariantSummary {
    let file = ScenarioFile::parse(Path::new("repl-test.toml"), toml).expect("parses");
    let mut sc = file
        .resolve(None, &[])
        .unwrap_or_else(|e| panic!("resolves: {e}"));
    bksim::prepare::load_profile(&mut sc).expect("profile");
    run_variant("v", &sc, None).summary
}

/// 20 PUTs (10/s for 2 s) into `src` (encryption `src_enc`, us-east-1) replicated after exactly
/// 1 s to `dst` in us-west-2 (sse-kms, bucket keys `dst_bk`), whose KMS costs $0.05 per 10,000.
fn scenario(src_enc: &str, dst_bk: bool) -> String {
    format!(
        r#"
name = "repl-test"
seed = 3
duration = "10s"
[kms]
region = "us-east-1"
[kms.regions."us-west-2"]
price_per_10k = 0.05
[s3]
frontend_hosts = 1
[[bucket]]
name = "src"
encryption = "{src_enc}"
[[bucket]]
name = "dst"
region = "us-west-2"
encryption = "sse-kms"
bucket_key = {dst_bk}
kms_key = "arn:aws:kms:us-west-2:111122223333:key/dst"
[[replication]]
from = "src"
to = "dst"
lag = "1s"
[[workload]]
name = "w"
bucket = "src"
op = "put"
arrival = {{ kind = "constant", rate = 10 }}
requests = 20
"#
    )
}

#[test]
fn cross_region_per_object_costs_a_decrypt_at_the_source_and_an_encrypt_at_the_destination() {
    let v = run(&scenario("sse-kms", false));
    let r = &v.kms_regions;
    assert_eq!(r.len(), 2);
    // us-east-1: the 20 PUTs' GenerateDataKey and the role's 20 Decrypts of the sources.
    assert_eq!(r[0].region, "us-east-1");
    assert_eq!(r[0].requests, 40);
    assert_eq!(r[0].by_operation.GenerateDataKey, 20);
    assert_eq!(r[0].by_operation.Decrypt, 20);
    assert_eq!(r[0].by_operation.Encrypt, 0);
    assert_eq!(r[0].replication_requests, 20);
    // us-west-2: one Encrypt per replica, nothing else.
    assert_eq!(r[1].region, "us-west-2");
    assert_eq!(r[1].requests, 20);
    assert_eq!(r[1].by_operation.Encrypt, 20);
    assert_eq!(
        r[1].by_operation.GenerateDataKey + r[1].by_operation.Decrypt,
        0
    );
    assert_eq!(r[1].replication_requests, 20);
    // Each Region at its own price: 40 × $0.03 / 10,000 and 20 × $0.05 / 10,000.
    assert!((r[0].cost_usd - 0.00012).abs() < 1e-12, "{}", r[0].cost_usd);
    assert!((r[1].cost_usd - 0.0001).abs() < 1e-12, "{}", r[1].cost_usd);
    assert!(
        (v.kms.cost_usd - 0.00022).abs() < 1e-12,
        "{}",
        v.kms.cost_usd
    );
    // The totals keep their meaning: every call, every Region.
    assert_eq!(v.kms.requests, 60);
    assert_eq!(v.kms.by_operation.Encrypt, 20);
    assert_eq!(v.cloudtrail.object_arn_context, 60);
    let p = v.replication.expect("replication summary");
    assert_eq!(p.replicas, 20);
    assert_eq!(p.kms_requests, 40);
    assert_eq!(p.etag_different, 0);
    assert_eq!(p.pending_at_end, 0);
    assert_eq!(p.retries, 0);
    // Replication is in no client's latency: only the 20 PUTs are counted.
    assert_eq!(v.requests.put.completed, 20);
    assert_eq!(v.latency_ms.put.count, 20);
}

#[test]
fn a_destination_with_bucket_keys_uses_the_roles_own_bucket_key() {
    let v = run(&scenario("sse-kms", true));
    let r = &v.kms_regions;
    // The source side is unchanged: 20 GenerateDataKey (PUTs) and 20 Decrypt (role's reads).
    assert_eq!(r[0].requests, 40);
    // One host, one role session, a 10 s run: one bucket key for all 20 replicas.
    assert_eq!(r[1].requests, 1);
    assert_eq!(r[1].by_operation.GenerateDataKey, 1);
    assert_eq!(v.bucket_keys_issued, 1);
    assert_eq!(v.cloudtrail.bucket_arn_context, 1);
    let p = v.replication.expect("replication summary");
    assert_eq!((p.replicas, p.kms_requests, p.etag_different), (20, 21, 0));
}

#[test]
fn unencrypted_and_sse_s3_sources_get_another_etag_in_a_bucket_key_destination() {
    for src in ["none", "sse-s3"] {
        let v = run(&scenario(src, true));
        let p = v.replication.expect("replication summary");
        assert_eq!(p.replicas, 20, "{src}");
        assert_eq!(p.etag_different, 20, "{src}");
        // No KMS call at the source; the role's one bucket key at the destination.
        assert_eq!(v.kms_regions[0].requests, 0, "{src}");
        assert_eq!(v.kms_regions[1].requests, 1, "{src}");
        // Without a bucket key: a new data key per replica, and no ETag counted.
        let v = run(&scenario(src, false));
        let p = v.replication.expect("replication summary");
        assert_eq!(p.etag_different, 0, "{src}");
        assert_eq!(v.kms_regions[1].by_operation.GenerateDataKey, 20, "{src}");
        assert_eq!(v.kms_regions[1].by_operation.Encrypt, 0, "{src}");
    }
}

#[test]
fn replication_is_deterministic_and_absent_where_unused() {
    let toml = scenario("sse-kms", true).replace("lag = \"1s\"", "");
    let a = run(&toml);
    let b = run(&toml);
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    // Without replication and with one Region, the summary has neither block.
    let single = toml
        .split("[[replication]]")
        .next()
        .unwrap()
        .replace("region = \"us-west-2\"\n", "")
        .replace("arn:aws:kms:us-west-2", "arn:aws:kms:us-east-1")
        .replace("[kms.regions.\"us-west-2\"]\nprice_per_10k = 0.05\n", "")
        + "[[workload]]\nname = \"w\"\nbucket = \"src\"\nop = \"put\"\narrival = { kind = \"constant\", rate = 10 }\nrequests = 20\n";
    let v = run(&single);
    assert!(v.kms_regions.is_empty());
    assert!(v.replication.is_none());
    let json = serde_json::to_string(&v).unwrap();
    assert!(
        !json.contains("kms_regions") && !json.contains("\"replication\""),
        "{json}"
    );
    assert!(!json.contains("Encrypt"), "{json}");
}

/// Validates `toml` (written to a temporary file) and returns stderr, expecting exit 2.
fn refused(toml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(&p, toml).unwrap();
    let out = bksim(&["validate", p.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("bad.toml:"), "{err}");
    err
}

#[test]
fn bad_replication_and_region_input_is_refused_with_file_line_and_key() {
    let good = scenario("sse-kms", false);
    let err = refused(&good.replace("to = \"dst\"", "to = \"dts\""));
    assert!(err.contains("replication[0].to"), "{err}");
    assert!(err.contains("no [[bucket]] named 'dts'"), "{err}");
    assert!(err.contains("dst"), "{err}");

    let err = refused(&good.replace("to = \"dst\"", "to = \"src\""));
    assert!(err.contains("replication[0].to"), "{err}");
    assert!(
        err.contains("replication from bucket 'src' to itself"),
        "{err}"
    );

    let err = refused(&good.replace("region = \"us-west-2\"", "region = \"us-west2\""));
    assert!(err.contains("bucket.dst.region"), "{err}");
    assert!(
        err.contains("'us-west2' is not an AWS Region name"),
        "{err}"
    );

    // A key in another Region than the bucket's.
    let err = refused(&good.replace(
        "arn:aws:kms:us-west-2:111122223333:key/dst",
        "arn:aws:kms:eu-west-1:111122223333:key/dst",
    ));
    assert!(err.contains("bucket.dst.kms_key"), "{err}");
    assert!(
        err.contains("bucket 'dst' is in us-west-2 but its kms_key is in eu-west-1"),
        "{err}"
    );

    // A Region table for kms.region itself, and an unknown key in a Region table.
    let err = refused(&good.replace("[kms.regions.\"us-west-2\"]", "[kms.regions.\"us-east-1\"]"));
    assert!(err.contains("kms.regions.us-east-1"), "{err}");
    let err = refused(&good.replace("price_per_10k = 0.05", "quota = 5"));
    assert!(err.contains("kms.regions.us-west-2.quota"), "{err}");

    // SSE-KMS objects need an SSE-KMS destination.
    let err = refused(&good.replace(
        "encryption = \"sse-kms\"\nbucket_key = false",
        "encryption = \"sse-s3\"\nbucket_key = false",
    ));
    assert!(err.contains("replication[0].to"), "{err}");
    assert!(err.contains("ReplicaKmsKeyID"), "{err}");

    let err = refused(&good.replace("lag = \"1s\"", "lag = \"soon\""));
    assert!(err.contains("replication[0].lag"), "{err}");

    // The role must be an IAM role ARN.
    for bad in ["s3-replication", "arn:aws:iam::111122223333:user/me"] {
        let err =
            refused(&good.replace("lag = \"1s\"", &format!("lag = \"1s\"\nrole = \"{bad}\"")));
        assert!(err.contains("replication[0].role"), "{err}");
        assert!(err.contains("is not an IAM role ARN"), "{err}");
    }
}

#[test]
fn a_destination_key_policy_that_does_not_name_the_replication_role_fails_every_replica() {
    // The destination key's policy allows only the application role (object ARNs through
    // S3): the replication role (default arn:aws:iam::111122223333:role/s3-replication) is not
    // allowed, so each of the 20 replicas' Encrypt is denied, once, and nothing is retried.
    let policy = super::common::repo("scenarios/policies/object-arn-wildcard.json");
    let toml = scenario("sse-kms", false).replace(
        "kms_key = \"arn:aws:kms:us-west-2:111122223333:key/dst\"",
        &format!(
            "kms_key = \"arn:aws:kms:us-west-2:111122223333:key/dst\"\nkey_policy = \"{}\"",
            policy.display()
        ),
    );
    let s = run(&toml);
    let r = s.replication.as_ref().unwrap();
    assert_eq!((r.replicas, r.denied, r.retries), (0, 20, 0));
    assert_eq!(s.access_denied.len(), 1, "{:?}", s.access_denied);
    let d = &s.access_denied[0];
    assert_eq!(d.principal, "arn:aws:iam::111122223333:role/s3-replication");
    assert_eq!(d.operation, "Encrypt");
    assert_eq!(d.calls, 20);
    assert_eq!(d.workload, "replication src→dst (rule 1)");
    // The client's own PUTs to the source (no policy there) all succeed.
    assert_eq!(s.requests.put.completed, 20);
    assert_eq!(s.requests.put.denied, 0);
    // A policy that allows the role named in the rule: every replica written.
    let d = tempfile::tempdir().unwrap();
    let allow = d.path().join("allow.json");
    std::fs::write(
        &allow,
        r#"{"Statement": [{"Sid": "Replication", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/replicator"},
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": "*"}]}"#,
    )
    .unwrap();
    let allowed = toml
        .replace(&policy.display().to_string(), &allow.display().to_string())
        .replace(
            "lag = \"1s\"",
            "lag = \"1s\"\nrole = \"arn:aws:iam::111122223333:role/replicator\"",
        );
    let s = run(&allowed);
    let r = s.replication.as_ref().unwrap();
    assert_eq!((r.replicas, r.denied), (20, 0));
    assert!(s.access_denied.is_empty());
}

/// Replications waiting their lag are held in memory: a rule whose writes per second times
/// mean lag (at most the run's length) pass 4,000,000 is refused at its `lag`, naming the
/// figures; `requests` bounds a workload's share. (100,000 PUT/s with a 1 h lag for 3 minutes
/// validated, then aborted for memory at 1.6 GB.)
#[test]
fn replications_pending_at_once_are_bounded() {
    let fast = scenario("sse-kms", false)
        .replace("lag = \"1s\"", "lag = \"1h\"")
        .replace("rate = 10 }", "rate = 100000 }")
        .replace("duration = \"10s\"", "duration = \"3m\"");
    let line = fast.lines().position(|l| l.starts_with("lag = ")).unwrap() + 1;
    // Bounded by `requests = 20`: accepted. Without it: 100,000/s × 180 s (the run's length,
    // shorter than the lag) = 18,000,000.
    let bounded = ScenarioFile::parse(Path::new("repl-test.toml"), &fast)
        .unwrap()
        .resolve(None, &[]);
    assert!(bounded.is_ok(), "{:?}", bounded.err());
    let unbounded = fast.replace("requests = 20\n", "");
    let err = ScenarioFile::parse(Path::new("repl-test.toml"), &unbounded)
        .unwrap()
        .resolve(None, &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("repl-test.toml:{line}:7: replication[0].lag: about 18000000 replications would wait at once (100000 writes/s into 'src' for a mean lag of 180.0 s), more than bksim simulates: at most 4000000")),
        "{err}"
    );
}
