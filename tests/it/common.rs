//! Helpers the integration tests share: running the built `bksim` binary from the repository
//! root and reading what it printed.

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
