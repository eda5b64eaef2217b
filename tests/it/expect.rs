//! `[[expect]]`: measured values beside the model's. Validation messages (file, line, key),
//! the comparison arithmetic, `bksim run --check` (exit 3 out of tolerance, 0 within), the
//! "Measured vs model" sections of the terminal, `report.md` and `report.html`, their
//! reproduction by `bksim report`, and the bundled scenario built from AWS's published POC.

use std::path::Path;

use bksim::report::expect::{error_text, metric_paths, relative_error, within};
use bksim::scenario::{ScenarioFile, Tolerance};

use super::common::{bksim, read, repo, text};

const BASE: &str = r#"name = "m"
duration = "1m"
[[bucket]]
name = "ingest"
encryption = "sse-kms"
[[workload]]
name = "uploads"
bucket = "ingest"
op = "put"
arrival = { kind = "poisson", rate = 1000 }
"#;

/// The error of `BASE` followed by `expect`, resolved for its first variant as every command
/// does (`prepare::variant`).
fn error(expect: &str) -> String {
    let text = format!("{BASE}{expect}");
    let file = ScenarioFile::parse(Path::new("scenarios/x.toml"), &text).unwrap();
    let name = file.variants()[0].name.clone();
    bksim::prepare::variant(&file, Some(&name), &[])
        .expect_err("the scenario should be invalid")
        .to_string()
}

#[test]
fn validation_errors_name_the_file_line_and_key() {
    // BASE has 10 lines: [[expect]] is line 11.
    let cases = [
        (
            "[[expect]]\nmetric = \"kms.requests\"\nvalue = 1\ntolerance = 1\nsource = \"x\"\n",
            "scenarios/x.toml:11:1: expect[0].variant: missing required key (the scenario runs several variants: per-object, bucket-key)",
        ),
        (
            "[[expect]]\nvariant = \"bucket-keys\"\nmetric = \"kms.requests\"\nvalue = 1\ntolerance = 1\nsource = \"x\"\n",
            "scenarios/x.toml:12:11: expect[0].variant: no variant named 'bucket-keys' (known: per-object, bucket-key) (did you mean `bucket-key`?)",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.request\"\nvalue = 1\ntolerance = 1\nsource = \"x\"\n",
            "scenarios/x.toml:13:10: expect[0].metric: 'kms.request' is not a number of a variant's summary (did you mean `kms.requests`?)",
        ),
        (
            // A string of the summary is not a number.
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"crypto.profile\"\nvalue = 1\ntolerance = 1\nsource = \"x\"\n",
            "scenarios/x.toml:13:10: expect[0].metric: 'crypto.profile' is not a number of a variant's summary (a dotted path to a number in a variant of summary.json, e.g. kms.requests, kms.by_operation.Decrypt or latency_ms.get.p99)",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms..requests\"\nvalue = 1\ntolerance = 1\nsource = \"x\"\n",
            "scenarios/x.toml:13:10: expect[0].metric: 'kms..requests' is not a dotted path (e.g. kms.requests)",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requests\"\nvalue = nan\ntolerance = 1\nsource = \"x\"\n",
            "scenarios/x.toml:14:9: expect[0].value: a measured value must be a finite number, found nan",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requests\"\nvalue = -3\ntolerance = 1\nsource = \"x\"\n",
            "scenarios/x.toml:14:9: expect[0].value: a measured value must be ≥ 0, found -3",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requests\"\nvalue = \"12\"\ntolerance = 1\nsource = \"x\"\n",
            "scenarios/x.toml:14:9: expect[0].value: expected a number, found \"12\"",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requests\"\nvalue = 12\ntolerance = \"-5%\"\nsource = \"x\"\n",
            "scenarios/x.toml:15:13: expect[0].tolerance: a tolerance must be ≥ 0, found \"-5%\"",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requests\"\nvalue = 12\ntolerance = \"ten\"\nsource = \"x\"\n",
            "scenarios/x.toml:15:13: expect[0].tolerance: expected a percentage like \"10%\" or a number, found \"ten\"",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requests\"\nvalue = 12\ntolerance = 1\nsource = \" \"\n",
            "scenarios/x.toml:16:10: expect[0].source: empty: say where the measurement comes from",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requests\"\nvalue = 12\ntolerance = 1\n",
            "scenarios/x.toml:11:1: expect[0].source: missing required key (where the measurement comes from: a URL, a query, a date)",
        ),
        (
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requests\"\nvalue = 12\ntolerence = 1\nsource = \"x\"\n",
            "scenarios/x.toml:15:1: expect[0].tolerence: unknown key (did you mean `tolerance`?)",
        ),
        (
            // The second table is checked too, and named by its index.
            "[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requests\"\nvalue = 12\ntolerance = 1\nsource = \"x\"\n\
             [[expect]]\nvariant = \"per-object\"\nmetric = \"latency_ms.put.p100\"\nvalue = 12\ntolerance = 1\nsource = \"x\"\n",
            "scenarios/x.toml:19:10: expect[1].metric: 'latency_ms.put.p100' is not a number of a variant's summary (did you mean `latency_ms.put.p50`?)",
        ),
    ];
    for (expect, want) in cases {
        assert_eq!(error(expect), want, "for:\n{expect}");
    }
    // A top-level key must come before the first table.
    let text = format!("expect = 3\n{BASE}");
    let file = ScenarioFile::parse(Path::new("scenarios/x.toml"), &text).unwrap();
    assert_eq!(
        file.resolve(Some("per-object"), &[])
            .unwrap_err()
            .to_string(),
        "scenarios/x.toml:1:10: expect: expected an array of tables ([[expect]]), found an integer"
    );
}

