//! Bad input through the binary: files that are not regular files or are too large, text that
//! is not UTF-8, control characters in values, names too long for a file name, missing keys.
//! Each gets exit 2 and one message naming the file (and line or key) before any work.

use std::path::Path;

use super::common::{bksim, repo, text};

/// Runs `bksim ARGS`, expects exit 2, and returns stderr.
fn refused(args: &[&str]) -> String {
    let out = bksim(args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn devices_directories_and_huge_files_are_not_read() {
    assert_eq!(
        refused(&["validate", "/dev/zero"]).trim_end(),
        "error: /dev/zero: is a character device, not a regular file"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    assert_eq!(
        refused(&["run", d]).trim_end(),
        format!("error: {d}: is a directory, not a regular file")
    );
    // A sparse 5 GiB file: refused from its size, without reading it.
    let big = dir.path().join("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(5 << 30)
        .unwrap();
    let err = refused(&["validate", big.to_str().unwrap()]);
    assert!(
        err.contains("big.toml: is 5368709120 bytes, more than a scenario file can be"),
        "{err}"
    );
}

#[test]
fn a_calibration_profile_or_vector_file_that_is_a_device_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sc = std::fs::read_to_string(repo("scenarios/cse-client-fleet.toml")).unwrap();
    let path = write(dir.path(), "cse.toml", sc.as_bytes());
    let err = refused(&["validate", &path, "--set", "crypto.profile=/dev/zero"]);
    assert!(err.contains("/dev/zero"), "{err}");
    assert!(err.contains("not a regular file"), "{err}");

    let vectors = dir.path().join("vectors");
    std::fs::create_dir(&vectors).unwrap();
    std::fs::File::create(vectors.join("huge.json"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let err = refused(&["crypto", "selftest", "--vectors", vectors.to_str().unwrap()]);
    assert!(err.contains("huge.json"), "{err}");
    assert!(err.contains("more than a test-vector file can be"), "{err}");
}

#[test]
fn text_that_is_not_utf8_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "latin1.toml",
        b"name = \"x\"\n# caf\xe9\nduration = \"1m\"\n",
    );
    let err = refused(&["validate", &p]);
    assert_eq!(
        err.trim_end(),
        format!("error: {p}:2: is not UTF-8 text: invalid byte at offset 16 (line 2, column 6)")
    );
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let sc = std::fs::read_to_string(repo("scenarios/quickstart.toml")).unwrap();
    // A bucket name holding a newline and an ANSI escape (TOML escapes in the file).
    let evil = sc.replace("name = \"ingest\"", "name = \"ingest\\nFAKE\\u001b[31m\"");
    assert_ne!(evil, sc, "the quickstart's bucket is named ingest");
    let p = write(dir.path(), "evil.toml", evil.as_bytes());
    let err = refused(&["validate", &p]);
    assert!(!err.contains('\u{1b}'), "raw escape in {err:?}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.contains("ingest\\nFAKE\\u{1b}[31m"), "{err}");
    assert!(err.starts_with(&format!("error: {p}:")), "{err}");

    // The same through --set, and in a file name.
    let err = refused(&[
        "run",
        repo("scenarios/quickstart.toml").to_str().unwrap(),
        "--set",
        "bucket.ingest.name=\"a\u{1b}[2Jb\"",
    ]);
    assert!(!err.contains('\u{1b}'), "raw escape in {err:?}");
    let p = write(dir.path(), "new\nline\u{1b}.toml", b"");
    let err = refused(&["validate", &p]);
    assert!(
        !err.contains('\u{1b}') && err.lines().count() == 1,
        "{err:?}"
    );
}

#[test]
fn names_too_long_for_a_file_name_are_refused_by_validate() {
    let dir = tempfile::tempdir().unwrap();
    let sc = std::fs::read_to_string(repo("scenarios/quickstart.toml")).unwrap();
    let long = "v".repeat(250);
    let toml = format!("{sc}\n[[variant]]\nname = \"{long}\"\n");
    let p = write(dir.path(), "long.toml", toml.as_bytes());
    let line = toml.lines().count();
    let err = refused(&["validate", &p]);
    assert!(err.starts_with(&format!("error: {p}:{line}:")), "{err}");
    assert!(
        err.contains("a name of 250 characters is too long: at most 64"),
        "{err}"
    );
    // 64 is accepted: the longest file name it makes is latency-<64>-put.hgrm.
    let ok = format!("{sc}\n[[variant]]\nname = \"{}\"\n", "v".repeat(64));
    let p = write(dir.path(), "ok.toml", ok.as_bytes());
    let out = bksim(&["validate", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A scenario name too.
    let p = write(
        dir.path(),
        "sc.toml",
        sc.replacen(
            "name = \"quickstart\"",
            &format!("name = \"{}\"", "q".repeat(65)),
            1,
        )
        .as_bytes(),
    );
    let err = refused(&["validate", &p]);
    assert!(err.contains("65 characters is too long"), "{err}");
}

#[test]
fn a_missing_top_level_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "empty.toml", b"");
    assert_eq!(
        refused(&["validate", &p]).trim_end(),
        format!("error: {p}: name: missing required key (e.g. name = \"quickstart\")")
    );
    let p = write(dir.path(), "name-only.toml", b"name = \"x\"\n");
    let err = refused(&["validate", &p]);
    assert!(
        err.starts_with(&format!("error: {p}: duration: missing required key")),
        "{err}"
    );
}

#[test]
fn descriptions_with_control_characters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sc = std::fs::read_to_string(repo("scenarios/quickstart.toml")).unwrap();
    let evil = sc.replacen(
        "description = \"",
        "description = \"\\u001b]0;pwn\\u0007 \\r ",
        1,
    );
    assert_ne!(evil, sc);
    let p = write(dir.path(), "desc.toml", evil.as_bytes());
    let err = refused(&["validate", &p]);
    assert!(err.contains(": description: "), "{err}");
    assert!(err.contains("holds a control character"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
}

#[test]
fn standard_output_never_carries_raw_control_characters() {
    // A vector file whose algorithm name holds an escape sequence: selftest prints the name.
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v");
    std::fs::create_dir(&v).unwrap();
    std::fs::write(
        v.join("x.json"),
        r#"{"algorithm":"ROT13\u001b[2J","tests":[{"tcId":1}]}"#,
    )
    .unwrap();
    let out = bksim(&["crypto", "selftest", "--vectors", v.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ROT13\\u{1b}[2J"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
}

#[test]
fn report_does_not_write_through_a_charts_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = out.to_str().unwrap();
    let run = bksim(&[
        "run",
        repo("scenarios/quickstart.toml").to_str().unwrap(),
        "--out",
        o,
        "-q",
        "--set",
        "duration=5s",
        "--set",
        "warmup=0s",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::remove_dir_all(out.join("charts")).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("charts")).unwrap();
    let err = refused(&["report", o, "-q"]);
    assert!(err.contains("charts: is a symbolic link"), "{err}");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn a_shard_directory_holds_the_shards_of_one_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shards");
    let o = out.to_str().unwrap();
    let q = repo("scenarios/quickstart.toml");
    let sweep = |param: &str, shard: &str| {
        bksim(&[
            "sweep",
            q.to_str().unwrap(),
            "--param",
            param,
            "--shard",
            shard,
            "--out",
            o,
            "-q",
            "--set",
            "duration=3s",
            "--set",
            "warmup=0s",
        ])
    };
    let first = sweep("kms.quota_rps=10000,20000,30000", "0/2");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let before = std::fs::read(out.join("shard-0-of-2.json")).unwrap();
    // Another sweep's shard into the same directory: refused before it runs, nothing replaced.
    let err = refused_output(sweep("kms.quota_rps=1,2", "0/2"));
    assert!(err.contains("a shard of another sweep"), "{err}");
    let err = refused_output(sweep("kms.quota_rps=10000,20000,30000", "0/3"));
    assert!(err.contains("2 shards; this sweep"), "{err}");
    assert_eq!(
        std::fs::read(out.join("shard-0-of-2.json")).unwrap(),
        before
    );
    // The same sweep's other shard is welcome.
    let second = sweep("kms.quota_rps=10000,20000,30000", "1/2");
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
}

fn refused_output(out: std::process::Output) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

#[test]
fn vector_directories_name_what_they_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = refused(&["crypto", "selftest", "--vectors", empty.to_str().unwrap()]);
    assert!(err.contains("holds no *.json vector file"), "{err}");
    let odd = dir.path().join("odd");
    std::fs::create_dir_all(odd.join("sub.json")).unwrap();
    let err = refused(&["crypto", "selftest", "--vectors", odd.to_str().unwrap()]);
    assert!(
        err.contains("sub.json") && err.contains("a directory"),
        "{err}"
    );
}

#[test]
fn capacity_refuses_targets_and_starts_it_cannot_search() {
    let q = repo("scenarios/quickstart.toml");
    let q = q.to_str().unwrap();
    let err = refused(&["capacity", q, "--target", "seed"]);
    assert!(
        err.contains("--target seed: the seed picks the random streams"),
        "{err}"
    );
    let err = refused(&[
        "capacity",
        q,
        "--target",
        "workload.uploads.arrival.rate",
        "--start",
        "1e-300",
    ]);
    assert!(
        err.contains("starts from a value of at least 0.001, not 1e-300"),
        "{err}"
    );
}
