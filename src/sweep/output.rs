//! Sweep output: `sweep.csv` and `sweep.json` (schema `bksim.sweep.v1`) for a whole grid, and
//! shard files (`bksim.sweep-shard.v1`) that `bksim merge` combines into exactly the files an
//! unsharded sweep writes.
//!
//! `merge` trusts nothing it reads: shard files are read through [`crate::input`] (regular
//! files under the shard size limit), every number must lie within the bound
//! [`crate::report::plausible::shard_quantity`] gives its key, names must be names a scenario
//! could have (they become the default output directory and appear in charts), grids and
//! rows must be consistent, and errors name the file, line and key.

use super::grid::{Grid, MAX_POINTS};
use super::row::{HEADLINE_COLUMNS, Headline, SweepRow};
use super::runner::MAX_SHARDS;
use crate::input::{InputKind, read_text};
use crate::report::formats::csv_field;
use crate::report::plausible::{self, MAX_VARIANTS};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const SWEEP_SCHEMA: &str = "bksim.sweep.v1";
pub const SHARD_SCHEMA: &str = "bksim.sweep-shard.v1";

/// What identifies a sweep, shared by its output and its shards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepHeader {
    pub bksim_version: String,
    pub scenario: String,
    pub seed: u64,
    pub simulated_seconds: f64,
    pub fingerprint: String,
    pub grid: Grid,
    pub variants: Vec<String>,
}

/// `sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResults {
    pub schema: String,
    #[serde(flatten)]
    pub header: SweepHeader,
    pub rows: Vec<SweepRow>,
}

/// One shard's file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    pub schema: String,
    pub shard: usize,
    pub shards: usize,
    pub sweep: SweepHeader,
    pub rows: Vec<SweepRow>,
}

pub fn shard_file_name(index: usize, count: usize) -> String {
    format!("shard-{index}-of-{count}.json")
}

impl SweepResults {
    pub fn new(header: SweepHeader, rows: Vec<SweepRow>) -> Self {
        SweepResults {
            schema: SWEEP_SCHEMA.into(),
            header,
            rows,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("sweep results serialize");
        s.push('\n');
        s
    }

    pub fn to_csv(&self) -> String {
        let grid = &self.header.grid;
        let mut cols: Vec<String> = vec!["point".into()];
        cols.extend(grid.params.iter().map(|p| csv_field(&p.path)));
        cols.push("variant".into());
        cols.extend(HEADLINE_COLUMNS.iter().map(|c| c.to_string()));
        let mut out = cols.join(",");
        out.push('\n');
        for r in &self.rows {
            let mut f: Vec<String> = vec![r.point.to_string()];
            f.extend(grid.values(r.point).iter().map(|v| csv_field(&v.display())));
            f.push(csv_field(&r.variant));
            f.extend(r.metrics.csv_fields());
            out.push_str(&f.join(","));
            out.push('\n');
        }
        out
    }
}

/// Why shards could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("no shard files (shard-I-of-N.json) in {0}")]
    NoShards(String),
    #[error("{}: belongs to a different sweep than {}: {what}", a.display(), b.display())]
    Mismatch {
        a: PathBuf,
        b: PathBuf,
        what: String,
    },
    #[error("{}: {message}", path.display())]
    Rows { path: PathBuf, message: String },
    #[error("shard {index} of {count} is given twice: {} and {}", a.display(), b.display())]
    Duplicate {
        index: usize,
        count: usize,
        a: PathBuf,
        b: PathBuf,
    },
    #[error("shards missing: {missing:?} of {count} (found {found:?})")]
    Missing {
        missing: Vec<usize>,
        found: Vec<usize>,
        count: usize,
    },
}

/// Most runs (points × variants) `bksim merge` combines: a header claiming more is not from a
/// sweep anyone ran, and rows are held in memory.
pub const MAX_SWEEP_RUNS: usize = 10_000_000;

/// The `schema` of a shard file's text, without checking the rest; None when it has none.
pub fn schema_in(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Schema {
        schema: String,
    }
    serde_json::from_str::<Schema>(text).ok().map(|s| s.schema)
}

/// Whether a file name is a shard file's (`shard-*.json`, as [`shard_file_name`] writes).
pub fn is_shard_file_name(name: &str) -> bool {
    name.starts_with("shard-") && name.ends_with(".json")
}

