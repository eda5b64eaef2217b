//! Mutation fuzzing of the bundled scenarios through the real binary: every mutant is either
//! refused (exit 2, a message naming the file and the line or key, nothing written) or runs
//! (exit 0, a complete results directory). Never a panic, an abort or another exit code, and
//! never more memory than the address-space limit set on the child.
//!
//! The suite runs a bounded number of cases. A longer campaign:
//!
//! ```sh
//! BKSIM_FUZZ_CASES=2000 cargo test --release --test it fuzz -- --nocapture
//! ```
//!
//! (`BKSIM_FUZZ_SEED=N` picks another sequence of cases; the summary line says how many were
//! refused, ran, or were stopped for taking too long.)

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::common::repo;

/// Address space a child may use: far above any bundled scenario's need (data-lake-reads peaks
/// under 1 GB), far below the machine's memory.
const CHILD_ADDRESS_SPACE: u64 = 6 << 30;
/// A mutant that runs longer than this is stopped and counted as slow, not as a failure:
/// its validity is what the test checks, and a valid scenario may simply be large.
const CHILD_TIMEOUT: Duration = Duration::from_secs(40);

const SCENARIOS: &[&str] = &[
    "quickstart",
    "logging-bucket",
    "data-lake-reads",
    "backup-burst",
    "shared-account",
    "cse-client-fleet",
    "small-real-workload",
    "sdk-downloads",
    "key-change",
    "re-encryption-job",
    "bucket-keys-next-week",
    "cross-region-replication",
    "unencrypted-to-kms-replication",
    "cse-over-sse-kms",
    "bucket-key-policy-rollout",
];

/// Values a fuzzer would try: edges of every type, absurd sizes and rates, control
/// characters, names too long for a file name, wrong types.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "1000",
    "1000000",
    "10000000",
    "1000000000",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "0.5",
    "1e308",
    "-1e308",
    "1e-300",
    "nan",
    "inf",
    "-inf",
    "true",
    "false",
    "\"\"",
    "\"x\"",
    "\"1ns\"",
    "\"0s\"",
    "\"1000000h\"",
    "\"100000d\"",
    "\"30d\"",
    "\"0B\"",
    "\"1B\"",
    "\"16EiB\"",
    "\"1B/s\"",
    "\"99999999999999999999\"",
    "\"a\\nb\\u001b[31m\"",
    "\"../../escape\"",
    "\"sse-kms\"",
    "\"none\"",
    "\"adaptive\"",
    "\"closed\"",
    "\"constant\"",
    "\"token-bucket\"",
    "[]",
    "[1, 2]",
    "{}",
    "{ rate = 1 }",
];

/// Factors for [`Mutation::Scale`]: plausible and absurd.
const FACTORS: &[f64] = &[0.0, 0.001, 0.1, 0.5, 2.0, 10.0, 1000.0, 1e6, 1e12];

/// `text` with its first number multiplied by `factor` (integers stay integers).
fn scale_number(text: &str, factor: f64) -> Option<String> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let len = text[start..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len() - start);
    let num = &text[start..start + len];
    let x: f64 = num.parse().ok()?;
    let scaled = if num.contains('.') {
        format!("{:?}", x * factor)
    } else {
        format!("{}", (x * factor).round() as u64)
    };
    Some(format!(
        "{}{scaled}{}",
        &text[..start],
        &text[start + len..]
    ))
}

