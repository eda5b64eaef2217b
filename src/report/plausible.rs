//! Plausibility bounds for what bksim reads back from files it wrote (a results directory, the
//! shard files of a sweep or a sensitivity analysis), in one place: the bounds themselves,
//! which bound applies to which key or column of each format ([`summary_quantity`],
//! [`run_quantity`], [`timeseries_quantity`], [`HGRM_VALUE`] / [`HGRM_COUNT`],
//! [`shard_quantity`], [`sensitivity_quantity`], [`live_quantity`]), the checks of names that
//! become file names ([`check_name`]) and of free texts ([`check_free_text`]), the longest
//! string ([`overlong_string`]), and a scanner that visits every number of a JSON text with
//! its key path and line ([`scan_numbers`]).
//!
//! Charts size axes, ticks and panels from these values and the report and `merge` allocate
//! from counts in them, so a value no run can produce (`1e308`, `-1`, `u64::MAX`, `NaN`)
//! must be refused, with the file, line and key, before anything uses it. The bounds are far
//! above anything a simulation produces and far below what breaks arithmetic:
//!
//! | quantity          | bound                                              |
//! |-------------------|----------------------------------------------------|
//! | latency           | 0 … 10 days in ms ([`MAX_LATENCY_MS`])              |
//! | counter           | whole, 0 … 2^53 ([`MAX_COUNT`])                     |
//! | cost              | 0 … 10^15 USD ([`MAX_COST_USD`])                    |
//! | rate              | 0 … 10^9 per second ([`MAX_RATE_PER_SECOND`])       |
//! | per-day figure    | 0 … 10^9 × 86 400 ([`MAX_PER_DAY`])                 |
//! | fraction          | 0 … 1                                              |
//! | simulated seconds | 0 … 366 days ([`MAX_SIMULATED_SECONDS`])           |
//! | replay speed      | what a scenario accepts ([`MIN_SPEED`] … [`MAX_SPEED`]) |
//! | swept number      | −10^15 … 10^15 ([`MAX_PARAM_VALUE`])                |
//! | names             | `[A-Za-z0-9_-]+`, at most [`MAX_NAME_LEN`] bytes    |
//!
//! Sizes that drive loops and allocations are bounded too: time-series rows end at most
//! [`MAX_DRAIN_SECONDS`] after the simulated time, a `.hgrm` file has at most
//! [`MAX_HGRM_ROWS`] rows, a file at most [`MAX_VARIANTS`] variants; grids have at most
//! [`MAX_POINTS`] points (and `sweep::grid::MAX_PARAMS` parameters), sweeps at most
//! [`MAX_SHARDS`] shards (the sweep module takes both bounds from here).

use crate::input::number_text as show;
use crate::scenario::{MAX_SPEED, MIN_SPEED};

/// Largest grid bksim will run: a typo like `1..1e9:1` must not start a billion runs.
pub const MAX_POINTS: usize = 100_000;
/// Most shards a sweep may be split into (`--shard I/N` with N at most this): more shards than
/// that would be shards of a handful of runs each, and `bksim merge` sizes its bookkeeping
/// from N.
pub const MAX_SHARDS: usize = 10_000;

