//! Client-side encryption over server-side encryption (`[[bucket]] client_encryption`): KMS
//! calls of each layer counted by hand on small cases, the summary's split by caller, key
//! storage, throttles on either side, latency, determinism, and the validation errors.

use crate::common::{bksim, text as out_text};
use bksim::metrics::results::{CallerCalls, VariantSummary};
use bksim::model::run_variant;
use bksim::prepare;
use bksim::scenario::{Override, ScenarioFile};
use std::path::Path;

/// One writer session sends `requests = 40` PUTs at 10/s (constant arrivals, so each KMS call
/// is answered before the next PUT), then one reader session GETs them back in order. Fixed
/// latencies: KMS 5 ms, S3 10 ms. One front-end host. No retries.
const BASE: &str = r#"
name = "layer"
seed = 3
duration = "20s"

[kms]
region = "eu-west-3"
quota_rps = 100000
latency = "5ms"

[s3]
latency = "10ms"
frontend_hosts = 1

[client]
retry = "none"

[[bucket]]
name = "b"
encryption = "sse-kms"
client_encryption = "cse-kms"

[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "constant", rate = 10 }
requests = 40

[[workload]]
name = "r"
bucket = "b"
op = "get"
read_from = "w"
after = "w"
arrival = { kind = "constant", rate = 10 }
requests = 40
"#;

const CLIENT_KEY: &str = "arn:aws:kms:eu-west-3:111122223333:key/client";

fn run(text: &str, sets: &[&str]) -> VariantSummary {
    let f = ScenarioFile::parse(Path::new("layer.toml"), text).expect("valid scenario");
    let extra: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse_cli(s).unwrap())
        .collect();
    let sc = prepare::variant(&f, None, &extra).expect("resolves");
    run_variant("v", &sc, None).summary
}

fn calls(requests: u64, throttled: u64, generate: u64, decrypt: u64) -> CallerCalls {
    CallerCalls {
        requests,
        throttled,
        GenerateDataKey: generate,
        Decrypt: decrypt,
    }
}

#[test]
fn each_object_costs_a_call_of_each_layer_without_bucket_keys_or_cache() {
    // 40 PUTs: 40 GenerateDataKey by the client + 40 by S3 (object ARN context); 40 GETs of
    // the 40 distinct objects: 40 Decrypt by S3 + 40 by the client.
    let s = run(BASE, &[]);
    assert_eq!(s.requests.put.completed, 40);
    assert_eq!(s.requests.get.completed, 40);
    assert_eq!(s.kms.requests, 160);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 80);
    assert_eq!(s.kms.by_operation.Decrypt, 80);
    let c = s.kms.by_caller.expect("split by caller");
    assert_eq!(c.s3, calls(80, 0, 40, 40));
    assert_eq!(c.client, calls(80, 0, 40, 40));
    assert_eq!(s.cloudtrail.object_arn_context, 80);
    assert_eq!(s.cloudtrail.bucket_arn_context, 0);
    assert_eq!(s.cloudtrail.client_context, 80);
    // One key: the client's layer defaults to the bucket's.
    assert_eq!(s.kms.keys, 1);
}

#[test]
fn latencies_of_the_two_layers_add() {
    // PUT: the client's GenerateDataKey (5 ms), then S3's PUT with its GenerateDataKey
    // (5 + 10 ms) = 20 ms; GET: S3's GET with its Decrypt (15 ms), then the client's Decrypt
    // (5 ms) = 20 ms. Each layer alone: 15 ms. (Histograms keep 3 significant digits.)
    let near = |x: f64, ms: f64| (x - ms).abs() < 0.05;
    let s = run(BASE, &[]);
    for l in [s.latency_ms.put, s.latency_ms.get] {
        assert!(near(l.p50, 20.0) && near(l.max, 20.0), "{l:?}");
    }
    for set in [
        "bucket.b.client_encryption=\"none\"",
        "bucket.b.encryption=\"cse-kms\"",
    ] {
        let s = run(BASE, &[set, "bucket.b.client_encryption=\"none\""]);
        for l in [s.latency_ms.put, s.latency_ms.get] {
            assert!(near(l.p50, 15.0) && near(l.max, 15.0), "{set}: {l:?}");
        }
    }
}

