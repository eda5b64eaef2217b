//! A results directory is always one complete set: `bksim run`, `report`, `sweep` (whole and
//! `--shard`) and `merge` killed at random moments, or failing half-way (a name too long, a
//! full disk), leave either the previous set or the new one and no leftovers once the next
//! bksim has written there; a directory that is not bksim's is refused and left untouched;
//! an unwritable `--out`, or one under a file, is refused before anything is simulated.
//!
//! Tests that need `mount` (a tiny or read-only tmpfs) run as root, as CI does; elsewhere they
//! print "SKIPPED" and the reason.

use super::common::{bksim, text};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Every file under `dir` (relative path, bytes), hidden ones included.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(base, &p, out);
            } else {
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in a directory, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Staging directories and temporary files beside or inside `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = names(dir.parent().unwrap())
        .into_iter()
        .filter(|n| n.contains(".bksim-"))
        .collect();
    if dir.is_dir() {
        v.extend(names(dir).into_iter().filter(|n| n.starts_with('.')));
    }
    v
}

/// A deterministic stream of numbers in [0, 1) for the kill delays (splitmix64).
struct Delays(u64);

impl Delays {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Starts `bksim ARGS`, kills it with SIGKILL after `delay` (unless it ended before), and
/// waits for it.
fn kill_after(args: &[&str], delay: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bksim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bksim");
    std::thread::sleep(delay);
    let _ = child.kill();
    let status = child.wait().expect("wait for bksim");
    status.success()
}

/// Starts `bksim ARGS` writing to `out` and waits until its staging directory holds
/// `file` (the writing has begun), then until `delay` more has passed, and kills it with
/// SIGKILL (unless it ended before). Returns how long it ran after `file` appeared, and
/// whether it ended by itself.
fn kill_while_writing(args: &[&str], out: &Path, file: &str, delay: Duration) -> (Duration, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bksim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bksim");
    let prefix = format!(
        ".{}.bksim-stage-{}-",
        out.file_name().unwrap().to_string_lossy(),
        child.id()
    );
    let parent = out.parent().unwrap();
    let writing = loop {
        if child.try_wait().unwrap().is_some() {
            break None;
        }
        let started = names(parent)
            .iter()
            .any(|n| n.starts_with(&prefix) && parent.join(n).join(file).exists());
        if started {
            break Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let Some(t0) = writing else {
        return (Duration::ZERO, child.wait().unwrap().success());
    };
    while t0.elapsed() < delay && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = child.kill();
    let status = child.wait().expect("wait for bksim");
    (t0.elapsed(), status.success())
}

/// Runs `bksim ARGS`, asserting success; returns how long it took (to spread kill delays
/// over, never asserted on).
fn ok(args: &[&str]) -> Duration {
    let t0 = Instant::now();
    let o = bksim(args);
    assert!(
        o.status.success(),
        "bksim {args:?}: {}",
        text(&o.stderr) + &text(&o.stdout)
    );
    t0.elapsed()
}

/// Which of the reference sets `dir` holds exactly, or a panic describing the mix.
/// `same` decides whether a file must match byte for byte (the others must only exist).
fn which(dir: &Path, refs: &[BTreeMap<String, Vec<u8>>], same: &dyn Fn(&str) -> bool) -> usize {
    let got = files(dir);
    for (i, r) in refs.iter().enumerate() {
        let names_match = got.keys().eq(r.keys());
        if names_match && got.iter().all(|(k, v)| !same(k) || r[k] == *v) {
            return i;
        }
    }
    let detail: Vec<String> = got
        .iter()
        .map(|(k, v)| {
            let m: Vec<String> = refs
                .iter()
                .enumerate()
                .filter(|(_, r)| r.get(k) == Some(v))
                .map(|(i, _)| i.to_string())
                .collect();
            format!("{k}: matches set(s) [{}]", m.join(","))
        })
        .collect();
    panic!(
        "{} is neither complete set:\n  {}",
        dir.display(),
        detail.join("\n  ")
    );
}

const QUICK: &str = "scenarios/quickstart.toml";
const SHORT: [&str; 4] = ["--set", "duration=5s", "--set", "warmup=1s"];

fn run_args<'a>(out: &'a str, seed: &'a str) -> Vec<&'a str> {
    let mut a = vec!["run", QUICK, "--out", out, "--quiet", "--seed", seed];
    a.extend_from_slice(&SHORT);
    a
}

/// The files of a run that are the same for the same seed: all but run.json (wall-clock
/// facts) and report.html (which shows them); those two must exist, and report.html must
/// show the seed of the rest (checked separately).
fn deterministic(name: &str) -> bool {
    name != "run.json" && name != "report.html"
}

/// The seed report.html shows ("Seed 42 · ...").
fn html_seed(dir: &Path) -> String {
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let at = html.find("Seed ").expect("report.html shows the seed");
    html[at + 5..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect()
}

#[test]
fn run_killed_at_random_moments_leaves_the_old_or_the_new_set() {
    let tmp = tempfile::tempdir().unwrap();
    let seeds = ["101", "202"];
    let mut refs = Vec::new();
    let mut took = Duration::ZERO;
    for s in seeds {
        let d = tmp.path().join(format!("ref-{s}"));
        took = took.max(ok(&run_args(d.to_str().unwrap(), s)));
        assert_eq!(html_seed(&d), s);
        refs.push(files(&d));
    }
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    let out = work.join("out");
    let o = out.to_str().unwrap();
    ok(&run_args(o, seeds[0]));
    // How long the writing takes: from summary.json in the stage to the end of the process.
    let (writing, _) = kill_while_writing(
        &run_args(o, seeds[1]),
        &out,
        "summary.json",
        Duration::from_secs(3600),
    );
    let mut delays = Delays(0x0bad_5eed);
    let mut outcomes = [0usize; 2];
    for i in 0..20 {
        let now = which(&out, &refs, &deterministic);
        assert_eq!(html_seed(&out), seeds[now], "report.html of another run");
        // Half the kills at a moment of the whole run, half while the files are written.
        let args = run_args(o, seeds[1 - now]);
        let f = delays.next() * 1.1;
        if i % 2 == 0 {
            kill_after(&args, took.mul_f64(f));
        } else {
            // Mostly the later part of the writing, where the set is published.
            let g = 0.3 + 0.8 * f;
            kill_while_writing(&args, &out, "summary.json", writing.mul_f64(g));
        }
        let after = which(&out, &refs, &deterministic);
        assert_eq!(html_seed(&out), seeds[after], "report.html of another run");
        outcomes[usize::from(after != now)] += 1;
        // Each run removes the leftovers of the one killed before it: at most the last one's.
        assert!(leftovers(&out).len() <= 1, "{:?}", leftovers(&out));
    }
    eprintln!(
        "kill outcomes: {} old set, {} new set",
        outcomes[0], outcomes[1]
    );
    ok(&run_args(o, seeds[1]));
    assert_eq!(which(&out, &refs, &deterministic), 1);
    assert_eq!(names(&work), ["out"]);
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

/// Replaces every report file of a run directory with a marker, as an "old" report.
fn make_old_report(dir: &Path) {
    for name in ["report.md", "report.html"] {
        fs::write(dir.join(name), format!("old {name} by bksim\n")).unwrap();
    }
    for name in names(&dir.join("charts")) {
        fs::write(dir.join("charts").join(&name), format!("old {name}\n")).unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn report_killed_at_random_moments_leaves_the_old_or_the_new_report() {
    let tmp = tempfile::tempdir().unwrap();
    let fresh = tmp.path().join("fresh");
    ok(&run_args(fresh.to_str().unwrap(), "7"));
    let old_dir = tmp.path().join("old");
    copy_dir(&fresh, &old_dir);
    make_old_report(&old_dir);
    // `bksim report` on the fresh run rewrites identical bytes: the new set is `fresh`.
    let took = ok(&["report", fresh.to_str().unwrap(), "--quiet"]);
    let refs = [files(&old_dir), files(&fresh)];
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    let out = work.join("out");
    let mut delays = Delays(0x2e9_0127);
    for _ in 0..10 {
        if out.exists() {
            fs::remove_dir_all(&out).unwrap();
        }
        copy_dir(&old_dir, &out);
        kill_after(
            &["report", out.to_str().unwrap(), "--quiet"],
            took.mul_f64(delays.next() * 1.1),
        );
        which(&out, &refs, &|_| true);
        assert!(leftovers(&out).len() <= 1, "{:?}", leftovers(&out));
    }
    ok(&["report", out.to_str().unwrap(), "--quiet"]);
    assert_eq!(which(&out, &refs, &|_| true), 1);
    assert_eq!(names(&work), ["out"]);
}

fn sweep_args<'a>(out: &'a str, seed: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "sweep",
        QUICK,
        "--param",
        "workload.uploads.arrival.rate=4000..16000:4000",
        "--set",
        "kms.quota_rps=10000",
        "--out",
        out,
        "--quiet",
        "--seed",
        seed,
    ];
    a.extend_from_slice(&SHORT);
    a.extend_from_slice(extra);
    a
}

#[test]
fn sweep_shard_and_merge_killed_leave_the_old_or_the_new_set() {
    let tmp = tempfile::tempdir().unwrap();
    let seeds = ["1", "2"];
    let mut refs = Vec::new();
    let mut shard_refs = Vec::new();
    let mut took = Duration::ZERO;
    for s in seeds {
        let d = tmp.path().join(format!("ref-{s}"));
        took = took.max(ok(&sweep_args(d.to_str().unwrap(), s, &[])));
        refs.push(files(&d));
        let sh = tmp.path().join(format!("shards-{s}"));
        for i in ["0/2", "1/2"] {
            ok(&sweep_args(sh.to_str().unwrap(), s, &["--shard", i]));
        }
        shard_refs.push(files(&sh));
    }
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    let out = work.join("out");
    let o = out.to_str().unwrap();
    ok(&sweep_args(o, seeds[0], &[]));
    let mut delays = Delays(0x5eeb);
    for _ in 0..6 {
        let now = which(&out, &refs, &|_| true);
        kill_after(
            &sweep_args(o, seeds[1 - now], &[]),
            took.mul_f64(delays.next() * 1.1),
        );
        which(&out, &refs, &|_| true);
        assert!(leftovers(&out).len() <= 1, "{:?}", leftovers(&out));
    }
    // merge rewriting the same directory from the other seed's shards.
    let scratch = tmp.path().join("scratch");
    let shards = tmp.path().join(format!("shards-{}", seeds[0]));
    let merge_took = ok(&[
        "merge",
        shards.to_str().unwrap(),
        "--out",
        scratch.to_str().unwrap(),
        "--quiet",
    ]);
    for _ in 0..6 {
        let now = which(&out, &refs, &|_| true);
        let shards = tmp.path().join(format!("shards-{}", seeds[1 - now]));
        let args = ["merge", shards.to_str().unwrap(), "--out", o, "--quiet"];
        kill_after(&args, merge_took.mul_f64(delays.next() * 1.1));
        which(&out, &refs, &|_| true);
        assert!(leftovers(&out).len() <= 1, "{:?}", leftovers(&out));
    }
    let shards = tmp.path().join(format!("shards-{}", seeds[1]));
    ok(&["merge", shards.to_str().unwrap(), "--out", o, "--quiet"]);
    assert_eq!(which(&out, &refs, &|_| true), 1);
    assert_eq!(names(&work), ["out"]);
    assert_eq!(leftovers(&out), Vec::<String>::new());

    // A shard rewriting its file in a shared directory: the file is old or new, whole.
    let sh = work.join("shards");
    copy_dir(&tmp.path().join("shards-1"), &sh);
    let s = sh.to_str().unwrap();
    for _ in 0..6 {
        let now = which(&sh, &shard_refs, &|_| true);
        // Rewrite shard 0 only, from the other seed: a mixed pair is expected, but each file
        // must be whole.
        kill_after(
            &sweep_args(s, seeds[1 - now], &["--shard", "0/2"]),
            took.mul_f64(delays.next() * 0.6),
        );
        let f = fs::read(sh.join("shard-0-of-2.json")).unwrap();
        let name = "shard-0-of-2.json";
        assert!(
            shard_refs.iter().any(|r| r[name] == f),
            "{name} is not whole"
        );
        // Put shard 1 in line with shard 0 again.
        let seed = if shard_refs[0][name] == f { 0 } else { 1 };
        fs::write(
            sh.join("shard-1-of-2.json"),
            &shard_refs[seed]["shard-1-of-2.json"],
        )
        .unwrap();
    }
    ok(&sweep_args(s, seeds[0], &["--shard", "0/2"]));
    assert_eq!(names(&sh), ["shard-0-of-2.json", "shard-1-of-2.json"]);
}

/// `bksim ARGS` with a file-size limit of `bytes`: a write past it fails with EFBIG, so the
/// run fails while writing.
fn bksim_with_file_limit(args: &[&str], bytes: u64) -> Output {
    let limits = super::common::Limits {
        address_space: None,
        file_size: Some(bytes),
    };
    super::common::bksim_limited(args, limits)
        .output()
        .expect("run bksim")
}

#[test]
fn a_run_failing_while_writing_leaves_the_previous_set() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    let out = work.join("out");
    let o = out.to_str().unwrap();
    ok(&run_args(o, "5"));
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let before = files(&out);
    // No file may grow past 4 KiB: summary.json is larger, so the first write fails.
    let r = bksim_with_file_limit(&run_args(o, "6"), 4096);
    let err = text(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    // The message names the file in --out, not the staging directory.
    assert!(err.contains(&format!("{o}/summary.json")), "{err}");
    assert!(err.contains("File too large"), "{err}");
    assert!(!err.contains(".bksim-stage"), "{err}");
    assert_eq!(files(&out), before);
    assert_eq!(names(&work), ["out"]);
}

/// A tmpfs mounted at `dir` with `opts`, unmounted on drop; None (after printing why) where
/// mounting is not permitted.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(dir: &Path, opts: &str) -> Option<Mount> {
        fs::create_dir_all(dir).unwrap();
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", opts, "tmpfs"])
            .arg(dir)
            .output();
        match o {
            Ok(o) if o.status.success() => Some(Mount(dir.to_path_buf())),
            Ok(o) => {
                eprintln!("SKIPPED: cannot mount a tmpfs: {}", text(&o.stderr).trim());
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount: {e}");
                None
            }
        }
    }

    fn remount(&self, opts: &str) {
        let o = Command::new("mount")
            .args(["-o", &format!("remount,{opts}")])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(o.status.success(), "remount: {}", text(&o.stderr));
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_the_previous_set() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("ref");
    ok(&run_args(reference.to_str().unwrap(), "5"));
    // Room for one set (in 4 KiB pages) and a half, not two.
    let pages: usize = files(&reference)
        .values()
        .map(|b| b.len().div_ceil(4096) + 1)
        .sum();
    let size = pages * 4096 * 3 / 2;
    let mnt = tmp.path().join("mnt");
    let Some(_m) = Mount::tmpfs(&mnt, &format!("size={size}")) else {
        return;
    };
    let out = mnt.join("out");
    let o = out.to_str().unwrap();
    ok(&run_args(o, "5"));
    let before = files(&out);
    let r = bksim(&run_args(o, "6"));
    let err = text(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(err.contains(o), "{err}");
    assert_eq!(files(&out), before);
    assert_eq!(names(&mnt), ["out"]);
}

#[test]
fn a_directory_that_is_not_bksim_output_is_refused_and_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mine");
    fs::create_dir_all(out.join("sub")).unwrap();
    fs::write(out.join("notes.txt"), "precious").unwrap();
    fs::write(out.join("sub/data.csv"), "1,2,3").unwrap();
    let before = files(&out);
    let o = out.to_str().unwrap();
    // A long run: refused before simulating, so the test stays fast.
    let run = ["run", QUICK, "--out", o, "--quiet", "--set", "duration=1h"];
    let sweep = sweep_args(o, "1", &[]);
    let shard = sweep_args(o, "1", &["--shard", "0/2"]);
    let shards = tmp.path().join("shards");
    for i in ["0/2", "1/2"] {
        ok(&sweep_args(shards.to_str().unwrap(), "1", &["--shard", i]));
    }
    let merge = ["merge", shards.to_str().unwrap(), "--out", o];
    for args in [&run[..], &sweep, &shard, &merge] {
        let r = bksim(args);
        let err = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(o), "{err}");
        assert_eq!(files(&out), before, "{args:?} touched the directory");
    }
    let err = text(&bksim(&run).stderr);
    assert!(
        err.contains("does not look like the output of bksim run"),
        "{err}"
    );
    // A sweep directory is not a run directory either, nor a shard directory a sweep's.
    let r = bksim(&[
        "run",
        QUICK,
        "--out",
        shards.to_str().unwrap(),
        "--set",
        "duration=1h",
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
    let r = bksim(&[
        "merge",
        shards.to_str().unwrap(),
        "--out",
        shards.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
    assert_eq!(names(&shards), ["shard-0-of-2.json", "shard-1-of-2.json"]);
    assert_eq!(names(tmp.path()), ["mine", "shards"]);
}

#[test]
fn files_of_your_own_in_a_results_directory_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    ok(&run_args(o, "5"));
    fs::create_dir(out.join("notes")).unwrap();
    fs::write(out.join("notes/review.md"), "keep me").unwrap();
    // A file an earlier run of another scenario wrote, not written by this one: replaced.
    fs::write(out.join("latency-gone-put.hgrm"), "old").unwrap();
    ok(&run_args(o, "6"));
    assert_eq!(
        fs::read_to_string(out.join("notes/review.md")).unwrap(),
        "keep me"
    );
    assert!(!out.join("latency-gone-put.hgrm").exists());
    ok(&["report", o, "--quiet", "--format", "md"]);
    assert_eq!(
        fs::read_to_string(out.join("notes/review.md")).unwrap(),
        "keep me"
    );
    assert_eq!(names(tmp.path()), ["out"]);
}

fn refused_fast(args: &[&str], what: &str) -> Output {
    let r = bksim(args);
    let err = text(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{what}: {err}");
    assert!(err.contains("cannot write there"), "{what}: {err}");
    r
}

#[test]
fn an_unwritable_out_is_refused_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("ro");
    let Some(m) = Mount::tmpfs(&mnt, "size=4m") else {
        return;
    };
    let run_dir = mnt.join("run");
    ok(&run_args(run_dir.to_str().unwrap(), "5"));
    fs::create_dir(mnt.join("empty")).unwrap();
    let before = files(&mnt);
    m.remount("ro");
    // An hour of simulated traffic: these must be refused before any of it is simulated.
    let long = ["--set", "duration=1h", "--quiet"];
    for out in ["run", "empty", "new"] {
        let o = mnt.join(out);
        let o = o.to_str().unwrap();
        let mut run = vec!["run", QUICK, "--out", o];
        run.extend_from_slice(&long);
        refused_fast(&run, out);
        if out != "run" {
            let sweep = sweep_args(o, "1", &long[..2]);
            refused_fast(&sweep, out);
        }
    }
    let empty = mnt.join("empty");
    let mut shard = sweep_args(empty.to_str().unwrap(), "1", &["--shard", "0/2"]);
    shard.extend_from_slice(&long[..2]);
    refused_fast(&shard, "shard");
    refused_fast(&["report", run_dir.to_str().unwrap()], "report");
    assert_eq!(files(&mnt), before);
}

#[test]
fn an_out_under_a_file_is_refused_naming_the_file_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    fs::write(&file, "mine").unwrap();
    let f = file.display().to_string();
    let under = file.join("sub").join("deeper");
    let u = under.to_str().unwrap();
    // An hour of simulated traffic: these must be refused before any of it is simulated.
    let long = ["--set", "duration=1h", "--quiet"];
    // sweep_args gives --quiet itself.
    let sweep = sweep_args(u, "1", &long[..2]);
    let shard = sweep_args(u, "1", &["--shard", "0/2", "--set", "duration=1h"]);
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", QUICK, "--out", u], "--out"),
        (sweep, "--out"),
        (shard, "--out"),
        (
            vec!["sensitivity", QUICK, "--only", "kms.quota_rps", "--out", u],
            "--out",
        ),
        (
            vec![
                "sensitivity",
                QUICK,
                "--only",
                "kms.quota_rps",
                "--shard",
                "0/2",
                "--out",
                u,
            ],
            "--out",
        ),
    ];
    let elsewhere = tmp.path().join("elsewhere");
    let e = elsewhere.to_str().unwrap();
    cases.push((
        vec!["run", QUICK, "--out", e, "--cloudtrail", u],
        "--cloudtrail",
    ));
    for (mut args, flag) in cases {
        if !args.contains(&"--quiet") {
            args.extend_from_slice(&long);
        }
        let r = bksim(&args);
        let err = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(
            err,
            format!("error: {flag} {u}: {f} is a file, not a directory\n"),
            "{args:?}"
        );
    }
    assert_eq!(fs::read(&file).unwrap(), b"mine");
    assert_eq!(names(tmp.path()), ["file"]);
}

#[test]
fn calibrate_writes_its_profile_atomically_and_removes_stale_temporaries() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("me.json");
    // What a calibrate killed mid-write would have left (no process has this id).
    let stale = tmp.path().join(".me.json.bksim-tmp-4000000000-0");
    fs::write(&stale, "half a prof").unwrap();
    let unrelated = tmp.path().join(".other.json.bksim-tmp-4000000000-0");
    fs::write(&unrelated, "not ours to judge").unwrap();
    let o = bksim(&[
        "crypto",
        "calibrate",
        "--out",
        p.to_str().unwrap(),
        "--seconds",
        "0.01",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
    assert_eq!(v["schema"], "bksim.calibration.v1");
    assert_eq!(
        names(tmp.path()),
        [".other.json.bksim-tmp-4000000000-0", "me.json"]
    );
    let o = bksim(&["crypto", "calibrate", "--check", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}
