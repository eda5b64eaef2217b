//! The `bksim` binary as a user runs it: exit codes, messages, files written, determinism.

use super::common::{bksim, repo, text};
use std::path::Path;
use std::process::{Command, Output};

/// A short version of the quickstart, fast enough for a debug-build test.
const SHORT: [&str; 4] = ["--set", "duration=20s", "--set", "warmup=2s"];

fn run_short(scenario: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", scenario, "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(&SHORT);
    args.extend_from_slice(extra);
    bksim(&args)
}

#[test]
fn quickstart_writes_every_output_and_is_byte_identical_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let ra = run_short("scenarios/quickstart.toml", &a, &[]);
    assert!(ra.status.success(), "{}", text(&ra.stderr));
    let rb = run_short("scenarios/quickstart.toml", &b, &["--threads", "1"]);
    assert!(rb.status.success(), "{}", text(&rb.stderr));
    for f in [
        "summary.json",
        "timeseries.csv",
        "latency-per-object-put.hgrm",
        "latency-bucket-key-put.hgrm",
        "run.json",
    ] {
        assert!(a.join(f).is_file(), "missing {f}");
    }
    for f in [
        "summary.json",
        "timeseries.csv",
        "latency-per-object-put.hgrm",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two runs with the same seed"
        );
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["schema"], "bksim.summary.v1");
    let v = &summary["variants"];
    assert_eq!(v[0]["name"], "per-object");
    assert_eq!(v[1]["name"], "bucket-key");
    // The quickstart's point: per-object keys are throttled, bucket keys are not.
    assert!(v[0]["kms"]["throttled"].as_u64().unwrap() > 0);
    assert_eq!(v[1]["kms"]["throttled"].as_u64().unwrap(), 0);
    // Variants see the same arrivals.
    assert_eq!(
        v[0]["requests"]["put"]["offered"],
        v[1]["requests"]["put"]["offered"]
    );
    let csv = std::fs::read_to_string(a.join("timeseries.csv")).unwrap();
    assert!(csv.starts_with("variant,second,"));
    // A different seed gives different results.
    let c = dir.path().join("c");
    let rc = run_short("scenarios/quickstart.toml", &c, &["--seed", "7"]);
    assert!(rc.status.success());
    assert_ne!(
        std::fs::read(a.join("summary.json")).unwrap(),
        std::fs::read(c.join("summary.json")).unwrap()
    );
}

#[test]
fn json_flag_prints_the_summary_and_table_is_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = bksim(&[
        "run",
        "scenarios/quickstart.toml",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "duration=5s",
        "--set",
        "warmup=0s",
        "--variant",
        "bucket-key",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(v["variants"].as_array().unwrap().len(), 1);
    assert_eq!(v["variants"][0]["name"], "bucket-key");
    assert_eq!(
        std::fs::read(out.join("summary.json")).unwrap(),
        o.stdout,
        "--json prints exactly summary.json"
    );
    let t = bksim(&[
        "run",
        "scenarios/quickstart.toml",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "duration=5s",
        "--set",
        "warmup=0s",
    ]);
    assert!(t.status.success());
    let table = text(&t.stdout);
    assert!(
        table.contains("per-object") && table.contains("bucket-key"),
        "{table}"
    );
}

/// Writes `body` as a scenario file and runs `bksim run` on it; returns (exit code, stderr,
/// whether the output directory was created).
fn run_bad(name: &str, body: &str) -> (i32, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, body).unwrap();
    let out = dir.path().join("out");
    let o = bksim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (o.status.code().unwrap_or(-1), text(&o.stderr), out.exists())
}

const GOOD: &str = r#"name = "t"
duration = "10s"

[[bucket]]
name = "b"
encryption = "sse-kms"

[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "poisson", rate = 100 }
"#;