#[test]
fn validate_exits_2_on_a_bad_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.toml");
    std::fs::write(
        &path,
        format!(
            "{BASE}[[expect]]\nvariant = \"bucket-key\"\nmetric = \"kms.requets\"\nvalue = 1\ntolerance = 1\nsource = \"x\"\n"
        ),
    )
    .unwrap();
    let out = bksim(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(":13:10: expect[0].metric: 'kms.requets' is not a number of a variant's summary (did you mean `kms.requests`?)"),
        "{err}"
    );
}

#[test]
fn variant_is_optional_with_one_variant_and_named_variants_count() {
    // An SSE-S3 bucket: one default variant, `baseline`.
    let text = BASE.replace("sse-kms", "sse-s3")
        + "[[expect]]\nmetric = \"requests.put.completed\"\nvalue = 60000\ntolerance = \"1%\"\nsource = \"S3 access log\"\n";
    let file = ScenarioFile::parse(Path::new("x.toml"), &text).unwrap();
    let sc = bksim::prepare::variant(&file, Some("baseline"), &[]).unwrap();
    assert_eq!(sc.expect.len(), 1);
    let e = &sc.expect[0].expectation;
    assert_eq!(e.variant, "baseline");
    assert_eq!(e.metric, "requests.put.completed");
    assert_eq!(e.value, 60000.0);
    assert_eq!(e.tolerance, Tolerance::Percent(1.0));
    assert_eq!(e.source, "S3 access log");
    assert_eq!(e.line, 11);

    // Declared variants are the names an expectation may use.
    let text = format!(
        "{BASE}[[variant]]\nname = \"fast\"\n[[variant]]\nname = \"slow\"\n\
         [[expect]]\nvariant = \"fast\"\nmetric = \"kms.by_operation.Decrypt\"\nvalue = 0.5\ntolerance = 2\nsource = \"x\"\n"
    );
    let file = ScenarioFile::parse(Path::new("x.toml"), &text).unwrap();
    let sc = bksim::prepare::variant(&file, Some("slow"), &[]).unwrap();
    assert_eq!(sc.expect[0].expectation.variant, "fast");
    assert_eq!(sc.expect[0].expectation.tolerance, Tolerance::Absolute(2.0));
    let bad = text.replace(
        "variant = \"fast\"\nmetric",
        "variant = \"per-object\"\nmetric",
    );
    let file = ScenarioFile::parse(Path::new("x.toml"), &bad).unwrap();
    let e = file.resolve(Some("fast"), &[]).unwrap_err().to_string();
    assert_eq!(
        e,
        "x.toml:16:11: expect[0].variant: no variant named 'per-object' (known: fast, slow)"
    );
}

#[test]
fn relative_error_and_tolerance_arithmetic() {
    // (model − measured) / measured.
    assert_eq!(relative_error(150.0, 150.0), Some(0.0));
    assert_eq!(relative_error(2.0, 4.0), Some(-0.5));
    assert_eq!(relative_error(6.0, 4.0), Some(0.5));
    assert_eq!(relative_error(1.0, 0.0), None);
    assert_eq!(error_text(2.0, 4.0), "-50.0%");
    assert_eq!(error_text(6.0, 4.0), "+50.0%");
    assert_eq!(error_text(0.0, 0.0), "0%");
    // 10% of 1,234 is 123.4: 1,357.4 is on the bound, 1,357.5 past it.
    assert!(within(1357.4, 1234.0, Tolerance::Percent(10.0)));
    assert!(!within(1357.5, 1234.0, Tolerance::Percent(10.0)));
    assert!(within(1110.6, 1234.0, Tolerance::Percent(10.0)));
    assert!(!within(1110.5, 1234.0, Tolerance::Percent(10.0)));
    assert!(within(3.0, 4.0, Tolerance::Absolute(1.0)));
    assert!(!within(2.0, 4.0, Tolerance::Absolute(1.0)));
    assert!(within(150.0, 150.0, Tolerance::Absolute(0.0)));
    // Paths come from the summary type: every counter of a variant is there.
    let paths = metric_paths();
    assert!(paths.contains(&"kms.by_operation.Decrypt".to_string()));
    assert!(paths.contains(&"cloudtrail.bucket_arn_context".to_string()));
    assert!(!paths.contains(&"name".to_string()));
}

