//! Tests of finite, chained and session-sharing workloads and of reads by position, from
//! scenario text through the model, with fixed latencies so every count is worked by hand.

use super::super::super::objects::{KeyRef, ObjectRecord};
use super::Sequence;
use crate::metrics::results::VariantSummary;
use crate::model::run_variant;
use crate::scenario::{Override, Scenario, ScenarioFile};
use std::path::Path;

/// One sse-kms bucket `b`; KMS answers at once and S3 takes exactly 1 s per request, so a
/// closed-loop client sends at 0 s, 1 s, 2 s...; no retries, no prefix limits; 5 s of
/// arrivals. `workloads` follows.
fn scenario(workloads: &str, sets: &[&str]) -> Scenario {
    let text = format!(
        r#"
name = "t"
seed = 3
duration = "5s"
[kms]
region = "eu-central-1"
latency = "0ms"
[s3]
latency = "1s"
prefix_put_rps = 0
prefix_get_rps = 0
[client]
retry = "none"
[[bucket]]
name = "b"
encryption = "sse-kms"
bucket_key = false
{workloads}"#
    );
    let f = ScenarioFile::parse(Path::new("t.toml"), &text).expect("valid scenario");
    let extra: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse_cli(s).unwrap())
        .collect();
    crate::prepare::variant(&f, None, &extra).expect("resolves")
}

fn run(workloads: &str, sets: &[&str]) -> VariantSummary {
    run_variant("v", &scenario(workloads, sets), None).summary
}

/// A closed loop of `clients` clients.
fn closed(name: &str, op: &str, clients: u32, extra: &str) -> String {
    format!(
        "[[workload]]\nname = \"{name}\"\nbucket = \"b\"\nop = \"{op}\"\n\
         arrival = {{ kind = \"closed\", concurrency = {clients} }}\n{extra}\n"
    )
}

/// Open loop, evenly spaced at `rate` per second.
fn constant(name: &str, op: &str, rate: u32, extra: &str) -> String {
    format!(
        "[[workload]]\nname = \"{name}\"\nbucket = \"b\"\nop = \"{op}\"\n\
         arrival = {{ kind = \"constant\", rate = {rate} }}\n{extra}\n"
    )
}

#[test]
fn open_loop_arrivals_stop_after_requests() {
    // 100/s for 5 s would be 500.
    let s = run(&constant("w", "put", 100, "requests = 30"), &[]);
    assert_eq!(s.requests.put.offered, 30);
    assert_eq!(s.requests.put.completed, 30);
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    assert_eq!(
        run(&constant("w", "put", 100, ""), &[])
            .requests
            .put
            .offered,
        500
    );
}

#[test]
fn closed_loop_sends_requests_in_total_over_its_clients() {
    // 3 clients × 5 one-second cycles would be 15.
    let s = run(&closed("w", "put", 3, "requests = 7"), &[]);
    assert_eq!((s.requests.put.offered, s.requests.put.completed), (7, 7));
    assert_eq!(
        run(&closed("w", "put", 3, ""), &[]).requests.put.offered,
        15
    );
}

#[test]
fn a_follower_starts_when_its_predecessor_has_ended() {
    // `up` sends at 0, 1 and 2 s; its third PUT ends at 3 s, so it has ended then.
    let up = closed("up", "put", 1, "requests = 3");
    // Open loop at 1/s from 3 s: arrivals at 3 and 4 s (5 s is the end of arrivals).
    let s = run(
        &(up.clone() + &constant("r", "get", 1, "after = \"up\"\nread_from = \"written\"")),
        &[],
    );
    assert_eq!((s.requests.put.offered, s.requests.get.offered), (3, 2));
    assert_eq!(s.requests.get.no_object, 0);
    // The profile is shifted too: rate 1/s for its first second only, so one arrival (at
    // 3 s); unshifted, the rate would already be 0 at 3 s and nothing would arrive.
    let s = run(
        &(up.clone() + &constant("r", "get", 1, "after = \"up\"\nread_from = \"written\"")),
        &["workload.r.arrival.profile={ kind = \"steps\", at = [\"1s\"], rate = [0] }"],
    );
    assert_eq!(s.requests.get.offered, 1);
    // A closed loop's clients start then: 2 clients at 3 and 4 s.
    let s = run(
        &(up + &closed("r", "get", 2, "after = \"up\"\nread_from = \"written\"")),
        &[],
    );
    assert_eq!(s.requests.get.offered, 4);
}

#[test]
fn chains_start_one_after_another() {
    // a: 0 s (ends 1 s); b: 1 s, 2 s (ends 3 s); c: 3 s, 4 s.
    let s = run(
        &(closed("a", "put", 1, "requests = 1")
            + &closed("b", "put", 1, "requests = 2\nafter = \"a\"")
            + &closed("c", "put", 1, "after = \"b\"")),
        &[],
    );
    assert_eq!(s.requests.put.offered, 5);
}