/// A shard directory holds the shards of one sweep or one analysis (`kind`, named `this` in
/// the message, as `this sweep`): every
/// `shard-*.json` already in `dir` must have the `schema` of this kind's shards, and
/// `parse`d from its text, this `fingerprint` and shard `count`; else the directory would
/// mix two (found only at the merge) or a shard would overwrite another's. Each file is read
/// once; the first that does not belong is named, with why.
pub fn check_one_set(
    dir: &Path,
    (kind, this): (&str, &str),
    schema: &str,
    (fingerprint, count): (&str, usize),
    parse: impl Fn(&Path, &str) -> Result<(String, usize), String>,
) -> Result<(), String> {
    for name in shard_names(dir) {
        let path = dir.join(&name);
        let belongs = read_text(&path, InputKind::Shard)
            .map_err(|e| e.to_string())
            .and_then(|text| match schema_in(&text) {
                Some(other) if other != schema => Err(format!(
                    "a shard file of another kind (schema '{}')",
                    crate::input::escape_controls(&crate::input::clip(&other, 60))
                )),
                _ => parse(&path, &text),
            })
            .and_then(|(theirs, shards)| {
                if theirs == fingerprint && shards == count {
                    Ok(())
                } else {
                    Err(format!(
                        "a shard of another {kind} (fingerprint {}, {shards} shards; {this}: \
                         {fingerprint}, {count} shards)",
                        crate::input::escape_controls(&crate::input::clip(&theirs, 40))
                    ))
                }
            });
        if let Err(why) = belongs {
            return Err(format!(
                "--out {}: holds {name}, {why}; keep the shards of one {kind} per directory",
                crate::input::escape_controls(&dir.display().to_string())
            ));
        }
    }
    Ok(())
}

/// The shard files (`shard-*.json`) in `dir`, by name, sorted; none when it cannot be read.
pub fn shard_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_shard_file_name(n))
        .collect();
    names.sort();
    names
}

/// Reads one shard file and checks it on its own (see the module documentation).
pub fn read_shard(path: &Path) -> Result<ShardFile, MergeError> {
    let text = read_text(path, InputKind::Shard).map_err(|e| MergeError::Read {
        path: path.to_path_buf(),
        message: match e.line() {
            Some(line) => format!("line {line}: {}", e.reason()),
            None => e.reason(),
        },
    })?;
    parse_shard(path, &text)
}

/// Parses a sweep shard file's text (read from `path`) and checks it: see [`read_shard`].
pub fn parse_shard(path: &Path, text: &str) -> Result<ShardFile, MergeError> {
    let err = |message: String| MergeError::Read {
        path: path.to_path_buf(),
        message,
    };
    plausible::scan_numbers(text, |keys, number, line| {
        plausible::shard_quantity(keys)
            .check_text(number)
            .map(|_| ())
            .map_err(|e| {
                err(format!(
                    "line {line}: implausible value: {} = {e}",
                    plausible::path_text(keys)
                ))
            })
    })?;
    let shard: ShardFile = serde_json::from_str(text).map_err(|e| {
        err(format!(
            "line {}: not a bksim shard file (column {}): {}",
            e.line(),
            e.column(),
            crate::input::clip(strip_position(&e.to_string()), 200)
        ))
    })?;
    if shard.schema != SHARD_SCHEMA {
        return Err(err(format!(
            "schema is '{}', expected '{SHARD_SCHEMA}'",
            crate::input::clip(&shard.schema, 60)
        )));
    }
    if shard.shards == 0 || shard.shards > MAX_SHARDS || shard.shard >= shard.shards {
        return Err(err(format!(
            "shards: shard {} of {} is impossible (at most {MAX_SHARDS} shards)",
            shard.shard, shard.shards
        )));
    }
    check_header(&shard.sweep).map_err(err)?;
    Ok(shard)
}

/// serde_json's message without its " at line L column C" (the line is given separately).
fn strip_position(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

/// Checks a sweep header read from a file: names, parameter paths and values, the grid's
/// size, and the variants.
fn check_header(h: &SweepHeader) -> Result<(), String> {
    plausible::check_name(&h.scenario).map_err(|e| format!("sweep.scenario: {e}"))?;
    if h.fingerprint.len() != 16 || !h.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "sweep.fingerprint: '{}' is not 16 hexadecimal digits",
            crate::input::escape_controls(&crate::input::clip(&h.fingerprint, 40))
        ));
    }
    if h.bksim_version.len() > 64 {
        return Err("sweep.bksim_version: longer than 64 bytes".into());
    }
    for (i, p) in h.grid.params.iter().enumerate() {
        p.check()
            .map_err(|e| format!("sweep.grid.params[{i}]: {e}"))?;
    }
    let grid = Grid::new(h.grid.params.clone()).map_err(|e| format!("sweep.grid: {e}"))?;
    if h.variants.is_empty() {
        return Err("sweep.variants: no variants".into());
    }
    if h.variants.len() > MAX_VARIANTS {
        return Err(format!(
            "sweep.variants: {} variants, more than {MAX_VARIANTS}",
            h.variants.len()
        ));
    }
    for (i, v) in h.variants.iter().enumerate() {
        plausible::check_name(v).map_err(|e| format!("sweep.variants[{i}]: {e}"))?;
        if h.variants[..i].contains(v) {
            return Err(format!("sweep.variants[{i}]: '{v}' appears twice"));
        }
    }
    let runs = grid.points().saturating_mul(h.variants.len());
    if runs > MAX_SWEEP_RUNS {
        return Err(format!(
            "sweep: {} points x {} variants is more than {MAX_SWEEP_RUNS} runs",
            grid.points(),
            h.variants.len()
        ));
    }
    Ok(())
}

