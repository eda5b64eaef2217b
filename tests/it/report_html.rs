//! The design-review report as a user gets it: `bksim run` writes charts, `report.html` and
//! `report.md`; `bksim report DIR` rebuilds them byte for byte; a missing or corrupt input is
//! an error naming the file; and `report.html` loads in a real browser (headless Chromium,
//! driven over the DevTools protocol on a pipe: no network, no port) with no console errors,
//! every chart rendered at a non-zero size and a verdict naming every variant.
//!
//! Chromium comes from Debian's `chromium` package (`.ci/run` installs it). Without it the
//! browser test fails when `CI=true` and is skipped, loudly, elsewhere. `BKSIM_CHROMIUM`
//! names another binary. `BKSIM_REPORT_SCREENSHOT=FILE` saves a full-page PNG of the page.

use super::common::{bksim, text};
use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A short run of the shared-account scenario (three variants, PUTs and GETs, background
/// traffic, client-side encryption), made once per test run in Cargo's scratch directory for
/// integration tests; tests that change files work on a copy.
fn results() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("report_html")
            .join("sa");
        let _ = fs::remove_dir_all(&out);
        let o = bksim(&[
            "run",
            "scenarios/shared-account.toml",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--set",
            "duration=10s",
            "--set",
            "warmup=2s",
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        out
    })
}

