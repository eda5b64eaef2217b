//! Reading a results directory back: `summary.json`, `timeseries.csv`, the
//! `latency-<variant>-<op>.hgrm` files and (optionally) `run.json` and `sensitivity.json`, as `bksim report` and the
//! report writer after `bksim run` need them. Each file is parsed by its format's module in
//! [`crate::report::formats`] (the same types its writer writes); this module reads the
//! files and checks them against each other.
//!
//! Every error names the file, and the line and key where one applies: a reviewer handed a
//! results directory with a truncated histogram learns which file to regenerate. Nothing here
//! panics on bad input. Files are read through [`crate::input`] (regular files only, under a
//! size limit, UTF-8). The checks catch truncation and hand edits (schema tag, CSV header and
//! field count, seconds in order, every variant present in every file, the HdrHistogram
//! footer), and every number passes the plausibility bounds of [`crate::report::plausible`]
//! before the charts or the report use it (a `1e308` latency would size an axis), with the
//! counts that must agree (latency count and completed requests, throttled and total calls)
//! checked against each other. Names become file names, so they must be names a scenario
//! could have.

use std::io;
use std::path::Path;

use crate::input::{InputError, InputKind, read_text};
use crate::metrics::results::SecondRow;
pub use crate::report::formats::LoadError;
use crate::report::formats::hgrm::parse_hgrm;
pub use crate::report::formats::hgrm::{PercentileCurve, PercentilePoint};
pub use crate::report::formats::run_facts::RunFacts;
use crate::report::formats::run_facts::parse_run;
pub use crate::report::formats::summary::SummaryFile;
use crate::report::formats::summary::parse_summary;
use crate::report::formats::timeseries::parse_timeseries;
use crate::report::plausible::{self, MAX_DRAIN_SECONDS};
use crate::report::sensitivity::output::{self as sensitivity, SensitivityResults};
use crate::report::{RUN_FILE, SUMMARY_FILE, TIMESERIES_FILE, hgrm_file_name};

/// Latency distributions of one variant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VariantLatency {
    pub put: PercentileCurve,
    pub get: PercentileCurve,
}

/// Everything in a results directory, variants in the order of `summary.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedRun {
    pub summary: SummaryFile,
    /// Per variant (same order as `summary.variants`), one row per simulated second (per
    /// `timeseries_step` seconds for long runs).
    pub timeseries: Vec<Vec<SecondRow>>,
    /// Seconds per time-series row (1 unless the run was long).
    pub timeseries_step: u64,
    /// Per variant (same order as `summary.variants`).
    pub latency: Vec<VariantLatency>,
    /// `None` when the directory has no `run.json`.
    pub run: Option<RunFacts>,
    /// A live run's comparison with the model (`live.json`, from `bksim live`); `None` for a
    /// simulated run.
    pub live: Option<crate::report::formats::live::LiveFile>,
    /// `sensitivity.json` (`bksim run --sensitivity`); `None` when the directory has none.
    pub sensitivity: Option<SensitivityResults>,
}