#[test]
fn the_data_key_cache_cuts_only_the_clients_calls() {
    // max_messages = 9: a cached key encrypts its first object (not counted, aws-facts §10)
    // and 9 more, so 40 PUTs of one session take ceil(40 / 10) = 4 client GenerateDataKey;
    // S3 still makes 40. The reader session decrypts each of the 4 data keys once (the cache
    // outlives the run): 4 client Decrypt; S3 still 40.
    let s = run(
        BASE,
        &["client.data_key_cache={ max_age = \"1h\", max_messages = 9 }"],
    );
    let c = s.kms.by_caller.unwrap();
    assert_eq!(c.client, calls(8, 0, 4, 4));
    assert_eq!(c.s3, calls(80, 0, 40, 40));
    assert_eq!(s.cloudtrail.client_context, 8);
}

#[test]
fn bucket_keys_cut_only_s3s_calls() {
    // One writer session on one host: one bucket key (GenerateDataKey, bucket ARN context)
    // for the 40 PUTs; the reader session unwraps it once (Decrypt). The client: 40 + 40.
    let s = run(BASE, &["bucket.b.bucket_key=true"]);
    let c = s.kms.by_caller.unwrap();
    assert_eq!(c.s3, calls(2, 0, 1, 1));
    assert_eq!(c.client, calls(80, 0, 40, 40));
    assert_eq!(s.cloudtrail.bucket_arn_context, 2);
    assert_eq!(s.cloudtrail.object_arn_context, 0);
    assert_eq!(s.cloudtrail.client_context, 80);
    assert_eq!((s.bucket_keys_issued, s.bucket_keys_decrypted), (1, 1));
}

#[test]
fn over_modes_without_kms_only_the_client_calls_kms() {
    for mode in ["none", "sse-s3", "sse-c"] {
        let set = format!("bucket.b.encryption=\"{mode}\"");
        let s = run(BASE, &[&set]);
        let c = s.kms.by_caller.unwrap();
        assert_eq!(c.s3, calls(0, 0, 0, 0), "{mode}");
        assert_eq!(c.client, calls(80, 0, 40, 40), "{mode}");
        assert_eq!(s.kms.keys, 1, "{mode}: the client's key");
    }
}

#[test]
fn both_keys_are_billed_when_they_differ() {
    let key = format!("bucket.b.client_kms_key=\"{CLIENT_KEY}\"");
    let s = run(BASE, &[&key]);
    assert_eq!(s.kms.keys, 2);
    assert_eq!(s.kms.key_cost_usd_per_month, 2.0);
    // Over sse-s3 the bucket's key is not used: only the client's is billed.
    let s = run(BASE, &[&key, "bucket.b.encryption=\"sse-s3\""]);
    assert_eq!(s.kms.keys, 1);
    // Naming the bucket's own key is one key.
    let same = "bucket.b.client_kms_key=\"arn:aws:kms:eu-west-3:111122223333:key/bksim-default\"";
    assert_eq!(run(BASE, &[same]).kms.keys, 1);
}

#[test]
fn throttles_on_either_side_are_told_apart() {
    // A quota of 1 call per one-second window, no retries, 2 PUTs at 0 and 10 ms:
    // PUT 1: the client's GenerateDataKey at 0 is served (the window's one call); S3's at
    // 5 ms is throttled: 503 SlowDown, the PUT fails. PUT 2: the client's GenerateDataKey at
    // 10 ms is throttled: the PUT fails before reaching S3.
    let s = run(
        BASE,
        &[
            "kms.quota_rps=1",
            "workload.w.arrival.rate=100",
            "workload.w.requests=2",
            "workload.r.requests=1",
        ],
    );
    assert_eq!(s.requests.put.failed, 2);
    let c = s.kms.by_caller.unwrap();
    assert_eq!(c.client, calls(2, 1, 2, 0));
    assert_eq!(c.s3, calls(1, 1, 1, 0));
    assert_eq!(s.s3_slowdown.kms, 1);
    assert_eq!(s.kms.throttled, 2);
}

