//! Reading a results directory back: `summary.json`, `timeseries.csv`, the
//! `latency-<variant>-<op>.hgrm` files and (optionally) `run.json`, as `bksim report` and the
//! report writer after `bksim run` need them.
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

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::input::{InputError, InputKind, read_text};
use crate::metrics::results::{SUMMARY_SCHEMA, SecondRow, VariantSummary};
use crate::report::plausible::{
    self, HGRM_COUNT, HGRM_VALUE, MAX_DRAIN_SECONDS, MAX_HGRM_ROWS, MAX_VARIANTS, Quantity, Seg,
};
use crate::report::timeseries_csv::{self, TIMESERIES_COLUMNS, step_of_column};
use crate::report::{RUN_FILE, SUMMARY_FILE, TIMESERIES_FILE, hgrm_file_name};

/// A results directory that could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: file not found (is this a `bksim run` results directory?)", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read {}: {error}", path.display())]
    Read { path: PathBuf, error: io::Error },
    /// The file is not what bksim writes there. `line` is 1-based; 0 when it does not apply.
    #[error("{}{}: {message}", path.display(), line_suffix(*line))]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

fn line_suffix(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(", line {line}")
    }
}

impl LoadError {
    /// The file that could not be read.
    pub fn path(&self) -> &Path {
        match self {
            LoadError::Missing { path }
            | LoadError::Read { path, .. }
            | LoadError::Corrupt { path, .. } => path,
        }
    }

    fn corrupt(path: &Path, line: usize, message: impl Into<String>) -> LoadError {
        LoadError::Corrupt {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

/// `summary.json` as written by [`crate::report::summary_json`].
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SummaryFile {
    pub schema: String,
    pub bksim_version: String,
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub simulated_seconds: f64,
    pub warmup_seconds: f64,
    /// The drain limit after `simulated_seconds` (absent, 0, in files from before it).
    #[serde(default)]
    pub drain_limit_seconds: f64,
    pub variants: Vec<VariantSummary>,
}

/// The wall-clock facts of `run.json` that the report shows.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RunInfo {
    pub bksim_version: String,
    pub started_at: String,
    pub wall_seconds: f64,
    pub threads: usize,
    pub events_per_second: f64,
    pub simulated_requests_per_second: f64,
    pub machine: MachineInfo,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct MachineInfo {
    pub hostname: String,
    pub os: String,
    pub arch: String,
    pub cpu_model: Option<String>,
    pub logical_cpus: usize,
}

/// One row of an HdrHistogram percentile distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentilePoint {
    /// Latency in milliseconds.
    pub value_ms: f64,
    /// 0 … 1.
    pub percentile: f64,
    pub total_count: u64,
}

/// A `.hgrm` file: its rows and footer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PercentileCurve {
    pub points: Vec<PercentilePoint>,
    pub total_count: u64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

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
    pub run: Option<RunInfo>,
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
        Ok(text) => {
            check_numbers(&run_path, &text, plausible::run_quantity)?;
            Some(parse_json::<RunInfo>(&run_path, &text)?)
        }
        Err(LoadError::Missing { .. }) => None,
        Err(e) => return Err(e),
    };

    Ok(LoadedRun {
        summary,
        timeseries,
        timeseries_step,
        latency,
        run,
    })
}