/// Reads a results directory. `run.json` may be absent (the report then says the run facts
/// are unknown); every other file must be there and well-formed.
pub fn load_results(dir: &Path) -> Result<LoadedRun, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::Missing {
            path: dir.to_path_buf(),
        });
    }
    let summary_path = dir.join(SUMMARY_FILE);
    let summary_text = read(&summary_path)?;
    let summary = parse_summary(&summary_path, &summary_text)?;

    let ts_path = dir.join(TIMESERIES_FILE);
    // Rows go on after the simulated time while requests in flight finish, for at most a day.
    let last_second = summary.simulated_seconds.ceil() as u64 + MAX_DRAIN_SECONDS;
    let names: Vec<&str> = summary.variants.iter().map(|v| v.name.as_str()).collect();
    let (timeseries_step, mut by_variant) =
        parse_timeseries(&ts_path, &read(&ts_path)?, &names, last_second)?;
    let mut timeseries = Vec::with_capacity(summary.variants.len());
    for v in &summary.variants {
        match by_variant.remove(&v.name) {
            Some(rows) => timeseries.push(rows),
            None => {
                return Err(LoadError::corrupt(
                    &ts_path,
                    0,
                    format!("no rows for variant '{}' of {SUMMARY_FILE}", v.name),
                ));
            }
        }
    }
    if let Some(extra) = by_variant.keys().next() {
        return Err(LoadError::corrupt(
            &ts_path,
            0,
            format!("variant '{extra}' is not in {SUMMARY_FILE}"),
        ));
    }

    let mut latency = Vec::with_capacity(summary.variants.len());
    for v in &summary.variants {
        let curve = |op: &str, count: u64| -> Result<PercentileCurve, LoadError> {
            let p = dir.join(hgrm_file_name(&v.name, op));
            let c = parse_hgrm(&p, &read(&p)?)?;
            // A file cut at a line boundary still parses: its rows then stop short of the
            // footer's total, or the total differs from the summary's count.
            let last = c.points.last().map(|pt| pt.total_count).unwrap_or(0);
            if c.total_count != count || last != c.total_count {
                return Err(LoadError::corrupt(
                    &p,
                    0,
                    format!(
                        "truncated or stale: its rows reach {last} of the footer's {} values, \
                         and {SUMMARY_FILE} counts {count}",
                        c.total_count
                    ),
                ));
            }
            Ok(c)
        };
        latency.push(VariantLatency {
            put: curve("put", v.latency_ms.put.count)?,
            get: curve("get", v.latency_ms.get.count)?,
        });
    }
    // Each variant's time series covers every second (or step) from 0 to the end of the run.
    let step = timeseries_step;
    let end = (summary.simulated_seconds.ceil() as u64).div_ceil(step);
    for (v, rows) in summary.variants.iter().zip(&timeseries) {
        let contiguous = rows
            .iter()
            .enumerate()
            .all(|(i, r)| r.second == i as u64 * step);
        if !contiguous || (rows.len() as u64) < end {
            return Err(LoadError::corrupt(
                &ts_path,
                0,
                format!(
                    "truncated or out of order: variant '{}' has {} rows, seconds 0 to at least \
                     {} expected in order",
                    v.name,
                    rows.len(),
                    end.saturating_sub(1) * step
                ),
            ));
        }
    }

    let run_path = dir.join(RUN_FILE);
    let run = match read(&run_path) {
        Ok(text) => Some(parse_run(&run_path, &text)?),
        Err(LoadError::Missing { .. }) => None,
        Err(e) => return Err(e),
    };

    let sensitivity = load_sensitivity(dir, &summary)?;
    let names: Vec<&str> = summary.variants.iter().map(|v| v.name.as_str()).collect();
    let live = crate::report::live::load(dir, &names)?;

    Ok(LoadedRun {
        summary,
        timeseries,
        timeseries_step,
        latency,
        run,
        live,
        sensitivity,
    })
}

/// Reads `sensitivity.json` when the directory has one: its schema, and its variants must be
/// variants of `summary.json` (the analysis of this run, not of another scenario).
fn load_sensitivity(
    dir: &Path,
    summary: &SummaryFile,
) -> Result<Option<SensitivityResults>, LoadError> {
    let path = dir.join(sensitivity::FILE);
    let Some(text) = read_optional(&path)? else {
        return Ok(None);
    };
    crate::report::formats::check_numbers(&path, &text, plausible::sensitivity_quantity)?;
    let s: SensitivityResults = serde_json::from_str(&text).map_err(|e| {
        LoadError::corrupt(
            &path,
            e.line(),
            format!("not a bksim sensitivity file (column {}): {e}", e.column()),
        )
    })?;
    if s.schema != sensitivity::SCHEMA {
        return Err(LoadError::corrupt(
            &path,
            0,
            format!(
                "schema '{}': expected '{}'",
                crate::input::clip(&s.schema, 60),
                sensitivity::SCHEMA
            ),
        ));
    }
    s.check_contents()
        .map_err(|e| LoadError::corrupt(&path, 0, e))?;
    for v in &s.variants {
        if !summary.variants.iter().any(|x| x.name == v.name) {
            return Err(LoadError::corrupt(
                &path,
                0,
                format!(
                    "variant '{}' is not in {SUMMARY_FILE}",
                    crate::input::clip(&v.name, 60)
                ),
            ));
        }
    }
    Ok(Some(s))
}

