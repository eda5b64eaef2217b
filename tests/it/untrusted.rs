//! `bksim report` and `bksim merge` trust nothing they read: implausible numbers, counts that
//! do not add up, names that would escape the output directory, files that are not regular
//! files, and `--shard` counts no sweep needs are invalid input (exit 2) with a message naming
//! the file (and line and key), never a panic or an abort. Also the loaders over many randomly
//! corrupted copies of a real results directory and of real shard files: a clean result or a
//! clean error, nothing else.

use super::common::{bksim, text};
use bksim::report::load_results;
use bksim::report::plausible::{MAX_COST_USD, MAX_LATENCY_MS};
use bksim::sweep::output::{find_shards, merge, read_shard};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

/// A short quickstart run (two variants, PUTs only), made once per test run.
fn results() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("untrusted")
            .join("results");
        let _ = fs::remove_dir_all(&out);
        let o = bksim(&[
            "run",
            "scenarios/quickstart.toml",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--set",
            "duration=4s",
            "--set",
            "warmup=1s",
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        out
    })
}

/// Shard files 0/2 and 1/2 of a three-point sweep, made once per test run.
fn shards() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("untrusted")
            .join("shards");
        let _ = fs::remove_dir_all(&out);
        for i in 0..2 {
            let o = bksim(&[
                "sweep",
                "scenarios/quickstart.toml",
                "--param",
                "workload.uploads.arrival.rate=4000,8000,12000",
                "--set",
                "duration=3s",
                "--set",
                "warmup=1s",
                "--shard",
                &format!("{i}/2"),
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ]);
            assert!(o.status.success(), "{}", text(&o.stderr));
        }
        out
    })
}

/// A copy of the regular files of `from` (not `charts/`) in a fresh directory.
fn copy_of(from: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("d");
    fs::create_dir_all(&to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    (tmp, to)
}

fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    f(&mut v);
    fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

fn edit_text(path: &Path, f: impl FnOnce(String) -> String) {
    let s = fs::read_to_string(path).unwrap();
    fs::write(path, f(s)).unwrap();
}

/// The 1-based line of the first line of `path` containing `needle`.
fn line_of(path: &Path, needle: &str) -> usize {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {}", path.display()))
        + 1
}

/// Exit 2, no panic, and every piece of `expect` in the message.
fn assert_input_error(o: &Output, what: &str, expect: &[&str]) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    for e in expect {
        assert!(err.contains(e), "{what}: expected '{e}' in: {err}");
    }
}

fn report(dir: &Path) -> Output {
    bksim(&["report", dir.to_str().unwrap(), "--quiet"])
}

