//! `--cloudtrail DIR`: the KMS events of a run as CloudTrail log files, read back and counted
//! the way a team counts its real trail (by event name, encryption context and error code),
//! equal to `summary.json`; the same bytes for the same run; sampling and the limit; bad flags
//! and directories refused before any work.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{bksim, gz_files as files, text};

/// Per-object and bucket-key SSE-KMS buckets, a client-side one, and a quota low enough to
/// throttle: every kind of record. No warm-up, so every call is in the summary's counts.
const SCENARIO: &str = r#"
name = "trail"
seed = 3
duration = "4s"
warmup = "0s"
[kms]
region = "eu-west-1"
quota_rps = 300
[s3]
frontend_hosts = 2
[[bucket]]
name = "per-object"
encryption = "sse-kms"
kms_key = "arn:aws:kms:eu-west-1:444455556666:key/one"
[[bucket]]
name = "keyed"
encryption = "sse-kms"
bucket_key = true
kms_key = "arn:aws:kms:eu-west-1:444455556666:key/two"
[[bucket]]
name = "client"
encryption = "cse-kms"
kms_key = "arn:aws:kms:eu-west-1:444455556666:key/three"
[[workload]]
name = "uploads"
bucket = "per-object"
op = "put"
arrival = { kind = "poisson", rate = 200 }
[[workload]]
name = "reads"
bucket = "per-object"
op = "get"
arrival = { kind = "poisson", rate = 150 }
[[workload]]
name = "keyed-uploads"
bucket = "keyed"
op = "put"
arrival = { kind = "poisson", rate = 100 }
[[workload]]
name = "client-uploads"
bucket = "client"
op = "put"
arrival = { kind = "poisson", rate = 20 }
[[variant]]
name = "as-written"
"#;

fn run(dir: &Path, extra: &[&str]) -> (std::process::Output, PathBuf, PathBuf) {
    let sc = dir.join("trail.toml");
    std::fs::write(&sc, SCENARIO).unwrap();
    let out = dir.join("out");
    let ct = dir.join("ct");
    let mut args = vec![
        "run",
        sc.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--cloudtrail",
        ct.to_str().unwrap(),
        "--quiet",
    ];
    args.extend(extra);
    (bksim(&args), out, ct)
}

/// (eventName, context kind, errorCode) → records, over one variant's files.
fn counts(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<(String, String, String), u64> {
    let mut c = BTreeMap::new();
    for bytes in files.values() {
        let doc: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        for r in doc["Records"].as_array().unwrap() {
            assert_eq!(r["eventSource"], "kms.amazonaws.com");
            assert_eq!(r["awsRegion"], "eu-west-1");
            let ctx = &r["requestParameters"]["encryptionContext"];
            let kind = match ctx.get("aws:s3:arn").and_then(|v| v.as_str()) {
                Some(arn) if arn.contains('/') => "object",
                Some(_) => "bucket",
                None => {
                    assert_eq!(ctx["aws:x-amz-cek-alg"], "AES/GCM/NoPadding");
                    // The client's own key, and no S3 in its identity.
                    assert_eq!(
                        r["requestParameters"]["keyId"],
                        "arn:aws:kms:eu-west-1:444455556666:key/three"
                    );
                    assert!(r["userIdentity"].get("invokedBy").is_none());
                    "client"
                }
            };
            let error = r["errorCode"].as_str().unwrap_or("").to_string();
            *c.entry((
                r["eventName"].as_str().unwrap().to_string(),
                kind.to_string(),
                error,
            ))
            .or_insert(0) += 1;
        }
    }
    c
}

fn sum(c: &BTreeMap<(String, String, String), u64>, f: impl Fn(&str, &str, &str) -> bool) -> u64 {
    c.iter()
        .filter(|((n, k, e), _)| f(n, k, e))
        .map(|(_, v)| v)
        .sum()
}

#[test]
fn records_read_back_count_what_the_summary_counts() {
    let d = tempfile::tempdir().unwrap();
    let (o, out, ct) = run(d.path(), &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let v = &summary["variants"][0];
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ct.join("bksim-cloudtrail.json")).unwrap()).unwrap();
    assert_eq!(manifest["schema"], "bksim.cloudtrail.v1");
    assert_eq!(manifest["start"], "2026-01-01T00:00:00Z");
    let name = v["name"].as_str().unwrap();
    let m = &manifest["variants"][0];
    assert_eq!(m["name"], name);
    assert!(m.get("stopped_at").is_none(), "{m}");
    let f = files(&ct.join(name));
    assert_eq!(m["files"], f.len() as u64);
    // Files sit where a trail delivers them, named as CloudTrail names them.
    for path in f.keys() {
        assert!(
            path.starts_with("AWSLogs/444455556666/CloudTrail/eu-west-1/2026/01/01/444455556666_CloudTrail_eu-west-1_20260101T0005Z_"),
            "{path}"
        );
    }
    let c = counts(&f);
    let all = sum(&c, |_, _, _| true);
    assert_eq!(m["records"], all);
    assert_eq!(m["events"], all);
    let kms = &v["kms"];
    let trail = &v["cloudtrail"];
    assert_eq!(all, kms["requests"].as_u64().unwrap());
    assert_eq!(
        sum(&c, |n, _, _| n == "GenerateDataKey"),
        kms["by_operation"]["GenerateDataKey"].as_u64().unwrap()
    );
    assert_eq!(
        sum(&c, |n, _, _| n == "Decrypt"),
        kms["by_operation"]["Decrypt"].as_u64().unwrap()
    );
    assert_eq!(
        sum(&c, |_, e, _| e == "object"),
        trail["object_arn_context"].as_u64().unwrap()
    );
    assert_eq!(
        sum(&c, |_, e, _| e == "bucket"),
        trail["bucket_arn_context"].as_u64().unwrap()
    );
    assert_eq!(
        sum(&c, |_, e, _| e == "client"),
        trail["client_context"].as_u64().unwrap()
    );
    let throttled = sum(&c, |_, _, e| e == "ThrottlingException");
    assert_eq!(throttled, kms["throttled"].as_u64().unwrap());
    assert_eq!(m["throttled_records"], throttled);
    // Every kind of record is there.
    assert!(
        throttled > 0 && sum(&c, |_, e, _| e == "bucket") > 0,
        "{c:?}"
    );
    assert!(sum(&c, |_, e, _| e == "client") > 0, "{c:?}");
}