/// Longest latency a file may hold: 10 days, in milliseconds (histograms stop at one day).
pub const MAX_LATENCY_MS: f64 = 10.0 * 86_400_000.0;
/// Largest counter: 2^53, the largest whole number every f64 holds exactly.
pub const MAX_COUNT: f64 = 9_007_199_254_740_992.0;
/// Largest cost in USD (per run or per month).
/// (Prices are at most 1,000 USD: a month at 10^8 requests per second then costs 2.6 × 10^13.)
pub const MAX_COST_USD: f64 = 1e15;
/// Largest rate, in requests (or events) per second; also bounds one second's counts.
pub const MAX_RATE_PER_SECOND: f64 = 1e9;
/// Largest per-day figure (CloudTrail events per day): the largest rate for a day.
pub const MAX_PER_DAY: f64 = MAX_RATE_PER_SECOND * 86_400.0;
/// Longest simulated time: 7 days, the longest run a scenario may ask for.
pub const MAX_SIMULATED_SECONDS: f64 = (crate::scenario::MAX_RUN / 1_000_000_000) as f64;
/// How long after the simulated time the time series may go on while requests in flight
/// finish: one day, the longest latency a histogram records.
pub const MAX_DRAIN_SECONDS: u64 = 86_400;
/// Most rows of a `.hgrm` file (bksim writes a few hundred).
pub const MAX_HGRM_ROWS: usize = 100_000;
/// Most variants in a summary or a sweep.
pub const MAX_VARIANTS: usize = 1_000;
/// Longest name (scenario, variant) read from a file: the scenarios' own limit.
pub use crate::scenario::MAX_NAME_LEN;
/// Largest magnitude of a swept parameter's numeric value.
pub const MAX_PARAM_VALUE: f64 = 1e15;
/// Longest text of a swept value or a parameter path, in bytes.
pub const MAX_PARAM_TEXT: usize = 1_000;

/// What a number in a file is, and so the range it must lie in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// A whole number of things, 0 … [`MAX_COUNT`].
    Count,
    /// A whole number 0 … `max` (indexes, shard counts).
    Whole(f64),
    /// A latency in milliseconds, 0 … [`MAX_LATENCY_MS`].
    LatencyMs,
    /// US dollars, 0 … [`MAX_COST_USD`].
    CostUsd,
    /// Per second, 0 … [`MAX_RATE_PER_SECOND`].
    RatePerSecond,
    /// Per day, 0 … [`MAX_PER_DAY`].
    PerDay,
    /// 0 … 1.
    Fraction,
    /// Simulated seconds, 0 … [`MAX_SIMULATED_SECONDS`].
    Seconds,
    /// A log's replay speed, [`MIN_SPEED`] … [`MAX_SPEED`] (not a whole number: `0.5`).
    Speed,
    /// Any other non-negative amount (CPU seconds, load), 0 … [`MAX_COUNT`].
    Amount,
    /// A swept parameter's number, −[`MAX_PARAM_VALUE`] … [`MAX_PARAM_VALUE`].
    ParamValue,
    /// Not a quantity (a seed): any number JSON can hold.
    Identifier,
}

impl Quantity {
    /// Checks `x`; the error says what the range is (for a message after the key).
    pub fn check(self, x: f64) -> Result<(), String> {
        let (lo, hi, whole, what) = match self {
            Quantity::Count => (0.0, MAX_COUNT, true, "a count"),
            Quantity::Whole(max) => (0.0, max, true, "a whole number"),
            Quantity::LatencyMs => (0.0, MAX_LATENCY_MS, false, "a latency in ms"),
            Quantity::CostUsd => (0.0, MAX_COST_USD, false, "a cost in USD"),
            Quantity::RatePerSecond => (0.0, MAX_RATE_PER_SECOND, false, "a rate per second"),
            Quantity::PerDay => (0.0, MAX_PER_DAY, false, "a figure per day"),
            Quantity::Fraction => (0.0, 1.0, false, "a fraction"),
            Quantity::Seconds => (0.0, MAX_SIMULATED_SECONDS, false, "simulated seconds"),
            Quantity::Speed => (MIN_SPEED, MAX_SPEED, false, "a replay speed"),
            Quantity::Amount => (0.0, MAX_COUNT, false, "an amount"),
            Quantity::ParamValue => (-MAX_PARAM_VALUE, MAX_PARAM_VALUE, false, "a swept value"),
            Quantity::Identifier => return Ok(()),
        };
        if !x.is_finite() || x < lo || x > hi {
            return Err(format!(
                "{}, outside {} to {} for {what}",
                show(x),
                show(lo),
                show(hi)
            ));
        }
        if whole && x.fract() != 0.0 {
            return Err(format!("{} is not a whole number ({what})", show(x)));
        }
        Ok(())
    }