/// A 10-second scenario with one expectation within tolerance and one out.
const RUN: &str = r#"name = "exp"
duration = "10s"
[[bucket]]
name = "ingest"
encryption = "sse-kms"
[[workload]]
name = "uploads"
bucket = "ingest"
op = "put"
arrival = { kind = "constant", rate = 100 }
[[expect]]
variant = "per-object"
metric = "kms.by_operation.GenerateDataKey"
value = 1050
tolerance = "5%"
source = "CloudTrail count, https://example.com/trail"
[[expect]]
variant = "bucket-key"
metric = "kms.requests"
value = 500
tolerance = 10
source = "a made-up figure | with a pipe"
"#;

fn write_scenario(dir: &Path, text: &str) -> String {
    let p = dir.join("exp.toml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn check_exits_3_out_of_tolerance_after_writing_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write_scenario(dir.path(), RUN);
    let out_dir = dir.path().join("out");
    let o = out_dir.to_str().unwrap();

    // Without --check the exit code is unchanged.
    let plain = bksim(&["run", &sc, "--out", o, "-j", "1"]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    let table = text(&plain.stdout);
    // 100/s for 10 s: exactly 1,000 PUTs, one GenerateDataKey each (−4.8% of 1,050).
    assert!(
        table.contains(
            "Measured vs model ([[expect]] in the scenario; sources in report.md):\n\
             \x20 variant     metric                            measured  model   error  tolerance  result\n\
             \x20 per-object  kms.by_operation.GenerateDataKey     1,050  1,000   -4.8%        ±5%  within\n"
        ),
        "{table}"
    );
    assert!(
        table.contains("  bucket-key  kms.requests                           500"),
        "{table}"
    );

    let checked = bksim(&["run", &sc, "--out", o, "-j", "1", "--check"]);
    assert_eq!(checked.status.code(), Some(3));
    let err = text(&checked.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(
        lines[0],
        "error: --check: 1 of 2 measured value(s) out of tolerance:"
    );
    assert!(
        lines[1].starts_with("  [[expect]] at line 17: kms.requests of variant bucket-key is ")
            && lines[1].contains(" in the model, 500 measured (")
            && lines[1].ends_with("), outside ±10"),
        "{err}"
    );
    // The results were written all the same.
    let summary = text(&read(&out_dir.join("summary.json")));
    assert!(summary.contains("\"expectations\": ["), "{summary}");

    // Within tolerance: --check exits 0.
    let ok = RUN.replace(
        "value = 500\ntolerance = 10",
        "value = 500\ntolerance = \"100%\"",
    );
    let sc = write_scenario(dir.path(), &ok);
    let passed = bksim(&["run", &sc, "--out", o, "-j", "1", "--check", "--quiet"]);
    assert_eq!(passed.status.code(), Some(0), "{}", text(&passed.stderr));
    assert!(passed.stderr.is_empty());

    // A variant left out of the run is not checked.
    let sc = write_scenario(dir.path(), RUN);
    let one = bksim(&["run", &sc, "--out", o, "--variant", "per-object", "--check"]);
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    assert!(
        text(&one.stdout).contains("  bucket-key  kms.requests"),
        "{}",
        text(&one.stdout)
    );
    assert!(text(&one.stdout).contains("not run"));
}

#[test]
fn report_sections_are_rebuilt_byte_for_byte_and_runs_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write_scenario(dir.path(), RUN);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    for d in [&a, &b] {
        let out = bksim(&["run", &sc, "--out", d.to_str().unwrap(), "--quiet"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    for f in ["summary.json", "report.md"] {
        assert_eq!(
            read(&a.join(f)),
            read(&b.join(f)),
            "{f} differs between runs"
        );
    }
    let md = text(&read(&a.join("report.md")));
    let section =
        &md[md.find("## Measured vs model").expect("md section")..md.find("## Charts").unwrap()];
    assert!(
        section.contains(
            "| per-object | `kms.by_operation.GenerateDataKey` | 1,050 | 1,000 | -4.8% | ±5% | within | CloudTrail count, <https://example.com/trail> |"
        ),
        "{section}"
    );
    assert!(
        section.contains("| **OUT** | a made-up figure \\| with a pipe |"),
        "{section}"
    );
    let html = text(&read(&a.join("report.html")));
    let start = html.find("<section id=\"expect\">").expect("html section");
    let hsec = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(hsec.contains("<h2>Measured vs model</h2>"), "{hsec}");
    assert!(
        hsec.contains(
            "<td>CloudTrail count, <a href=\"https://example.com/trail\">https://example.com/trail</a></td></tr>"
        ),
        "{hsec}"
    );
    assert!(
        hsec.contains(">OUT</td>") && hsec.contains(">within</td>"),
        "{hsec}"
    );
    // The sections come before the charts.
    assert!(start < html.find("<section id=\"charts\">").unwrap());

    // `bksim report` rebuilds both documents from the results directory.
    let md_before = read(&a.join("report.md"));
    let html_before = read(&a.join("report.html"));
    std::fs::remove_file(a.join("report.md")).unwrap();
    std::fs::remove_file(a.join("report.html")).unwrap();
    let out = bksim(&[
        "report",
        a.to_str().unwrap(),
        "--format",
        "md,html",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(read(&a.join("report.md")), md_before);
    assert_eq!(read(&a.join("report.html")), html_before);
}

#[test]
fn a_run_without_expectations_writes_no_expectations_key() {
    let dir = tempfile::tempdir().unwrap();
    let sc = write_scenario(dir.path(), &RUN[..RUN.find("[[expect]]").unwrap()]);
    let o = dir.path().join("out");
    let out = bksim(&["run", &sc, "--out", o.to_str().unwrap(), "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("Measured vs model"));
    assert!(!text(&read(&o.join("summary.json"))).contains("expectations"));
    assert!(!text(&read(&o.join("report.md"))).contains("Measured vs model"));
    assert!(!text(&read(&o.join("report.html"))).contains("id=\"expect\""));
}

#[test]
fn the_bundled_poc_scenario_matches_without_bucket_keys_and_undercounts_with_them() {
    // AWS's published POC: 150 KMS calls without bucket keys, 4 with them. The model makes
    // exactly 150, and 1 with bucket keys (one session, one connection, one front-end host):
    // the second expectation is out of tolerance.
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("poc");
    let out = bksim(&[
        "run",
        repo("scenarios/bucket-key-poc.toml").to_str().unwrap(),
        "--out",
        o.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("  per-object  kms.requests       150    150      0%         ±0  within\n"),
        "{table}"
    );
    assert!(
        table.contains("  bucket-key  kms.requests         4      1  -75.0%         ±1  OUT\n"),
        "{table}"
    );
    assert_eq!(
        text(&out.stderr),
        "error: --check: 1 of 2 measured value(s) out of tolerance:\n  \
         [[expect]] at line 75: kms.requests of variant bucket-key is 1 in the model, 4 measured (-75.0%), outside ±1\n"
    );
}

#[test]
fn replay_checks_the_scenario_expectations_too() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    std::fs::write(
        &log,
        "time,op,bucket,key,requester,size\n\
         2026-11-24T10:00:00Z,put,poc,a,arn:aws:iam::111122223333:user/u,100\n\
         2026-11-24T10:00:01Z,get,poc,a,arn:aws:iam::111122223333:user/u,100\n",
    )
    .unwrap();
    // The quota does not depend on the traffic: within with 100,000 (the default Region's),
    // out with 1.
    for (value, code) in [(100000, 0), (1, 3)] {
        let sc = dir.path().join("sc.toml");
        std::fs::write(
            &sc,
            format!(
                "name = \"rs\"\n[[expect]]\nvariant = \"per-object\"\nmetric = \"kms.quota_rps\"\n\
                 value = {value}\ntolerance = 0\nsource = \"Service Quotas console\"\n"
            ),
        )
        .unwrap();
        let o = dir.path().join("out");
        let out = bksim(&[
            "replay",
            log.to_str().unwrap(),
            "--scenario",
            sc.to_str().unwrap(),
            "--out",
            o.to_str().unwrap(),
            "--check",
            "--quiet",
        ]);
        assert_eq!(out.status.code(), Some(code), "{}", text(&out.stderr));
        assert!(text(&read(&o.join("report.md"))).contains("## Measured vs model"));
        if code == 3 {
            assert_eq!(
                text(&out.stderr),
                "error: --check: 1 of 1 measured value(s) out of tolerance:\n  \
                 [[expect]] at line 2: kms.quota_rps of variant per-object is 100,000 in the model, 1 measured (+9999900.0%), outside ±0\n"
            );
        }
    }
}