#[test]
fn bad_scenarios_exit_2_naming_file_line_and_key_and_write_nothing() {
    // (file name, text, "file:line:" that must start the message, key, message fragment)
    let cases: Vec<(&str, String, u32, &str, &str)> = vec![
        (
            "unknown.toml",
            GOOD.replace(
                "duration = \"10s\"",
                "duration = \"10s\"\ndurashun = \"5s\"",
            ),
            3,
            "durashun",
            "unknown key",
        ),
        (
            "negative.toml",
            GOOD.replace("rate = 100", "rate = -5"),
            12,
            "workload.w.arrival.rate",
            "non-negative",
        ),
        (
            "parsecs.toml",
            GOOD.replace("\"10s\"", "\"5 parsecs\""),
            2,
            "duration",
            "parsecs",
        ),
        (
            "missing-bucket.toml",
            GOOD.replace("bucket = \"b\"", "bucket = \"bb\""),
            10,
            "workload.w.bucket",
            "did you mean",
        ),
        (
            "invalid.toml",
            GOOD.replace("op = \"put\"", "op = put\""),
            11,
            "",
            "invalid TOML",
        ),
        (
            "huge-latency.toml",
            GOOD.replace("[[bucket]]", "[kms]\nlatency = \"200000d\"\n\n[[bucket]]"),
            5,
            "kms.latency",
            "too long",
        ),
        (
            "huge-rate.toml",
            GOOD.replace("rate = 100", "rate = 1e12"),
            12,
            "workload.w.arrival.rate",
            "more than bksim simulates",
        ),
        (
            "variant-seed.toml",
            format!("{GOOD}\n[[variant]]\nname = \"v\"\nset = {{ seed = 5 }}\n"),
            16,
            "variant",
            "share the scenario's seed",
        ),
    ];
    for (name, body, line, key, fragment) in cases {
        let (code, err, created) = run_bad(name, &body);
        assert_eq!(code, 2, "{name}: {err}");
        let located = format!("{name}:{line}:");
        assert!(err.contains(&located), "{name}: '{located}' not in: {err}");
        assert!(err.contains(key), "{name}: key {key} not named: {err}");
        assert!(err.contains(fragment), "{name}: '{fragment}' not in: {err}");
        assert!(!created, "{name}: output directory written for bad input");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn did_you_mean_for_unknown_key_and_missing_bucket() {
    let (_, err, _) = run_bad(
        "dym.toml",
        &GOOD.replace("[[bucket]]", "[kms]\nqouta_rps = 5\n\n[[bucket]]"),
    );
    assert!(err.contains("did you mean `quota_rps`"), "{err}");
    let (_, err, _) = run_bad(
        "dym2.toml",
        &GOOD.replace("bucket = \"b\"", "bucket = \"c\""),
    );
    assert!(
        err.contains("workload.w.bucket") && err.contains("`b`"),
        "{err}"
    );
}

#[test]
fn an_unusable_out_directory_is_invalid_input_found_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("sub");
    let o = bksim(&[
        "run",
        "scenarios/quickstart.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    // The part of the path that is a file is named (every command: tests/it/outdir.rs).
    assert_eq!(
        err,
        format!(
            "error: --out {}: {} is a file, not a directory\n",
            out.display(),
            file.display()
        )
    );
}

#[test]
fn bad_flags_and_paths_exit_2() {
    let o = bksim(&["run", "no/such/file.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no/such/file.toml"));
    let o = bksim(&["run", "scenarios/quickstart.toml", "--variant", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("per-object"),
        "{}",
        text(&o.stderr)
    );
    let o = bksim(&["run", "scenarios/quickstart.toml", "--set", "kms.quota_rps"]);
    assert_eq!(o.status.code(), Some(2));
    let o = bksim(&["run", "scenarios/quickstart.toml", "--seed", "minus-one"]);
    assert_eq!(o.status.code(), Some(2));
    let o = bksim(&[
        "run",
        "scenarios/quickstart.toml",
        "--set",
        "kms.quota_rps=-1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("kms.quota_rps"));
    let o = bksim(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn validate_checks_without_running() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_bksim"))
        .args([
            "validate",
            repo("scenarios/quickstart.toml").to_str().unwrap(),
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("per-object"));
    assert!(
        !dir.path().join("results").exists(),
        "validate wrote results"
    );
    let (code, _, _) = {
        let f = dir.path().join("bad.toml");
        std::fs::write(&f, GOOD.replace("rate = 100", "rate = \"fast\"")).unwrap();
        let o = bksim(&["validate", f.to_str().unwrap()]);
        (o.status.code().unwrap(), (), ())
    };
    assert_eq!(code, 2);
}

#[test]
fn help_explains_every_command_with_examples() {
    let o = bksim(&["--help"]);
    assert!(o.status.success());
    let h = text(&o.stdout);
    assert!(h.contains("run") && h.contains("validate") && h.contains("Examples"));
    let o = bksim(&["run", "--help"]);
    let h = text(&o.stdout);
    for flag in [
        "--out",
        "--seed",
        "--set",
        "--variant",
        "--json",
        "--quiet",
        "Exit codes",
    ] {
        assert!(h.contains(flag), "run --help lacks {flag}");
    }
}

#[test]
fn every_bundled_scenario_validates_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(repo("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        n += 1;
        let p = path.to_str().unwrap();
        let o = bksim(&["validate", p]);
        assert!(o.status.success(), "{p}: {}", text(&o.stderr));
        let text_src = std::fs::read_to_string(&path).unwrap();
        assert!(
            text_src.starts_with('#'),
            "{p}: no header comment saying what it shows"
        );
        let out = dir.path().join(path.file_stem().unwrap());
        let o = bksim(&[
            "run",
            p,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--set",
            "duration=6s",
            "--set",
            "warmup=1s",
        ]);
        assert!(o.status.success(), "{p}: {}", text(&o.stderr));
        assert!(out.join("summary.json").is_file());
    }
    assert!(n >= 5, "expected at least 5 bundled scenarios, found {n}");
}
