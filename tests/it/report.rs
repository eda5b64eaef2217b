//! Exporters: the files of a results directory and the terminal table, from hand-built
//! results. The `.hgrm` fixtures in `tests/fixtures/hgrm/` were printed by HdrHistogram's
//! Java implementation (`GenHgrm.java` there says how).

use std::fs;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use bksim::metrics::results::{
    ByOperation, CloudTrailSummary, KmsSummary, OpCounts, PerOp, RunResults, SecondRow, Slowdown,
    VariantResults, VariantSummary, new_latency_histogram,
};
use bksim::metrics::summary::latency_summary;
use bksim::report::{
    MachineFacts, ReportError, RunFacts, comparison_table, hgrm, run_json, summary_json,
    timeseries_csv, write_atomic, write_outputs,
};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hgrm");

/// A plausible per-object vs bucket-key run: 20,000 PUT/s for `seconds` seconds against a
/// 10,000 rps quota, no GETs unless `with_gets`.
fn variant(name: &str, bucket_key: bool, seconds: u64, with_gets: bool) -> VariantResults {
    let mut latency_put = new_latency_histogram();
    let mut latency_get = new_latency_histogram();
    for i in 0..5_000u64 {
        let base = if bucket_key { 25_000 } else { 40_000 };
        latency_put.record(base + (i * 37) % 90_000).unwrap();
        if with_gets {
            latency_get.record(15_000 + (i * 53) % 40_000).unwrap();
        }
    }
    let offered = 20_000 * seconds;
    let (kms_requests, throttled) = if bucket_key {
        (12 * seconds / 300 + 10, 0)
    } else {
        (offered + offered / 2, offered / 2)
    };
    let get_offered = if with_gets { 5_000 * seconds } else { 0 };
    let summary = VariantSummary {
        name: name.to_string(),
        description: format!("the {name} variant"),
        other_requests: Default::default(),
        parameters: vec![],
        crypto: Default::default(),
        requests: PerOp {
            put: OpCounts {
                offered,
                completed: offered - offered / 100,
                failed: offered / 100,
                retries: throttled,
                no_object: 0,
                unfinished: 0,
                denied: 0,
            },
            get: OpCounts {
                offered: get_offered,
                completed: get_offered,
                failed: 0,
                retries: 0,
                no_object: if with_gets { 17 } else { 0 },
                unfinished: 0,
                denied: 0,
            },
        },
        latency_ms: PerOp {
            put: latency_summary(&latency_put),
            get: latency_summary(&latency_get),
        },
        kms: KmsSummary {
            quota_rps: 10_000,
            requests: kms_requests,
            throttled,
            by_operation: ByOperation {
                GenerateDataKey: kms_requests,
                Decrypt: 0,
                Encrypt: 0,
            },
            by_caller: None,
            for_existing_objects: 0,
            peak_rps: if bucket_key { 12 } else { 29_987 },
            background_requests: 0,
            background_throttled: 0,
            cost_usd: (kms_requests - throttled) as f64 * 0.03 / 10_000.0,
            cost_usd_per_month: (kms_requests - throttled) as f64 * 0.03 / 10_000.0 * 2_592_000.0
                / seconds as f64,
            keys: 1,
            key_cost_usd_per_month: 1.0,
        },
        kms_regions: Vec::new(),
        replication: None,
        cloudtrail: CloudTrailSummary {
            kms_events: kms_requests,
            object_arn_context: if bucket_key { 0 } else { kms_requests },
            bucket_arn_context: if bucket_key { kms_requests } else { 0 },
            client_context: 0,
            kms_events_per_day: kms_requests as f64 * 86_400.0 / seconds as f64,
        },
        bucket_keys_issued: if bucket_key { kms_requests } else { 0 },
        bucket_keys_decrypted: 0,
        s3_slowdown: Slowdown {
            kms: throttled,
            prefix: 0,
        },
        access_denied: Vec::new(),
        notes: if bucket_key {
            vec!["KMS latency is an assumption (median 8ms, p99 40ms).".to_string()]
        } else {
            vec![
                "KMS latency is an assumption (median 8ms, p99 40ms).".to_string(),
                "Requests fail after 3 attempts.".to_string(),
            ]
        },
    };
    let timeseries = (0..seconds)
        .map(|s| SecondRow {
            second: s,
            put_offered: 20_000,
            put_completed: 19_800,
            put_failed: 200,
            get_offered: if with_gets { 5_000 } else { 0 },
            get_completed: if with_gets { 5_000 } else { 0 },
            get_failed: 0,
            kms_requests: kms_requests / seconds,
            kms_throttled: throttled / seconds,
            generate_data_key: kms_requests / seconds,
            decrypt: 0,
            kms_for_existing: 0,
            background_requests: 0,
            slowdown_kms: throttled / seconds,
            slowdown_prefix: 0,
            in_flight: 1_234 + s,
        })
        .collect();
    VariantResults {
        summary,
        latency_put,
        latency_get,
        timeseries,
        timeseries_step: 1,
        events: 9 * offered,
        verify_failures: vec![],
        trace_cut: Vec::new(),
        trace_error: None,
    }
}

