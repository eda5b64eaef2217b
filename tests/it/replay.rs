//! `bksim replay` end to end: what each replayed operation asks of KMS (worked by hand),
//! objects written in the replay read with the key that wrote them, bucket keys cached per
//! session and host, multipart uploads and copies, trace workloads inside scenarios,
//! determinism, and every kind of bad input refused with exit 2.

use std::io::Write;
use std::path::Path;

use crate::common::{bksim, text};

const HEADER: &str = "time,op,bucket,key,requester,size,copy_source\n";

/// Writes `files` (name, content) into a new temporary directory.
fn logs(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

/// `bksim replay ARGS --out OUT --quiet`; the summary on success.
fn replay(args: &[&str], out: &Path) -> Result<serde_json::Value, (i32, String)> {
    let mut all: Vec<&str> = vec!["replay"];
    all.extend(args);
    all.extend(["--out", out.to_str().unwrap(), "--quiet"]);
    let o = bksim(&all);
    if !o.status.success() {
        return Err((o.status.code().unwrap_or(-1), text(&o.stderr)));
    }
    let s = std::fs::read(out.join("summary.json")).unwrap();
    Ok(serde_json::from_slice(&s).unwrap())
}

fn ok(args: &[&str], out: &Path) -> serde_json::Value {
    replay(args, out).unwrap_or_else(|(code, e)| panic!("exit {code}: {e}"))
}

fn refused(args: &[&str]) -> String {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("r");
    match replay(args, &target) {
        Ok(_) => panic!("accepted {args:?}"),
        Err((code, e)) => {
            assert_eq!(code, 2, "{e}");
            assert!(!target.exists(), "an output directory was written");
            e
        }
    }
}

/// (GenerateDataKey, Decrypt) of the named variant.
fn kms(summary: &serde_json::Value, variant: &str) -> (u64, u64) {
    let v = summary["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == variant)
        .unwrap_or_else(|| panic!("no variant {variant}"));
    let by = &v["kms"]["by_operation"];
    (
        by["GenerateDataKey"].as_u64().unwrap(),
        by["Decrypt"].as_u64().unwrap(),
    )
}

fn path(d: &tempfile::TempDir, name: &str) -> String {
    d.path().join(name).to_str().unwrap().to_string()
}

#[test]
fn head_and_delete_make_no_kms_call_and_bucket_keys_serve_the_writer_on_its_host() {
    // alice writes `a` and reads it back; HEAD and DELETE; bob reads it too.
    let csv = format!(
        "{HEADER}\
         2026-11-24T10:00:00Z,put,b1,a,alice,1000,\n\
         2026-11-24T10:00:01Z,get,b1,a,alice,1000,\n\
         2026-11-24T10:00:02Z,head,b1,a,alice,,\n\
         2026-11-24T10:00:03Z,get,b1,a,bob,1000,\n\
         2026-11-24T10:00:04Z,delete,b1,a,alice,,\n"
    );
    let d = logs(&[("r.csv", csv.as_bytes())]);
    let out = tempfile::tempdir().unwrap();
    let s = ok(
        &[
            &path(&d, "r.csv"),
            "--set",
            "s3.frontend_hosts=1",
            "--set",
            "s3.latency=\"1ms\"",
        ],
        &out.path().join("o"),
    );
    // Per-object keys: one GenerateDataKey for the PUT, one Decrypt per GET, nothing for
    // HEAD or DELETE.
    assert_eq!(kms(&s, "per-object"), (1, 2));
    // Bucket keys: the PUT's bucket key serves alice's GET on the same host within the TTL;
    // bob's session unwraps it once.
    assert_eq!(kms(&s, "bucket-key"), (1, 1));
    let v = &s["variants"][0];
    // Every read was of an object the replay wrote: none counted for earlier objects.
    assert!(v["kms"].get("for_existing_objects").is_none(), "{v}");
    assert_eq!(v["requests"]["put"]["offered"], 1);
    assert_eq!(v["requests"]["get"]["offered"], 2);
    assert_eq!(v["other_requests"]["offered"], 2);
    assert_eq!(v["other_requests"]["completed"], 2);
    let t = &s["traces"][0];
    assert_eq!(t["requests"], 5);
    assert_eq!(t["sessions"], 2);
    assert_eq!(t["first"], "2026-11-24T10:00:00Z");
    assert_eq!(t["last"], "2026-11-24T10:00:04Z");
    assert_eq!(t["span_seconds"], 5.0);
    assert_eq!(s["simulated_seconds"], 5.0);
}

#[test]
fn a_deleted_object_read_again_is_a_pre_existing_one() {
    // After the DELETE, `a` is no longer the object alice wrote: its read needs KMS again even
    // with bucket keys (a pre-existing object's bucket key).
    let csv = format!(
        "{HEADER}\
         2026-11-24T10:00:00Z,put,b1,a,alice,10,\n\
         2026-11-24T10:00:01Z,delete,b1,a,alice,,\n\
         2026-11-24T10:00:02Z,get,b1,a,alice,10,\n"
    );
    let d = logs(&[("r.csv", csv.as_bytes())]);
    let out = tempfile::tempdir().unwrap();
    let s = ok(
        &[&path(&d, "r.csv"), "--set", "s3.frontend_hosts=1"],
        &out.path().join("o"),
    );
    assert_eq!(kms(&s, "per-object"), (1, 1));
    assert_eq!(kms(&s, "bucket-key"), (1, 1));
    // That read's call is the one counted for objects written before the log.
    for v in s["variants"].as_array().unwrap() {
        assert_eq!(v["kms"]["for_existing_objects"], 1, "{}", v["name"]);
    }
}

#[test]
fn objects_the_log_never_wrote_keep_the_history_of_the_scenario_file() {
    // Three GETs of three objects the log never wrote. The bucket has no bucket key in the
    // scenario, so they were written each with its own data key: the bucket-key variant (a
    // variant turning bucket keys on) reads them with a Decrypt each, like per-object, and
    // every call is one for objects written before the log.
    let csv = format!(
        "{HEADER}\
         2026-11-24T10:00:00Z,get,b1,x,alice,10,\n\
         2026-11-24T10:00:01Z,get,b1,y,alice,10,\n\
         2026-11-24T10:00:02Z,get,b1,z,alice,10,\n"
    );
    let d = logs(&[("r.csv", csv.as_bytes())]);
    let out = tempfile::tempdir().unwrap();
    let s = ok(
        &[&path(&d, "r.csv"), "--set", "s3.frontend_hosts=1"],
        &out.path().join("o"),
    );
    assert_eq!(kms(&s, "per-object"), (0, 3));
    assert_eq!(kms(&s, "bucket-key"), (0, 3));
    for v in s["variants"].as_array().unwrap() {
        assert_eq!(v["kms"]["for_existing_objects"], 3, "{}", v["name"]);
        assert_eq!(v["cloudtrail"]["object_arn_context"], 3, "{}", v["name"]);
    }
    // A scenario whose bucket has bucket keys on: the objects were written with bucket keys
    // (one writer over 30 days, so three objects, three bucket keys), in both variants.
    let scenario =
        b"name = \"bk\"\n[[bucket]]\nname = \"b1\"\nencryption = \"sse-kms\"\nbucket_key = true\n";
    let d2 = logs(&[("s.toml", scenario), ("r.csv", csv.as_bytes())]);
    let s = ok(
        &[
            &path(&d2, "r.csv"),
            "--scenario",
            &path(&d2, "s.toml"),
            "--set",
            "s3.frontend_hosts=1",
        ],
        &out.path().join("p"),
    );
    for v in s["variants"].as_array().unwrap() {
        assert_eq!(v["cloudtrail"]["bucket_arn_context"], 3, "{}", v["name"]);
        assert_eq!(v["cloudtrail"]["object_arn_context"], 0, "{}", v["name"]);
    }
}

#[test]
fn multipart_uploads_and_copies_call_kms_as_s3_does() {
    let csv = format!(
        "{HEADER}\
         2026-11-24T10:00:00Z,mpu-create,b1,big,alice,,\n\
         2026-11-24T10:00:01Z,mpu-part,b1,big,alice,5000000,\n\
         2026-11-24T10:00:02Z,mpu-part,b1,big,alice,5000000,\n\
         2026-11-24T10:00:03Z,mpu-complete,b1,big,alice,10000000,\n\
         2026-11-24T10:00:04Z,get,b1,big,bob,10000000,\n\
         2026-11-24T10:00:05Z,copy,b2,dst,alice,10000000,b1/big\n"
    );
    let d = logs(&[("r.csv", csv.as_bytes())]);
    let out = tempfile::tempdir().unwrap();
    let s = ok(&[&path(&d, "r.csv")], &out.path().join("o"));
    // Create: GenerateDataKey. Each part: Decrypt. Complete: nothing. GET: Decrypt.
    // Copy: Decrypt of the source, GenerateDataKey of the destination.
    assert_eq!(kms(&s, "per-object"), (2, 4));
    let v = &s["variants"][0];
    assert_eq!(v["requests"]["put"]["offered"], 1, "the copy is a write");
    assert_eq!(v["requests"]["get"]["offered"], 1);
    assert_eq!(v["other_requests"]["offered"], 4);
    let by: Vec<(String, u64)> = s["traces"][0]["by_operation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["name"].as_str().unwrap().to_string(),
                x["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        vec![
            ("CreateMultipartUpload".to_string(), 1),
            ("UploadPart".to_string(), 2),
            ("CompleteMultipartUpload".to_string(), 1),
            ("GetObject".to_string(), 1),
            ("CopyObject".to_string(), 1),
        ]
    );
}

/// An S3 access-log line (the documented fields, through the TLS version).
fn access(bucket: &str, time: &str, requester: &str, op: &str, key: &str, status: u16) -> String {
    format!(
        "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be {bucket} [{time}] 192.0.2.3 {requester} 3E57427F3EXAMPLE {op} {key} \"GET /{bucket}/{key} HTTP/1.1\" {status} - 1000 1000 7 6 \"-\" \"aws-sdk-java/1.12\" - hostid= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader {bucket}.s3.us-west-1.amazonaws.com TLSv1.2\n"
    )
}

#[test]
fn access_logs_in_unsorted_gzip_and_plain_files_replay_in_time_order() {
    let role = "arn:aws:sts::123456789012:assumed-role/app/i-1";
    // The later file sorts first by name; one of them is gzip.
    let late = access(
        "logs.example.com",
        "24/Nov/2026:10:00:05 +0000",
        role,
        "REST.GET.OBJECT",
        "k",
        200,
    ) + &access(
        "logs.example.com",
        "24/Nov/2026:10:00:06 +0000",
        role,
        "REST.GET.BUCKET",
        "-",
        200,
    );
    let early = access(
        "logs.example.com",
        "24/Nov/2026:10:00:01 +0000",
        role,
        "REST.PUT.OBJECT",
        "k",
        200,
    ) + &access(
        "logs.example.com",
        "24/Nov/2026:10:00:02 +0000",
        role,
        "REST.GET.OBJECT",
        "missing",
        404,
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(early.as_bytes()).unwrap();
    let d = logs(&[
        ("a-late", late.as_bytes()),
        ("b-early.gz", &gz.finish().unwrap()),
    ]);
    let out = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    let s = ok(&[dir], &out.path().join("o"));
    let t = &s["traces"][0];
    assert_eq!(t["first"], "2026-11-24T10:00:01Z");
    assert_eq!(t["last"], "2026-11-24T10:00:05Z");
    assert_eq!(t["requests"], 2);
    assert_eq!(t["lines"], 4);
    let skipped: Vec<&str> = t["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, vec!["REST.GET.BUCKET", "REST.GET.OBJECT 404"]);
    // The bucket's dotted name became a scenario name; the log's name is shown beside it.
    assert_eq!(t["buckets"][0]["log_name"], "logs.example.com");
    assert_eq!(t["buckets"][0]["bucket"], "logs_example_com");
    // The GET read the object the PUT wrote (written earlier in time, though later in the
    // files): per-object, one GenerateDataKey and one Decrypt.
    assert_eq!(kms(&s, "per-object"), (1, 1));
}

#[test]
fn the_same_log_scenario_and_seed_give_identical_bytes() {
    let d = tempfile::tempdir().unwrap();
    let opts = bksim::replay::generate::GenOptions {
        requests: 3000,
        ..Default::default()
    };
    bksim::replay::generate::generate(&opts, d.path()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (a, b) = (out.path().join("a"), out.path().join("b"));
    let dir = d.path().to_str().unwrap();
    ok(&[dir], &a);
    ok(&[dir, "--threads", "1"], &b);
    for f in [
        "summary.json",
        "timeseries.csv",
        "report.md",
        "latency-bucket-key-get.hgrm",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two replays of the same log"
        );
    }
    let md = std::fs::read_to_string(a.join("report.md")).unwrap();
    assert!(md.contains("## Replayed log: workload replay"), "{md}");
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(html.contains("<h2>Replayed log: workload replay</h2>"));
}

#[test]
fn speed_divides_logged_time() {
    let csv = format!(
        "{HEADER}\
         2026-11-24T10:00:00Z,put,b1,a,alice,10,\n\
         2026-11-24T10:00:09Z,put,b1,b,alice,10,\n"
    );
    let d = logs(&[("r.csv", csv.as_bytes())]);
    let out = tempfile::tempdir().unwrap();
    let s = ok(&[&path(&d, "r.csv"), "--speed", "2"], &out.path().join("o"));
    assert_eq!(s["simulated_seconds"], 5.0);
    assert_eq!(s["traces"][0]["speed"], 2.0);
    assert_eq!(s["variants"][0]["requests"]["put"]["offered"], 2);
    // A speed that is not a whole number is written and read back (it was refused as an
    // implausible count when the report was written, after the whole run).
    let s = ok(
        &[&path(&d, "r.csv"), "--speed", "0.5"],
        &out.path().join("h"),
    );
    assert_eq!(s["simulated_seconds"], 20.0);
    assert_eq!(s["traces"][0]["speed"], 0.5);
    let r = bksim(&["report", out.path().join("h").to_str().unwrap(), "--quiet"]);
    assert!(r.status.success(), "{}", text(&r.stderr));
}

#[test]
fn a_scenario_supplies_buckets_by_s3_name_and_adds_a_planned_workload() {
    let csv = format!(
        "{HEADER}\
         2026-11-24T10:00:00Z,put,logs.example.com,a,alice,10,\n\
         2026-11-24T10:00:01Z,get,other-bucket,x,alice,10,\n"
    );
    let d = logs(&[
        ("r.csv", csv.as_bytes()),
        (
            "s.toml",
            b"name = \"mine\"\nduration = \"10s\"\n\
              [[bucket]]\nname = \"logs\"\ns3_name = \"logs.example.com\"\nencryption = \"sse-s3\"\n\
              [[bucket]]\nname = \"batch\"\nencryption = \"sse-kms\"\n\
              [[workload]]\nname = \"batch\"\nbucket = \"batch\"\nop = \"put\"\nrequests = 3\n\
              arrival = { kind = \"closed\", concurrency = 1 }\n",
        ),
    ]);
    let out = tempfile::tempdir().unwrap();
    let s = ok(
        &[&path(&d, "r.csv"), "--scenario", &path(&d, "s.toml")],
        &out.path().join("o"),
    );
    assert_eq!(s["scenario"], "mine");
    assert_eq!(s["simulated_seconds"], 10.0, "the scenario's duration wins");
    // `logs` is sse-s3 (no KMS); `other-bucket` was added as sse-kms; the batch job writes
    // 3 objects to `batch`: per-object, 3 GenerateDataKey for it and 1 Decrypt for the GET.
    assert_eq!(kms(&s, "per-object"), (3, 1));
    assert_eq!(s["variants"][0]["requests"]["put"]["offered"], 4);
    let names: Vec<&str> = s["traces"][0]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["bucket"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["logs", "other-bucket"]);
}

#[test]
fn bad_logs_and_flags_are_refused_before_any_work() {
    let good = format!("{HEADER}2026-11-24T10:00:00Z,put,b1,a,alice,10,\n");
    let mut many_bad = HEADER.to_string();
    for i in 0..20 {
        many_bad.push_str(&format!("2026-11-24T10:00:{i:02}Z,put,b1,a,alice,10,\n"));
    }
    many_bad.push_str("not,a,valid,line\n");
    many_bad.push_str("2026-13-01T00:00:00Z,put,b1,a,alice,10,\n");
    let d = logs(&[
        ("good.csv", good.as_bytes()),
        ("bad.csv", many_bad.as_bytes()),
        ("picture.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        ("empty/.keep", b""),
        ("s.toml", b"name = \"x\"\nduration = \"1s\"\n[[bucket]]\nname = \"b1\"\nencryption = \"cse-kms\"\n[[workload]]\nname = \"w\"\nbucket = \"b1\"\nop = \"put\"\narrival = { kind = \"poisson\", rate = 1 }\n"),
    ]);
    let e = refused(&[&path(&d, "picture.png")]);
    assert!(
        e.contains("picture.png") && e.contains("not a log bksim reads"),
        "{e}"
    );
    let e = refused(&[&path(&d, "bad.csv")]);
    assert!(
        e.contains("2 of 22 lines could not be read, more than --max-bad-lines 1% allows"),
        "{e}"
    );
    assert!(e.contains("bad.csv:23:"), "{e}");
    // The same log within a limit of 2 lines replays.
    let out = tempfile::tempdir().unwrap();
    let s = ok(
        &[&path(&d, "bad.csv"), "--max-bad-lines", "2"],
        &out.path().join("o"),
    );
    assert_eq!(s["traces"][0]["bad_lines"], 2);
    assert_eq!(s["traces"][0]["bad_examples"][0]["line"], 22);
    let e = refused(&[&path(&d, "no-such-log")]);
    assert!(e.contains("no-such-log"), "{e}");
    let e = refused(&[&path(&d, "good.csv"), "--format", "cloudtrail"]);
    assert!(e.contains("good.csv"), "{e}");
    let e = refused(&[&path(&d, "good.csv"), "--format", "parquet"]);
    assert!(e.contains("--format parquet"), "{e}");
    let e = refused(&[&path(&d, "good.csv"), "--speed", "0"]);
    assert!(e.contains("--speed 0: expected a number above 0"), "{e}");
    // Both ends are checked with the flag, before the log is read: a speed so slow that a
    // second of log outlasts the longest run is refused in a line, not with its day count.
    let e = refused(&[&path(&d, "good.csv"), "--speed", "1e-300"]);
    assert!(
        e.contains(
            "--speed 1e-300 is below the slowest replay, 1/31,622,400 or about 3.2e-8 (a second \
             of log in 366 days, the longest run)"
        ),
        "{e}"
    );
    assert!(e.len() < 200, "{e}");
    let e = refused(&[&path(&d, "no-such-log"), "--speed", "1e-9"]);
    assert!(
        e.contains("--speed 1e-9 is below the slowest replay"),
        "{e}"
    );
    let e = refused(&[&path(&d, "good.csv"), "--speed", "2e6"]);
    assert!(
        e.contains("--speed 2000000 is above the fastest replay, 1e6"),
        "{e}"
    );
    let e = refused(&[&path(&d, "good.csv"), "--max-bad-lines", "5x"]);
    assert!(e.contains("--max-bad-lines"), "{e}");
    let e = refused(&[&path(&d, "good.csv"), "--scenario", &path(&d, "s.toml")]);
    assert!(e.contains("uses cse-kms"), "{e}");
    let e = refused(&[
        &path(&d, "good.csv"),
        "--scenario",
        &path(&d, "missing.toml"),
    ]);
    assert!(e.contains("missing.toml"), "{e}");
    let e = refused(&[&path(&d, "empty")]);
    assert!(e.contains("empty"), "{e}");
}

/// A scenario whose trace workload replays `r.csv` into a bucket the log does not name.
const S_TOML: &[u8] = b"name = \"x\"\nduration = \"1s\"\n[[bucket]]\nname = \"b1\"\n\
    encryption = \"sse-kms\"\n[[workload]]\nname = \"t\"\ntrace = \"r.csv\"\n";

#[test]
fn a_trace_workload_names_its_problems_at_its_line() {
    let d = logs(&[
        ("r.csv", format!("{HEADER}2026-11-24T10:00:00Z,put,nowhere,a,alice,10,\n").as_bytes()),
        ("s.toml", S_TOML),
        (
            "typo.toml",
            b"name = \"x\"\nduration = \"1s\"\n[[bucket]]\nname = \"b1\"\nencryption = \"sse-kms\"\n\
              [[workload]]\nname = \"t\"\ntrace = \"r.csv\"\nbucket = \"b1\"\n",
        ),
    ]);
    let o = bksim(&["validate", &path(&d, "s.toml")]);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains("s.toml:8:") && e.contains("workload.t.trace") && e.contains("'nowhere'"),
        "{e}"
    );
    let o = bksim(&["validate", &path(&d, "typo.toml")]);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains("typo.toml:9:") && e.contains("does not apply to a trace workload"),
        "{e}"
    );
    // The scenario's `speed` has the bounds of --speed.
    let slow = format!("{}speed = 1e-9\n", String::from_utf8_lossy(S_TOML));
    std::fs::write(d.path().join("slow.toml"), slow).unwrap();
    let o = bksim(&["validate", &path(&d, "slow.toml")]);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains("slow.toml:9:9: workload.t.speed: speed 1e-9 is below the slowest replay"),
        "{e}"
    );
}

#[test]
fn the_bundled_replay_scenario_runs() {
    let out = tempfile::tempdir().unwrap();
    let o = bksim(&[
        "run",
        "scenarios/replay-web-app.toml",
        "--out",
        out.path().join("o").to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("o/summary.json")).unwrap()).unwrap();
    let (po, bk) = (kms(&s, "per-object"), kms(&s, "bucket-key"));
    assert!(
        bk.0 < po.0,
        "bucket keys need fewer GenerateDataKey: {bk:?} vs {po:?}"
    );
}

/// Deterministic mutations of the bundled access log (bytes flipped, lines cut, fields
/// dropped or doubled, binary junk): every replay exits 0 (bad lines counted) or 2 (refused,
/// with a message), never panics or aborts.
#[test]
fn mutated_logs_are_replayed_or_refused_never_crash() {
    let cases: u64 = std::env::var("BKSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let dir = crate::common::repo("scenarios/logs/web-app");
    let mut plain: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none())
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    plain.sort();
    let lines: Vec<&[u8]> = plain[0].split(|b| *b == b'\n').collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..cases {
        let mut out = Vec::new();
        for l in &lines {
            let mut l = l.to_vec();
            match next() % 8 {
                0 if !l.is_empty() => {
                    let i = (next() % l.len() as u64) as usize;
                    l[i] = (next() % 256) as u8;
                }
                1 => l.truncate((next() % (l.len() as u64 + 1)) as usize),
                2 => {
                    let cut: Vec<&[u8]> = l.split(|b| *b == b' ').collect();
                    let k = (next() % cut.len() as u64) as usize;
                    l = cut[..k].join(&b' ');
                }
                3 => l.extend_from_slice(b" extra \"field with spaces\" -"),
                4 => l = (0..(next() % 64)).map(|_| (next() % 256) as u8).collect(),
                _ => {}
            }
            out.extend_from_slice(&l);
            out.push(b'\n');
        }
        let d = logs(&[("mutant", &out)]);
        let target = tempfile::tempdir().unwrap();
        let o = bksim(&[
            "replay",
            &path(&d, "mutant"),
            "--max-bad-lines",
            if case % 2 == 0 { "100%" } else { "1%" },
            "--out",
            target.path().join("o").to_str().unwrap(),
            "--quiet",
        ]);
        let err = text(&o.stderr);
        assert!(
            matches!(o.status.code(), Some(0) | Some(2)),
            "case {case}: exit {:?}: {err}",
            o.status.code()
        );
        assert!(!err.contains("panicked"), "case {case}: {err}");
        if o.status.code() == Some(2) {
            assert!(err.starts_with("error: "), "case {case}: {err}");
        }
    }
}