/// Every number of a JSON file must lie within the bound [`crate::report::plausible`] gives
/// its key: charts derive axes and ticks from them. The error names the line and key.
fn check_numbers(
    path: &Path,
    text: &str,
    quantity: fn(&[Seg<'_>]) -> Quantity,
) -> Result<(), LoadError> {
    plausible::scan_numbers(text, |keys, number, line| {
        quantity(keys).check_text(number).map(|_| ()).map_err(|e| {
            LoadError::corrupt(
                path,
                line,
                format!("implausible value: {} = {e}", plausible::path_text(keys)),
            )
        })
    })
}

/// The line of the number at key path `key` (as [`plausible::path_text`] writes it), 0 when
/// it is not there: for messages about values that disagree with each other.
fn line_of(text: &str, key: &str) -> usize {
    plausible::scan_numbers(text, |keys, _, line| {
        if plausible::path_text(keys) == key {
            Err(line)
        } else {
            Ok(())
        }
    })
    .err()
    .unwrap_or(0)
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

fn parse_json<T: for<'de> Deserialize<'de>>(path: &Path, text: &str) -> Result<T, LoadError> {
    serde_json::from_str(text).map_err(|e| {
        // serde_json's message ends with " at line L column C"; the line goes in our field.
        let msg = e.to_string();
        // It may quote a value from the file: at most 200 characters of it.
        let msg = match msg.rfind(" at line ") {
            Some(i) => format!("{} (column {})", truncate(&msg[..i], 200), e.column()),
            None => truncate(&msg, 200),
        };
        LoadError::corrupt(path, e.line(), format!("not a valid file: {msg}"))
    })
}

/// Parses `summary.json` text; `path` is for messages.
pub fn parse_summary(path: &Path, text: &str) -> Result<SummaryFile, LoadError> {
    // Check the schema first, so a summary of another version says so rather than naming the
    // first field that changed.
    #[derive(Deserialize)]
    struct Tag {
        schema: Option<String>,
    }
    let tag: Tag = parse_json(path, text)?;
    match tag.schema.as_deref() {
        Some(SUMMARY_SCHEMA) => {}
        Some(other) => {
            return Err(LoadError::corrupt(
                path,
                0,
                format!("schema is '{other}', this bksim reads '{SUMMARY_SCHEMA}'"),
            ));
        }
        None => {
            return Err(LoadError::corrupt(
                path,
                0,
                format!("no \"schema\" field (expected '{SUMMARY_SCHEMA}')"),
            ));
        }
    }
    check_numbers(path, text, plausible::summary_quantity)?;
    let s: SummaryFile = parse_json(path, text)?;
    check_summary(path, text, &s)?;
    Ok(s)
}

/// The checks of a parsed summary beyond each number's own bound: names, the number of
/// variants, and the counts that must agree with each other.
fn check_summary(path: &Path, text: &str, s: &SummaryFile) -> Result<(), LoadError> {
    let at = |key: &str, message: String| LoadError::corrupt(path, line_of(text, key), message);
    plausible::check_name(&s.scenario)
        .map_err(|e| LoadError::corrupt(path, 0, format!("scenario: {e}")))?;
    if s.variants.is_empty() {
        return Err(LoadError::corrupt(path, 0, "no variants"));
    }
    if s.variants.len() > MAX_VARIANTS {
        return Err(LoadError::corrupt(
            path,
            0,
            format!("{} variants, more than {MAX_VARIANTS}", s.variants.len()),
        ));
    }
    if s.warmup_seconds > s.simulated_seconds {
        return Err(at(
            "warmup_seconds",
            format!(
                "warmup_seconds {} is past simulated_seconds {}",
                s.warmup_seconds, s.simulated_seconds
            ),
        ));
    }
    for (i, v) in s.variants.iter().enumerate() {
        plausible::check_name(&v.name)
            .map_err(|e| LoadError::corrupt(path, 0, format!("variants[{i}].name: {e}")))?;
        if s.variants[..i].iter().any(|w| w.name == v.name) {
            return Err(LoadError::corrupt(
                path,
                0,
                format!("variant '{}' appears twice", v.name),
            ));
        }
        let key = |k: &str| format!("variants[{i}].{k}");
        for (op, counts, lat) in [
            ("put", &v.requests.put, &v.latency_ms.put),
            ("get", &v.requests.get, &v.latency_ms.get),
        ] {
            if lat.count != counts.completed {
                let k = key(&format!("latency_ms.{op}.count"));
                return Err(at(
                    &k,
                    format!(
                        "{k} = {} does not match requests.{op}.completed = {}",
                        lat.count, counts.completed
                    ),
                ));
            }
            if counts.no_object > counts.offered {
                let k = key(&format!("requests.{op}.no_object"));
                return Err(at(
                    &k,
                    format!(
                        "{k} = {} is more than offered ({})",
                        counts.no_object, counts.offered
                    ),
                ));
            }
            let order = [
                ("p50", lat.p50),
                ("p90", lat.p90),
                ("p99", lat.p99),
                ("p999", lat.p999),
                ("max", lat.max),
            ];
            for w in order.windows(2) {
                if w[1].1 < w[0].1 {
                    let k = key(&format!("latency_ms.{op}.{}", w[1].0));
                    return Err(at(
                        &k,
                        format!("{k} = {} is below {} = {}", w[1].1, w[0].0, w[0].1),
                    ));
                }
            }
        }
        let kms = &v.kms;
        let ops = kms.by_operation.GenerateDataKey + kms.by_operation.Decrypt;
        if kms.throttled > kms.requests || ops != kms.requests {
            let k = key("kms.requests");
            return Err(at(
                &k,
                format!(
                    "{k} = {} does not add up: {} throttled, GenerateDataKey + Decrypt = {ops}",
                    kms.requests, kms.throttled
                ),
            ));
        }
        if kms.background_throttled > kms.background_requests {
            let k = key("kms.background_throttled");
            return Err(at(
                &k,
                format!(
                    "{k} = {} is more than background_requests",
                    kms.background_throttled
                ),
            ));
        }
        let ct = &v.cloudtrail;
        let contexts = ct.object_arn_context + ct.bucket_arn_context + ct.client_context;
        if contexts != ct.kms_events {
            let k = key("cloudtrail.kms_events");
            return Err(at(
                &k,
                format!(
                    "{k} = {} does not add up: its contexts sum to {contexts}",
                    ct.kms_events
                ),
            ));
        }
    }
    Ok(())
}

/// Parses `timeseries.csv` text into its step (seconds per row, from the second column's
/// name) and rows per variant name; `path` is for messages. A
/// variant not in `variants`, a row past `last_second`, a count outside
/// [`plausible::timeseries_quantity`]'s bound or KMS columns that do not add up is an error naming the
/// line and column (so rows are at most `variants.len() × (last_second + 1)`).
pub fn parse_timeseries(
    path: &Path,
    text: &str,
    variants: &[&str],
    last_second: u64,
) -> Result<(u64, BTreeMap<String, Vec<SecondRow>>), LoadError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let header = TIMESERIES_COLUMNS.join(",");
    let step_of = |l: &str| {
        let cols: Vec<&str> = l.split(',').collect();
        let step = step_of_column(cols.get(1)?)?;
        (l == timeseries_csv::header(step)).then_some(step)
    };
    let step = match lines.next() {
        Some((_, l)) if step_of(l).is_some() => step_of(l).unwrap_or(1),
        Some((n, l)) => {
            return Err(LoadError::corrupt(
                path,
                n,
                format!("header is '{}', expected '{header}'", truncate(l, 80)),
            ));
        }
        None => return Err(LoadError::corrupt(path, 0, "empty file")),
    };
    let mut out: BTreeMap<String, Vec<SecondRow>> = BTreeMap::new();
    for (n, line) in lines {
        if line.is_empty() {
            continue;
        }
        let fields = split_csv(line).map_err(|m| LoadError::corrupt(path, n, m))?;
        if fields.len() != TIMESERIES_COLUMNS.len() {
            return Err(LoadError::corrupt(
                path,
                n,
                format!(
                    "{} fields, expected {}",
                    fields.len(),
                    TIMESERIES_COLUMNS.len()
                ),
            ));
        }
        let mut nums = [0u64; 15];
        for (i, f) in fields[1..].iter().enumerate() {
            let column = TIMESERIES_COLUMNS[i + 1];
            nums[i] = f.parse().map_err(|_| {
                LoadError::corrupt(
                    path,
                    n,
                    format!(
                        "column '{column}': '{}' is not a whole number",
                        truncate(f, 40)
                    ),
                )
            })?;
            let bound = if i == 0 {
                Quantity::Whole(last_second as f64)
            } else {
                plausible::timeseries_quantity(step)
            };
            bound.check(nums[i] as f64).map_err(|e| {
                LoadError::corrupt(
                    path,
                    n,
                    format!("implausible value: column '{column}' = {e}"),
                )
            })?;
        }
        let row = SecondRow {
            second: nums[0],
            put_offered: nums[1],
            put_completed: nums[2],
            put_failed: nums[3],
            get_offered: nums[4],
            get_completed: nums[5],
            get_failed: nums[6],
            kms_requests: nums[7],
            kms_throttled: nums[8],
            generate_data_key: nums[9],
            decrypt: nums[10],
            background_requests: nums[11],
            slowdown_kms: nums[12],
            slowdown_prefix: nums[13],
            in_flight: nums[14],
        };
        if row.kms_throttled > row.kms_requests
            || row.generate_data_key + row.decrypt != row.kms_requests
        {
            return Err(LoadError::corrupt(
                path,
                n,
                format!(
                    "column 'kms_requests' = {} does not add up: {} throttled, \
                     generate_data_key + decrypt = {}",
                    row.kms_requests,
                    row.kms_throttled,
                    row.generate_data_key + row.decrypt
                ),
            ));
        }
        if !variants.contains(&fields[0].as_str()) {
            return Err(LoadError::corrupt(
                path,
                n,
                format!(
                    "column 'variant': '{}' is not a variant of {SUMMARY_FILE}",
                    crate::input::escape_controls(&truncate(&fields[0], 60))
                ),
            ));
        }
        let rows = out.entry(fields[0].clone()).or_default();
        if let Some(last) = rows.last()
            && row.second <= last.second
        {
            return Err(LoadError::corrupt(
                path,
                n,
                format!(
                    "second {} of variant '{}' follows second {}",
                    row.second, fields[0], last.second
                ),
            ));
        }
        rows.push(row);
    }
    Ok((step, out))
}

/// Splits one RFC 4180 line (no embedded line breaks: bksim never writes them).
fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut at_start = true;
    loop {
        if at_start && chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        cur.push('"');
                    }
                    Some('"') => break,
                    Some(c) => cur.push(c),
                    None => return Err("unterminated quoted field".into()),
                }
            }
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut cur));
                    return Ok(fields);
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut cur));
                    at_start = true;
                    continue;
                }
                Some(c) => return Err(format!("'{c}' after a closing quote")),
            }
        }
        at_start = false;
        match chars.next() {
            None => {
                fields.push(cur);
                return Ok(fields);
            }
            Some(',') => {
                fields.push(std::mem::take(&mut cur));
                at_start = true;
            }
            Some(c) => cur.push(c),
        }
    }
}