fn results(variants: &[(&str, bool)], seconds: u64, with_gets: bool) -> RunResults {
    RunResults {
        scenario: "quickstart".to_string(),
        description: "20,000 uploads/s against a 10,000 rps quota".to_string(),
        seed: 42,
        simulated_seconds: seconds as f64,
        warmup_seconds: 0.0,
        traces: Vec::new(),
        variants: variants
            .iter()
            .map(|(n, bk)| variant(n, *bk, seconds, with_gets))
            .collect(),
        expectations: vec![],
    }
}

fn quickstart() -> RunResults {
    results(&[("per-object", false), ("bucket-key", true)], 120, false)
}

fn facts(r: &RunResults) -> RunFacts {
    RunFacts::with_machine(
        r,
        UNIX_EPOCH + Duration::from_secs(1_714_566_896),
        Duration::from_millis(1_500),
        &[Duration::from_millis(1_000), Duration::from_millis(500)],
        2,
        MachineFacts {
            hostname: "test-host".to_string(),
            os: "linux".to_string(),
            arch: "x86_64".to_string(),
            cpu_model: Some("Test CPU".to_string()),
            logical_cpus: 2,
        },
    )
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn summary_json_is_byte_identical_for_equal_results() {
    let a = summary_json(&quickstart());
    let b = summary_json(&quickstart());
    assert_eq!(a, b);
    assert!(a.ends_with("}\n"));
    assert!(a.starts_with("{\n  \"schema\": \"bksim.summary.v1\",\n"));
    // A different seed changes the bytes (the test can fail).
    let mut other = quickstart();
    other.seed = 43;
    assert_ne!(summary_json(&other), a);
}

#[test]
fn summary_json_has_every_key_of_the_contract() {
    let text = summary_json(&quickstart());
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["schema"], "bksim.summary.v1");
    assert_eq!(doc["bksim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["scenario"], "quickstart");
    assert_eq!(doc["seed"], 42);
    assert_eq!(doc["simulated_seconds"], 120.0);
    assert_eq!(doc["warmup_seconds"], 0.0);
    assert!(doc["description"].is_string());
    let variants = doc["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert_eq!(variants[0]["name"], "per-object");
    assert_eq!(variants[1]["name"], "bucket-key");

    let mut paths = vec![
        "/name".to_string(),
        "/kms/requests".to_string(),
        "/kms/throttled".to_string(),
        "/kms/by_operation/GenerateDataKey".to_string(),
        "/kms/by_operation/Decrypt".to_string(),
        "/kms/cost_usd".to_string(),
        "/kms/cost_usd_per_month".to_string(),
        "/cloudtrail/kms_events".to_string(),
        "/cloudtrail/object_arn_context".to_string(),
        "/cloudtrail/bucket_arn_context".to_string(),
        "/bucket_keys_issued".to_string(),
        "/s3_slowdown/kms".to_string(),
        "/s3_slowdown/prefix".to_string(),
    ];
    for op in ["put", "get"] {
        for k in ["offered", "completed", "failed", "retries"] {
            paths.push(format!("/requests/{op}/{k}"));
        }
        for k in ["p50", "p90", "p99", "p999", "max", "mean"] {
            paths.push(format!("/latency_ms/{op}/{k}"));
        }
    }
    for v in variants {
        for p in &paths {
            let x = v.pointer(p).unwrap_or_else(|| panic!("missing {p}"));
            if p != "/name" {
                assert!(x.is_number(), "{p} is not a number: {x}");
            }
        }
    }
    let po = &variants[0];
    assert_eq!(po["requests"]["put"]["offered"], 2_400_000);
    assert_eq!(po["kms"]["throttled"], 1_200_000);
    assert_eq!(po["latency_ms"]["get"]["p99"], 0.0);
    assert!(po["latency_ms"]["put"]["p99"].as_f64().unwrap() > 40.0);
}

#[test]
fn timeseries_csv_has_a_row_per_variant_per_second() {
    let r = results(&[("a", false), ("b", true), ("c", true)], 37, true);
    let csv = timeseries_csv(&r);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "variant,second,put_offered,put_completed,put_failed,get_offered,get_completed,\
         get_failed,kms_requests,kms_throttled,generate_data_key,decrypt,kms_for_existing,\
         background_requests,\
         slowdown_kms,slowdown_prefix,in_flight"
    );
    assert_eq!(lines.len(), 1 + 3 * 37);
    assert!(csv.ends_with('\n'));
    let cols = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == cols));
    assert!(lines[1].starts_with("a,0,20000,19800,200,5000,5000,0,"));
    assert!(lines[1].ends_with(",1234"));
    assert!(lines[37].starts_with("a,36,"));
    assert!(lines[38].starts_with("b,0,"));
    assert!(lines[3 * 37].starts_with("c,36,"));
}

