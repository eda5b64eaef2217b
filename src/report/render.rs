//! The design-review report of a results directory: charts (`charts/<name>.svg` and `.png`),
//! `report.html` (self-contained: charts inline, no network) and `report.md` (Markdown with
//! relative links to the SVG charts). Built from the files `bksim run` wrote, so that
//! `bksim run` and `bksim report DIR` produce byte-identical charts and Markdown.
//!
//! Everything is rendered in memory first and only then written, each file atomically: a
//! failure leaves the previous files in place, never a half-written one.
//! The commands pass a staging directory ([`crate::outdir`]) that replaces the results
//! directory in one step, so the set as a whole is never a mix of two runs either.

use std::path::{Path, PathBuf};

use crate::report::charts::{self, ChartError};
use crate::report::load::{LoadError, LoadedRun, load_results};
use crate::report::{ReportError, html, markdown, write_atomic};

/// The report's file names (defined with the other file names in [`crate::report`]).
pub use crate::report::{CHARTS_DIR, REPORT_HTML, REPORT_MD};

/// Every chart file stem a report may have (to remove the ones a new report no longer has).
const ALL_STEMS: [&str; 6] = [
    "kms-traffic",
    "throttling",
    "latency-put",
    "latency-get",
    "cost",
    "cloudtrail",
];

/// Which outputs to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub html: bool,
    pub md: bool,
    pub png: bool,
    pub svg: bool,
}

impl Formats {
    pub const ALL: Formats = Formats {
        html: true,
        md: true,
        png: true,
        svg: true,
    };
}

/// Building the report failed: reading the results (the user's input), drawing, or writing.
#[derive(Debug, thiserror::Error)]
pub enum ReportBuildError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error(transparent)]
    Write(#[from] ReportError),
}

/// One output file: its path relative to the results directory and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Renders the requested outputs of `run` in memory.
pub fn render_report(run: &LoadedRun, formats: Formats) -> Result<Vec<OutputFile>, ChartError> {
    let list = charts::charts_for(run);
    let mut out = Vec::new();
    let mut svgs = Vec::new();
    if formats.svg || formats.html {
        for c in &list {
            svgs.push(charts::render_svg(run, c)?);
        }
    }
    if formats.svg {
        for (c, svg) in list.iter().zip(&svgs) {
            out.push(OutputFile {
                path: format!("{CHARTS_DIR}/{}.svg", c.stem),
                bytes: svg.clone().into_bytes(),
            });
        }
    }
    if formats.png {
        for c in &list {
            out.push(OutputFile {
                path: format!("{CHARTS_DIR}/{}.png", c.stem),
                bytes: charts::render_png(run, c)?,
            });
        }
    }
    if formats.md {
        out.push(OutputFile {
            path: REPORT_MD.to_string(),
            bytes: markdown::report_md(run, &list).into_bytes(),
        });
    }
    if formats.html {
        let inline: Vec<(&charts::Chart, &str)> =
            list.iter().zip(svgs.iter().map(String::as_str)).collect();
        out.push(OutputFile {
            path: REPORT_HTML.to_string(),
            bytes: html::report_html(run, &inline).into_bytes(),
        });
    }
    Ok(out)
}

/// Reads the results in `dir` and writes the requested outputs into it. Chart files of a
/// requested format that the new report no longer has (a latency chart for an operation
/// without traffic) are removed. Returns the paths written.
pub fn write_report(dir: &Path, formats: Formats) -> Result<Vec<PathBuf>, ReportBuildError> {
    let run = load_results(dir)?;
    let files = render_report(&run, formats)?;
    let charts_dir = dir.join(CHARTS_DIR);
    if files.iter().any(|f| f.path.starts_with(CHARTS_DIR)) {
        std::fs::create_dir_all(&charts_dir).map_err(|error| ReportError::CreateDir {
            path: charts_dir.clone(),
            error,
        })?;
    }
    let mut written = Vec::with_capacity(files.len());
    for f in &files {
        let path = dir.join(&f.path);
        write_atomic(&path, &f.bytes)?;
        written.push(path);
    }
    for stem in ALL_STEMS {
        for (ext, on) in [("svg", formats.svg), ("png", formats.png)] {
            let name = format!("{CHARTS_DIR}/{stem}.{ext}");
            if on && !files.iter().any(|f| f.path == name) {
                let _ = std::fs::remove_file(dir.join(&name));
            }
        }
    }
    Ok(written)
}
