//! `bksim sweep`, `bksim merge` and `bksim capacity` as a user runs them.

use super::common::{bksim, read, text};
use std::path::Path;
use std::process::Output;

/// `sweep.csv`, `sweep.json` and every file under `charts/`, sorted.
fn output_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = ["sweep.csv", "sweep.json"]
        .iter()
        .filter(|f| dir.join(f).is_file())
        .map(|f| f.to_string())
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir.join("charts")) {
        let mut charts: Vec<String> = entries
            .map(|e| format!("charts/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        charts.sort();
        v.extend(charts);
    }
    v
}

/// A chart file: SVG that parses as XML with a title, or a 1280×720 PNG of more than one
/// colour.
fn check_chart(path: &Path) {
    let bytes = read(path);
    let what = path.display();
    if path.extension().is_some_and(|e| e == "svg") {
        let svg = String::from_utf8(bytes).unwrap();
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{what}: not well-formed: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{what}");
        assert!(doc.descendants().any(|n| n.has_tag_name("title")), "{what}");
    } else {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap_or_else(|e| panic!("{what}: not a PNG: {e}"));
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1280, 720), "{what}");
        let first = &buf[..3];
        assert!(
            buf[..info.buffer_size()].chunks(3).any(|p| p != first),
            "{what}: one colour"
        );
    }
}

const SMALL: [&str; 4] = ["--set", "duration=8s", "--set", "warmup=1s"];

