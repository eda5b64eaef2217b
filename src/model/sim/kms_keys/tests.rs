//! Hand-worked checks of key changes, several keys in one bucket and per-request bucket-key
//! settings: bucket keys issued and unwrapped, KMS calls, and the keys billed.

use std::path::Path;

use super::*;
use crate::model::run_variant;
use crate::model::testkit::fixed;
use crate::scenario::{Scenario, ScenarioFile};

const A: &str = "arn:aws:kms:eu-central-1:111122223333:key/a";
const B: &str = "arn:aws:kms:eu-central-1:111122223333:key/b";

/// One sse-kms bucket with bucket keys, one front-end host, one connection per session, no
/// latency, a 300 s bucket-key lifetime, 600 s of run; `rest` adds keys and workloads.
fn scenario(bucket_extra: &str, rest: &str) -> Scenario {
    let text = format!(
        r#"
name = "keys"
duration = "600s"
[kms]
region = "eu-central-1"
quota_rps = 100000
[s3]
frontend_hosts = 1
bucket_key_ttl = "300s"
[client]
connections_per_session = 1
[[bucket]]
name = "b"
encryption = "sse-kms"
bucket_key = true
kms_key = "{A}"
{bucket_extra}
{rest}
"#
    );
    let file = ScenarioFile::parse(Path::new("keys.toml"), &text).expect("parses");
    let mut sc = file
        .resolve(None, &[])
        .unwrap_or_else(|e| panic!("valid: {e}"));
    crate::prepare::load_profile(&mut sc).expect("profile");
    sc.kms.latency = fixed(0);
    sc.s3.latency = fixed(0);
    sc
}