/// The headline metrics of one row must agree with each other: throttled calls no more than
/// calls, rates that are the ratios of their counts, p50 no above p99. Returns the key and
/// the problem.
fn check_headline(m: &Headline) -> Result<(), String> {
    // Rates are written rounded to 6 decimals; JSON may cost the last bit.
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let offered = m.put_offered + m.get_offered;
    let attempts = offered + m.put_retries + m.get_retries;
    for (key, rate, expected) in [
        (
            "failed_rate",
            m.failed_rate,
            ratio(m.put_failed + m.get_failed, offered),
        ),
        (
            "throttle_rate",
            m.throttle_rate,
            ratio(m.kms_throttled, m.kms_requests),
        ),
        (
            "prefix_throttle_rate",
            m.prefix_throttle_rate,
            ratio(m.slowdown_prefix, attempts),
        ),
    ] {
        if (rate - expected).abs() > 1e-6 {
            return Err(format!(
                "metrics.{key} = {rate} does not match its counts ({expected:.6})"
            ));
        }
    }
    if m.kms_throttled > m.kms_requests {
        return Err(format!(
            "metrics.kms_throttled = {} is more than kms_requests = {}",
            m.kms_throttled, m.kms_requests
        ));
    }
    for (op, p50, p99) in [
        ("put", m.put_p50_ms, m.put_p99_ms),
        ("get", m.get_p50_ms, m.get_p99_ms),
    ] {
        if p99 < p50 {
            return Err(format!(
                "metrics.{op}_p99_ms = {p99} is below {op}_p50_ms = {p50}"
            ));
        }
    }
    Ok(())
}

/// The shard files given: files as they are, directories searched for `shard-*.json`
/// entries. Whatever is not a regular file is refused when it is read, naming it.
pub fn find_shards(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, MergeError> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| MergeError::Read {
                path: p.clone(),
                message: format!("cannot list: {e}"),
            })?;
            let mut found: Vec<PathBuf> = Vec::new();
            for e in entries {
                let e = e.map_err(|e| MergeError::Read {
                    path: p.clone(),
                    message: format!("cannot list: {e}"),
                })?;
                let name = e.file_name();
                if name.to_str().is_some_and(is_shard_file_name) {
                    found.push(e.path());
                    if out.len() + found.len() > MAX_SHARDS {
                        return Err(MergeError::Read {
                            path: p.clone(),
                            message: format!("more than {MAX_SHARDS} shard files"),
                        });
                    }
                }
            }
            found.sort();
            out.extend(found);
        } else {
            // A missing path, a FIFO or a device: read_shard says which.
            out.push(p.clone());
        }
    }
    if out.is_empty() {
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(MergeError::NoShards(names.join(", ")));
    }
    if out.len() > MAX_SHARDS {
        return Err(MergeError::Read {
            path: out[MAX_SHARDS].clone(),
            message: format!("more than {MAX_SHARDS} shard files given"),
        });
    }
    Ok(out)
}

/// A shard must hold exactly its own runs: every point it owns (p mod N = I), each variant
/// once, and nothing else; and each row's metrics must be plausible together.
fn check_rows(path: &Path, s: &ShardFile) -> Result<(), MergeError> {
    let err = |message: String| MergeError::Rows {
        path: path.to_path_buf(),
        message,
    };
    let points = Grid::new(s.sweep.grid.params.clone())
        .map_err(|e| err(format!("bad grid: {e}")))?
        .points();
    debug_assert!(points <= MAX_POINTS);
    let expected_len =
        (0..points).filter(|p| p % s.shards == s.shard).count() * s.sweep.variants.len();
    if s.rows.len() != expected_len {
        return Err(err(format!(
            "{} rows, but shard {} of {} of this grid has {expected_len} runs",
            s.rows.len(),
            s.shard,
            s.shards
        )));
    }
    for (i, r) in s.rows.iter().enumerate() {
        check_headline(&r.metrics).map_err(|e| err(format!("rows[{i}].{e}")))?;
    }
    let mut expected: Vec<(usize, &str)> = (0..points)
        .filter(|p| p % s.shards == s.shard)
        .flat_map(|p| s.sweep.variants.iter().map(move |v| (p, v.as_str())))
        .collect();
    let mut got: Vec<(usize, &str)> = s
        .rows
        .iter()
        .map(|r| (r.point, r.variant.as_str()))
        .collect();
    expected.sort_unstable();
    got.sort_unstable();
    if got != expected {
        let missing: Vec<_> = expected
            .iter()
            .filter(|e| got.binary_search(e).is_err())
            .take(5)
            .collect();
        let extra: Vec<_> = got
            .iter()
            .enumerate()
            .filter(|(i, g)| expected.binary_search(g).is_err() || (*i > 0 && got[i - 1] == **g))
            .map(|(_, g)| g)
            .take(5)
            .collect();
        return Err(err(format!(
            "its rows are not exactly the runs of shard {} of {}: missing {missing:?}, unexpected or repeated {extra:?}",
            s.shard, s.shards
        )));
    }
    Ok(())
}