fn sweep(out: &Path, extra: &[&str]) -> Output {
    let mut a = vec![
        "sweep",
        "scenarios/quickstart.toml",
        "--param",
        "workload.uploads.arrival.rate=4000..16000:4000",
        "--param",
        "s3.bucket_key_ttl=1m,5m",
        "--set",
        "kms.quota_rps=10000",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    a.extend_from_slice(&SMALL);
    a.extend_from_slice(extra);
    bksim(&a)
}

#[test]
fn sharded_sweep_merges_to_the_unsharded_bytes_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let o = sweep(&whole, &["--threads", "2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let one = dir.path().join("one-thread");
    let o = sweep(&one, &["--threads", "1"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let files = output_files(&whole);
    assert_eq!(files.len(), 2 + 4 * 2, "{files:?}");
    for f in files.iter().filter(|f| f.starts_with("charts/")) {
        check_chart(&whole.join(f));
    }
    for f in &files {
        assert_eq!(
            read(&whole.join(f)),
            read(&one.join(f)),
            "{f}: 1 vs 2 threads"
        );
    }
    let shards = dir.path().join("shards");
    for i in 0..3 {
        let o = sweep(&shards, &["--shard", &format!("{i}/3")]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let merged = dir.path().join("merged");
    let o = bksim(&[
        "merge",
        shards.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(output_files(&merged), files);
    for f in &files {
        assert_eq!(
            read(&whole.join(f)),
            read(&merged.join(f)),
            "{f}: merged vs single run"
        );
    }
    let listed = text(&o.stdout);
    for stem in ["throttle-rate", "cost", "p99-latency", "throttle-heatmap"] {
        assert!(listed.contains(stem), "merge lists {stem}: {listed}");
    }
    // 4 rates x 2 TTLs x 2 variants.
    let csv = String::from_utf8(read(&whole.join("sweep.csv"))).unwrap();
    assert_eq!(csv.lines().count(), 1 + 16);
    assert!(csv.starts_with("point,workload.uploads.arrival.rate,s3.bucket_key_ttl,variant,"));
    let json: serde_json::Value = serde_json::from_slice(&read(&whole.join("sweep.json"))).unwrap();
    assert_eq!(json["schema"], "bksim.sweep.v1");
    // Throttling rises with the rate for per-object keys and stays 0 with bucket keys.
    let rows = json["rows"].as_array().unwrap();
    let rate = |point: u64, v: &str| {
        rows.iter()
            .find(|r| r["point"] == point && r["variant"] == v)
            .unwrap()["metrics"]["throttle_rate"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(rate(0, "per-object"), 0.0);
    assert!(rate(6, "per-object") > 0.3, "16,000/s against 10,000");
    assert_eq!(rate(6, "bucket-key"), 0.0);

    // Merge refuses a shard whose rows are not exactly its own runs.
    let tampered = dir.path().join("tampered");
    std::fs::create_dir_all(&tampered).unwrap();
    for i in 0..3 {
        let name = format!("shard-{i}-of-3.json");
        let mut v: serde_json::Value = serde_json::from_slice(&read(&shards.join(&name))).unwrap();
        if i == 1 {
            let rows = v["rows"].as_array_mut().unwrap();
            let copy = rows[0].clone();
            rows.pop();
            rows.push(copy);
        }
        std::fs::write(tampered.join(&name), serde_json::to_vec(&v).unwrap()).unwrap();
    }
    let o = bksim(&[
        "merge",
        tampered.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("not exactly the runs"),
        "{}",
        text(&o.stderr)
    );

    // Merge refuses an incomplete or mixed set.
    std::fs::remove_file(shards.join("shard-1-of-3.json")).unwrap();
    let o = bksim(&[
        "merge",
        shards.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("missing: [1]"),
        "{}",
        text(&o.stderr)
    );
    let other = dir.path().join("other");
    let o = bksim(&[
        "sweep",
        "scenarios/quickstart.toml",
        "--param",
        "kms.quota_rps=1000,2000",
        "--shard",
        "1/3",
        "--out",
        other.to_str().unwrap(),
        "--quiet",
        "--set",
        "duration=2s",
        "--set",
        "warmup=0s",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = bksim(&[
        "merge",
        shards.to_str().unwrap(),
        other.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("different sweep"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn one_parameter_and_categorical_sweeps_list_their_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let run = |params: &[&str]| {
        let mut a = vec!["sweep", "scenarios/quickstart.toml"];
        for p in params {
            a.extend(["--param", p]);
        }
        a.extend([
            "--set",
            "duration=3s",
            "--set",
            "warmup=0s",
            "--out",
            out.to_str().unwrap(),
        ]);
        let o = bksim(&a);
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    // Two parameters, the first categorical: line charts and the heatmap.
    let stdout = run(&[
        "kms.limiter=fixed-window,token-bucket",
        "workload.uploads.arrival.rate=10000,30000",
    ]);
    assert!(stdout.contains("Charts (.svg and .png) in "), "{stdout}");
    assert!(stdout.contains("throttle-heatmap"), "{stdout}");
    let files = output_files(&out);
    assert_eq!(files.len(), 2 + 4 * 2, "{files:?}");
    for f in files.iter().filter(|f| f.starts_with("charts/")) {
        check_chart(&out.join(f));
    }
    let svg = String::from_utf8(read(&out.join("charts/throttle-rate.svg"))).unwrap();
    assert!(svg.contains("fixed-window") && svg.contains("token-bucket"));
    // One parameter into the same directory: no heatmap, and the old one is gone.
    let stdout = run(&["workload.uploads.arrival.rate=5000..20000:5000"]);
    assert!(!stdout.contains("throttle-heatmap"), "{stdout}");
    let files = output_files(&out);
    assert_eq!(
        files,
        [
            "sweep.csv",
            "sweep.json",
            "charts/cost.png",
            "charts/cost.svg",
            "charts/p99-latency.png",
            "charts/p99-latency.svg",
            "charts/throttle-rate.png",
            "charts/throttle-rate.svg",
        ]
    );
    for f in files.iter().filter(|f| f.starts_with("charts/")) {
        check_chart(&out.join(f));
    }
}

#[test]
fn sweep_table_in_the_scenario_and_bad_params() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        r#"name = "s"
duration = "5s"
[kms]
quota_rps = 1000
[[bucket]]
name = "b"
encryption = "sse-kms"
[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "poisson", rate = 500 }
[sweep]
"workload.w.arrival.rate" = "500..1500:500"
"kms.limiter" = ["fixed-window", "token-bucket"]
"#,
    )
    .unwrap();
    let out = dir.path().join("o");
    let f = file.to_str().unwrap();
    let o = bksim(&["sweep", f, "--out", out.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["grid"]["params"].as_array().unwrap().len(), 2);
    assert_eq!(v["rows"].as_array().unwrap().len(), 3 * 2 * 2);
    // --param replaces the file's entry for the same path.
    let o = bksim(&[
        "sweep",
        f,
        "--param",
        "workload.w.arrival.rate=100",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 2 * 2);

    for (args, needle) in [
        (vec!["--param", "workload.w.arrival.rate"], "no '='"),
        (
            vec!["--param", "workload.w.arrival.rate=5..1:1"],
            "below its start",
        ),
        (
            vec!["--param", "workload.w.arrival.rate=-5"],
            "workload.w.arrival.rate",
        ),
        (vec!["--param", "workload.nope.arrival.rate=1,2"], "nope"),
        (vec!["--shard", "3/3"], "--shard"),
    ] {
        let mut a = vec!["sweep", f, "--out", out.to_str().unwrap()];
        a.extend(args.iter().copied());
        let o = bksim(&a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(needle),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
}

#[test]
fn capacity_of_per_object_keys_is_the_kms_quota() {
    // Per-object keys, fixed window, quota Q = 10,000, no background traffic: the highest
    // arrival rate with at most 0.1% throttled is within 5% of Q.
    let o = bksim(&[
        "capacity",
        "scenarios/quickstart.toml",
        "--target",
        "workload.uploads.arrival.rate",
        "--variant",
        "per-object",
        "--set",
        "kms.quota_rps=10000",
        "--set",
        "duration=20s",
        "--set",
        "warmup=2s",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "bksim.capacity.v1");
    assert_eq!(v["target"], "workload.uploads.arrival.rate");
    let r = &v["variants"][0];
    assert_eq!(r["name"], "per-object");
    assert_eq!(r["binding"], "kms-quota");
    let max = r["max_value"].as_f64().unwrap();
    assert!(
        (max / 10_000.0 - 1.0).abs() < 0.05,
        "capacity {max} vs quota 10000"
    );
}

#[test]
fn capacity_says_when_the_range_holds_no_limit_and_rejects_bad_targets() {
    let o = bksim(&[
        "capacity",
        "scenarios/quickstart.toml",
        "--target",
        "workload.uploads.arrival.rate",
        "--variant",
        "bucket-key",
        "--set",
        "s3.prefix_put_rps=0",
        "--set",
        "duration=3s",
        "--set",
        "warmup=0s",
        "--start",
        "10",
        "--set",
        "kms.quota_rps=1000000",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("no limit found"),
        "{}",
        text(&o.stdout)
    );
    for (target, needle) in [
        ("kms.region", "not a number"),
        ("workload.nope.sessions", "not a parameter"),
    ] {
        let o = bksim(&["capacity", "scenarios/quickstart.toml", "--target", target]);
        assert_eq!(o.status.code(), Some(2), "{target}");
        assert!(
            text(&o.stderr).contains(needle),
            "{target}: {}",
            text(&o.stderr)
        );
    }
    let o = bksim(&[
        "capacity",
        "scenarios/quickstart.toml",
        "--target",
        "workload.uploads.arrival.rate",
        "--max-throttle",
        "5 percent",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