#[test]
fn existing_objects_of_a_layered_bucket_cost_both_layers_decrypts() {
    // 40 GETs of a billion pre-existing objects (40 distinct ones), written without a bucket
    // key and without a client cache: 40 Decrypt by S3 and 40 by the client.
    let text = BASE.replace(
        "client_encryption = \"cse-kms\"",
        "client_encryption = \"cse-kms\"\nexisting = { objects = 1000000000, written_over = \"30d\" }",
    );
    let s = run(
        &text,
        &["workload.r.read_from=\"existing\"", "workload.w.requests=1"],
    );
    let c = s.kms.by_caller.unwrap();
    assert_eq!(s.requests.get.completed, 40);
    assert_eq!(c.s3, calls(41, 0, 1, 40));
    assert_eq!(c.client, calls(41, 0, 1, 40));
    assert_eq!(s.kms.for_existing_objects, 40);
}

#[test]
fn a_layered_run_is_deterministic_and_others_have_no_split() {
    let sets = [
        "workload.w.arrival={ kind = \"poisson\", rate = 500 }",
        "workload.w.sessions=3",
        "workload.w.requests=2000",
        "client.data_key_cache={ max_age = \"2s\", max_messages = 7 }",
    ];
    let a = serde_json::to_string(&run(BASE, &sets)).unwrap();
    let b = serde_json::to_string(&run(BASE, &sets)).unwrap();
    assert_eq!(a, b);
    assert!(a.contains("\"by_caller\""), "{a}");
    let plain = serde_json::to_string(&run(BASE, &["bucket.b.client_encryption=\"none\""]));
    assert!(!plain.unwrap().contains("by_caller"));
}