#[test]
fn report_rejects_implausible_numbers_naming_file_line_and_key() {
    type Damage = Box<dyn Fn(&Path) -> Vec<String>>;
    let put_hgrm = "latency-bucket-key-put.hgrm";
    let cases: Vec<(&str, Damage)> = vec![
        (
            "1e308 in a .hgrm row",
            Box::new(move |d: &Path| {
                let p = d.join(put_hgrm);
                edit_text(&p, |s| {
                    let mut lines: Vec<String> = s.lines().map(String::from).collect();
                    let row = lines[3].trim_start().split_once(' ').unwrap().1.to_string();
                    lines[3] = format!("       1e308 {row}");
                    lines.join("\n") + "\n"
                });
                vec![format!("{put_hgrm}, line 4"), "column Value".into()]
            }),
        ),
        (
            "NaN in a .hgrm row",
            Box::new(move |d: &Path| {
                let p = d.join(put_hgrm);
                edit_text(&p, |s| {
                    let mut lines: Vec<String> = s.lines().map(String::from).collect();
                    let row = lines[4].trim_start().split_once(' ').unwrap().1.to_string();
                    lines[4] = format!("         NaN {row}");
                    lines.join("\n") + "\n"
                });
                vec![format!("{put_hgrm}, line 5"), "column Value".into()]
            }),
        ),
        (
            "a .hgrm footer total of u64::MAX",
            Box::new(move |d: &Path| {
                let p = d.join(put_hgrm);
                edit_text(&p, |s| {
                    let i = s.find("Total count    =").unwrap();
                    let end = i + s[i..].find(']').unwrap();
                    format!(
                        "{}Total count    = 18446744073709551615{}",
                        &s[..i],
                        &s[end..]
                    )
                });
                let line = line_of(&p, "Total count");
                vec![
                    format!("{put_hgrm}, line {line}"),
                    "footer Total count".into(),
                ]
            }),
        ),
        (
            "1e308 as a p99 in summary.json",
            Box::new(|d: &Path| {
                let p = d.join("summary.json");
                edit_json(&p, |v| {
                    v["variants"][1]["latency_ms"]["put"]["p99"] = json!(1e308)
                });
                let line = line_of(&p, "1e+308");
                vec![
                    format!("summary.json, line {line}"),
                    "variants[1].latency_ms.put.p99".into(),
                ]
            }),
        ),
        (
            // A report copies the description several times: 400 MiB of it aborted for
            // memory. Longer than a scenario file can be: refused.
            "a description longer than a scenario file in summary.json",
            Box::new(|d: &Path| {
                let p = d.join("summary.json");
                edit_json(&p, |v| v["description"] = json!("x".repeat((4 << 20) + 1)));
                let line = line_of(&p, "\"description\"");
                vec![
                    format!("summary.json, line {line}"),
                    "a string of 4194305 bytes, longer than the 4194304 bksim writes".into(),
                ]
            }),
        ),
        (
            "a negative latency in summary.json",
            Box::new(|d: &Path| {
                let p = d.join("summary.json");
                edit_json(&p, |v| {
                    v["variants"][0]["latency_ms"]["put"]["p50"] = json!(-1.0)
                });
                vec![
                    "summary.json, line".into(),
                    "variants[0].latency_ms.put.p50 = -1".into(),
                ]
            }),
        ),
        (
            "a u64::MAX counter in summary.json",
            Box::new(|d: &Path| {
                let p = d.join("summary.json");
                edit_json(&p, |v| {
                    v["variants"][0]["requests"]["put"]["retries"] = json!(u64::MAX)
                });
                let line = line_of(&p, "18446744073709551615");
                vec![
                    format!("summary.json, line {line}"),
                    "variants[0].requests.put.retries".into(),
                ]
            }),
        ),
        (
            "a cost above 1e12 USD in summary.json",
            Box::new(|d: &Path| {
                let p = d.join("summary.json");
                edit_json(&p, |v| {
                    v["variants"][0]["kms"]["cost_usd_per_month"] = json!(MAX_COST_USD * 2.0)
                });
                vec!["summary.json, line".into(), "kms.cost_usd_per_month".into()]
            }),
        ),
        (
            "a latency count that is not the completed count",
            Box::new(|d: &Path| {
                let p = d.join("summary.json");
                edit_json(&p, |v| {
                    let c = v["variants"][0]["latency_ms"]["put"]["count"]
                        .as_u64()
                        .unwrap();
                    v["variants"][0]["latency_ms"]["put"]["count"] = json!(c + 1);
                });
                vec![
                    "summary.json, line".into(),
                    "variants[0].latency_ms.put.count".into(),
                    "does not match requests.put.completed".into(),
                ]
            }),
        ),
        (
            "throttled KMS calls above the calls",
            Box::new(|d: &Path| {
                let p = d.join("summary.json");
                edit_json(&p, |v| {
                    let r = v["variants"][0]["kms"]["requests"].as_u64().unwrap();
                    v["variants"][0]["kms"]["throttled"] = json!(r + 1);
                });
                vec!["summary.json, line".into(), "kms.requests".into()]
            }),
        ),
        (
            "a time-series row far past the simulated time",
            Box::new(|d: &Path| {
                let p = d.join("timeseries.csv");
                edit_text(&p, |s| {
                    s + "bucket-key,1000000,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n"
                });
                let line = fs::read_to_string(&p).unwrap().lines().count();
                vec![
                    format!("timeseries.csv, line {line}"),
                    "column 'second'".into(),
                ]
            }),
        ),
        (
            "a per-second count of u64::MAX",
            Box::new(|d: &Path| {
                let p = d.join("timeseries.csv");
                edit_text(&p, |s| {
                    let mut lines: Vec<String> = s.lines().map(String::from).collect();
                    let mut f: Vec<String> = lines[2].split(',').map(String::from).collect();
                    f[16] = u64::MAX.to_string();
                    lines[2] = f.join(",");
                    lines.join("\n") + "\n"
                });
                vec!["timeseries.csv, line 3".into(), "column 'in_flight'".into()]
            }),
        ),
        (
            "KMS columns that do not add up",
            Box::new(|d: &Path| {
                let p = d.join("timeseries.csv");
                edit_text(&p, |s| {
                    let mut lines: Vec<String> = s.lines().map(String::from).collect();
                    let mut f: Vec<String> = lines[2].split(',').map(String::from).collect();
                    let r: u64 = f[8].parse().unwrap();
                    f[9] = (r + 1).to_string();
                    lines[2] = f.join(",");
                    lines.join("\n") + "\n"
                });
                vec![
                    "timeseries.csv, line 3".into(),
                    "column 'kms_requests'".into(),
                    "does not add up".into(),
                ]
            }),
        ),
        (
            "1e308 in run.json",
            Box::new(|d: &Path| {
                let p = d.join("run.json");
                edit_json(&p, |v| v["events_per_second"] = json!(1e308));
                let line = line_of(&p, "events_per_second");
                vec![format!("run.json, line {line}"), "events_per_second".into()]
            }),
        ),
    ];
    for (what, damage) in cases {
        let (_tmp, dir) = copy_of(results());
        fs::remove_file(dir.join("report.md")).unwrap();
        let expect = damage(&dir);
        let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
        assert_input_error(&report(&dir), what, &expect);
        assert!(
            !dir.join("report.md").exists(),
            "{what}: a report was written"
        );
    }
}

