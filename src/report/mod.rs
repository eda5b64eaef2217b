//! Exporters: one file per output format, each written atomically, and the terminal table.
//!
//! [`write_outputs`] writes a run's results directory:
//! - `summary.json` ([`formats::summary`]): deterministic results, schema
//!   `bksim.summary.v1`;
//! - `timeseries.csv` ([`formats::timeseries`]): one row per variant per simulated second
//!   (per 10, 60, 300 or 3,600 seconds for long runs);
//! - `latency-<variant>-<op>.hgrm` ([`formats::hgrm`]): HdrHistogram percentile distributions in
//!   milliseconds, for `op` = `put` and `get`. Both files are written for every variant, even
//!   for an operation the scenario does not send: the set of files is then the same for every
//!   scenario, and an empty histogram prints as Java's HdrHistogram prints one (header and
//!   footer, no rows). The variant name is used as is when it only has ASCII letters, digits,
//!   `.`, `_` and `-`; any other character becomes `_`;
//! - `run.json` ([`formats::run_facts`]): wall-clock facts (not deterministic), schema
//!   `bksim.run.v1`.
//!
//! Each format's module in [`formats`] holds the file's type, its writer and its reader; the
//! file names are the constants below and [`hgrm_file_name`], and nowhere else.
//!
//! [`comparison_table`] is what `bksim run` prints on the terminal.
//!
//! The design-review report is built from those files, read back by [`load`]: charts ([`charts`], SVG
//! and PNG in `charts/`), `report.html` ([`html`]) and `report.md` ([`markdown`]), with the
//! verdicts ([`verdict`]) and parameter sources ([`sources`]) they share, and the section
//! "What this verdict depends on" ([`sensitivity`]) when the directory has a
//! `sensitivity.json`; [`write_report`] writes them ([`render`]).

use std::path::{Path, PathBuf};

use crate::metrics::results::RunResults;

pub mod charts;
pub mod denied;
pub mod expect;
pub mod formats;
pub mod html;
mod layer;
pub mod live;
pub mod load;
pub mod markdown;
pub mod old_objects;
pub mod plausible;
pub mod render;
pub mod replay;
pub mod replication;
pub mod sensitivity;
pub mod sources;
pub mod table;
pub mod verdict;

pub use crate::atomic::{WriteError as ReportError, write_atomic};
pub use formats::LoadError;
pub use formats::hgrm::hgrm;
pub use formats::run_facts::{MachineFacts, RunFacts, VariantFacts, run_json};
pub use formats::summary::{SummaryFile, summary_json};
pub use formats::timeseries::timeseries_csv;
pub use load::{LoadedRun, load_results};
pub use render::{Formats, ReportBuildError, render_report, write_report};
pub use table::comparison_table;

/// The names of the files in a results directory ([`crate::layout`]).
pub use crate::layout::{
    CHARTS_DIR, HGRM_PREFIX, HGRM_SUFFIX, REPORT_HTML, REPORT_MD, RUN_FILE, SUMMARY_FILE,
    TIMESERIES_FILE, hgrm_file_name, is_hgrm_file_name,
};

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
        assert!(is_hgrm_file_name(&hgrm_file_name("a b", "put")));
        assert!(!is_hgrm_file_name(SUMMARY_FILE));
    }
}