#[test]
fn hgrm_matches_java_for_values_1_to_10000_us() {
    let mut h = new_latency_histogram();
    for v in 1..=10_000u64 {
        h.record(v).unwrap();
    }
    let expected = fs::read_to_string(format!("{FIXTURES}/uniform-1-10000.hgrm")).unwrap();
    assert_eq!(hgrm(&h), expected);
}

#[test]
fn hgrm_matches_java_for_a_lopsided_histogram() {
    // Large counts, a value at the top of the range, a mean that needs Java's half-up
    // rounding, and percentile levels like 0.9998291015625 (printed ...563, half-up).
    let mut h = new_latency_histogram();
    let input = fs::read_to_string(format!("{FIXTURES}/mixed.in")).unwrap();
    for line in input.lines() {
        let (v, n) = line.split_once(' ').unwrap();
        h.record_n(v.parse().unwrap(), n.parse().unwrap()).unwrap();
    }
    let expected = fs::read_to_string(format!("{FIXTURES}/mixed.hgrm")).unwrap();
    assert_eq!(hgrm(&h), expected);
}

#[test]
fn hgrm_of_an_empty_histogram_matches_java() {
    let expected = fs::read_to_string(format!("{FIXTURES}/empty.hgrm")).unwrap();
    assert_eq!(hgrm(&new_latency_histogram()), expected);
}

#[test]
fn write_outputs_writes_every_file_and_replaces_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("results").join("quickstart");
    let r = quickstart();
    let written = write_outputs(&dir, &r, &facts(&r)).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| {
            assert_eq!(p.parent().unwrap(), dir);
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "summary.json",
            "timeseries.csv",
            "latency-per-object-put.hgrm",
            "latency-per-object-get.hgrm",
            "latency-bucket-key-put.hgrm",
            "latency-bucket-key-get.hgrm",
            "run.json",
        ]
    );
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(dir_entries(&dir), sorted, "no temporary files left behind");
    assert_eq!(
        fs::read_to_string(dir.join("summary.json")).unwrap(),
        summary_json(&r)
    );
    assert_eq!(
        fs::read_to_string(dir.join("latency-per-object-put.hgrm")).unwrap(),
        hgrm(&r.variants[0].latency_put)
    );

    // A second run over the same directory replaces the files.
    let mut r2 = quickstart();
    r2.seed = 7;
    write_outputs(&dir, &r2, &facts(&r2)).unwrap();
    assert_eq!(
        fs::read_to_string(dir.join("summary.json")).unwrap(),
        summary_json(&r2)
    );
    assert_eq!(dir_entries(&dir), sorted);
}

#[test]
fn atomic_write_replaces_and_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("summary.json");
    fs::write(&p, "old contents, longer than the new ones").unwrap();
    write_atomic(&p, b"new").unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"new");
    assert_eq!(dir_entries(tmp.path()), ["summary.json"]);
}