#[test]
fn report_rejects_names_that_are_not_names_and_files_that_are_not_files() {
    let names: [(&str, &str); 4] = [
        ("../../escape", "scenario"),
        ("a/b", "scenario"),
        ("red\u{1b}[31m", "scenario"),
        ("variant", "variants[0].name"),
    ];
    for (name, key) in names {
        let (_tmp, dir) = copy_of(results());
        edit_json(&dir.join("summary.json"), |v| {
            if key == "scenario" {
                v["scenario"] = json!(name);
            } else {
                v["variants"][0]["name"] = json!("x".repeat(300));
            }
        });
        let o = report(&dir);
        assert_input_error(&o, name, &["summary.json", key]);
        // Control characters reach the terminal escaped.
        assert!(!text(&o.stderr).contains('\u{1b}'), "{name}");
    }
    // A directory, a FIFO, a device where a file should be; and bytes that are not UTF-8.
    let (_tmp, dir) = copy_of(results());
    fs::remove_file(dir.join("summary.json")).unwrap();
    fs::create_dir(dir.join("summary.json")).unwrap();
    assert_input_error(
        &report(&dir),
        "directory",
        &["summary.json", "not a regular file"],
    );

    let (_tmp, dir) = copy_of(results());
    let ts = dir.join("timeseries.csv");
    fs::remove_file(&ts).unwrap();
    mkfifo(&ts);
    assert_input_error(&report(&dir), "FIFO", &["timeseries.csv", "a FIFO"]);

    let (_tmp, dir) = copy_of(results());
    fs::remove_file(dir.join("run.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("run.json")).unwrap();
    assert_input_error(
        &report(&dir),
        "/dev/zero",
        &["run.json", "character device"],
    );

    // JSON nested a million deep: refused, no stack overflow, no memory run out.
    let (_tmp, dir) = copy_of(results());
    let deep = format!("{}1{}", "{\"x\": [".repeat(1 << 19), "]}".repeat(1 << 19));
    fs::write(dir.join("run.json"), &deep).unwrap();
    assert_input_error(
        &report(&dir),
        "deep run.json",
        &["run.json, line 1", "not a valid file"],
    );
    let (_tmp, shard_dir) = copy_of(shards());
    fs::write(shard_dir.join("shard-0-of-2.json"), &deep).unwrap();
    let o = merge_cmd(&[&shard_dir], Some(&shard_dir.join("out")));
    assert_input_error(
        &o,
        "deep shard",
        &["shard-0-of-2.json: line 1", "not a bksim shard file"],
    );

    let (_tmp, dir) = copy_of(results());
    let p = dir.join("timeseries.csv");
    let mut b = fs::read(&p).unwrap();
    let line4 = b
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == b'\n')
        .nth(2)
        .unwrap()
        .0
        + 1;
    b[line4 + 3] = 0xff;
    fs::write(&p, b).unwrap();
    assert_input_error(
        &report(&dir),
        "non-UTF-8",
        &["timeseries.csv, line 4", "not UTF-8"],
    );
}

fn mkfifo(p: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

fn merge_cmd(inputs: &[&Path], out: Option<&Path>) -> Output {
    let mut a: Vec<String> = vec!["merge".into(), "--quiet".into()];
    a.extend(inputs.iter().map(|p| p.to_str().unwrap().to_string()));
    if let Some(o) = out {
        a.push("--out".into());
        a.push(o.to_str().unwrap().into());
    }
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    bksim(&a)
}

#[test]
fn shard_counts_are_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bksim(&[
        "sweep",
        "scenarios/quickstart.toml",
        "--param",
        "workload.uploads.arrival.rate=4000,8000",
        "--shard",
        "0/18446744073709551615",
        "--out",
        tmp.path().join("s").to_str().unwrap(),
    ]);
    assert_input_error(&o, "--shard 0/2^64-1", &["--shard", "N <= 10000"]);
    let o = bksim(&["sweep", "--help"]);
    assert!(text(&o.stdout).contains("10000"), "{}", text(&o.stdout));

    for claim in ["1e9", "9223372036854775808", "10001"] {
        let (_tmp, dir) = copy_of(shards());
        let p = dir.join("shard-0-of-2.json");
        edit_text(&p, |s| {
            s.replacen("\"shards\": 2", &format!("\"shards\": {claim}"), 1)
        });
        let o = merge_cmd(&[&dir], Some(&dir.join("out")));
        assert_input_error(
            &o,
            claim,
            &["shard-0-of-2.json", "line 4", "implausible value: shards"],
        );
    }
}

#[test]
fn merge_rejects_implausible_shards_naming_file_line_and_key() {
    type Damage = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Damage, &[&str])> = vec![
        (
            "1e308 p99",
            Box::new(|v| v["rows"][0]["metrics"]["put_p99_ms"] = json!(1e308)),
            &["rows[0].metrics.put_p99_ms", "implausible"],
        ),
        (
            "1e308 cost",
            Box::new(|v| v["rows"][1]["metrics"]["cost_usd_per_month"] = json!(1e308)),
            &["rows[1].metrics.cost_usd_per_month", "implausible"],
        ),
        (
            "negative latency",
            Box::new(|v| v["rows"][0]["metrics"]["get_p50_ms"] = json!(-1.0)),
            &["rows[0].metrics.get_p50_ms", "implausible"],
        ),
        (
            "u64::MAX counter",
            Box::new(|v| v["rows"][0]["metrics"]["kms_requests"] = json!(u64::MAX)),
            &["rows[0].metrics.kms_requests", "implausible"],
        ),
        (
            "a point past the grid",
            Box::new(|v| v["rows"][0]["point"] = json!(1u64 << 40)),
            &["rows[0].point", "implausible"],
        ),
        (
            "a swept number of 1e308",
            Box::new(|v| v["sweep"]["grid"]["params"][0]["values"][0]["number"] = json!(1e308)),
            &["sweep.grid.params[0].values[0].number", "implausible"],
        ),
        (
            "a swept number that is not its value",
            Box::new(|v| v["sweep"]["grid"]["params"][0]["values"][0]["number"] = json!(5.0)),
            &["sweep.grid.params[0]", "does not match"],
        ),
        (
            "a throttle rate that is not its counts",
            Box::new(|v| v["rows"][0]["metrics"]["throttle_rate"] = json!(0.99)),
            &["rows[0].metrics.throttle_rate", "does not match"],
        ),
        (
            "throttled above requests",
            Box::new(|v| {
                let m = &mut v["rows"][0]["metrics"];
                m["kms_throttled"] = json!(10);
                m["kms_requests"] = json!(5);
                m["throttle_rate"] = json!(2.0);
            }),
            &["throttle_rate", "implausible"],
        ),
        (
            "a parameter path with a slash",
            Box::new(|v| v["sweep"]["grid"]["params"][0]["path"] = json!("../x/y")),
            &["sweep.grid.params[0]", "parameter path"],
        ),
        (
            "a variant name with a control character",
            Box::new(|v| v["sweep"]["variants"][0] = json!("per\nobject")),
            &["sweep.variants[0]", "not a valid name"],
        ),
        (
            "a huge variant name",
            Box::new(|v| v["sweep"]["variants"][0] = json!("v".repeat(100_000))),
            &["sweep.variants[0]", "too long: at most 64"],
        ),
        (
            "more rows than runs",
            Box::new(|v| {
                let r = v["rows"][0].clone();
                v["rows"].as_array_mut().unwrap().push(r);
            }),
            &["rows", "runs"],
        ),
    ];
    for (what, damage, expect) in cases {
        let (_tmp, dir) = copy_of(shards());
        let p = dir.join("shard-0-of-2.json");
        edit_json(&p, |v| damage(v));
        let out = dir.join("out");
        let o = merge_cmd(&[&dir], Some(&out));
        let mut all = vec!["shard-0-of-2.json"];
        all.extend_from_slice(expect);
        assert_input_error(&o, what, &all);
        assert!(!out.join("sweep.json").exists(), "{what}: merged anyway");
    }
    // A value quoted by the JSON parser's message is cut short.
    let (_tmp, dir) = copy_of(shards());
    edit_json(&dir.join("shard-0-of-2.json"), |v| {
        v["sweep"]["seed"] = json!("x".repeat(100_000))
    });
    let o = merge_cmd(&[&dir], Some(&dir.join("out")));
    assert_input_error(
        &o,
        "long value",
        &["shard-0-of-2.json", "not a bksim shard file"],
    );
    assert!(o.stderr.len() < 1000, "{}", text(&o.stderr));

    // A number's line is named: the shard's pretty JSON has one key per line.
    let (_tmp, dir) = copy_of(shards());
    let p = dir.join("shard-1-of-2.json");
    edit_text(&p, |s| {
        s.replacen("\"put_p99_ms\": ", "\"put_p99_ms\": 1e308, \"x\": ", 1)
    });
    let line = line_of(&p, "1e308");
    let o = merge_cmd(&[&dir], Some(&dir.join("out")));
    assert_input_error(&o, "line", &[&format!("shard-1-of-2.json: line {line}:")]);
}

