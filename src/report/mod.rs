//! Exporters: one file per output format, each written atomically, and the terminal table.
//!
//! [`write_outputs`] writes a run's results directory:
//! - `summary.json` ([`summary_json`]): deterministic results, schema `bksim.summary.v1`;
//! - `timeseries.csv` ([`timeseries_csv`]): one row per variant per simulated second (per
//!   10, 60, 300 or 3,600 seconds for long runs);
//! - `latency-<variant>-<op>.hgrm` ([`hgrm`]): HdrHistogram percentile distributions in
//!   milliseconds, for `op` = `put` and `get`. Both files are written for every variant, even
//!   for an operation the scenario does not send: the set of files is then the same for every
//!   scenario, and an empty histogram prints as Java's HdrHistogram prints one (header and
//!   footer, no rows). The variant name is used as is when it only has ASCII letters, digits,
//!   `.`, `_` and `-`; any other character becomes `_`;
//! - `run.json` ([`run_json`]): wall-clock facts (not deterministic), schema `bksim.run.v1`.
//!
//! [`comparison_table`] is what `bksim run` prints on the terminal.
//!
//! The design-review report is built from those files ([`load`]): charts ([`charts`], SVG
//! and PNG in `charts/`), `report.html` ([`html`]) and `report.md` ([`markdown`]), with the
//! verdicts ([`verdict`]) and parameter sources ([`sources`]) they share; [`write_report`]
//! writes them ([`render`]).

use std::io;
use std::path::{Path, PathBuf};

use crate::metrics::results::RunResults;

pub mod atomic;
pub mod charts;
pub mod hgrm;
pub mod html;
pub mod load;
pub mod markdown;
pub mod plausible;
pub mod render;
pub mod run_json;
pub mod sources;
pub mod summary_json;
pub mod table;
pub mod timeseries_csv;
pub mod verdict;

pub use atomic::write_atomic;
pub use hgrm::hgrm;
pub use load::{LoadError, LoadedRun, load_results};
pub use render::{Formats, ReportBuildError, render_report, write_report};
pub use run_json::{MachineFacts, RunFacts, VariantFacts, run_json};
pub use summary_json::summary_json;
pub use table::comparison_table;
pub use timeseries_csv::timeseries_csv;

/// File names in a results directory.
pub const SUMMARY_FILE: &str = "summary.json";
pub const TIMESERIES_FILE: &str = "timeseries.csv";
pub const RUN_FILE: &str = "run.json";

/// Writing results failed. The message names the path and the operating system's error.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot create directory {}: {error}", path.display())]
    CreateDir { path: PathBuf, error: io::Error },
    #[error("cannot write {}: {error}", path.display())]
    Write { path: PathBuf, error: io::Error },
}

impl ReportError {
    /// The file or directory that could not be written.
    pub fn path(&self) -> &Path {
        match self {
            ReportError::CreateDir { path, .. } | ReportError::Write { path, .. } => path,
        }
    }

    /// The operating system's error.
    pub fn io_error(&self) -> &io::Error {
        match self {
            ReportError::CreateDir { error, .. } | ReportError::Write { error, .. } => error,
        }
    }
}

/// The name of a variant's latency file: `latency-<variant>-<op>.hgrm`.
pub fn hgrm_file_name(variant: &str, op: &str) -> String {
    let safe: String = variant
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("latency-{safe}-{op}.hgrm")
}

/// Creates `dir` (and its parents) and writes every output file into it atomically:
/// `summary.json`, `timeseries.csv`, two `.hgrm` files per variant (PUT then GET, variants in
/// order) and `run.json`. Returns the paths written, in that order.
pub fn write_outputs(
    dir: &Path,
    r: &RunResults,
    facts: &RunFacts,
) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|error| ReportError::CreateDir {
        path: dir.to_path_buf(),
        error,
    })?;
    let mut files: Vec<(String, String)> = vec![
        (SUMMARY_FILE.to_string(), summary_json(r)),
        (TIMESERIES_FILE.to_string(), timeseries_csv(r)),
    ];
    for v in &r.variants {
        for (op, h) in [("put", &v.latency_put), ("get", &v.latency_get)] {
            files.push((hgrm_file_name(&v.summary.name, op), hgrm(h)));
        }
    }
    files.push((RUN_FILE.to_string(), run_json(facts)));

    let mut written = Vec::with_capacity(files.len());
    for (name, text) in files {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hgrm_names() {
        assert_eq!(
            hgrm_file_name("per-object", "put"),
            "latency-per-object-put.hgrm"
        );
        assert_eq!(hgrm_file_name("a b/c", "get"), "latency-a_b_c-get.hgrm");
        assert_eq!(hgrm_file_name("clé", "get"), "latency-cl_-get.hgrm");
    }
}