/// Parses the text of a `.hgrm` file (HdrHistogram's percentile output, values in ms).
pub fn parse_hgrm(path: &Path, text: &str) -> Result<PercentileCurve, LoadError> {
    let mut curve = PercentileCurve::default();
    let mut saw_header = false;
    let (mut saw_max, mut saw_mean) = (false, false);
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if !saw_header {
            if t.split_whitespace().collect::<Vec<_>>()
                == ["Value", "Percentile", "TotalCount", "1/(1-Percentile)"]
            {
                saw_header = true;
                continue;
            }
            return Err(LoadError::corrupt(
                path,
                n,
                "expected the HdrHistogram header 'Value Percentile TotalCount 1/(1-Percentile)'",
            ));
        }
        if let Some(footer) = t.strip_prefix("#[") {
            // `#[Mean    =       67.608, StdDeviation   =      161.346]`
            for pair in footer.trim_end_matches(']').split(',') {
                let Some((k, v)) = pair.split_once('=') else {
                    return Err(LoadError::corrupt(path, n, "malformed footer"));
                };
                let (k, v) = (k.trim(), v.trim());
                let num = |q: Quantity| -> Result<f64, LoadError> {
                    q.check_text(v).map_err(|e| {
                        LoadError::corrupt(path, n, format!("footer {}: {e}", truncate(k, 30)))
                    })
                };
                match k {
                    "Mean" => {
                        curve.mean_ms = num(HGRM_VALUE)?;
                        saw_mean = true;
                    }
                    "StdDeviation" => {
                        num(HGRM_VALUE)?;
                    }
                    "Max" => {
                        curve.max_ms = num(HGRM_VALUE)?;
                        saw_max = true;
                    }
                    "Total count" => curve.total_count = num(HGRM_COUNT)? as u64,
                    _ => {}
                }
            }
            continue;
        }
        if saw_max || saw_mean {
            return Err(LoadError::corrupt(path, n, "data after the footer"));
        }
        let f: Vec<&str> = t.split_whitespace().collect();
        if f.len() != 3 && f.len() != 4 {
            return Err(LoadError::corrupt(
                path,
                n,
                format!("{} columns, expected 3 or 4", f.len()),
            ));
        }
        let bad = |what: &str, s: &str| {
            LoadError::corrupt(
                path,
                n,
                format!("{what} '{}' is not a number", truncate(s, 30)),
            )
        };
        let value_ms: f64 = f[0].parse().map_err(|_| bad("value", f[0]))?;
        let percentile: f64 = f[1].parse().map_err(|_| bad("percentile", f[1]))?;
        let total_count: u64 = f[2].parse().map_err(|_| bad("count", f[2]))?;
        for (column, q, x) in [
            ("Value", HGRM_VALUE, value_ms),
            ("Percentile", Quantity::Fraction, percentile),
            ("TotalCount", HGRM_COUNT, total_count as f64),
        ] {
            q.check(x).map_err(|e| {
                LoadError::corrupt(path, n, format!("implausible value: column {column} = {e}"))
            })?;
        }
        if let Some(last) = curve.points.last() {
            if percentile < last.percentile {
                return Err(LoadError::corrupt(path, n, "percentiles out of order"));
            }
            if value_ms < last.value_ms || total_count < last.total_count {
                return Err(LoadError::corrupt(
                    path,
                    n,
                    "values or counts decrease from the row before",
                ));
            }
        }
        if curve.points.len() >= MAX_HGRM_ROWS {
            return Err(LoadError::corrupt(
                path,
                n,
                format!("more than {MAX_HGRM_ROWS} rows"),
            ));
        }
        curve.points.push(PercentilePoint {
            value_ms,
            percentile,
            total_count,
        });
    }
    if !saw_header {
        return Err(LoadError::corrupt(path, 0, "empty file"));
    }
    if !(saw_max && saw_mean) {
        return Err(LoadError::corrupt(
            path,
            0,
            "truncated: no '#[Mean' / '#[Max' footer",
        ));
    }
    Ok(curve)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HGRM: &str = "       Value     Percentile TotalCount 1/(1-Percentile)

       1.000 0.000000000000          1           1.00
       2.000 0.500000000000          2           2.00
       4.000 1.000000000000          4
