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

/// A small scenario: 200 SSE-KMS PUT/s without bucket keys for 4 s against a 1,500 rps quota.
const TINY: &str = r#"
name = "tiny"
seed = 11
duration = "4s"
warmup = "1s"
[kms]
region = "eu-central-1"
quota_rps = 1500
[[bucket]]
name = "b"
encryption = "sse-kms"
[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "constant", rate = 200 }
sessions = 2
[[variant]]
name = "per-object"
set = { "bucket.b.bucket_key" = false }
"#;

/// [`TINY`] written to `tiny.toml` in `dir`: its path.
fn tiny_in(dir: &std::path::Path) -> String {
    let scenario = dir.join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    scenario.to_str().unwrap().to_string()
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_dir() {
            for f in files_under(&e.path()) {
                out.push(format!("{name}/{f}"));
            }
        } else {
            out.push(name);
        }
    }
    out.sort();
    out
}

#[test]
fn run_with_sensitivity_adds_the_section_and_changes_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let f = &tiny_in(dir.path());
    let plain = dir.path().join("plain");
    let with = dir.path().join("with");
    let r = bksim(&["run", f, "--out", plain.to_str().unwrap(), "-q", "-j", "2"]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    let r = bksim(&[
        "run",
        f,
        "--sensitivity",
        "--out",
        with.to_str().unwrap(),
        "-q",
        "-j",
        "2",
    ]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    let (a, b) = (files_under(&plain), files_under(&with));
    let added: Vec<&String> = b.iter().filter(|n| !a.contains(n)).collect();
    assert_eq!(
        added,
        [
            "charts/tornado-per-object-kms-requests-per-s.png",
            "charts/tornado-per-object-kms-requests-per-s.svg",
            "sensitivity.json"
        ]
    );
    // Every file of the plain run is there with the same bytes, but the reports (and the
    // wall-clock facts).
    for n in &a {
        if ["report.md", "report.html", "run.json"].contains(&n.as_str()) {
            continue;
        }
        assert_eq!(read(&plain.join(n)), read(&with.join(n)), "{n}");
    }
    let plain_md = text(&read(&plain.join("report.md")));
    let md = text(&read(&with.join("report.md")));
    assert!(!plain_md.contains("What this verdict depends on"));
    assert!(md.contains("## What this verdict depends on"), "{md}");
    // The quota flips the verdict (200 PUT/s: at 750, 1,500 x 0.5, nothing throttles; the
    // section lists the parameters the verdict rests on or says none does).
    assert!(md.contains("![Tornado of KMS requests per second for variant per-object"));
    // Removing the section's lines gives the plain report back.
    let start = md.find("## What this verdict depends on").unwrap();
    let end = md.find("## Comparison").unwrap();
    assert_eq!(format!("{}{}", &md[..start], &md[end..]), plain_md);
    let html = text(&read(&with.join("report.html")));
    assert!(html.contains("<figure id=\"chart-tornado-per-object-kms-requests-per-s\""));

    // `bksim report` rebuilds the same Markdown and charts from the directory.
    let before = read(&with.join("charts/tornado-per-object-kms-requests-per-s.svg"));
    std::fs::remove_file(with.join("report.md")).unwrap();
    // A tornado of a variant the analysis no longer has goes; other files stay.
    let stale = with.join("charts/tornado-gone-kms-requests-per-s.svg");
    std::fs::write(&stale, "old").unwrap();
    std::fs::write(with.join("charts/mine.svg"), "mine").unwrap();
    let r = bksim(&["report", with.to_str().unwrap(), "-q"]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert!(!stale.exists());
    assert_eq!(read(&with.join("charts/mine.svg")), b"mine");
    std::fs::remove_file(with.join("charts/mine.svg")).unwrap();
    assert_eq!(text(&read(&with.join("report.md"))), md);
    assert_eq!(
        read(&with.join("charts/tornado-per-object-kms-requests-per-s.svg")),
        before
    );

    // `bksim sensitivity` on one thread writes the same sensitivity.json, and a tornado per
    // metric.
    let sens = dir.path().join("sens");
    let r = bksim(&[
        "sensitivity",
        f,
        "--out",
        sens.to_str().unwrap(),
        "-q",
        "-j",
        "1",
    ]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert_eq!(
        read(&sens.join("sensitivity.json")),
        read(&with.join("sensitivity.json"))
    );
    let charts = files_under(&sens.join("charts"));
    assert_eq!(charts.len(), 16, "{charts:?}");
    assert!(charts.contains(&"tornado-per-object-p99-ms-put.svg".to_string()));

    // A plain run over the directory removes the analysis with its section.
    let r = bksim(&["run", f, "--out", with.to_str().unwrap(), "-q"]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert_eq!(files_under(&with), a);
}

#[test]
fn a_bad_sensitivity_table_is_invalid_input_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    let out = dir.path().join("o");
    // TINY is 20 lines: the entry is on line 22.
    assert_eq!(TINY.lines().count(), 20);
    for (entry, message) in [
        (
            r#""kms.quota_rps" = [1]"#,
            "t.toml:22:19: sensitivity.kms.quota_rps: expected [low, high]: two values, found 1",
        ),
        (
            r#""kms.quota_rps" = 5"#,
            "t.toml:22:19: sensitivity.kms.quota_rps: expected [low, high], found an integer",
        ),
        (
            r#""kms.nope" = [1, 2]"#,
            "t.toml:22: sensitivity.kms.nope: 'kms.nope' is not a parameter of this scenario",
        ),
        (
            r#""kms.quota_rps" = ["fast", 2]"#,
            "t.toml: [sensitivity] line 22 sets kms.quota_rps: expected a whole number of \
             requests per second, found \"fast\"",
        ),
        (
            r#"kms = { quota_rps = [[1], 2] }"#,
            "t.toml:22:22: sensitivity.kms.quota_rps: low and high are single values, not arrays",
        ),
    ] {
        std::fs::write(&path, format!("{TINY}[sensitivity]\n{entry}\n")).unwrap();
        for cmd in [
            vec!["sensitivity", path.to_str().unwrap()],
            vec!["run", path.to_str().unwrap(), "--sensitivity"],
        ] {
            let mut args = cmd.clone();
            args.extend(["--out", out.to_str().unwrap(), "-q"]);
            let r = bksim(&args);
            assert_eq!(r.status.code(), Some(2), "{entry}: {}", text(&r.stderr));
            let err = text(&r.stderr);
            assert!(err.contains(message), "{entry}: {err}");
            assert!(!out.exists(), "{entry}: nothing written");
        }
    }
    // A plain run ignores the table (as it ignores [sweep]).
    let r = bksim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(r.status.success(), "{}", text(&r.stderr));
}

/// A valid scenario whose 60 GiB PUTs fit S3's 10,000 parts at the default 8 MiB part size,
/// but not at the 5 MiB low end of `s3.multipart_part_size`'s built-in range.
const BIG_PUTS: &str = r#"[[workload]]
name = "g"
bucket = "b"
op = "put"
size = "60GiB"
arrival = { kind = "constant", rate = 1 }
"#;

#[test]
fn a_range_end_that_makes_the_scenario_invalid_is_blamed_on_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    let p = path.to_str().unwrap();
    let out = dir.path().join("o");
    let o = out.to_str().unwrap();
    // TINY is 20 lines: the workload's size is on line 25, a [sensitivity] entry on line 28.
    let scenario = format!("{TINY}{BIG_PUTS}");
    assert_eq!(scenario.lines().nth(24), Some(r#"size = "60GiB""#));
    let own =
        format!("{scenario}[sensitivity]\n\"s3.multipart_part_size\" = [\"6MiB\", \"64MiB\"]\n");
    std::fs::write(&path, &scenario).unwrap();
    let r = bksim(&["validate", p]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    for (file, expected) in [
        (
            &scenario,
            [
                "t.toml: the built-in sensitivity range sets s3.multipart_part_size: its low \
                 end, 5MiB (range 5MiB .. 64MiB), makes the scenario invalid: line 25: \
                 workload.g.size: 60GiB in parts of 5MiB is 12288 parts; S3 allows at most \
                 10,000 per upload",
                "give s3.multipart_part_size a range of its own in the scenario's \
                 [sensitivity] table",
                "or leave it out by naming the parameters to vary with --only",
            ],
        ),
        (
            &own,
            [
                "t.toml: [sensitivity] line 28 sets s3.multipart_part_size: its low end, 6MiB \
                 (range 6MiB .. 64MiB), makes the scenario invalid: line 25: workload.g.size: \
                 60GiB in parts of 6MiB is 10240 parts; S3 allows at most 10,000 per upload",
                "change the range of s3.multipart_part_size on line 28",
                "leave s3.multipart_part_size out by naming the parameters to vary with --only",
            ],
        ),
    ] {
        std::fs::write(&path, file).unwrap();
        for cmd in [
            vec!["sensitivity", p, "-j", "1"],
            vec!["run", p, "--sensitivity"],
        ] {
            let mut args = cmd.clone();
            args.extend(["--out", o, "-q"]);
            let r = bksim(&args);
            let err = text(&r.stderr);
            assert_eq!(r.status.code(), Some(2), "{cmd:?}: {err}");
            for words in expected {
                assert!(err.contains(words), "{cmd:?}: {words}\n{err}");
            }
            assert!(!out.exists(), "{cmd:?}: nothing written");
        }
    }
    // The way out the message gives: the other parameters only.
    std::fs::write(&path, &scenario).unwrap();
    let r = bksim(&[
        "sensitivity",
        p,
        "--only",
        "kms.quota_rps",
        "--out",
        o,
        "-q",
        "-j",
        "1",
    ]);
    assert!(r.status.success(), "{}", text(&r.stderr));
}

#[test]
fn shards_merged_write_what_the_unsharded_run_writes() {
    let dir = tempfile::tempdir().unwrap();
    let f = &tiny_in(dir.path());
    let only = [
        "--only",
        "kms.quota_rps",
        "--only",
        "s3.latency",
        "--only",
        "kms.limiter",
    ];
    let run = |extra: &[&str]| {
        let mut args = vec!["sensitivity", f, "-q"];
        args.extend(only);
        args.extend(extra);
        let r = bksim(&args);
        assert!(r.status.success(), "{extra:?}: {}", text(&r.stderr));
    };
    let whole = dir.path().join("whole");
    let shards = dir.path().join("shards");
    let merged = dir.path().join("merged");
    run(&["--out", whole.to_str().unwrap(), "-j", "1"]);
    for s in ["1/2", "0/2"] {
        run(&["--shard", s, "--out", shards.to_str().unwrap(), "-j", "2"]);
    }
    assert_eq!(
        files_under(&shards),
        ["shard-0-of-2.json", "shard-1-of-2.json"]
    );
    run(&[
        "--merge",
        shards.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(files_under(&whole), files_under(&merged));
    for n in files_under(&whole) {
        assert_eq!(read(&whole.join(&n)), read(&merged.join(&n)), "{n}");
    }
    // Merging with other flags than the shards had: invalid input, nothing written.
    let other = dir.path().join("other");
    let r = bksim(&[
        "sensitivity",
        f,
        "--only",
        "kms.quota_rps",
        "--merge",
        shards.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("shard-0-of-2.json: belongs to another analysis"),
        "{}",
        text(&r.stderr)
    );
    assert!(!other.exists());
    // One shard missing.
    std::fs::remove_file(shards.join("shard-1-of-2.json")).unwrap();
    let mut args = vec!["sensitivity", f];
    args.extend(only);
    args.extend([
        "--merge",
        shards.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
    ]);
    let r = bksim(&args);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        text(&r.stderr).contains("shards missing: 1 of 2"),
        "{}",
        text(&r.stderr)
    );
}

/// `file`'s JSON with `edit` applied, written back.
fn tamper(file: &std::path::Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&read(file)).unwrap();
    edit(&mut v);
    std::fs::write(file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// Shard files and a sensitivity.json edited as no run writes them: refused with exit 2,
/// naming the file and key, before anything is drawn or allocated from them. (A shard count
/// of 10^15 used to abort for memory, one of u64::MAX to panic, 2 * 10^7 to print every
/// missing index; metrics spanning ±1e308 panicked the tornado chart.)
#[test]
fn tampered_shards_and_sensitivity_files_are_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let f = &tiny_in(dir.path());
    let shards = dir.path().join("shards");
    for s in ["0/2", "1/2"] {
        let r = bksim(&[
            "sensitivity",
            f,
            "-q",
            "--only",
            "kms.quota_rps",
            "--shard",
            s,
            "--out",
            shards.to_str().unwrap(),
        ]);
        assert!(r.status.success(), "{}", text(&r.stderr));
    }
    let first =
        |v: &mut serde_json::Value| -> serde_json::Value { v["results"]["variants"][0].clone() };
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "count",
            Box::new(|v| v["shards"] = 1_000_000_000_000_000u64.into()),
            "implausible value: shards = 1e15",
        ),
        ("u64", Box::new(|v| v["shards"] = u64::MAX.into()), "shards"),
        (
            "span",
            Box::new(|v| {
                v["results"]["variants"][0]["base"]["kms_requests_per_s"] = (-1e308).into()
            }),
            "implausible value: results.variants[0].base.kms_requests_per_s",
        ),
        (
            "metric",
            Box::new(|v| v["results"]["variants"][0]["base"]["bogus"] = 1.into()),
            "'bogus' is not a metric bksim computes",
        ),
        (
            "label",
            Box::new(move |v| {
                let mut x = first(v);
                if let Some(p) = x["parameters"].get_mut(0) {
                    p["low"] = "\u{1b}[2J".into();
                } else {
                    x["name"] = "no/slash".into();
                }
                v["results"]["variants"][0] = x;
            }),
            "results.variants[0].",
        ),
    ];
    for (name, edit, says) in cases {
        let copy = dir.path().join(format!("tampered-{name}"));
        std::fs::create_dir(&copy).unwrap();
        for n in ["shard-0-of-2.json", "shard-1-of-2.json"] {
            std::fs::copy(shards.join(n), copy.join(n)).unwrap();
        }
        tamper(&copy.join("shard-0-of-2.json"), |v| edit(v));
        let out = dir.path().join(format!("merged-{name}"));
        let r = bksim(&[
            "sensitivity",
            f,
            "-q",
            "--only",
            "kms.quota_rps",
            "--merge",
            copy.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let e = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{name}: {e}");
        assert!(
            e.contains("shard-0-of-2.json") && e.contains(says),
            "{name}: {e}"
        );
        assert!(!out.exists(), "{name}");
    }

    // A run's sensitivity.json edited: `bksim report` refuses it.
    let with = dir.path().join("with");
    let r = bksim(&[
        "run",
        f,
        "--sensitivity",
        "--out",
        with.to_str().unwrap(),
        "-q",
    ]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    let file = with.join("sensitivity.json");
    let good = read(&file);
    for (edit, says) in [
        (
            "high",
            "implausible value: variants[0].parameters[0].at_high.kms_requests_per_s",
        ),
        (
            "empty",
            "variants[0].parameters[0].at_low: the metric 'failed_fraction.get' of the base is missing",
        ),
    ] {
        std::fs::write(&file, &good).unwrap();
        tamper(&file, |v| {
            let p = &mut v["variants"][0]["parameters"][0];
            match edit {
                "high" => p["at_high"]["kms_requests_per_s"] = 1e308.into(),
                _ => p["at_low"] = serde_json::json!({}),
            }
        });
        let r = bksim(&["report", with.to_str().unwrap(), "-q"]);
        let e = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{edit}: {e}");
        assert!(
            e.contains("sensitivity.json") && e.contains(says),
            "{edit}: {e}"
        );
    }
}

/// An analysis does not write over a run's directory, a sweep's shards or another
/// analysis' shards: each refused before it runs, the directory as it was. (It used to leave
/// a run's files beside another scenario's analysis, and to overwrite the shard files.)
#[test]
fn an_analysis_keeps_out_of_other_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let f = &tiny_in(dir.path());
    let p = |x: &str| dir.path().join(x).to_str().unwrap().to_string();
    let ok = |args: &[&str]| {
        let r = bksim(args);
        assert!(r.status.success(), "{args:?}: {}", text(&r.stderr));
    };
    ok(&["run", f, "--sensitivity", "--out", &p("run"), "-q"]);
    ok(&[
        "sweep",
        f,
        "--param",
        "kms.quota_rps=1000,2000",
        "--shard",
        "0/2",
        "--out",
        &p("sweep"),
        "-q",
    ]);
    ok(&[
        "sensitivity",
        f,
        "--only",
        "kms.quota_rps",
        "--shard",
        "0/2",
        "--out",
        &p("sens"),
        "-q",
    ]);
    let shards: Vec<(&str, Vec<u8>)> = ["sweep/shard-0-of-2.json", "sens/shard-0-of-2.json"]
        .into_iter()
        .map(|s| (s, read(&dir.path().join(s))))
        .collect();
    for (args, says) in [
        (
            vec!["--out", &p("run")],
            "it is a run's directory (summary.json)",
        ),
        (
            vec!["--shard", "1/2", "--out", &p("sweep")],
            "holds shard-0-of-2.json, a shard file of another kind (schema 'bksim.sweep-shard.v1')",
        ),
        (
            vec![
                "--only",
                "kms.limiter",
                "--shard",
                "1/2",
                "--out",
                &p("sens"),
            ],
            "holds shard-0-of-2.json, a shard of another analysis",
        ),
        (
            vec![
                "--only",
                "kms.quota_rps",
                "--shard",
                "0/3",
                "--out",
                &p("sens"),
            ],
            "2 shards; this one",
        ),
    ] {
        let before: Vec<_> = ["run", "sweep", "sens"]
            .iter()
            .map(|d| files_under(&dir.path().join(d)))
            .collect();
        let mut all = vec!["sensitivity", f, "-q"];
        all.extend(args.iter().copied());
        let r = bksim(&all);
        let e = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains(says), "{args:?}: {e}");
        let after: Vec<_> = ["run", "sweep", "sens"]
            .iter()
            .map(|d| files_under(&dir.path().join(d)))
            .collect();
        assert_eq!(before, after, "{args:?}");
    }
    for (shard, bytes) in shards {
        assert_eq!(read(&dir.path().join(shard)), bytes, "{shard}");
    }
}
