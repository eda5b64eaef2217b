//! The repository stands alone: no tracked file reads, links or mentions the directory beside
//! the repository that the project's authors were given, and the tracked reference results
//! live where no run writes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file git tracks, as paths relative to the repository root.
fn tracked_files() -> Vec<PathBuf> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git ls-files failed");
    out.stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        .collect()
}

#[test]
fn no_tracked_file_mentions_a_sibling_directory() {
    // Written in two parts so that this file does not match itself.
    let needles = [
        concat!("..", "/shared"),
        concat!("shared", "/vectors"),
        concat!("shared", "/reference"),
    ];
    let files = tracked_files();
    assert!(
        files.len() > 50,
        "git ls-files listed {} files",
        files.len()
    );
    let mut hits = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(root().join(f)) else {
            continue; // binary (PNG, font)
        };
        for (i, line) in text.lines().enumerate() {
            if needles.iter().any(|n| line.contains(n)) {
                hits.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "mentions of a directory outside the repository:\n{}",
        hits.join("\n")
    );
}

/// `results/` is where runs write by default and git ignores it; the reference results are
/// tracked in `reference-results/`, one directory per bundled scenario.
#[test]
fn reference_results_live_apart_from_the_default_output() {
    let files = tracked_files();
    let under = |dir: &str| files.iter().filter(|f| f.starts_with(dir)).count();
    assert_eq!(under("results"), 0, "tracked files under results/");
    let mut scenarios: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "toml")
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    scenarios.sort();
    for s in &scenarios {
        for f in ["report.html", "report.md", "charts/kms-traffic.svg"] {
            let p = Path::new("reference-results").join(s).join(f);
            assert!(files.contains(&p), "{} is not tracked", p.display());
        }
    }
    let ignored = Command::new("git")
        .args(["check-ignore", "-q", "results/quickstart/report.html"])
        .current_dir(root())
        .status()
        .unwrap();
    assert!(ignored.success(), "results/ must be ignored by git");
}
