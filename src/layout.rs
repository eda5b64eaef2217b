//! The names of the files bksim writes in a results directory: one place for them, used by
//! the writers and readers ([`crate::report`]), the chart sets ([`crate::chart`]) and the
//! output-directory rules ([`crate::outdir`]). Depends on nothing.

/// File names in a results directory (the latency files' names are [`hgrm_file_name`]'s).
pub const SUMMARY_FILE: &str = "summary.json";
pub const TIMESERIES_FILE: &str = "timeseries.csv";
pub const RUN_FILE: &str = "run.json";
/// A live run's comparison with the model (`bksim live`).
pub const LIVE_FILE: &str = "live.json";
/// Which assumptions decide the verdict (`bksim sensitivity`, `bksim run --sensitivity`).
pub const SENSITIVITY_FILE: &str = "sensitivity.json";
/// The design-review report's files, and the directory of its chart files.
pub const REPORT_HTML: &str = "report.html";
pub const REPORT_MD: &str = "report.md";
/// Directory of the chart files, relative to the output directory (results or sweep).
pub const CHARTS_DIR: &str = "charts";

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
    format!("{HGRM_PREFIX}{safe}-{op}{HGRM_SUFFIX}")
}

/// How every latency file's name starts and ends ([`hgrm_file_name`]).
pub const HGRM_PREFIX: &str = "latency-";
pub const HGRM_SUFFIX: &str = ".hgrm";

/// Whether `name` is a latency file's name as [`hgrm_file_name`] makes them.
pub fn is_hgrm_file_name(name: &str) -> bool {
    name.starts_with(HGRM_PREFIX) && name.ends_with(HGRM_SUFFIX)
}
