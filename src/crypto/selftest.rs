//! `bksim crypto selftest`: runs the built-in known-answer vectors and every `*.json`
//! vector file of the given directories, prints one line per file (and one per failed or
//! skipped case), and ends with exactly `N passed, M failed` (plus `, K skipped`).
//! Every case runs on each AES implementation this CPU runs (aws-lc-rs, bksim's VAES-512
//! kernel, the RustCrypto crates), or only on the one `BKSIM_CRYPTO_BACKEND` forces, and
//! passes only if all agree with the vector.

use std::io::Write;
use std::path::PathBuf;

use super::backend::Backend;
use super::error::CryptoError;
use super::vectors::{self, Outcome, VectorFile};

/// Totals of a selftest run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SelftestSummary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl SelftestSummary {
    /// The closing line: `N passed, M failed` and, when some were skipped, `, K skipped`.
    pub fn line(&self) -> String {
        let mut s = format!("{} passed, {} failed", self.passed, self.failed);
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        s
    }
}

/// The backends to run every case on: the one `BKSIM_CRYPTO_BACKEND` forces, else every
/// backend this CPU runs.
fn backends() -> Result<Vec<Backend>, CryptoError> {
    Ok(match super::backend::env_choice()? {
        Some(b) => vec![b],
        None => Backend::available(),
    })
}

/// Loads every file first (a malformed one is an error before anything runs), then runs.
pub fn run_selftest(dirs: &[PathBuf], out: &mut dyn Write) -> Result<SelftestSummary, CryptoError> {
    let mut files: Vec<VectorFile> = vectors::builtin();
    for d in dirs {
        files.extend(vectors::load_dir(d)?);
    }
    let backends = backends()?;
    let active = super::active_backends();
    writeln!(
        out,
        "backend: {} (cases run on: {})",
        active.label(),
        backends
            .iter()
            .map(|b| b.name())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    if let Some(w) = active.warning() {
        writeln!(out, "{w}")?;
    }
    let mut total = SelftestSummary::default();
    for f in &files {
        let mut s = SelftestSummary::default();
        let mut notes = Vec::new();
        for t in &f.tests {
            let mut outcome = Outcome::Pass;
            for &b in &backends {
                match vectors::run_with_backend(&t.case, b) {
                    Outcome::Pass => {}
                    Outcome::Fail(why) => {
                        outcome = Outcome::Fail(format!("{why} (backend {b})"));
                        break;
                    }
                    skip @ Outcome::Skip(_) => {
                        outcome = skip;
                        break;
                    }
                }
            }
            match outcome {
                Outcome::Pass => s.passed += 1,
                Outcome::Fail(why) => {
                    s.failed += 1;
                    notes.push(format!("  FAILED tcId {}: {why}", t.tc_id));
                }
                Outcome::Skip(why) => {
                    s.skipped += 1;
                    notes.push(format!("  skipped tcId {}: {why}", t.tc_id));
                }
            }
        }
        writeln!(out, "{} [{}]: {}", f.path.display(), f.algorithm, s.line())?;
        for n in notes {
            writeln!(out, "{n}")?;
        }
        total.passed += s.passed;
        total.failed += s.failed;
        total.skipped += s.skipped;
    }
    writeln!(out, "{}", total.line())?;
    Ok(total)
}
