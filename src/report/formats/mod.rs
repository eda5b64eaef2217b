//! The files of a results directory, one module per format, each with the one type it holds,
//! its writer and its reader:
//! - [`summary`]: `summary.json`, [`SummaryFile`](summary::SummaryFile), schema
//!   `bksim.summary.v1`;
//! - [`run_facts`]: `run.json`, [`RunFacts`](run_facts::RunFacts), schema `bksim.run.v1`;
//! - [`timeseries`]: `timeseries.csv`, rows of [`SecondRow`](crate::metrics::results::SecondRow);
//! - [`hgrm`]: `latency-<variant>-<op>.hgrm`, written from a histogram, read as a
//!   [`PercentileCurve`](hgrm::PercentileCurve).
//!
//! Readers take the file's text and its path (for messages) and return [`LoadError`] naming
//! the file, and the line and key where one applies; every number they read passes the
//! bounds of [`crate::report::plausible`]. Reading a whole directory, and the checks across
//! files, is [`crate::report::load`]'s job. Shared here: the error, CSV quoting and
//! splitting (RFC 4180, also used by the sweep's CSV), and the JSON helpers.

use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::report::plausible::{self, Quantity, Seg};

pub mod hgrm;
pub mod live;
pub mod run_facts;
pub mod summary;
pub mod timeseries;

/// The version of bksim that produced a file (`bksim_version` in `summary.json` and
/// `run.json`).
pub const BKSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A results file that could not be read. Every variant names the file.
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

    pub(crate) fn corrupt(path: &Path, line: usize, message: impl Into<String>) -> LoadError {
        LoadError::Corrupt {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

/// Quotes a CSV field if it contains a comma, a quote or a line break (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Splits one RFC 4180 line (no embedded line breaks: bksim never writes them), undoing
/// [`csv_field`].
pub fn split_csv(line: &str) -> Result<Vec<String>, String> {
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

/// Every number of a JSON file must lie within the bound [`crate::report::plausible`] gives
/// its key: charts derive axes and ticks from them. No string may be longer than
/// [`plausible::MAX_STRING_BYTES`]. The error names the line and key.
pub(crate) fn check_numbers(
    path: &Path,
    text: &str,
    quantity: fn(&[Seg<'_>]) -> Quantity,
) -> Result<(), LoadError> {
    if let Some((line, len)) = plausible::overlong_string(text) {
        return Err(LoadError::corrupt(
            path,
            line,
            format!(
                "a string of {len} bytes, longer than the {} bksim writes",
                plausible::MAX_STRING_BYTES
            ),
        ));
    }
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
pub(crate) fn line_of(text: &str, key: &str) -> usize {
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

/// Deserializes a JSON file's text; a syntax or shape error names the file and line.
pub(crate) fn parse_json<T: for<'de> Deserialize<'de>>(
    path: &Path,
    text: &str,
) -> Result<T, LoadError> {
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

/// Pretty-printed JSON with two-space indentation and a final newline, as every JSON file of
/// a results directory is written.
pub(crate) fn to_json_text<T: serde::Serialize>(doc: &T) -> String {
    let mut s = serde_json::to_string_pretty(doc).expect("plain structs always serialize");
    s.push('\n');
    s
}

/// At most `n` characters of `s` (an ellipsis marks a cut): for quoting file content.
pub(crate) fn truncate(s: &str, n: usize) -> String {
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
    fn quoting() {
        assert_eq!(csv_field("per-object"), "per-object");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn quoting_then_splitting_gives_the_fields_back() {
        let fields = ["per-object", "a,b", "say \"hi\"", "", "\"", ",", "x\"y,z"];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        assert_eq!(split_csv(&line.join(",")).unwrap(), fields);
    }

    #[test]
    fn errors_name_the_line() {
        let e = LoadError::corrupt(Path::new("d/x.csv"), 3, "bad");
        assert_eq!(e.to_string(), "d/x.csv, line 3: bad");
        let e = LoadError::corrupt(Path::new("d/x.csv"), 0, "bad");
        assert_eq!(e.to_string(), "d/x.csv: bad");
    }
}