fn error(bucket_extra: &str, rest: &str) -> String {
    let text = format!(
        r#"
name = "keys"
duration = "600s"
[kms]
region = "eu-central-1"
[[bucket]]
name = "b"
encryption = "sse-kms"
kms_key = "{A}"
{bucket_extra}
{rest}
"#
    );
    let file = ScenarioFile::parse(Path::new("keys.toml"), &text).expect("parses");
    match file.resolve(None, &[]) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

const PUTS: &str = r#"
[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "constant", rate = 10 }
"#;

#[test]
fn without_a_change_one_key_and_two_bucket_keys() {
    // 600 s of writes from one session on one host, a bucket key lives 300 s: ceil(600/300)
    // = 2 GenerateDataKey, one KMS key at $1/month.
    let s = run_variant("v", &scenario("", PUTS), None).summary;
    assert_eq!(s.bucket_keys_issued, 2);
    assert_eq!(s.kms.requests, 2);
    assert_eq!(s.kms.keys, 1);
    assert_eq!(s.kms.key_cost_usd_per_month, 1.0);
}

#[test]
fn a_key_change_issues_a_bucket_key_under_the_new_key_and_bills_both_keys() {
    // Key a's bucket key from t = 0 (would last to 300 s); at 100 s the bucket moves to key b:
    // the next write needs a bucket key under b (GenerateDataKey at 100 s, lasting to 400 s),
    // renewed at 400 s (lasting past the end at 600 s). 3 GenerateDataKey instead of 2.
    // Both keys exist from 100 s on: 2 keys × $1 = $2 a month.
    let change = format!(r#"kms_key_change = {{ at = "100s", to = "{B}" }}"#);
    let s = run_variant("v", &scenario(&change, PUTS), None).summary;
    assert_eq!(s.bucket_keys_issued, 3);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 3);
    assert_eq!(s.kms.by_operation.Decrypt, 0);
    assert_eq!(s.kms.keys, 2);
    assert_eq!(s.kms.key_cost_usd_per_month, 2.0);
    // A change after the end of the run never happens: one key, the 2 bucket keys of before.
    let late = format!(r#"kms_key_change = {{ at = "600s", to = "{B}" }}"#);
    let s = run_variant("v", &scenario(&late, PUTS), None).summary;
    assert_eq!((s.bucket_keys_issued, s.kms.keys), (2, 1));
}

/// 20 PUTs at 1/s (the change at 10 s splits them 10 and 10), then 20 GETs of them in order.
fn write_then_read(reader: &str) -> String {
    format!(
        r#"
[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = {{ kind = "constant", rate = 1 }}
requests = 20
[[workload]]
name = "r"
bucket = "b"
op = "get"
arrival = {{ kind = "constant", rate = 1 }}
requests = 20
read_from = "w"
after = "w"
{reader}
"#
    )
}

#[test]
fn reads_use_the_bucket_key_of_the_kms_key_that_wrote_the_object() {
    let change = format!(r#"kms_key_change = {{ at = "9500ms", to = "{B}" }}"#);
    // Objects 1..10 (written at 0..9 s) under a's bucket key, 11..20 (10..19 s) under b's.
    // A reader in a session of its own unwraps each bucket key once: 2 Decrypt.
    let s = run_variant("v", &scenario(&change, &write_then_read("")), None).summary;
    assert_eq!(s.bucket_keys_issued, 2);
    assert_eq!(s.bucket_keys_decrypted, 2);
    assert_eq!(
        (
            s.kms.by_operation.GenerateDataKey,
            s.kms.by_operation.Decrypt
        ),
        (2, 2)
    );
    // The writer's own session still holds both bucket keys (each under its own KMS key, 300 s
    // lifetime): its reads find them in the write cache, 0 Decrypt.
    let s = run_variant(
        "v",
        &scenario(&change, &write_then_read(r#"sessions_of = "w""#)),
        None,
    )
    .summary;
    assert_eq!(s.bucket_keys_decrypted, 0);
    assert_eq!(s.kms.by_operation.Decrypt, 0);
    assert_eq!(s.kms.keys, 2);
}

#[test]
fn a_workload_with_its_own_key_gets_bucket_keys_of_its_own() {
    // Two workloads in the same session, one naming key b: the bucket-key cache is per KMS
    // key, so each key gets its 2 bucket keys (600 s / 300 s): 4, not 2. A third workload
    // sends bucket_key = false: a GenerateDataKey per object (600 PUTs at 1/s, object-ARN
    // context). Keys billed: a and b.
    let rest = format!(
        r#"{PUTS}
[[workload]]
name = "other-key"
bucket = "b"
op = "put"
arrival = {{ kind = "constant", rate = 10 }}
sessions_of = "w"
kms_key = "{B}"
[[workload]]
name = "no-bucket-key"
bucket = "b"
op = "put"
arrival = {{ kind = "constant", rate = 1 }}
sessions_of = "w"
bucket_key = false
"#
    );
    let s = run_variant("v", &scenario("", &rest), None).summary;
    assert_eq!(s.bucket_keys_issued, 4);
    assert_eq!(s.cloudtrail.bucket_arn_context, 4);
    assert_eq!(s.cloudtrail.object_arn_context, 600);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 604);
    assert_eq!(s.kms.keys, 2);
    assert_eq!(s.kms.key_cost_usd_per_month, 2.0);
}

#[test]
fn a_workload_can_turn_bucket_keys_on_for_its_objects_only() {
    // Bucket keys off on the bucket; the workload's header turns them on: 2 bucket keys.
    let mut sc = scenario("", &format!("{PUTS}bucket_key = true\n"));
    sc.buckets[0].bucket_key = false;
    let s = run_variant("v", &sc, None).summary;
    assert_eq!((s.bucket_keys_issued, s.kms.requests), (2, 2));
}

#[test]
fn slots_ride_in_bucket_key_ids() {
    assert_eq!(slot(tag(7, 0)), 0);
    assert_eq!(tag(7, 0), 7);
    assert_eq!(slot(tag(7, 3)), 3);
    assert_eq!(tag(7, 3) & ((1 << SLOT_SHIFT) - 1), 7);
    assert_eq!(slot(POPULATION_KEY_BIT | 5 << SLOT_SHIFT), 0);
}

#[test]
fn bad_key_settings_are_refused_with_their_key() {
    let e = error(
        &format!(r#"kms_key_change = {{ at = "1m", to = "{A}" }}"#),
        PUTS,
    );
    assert!(e.contains("bucket.b.kms_key_change.to"), "{e}");
    assert!(e.contains("bucket 'b' already uses"), "{e}");
    let e = error(r#"kms_key_change = { at = "1m", to = "alias/new" }"#, PUTS);
    assert!(e.contains("'alias/new' is not a KMS key ARN"), "{e}");
    let e = error(r#"kms_key_change = { at = "1m" }"#, PUTS);
    assert!(e.contains("bucket.b.kms_key_change.to"), "{e}");
    let e = error(
        "",
        &format!(
            "{PUTS}[[workload]]\nname = \"r\"\nbucket = \"b\"\nop = \"get\"\narrival = {{ kind = \"constant\", rate = 1 }}\nkms_key = \"{B}\"\n"
        ),
    );
    assert!(e.contains("kms_key applies only to put workloads"), "{e}");
}