#[test]
fn merge_never_writes_outside_the_output_directory() {
    // Without --out, merge writes to results/<scenario>-sweep under the working directory
    // (the repository root here): a scenario name from a file must not move that.
    let escape = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bksim-untrusted-escape-sweep");
    for name in ["../../bksim-untrusted-escape", "..", "a/../../b", ""] {
        let (_tmp, dir) = copy_of(shards());
        for f in ["shard-0-of-2.json", "shard-1-of-2.json"] {
            edit_json(&dir.join(f), |v| v["sweep"]["scenario"] = json!(name));
        }
        let o = merge_cmd(&[&dir], None);
        assert_input_error(&o, name, &["shard-0-of-2.json", "sweep.scenario"]);
        assert!(!escape.exists(), "{name}: wrote {}", escape.display());
    }
}

#[test]
fn merge_refuses_shard_entries_that_are_not_regular_files() {
    // A FIFO in the shard directory would block a reader forever; a directory named like a
    // shard file cannot be read; /dev/zero never ends.
    let (_tmp, dir) = copy_of(shards());
    mkfifo(&dir.join("shard-2-of-3.json"));
    let o = merge_cmd(&[&dir], Some(&dir.join("out")));
    assert_input_error(
        &o,
        "FIFO",
        &["shard-2-of-3.json", "a FIFO, not a regular file"],
    );

    let (_tmp, dir) = copy_of(shards());
    fs::create_dir(dir.join("shard-9-of-9.json")).unwrap();
    let o = merge_cmd(&[&dir], Some(&dir.join("out")));
    assert_input_error(&o, "directory", &["shard-9-of-9.json", "a directory"]);

    let tmp = tempfile::tempdir().unwrap();
    let o = merge_cmd(&[Path::new("/dev/zero")], Some(&tmp.path().join("out")));
    assert_input_error(&o, "/dev/zero", &["/dev/zero", "character device"]);

    // Other entries (not named shard-*.json) are ignored, whatever they are.
    let (_tmp, dir) = copy_of(shards());
    mkfifo(&dir.join("notes.fifo"));
    fs::create_dir(dir.join("charts")).unwrap();
    let o = merge_cmd(&[&dir], Some(&dir.join("out")));
    assert!(o.status.success(), "{}", text(&o.stderr));
}

