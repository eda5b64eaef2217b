//! `bksim sensitivity` as a user runs it: the output file and its shape, the table, and
//! invalid flags (exit 2, nothing written).

use super::common::{bksim, read, text};

const SMALL: [&str; 4] = ["--set", "duration=6s", "--set", "warmup=1s"];

#[test]
fn writes_sensitivity_json_in_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let o = out.to_str().unwrap();
    let mut args = vec![
        "sensitivity",
        "scenarios/quickstart.toml",
        "--only",
        "s3.frontend_hosts",
        "--only",
        "kms.latency",
        "--variant",
        "bucket-key",
        "--out",
        o,
        "-j",
        "2",
    ];
    args.extend(SMALL);
    let r = bksim(&args);
    assert!(r.status.success(), "{}", text(&r.stderr));
    let stdout = text(&r.stdout);
    assert!(
        stdout.contains("Sensitivity of quickstart (seed 42)"),
        "{stdout}"
    );
    assert!(stdout.contains("s3.frontend_hosts"), "{stdout}");
    let j: serde_json::Value =
        serde_json::from_slice(&read(&out.join("sensitivity.json"))).unwrap();
    assert_eq!(j["schema"], "bksim.sensitivity.v1");
    assert_eq!(j["scenario"], "quickstart");
    assert_eq!(j["seed"], 42);
    let v = &j["variants"][0];
    assert_eq!(v["name"], "bucket-key");
    for m in [
        "kms_requests_per_s",
        "kms_peak_over_quota",
        "kms_throttled_fraction",
        "kms_cost_per_month_usd",
        "failed_fraction.put",
        "p99_ms.put",
    ] {
        assert!(v["base"][m].is_number(), "{m}");
    }
    let ps = v["parameters"].as_array().unwrap();
    let paths: Vec<&str> = ps.iter().map(|p| p["path"].as_str().unwrap()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(sorted, ["kms.latency", "s3.frontend_hosts"]);
    let hosts = ps
        .iter()
        .find(|p| p["path"] == "s3.frontend_hosts")
        .unwrap();
    assert_eq!(hosts["low"], "10");
    assert_eq!(hosts["high"], "1000");
    assert_eq!(hosts["source"], "scenario line 21");
    for k in [
        "reason",
        "at_low",
        "at_high",
        "verdict_at_low",
        "verdict_at_high",
    ] {
        assert!(!hosts[k].is_null(), "{k}");
    }
    // --json prints the same bytes as the file, into an existing sensitivity directory.
    let mut again = args.clone();
    again.push("--json");
    let r = bksim(&again);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert_eq!(r.stdout, read(&out.join("sensitivity.json")));
}

#[test]
fn unknown_metric_or_parameter_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let o = out.to_str().unwrap();
    let r = bksim(&[
        "sensitivity",
        "scenarios/quickstart.toml",
        "--metric",
        "kms_rps",
        "--out",
        o,
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("--metric 'kms_rps': unknown metric; known: kms_requests_per_s,"),
        "{}",
        text(&r.stderr)
    );
    let r = bksim(&[
        "sensitivity",
        "scenarios/quickstart.toml",
        "--only",
        "workload.uploads.sessions",
        "--out",
        o,
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("--only 'workload.uploads.sessions': no sensitivity range"),
        "{}",
        text(&r.stderr)
    );
    assert!(!out.exists());
}