/// A copy of the shared results in a fresh directory.
fn copy_results() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("r");
    copy_dir(results(), &to);
    (dir, to)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn files(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn variant_names(dir: &Path) -> Vec<String> {
    let s: Value = serde_json::from_slice(&fs::read(dir.join("summary.json")).unwrap()).unwrap();
    s["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn run_writes_charts_and_reports() {
    let dir = results();
    let top = files(dir);
    for f in ["report.html", "report.md", "charts"] {
        assert!(top.contains(f), "missing {f} in {top:?}");
    }
    let charts = files(&dir.join("charts"));
    for stem in [
        "kms-traffic",
        "throttling",
        "latency-put",
        "latency-get",
        "cost",
        "cloudtrail",
    ] {
        for ext in ["svg", "png"] {
            assert!(charts.contains(&format!("{stem}.{ext}")), "{stem}.{ext}");
        }
    }
    assert_eq!(charts.len(), 12, "{charts:?}");
    // No temporary files left behind.
    assert!(!top.iter().chain(&charts).any(|f| f.ends_with(".tmp")));
}

#[test]
fn report_command_reproduces_charts_and_markdown_byte_for_byte() {
    let (_tmp, dir) = copy_results();
    let before: Vec<(String, Vec<u8>)> = files(&dir.join("charts"))
        .into_iter()
        .map(|f| (f.clone(), fs::read(dir.join("charts").join(&f)).unwrap()))
        .chain(std::iter::once((
            "report.md".to_string(),
            fs::read(dir.join("report.md")).unwrap(),
        )))
        .collect();
    fs::remove_dir_all(dir.join("charts")).unwrap();
    fs::remove_file(dir.join("report.md")).unwrap();
    fs::remove_file(dir.join("report.html")).unwrap();

    let o = bksim(&["report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("report.html"));
    for (f, bytes) in &before {
        let p = if f == "report.md" {
            dir.join(f)
        } else {
            dir.join("charts").join(f)
        };
        assert!(
            fs::read(&p).unwrap() == *bytes,
            "{f} differs after `bksim report`"
        );
    }
    // The HTML is the same too, except for nothing: the run facts come from run.json.
    assert_eq!(
        fs::read(dir.join("report.html")).unwrap(),
        fs::read(results().join("report.html")).unwrap()
    );

    // --format picks outputs.
    let (_tmp2, only) = copy_results();
    fs::remove_dir_all(only.join("charts")).unwrap();
    fs::remove_file(only.join("report.md")).unwrap();
    let o = bksim(&["report", only.to_str().unwrap(), "--format", "md,svg", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
    assert!(only.join("report.md").is_file());
    let charts = files(&only.join("charts"));
    assert!(charts.iter().all(|f| f.ends_with(".svg")), "{charts:?}");
    assert_eq!(charts.len(), 6);
}

#[test]
fn markdown_links_resolve_to_files() {
    let dir = results();
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    let mut links = 0;
    for (i, _) in md.match_indices("](") {
        let rest = &md[i + 2..];
        let target = &rest[..rest.find(')').unwrap()];
        if target.starts_with("http") {
            continue;
        }
        links += 1;
        assert!(
            dir.join(target).is_file(),
            "report.md links to missing {target}"
        );
    }
    assert!(links >= 6, "{links} local links");
    for v in variant_names(dir) {
        assert!(md.contains(&format!("**{v}:")), "no verdict for {v}");
    }
    assert!(md.contains("## Assumptions and sources"));
    assert!(md.contains("[aws-facts §1.1](https://docs.aws.amazon.com/kms/"));
}

#[test]
fn missing_or_corrupt_inputs_are_errors_naming_the_file() {
    type Damage = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "summary.json",
            Box::new(|d: &Path| fs::remove_file(d.join("summary.json")).unwrap()),
            "file not found",
        ),
        (
            "summary.json",
            Box::new(|d: &Path| {
                let s = fs::read_to_string(d.join("summary.json")).unwrap();
                fs::write(d.join("summary.json"), &s[..s.len() / 2]).unwrap();
            }),
            "line",
        ),
        (
            "timeseries.csv",
            Box::new(|d: &Path| fs::remove_file(d.join("timeseries.csv")).unwrap()),
            "file not found",
        ),
        (
            "timeseries.csv",
            Box::new(|d: &Path| {
                let s = fs::read_to_string(d.join("timeseries.csv")).unwrap();
                fs::write(d.join("timeseries.csv"), s.replacen(",0,", ",zero,", 1)).unwrap();
            }),
            "line 2",
        ),
        (
            "latency-bucket-key-put.hgrm",
            Box::new(|d: &Path| fs::remove_file(d.join("latency-bucket-key-put.hgrm")).unwrap()),
            "file not found",
        ),
        (
            "latency-bucket-key-put.hgrm",
            Box::new(|d: &Path| {
                let p = d.join("latency-bucket-key-put.hgrm");
                let s = fs::read_to_string(&p).unwrap();
                fs::write(&p, &s[..s.len() / 2]).unwrap();
            }),
            "latency-bucket-key-put.hgrm",
        ),
        (
            // Cut at a line boundary: still parses, but seconds are missing.
            "timeseries.csv",
            Box::new(|d: &Path| {
                let s = fs::read_to_string(d.join("timeseries.csv")).unwrap();
                let lines: Vec<&str> = s.lines().collect();
                let keep = &lines[..lines.len() - 3];
                fs::write(d.join("timeseries.csv"), keep.join("\n") + "\n").unwrap();
            }),
            "truncated",
        ),
        (
            // The last rows of a histogram cut off (the footer kept): they no longer reach
            // the footer's total.
            "latency-bucket-key-put.hgrm",
            Box::new(|d: &Path| {
                let p = d.join("latency-bucket-key-put.hgrm");
                let s = fs::read_to_string(&p).unwrap();
                let lines: Vec<&str> = s.lines().collect();
                let n = lines.len();
                let kept: Vec<&str> = lines[..n - 8]
                    .iter()
                    .chain(&lines[n - 3..])
                    .copied()
                    .collect();
                fs::write(&p, kept.join("\n") + "\n").unwrap();
            }),
            "truncated",
        ),
        (
            // A number no chart can have an axis for.
            "summary.json",
            Box::new(|d: &Path| {
                let p = d.join("summary.json");
                let mut v: Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
                v["variants"][0]["kms"]["cost_usd_per_month"] = json!(1e308);
                fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
            }),
            "implausible value",
        ),
    ];
    for (file, damage, expect) in cases {
        let (_tmp, dir) = copy_results();
        damage(&dir);
        let before = fs::read(dir.join("report.md")).unwrap();
        let o = bksim(&["report", dir.to_str().unwrap()]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert!(
            err.contains(file),
            "{file}: message does not name it: {err}"
        );
        assert!(
            err.contains(expect),
            "{file}: expected '{expect}' in: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        // Nothing was rewritten.
        assert_eq!(fs::read(dir.join("report.md")).unwrap(), before);
    }
    let o = bksim(&["report", "/nonexistent/results"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("/nonexistent/results"));
}

// ---------------------------------------------------------------------------------------
// The browser test.

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("BKSIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// A headless Chromium driven over `--remote-debugging-pipe` (fd 3 in, fd 4 out).
struct Browser {
    child: std::process::Child,
    to: std::io::PipeWriter,
    from: Receiver<Value>,
    next_id: u64,
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(bin: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (child_in, to) = std::io::pipe().unwrap();
        let (from, child_out) = std::io::pipe().unwrap();
        let (in_fd, out_fd): (OwnedFd, OwnedFd) = (child_in.into(), child_out.into());
        let (a, b) = (in_fd.as_raw_fd(), out_fd.as_raw_fd());
        let mut cmd = Command::new(bin);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--remote-debugging-pipe",
            "--window-size=1400,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: between fork and exec only async-signal-safe calls (dup2, fcntl) are made.
        unsafe {
            cmd.pre_exec(move || {
                for (fd, target) in [(a, 3), (b, 4)] {
                    if fd == target {
                        let flags = libc::fcntl(fd, libc::F_GETFD);
                        libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
                    } else if libc::dup2(fd, target) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("start chromium");
        drop(in_fd);
        drop(out_fd);
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(from);
            loop {
                let mut buf = Vec::new();
                match r.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if buf.last() == Some(&0) {
                            buf.pop();
                        }
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                            && tx.send(v).is_err()
                        {
                            return;
                        }
                    }
                }
            }
        });
        Browser {
            child,
            to,
            from: rx,
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        }
    }

    fn recv(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.from.recv_timeout(left) {
            Ok(v) => Some(v),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => panic!("chromium closed the DevTools pipe"),
        }
    }

    /// Sends a command and waits for its result; events that arrive meanwhile are kept.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self
                .recv(deadline)
                .unwrap_or_else(|| panic!("no answer to {method} within 30 s"));
            if v["id"] == json!(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    /// Waits for an event named `method`, keeping every event seen.
    fn wait_event(&mut self, method: &str, timeout: Duration) -> bool {
        if self.events.iter().any(|e| e["method"] == method) {
            return true;
        }
        let deadline = Instant::now() + timeout;
        while let Some(v) = self.recv(deadline) {
            let hit = v["method"] == method;
            self.events.push(v);
            if hit {
                return true;
            }
        }
        false
    }

    /// Keeps every event arriving within `d`.
    fn drain(&mut self, d: Duration) {
        let deadline = Instant::now() + d;
        while let Some(v) = self.recv(deadline) {
            self.events.push(v);
        }
    }

    /// Console errors, uncaught exceptions and error log entries (failed loads included).
    fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str()? {
                "Runtime.consoleAPICalled"
                    if matches!(e["params"]["type"].as_str(), Some("error" | "assert")) =>
                {
                    Some(format!("console: {}", e["params"]["args"]))
                }
                "Runtime.exceptionThrown" => {
                    Some(format!("exception: {}", e["params"]["exceptionDetails"]))
                }
                "Log.entryAdded" if e["params"]["entry"]["level"] == "error" => {
                    Some(format!("log: {}", e["params"]["entry"]))
                }
                _ => None,
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const PAGE_FACTS: &str = r#"(async () => {
  const figs = [...document.querySelectorAll('figure.chart')];
  return {
    charts: figs.map(f => {
      const svg = f.querySelector('svg');
      if (!svg) return { id: f.id, width: 0, height: 0, texts: 0, drawn: 0 };
      const r = svg.getBoundingClientRect();
      const b = svg.getBBox();
      return { id: f.id, width: r.width, height: r.height,
               texts: svg.querySelectorAll('text').length, drawn: b.width * b.height };
    }),
    verdict: (document.querySelector('#verdict') || {}).innerText || '',
    sections: [...document.querySelectorAll('section')].map(s => s.id),
    scripts: document.scripts.length,
    remote: [...document.querySelectorAll('[src]')].map(e => e.getAttribute('src'))
      .filter(s => !s.startsWith('data:')),
    height: document.documentElement.scrollHeight,
  };
})()"#;

#[test]
fn report_html_in_headless_chromium() {
    let Some(bin) = chromium() else {
        let msg = "headless Chromium not found (/usr/bin/chromium): install Debian's `chromium` \
                   package (.ci/run does) or set BKSIM_CHROMIUM";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{msg}");
        }
        eprintln!("\n!!!!!!!!!! SKIPPED report_html_in_headless_chromium: {msg} !!!!!!!!!!\n");
        return;
    };
    let dir = results();
    let html = fs::canonicalize(dir.join("report.html")).unwrap();
    let n_charts = files(&dir.join("charts"))
        .iter()
        .filter(|f| f.ends_with(".svg"))
        .count();

    let mut b = Browser::start(&bin);
    let target = b.call(None, "Target.createTarget", json!({"url": "about:blank"}));
    let target_id = target["targetId"].as_str().unwrap().to_string();
    let attached = b.call(
        None,
        "Target.attachToTarget",
        json!({"targetId": target_id, "flatten": true}),
    );
    let session = attached["sessionId"].as_str().unwrap().to_string();
    let s = Some(session.as_str());
    for m in ["Runtime.enable", "Log.enable", "Page.enable"] {
        b.call(s, m, json!({}));
    }
    let nav = b.call(
        s,
        "Page.navigate",
        json!({"url": format!("file://{}", html.display())}),
    );
    assert!(nav.get("errorText").is_none(), "navigation failed: {nav}");
    assert!(
        b.wait_event("Page.loadEventFired", Duration::from_secs(30)),
        "report.html did not finish loading within 30 s"
    );
    let facts = b.call(
        s,
        "Runtime.evaluate",
        json!({"expression": PAGE_FACTS, "awaitPromise": true, "returnByValue": true}),
    );
    assert!(
        facts.get("exceptionDetails").is_none(),
        "evaluating the page failed: {facts}"
    );
    let facts = &facts["result"]["value"];
    if let Ok(path) = std::env::var("BKSIM_REPORT_SCREENSHOT") {
        let h = facts["height"].as_f64().unwrap_or(1000.0);
        let shot = b.call(
            s,
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": 1400, "height": h, "scale": 1}}),
        );
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        fs::write(&path, png).unwrap();
    }
    b.drain(Duration::from_millis(300));
    let errors = b.errors();
    assert!(errors.is_empty(), "report.html logged errors: {errors:#?}");

    let charts = facts["charts"].as_array().unwrap();
    assert_eq!(charts.len(), n_charts, "{facts}");
    for c in charts {
        for k in ["width", "height", "texts", "drawn"] {
            assert!(
                c[k].as_f64().unwrap_or(0.0) > 0.0,
                "chart {} has {k} 0: {c}",
                c["id"]
            );
        }
    }
    let verdict = facts["verdict"].as_str().unwrap();
    for v in variant_names(dir) {
        assert!(verdict.contains(&v), "verdict does not name {v}: {verdict}");
    }
    let sections: Vec<&str> = facts["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        sections,
        ["verdict", "comparison", "charts", "assumptions", "run"]
    );
    assert_eq!(facts["scripts"], 0);
    assert_eq!(facts["remote"], json!([]), "the page loads something");
    b.call(None, "Browser.close", json!({}));
}

#[test]
fn report_help_and_bad_format() {
    let o = bksim(&["report", "--help"]);
    assert!(o.status.success());
    let h = text(&o.stdout);
    for s in ["--format", "html", "png", "Examples", "Exit codes"] {
        assert!(h.contains(s), "report --help lacks {s}");
    }
    assert!(text(&bksim(&["--help"]).stdout).contains("report"));
    let o = bksim(&["report", results().to_str().unwrap(), "--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("pdf"));
}

#[test]
fn a_file_where_the_charts_directory_goes() {
    // (Before results directories were staged, this made `bksim run` fail with exit 1 after
    // simulating; a failing write is now tested in tests/it/outdir.rs.)
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    // A file where the charts directory should go, in a directory bksim did not write: refused
    // before simulating, naming the directory, and left alone.
    fs::write(out.join("charts"), "not a directory").unwrap();
    let args = |out: &Path| {
        bksim(&[
            "run",
            "scenarios/backup-burst.toml",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--set",
            "duration=3s",
            "--set",
            "warmup=1s",
        ])
    };
    let o = args(&out);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&out.display().to_string()), "{err}");
    assert_eq!(fs::read(out.join("charts")).unwrap(), b"not a directory");
    assert!(!out.join("report.html").exists());
    // In a results directory it belongs to the output set and is replaced.
    fs::write(out.join("summary.json"), "{}").unwrap();
    let o = args(&out);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(out.join("charts").is_dir());
    assert!(out.join("report.html").is_file());
}
