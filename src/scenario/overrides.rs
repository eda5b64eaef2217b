//! Dotted-path overrides applied to the raw document before validation: a variant's `set`
//! table, a sweep point, the command line's `--set PATH=VALUE` and `--seed`. Arrays of tables
//! are addressed by their elements' `name` (`bucket.ingest.bucket_key`,
//! `workload.uploads.arrival.rate`). An override may create a key the file did not set and
//! may replace a whole sub-table; keys it gets wrong are caught by validation, which then
//! points at the override.

use std::path::Path;
use std::str::FromStr;

use super::error::{ErrorKind, ScenarioError};
use super::raw::{self, Origin, RawKind, RawTable, RawValue};

/// One dotted-path override.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The dotted path, e.g. `kms.quota_rps` or `bucket.ingest.bucket_key`.
    pub path: String,
    pub(crate) value: RawValue,
    /// Who set it, for messages: `variant 'per-object' (line 41)`, `--set`, `--seed`.
    pub origin: String,
}

impl Override {
    /// Parses a command-line `PATH=VALUE` (`--set kms.quota_rps=20000`). VALUE is read as a
    /// TOML value (`5000`, `true`, `"5m"`, `{ median = "8ms", p99 = "40ms" }`); if it is not
    /// valid TOML it is taken as a bare string (`--set s3.bucket_key_ttl=5m`). The origin is
    /// `--set`.
    pub fn parse_cli(arg: &str) -> Result<Override, ScenarioError> {
        let cli_error = |message: String| {
            ScenarioError::new(ErrorKind::Invalid, Path::new("--set"), message).with_hint(Some(
                "write --set PATH=VALUE, e.g. --set kms.quota_rps=20000".into(),
            ))
        };
        let Some((path, value)) = arg.split_once('=') else {
            return Err(cli_error(format!("'{arg}' has no '='")));
        };
        let path = path.trim();
        check_path(path).map_err(cli_error)?;
        let text = value.trim();
        let value = match toml_edit::Value::from_str(text) {
            Ok(v) => v,
            Err(_) => toml_edit::Value::from(text),
        };
        Ok(Override::new(path, value, "--set"))
    }

    /// An override of `path` with `value`, attributed to `origin` (`--seed`, a sweep point).
    /// The path is checked when the override is applied.
    pub fn new(path: &str, value: impl Into<toml_edit::Value>, origin: &str) -> Override {
        Self::with_line(path, &value.into(), origin, None)
    }

    pub(crate) fn with_line(
        path: &str,
        value: &toml_edit::Value,
        origin: &str,
        line: Option<usize>,
    ) -> Override {
        let o = Origin::Override {
            by: origin.to_string(),
            path: path.to_string(),
            line,
        };
        Override {
            path: path.to_string(),
            value: raw::from_value(value, &o),
            origin: origin.to_string(),
        }
    }

    /// An override whose value comes from a raw value of the file (a variant's `set` entry).
    pub(crate) fn from_raw(path: &str, mut value: RawValue, origin: &str) -> Override {
        let line = match value.origin {
            Origin::File { line, .. } => Some(line),
            Origin::Override { line, .. } => line,
        };
        let o = Origin::Override {
            by: origin.to_string(),
            path: path.to_string(),
            line,
        };
        raw::reorigin(&mut value, &o);
        Override {
            path: path.to_string(),
            value,
            origin: origin.to_string(),
        }
    }

    /// The value as TOML source (`20000`, `"5m"`).
    pub fn value_toml(&self) -> String {
        self.value.to_toml()
    }

    fn origin(&self) -> &Origin {
        &self.value.origin
    }
}

/// Checks a dotted path's shape: non-empty segments of letters, digits, `_` and `-`.
pub(crate) fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the override path is empty".into());
    }
    for seg in path.split('.') {
        if seg.is_empty() {
            return Err(format!("'{path}' has an empty segment"));
        }
        if !seg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "'{path}': segment '{seg}' may contain only letters, digits, '_' and '-'"
            ));
        }
    }
    Ok(())
}

/// An error about an override, located at the override.
fn override_error(file: &Path, o: &Override, message: String) -> ScenarioError {
    let e = ScenarioError::new(ErrorKind::Invalid, file, message).with_key(o.path.clone());
    match o.origin() {
        Origin::Override { by, path, line } => e.via(by, path, *line),
        Origin::File { .. } => e,
    }
}