#[Mean    =        2.250, StdDeviation   =        1.090]
#[Max     =        4.000, Total count    =            4]
#[Buckets =           27, SubBuckets     =         2048]
";

    #[test]
    fn hgrm_rows_and_footer() {
        let c = parse_hgrm(Path::new("x.hgrm"), HGRM).unwrap();
        assert_eq!(c.points.len(), 3);
        assert_eq!(c.points[1].value_ms, 2.0);
        assert_eq!(c.points[1].percentile, 0.5);
        assert_eq!(c.total_count, 4);
        assert_eq!(c.max_ms, 4.0);
        assert_eq!(c.mean_ms, 2.25);
    }

    #[test]
    fn hgrm_errors_name_file_and_line() {
        let p = Path::new("dir/latency-a-put.hgrm");
        let e = parse_hgrm(p, &HGRM.replace("0.500000000000", "zero")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dir/latency-a-put.hgrm, line 4: percentile 'zero' is not a number"
        );
        let cut: String = HGRM.lines().take(4).collect::<Vec<_>>().join("\n");
        let e = parse_hgrm(p, &cut).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        assert!(parse_hgrm(p, "").unwrap_err().to_string().contains("empty"));
        let e = parse_hgrm(p, "hello\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn csv_fields() {
        assert_eq!(split_csv("a,1,2").unwrap(), ["a", "1", "2"]);
        assert_eq!(split_csv("\"a,b\",1").unwrap(), ["a,b", "1"]);
        assert_eq!(
            split_csv("\"say \"\"hi\"\"\",1").unwrap(),
            ["say \"hi\"", "1"]
        );
        assert_eq!(split_csv("x,").unwrap(), ["x", ""]);
        assert!(split_csv("\"open,1").is_err());
    }

    #[test]
    fn timeseries_errors_name_file_and_line() {
        let p = Path::new("timeseries.csv");
        let header = TIMESERIES_COLUMNS.join(",");
        let row = "v,0,1,1,0,0,0,0,1,0,1,0,0,0,0,0";
        let (step, ok) = parse_timeseries(p, &format!("{header}\n{row}\n"), &["v"], 100).unwrap();
        assert_eq!((step, ok["v"].len()), (1, 1));
        let coarse = timeseries_csv::header(60);
        let row60 = "v,60,1,1,0,0,0,0,1,0,1,0,0,0,0,0";
        let (step, ok) =
            parse_timeseries(p, &format!("{coarse}\n{row}\n{row60}\n"), &["v"], 100).unwrap();
        assert_eq!((step, ok["v"][1].second), (60, 60));
        let e = parse_timeseries(p, &format!("{header}\n{row}\nv,1,2\n"), &["v"], 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "timeseries.csv, line 3: 3 fields, expected 16"
        );
        let e = parse_timeseries(p, &format!("{header}\n{row}\n{row}\n"), &["v"], 100).unwrap_err();
        assert!(e.to_string().contains("line 3: second 0"), "{e}");
        let e = parse_timeseries(p, "a,b\n", &["v"], 100).unwrap_err();
        assert!(e.to_string().contains("line 1: header"), "{e}");
        let e = parse_timeseries(
            p,
            &format!("{header}\n{}", row.replace(",1,0,1,", ",x,0,1,")),
            &["v"],
            100,
        )
        .unwrap_err();
        assert!(e.to_string().contains("'x' is not a whole number"), "{e}");
        // Rows of an unknown variant, past the last second, or with KMS columns that do not
        // add up, are refused at their line.
        let e = parse_timeseries(
            p,
            &format!("{header}\n{row}\nw,0,1,1,0,0,0,0,1,0,1,0,0,0,0,0\n"),
            &["v"],
            100,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("timeseries.csv, line 3: column 'variant': 'w' is not a variant"),
            "{e}"
        );
        let e = parse_timeseries(
            p,
            &format!("{header}\n{}", row.replacen(",0,", ",101,", 1)),
            &["v"],
            100,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: implausible value: column 'second' = 101"),
            "{e}"
        );
        let e = parse_timeseries(
            p,
            &format!("{header}\n{}", row.replace(",1,0,1,0,", ",1,2,1,0,")),
            &["v"],
            100,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: column 'kms_requests' = 1 does not add up"),
            "{e}"
        );
    }

    #[test]
    fn hgrm_values_are_bounded_and_monotone() {
        let p = Path::new("x.hgrm");
        let e = parse_hgrm(p, &HGRM.replace("       2.000 0.5", "       1e308 0.5")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.hgrm, line 4: implausible value: column Value = 1e308"),
            "{e}"
        );
        let e = parse_hgrm(p, &HGRM.replace("       2.000 0.5", "      -2.000 0.5")).unwrap_err();
        assert!(e.to_string().contains("line 4: implausible value"), "{e}");
        let e = parse_hgrm(p, &HGRM.replace("       2.000 0.5", "       0.500 0.5")).unwrap_err();
        assert!(
            e.to_string().contains("line 4: values or counts decrease"),
            "{e}"
        );
        let e = parse_hgrm(
            p,
            &HGRM.replace("          2           2.00", "  18446744073709551615 2.00"),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("line 4: implausible value: column TotalCount"),
            "{e}"
        );
        let e = parse_hgrm(p, &HGRM.replace("=            4]", "= 1e19]")).unwrap_err();
        assert!(e.to_string().contains("line 7: footer Total count"), "{e}");
        let e = parse_hgrm(p, &HGRM.replace("Mean    =        2.250", "Mean = NaN")).unwrap_err();
        assert!(e.to_string().contains("line 6: footer Mean"), "{e}");
        let many: String = (0..=MAX_HGRM_ROWS).map(|_| "1.000 0.5 1 2.00\n").collect();
        let e = parse_hgrm(
            p,
            &format!("Value Percentile TotalCount 1/(1-Percentile)\n{many}"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("more than 100000 rows"), "{e}");
    }

    #[test]
    fn summary_schema_and_syntax_errors() {
        let p = Path::new("summary.json");
        let e = parse_summary(p, "{\"schema\": \"bksim.summary.v9\"}").unwrap_err();
        assert!(e.to_string().contains("bksim.summary.v9"), "{e}");
        let e = parse_summary(p, "{\n\"schema\": \"bksim.summary.v1\",\n}").unwrap_err();
        assert!(e.to_string().starts_with("summary.json, line 3: "), "{e}");
        let e = parse_summary(p, "{\"schema\": \"bksim.summary.v1\"}").unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
    }
}
