//! Sharded sensitivity analyses: `bksim sensitivity --shard I/N` runs every variant's base
//! and the parameters numbered k with k mod N = I (each with its bisection), and writes them
//! as a shard file (`bksim.sensitivity-shard.v1`); `bksim sensitivity --merge` reads the N
//! shards and gives exactly the results of the unsharded run. A merge trusts nothing it
//! reads: every shard must carry the analysis' fingerprint (same scenario text, overrides,
//! variants, `--only`, `--metric` and bksim version), each shard index must appear once, the
//! bases must agree, and each shard must hold exactly its own parameters.

use super::output::{SCHEMA, SensitivityResults, VariantResult};
use super::runner::{Sensitivity, sort_by_spread};
use crate::report::plausible::{self, MAX_SHARDS, check_name};
use crate::scenario::ScenarioError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const SHARD_SCHEMA: &str = "bksim.sensitivity-shard.v1";

/// One shard's file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    pub schema: String,
    pub shard: usize,
    pub shards: usize,
    /// [`Sensitivity::fingerprint`] of the analysis the shard is part of.
    pub fingerprint: String,
    pub results: SensitivityResults,
}

impl ShardFile {
    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a shard serializes");
        s.push('\n');
        s
    }
}

/// Why shards could not be merged: the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("{}: {message}", path.display())]
    Shard { path: PathBuf, message: String },
    #[error("shards missing: {} of {count}", list_missing(missing))]
    Missing { missing: Vec<usize>, count: usize },
}

/// The missing shard indexes for a message: the first ten, then how many in all.
fn list_missing(missing: &[usize]) -> String {
    const SHOWN: usize = 10;
    let mut s = missing
        .iter()
        .take(SHOWN)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if missing.len() > SHOWN {
        s.push_str(&format!(", … ({} in all)", missing.len()));
    }
    s
}

fn bad(path: &Path, message: impl Into<String>) -> MergeError {
    MergeError::Shard {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Parses one shard file's text (read from `path`) and checks it on its own: every number
/// within its bound ([`plausible::sensitivity_quantity`]), the schema, the shard index and
/// count (at most [`MAX_SHARDS`]), and the results' contents.
pub fn parse(path: &Path, text: &str) -> Result<ShardFile, MergeError> {
    plausible::scan_numbers(text, |keys, number, line| {
        plausible::sensitivity_quantity(keys)
            .check_text(number)
            .map(|_| ())
            .map_err(|e| {
                bad(
                    path,
                    format!(
                        "line {line}: implausible value: {} = {e}",
                        plausible::path_text(keys)
                    ),
                )
            })
    })?;
    let s: ShardFile = serde_json::from_str(text).map_err(|e| {
        bad(
            path,
            format!(
                "line {}: not a bksim sensitivity shard file (column {}): {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    if s.schema != SHARD_SCHEMA || s.results.schema != SCHEMA {
        return Err(bad(
            path,
            format!(
                "schema '{}': expected '{SHARD_SCHEMA}'",
                crate::input::clip(&s.schema, 60)
            ),
        ));
    }
    if s.shards == 0 || s.shards > MAX_SHARDS || s.shard >= s.shards {
        return Err(bad(
            path,
            format!(
                "shards: shard {} of {} is impossible (at most {MAX_SHARDS} shards)",
                s.shard, s.shards
            ),
        ));
    }
    check_name(&s.results.scenario).map_err(|e| bad(path, format!("results.scenario: {e}")))?;
    s.results
        .check_contents()
        .map_err(|e| bad(path, format!("results.{e}")))?;
    Ok(s)
}

/// Merges the shards of analysis `a` (each with the path it was read from) into the results
/// an unsharded run of `a` gives.
pub fn merge(
    a: &Sensitivity,
    shards: &[(PathBuf, ShardFile)],
) -> Result<SensitivityResults, MergeError> {
    let Some((first_path, first)) = shards.first() else {
        return Err(MergeError::Missing {
            missing: vec![0],
            count: 1,
        });
    };
    let count = first.shards;
    let fingerprint = a.fingerprint();
    let mut by_index: Vec<Option<&(PathBuf, ShardFile)>> = vec![None; count];
    for entry in shards {
        let (path, s) = entry;
        if s.fingerprint != fingerprint {
            return Err(bad(
                path,
                format!(
                    "belongs to another analysis (fingerprint {}; this one, from the scenario \
                     and flags given: {fingerprint}); merge with the same scenario, --set, \
                     --seed, --variant, --only and --metric as the shards were run with",
                    crate::input::clip(&s.fingerprint, 40)
                ),
            ));
        }
        if s.shards != count {
            return Err(bad(
                path,
                format!(
                    "is shard {} of {}, not of {count} as {} is",
                    s.shard,
                    s.shards,
                    first_path.display()
                ),
            ));
        }
        match &by_index[s.shard] {
            Some((other, _)) => {
                return Err(bad(
                    path,
                    format!("shard {} of {count} is also {}", s.shard, other.display()),
                ));
            }
            None => by_index[s.shard] = Some(entry),
        }
    }
    let missing: Vec<usize> = (0..count).filter(|i| by_index[*i].is_none()).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { missing, count });
    }
    // Every parameter, numbered across the variants as the shards number them.
    let all = a.shard_parameters(0, 1)?;
    let mut variants: Vec<VariantResult> = Vec::new();
    let mut k0 = 0usize;
    for (vi, name) in a.variants.iter().enumerate() {
        let mut merged: Option<VariantResult> = None;
        for (i, slot) in by_index.iter().enumerate() {
            let (path, s) = slot.expect("every shard index is present");
            let v = s
                .results
                .variants
                .iter()
                .find(|v| &v.name == name)
                .ok_or_else(|| bad(path, format!("has no results for variant '{name}'")))?;
            let mut want: Vec<&str> = all[vi]
                .iter()
                .enumerate()
                .filter(|(j, _)| (k0 + j) % count == i)
                .map(|(_, p)| p.path.as_str())
                .collect();
            let mut have: Vec<&str> = v.parameters.iter().map(|p| p.path.as_str()).collect();
            want.sort_unstable();
            have.sort_unstable();
            if want != have {
                return Err(bad(
                    path,
                    format!(
                        "variant '{name}': holds parameters {have:?}, but shard {i} of {count} \
                         varies {want:?}"
                    ),
                ));
            }
            match &mut merged {
                None => merged = Some(v.clone()),
                Some(m) => {
                    if m.base != v.base || m.verdict != v.verdict {
                        return Err(bad(
                            path,
                            format!("variant '{name}': its base run differs from shard 0's"),
                        ));
                    }
                    m.parameters.extend(v.parameters.iter().cloned());
                }
            }
        }
        k0 += all[vi].len();
        let mut m = merged.expect("at least one shard");
        sort_by_spread(&mut m.parameters, &m.base, a.primary(), m.verdict);
        variants.push(m);
    }
    Ok(SensitivityResults {
        variants,
        ..first.results.clone()
    })
}
