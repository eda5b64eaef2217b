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

use crate::chart::{self, ChartError, ChartFormats, Rendered};
use crate::report::charts::{ChartKind, RunCharts};
use crate::report::load::{LoadError, LoadedRun, load_results};
use crate::report::sensitivity::tornado;
use crate::report::{ReportError, html, markdown, write_atomic};

/// The report's file names (defined with the other file names in [`crate::report`]).
pub use crate::report::{REPORT_HTML, REPORT_MD};

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

/// A report rendered in memory: the charts (SVG also when only the HTML report, which inlines
/// them, is asked for) and the requested documents (`report.md`, `report.html`).
#[derive(Debug, Clone)]
pub struct RenderedReport {
    pub charts: Rendered<ChartKind>,
    /// The chart files asked for.
    pub chart_formats: ChartFormats,
    pub documents: Vec<OutputFile>,
}

impl RenderedReport {
    /// Every output file: the chart files asked for (SVGs, then PNGs), then the documents.
    pub fn files(&self) -> Vec<OutputFile> {
        let charts = self.charts.files(self.chart_formats).into_iter();
        charts
            .map(|(path, bytes)| OutputFile {
                path,
                bytes: bytes.to_vec(),
            })
            .chain(self.documents.iter().cloned())
            .collect()
    }
}

/// Renders the requested outputs of `run` in memory.
pub fn render_report(run: &LoadedRun, formats: Formats) -> Result<RenderedReport, ChartError> {
    let charts = chart::render(
        &RunCharts::new(run),
        ChartFormats {
            svg: formats.svg || formats.html,
            png: formats.png,
        },
    )?;
    let mut documents = Vec::new();
    // The tornado charts of "What this verdict depends on", when there is a sensitivity.json.
    let tornados = match &run.sensitivity {
        Some(s) => crate::report::sensitivity::render_charts(s, formats.png)?,
        None => Vec::new(),
    };
    for (path, bytes) in tornado::files(&tornados) {
        if path.ends_with(".svg") && !formats.svg {
            continue;
        }
        documents.push(OutputFile {
            path,
            bytes: bytes.to_vec(),
        });
    }
    if formats.md {
        documents.push(OutputFile {
            path: REPORT_MD.to_string(),
            bytes: markdown::report_md(run, &charts.charts).into_bytes(),
        });
    }
    if formats.html {
        let inline: Vec<(&crate::report::charts::Chart, &str)> = charts
            .charts
            .iter()
            .zip(charts.svg.iter().map(String::as_str))
            .collect();
        documents.push(OutputFile {
            path: REPORT_HTML.to_string(),
            bytes: html::report_html(run, &inline, &tornados).into_bytes(),
        });
    }
    Ok(RenderedReport {
        charts,
        chart_formats: ChartFormats {
            svg: formats.svg,
            png: formats.png,
        },
        documents,
    })
}

/// Removes the tornado charts in `dir/charts/`, in the formats asked for, that `documents` do
/// not have (those of a sensitivity analysis that is gone or had other variants); nothing
/// else.
fn remove_stale_tornados(dir: &Path, documents: &[OutputFile], formats: Formats) {
    let Ok(entries) = std::fs::read_dir(dir.join(chart::CHARTS_DIR)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = format!("{}/{name}", chart::CHARTS_DIR);
        let asked =
            (formats.svg && name.ends_with(".svg")) || (formats.png && name.ends_with(".png"));
        if asked && tornado::is_tornado_file(&name) && !documents.iter().any(|d| d.path == rel) {
            // Not removable: left as it was, like the other chart sets' stale files.
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Reads the results in `dir` and writes the requested outputs into it, each file atomically
/// ([`chart::write`] for the charts). Chart files of a requested format that the new report
/// no longer has (a latency chart for an operation without traffic) are removed. Returns the
/// paths written: charts, then documents.
pub fn write_report(dir: &Path, formats: Formats) -> Result<Vec<PathBuf>, ReportBuildError> {
    let run = load_results(dir)?;
    let report = render_report(&run, formats)?;
    let mut written = chart::write(dir, &report.charts, report.chart_formats)?;
    remove_stale_tornados(dir, &report.documents, formats);
    for f in &report.documents {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| ReportError::CreateDir {
                path: parent.to_path_buf(),
                error,
            })?;
        }
        write_atomic(&path, &f.bytes)?;
        written.push(path);
    }
    Ok(written)
}
