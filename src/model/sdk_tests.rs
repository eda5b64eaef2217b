//! Model checks of issue 11's SDK behaviour: planned HEAD requests (`op = "head"`,
//! `head_before_get`), DSSE-KMS's KMS calls per object, and `retry = "legacy"`; every
//! expectation is worked by hand from constant arrivals.

use std::path::Path;

use super::client::{Client, RetryPolicy};
use super::run_variant;
use crate::engine::rng::Stream;
use crate::engine::time::from_secs;
use crate::scenario::*;

/// One bucket (`encryption`, one prefix, 1,000 objects already there, written without a
/// bucket key) and `workloads`; 10 s, no retries unless `extra` says otherwise.
fn scenario(encryption: &str, extra: &str, workloads: &str) -> Scenario {
    let text = format!(
        r#"name = "sdk"
seed = 7
duration = "10s"
{extra}
[kms]
region = "eu-central-1"
[[bucket]]
name = "b"
encryption = "{encryption}"
kms_key = "arn:aws:kms:eu-central-1:111122223333:key/test"
prefixes = 1
existing = {{ objects = 1000, written_over = "1h", size = "1KiB" }}
{workloads}"#
    );
    let file = ScenarioFile::parse(Path::new("sdk.toml"), &text).expect("sdk scenario");
    let mut sc = file
        .resolve(None, &[])
        .unwrap_or_else(|e| panic!("sdk scenario: {e}"));
    crate::prepare::load_profile(&mut sc).unwrap_or_else(|e| panic!("profile: {e}"));
    sc
}

fn workload(name: &str, op: &str, rate: u32, extra: &str) -> String {
    format!(
        "[[workload]]\nname = \"{name}\"\nbucket = \"b\"\nop = \"{op}\"\narrival = {{ kind = \"constant\", rate = {rate} }}\n{extra}\n"
    )
}

const NO_RETRY: &str = "[client]\nretry = \"none\"";

#[test]
fn a_head_workload_makes_no_kms_call_and_counts_as_other() {
    // 100 HEADs/s for 10 s of per-object SSE-KMS objects: 1,000 HEADs, no KMS call.
    let sc = scenario("sse-kms", NO_RETRY, &workload("h", "head", 100, ""));
    assert_eq!(sc.workloads[0].head, HeadCall::Only);
    assert_eq!(sc.workloads[0].op, Op::Get);
    let s = run_variant("v", &sc, None).summary;
    assert_eq!(s.other_requests.offered, 1000);
    assert_eq!(s.other_requests.completed, 1000);
    assert_eq!(s.requests.get.offered, 0);
    assert_eq!(s.kms.requests, 0);
    assert_eq!(s.cloudtrail.kms_events, 0);
}

#[test]
fn heads_and_gets_share_the_prefix_get_head_rate() {
    // One prefix admitting 50 GET/HEAD per second; 40 HEADs/s and 40 GETs/s for 10 s:
    // 800 requests, 10 windows × 50 = 500 admitted, 300 refused with 503 SlowDown. Each
    // admitted GET of a per-object object costs one Decrypt; a HEAD none.
    let sc = scenario(
        "sse-kms",
        &format!("{NO_RETRY}\n[s3]\nprefix_get_rps = 50"),
        &(workload("h", "head", 40, "") + &workload("g", "get", 40, "")),
    );
    let s = run_variant("v", &sc, None).summary;
    let o = s.other_requests;
    let g = s.requests.get;
    assert_eq!((o.offered, g.offered), (400, 400));
    assert_eq!(o.completed + g.completed, 500);
    assert_eq!(o.failed + g.failed, 300);
    assert_eq!(s.s3_slowdown.prefix, 300);
    assert_eq!(s.kms.by_operation.Decrypt, g.completed);
    assert_eq!(s.kms.requests, g.completed);
}