/// One change to a scenario's text.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the value of the n-th `key = value` line (modulo their number).
    SetValue(usize, usize),
    /// Scale a number of the n-th assignment holding one (integer, float, or the number in a
    /// string such as "250ms") by a factor.
    Scale(usize, usize),
    /// Replace the value with a name of `n` letters (names become file names).
    LongName(usize, usize),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Insert a byte at a position (modulo the length): syntax errors, non-UTF-8 bytes.
    InsertByte(usize, u8),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0..VALUES.len()).prop_map(|(l, v)| Mutation::SetValue(l, v)),
        4 => (any::<usize>(), 0..FACTORS.len()).prop_map(|(l, f)| Mutation::Scale(l, f)),
        1 => (any::<usize>(), 60usize..300).prop_map(|(l, n)| Mutation::LongName(l, n)),
        2 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::InsertByte(p, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Applies the mutations to the scenario's bytes.
fn mutate(text: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    let assignments = |lines: &[Vec<u8>]| -> Vec<usize> {
        (0..lines.len())
            .filter(|&i| {
                let l = String::from_utf8_lossy(&lines[i]);
                let t = l.trim_start();
                !t.starts_with('#') && !t.starts_with('[') && t.contains(" = ")
            })
            .collect()
    };
    let mut tail: Option<usize> = None;
    let mut insert: Option<(usize, u8)> = None;
    for m in mutations {
        let n = lines.len().max(1);
        match m {
            Mutation::SetValue(l, v) | Mutation::LongName(l, v) => {
                let a = assignments(&lines);
                if a.is_empty() {
                    continue;
                }
                let i = a[l % a.len()];
                let line = String::from_utf8_lossy(&lines[i]).into_owned();
                let (key, _) = line.split_once(" = ").expect("an assignment");
                let value = match m {
                    Mutation::SetValue(..) => VALUES[*v].to_string(),
                    _ => format!("\"{}\"", "n".repeat(*v)),
                };
                lines[i] = format!("{key} = {value}").into_bytes();
            }
            Mutation::Scale(l, f) => {
                let a: Vec<usize> = assignments(&lines)
                    .into_iter()
                    .filter(|&i| {
                        let line = String::from_utf8_lossy(&lines[i]).into_owned();
                        line.split_once(" = ")
                            .is_some_and(|(_, v)| v.contains(|c: char| c.is_ascii_digit()))
                    })
                    .collect();
                if a.is_empty() {
                    continue;
                }
                let i = a[l % a.len()];
                let line = String::from_utf8_lossy(&lines[i]).into_owned();
                let (key, value) = line.split_once(" = ").expect("an assignment");
                if let Some(v) = scale_number(value, FACTORS[*f]) {
                    lines[i] = format!("{key} = {v}").into_bytes();
                }
            }
            Mutation::DeleteLine(l) if !lines.is_empty() => {
                lines.remove(l % n);
            }
            Mutation::DuplicateLine(l) if !lines.is_empty() => {
                let line = lines[l % n].clone();
                lines.insert(l % n, line);
            }
            Mutation::SwapLines(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Mutation::InsertByte(p, b) => insert = Some((*p, *b)),
            Mutation::Truncate(p) => tail = Some(*p),
            _ => {}
        }
    }
    let mut bytes = lines.join(&b'\n');
    bytes.push(b'\n');
    if let Some((p, b)) = insert {
        let at = p % (bytes.len() + 1);
        bytes.insert(at, b);
    }
    if let Some(p) = tail {
        bytes.truncate(p % (bytes.len() + 1));
    }
    bytes
}

/// The lines of the mutant that are not in the original, for the failure message.
fn changed_lines(original: &str, mutant: &[u8]) -> String {
    let before: std::collections::HashSet<&str> = original.lines().collect();
    let m = String::from_utf8_lossy(mutant);
    let new: Vec<String> = m
        .lines()
        .filter(|l| !before.contains(l))
        .map(|l| format!("{l:?}"))
        .collect();
    if new.is_empty() {
        "(lines removed or moved only)".to_string()
    } else {
        new.join(", ")
    }
}

/// What a child did.
enum Outcome {
    Exited(i32, String),
    Signalled(String),
    TimedOut,
}

/// Runs `bksim ARGS` with a bounded address space and time.
fn bksim_bounded(args: &[&str]) -> Outcome {
    let limits = super::common::Limits {
        address_space: Some(CHILD_ADDRESS_SPACE),
        file_size: None,
    };
    let mut cmd = super::common::bksim_limited(args, limits);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start bksim");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break Some(st);
        }
        if start.elapsed() > CHILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let err = reader.join().unwrap_or_default();
    match status {
        None => Outcome::TimedOut,
        Some(st) => match st.code() {
            Some(c) => Outcome::Exited(c, err),
            None => Outcome::Signalled(format!("{st}: {err}")),
        },
    }
}

/// Checks an exit-2 message: one `error:` line naming the file, then a line number or the
/// key that is missing or wrong.
fn check_refusal(file: &Path, err: &str) -> Result<(), String> {
    let name = file.display().to_string();
    let first = err.lines().next().unwrap_or_default();
    let Some(rest) = first.strip_prefix(&format!("error: {name}")) else {
        return Err(format!("message does not start with the file: {err}"));
    };
    // `FILE:LINE:` or, for a value a variant's override set, `FILE: variant 'x' (line N) sets`.
    let has_line = (rest.starts_with(':') && rest[1..].starts_with(|c: char| c.is_ascii_digit()))
        || (rest.starts_with(": variant '") && rest.contains("' (line "));
    // Without a line: a key that is missing, or an override of ours (`--set`).
    let has_key = rest.starts_with(": ") && (rest.contains("missing") || rest.contains("--set"));
    if !(has_line || has_key) {
        return Err(format!("message names no line or key: {err}"));
    }
    if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
        return Err(format!("panic: {err}"));
    }
    Ok(())
}

