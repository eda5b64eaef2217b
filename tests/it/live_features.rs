//! `bksim live` on the model's other features: replayed logs, workloads that follow one
//! another and read by position, KMS key changes, key policies, DSSE-KMS and SSE-C. Where
//! the simulation's counts are fixed by the scenario (a log, a request budget), live must
//! match them exactly; elsewhere within what the counts' randomness allows.

use crate::common::{bksim_live, repo};
use serde_json::Value;

fn row(live: &Value, variant: &str, metric: &str) -> (f64, f64) {
    let v = live["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == variant)
        .unwrap_or_else(|| panic!("no variant {variant}"));
    let r = v["comparison"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} in {v}"));
    (
        r["live"].as_f64().unwrap(),
        r["simulated"].as_f64().unwrap(),
    )
}

fn harness<'a>(live: &'a Value, variant: &str) -> &'a Value {
    &live["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == variant)
        .unwrap()["harness"]
}

/// The bundled replay at 120 times the log's speed for 10 s: every request of that part of
/// the log is offered at its logged time, so the per-object KMS calls (one per PUT, GET of a
/// written object, multipart part...) are the log's, live as simulated, exactly.
#[test]
fn a_replayed_log_makes_the_simulations_kms_calls() {
    let s = repo("scenarios/replay-web-app.toml");
    let r = bksim_live(&[
        s.to_str().unwrap(),
        "--variant",
        "per-object",
        "--scale",
        "120",
        "--duration",
        "10s",
        "--warmup",
        "0s",
        "--max-payload",
        "1KiB",
    ]);
    for m in [
        "kms.requests",
        "kms.GenerateDataKey",
        "kms.Decrypt",
        "get.offered",
        "put.offered",
    ] {
        let (l, s) = row(&r.live, "per-object", m);
        assert_eq!(l, s, "{m}");
    }
    let (gets, _) = row(&r.live, "per-object", "get.completed");
    assert!(gets > 50.0, "{gets}");
    // Every GET decrypted and checked its object (written in the replay, or there before).
    assert!(
        harness(&r.live, "per-object")["objects_opened"]
            .as_f64()
            .unwrap()
            >= gets
    );
    assert_eq!(r.summary["traces"][0]["workload"], "tuesday");
}

/// bucket-key-poc: 50 PUTs, then 100 GETs of those objects by position from the same
/// session, one at a time: 50 GenerateDataKey and 100 Decrypt per object, 1 GenerateDataKey
/// with a bucket key, live as simulated.
#[test]
fn followers_read_what_their_writer_wrote() {
    let s = repo("scenarios/bucket-key-poc.toml");
    let r = bksim_live(&[
        s.to_str().unwrap(),
        "--duration",
        "8s",
        "--max-payload",
        "1KiB",
    ]);
    for (variant, gdk, dec) in [("per-object", 50.0, 100.0), ("bucket-key", 1.0, 0.0)] {
        assert_eq!(
            row(&r.live, variant, "kms.GenerateDataKey"),
            (gdk, gdk),
            "{variant}"
        );
        assert_eq!(
            row(&r.live, variant, "kms.Decrypt"),
            (dec, dec),
            "{variant}"
        );
        assert_eq!(
            row(&r.live, variant, "get.completed"),
            (100.0, 100.0),
            "{variant}"
        );
    }
}