#[test]
fn the_same_run_writes_the_same_files_and_a_sample_or_limit_writes_fewer() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (o, _, ct_a) = run(a.path(), &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (o, _, ct_b) = run(b.path(), &["--threads", "1"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let fa = files(&ct_a);
    assert!(!fa.is_empty());
    assert_eq!(fa, files(&ct_b));
    assert_eq!(
        std::fs::read(ct_a.join("bksim-cloudtrail.json")).unwrap(),
        std::fs::read(ct_b.join("bksim-cloudtrail.json")).unwrap()
    );
    let events = |ct: &Path| -> (u64, u64, Option<String>) {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(ct.join("bksim-cloudtrail.json")).unwrap())
                .unwrap();
        let v = &m["variants"][0];
        (
            v["events"].as_u64().unwrap(),
            v["records"].as_u64().unwrap(),
            v["stopped_at"].as_str().map(String::from),
        )
    };
    let (all, written, _) = events(&ct_a);
    assert_eq!(all, written);
    // A tenth: about a tenth of the events (binomial, 6 standard deviations), and the same
    // ones each time.
    let s = tempfile::tempdir().unwrap();
    let (o, _, ct) = run(s.path(), &["--cloudtrail-sample", "0.1"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (e, w, _) = events(&ct);
    assert_eq!(e, all);
    let mean = all as f64 / 10.0;
    let sd = (all as f64 * 0.09).sqrt();
    assert!((w as f64 - mean).abs() < 6.0 * sd, "{w} of {all}");
    let fs = files(&ct);
    let s2 = tempfile::tempdir().unwrap();
    let (_, _, ct2) = run(s2.path(), &["--cloudtrail-sample", "0.1"]);
    assert_eq!(fs, files(&ct2));
    // A limit of 100 records: 100 written, and the manifest says when it stopped.
    let l = tempfile::tempdir().unwrap();
    let (o, _, ct) = run(l.path(), &["--cloudtrail-limit", "100"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (e, w, stopped) = events(&ct);
    assert_eq!((e, w), (all, 100));
    assert!(stopped.unwrap().starts_with("2026-01-01T00:00:0"));
}

#[test]
fn bad_flags_and_directories_are_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    for (extra, expect) in [
        (
            vec!["--cloudtrail-sample", "0"],
            "--cloudtrail-sample: expected a share above 0 and at most 1",
        ),
        (vec!["--cloudtrail-sample", "1.5"], "found 1.5"),
        (
            vec!["--cloudtrail-limit", "0"],
            "--cloudtrail-limit: expected at least 1 record",
        ),
    ] {
        let (o, out, ct) = run(d.path(), &extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(expect), "{}", text(&o.stderr));
        assert!(!out.exists() && !ct.exists());
    }
    // A directory of something else is not replaced.
    let (o, out, ct) = {
        std::fs::create_dir_all(d.path().join("ct")).unwrap();
        std::fs::write(d.path().join("ct/mine.txt"), b"keep").unwrap();
        run(d.path(), &[])
    };
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("--cloudtrail "),
        "{}",
        text(&o.stderr)
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read(ct.join("mine.txt")).unwrap(), b"keep");
    // The flags need --cloudtrail.
    let o = bksim(&[
        "run",
        "scenarios/quickstart.toml",
        "--cloudtrail-limit",
        "5",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("need --cloudtrail DIR"));
    // The trail and the results in one another: refused, nothing created. (With the results
    // inside the trail's directory, the trail replaced it whole and the results said to be
    // written were gone.)
    let n = tempfile::tempdir().unwrap();
    let p = |x: &str| n.path().join(x).to_str().unwrap().to_string();
    for (out, trail) in [
        (p("t/res"), p("t")),
        (p("nest"), p("nest/trail")),
        (p("a/../b"), p("b/x")),
        (p("same"), p("./same")),
    ] {
        let o = bksim(&[
            "run",
            "scenarios/quickstart.toml",
            "--out",
            &out,
            "--cloudtrail",
            &trail,
            "--quiet",
        ]);
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{out} {trail}: {e}");
        assert!(e.contains("or one inside the other"), "{e}");
        assert_eq!(
            std::fs::read_dir(n.path()).unwrap().count(),
            0,
            "{out} {trail}"
        );
    }
}