    /// Checks the text of a number as it stands in a file (`1e400` and `NaN` are refused).
    pub fn check_text(self, text: &str) -> Result<f64, String> {
        let shown = crate::input::clip(text, 40);
        let x: f64 = text
            .parse()
            .map_err(|_| format!("'{shown}' is not a number"))?;
        if self == Quantity::Identifier {
            return Ok(x);
        }
        self.check(x).map_err(|e| {
            if x.is_finite() {
                e
            } else {
                format!("'{shown}' is not a finite number")
            }
        })?;
        Ok(x)
    }
}

/// Each number in `summary.json`, by its key path.
pub fn summary_quantity(path: &[Seg<'_>]) -> Quantity {
    let key = last_key(path);
    let parent = parent_key(path);
    match key {
        "seed" => Quantity::Identifier,
        "line" if in_key(path, "expectations") => Quantity::Count,
        // Measured values and tolerances: what `[[expect]]` accepts.
        _ if in_key(path, "expectations") => Quantity::ParamValue,
        "simulated_seconds" | "warmup_seconds" => Quantity::Seconds,
        "count" if parent == "put" || parent == "get" => Quantity::Count,
        "speed" if in_key(path, "traces") => Quantity::Speed,
        _ if in_key(path, "latency_ms") => Quantity::LatencyMs,
        "max_lag_ms" => Quantity::LatencyMs,
        "cost_usd" | "cost_usd_per_month" | "key_cost_usd_per_month" => Quantity::CostUsd,
        "quota_rps" | "peak_rps" => Quantity::RatePerSecond,
        "kms_events_per_day" => Quantity::PerDay,
        "client_cpu_seconds" | "client_cpu_load" => Quantity::Amount,
        _ => Quantity::Count,
    }
}

/// Each number in `run.json` (wall-clock facts), by its key path: measured speeds and times
/// are amounts (a very short run can have a very high rate), the rest counts.
pub fn run_quantity(path: &[Seg<'_>]) -> Quantity {
    let key = last_key(path);
    if key.ends_with("_per_second") || key.ends_with("wall_seconds") {
        Quantity::Amount
    } else {
        Quantity::Count
    }
}

/// Every column of `timeseries.csv` after `variant` and the time is a count within one row,
/// which covers `step` seconds: at most [`MAX_RATE_PER_SECOND`] per second.
pub fn timeseries_quantity(step: u64) -> Quantity {
    Quantity::Whole(MAX_RATE_PER_SECOND * step as f64)
}
/// The values (and footer mean, deviation, max) of a `.hgrm` file.
pub const HGRM_VALUE: Quantity = Quantity::LatencyMs;
/// The counts (rows and footer total) of a `.hgrm` file.
pub const HGRM_COUNT: Quantity = Quantity::Count;

/// Each number in a shard file, by its key path.
pub fn shard_quantity(path: &[Seg<'_>]) -> Quantity {
    let key = last_key(path);
    match key {
        "seed" => Quantity::Identifier,
        "shard" | "shards" if path.len() == 1 => Quantity::Whole(MAX_SHARDS as f64),
        "point" => Quantity::Whole(MAX_POINTS as f64),
        "number" if in_key(path, "values") => Quantity::ParamValue,
        "simulated_seconds" => Quantity::Seconds,
        "cost_usd_per_month" => Quantity::CostUsd,
        "cloudtrail_events_per_day" => Quantity::PerDay,
        // Throttled calls are calls; failures and prefix SlowDowns are counted by when the
        // request was sent, offered requests by when they arrived, so in a pathological run
        // those two ratios may pass 1 (merge checks them against their counts).
        "throttle_rate" => Quantity::Fraction,
        "failed_rate" | "prefix_throttle_rate" => Quantity::Amount,
        _ if key.ends_with("_ms") => Quantity::LatencyMs,
        _ if key.ends_with("_rps") => Quantity::RatePerSecond,
        _ => Quantity::Count,
    }
}

/// Each number in `sensitivity.json` or a sensitivity shard file, by its key path: a metric
/// by what it measures ([`crate::report::sensitivity::metrics::NAMES`]; the file's check
/// refuses other metric names), a shard index or count, the seed.
pub fn sensitivity_quantity(path: &[Seg<'_>]) -> Quantity {
    let key = last_key(path);
    match key {
        "seed" => Quantity::Identifier,
        "shard" | "shards" if path.len() == 1 => Quantity::Whole(MAX_SHARDS as f64),
        "kms_requests_per_s" => Quantity::RatePerSecond,
        "kms_cost_per_month_usd" => Quantity::CostUsd,
        _ if key.ends_with("_fraction") || key.starts_with("failed_fraction.") => {
            Quantity::Fraction
        }
        _ if key.starts_with("p99_ms.") => Quantity::LatencyMs,
        // The peak second over the quota, and anything else.
        _ => Quantity::Amount,
    }
}

/// Each number in `live.json`, by its key path: the compared figures are counts, shares in
/// percent or latencies (amounts); their difference is signed; the harness's times are
/// seconds; the rest counts.
pub fn live_quantity(path: &[Seg<'_>]) -> Quantity {
    // An array's elements (`simulated_range`, the lag percentiles) go by the array's key.
    let key = nearest_key(path);
    match key {
        "difference" => Quantity::ParamValue,
        "live" | "simulated" | "simulated_range" | "scale" | "worker_busy" => Quantity::Amount,
        "us_per_object" | "objects_per_s" | "gb_per_s" => Quantity::Amount,
        _ if key.ends_with("seconds") => Quantity::Seconds,
        _ => Quantity::Count,
    }
}

/// The variant names of a file read back: at most [`MAX_VARIANTS`], each a name
/// ([`check_name`]). The error names the key.
pub fn check_variant_names<'a>(
    names: impl ExactSizeIterator<Item = &'a str>,
) -> Result<(), String> {
    if names.len() > MAX_VARIANTS {
        return Err(format!(
            "variants: {} of them, more than {MAX_VARIANTS}",
            names.len()
        ));
    }
    for (i, name) in names.enumerate() {
        check_name(name).map_err(|e| format!("variants[{i}].name: {e}"))?;
    }
    Ok(())
}

/// Checks a free text read from a file (a label, a reason, a CPU model): at most
/// [`MAX_PARAM_TEXT`] bytes and no control characters, which a report would print raw.
pub fn check_free_text(text: &str) -> Result<(), String> {
    if text.len() > MAX_PARAM_TEXT {
        return Err(format!(
            "a text of {} bytes, more than the {MAX_PARAM_TEXT} bksim writes",
            text.len()
        ));
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "'{}' holds the control character U+{:04X}",
            crate::input::escape_controls(&crate::input::clip(text, 60)),
            c as u32
        ));
    }
    Ok(())
}

/// Checks a name read from a file (scenario, variant): the scenarios' own rule
/// ([`crate::scenario::is_valid_name`]) and at most [`MAX_NAME_LEN`] bytes, so that it can
/// never name a path outside the directory it is joined to.
pub fn check_name(name: &str) -> Result<(), String> {
    match crate::scenario::name_problem(name) {
        None => Ok(()),
        Some(problem) => Err(crate::input::escape_controls(&problem)),
    }
}

/// One step of a key path in a JSON document: an object key (as written, escapes and all) or
/// an array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// A key path as text: `variants[0].kms.cost_usd_per_month`.
pub fn path_text(path: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(&crate::input::escape_controls(&crate::input::clip(k, 60)));
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn last_key<'a>(path: &[Seg<'a>]) -> &'a str {
    match path.last() {
        Some(Seg::Key(k)) => k,
        _ => "",
    }
}