#[test]
fn a_follower_of_a_workload_that_never_ends_sends_nothing_and_says_so() {
    // `up` offers 5 of its 100 PUTs (0 to 4 s) before arrivals end.
    let s = run(
        &(closed("up", "put", 1, "requests = 100")
            + &closed("r", "get", 1, "after = \"up\"\nread_from = \"written\"")),
        &[],
    );
    assert_eq!(s.requests.put.offered, 5);
    assert_eq!(s.requests.get.offered, 0);
    assert_eq!(s.latency_ms.get.p99, 0.0);
    assert_eq!(
        s.notes,
        [
            "workload 'up' offered 5 of its 100 requests before the end of arrivals (duration)",
            "workload 'r' sent no request: it starts when workload 'up' has ended, and 'up' had not ended when the run stopped",
        ]
    );
    // `up` ends at 5 s exactly, when arrivals end: its follower starts too late.
    let s = run(
        &(closed("up", "put", 1, "requests = 5")
            + &closed("r", "get", 1, "after = \"up\"\nread_from = \"written\"")),
        &[],
    );
    assert_eq!((s.requests.put.offered, s.requests.get.offered), (5, 0));
    assert_eq!(
        s.notes,
        [
            "workload 'r' sent no request: workload 'up', which it follows, ended at 5.000 s, not before the end of arrivals (duration, 5.000 s)"
        ]
    );
}

#[test]
fn sessions_of_shares_the_bucket_key_cache_entry() {
    // Two sequential writers of 2 PUTs each with bucket keys: from one session (and its one
    // pooled connection, so one front-end host) a single GenerateDataKey; with a session
    // each, one per session.
    let workloads = |share: &str| {
        closed("a", "put", 1, "requests = 2")
            + &closed(
                "b",
                "put",
                1,
                &format!("requests = 2\nafter = \"a\"\n{share}"),
            )
    };
    let bk = ["bucket.b.bucket_key=true"];
    let shared = run(&workloads("sessions_of = \"a\""), &bk);
    assert_eq!(shared.requests.put.completed, 4);
    assert_eq!(shared.kms.by_operation.GenerateDataKey, 1);
    assert_eq!(shared.bucket_keys_issued, 1);
    let own = run(&workloads(""), &bk);
    assert_eq!(own.requests.put.completed, 4);
    assert_eq!(own.kms.by_operation.GenerateDataKey, 2);
}

#[test]
fn gets_before_their_object_exists_count_as_no_object() {
    // PUTs take 1.5 s: the first object exists from 1.5 s. Reads of it at 0, 1 and 2 s: the
    // first two find nothing, the third reads it (one Decrypt, per-object keys).
    let s = run(
        &(closed("up", "put", 1, "requests = 3")
            + &constant(
                "r",
                "get",
                1,
                "requests = 3\nread_from = \"up\"\nobjects = \"1..1\"",
            )),
        &["s3.latency=1500ms"],
    );
    let g = &s.requests.get;
    assert_eq!((g.offered, g.no_object, g.completed), (3, 2, 1));
    assert_eq!(s.kms.by_operation.Decrypt, 1);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 3);
}

fn record(size: u64) -> ObjectRecord {
    ObjectRecord {
        key: KeyRef::PerObject,
        size,
        prefix: 0,
        client_key: 0,
    }
}

#[test]
fn reads_go_through_the_range_in_order_and_cycle() {
    let sc = scenario(
        &(closed("up", "put", 1, "requests = 10")
            + &closed("r", "get", 1, "read_from = \"up\"\nobjects = \"3..4\"")
            + &closed("s", "get", 1, "read_from = \"up\"\nobjects = \"6..7\"")),
        &[],
    );
    let mut seq = Sequence::new(&sc);
    // Nothing written yet: position 3 does not exist (and the cursor moves on, to 4).
    assert_eq!(seq.read(1), None);
    // The object of position p has size p.
    for p in 1..=10 {
        seq.written(0, record(p));
    }
    let sizes: Vec<u64> = (0..5).map(|_| seq.read(1).unwrap().size).collect();
    assert_eq!(sizes, [4, 3, 4, 3, 4]);
    let sizes: Vec<u64> = (0..3).map(|_| seq.read(2).unwrap().size).collect();
    assert_eq!(sizes, [6, 7, 6]);
    // Only the union of the ranges, 3..=7, is kept.
    let k = seq.kept[0].as_ref().unwrap();
    assert_eq!((k.first, k.last, k.objects.len()), (3, 7, 5));
    assert!(seq.kept[1].is_none() && seq.kept[2].is_none());
}