#[test]
fn unwritable_directory_is_an_error_naming_the_path() {
    // A regular file where a directory should be: fails even for root.
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("blocker");
    fs::write(&blocker, "").unwrap();
    let dir = blocker.join("out");
    let r = quickstart();
    let err = write_outputs(&dir, &r, &facts(&r)).unwrap_err();
    assert!(matches!(err, ReportError::CreateDir { .. }), "{err:?}");
    assert_eq!(err.path(), dir.as_path());
    let msg = err.to_string();
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
    assert!(msg.contains(&err.io_error().to_string()), "{msg}");

    let err = write_atomic(&blocker.join("summary.json"), b"x").unwrap_err();
    assert!(matches!(err, ReportError::Write { .. }), "{err:?}");
    assert!(err.to_string().contains("blocker"), "{err}");
}

#[test]
fn run_json_has_the_wall_clock_facts() {
    let r = quickstart();
    let f = facts(&r);
    let doc: Value = serde_json::from_str(&run_json(&f)).unwrap();
    assert_eq!(doc["schema"], "bksim.run.v1");
    assert_eq!(doc["bksim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["started_at"], "2024-05-01T12:34:56.000Z");
    assert_eq!(doc["wall_seconds"], 1.5);
    assert_eq!(doc["machine"]["hostname"], "test-host");
    assert_eq!(doc["machine"]["cpu_model"], "Test CPU");
    assert_eq!(doc["machine"]["logical_cpus"], 2);
    assert_eq!(doc["threads"], 2);
    let events = 2 * 9 * 2_400_000u64;
    assert_eq!(doc["events"], events);
    assert_eq!(doc["events_per_second"], events as f64 / 1.5);
    assert_eq!(doc["simulated_requests"], 2 * 2_400_000);
    assert_eq!(doc["simulated_requests_per_second"], 3_200_000.0);
    assert_eq!(doc["variants"][0]["name"], "per-object");
    assert_eq!(doc["variants"][1]["wall_seconds"], 0.5);
    assert!(doc["calibration_profile"].is_null());
}

#[test]
fn table_compares_variants_side_by_side() {
    let r = quickstart();
    let t = comparison_table(&r);
    assert_eq!(t, comparison_table(&quickstart()), "deterministic");
    assert!(t.ends_with('\n'));
    let line = |label: &str| -> &str {
        t.lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no row {label:?} in\n{t}"))
    };
    let header = t.lines().find(|l| l.contains("per-object")).unwrap();
    assert!(header.trim_end().ends_with("bucket-key"));
    let cells = |label: &str| -> Vec<String> {
        let l = line(label);
        l[label.len()..]
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(cells("PUT offered"), ["2,400,000", "2,400,000"], "{t}");
    assert_eq!(cells("KMS throttled"), ["1,200,000 (33.3%)", "0"], "{t}");
    assert_eq!(
        cells("KMS peak rps / quota"),
        ["29,987 / 10,000", "12 / 10,000"],
        "{t}"
    );
    assert!(line("KMS cost per month").contains('$'));
    assert!(line("PUT latency p99 (ms)").contains('.'));
    // No GET traffic: no GET rows.
    assert!(!t.lines().any(|l| l.starts_with("GET")), "{t}");
    // The note both variants carry is printed once, the other names its variant.
    assert_eq!(t.matches("KMS latency is an assumption").count(), 1);
    assert!(t.contains("per-object: Requests fail after 3 attempts."));
    // Right-aligned columns: every table row ends at the same column as the header.
    let width = header.len();
    let table: Vec<&str> = t
        .lines()
        .skip_while(|l| !l.contains("per-object"))
        .take_while(|l| !l.starts_with("Notes"))
        .filter(|l| !l.is_empty())
        .collect();
    assert!(table.iter().all(|l| l.len() == width), "{t}");
}

#[test]
fn table_fits_100_columns_for_three_variants() {
    let r = results(
        &[
            ("per-object", false),
            ("bucket-key", true),
            ("bucket-key-1m", true),
        ],
        3_600,
        true,
    );
    let t = comparison_table(&r);
    assert!(
        t.lines().any(|l| l.starts_with("GET latency p99.9 (ms)")),
        "{t}"
    );
    assert!(
        t.lines()
            .any(|l| l.starts_with("GET with no object to read")),
        "{t}"
    );
    for l in t
        .lines()
        .filter(|l| !l.starts_with("  - ") && !l.starts_with("Scenario"))
    {
        assert!(
            l.chars().count() <= 100,
            "{} columns: {l:?}\n{t}",
            l.chars().count()
        );
    }
}