/// Combines shard files into the results an unsharded sweep writes.
pub fn merge(paths: &[PathBuf]) -> Result<SweepResults, MergeError> {
    let Some(first_path) = paths.first() else {
        return Err(MergeError::NoShards(String::new()));
    };
    // Each shard is checked as soon as it is read, so a bad file stops the merge before the
    // others are read.
    let first_shard = read_shard(first_path)?;
    let count = first_shard.shards;
    let first = first_shard.sweep.clone();
    let mut first_shard = Some(first_shard);
    let mut seen: Vec<Option<PathBuf>> = vec![None; count];
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::with_capacity(paths.len());
    for path in paths {
        let s = match first_shard.take() {
            Some(s) => s,
            None => read_shard(path)?,
        };
        let what = if s.shards != count {
            Some(format!(
                "it is shard {} of {}, not of {count}",
                s.shard, s.shards
            ))
        } else if s.sweep.fingerprint != first.fingerprint {
            Some(format!(
                "fingerprint {} vs {}",
                s.sweep.fingerprint, first.fingerprint
            ))
        } else if s.sweep != first {
            Some("same fingerprint, different grid or variants (edited file?)".into())
        } else {
            None
        };
        if let Some(what) = what {
            return Err(MergeError::Mismatch {
                a: path.clone(),
                b: first_path.clone(),
                what,
            });
        }
        check_rows(path, &s)?;
        if let Some(prev) = &seen[s.shard] {
            return Err(MergeError::Duplicate {
                index: s.shard,
                count,
                a: prev.clone(),
                b: path.clone(),
            });
        }
        seen[s.shard] = Some(path.clone());
        shards.push((path.clone(), s));
    }
    let missing: Vec<usize> = (0..count).filter(|i| seen[*i].is_none()).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            found: (0..count).filter(|i| seen[*i].is_some()).collect(),
            missing,
            count,
        });
    }
    let header = first;
    let order: Vec<&String> = header.variants.iter().collect();
    let mut rows: Vec<SweepRow> = shards.into_iter().flat_map(|(_, s)| s.rows).collect();
    rows.sort_by_key(|r| {
        (
            r.point,
            order
                .iter()
                .position(|v| **v == r.variant)
                .unwrap_or(usize::MAX),
        )
    });
    Ok(SweepResults::new(header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_max_shards_files_are_taken() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..=MAX_SHARDS {
            std::fs::write(dir.path().join(format!("shard-{i}-of-1.json")), "").unwrap();
        }
        let e = find_shards(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(
            e.to_string().ends_with("more than 10000 shard files"),
            "{e}"
        );
        std::fs::remove_file(dir.path().join("shard-0-of-1.json")).unwrap();
        assert_eq!(
            find_shards(&[dir.path().to_path_buf()]).unwrap().len(),
            MAX_SHARDS
        );
    }

    #[test]
    fn headline_rates_must_match_their_counts() {
        let ok = Headline {
            put_offered: 10,
            put_completed: 8,
            put_failed: 2,
            failed_rate: 0.2,
            kms_requests: 4,
            kms_throttled: 1,
            throttle_rate: 0.25,
            put_p50_ms: 1.0,
            put_p99_ms: 2.0,
            ..Headline::default()
        };
        assert_eq!(check_headline(&ok), Ok(()));
        let e = check_headline(&Headline {
            throttle_rate: 0.5,
            ..ok
        })
        .unwrap_err();
        assert!(
            e.starts_with("metrics.throttle_rate = 0.5 does not match"),
            "{e}"
        );
        let e = check_headline(&Headline {
            put_p99_ms: 0.5,
            ..ok
        })
        .unwrap_err();
        assert!(e.starts_with("metrics.put_p99_ms = 0.5 is below"), "{e}");
        let e = check_headline(&Headline {
            failed_rate: 0.3,
            ..ok
        })
        .unwrap_err();
        assert!(e.starts_with("metrics.failed_rate"), "{e}");
    }
}