/// Applies `o` to `root`.
pub(crate) fn apply(file: &Path, root: &mut RawTable, o: &Override) -> Result<(), ScenarioError> {
    check_path(&o.path).map_err(|m| override_error(file, o, m))?;
    let segs: Vec<&str> = o.path.split('.').collect();
    match segs[0] {
        "variant" => {
            return Err(override_error(
                file,
                o,
                "variants cannot be changed by an override".into(),
            ));
        }
        "name" => {
            return Err(override_error(
                file,
                o,
                "the scenario name cannot be changed by an override".into(),
            ));
        }
        // Both tables are read from the file as written; an override would be ignored.
        "sweep" => {
            return Err(override_error(
                file,
                o,
                "the [sweep] table cannot be changed by an override: give the grid with --param PATH=LIST".into(),
            ));
        }
        "sensitivity" => {
            return Err(override_error(
                file,
                o,
                "the [sensitivity] table cannot be changed by an override: edit it in the scenario file, or choose the parameters with --only".into(),
            ));
        }
        _ => {}
    }
    let origin = o.origin().clone();
    let mut table = root;
    let mut i = 0;
    let mut walked = String::new();
    while i + 1 < segs.len() {
        let seg = segs[i];
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(seg);
        if table.get(seg).is_none() {
            table.set(
                seg,
                origin.clone(),
                RawValue {
                    kind: RawKind::Table(RawTable::default()),
                    origin: origin.clone(),
                },
            );
        }
        let entry = table.get_mut(seg).expect("just ensured");
        let type_name = entry.value.kind.type_name();
        match &mut entry.value.kind {
            RawKind::Table(t) => {
                table = t;
                i += 1;
            }
            RawKind::Array(items) if items.iter().all(|v| matches!(v.kind, RawKind::Table(_))) => {
                let name = segs[i + 1];
                let known: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_table()?.get("name")?.value.as_str().map(String::from))
                    .collect();
                let pos = items.iter().position(|v| {
                    v.as_table()
                        .and_then(|t| t.get("name"))
                        .and_then(|e| e.value.as_str())
                        == Some(name)
                });
                let Some(pos) = pos else {
                    let hint = super::error::did_you_mean(name, known.iter().map(String::as_str));
                    return Err(override_error(
                        file,
                        o,
                        format!(
                            "no [[{walked}]] named '{name}' (known: {})",
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    )
                    .with_hint(hint));
                };
                if i + 2 == segs.len() {
                    return Err(override_error(
                        file,
                        o,
                        format!(
                            "'{}' names a whole [[{walked}]] element; set its keys one by one (e.g. {}.{}.KEY)",
                            o.path, walked, name
                        ),
                    ));
                }
                walked.push('.');
                walked.push_str(name);
                let RawKind::Table(t) = &mut items[pos].kind else {
                    unreachable!("checked above")
                };
                table = t;
                i += 2;
            }
            _ => {
                return Err(override_error(
                    file,
                    o,
                    format!(
                        "{walked} is {type_name}, not a table: set {walked} as a whole instead"
                    ),
                ));
            }
        }
    }
    let last = segs[segs.len() - 1];
    table.set(last, origin, o.value.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_values() {
        let o = Override::parse_cli("kms.quota_rps=20000").unwrap();
        assert_eq!(o.path, "kms.quota_rps");
        assert_eq!(o.value.kind, RawKind::Integer(20000));
        assert_eq!(o.origin, "--set");
        let o = Override::parse_cli("s3.bucket_key_ttl=5m").unwrap();
        assert_eq!(o.value.kind, RawKind::String("5m".into()));
        let o = Override::parse_cli("s3.bucket_key_ttl=\"5m\"").unwrap();
        assert_eq!(o.value.kind, RawKind::String("5m".into()));
        let o = Override::parse_cli("kms.region=eu-west-1").unwrap();
        assert_eq!(o.value.kind, RawKind::String("eu-west-1".into()));
        let o = Override::parse_cli("s3.single_flight=false").unwrap();
        assert_eq!(o.value.kind, RawKind::Boolean(false));
        let o = Override::parse_cli("kms.latency={ median = \"8ms\", p99 = \"40ms\" }").unwrap();
        assert_eq!(o.value.to_toml(), "{ median = \"8ms\", p99 = \"40ms\" }");
        let o = Override::parse_cli("kms.background_rps = 2.5").unwrap();
        assert_eq!(o.value.kind, RawKind::Float(2.5));
        for bad in [
            "kms.quota_rps",
            "=5",
            "kms..quota=1",
            "kms.quota rps=1",
            ".a=1",
        ] {
            assert!(Override::parse_cli(bad).is_err(), "{bad}");
        }
    }
}