// ---------------------------------------------------------------------------------------
// Random corruption: the loaders over many damaged copies.

/// Replacements for a number: values no run produces and text that is no number.
const BAD_NUMBERS: [&str; 12] = [
    "1e308",
    "-1",
    "18446744073709551615",
    "9223372036854775808",
    "NaN",
    "inf",
    "\"NaN\"",
    "1e400",
    "-0",
    "0.5",
    "",
    "99999999999",
];

#[derive(Debug, Clone)]
enum Damage {
    /// Replace the n-th number (mod their count) with BAD_NUMBERS[k].
    Number(usize, usize),
    /// Delete line n (mod the line count).
    DeleteLine(usize),
    /// Repeat line n.
    RepeatLine(usize),
    /// Cut the file at byte n (mod its length).
    Truncate(usize),
    /// Put a byte at n.
    Byte(usize, u8),
}

fn damage_strategy() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => (any::<usize>(), 0..BAD_NUMBERS.len()).prop_map(|(n, k)| Damage::Number(n, k)),
        1 => any::<usize>().prop_map(Damage::DeleteLine),
        1 => any::<usize>().prop_map(Damage::RepeatLine),
        1 => any::<usize>().prop_map(Damage::Truncate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(n, b)| Damage::Byte(n, b)),
    ]
}