/// key-change with the change moved to 3 s into a 6 s run: constant arrivals, so the writes
/// under each key are fixed; the GenerateDataKey and Decrypt counts are the simulation's.
#[test]
fn a_key_change_mid_run() {
    let s = repo("scenarios/key-change.toml");
    let r = bksim_live(&[
        s.to_str().unwrap(),
        "--scale",
        "0.5",
        "--duration",
        "6s",
        "--warmup",
        "1s",
        "--set",
        "bucket.data.kms_key_change.at=3s",
        "--max-payload",
        "1KiB",
    ]);
    let variants: Vec<String> = r.live["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect();
    for v in &variants {
        let (l, s) = row(&r.live, v, "kms.GenerateDataKey");
        assert!((l - s).abs() <= 2.0 + 0.02 * s, "{v}: {l} vs {s}");
    }
    // The summary names both keys as billed.
    assert!(r.summary["variants"][0]["kms"]["keys"].as_u64().unwrap() >= 2);
}

/// bucket-key-policy-rollout: turning bucket keys on under a key policy that pins the
/// object ARN denies the bucket-key GenerateDataKey: uploads fail with AccessDenied, not
/// retried, as in the simulation; the fixed policy lets them through.
#[test]
fn policies_deny_live_as_simulated() {
    let s = repo("scenarios/bucket-key-policy-rollout.toml");
    let r = bksim_live(&[
        s.to_str().unwrap(),
        "--duration",
        "5s",
        "--warmup",
        "1s",
        "--max-payload",
        "1KiB",
    ]);
    let (l, s) = row(&r.live, "bucket-key", "put.failed");
    assert!(l > 50.0 && s > 50.0, "{l} {s}");
    assert!((l - s).abs() <= 4.0 * (2.0 * s).sqrt() + 2.0, "{l} vs {s}");
    assert_eq!(
        row(&r.live, "bucket-key-fixed-policy", "put.failed"),
        (0.0, 0.0)
    );
    let v = r.summary["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "bucket-key")
        .unwrap();
    assert!(v["requests"]["put"]["denied"].as_u64().unwrap() > 50, "{v}");
}

/// DSSE-KMS makes `s3.dsse_kms_calls_per_object` (here 2) GenerateDataKey per upload and as many
/// Decrypts per read, one after the other, and seals two real layers; SSE-C calls no KMS.
#[test]
fn dsse_kms_and_sse_c() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("dsse.toml");
    std::fs::write(
        &f,
        r#"
name = "dsse"
duration = "4s"
warmup = "1s"
[kms]
region = "eu-central-1"
[s3]
dsse_kms_calls_per_object = 2
[[bucket]]
name = "d"
encryption = "dsse-kms"
kms_key = "arn:aws:kms:eu-central-1:111122223333:key/d"
[[bucket]]
name = "c"
encryption = "sse-c"
[[workload]]
name = "w"
bucket = "d"
op = "put"
arrival = { kind = "constant", rate = 50 }
[[workload]]
name = "r"
bucket = "d"
op = "get"
read_from = "written"
arrival = { kind = "constant", rate = 50 }
[[workload]]
name = "cw"
bucket = "c"
op = "put"
arrival = { kind = "constant", rate = 20 }
[[workload]]
name = "cr"
bucket = "c"
op = "get"
read_from = "written"
arrival = { kind = "constant", rate = 20 }
"#,
    )
    .unwrap();
    let r = bksim_live(&[
        f.to_str().unwrap(),
        "--warmup",
        "1s",
        "--max-payload",
        "1KiB",
    ]);
    // 3 s measured: 150 DSSE uploads, 2 GenerateDataKey each; 150 reads, 2 Decrypts each.
    assert_eq!(
        row(&r.live, "baseline", "kms.GenerateDataKey"),
        (300.0, 300.0)
    );
    assert_eq!(row(&r.live, "baseline", "kms.Decrypt"), (300.0, 300.0));
    let h = harness(&r.live, "baseline");
    assert!(h["objects_opened"].as_u64().unwrap() >= 200, "{h}");
}

/// A budgeted reader whose reads all find no object (nothing written yet) still ends, so the
/// writer that follows it starts and offers its whole budget, live as simulated.
#[test]
fn a_reader_that_finds_nothing_still_hands_over_to_its_follower() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reader-first.toml");
    std::fs::write(
        &path,
        r#"
name = "reader-first"
duration = "3s"
warmup = "0s"
[kms]
region = "us-east-1"
[[bucket]]
name = "b"
encryption = "sse-kms"
[[workload]]
name = "reader"
bucket = "b"
op = "get"
read_from = "written"
arrival = { kind = "constant", rate = 20 }
requests = 5
[[workload]]
name = "writer"
bucket = "b"
op = "put"
after = "reader"
arrival = { kind = "constant", rate = 20 }
size = 100
requests = 10
[[variant]]
name = "per-object"
"#,
    )
    .unwrap();
    let r = bksim_live(&[path.to_str().unwrap(), "--max-payload", "1KiB"]);
    assert_eq!(row(&r.live, "per-object", "put.offered"), (10.0, 10.0));
}
