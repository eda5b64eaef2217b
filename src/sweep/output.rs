//! Sweep output: `sweep.csv` and `sweep.json` (schema `bksim.sweep.v1`) for a whole grid, and
//! shard files (`bksim.sweep-shard.v1`) that `bksim merge` combines into exactly the files an
//! unsharded sweep writes.

use super::grid::Grid;
use super::row::{HEADLINE_COLUMNS, SweepRow};
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

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
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

/// Reads one shard file.
pub fn read_shard(path: &Path) -> Result<ShardFile, MergeError> {
    let err = |message: String| MergeError::Read {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let shard: ShardFile = serde_json::from_str(&text).map_err(|e| {
        err(format!(
            "not a bksim shard file (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    if shard.schema != SHARD_SCHEMA {
        return Err(err(format!(
            "schema is '{}', expected '{SHARD_SCHEMA}'",
            shard.schema
        )));
    }
    if shard.shards == 0 || shard.shard >= shard.shards {
        return Err(err(format!(
            "shard {} of {} is impossible",
            shard.shard, shard.shards
        )));
    }
    Ok(shard)
}

/// The shard files given: files as they are, directories searched for `shard-*-of-*.json`.
pub fn find_shards(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, MergeError> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| MergeError::Read {
                path: p.clone(),
                message: format!("cannot list: {e}"),
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
                })
                .collect();
            found.sort();
            out.extend(found);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(MergeError::Read {
                path: p.clone(),
                message: "no such file or directory".into(),
            });
        }
    }
    if out.is_empty() {
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(MergeError::NoShards(names.join(", ")));
    }
    Ok(out)
}

/// A shard must hold exactly its own runs: every point it owns (p mod N = I), each variant
/// once, and nothing else.
fn check_rows(path: &Path, s: &ShardFile) -> Result<(), MergeError> {
    let err = |message: String| MergeError::Rows {
        path: path.to_path_buf(),
        message,
    };
    let grid = Grid::new(s.sweep.grid.params.clone()).map_err(|e| err(format!("bad grid: {e}")))?;
    if s.sweep.variants.is_empty() {
        return Err(err("no variants".into()));
    }
    let mut expected: Vec<(usize, &str)> = (0..grid.points())
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
            .filter(|e| !got.contains(e))
            .take(5)
            .collect();
        let extra: Vec<_> = got
            .iter()
            .enumerate()
            .filter(|(i, g)| !expected.contains(g) || (*i > 0 && got[i - 1] == **g))
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
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for p in paths {
        shards.push((p.clone(), read_shard(p)?));
    }
    let (first_path, first) = &shards[0];
    let count = first.shards;
    let mut seen: Vec<Option<PathBuf>> = vec![None; count];
    for (path, s) in &shards {
        let what = if s.shards != count {
            Some(format!(
                "it is shard {} of {}, not of {count}",
                s.shard, s.shards
            ))
        } else if s.sweep.fingerprint != first.sweep.fingerprint {
            Some(format!(
                "fingerprint {} vs {}",
                s.sweep.fingerprint, first.sweep.fingerprint
            ))
        } else if s.sweep != first.sweep {
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
        check_rows(path, s)?;
        if let Some(prev) = &seen[s.shard] {
            return Err(MergeError::Duplicate {
                index: s.shard,
                count,
                a: prev.clone(),
                b: path.clone(),
            });
        }
        seen[s.shard] = Some(path.clone());
    }
    let missing: Vec<usize> = (0..count).filter(|i| seen[*i].is_none()).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            found: (0..count).filter(|i| seen[*i].is_some()).collect(),
            missing,
            count,
        });
    }
    let header = first.sweep.clone();
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
