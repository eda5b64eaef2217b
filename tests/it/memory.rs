//! Memory stays bounded: inputs that once made bksim allocate gigabytes and abort either run
//! under an address-space limit now (the model keeps state for what is in use, not for what
//! a key allows) or are rejected up front with exit 2, naming the key and its limit.

use crate::common::{Limits, text};
use std::process::Output;

/// Address space the runs below may use: far more than they need, far less than the
/// gigabytes the same inputs once asked for.
const ADDRESS_SPACE: u64 = 2 << 30;

/// Runs `bksim ARGS` in the repository root with its address space limited.
fn bksim_limited(args: &[&str]) -> Output {
    let limits = Limits {
        address_space: Some(ADDRESS_SPACE),
        file_size: None,
    };
    crate::common::bksim_limited(args, limits)
        .output()
        .expect("run bksim")
}

/// `run` of `scenario` with `sets`, single-threaded, into a fresh directory: its
/// `summary.json` as JSON and the number of time-series rows.
fn run_ok(scenario: &str, sets: &[&str]) -> (serde_json::Value, usize) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("r");
    let mut args = vec![
        "run",
        scenario,
        "--out",
        dir.to_str().unwrap(),
        "-q",
        "-j",
        "1",
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    let o = bksim_limited(&args);
    assert!(
        o.status.success(),
        "{args:?}: {:?}\n{}",
        o.status,
        text(&o.stderr)
    );
    let summary = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let rows = std::fs::read_to_string(dir.join("timeseries.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    (serde_json::from_str(&summary).unwrap(), rows)
}

/// `validate` and `run` of `scenario` with `set` both exit 2 with a message naming `key`
/// and `limit`.
fn rejected(scenario: &str, set: &str, key: &str, limit: &str) {
    for cmd in ["validate", "run"] {
        let mut args = vec![cmd, scenario, "--set", set];
        if cmd == "run" {
            args.extend(["--out", "/nonexistent/never-written", "-q"]);
        }
        let o = bksim_limited(&args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("{scenario}: --set {key}: ")),
            "{args:?}: {err}"
        );
        assert!(err.contains(limit), "{args:?}: {err}");
    }
}

#[test]
fn ten_million_sessions_are_rejected() {
    rejected(
        "scenarios/quickstart.toml",
        "workload.uploads.sessions=10000000",
        "workload.uploads.sessions",
        "at most 100000 sessions in all workloads together",
    );
}

#[test]
fn ten_million_prefixes_are_rejected() {
    rejected(
        "scenarios/quickstart.toml",
        "bucket.ingest.prefixes=10000000",
        "bucket.ingest.prefixes",
        "at most 100000 prefixes in all buckets together",
    );
}

#[test]
fn a_million_closed_loop_clients_are_rejected_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("closed.toml");
    std::fs::write(
        &file,
        "name = \"closed\"\nduration = \"10s\"\n\n[[bucket]]\nname = \"b\"\nencryption = \"sse-kms\"\n\n\
         [[workload]]\nname = \"w\"\nbucket = \"b\"\nop = \"put\"\n\
         arrival = { kind = \"closed\", concurrency = 1000000 }\n",
    )
    .unwrap();
    let o = bksim_limited(&["validate", file.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("closed.toml:12:") && err.contains("workload.w.arrival.concurrency: "),
        "{err}"
    );
    assert!(
        err.contains("at most 100000 clients in all workloads together"),
        "{err}"
    );
}

#[test]
fn a_billion_cpu_cores_per_session_run_in_bounded_memory() {
    // Cores are kept as the busy ones and a count of unused ones.
    let (s, _) = run_ok(
        "scenarios/cse-client-fleet.toml",
        &[
            "client.cpu_cores=1000000000",
            "duration=5s",
            "warmup=1s",
            "crypto.verify=false",
        ],
    );
    for v in s["variants"].as_array().unwrap() {
        assert_eq!(v["crypto"]["client_cpu_cores"], 1_000_000_000u64);
        assert!(v["requests"]["put"]["completed"].as_u64().unwrap() > 0);
    }
}

#[test]
fn ten_million_connections_per_session_run_in_bounded_memory() {
    // The pool keeps a count of unopened connections and the hosts of opened ones (an
    // entry per allowed connection would be 4 GB for these 100 sessions).
    let (s, _) = run_ok(
        "scenarios/quickstart.toml",
        &[
            "client.connections_per_session=10000000",
            "workload.uploads.sessions=100",
            "duration=2s",
            "warmup=0s",
            "workload.uploads.arrival.rate=2000",
        ],
    );
    assert!(
        s["variants"][0]["requests"]["put"]["completed"]
            .as_u64()
            .unwrap()
            > 3000
    );
}

#[test]
fn a_transfer_rate_of_one_byte_per_second_stops_at_the_drain_limit() {
    // Objects of megabytes at 1 B/s would transfer for weeks: the run stops 60 s after
    // `duration` (rows 0..=65 of a 5-s run) and reports every upload as unfinished.
    let (s, rows) = run_ok(
        "scenarios/backup-burst.toml",
        &["s3.transfer_rate=1", "duration=5s", "warmup=0s"],
    );
    let variants = s["variants"].as_array().unwrap();
    assert_eq!(rows, 66 * variants.len());
    for v in variants {
        let put = &v["requests"]["put"];
        let offered = put["offered"].as_u64().unwrap();
        assert!(offered > 0);
        assert_eq!(put["unfinished"].as_u64().unwrap(), offered, "{put}");
    }
}

#[test]
fn element_counts_that_multiply_state_are_limited() {
    // 101 buckets (each keeps a sample of written objects) and 33 variants (a run holds
    // each variant's time series) are rejected at the first table past the limit.
    let dir = tempfile::tempdir().unwrap();
    let head = "name = \"many\"\nduration = \"10s\"\n";
    let workload = "[[workload]]\nname = \"w\"\nbucket = \"b0\"\nop = \"put\"\n\
                    arrival = { kind = \"poisson\", rate = 1 }\n";
    let buckets: String = (0..101)
        .map(|i| format!("[[bucket]]\nname = \"b{i}\"\nencryption = \"sse-kms\"\n"))
        .collect();
    let variants: String = (0..33)
        .map(|i| format!("[[variant]]\nname = \"v{i}\"\n"))
        .collect();
    let one_bucket = "[[bucket]]\nname = \"b0\"\nencryption = \"sse-kms\"\n";
    for (name, toml, line, msg) in [
        (
            "buckets.toml",
            format!("{head}{buckets}{workload}"),
            2 + 3 * 100 + 1,
            "101 [[bucket]] tables are more than bksim simulates: at most 100",
        ),
        (
            "variants.toml",
            format!("{head}{one_bucket}{workload}{variants}"),
            2 + 3 + 5 + 2 * 32 + 1,
            "33 [[variant]] tables are more than bksim simulates in one run: at most 32",
        ),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, toml).unwrap();
        let o = bksim_limited(&["validate", file.to_str().unwrap()]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("{name}:{line}")), "{err}");
        assert!(err.contains(msg), "{err}");
    }
    // At the limits both are accepted.
    let buckets: String = (0..100)
        .map(|i| format!("[[bucket]]\nname = \"b{i}\"\nencryption = \"sse-kms\"\n"))
        .collect();
    let file = dir.path().join("ok.toml");
    std::fs::write(&file, format!("{head}{buckets}{workload}")).unwrap();
    let o = bksim_limited(&["validate", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// Reads of old objects written with bucket keys keep a cache entry per reader session, host
/// and key for the key's lifetime: 24,000 GET/s × 5 min = 7.2 M entries is accepted; at
/// 100,000 GET/s (30 M) validate refuses the bucket's `existing`, before any work (such a run
/// went on to a memory abort at 1.6 GB); with few keys (one writer over an hour: 12 keys × 200
/// sessions × 100 hosts) the same rate is accepted.
#[test]
fn bucket_key_cache_entries_of_old_objects_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lake.toml");
    std::fs::write(
        &file,
        "name = \"lake\"\nduration = \"12m\"\n[s3]\nfrontend_hosts = 100\nbucket_key_ttl = \"5m\"\n\
         [[bucket]]\nname = \"lake\"\nencryption = \"sse-kms\"\nbucket_key = true\n\
         existing = { objects = 50000000, written_over = \"30d\", writer_sessions = 20 }\n\
         [[workload]]\nname = \"scan\"\nbucket = \"lake\"\nop = \"get\"\nread_from = \"existing\"\n\
         arrival = { kind = \"poisson\", rate = 24000 }\nsessions = 200\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    for (sets, refused) in [
        (vec![], false),
        (vec!["workload.scan.arrival.rate=100000"], true),
        (
            vec![
                "workload.scan.arrival.rate=100000",
                "bucket.lake.existing.written_over=1h",
                "bucket.lake.existing.writer_sessions=1",
            ],
            false,
        ),
    ] {
        let mut args = vec!["validate", f];
        for s in &sets {
            args.extend(["--set", s]);
        }
        let o = bksim_limited(&args);
        let err = text(&o.stderr);
        if refused {
            assert_eq!(o.status.code(), Some(2), "{sets:?}: {err}");
            assert!(
                err.contains("bucket.lake.existing: reads of its objects written with bucket keys would keep about 30000000 bucket-key cache entries (100000 reads/s × 100 % with a bucket key × 300 s"),
                "{err}"
            );
            assert!(err.contains("at most 10000000"), "{err}");
        } else {
            assert!(o.status.success(), "{sets:?}: {err}");
        }
    }
}