#[derive(Default, Debug)]
struct Tally {
    refused: usize,
    ran: usize,
    run_refused: usize,
    slow: usize,
}

/// One case: validate the mutant; when valid, run it shortened to one simulated second.
fn check_case(
    dir: &Path,
    n: usize,
    scenario: usize,
    bytes: &[u8],
    tally: &mut Tally,
) -> Result<(), String> {
    let file: PathBuf = dir.join(format!("case{n}-{}.toml", SCENARIOS[scenario]));
    std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
    let path = file.to_str().expect("utf-8 temp path");
    let out = dir.join(format!("out{n}"));
    let out_s = out.to_str().expect("utf-8 temp path");
    let show = || String::from_utf8_lossy(bytes).into_owned();
    match bksim_bounded(&["validate", path]) {
        Outcome::Exited(2, err) => {
            tally.refused += 1;
            if std::env::var_os("BKSIM_FUZZ_VERBOSE").is_some() {
                eprintln!("refused: {}", err.trim_end());
            }
            check_refusal(&file, &err).map_err(|e| format!("{e}\n--- mutant:\n{}", show()))?;
        }
        Outcome::Exited(0, _) => {
            let args = [
                "run",
                path,
                "--out",
                out_s,
                "--quiet",
                "--threads",
                "1",
                "--set",
                "duration=1s",
                "--set",
                "warmup=0s",
            ];
            match bksim_bounded(&args) {
                Outcome::Exited(0, _) => {
                    tally.ran += 1;
                    if !out.join("summary.json").is_file() || !out.join("report.html").is_file() {
                        return Err(format!(
                            "exit 0 without a complete results dir\n--- mutant:\n{}",
                            show()
                        ));
                    }
                }
                Outcome::Exited(2, err) => {
                    tally.run_refused += 1;
                    check_refusal(&file, &err)
                        .map_err(|e| format!("{e}\n--- mutant:\n{}", show()))?;
                    if out.exists() {
                        return Err(format!(
                            "exit 2 wrote {}\n--- mutant:\n{}",
                            out.display(),
                            show()
                        ));
                    }
                }
                Outcome::Exited(c, err) => {
                    return Err(format!("run exit {c}: {err}\n--- mutant:\n{}", show()));
                }
                Outcome::Signalled(s) => {
                    return Err(format!("run killed by {s}\n--- mutant:\n{}", show()));
                }
                Outcome::TimedOut => tally.slow += 1,
            }
            let _ = std::fs::remove_dir_all(&out);
        }
        Outcome::Exited(c, err) => {
            return Err(format!("validate exit {c}: {err}\n--- mutant:\n{}", show()));
        }
        Outcome::Signalled(s) => {
            return Err(format!("validate killed by {s}\n--- mutant:\n{}", show()));
        }
        Outcome::TimedOut => {
            return Err(format!(
                "validate took over {CHILD_TIMEOUT:?}\n--- mutant:\n{}",
                show()
            ));
        }
    }
    let _ = std::fs::remove_file(&file);
    Ok(())
}

#[test]
fn mutated_scenarios_are_refused_cleanly_or_run() {
    let cases: u32 = std::env::var("BKSIM_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("BKSIM_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let texts: Vec<String> = SCENARIOS
        .iter()
        .map(|s| std::fs::read_to_string(repo(&format!("scenarios/{s}.toml"))).unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        cases,
        failure_persistence: None,
        // Each case runs the binary: shrinking would repeat that many times.
        max_shrink_iters: 32,
        ..Config::default()
    };
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let tally = std::cell::RefCell::new(Tally::default());
    let counter = std::cell::Cell::new(0usize);
    let strategy = (0..SCENARIOS.len(), prop::collection::vec(mutation(), 1..3));
    let result = runner.run(&strategy, |(s, muts)| {
        let n = counter.get();
        counter.set(n + 1);
        let bytes = mutate(&texts[s], &muts);
        let changed = changed_lines(&texts[s], &bytes);
        check_case(dir.path(), n, s, &bytes, &mut tally.borrow_mut()).map_err(|e| {
            TestCaseError::fail(format!("{} {muts:?}: changed {changed}: {e}", SCENARIOS[s]))
        })
    });
    let t = tally.into_inner();
    eprintln!(
        "fuzz: {} cases (seed {seed}): {} refused by validate, {} ran, {} refused by run, {} stopped after {:?}",
        counter.get(),
        t.refused,
        t.ran,
        t.run_refused,
        t.slow,
        CHILD_TIMEOUT
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        t.refused > 0 && t.ran > 0,
        "the mutations exercise both outcomes: {t:?}"
    );
}