/// Resolves `text` as `x.toml`, expecting an error: its message.
fn error(text: &str) -> String {
    let f = ScenarioFile::parse(Path::new("x.toml"), text);
    match f {
        Err(e) => e.to_string(),
        Ok(f) => f.resolve_all(&[]).expect_err("invalid").to_string(),
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn an_unknown_layer_is_refused_with_its_line() {
    let text = BASE.replace(
        "client_encryption = \"cse-kms\"",
        "client_encryption = \"cse_kms\"",
    );
    let line = line_of(&text, "cse_kms");
    let msg = error(&text);
    assert!(
        msg.contains(&format!(
            "x.toml:{line}:21: bucket.b.client_encryption: expected one of \"none\", \"cse-kms\", found \"cse_kms\""
        )),
        "{msg}"
    );
    assert!(msg.contains("did you mean `cse-kms`?"), "{msg}");
}

#[test]
fn a_second_client_layer_is_refused() {
    let text = BASE.replace("encryption = \"sse-kms\"", "encryption = \"cse-kms\"");
    let line = line_of(&text, "client_encryption");
    let msg = error(&text);
    assert!(
        msg.contains(&format!(
            "x.toml:{line}:21: bucket.b.client_encryption: bucket 'b' already encrypts on the client (encryption = \"cse-kms\"): client_encryption would add a second client-side layer"
        )),
        "{msg}"
    );
    assert!(
        msg.contains("set encryption to the server-side mode"),
        "{msg}"
    );
}

#[test]
fn a_client_key_that_is_no_kms_key_is_refused() {
    let text = BASE.replace(
        "client_encryption = \"cse-kms\"",
        "client_encryption = \"cse-kms\"\nclient_kms_key = \"alias/client\"",
    );
    let line = line_of(&text, "alias/client");
    let msg = error(&text);
    assert!(
        msg.contains(&format!(
            "x.toml:{line}:18: bucket.b.client_kms_key: 'alias/client' is not a KMS key ARN"
        )),
        "{msg}"
    );
    // From the command line: exit 2, the same message.
    let dir = std::env::temp_dir().join(format!("bksim-layer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.toml");
    std::fs::write(&path, &text).unwrap();
    let out = bksim(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out_text(&out.stderr)
            .contains("bucket.b.client_kms_key: 'alias/client' is not a KMS key ARN"),
        "{}",
        out_text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_client_key_without_a_layer_is_noted() {
    let text = BASE.replace(
        "client_encryption = \"cse-kms\"",
        &format!("client_kms_key = \"{CLIENT_KEY}\""),
    );
    let s = run(&text, &[]);
    assert!(s.kms.by_caller.is_none());
    assert!(
        s.notes.contains(
            &"client_kms_key has no effect for bucket 'b': it has no client_encryption layer"
                .to_string()
        ),
        "{:?}",
        s.notes
    );
}

#[test]
fn a_put_workload_chooses_its_own_layer() {
    // The bucket without a layer, the writer with one: the same counts as a layered bucket
    // (its GETs decrypt with both layers, as the objects were written).
    let text = BASE.replace(
        "client_encryption = \"cse-kms\"",
        "client_encryption = \"none\"",
    );
    let s = run(&text, &["workload.w.client_encryption=\"cse-kms\""]);
    let c = s.kms.by_caller.expect("split by caller");
    assert_eq!(c.s3, calls(80, 0, 40, 40));
    assert_eq!(c.client, calls(80, 0, 40, 40));
    // With its own key: two keys billed.
    let key = format!("workload.w.client_kms_key=\"{CLIENT_KEY}\"");
    let s = run(&text, &["workload.w.client_encryption=\"cse-kms\"", &key]);
    assert_eq!(s.kms.keys, 2);
    // A layered bucket, the writer opting out: only S3's calls.
    let s = run(BASE, &["workload.w.client_encryption=\"none\""]);
    let c = s.kms.by_caller.unwrap();
    assert_eq!(c.s3, calls(80, 0, 40, 40));
    assert_eq!(c.client, calls(0, 0, 0, 0));
}

#[test]
fn a_layer_on_a_read_workload_is_refused() {
    let text = BASE.replace(
        "read_from = \"w\"",
        "read_from = \"w\"\nclient_encryption = \"cse-kms\"",
    );
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("client_encryption"))
        .map(|(i, _)| i + 1)
        .last()
        .unwrap();
    let msg = error(&text);
    assert!(
        msg.contains(&format!(
            "x.toml:{line}:21: workload.r.client_encryption: client_encryption applies only to put workloads"
        )),
        "{msg}"
    );
}

/// A layered bucket replicated into another SSE-KMS bucket: the replication role's Encrypts
/// are S3's calls beyond its GenerateDataKey and Decrypt, and the results are written (the
/// report's reader once refused them as not adding up, so such a run wrote nothing).
#[test]
fn a_replicated_layered_bucket_writes_its_results() {
    let text = format!(
        "{BASE}\n[[bucket]]\nname = \"dst\"\nencryption = \"sse-kms\"\n\n[[replication]]\nfrom = \"b\"\nto = \"dst\"\nlag = \"1s\"\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("replicated.toml");
    std::fs::write(&f, text).unwrap();
    let out = dir.path().join("out");
    let o = bksim(&[
        "run",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", out_text(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let kms = &summary["variants"][0]["kms"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    let s3 = &kms["by_caller"]["s3"];
    // 40 replicas, each written by the role with one Encrypt under the destination's key.
    assert_eq!(n(&kms["by_operation"]["Encrypt"]), 40, "{kms}");
    assert_eq!(
        n(&s3["requests"]) - n(&s3["GenerateDataKey"]) - n(&s3["Decrypt"]),
        40,
        "{kms}"
    );
    let o = bksim(&["report", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", out_text(&o.stderr));
}
