//! Helpers the integration tests share: running the built `bksim` binary from the repository
//! root and reading what it printed.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `bksim ARGS` in the repository root and waits for it.
pub fn bksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bksim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run bksim")
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A path in the repository.
pub fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// A file's bytes, or a panic naming it.
pub fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Resource limits for a child `bksim` (see [`bksim_limited`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// RLIMIT_AS: past it an allocation fails and the process aborts.
    pub address_space: Option<u64>,
    /// RLIMIT_FSIZE, with SIGXFSZ ignored: a write past it fails with EFBIG.
    pub file_size: Option<u64>,
}

/// A `bksim ARGS` command, run in the repository root, with `limits` set in the child.
pub fn bksim_limited(args: &[&str], limits: Limits) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bksim"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    let set = |resource, bytes: u64| {
        let lim = libc::rlimit {
            rlim_cur: bytes,
            rlim_max: bytes,
        };
        // SAFETY: setrlimit is async-signal-safe.
        if unsafe { libc::setrlimit(resource, &lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    };
    // SAFETY: between fork and exec only setrlimit and signal (async-signal-safe) run.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(b) = limits.address_space {
                set(libc::RLIMIT_AS, b)?;
            }
            if let Some(b) = limits.file_size {
                set(libc::RLIMIT_FSIZE, b)?;
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            }
            Ok(())
        });
    }
    cmd
}

/// Every `.json.gz` file under `dir` (recursively), by path relative to it, decompressed.
pub fn gz_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".json.gz") {
                let mut s = Vec::new();
                flate2::read::GzDecoder::new(std::fs::File::open(&p).unwrap())
                    .read_to_end(&mut s)
                    .unwrap();
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), s);
            }
        }
    }
    out
}

/// One live run at a time: `bksim live` measures real time, and two at once on a 2-core
/// machine make each other late (the tests' own load, not the harness, would then decide).
static LIVE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// What a `bksim live` run wrote: `live.json`, `summary.json`, and the directory (kept
/// until dropped).
pub struct LiveRun {
    pub live: serde_json::Value,
    pub summary: serde_json::Value,
    pub dir: tempfile::TempDir,
}

impl LiveRun {
    /// The results directory.
    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
}

/// Runs `bksim live ARGS --out <fresh dir> --quiet` alone (see [`LIVE`]) and reads its files;
/// panics with its stderr when it fails.
pub fn bksim_live(args: &[&str]) -> LiveRun {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut all = vec!["live"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap(), "--quiet"]);
    let o = {
        let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        bksim(&all)
    };
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json = |f: &str| -> serde_json::Value {
        serde_json::from_slice(&read(&out.join(f))).unwrap_or_else(|e| panic!("{f}: {e}"))
    };
    LiveRun {
        live: json("live.json"),
        summary: json("summary.json"),
        dir,
    }
}

/// [`bksim`] for a live run that is expected to run (alone, see [`LIVE`]).
pub fn bksim_live_raw(args: &[&str]) -> Output {
    let _one = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    bksim(args)
}