/// Byte ranges of the numbers in `s` (runs of digits with sign, point and exponent).
fn number_spans(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || matches!(b[j], b'.' | b'e' | b'E')) {
                j += 1;
            }
            out.push((start, j));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn apply(bytes: &[u8], d: &Damage) -> Vec<u8> {
    let s = String::from_utf8_lossy(bytes).into_owned();
    match *d {
        Damage::Number(n, k) => {
            let spans = number_spans(&s);
            if spans.is_empty() {
                return bytes.to_vec();
            }
            let (a, b) = spans[n % spans.len()];
            format!("{}{}{}", &s[..a], BAD_NUMBERS[k], &s[b..]).into_bytes()
        }
        Damage::DeleteLine(n) | Damage::RepeatLine(n) => {
            let mut lines: Vec<&str> = s.lines().collect();
            if lines.is_empty() {
                return Vec::new();
            }
            let i = n % lines.len();
            if matches!(d, Damage::DeleteLine(_)) {
                lines.remove(i);
            } else {
                lines.insert(i, lines[i]);
            }
            (lines.join("\n") + "\n").into_bytes()
        }
        Damage::Truncate(n) => bytes[..n % (bytes.len() + 1)].to_vec(),
        Damage::Byte(n, b) => {
            let mut v = bytes.to_vec();
            if !v.is_empty() {
                let i = n % v.len();
                v[i] = b;
            }
            v
        }
    }
}

const RESULT_FILES: [&str; 4] = [
    "summary.json",
    "timeseries.csv",
    "latency-per-object-put.hgrm",
    "run.json",
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn corrupted_results_load_or_fail_cleanly(
        file in 0..RESULT_FILES.len(),
        damage in damage_strategy(),
    ) {
        let (_tmp, dir) = copy_of(results());
        let p = dir.join(RESULT_FILES[file]);
        fs::write(&p, apply(&fs::read(&p).unwrap(), &damage)).unwrap();
        match load_results(&dir) {
            Ok(run) => {
                // What loads is within the bounds the charts rely on.
                for v in &run.latency {
                    for c in [&v.put, &v.get] {
                        prop_assert!(c.points.iter().all(|pt| pt.value_ms <= MAX_LATENCY_MS));
                        prop_assert!(c.max_ms <= MAX_LATENCY_MS && c.mean_ms <= MAX_LATENCY_MS);
                    }
                }
                for v in &run.summary.variants {
                    prop_assert!(v.kms.cost_usd_per_month <= MAX_COST_USD);
                    prop_assert!(v.latency_ms.put.p99 <= MAX_LATENCY_MS);
                }
            }
            Err(e) => {
                prop_assert!(e.path().starts_with(&dir), "{e}");
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    #[test]
    fn corrupted_shards_merge_or_fail_cleanly(
        file in 0..2usize,
        damage in damage_strategy(),
    ) {
        let (_tmp, dir) = copy_of(shards());
        let p = dir.join(format!("shard-{file}-of-2.json"));
        fs::write(&p, apply(&fs::read(&p).unwrap(), &damage)).unwrap();
        if let Err(e) = read_shard(&p) {
            prop_assert!(e.to_string().contains(&format!("shard-{file}-of-2.json")), "{e}");
        }
        let paths = find_shards(std::slice::from_ref(&dir)).unwrap();
        match merge(&paths) {
            Ok(r) => {
                for row in &r.rows {
                    prop_assert!(row.metrics.put_p99_ms <= MAX_LATENCY_MS);
                    prop_assert!(row.metrics.cost_usd_per_month <= MAX_COST_USD);
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("shard"), "{e}"),
        }
    }
}