#[test]
fn head_before_get_sends_one_head_per_get_and_no_extra_kms_call() {
    // 100 downloads/s for 10 s, each a HEAD then the GET: 1,000 HEADs (other), 1,000 GETs,
    // 1,000 Decrypts (one per per-object GET).
    let sc = scenario(
        "sse-kms",
        NO_RETRY,
        &workload("d", "get", 100, "head_before_get = true"),
    );
    assert_eq!(sc.workloads[0].head, HeadCall::BeforeGet);
    let s = run_variant("v", &sc, None).summary;
    assert_eq!(s.other_requests.offered, 1000);
    assert_eq!(s.other_requests.completed, 1000);
    assert_eq!(s.requests.get.offered, 1000);
    assert_eq!(s.requests.get.completed, 1000);
    assert_eq!(s.kms.by_operation.Decrypt, 1000);
    assert_eq!(s.kms.requests, 1000);
    // Under a 150/s GET/HEAD limit, 200 calls/s: the first 150 of each second are admitted.
    // Downloads arrive every 10 ms and each call takes S3 at least some ms, so a second's
    // admitted calls are its first 150 sends: never all 200.
    let mut sc = sc;
    sc.s3.prefix_get_rps = 150;
    let s = run_variant("v", &sc, None).summary;
    assert!(s.s3_slowdown.prefix > 0);
    // Without retries each refusal fails exactly one download: a refused HEAD fails the
    // HEAD and its download (whose GET is never sent), a refused GET the download.
    assert_eq!(s.requests.get.failed, s.s3_slowdown.prefix);
    assert!(s.other_requests.failed > 0 && s.other_requests.failed <= s.requests.get.failed);
    assert_eq!(
        s.requests.get.completed + s.requests.get.failed,
        s.requests.get.offered
    );
    assert_eq!(
        s.other_requests.completed + s.other_requests.failed,
        s.other_requests.offered
    );
    // Only downloads whose HEAD completed sent a GET, and each such GET cost one Decrypt.
    assert_eq!(s.kms.by_operation.Decrypt, s.requests.get.completed);
    assert!(s.other_requests.completed >= s.requests.get.completed);
}

#[test]
fn dsse_kms_calls_per_object_multiply_the_per_object_calls() {
    // 10 PUTs/s and 10 GETs of old objects/s for 10 s: 100 of each. SSE-KMS without a
    // bucket key: 100 GenerateDataKey + 100 Decrypt. DSSE-KMS with 3 calls per object:
    // 300 + 300, all with the object's ARN as context.
    let w = workload("p", "put", 10, "") + &workload("g", "get", 10, "read_from = \"existing\"");
    let base = run_variant("v", &scenario("dsse-kms", NO_RETRY, &w), None).summary;
    assert_eq!(base.kms.by_operation.GenerateDataKey, 100);
    assert_eq!(base.kms.by_operation.Decrypt, 100);
    let extra = format!("{NO_RETRY}\n[s3]\ndsse_kms_calls_per_object = 3");
    let sc = scenario("dsse-kms", &extra, &w);
    assert_eq!(sc.s3.dsse_kms_calls_per_object, 3);
    let s = run_variant("v", &sc, None).summary;
    assert_eq!(s.requests.put.completed, 100);
    assert_eq!(s.requests.get.completed, 100);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 300);
    assert_eq!(s.kms.by_operation.Decrypt, 300);
    assert_eq!(s.cloudtrail.object_arn_context, 600);
    // The setting is DSSE's only: an SSE-KMS bucket still makes one call per object.
    let s = run_variant("v", &scenario("sse-kms", &extra, &w), None).summary;
    assert_eq!(s.kms.requests, 200);
}

#[test]
fn legacy_mode_resolves_to_botocores_retry_json() {
    let sc = scenario(
        "sse-kms",
        "[client]\nretry = \"legacy\"",
        &workload("p", "put", 1, ""),
    );
    assert_eq!(sc.client.retry, RetryMode::Legacy);
    assert_eq!(sc.client.max_attempts, 5);
    assert_eq!(sc.client.base_delay, from_secs(1.0));
    let p = RetryPolicy::new(&sc.client);
    assert_eq!((p.max_attempts, p.quota), (5, 0));
    assert!(p.max_backoff.is_infinite());
    // No retry quota: retries are never refused.
    let mut c = Client::new(&p);
    assert!((0..10_000).all(|_| c.take_retry_quota(p.cost)));
}

#[test]
fn legacy_backoff_is_rand_times_two_to_the_attempts_minus_one_uncapped() {
    // botocore retryhandler.delay_exponential("rand", 2, attempts) =
    // random.random() · 2^(attempts − 1) s: with the same draw u, after attempt 1: u,
    // 2: 2u, 3: 4u, 4: 8u; and after attempt 10 (a scenario's max_attempts = 11): 512u,
    // beyond standard mode's 20 s cap.
    let sc = scenario(
        "sse-kms",
        "[client]\nretry = \"legacy\"",
        &workload("p", "put", 1, ""),
    );
    let p = RetryPolicy::new(&sc.client);
    for (attempt, factor) in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 512.0)] {
        let mut a = Stream::new(3, "legacy");
        let mut b = Stream::new(3, "legacy");
        for _ in 0..100 {
            let u = a.uniform();
            assert_eq!(p.backoff(attempt, &mut b), from_secs(u * factor));
        }
    }
    // Standard mode caps the same draw at 20 s.
    let mut std = p;
    std.mode = RetryMode::Standard;
    std.max_backoff = 20.0;
    let mut a = Stream::new(3, "legacy");
    let mut b = Stream::new(3, "legacy");
    let u = a.uniform();
    assert_eq!(std.backoff(10, &mut b), from_secs(u * 20.0));
}