/// Reads a file of a results directory through [`crate::input`]: a missing file is
/// [`LoadError::Missing`], a directory, device, oversized or non-UTF-8 file is corrupt.
fn read(path: &Path) -> Result<String, LoadError> {
    read_text(path, InputKind::Result).map_err(|e| match e {
        InputError::Io { error, .. } if error.kind() == io::ErrorKind::NotFound => {
            LoadError::Missing {
                path: path.to_path_buf(),
            }
        }
        InputError::Io { error, .. } => LoadError::Read {
            path: path.to_path_buf(),
            error,
        },
        other => LoadError::corrupt(path, other.line().unwrap_or(0), other.reason()),
    })
}

/// [`read`] of a file a results directory may lack: `None` when it is missing.
pub(super) fn read_optional(path: &Path) -> Result<Option<String>, LoadError> {
    match read(path) {
        Ok(text) => Ok(Some(text)),
        Err(LoadError::Missing { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::results::new_latency_histogram;
    use crate::report::formats::hgrm::hgrm;
    use crate::report::formats::run_facts::{MachineFacts, run_json};
    use crate::report::formats::timeseries::write_timeseries;
    use crate::report::write_atomic;

    /// Writes every file of a results directory with the formats' writers, then loads it:
    /// the loader gives back what was written.
    #[test]
    fn a_written_directory_loads_back() {
        let synthetic = crate::report::charts::tests::synthetic(&["a", "b-c"], 8, 100, true);
        let mut summary = synthetic.summary.clone();
        for v in &mut summary.variants {
            v.kms.by_operation.GenerateDataKey = v.kms.requests;
        }
        let dir = tempfile::tempdir().unwrap();
        let put = |name: &str, text: &str| write_atomic(&dir.path().join(name), text.as_bytes());
        put(SUMMARY_FILE, &summary.to_json()).unwrap();
        let names: Vec<&str> = summary.variants.iter().map(|v| v.name.as_str()).collect();
        let rows = synthetic.timeseries.iter().map(Vec::as_slice);
        put(
            TIMESERIES_FILE,
            &write_timeseries(1, names.iter().copied().zip(rows)),
        )
        .unwrap();
        let mut curves = Vec::new();
        for (i, v) in summary.variants.iter().enumerate() {
            let mut texts = Vec::new();
            for (op, count) in [
                ("put", v.latency_ms.put.count),
                ("get", v.latency_ms.get.count),
            ] {
                let mut h = new_latency_histogram();
                if count > 0 {
                    h.record_n(1_000 * (i as u64 + 1), count).unwrap();
                }
                let text = hgrm(&h);
                put(&hgrm_file_name(&v.name, op), &text).unwrap();
                texts.push(parse_hgrm(Path::new(op), &text).unwrap());
            }
            curves.push(VariantLatency {
                get: texts.pop().unwrap(),
                put: texts.pop().unwrap(),
            });
        }

        let loaded = load_results(dir.path()).unwrap();
        assert_eq!(loaded.summary, summary);
        assert_eq!(loaded.timeseries, synthetic.timeseries);
        assert_eq!(loaded.timeseries_step, 1);
        assert_eq!(loaded.latency, curves);
        assert_eq!(loaded.latency[1].put.max_ms, 2.0);
        assert_eq!(loaded.run, None);
        assert_eq!(loaded.sensitivity, None);

        let facts = RunFacts {
            bksim_version: summary.bksim_version.clone(),
            started_at: "2024-05-01T12:34:56.789Z".into(),
            wall_seconds: 0.5,
            machine: MachineFacts {
                hostname: "h".into(),
                os: "linux".into(),
                arch: "x86_64".into(),
                cpu_model: None,
                logical_cpus: 2,
            },
            threads: 2,
            events: 10,
            events_per_second: 20.0,
            simulated_requests: 4,
            simulated_requests_per_second: 8.0,
            variants: vec![],
            calibration_profile: None,
        };
        put(RUN_FILE, &run_json(&facts)).unwrap();
        assert_eq!(load_results(dir.path()).unwrap().run, Some(facts));
    }
}
