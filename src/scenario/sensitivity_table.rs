//! The scenario's `[sensitivity]` table: `"dotted.path" = [low, high]` replaces the range
//! `bksim sensitivity` gives a parameter, or adds a parameter that has none (a key that is
//! not an assumption). A path may name any element with `*` (`"bucket.*.prefixes"`).
//! Checked when the analysis reads it; every error names the file, line and key.

use super::raw::{Origin, RawKind, RawTable, RawValue};
use super::{ScenarioError, ScenarioFile, located};
use std::path::Path;

/// One entry of `[sensitivity]`.
#[derive(Debug, Clone)]
pub struct SensitivityEntry {
    /// A dotted path; a segment may be `*`.
    pub path: String,
    pub low: toml_edit::Value,
    pub high: toml_edit::Value,
    /// Line of the entry in the file.
    pub line: Option<usize>,
}

impl ScenarioFile {
    /// The file's `[sensitivity]` table (empty when there is none), in the order written.
    /// Keys are dotted paths (quoted, or unquoted dotted keys, which mean the same); each
    /// value is an array of two values, the low and the high, as the key takes them.
    pub fn sensitivity(&self) -> Result<Vec<SensitivityEntry>, ScenarioError> {
        let Some(table) = self.top_table("sensitivity", "\"dotted.path\" = [low, high]")? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        flatten(&self.path, "", table, &mut out)?;
        Ok(out)
    }
}

fn flatten(
    file: &Path,
    prefix: &str,
    table: &RawTable,
    out: &mut Vec<SensitivityEntry>,
) -> Result<(), ScenarioError> {
    for e in &table.entries {
        let path = if prefix.is_empty() {
            e.key.clone()
        } else {
            format!("{prefix}.{}", e.key)
        };
        let key = format!("sensitivity.{path}");
        let err = |v: &RawValue, m: String| located(file, &v.origin, &key, m);
        if let RawKind::Table(t) = &e.value.kind {
            flatten(file, &path, t, out)?;
            continue;
        }
        // `*` stands for any element name; the rest is a path as overrides take it.
        let shape = path
            .split('.')
            .map(|s| if s == "*" { "x" } else { s })
            .collect::<Vec<_>>()
            .join(".");
        super::check_param_path(&shape).map_err(|m| err(&e.value, m))?;
        let RawKind::Array(items) = &e.value.kind else {
            return Err(err(
                &e.value,
                format!("expected [low, high], found {}", e.value.kind.type_name()),
            ));
        };
        if items.len() != 2 {
            return Err(err(
                &e.value,
                format!("expected [low, high]: two values, found {}", items.len()),
            ));
        }
        let to_value = |v: &RawValue| -> Result<toml_edit::Value, ScenarioError> {
            if matches!(v.kind, RawKind::Array(_)) {
                return Err(err(v, "low and high are single values, not arrays".into()));
            }
            v.to_toml()
                .parse::<toml_edit::Value>()
                .map_err(|m| err(v, format!("not a value a parameter can take: {m}")))
        };
        let line = match e.key_origin {
            Origin::File { line, .. } => Some(line),
            Origin::Override { .. } => None,
        };
        out.push(SensitivityEntry {
            path,
            low: to_value(&items[0])?,
            high: to_value(&items[1])?,
            line,
        });
    }
    Ok(())
}