/// The last key of the path, past any array indexes after it.
fn nearest_key<'a>(path: &[Seg<'a>]) -> &'a str {
    path.iter()
        .rev()
        .find_map(|s| match s {
            Seg::Key(k) => Some(*k),
            Seg::Index(_) => None,
        })
        .unwrap_or("")
}

fn parent_key<'a>(path: &[Seg<'a>]) -> &'a str {
    path.iter()
        .rev()
        .skip(1)
        .find_map(|s| match s {
            Seg::Key(k) => Some(*k),
            Seg::Index(_) => None,
        })
        .unwrap_or("")
}

fn in_key(path: &[Seg<'_>], key: &str) -> bool {
    path.contains(&Seg::Key(key))
}

/// Longest string a file bksim reads back may hold, in bytes (escapes counted as written):
/// its texts come from a scenario file (at most 4 MiB) or are bksim's own. A report copies a
/// text several times; a string of hundreds of MiB in a 1 GiB file must not get that far.
pub const MAX_STRING_BYTES: usize = crate::input::InputKind::Scenario.limit() as usize;

/// The first string of a JSON text longer than [`MAX_STRING_BYTES`]: its line and length.
pub fn overlong_string(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let (mut i, mut line) = (0usize, 1usize);
    while i < b.len() {
        match b[i] {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let len = j.min(b.len()) - start;
                if len > MAX_STRING_BYTES {
                    return Some((line, len));
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Deepest nesting [`scan_numbers`] follows: serde_json's own recursion limit.
const MAX_DEPTH: usize = 128;

/// Visits every number of a JSON text, in order: its key path, its text and its 1-based line.
/// The scan stops, without error, where the text stops being JSON or nests deeper than
/// serde_json reads: that error is for the JSON parser to report. `visit`'s first error ends
/// the scan and is returned.
pub fn scan_numbers<'a, E>(
    text: &'a str,
    mut visit: impl FnMut(&[Seg<'a>], &'a str, usize) -> Result<(), E>,
) -> Result<(), E> {
    struct Frame<'a> {
        object: bool,
        expect_key: bool,
        seg: Option<Seg<'a>>,
    }
    let b = text.as_bytes();
    let (mut i, mut line) = (0usize, 1usize);
    let mut frames: Vec<Frame<'a>> = Vec::new();
    let mut path: Vec<Seg<'a>> = Vec::new();
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'{' | b'[' if frames.len() >= MAX_DEPTH => return Ok(()),
            b'{' => {
                frames.push(Frame {
                    object: true,
                    expect_key: true,
                    seg: None,
                });
                i += 1;
            }
            b'[' => {
                frames.push(Frame {
                    object: false,
                    expect_key: false,
                    seg: Some(Seg::Index(0)),
                });
                i += 1;
            }
            b'}' | b']' => {
                frames.pop();
                i += 1;
            }
            b',' => {
                if let Some(f) = frames.last_mut() {
                    if f.object {
                        f.expect_key = true;
                        f.seg = None;
                    } else if let Some(Seg::Index(n)) = f.seg {
                        f.seg = Some(Seg::Index(n + 1));
                    }
                }
                i += 1;
            }
            b':' => {
                if let Some(f) = frames.last_mut() {
                    f.expect_key = false;
                }
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                if j >= b.len() {
                    return Ok(());
                }
                if let Some(f) = frames.last_mut()
                    && f.object
                    && f.expect_key
                {
                    // Quotes and backslashes are ASCII: start..j are char boundaries.
                    f.seg = Some(Seg::Key(&text[start..j]));
                }
                i = j + 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < b.len() && matches!(b[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                path.clear();
                path.extend(frames.iter().filter_map(|f| f.seg));
                visit(&path, &text[start..i], line)?;
            }
            b'a'..=b'z' | b'A'..=b'Z' => {
                // true, false, null (and, for robustness, NaN or Infinity, which JSON has not).
                let start = i;
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                let word = &text[start..i];
                if word != "true" && word != "false" && word != "null" {
                    path.clear();
                    path.extend(frames.iter().filter_map(|f| f.seg));
                    visit(&path, word, line)?;
                }
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str) -> Vec<(String, String, usize)> {
        let mut v = Vec::new();
        scan_numbers::<()>(text, |p, t, l| {
            v.push((path_text(p), t.to_string(), l));
            Ok(())
        })
        .unwrap();
        v
    }

    #[test]
    fn scanner_gives_paths_and_lines() {
        let text = "{\n \"a\": 1,\n \"b\": {\"c\": [2, {\"d\": -3e5}], \"e\": true},\n \"f\": \"x,1\", \"g\": 4.5\n}";
        assert_eq!(
            numbers(text),
            [
                ("a".to_string(), "1".to_string(), 2),
                ("b.c[0]".into(), "2".into(), 3),
                ("b.c[1].d".into(), "-3e5".into(), 3),
                ("g".into(), "4.5".into(), 4),
            ]
        );
        // Stops quietly where the JSON ends being JSON.
        assert_eq!(numbers("{\"a\": 1, \"b\": ?? 2}").len(), 1);
        assert_eq!(numbers("{\"a\": \"unterminated").len(), 0);
        assert_eq!(numbers("[NaN]")[0].1, "NaN");
        // Nesting past serde_json's limit is left to serde_json (which refuses it).
        let deep = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(numbers(&deep).len(), 1);
        let deeper = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        assert!(numbers(&deeper).is_empty());
    }

    #[test]
    fn bounds_refuse_what_no_run_produces() {
        assert!(Quantity::LatencyMs.check(123.5).is_ok());
        assert!(Quantity::LatencyMs.check(1e308).is_err());
        assert!(Quantity::LatencyMs.check(-1.0).is_err());
        assert!(Quantity::LatencyMs.check(f64::NAN).is_err());
        assert!(Quantity::Count.check(2.5).is_err());
        assert!(Quantity::Speed.check(0.5).is_ok());
        assert!(Quantity::Speed.check(MIN_SPEED).is_ok());
        assert!(Quantity::Speed.check(1e-300).is_err());
        assert!(Quantity::Speed.check(0.0).is_err());
        assert!(Quantity::Speed.check(MAX_SPEED * 2.0).is_err());
        assert!(Quantity::Count.check(u64::MAX as f64).is_err());
        assert!(Quantity::Count.check(MAX_COUNT).is_ok());
        assert!(Quantity::CostUsd.check(1e15).is_ok());
        assert!(Quantity::CostUsd.check(1.1e15).is_err());
        assert!(Quantity::Fraction.check(1.5).is_err());
        assert!(Quantity::ParamValue.check(-5.0).is_ok());
        assert!(Quantity::Whole(10_000.0).check(1e9).is_err());
        assert!(Quantity::Count.check_text("1e400").is_err());
        assert!(
            Quantity::Identifier
                .check_text("18446744073709551615")
                .is_ok()
        );
    }

    #[test]
    fn each_key_has_its_bound() {
        let p = |keys: &[&'static str]| -> Vec<Seg<'static>> {
            keys.iter().map(|k| Seg::Key(k)).collect()
        };
        assert_eq!(
            summary_quantity(&p(&["variants", "latency_ms", "put", "p99"])),
            Quantity::LatencyMs
        );
        assert_eq!(
            summary_quantity(&p(&["variants", "latency_ms", "put", "count"])),
            Quantity::Count
        );
        assert_eq!(
            summary_quantity(&p(&["variants", "kms", "cost_usd_per_month"])),
            Quantity::CostUsd
        );
        assert_eq!(
            shard_quantity(&p(&["rows", "metrics", "put_p99_ms"])),
            Quantity::LatencyMs
        );
        assert_eq!(
            shard_quantity(&p(&["rows", "metrics", "throttle_rate"])),
            Quantity::Fraction
        );
        assert_eq!(
            shard_quantity(&p(&["shards"])),
            Quantity::Whole(MAX_SHARDS as f64)
        );
        assert_eq!(
            shard_quantity(&p(&["sweep", "grid", "params", "values", "number"])),
            Quantity::ParamValue
        );
    }

    #[test]
    fn names_from_files_follow_the_scenario_rule() {
        assert!(check_name("per-object_2").is_ok());
        for bad in ["", "../../escape", "a/b", "a\u{1b}[31m", "é", "a.b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(&"a".repeat(MAX_NAME_LEN)).is_ok());
        assert!(check_name(&"a".repeat(MAX_NAME_LEN + 1)).is_err());
    }
}
