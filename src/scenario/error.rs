//! The one error type of the scenario module: every problem with a scenario file, a variant or
//! a `--set` override, with the file, line, column and dotted key it concerns, so that the
//! command line can print one clear line and exit with the "invalid input" code.

use super::raw::Origin;
use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of problem a [`ScenarioError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The file is not valid TOML.
    Syntax,
    /// The TOML is well formed but a value, key, override or combination is not acceptable.
    Invalid,
}

/// A problem with a scenario, located as precisely as the input allows.
///
/// Display gives one line, for example
/// `scenarios/x.toml:9:1: kms.qouta_rps: unknown key (did you mean `quota_rps`?)` or, for a
/// value that an override set,
/// `scenarios/x.toml: variant 'fast' (line 40) sets workload.nope.arrival.rate: no [[workload]] named 'nope' (known: uploads, reads)`.
/// The details are boxed so that `Result<_, ScenarioError>` stays small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError(Box<Detail>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Detail {
    kind: ErrorKind,
    file: PathBuf,
    line: Option<usize>,
    column: Option<usize>,
    key: Option<String>,
    via: Option<Via>,
    message: String,
    hint: Option<String>,
}

/// Where a value was written (the file, and its line or the override that set it), so that a
/// problem found after validation (e.g. a calibration profile that cannot be loaded) is
/// reported exactly as validation would have.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    file: PathBuf,
    origin: Option<Origin>,
}

impl Site {
    pub(crate) fn new(file: &Path, origin: Option<Origin>) -> Site {
        Site {
            file: file.to_path_buf(),
            origin,
        }
    }

    /// An "invalid value" error for `key` at this site.
    pub fn invalid(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::new(ErrorKind::Invalid, &self.file, message)
            .with_key(key)
            .located(self.origin.as_ref())
    }
}

/// The override responsible for a value, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// Who set it: `variant 'fast' (line 40)`, `--set`, `--seed`.
    pub by: String,
    /// The dotted path the override set.
    pub path: String,
}

impl ScenarioError {
    pub(crate) fn new(kind: ErrorKind, file: &Path, message: impl Into<String>) -> Self {
        ScenarioError(Box::new(Detail {
            kind,
            file: file.to_path_buf(),
            line: None,
            column: None,
            key: None,
            via: None,
            message: message.into(),
            hint: None,
        }))
    }

    pub(crate) fn with_key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        self.0.key = if key.is_empty() { None } else { Some(key) };
        self
    }

    pub(crate) fn with_hint(mut self, hint: Option<String>) -> Self {
        self.0.hint = hint;
        self
    }

    pub(crate) fn at(mut self, line: usize, column: usize) -> Self {
        self.0.line = Some(line);
        self.0.column = Some(column);
        self
    }

    pub(crate) fn at_line(mut self, line: usize) -> Self {
        self.0.line = Some(line);
        self.0.column = None;
        self
    }

    /// Locates the error where a value came from: its place in the file, or the override that
    /// set it; unchanged when the origin is unknown.
    pub(crate) fn located(self, origin: Option<&Origin>) -> Self {
        match origin {
            Some(Origin::File { line, column }) => self.at(*line, *column),
            Some(Origin::Override { by, path, line }) => self.via(by, path, *line),
            None => self,
        }
    }

    /// Marks the error as caused by an override (`by` set `path`), at `line` if known.
    pub(crate) fn via(mut self, by: &str, path: &str, line: Option<usize>) -> Self {
        self.0.via = Some(Via {
            by: by.to_string(),
            path: path.to_string(),
        });
        self.0.line = line;
        self.0.column = None;
        self
    }

    /// This error, found in a scenario that an override changed (`by` set `path`, written at
    /// `line` of the file when known), reported as that override's: `what` says what the
    /// override did, then this error (its place in the file, key, message and hint) says why
    /// that is invalid. The override is the cause even when the value found invalid is
    /// another (a part size that makes a workload's size too many parts).
    pub(crate) fn caused_by(
        self,
        by: &str,
        path: &str,
        line: Option<usize>,
        what: &str,
    ) -> ScenarioError {
        let why = AfterFile(&self).to_string();
        ScenarioError::new(self.kind(), self.file(), format!("{what}: {why}"))
            .with_key(path)
            .via(by, path, line)
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The scenario file the problem belongs to (`--set` for a malformed `--set` argument).
    pub fn file(&self) -> &Path {
        &self.0.file
    }

    /// 1-based line in the file, when the problem has one (for an override from a variant,
    /// the line of its `set` entry).
    pub fn line(&self) -> Option<usize> {
        self.0.line
    }

    /// 1-based column (in characters), when the problem is at a place in the file.
    pub fn column(&self) -> Option<usize> {
        self.0.column
    }

    /// The dotted key concerned (`kms.quota_rps`, `bucket.ingest.encryption`).
    pub fn key(&self) -> Option<&str> {
        self.0.key.as_deref()
    }

    /// The override that set the offending value, when an override did.
    pub fn via_override(&self) -> Option<&Via> {
        self.0.via.as_ref()
    }

    /// What is wrong, without location or hint.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// How to fix it, when known (`did you mean `quota_rps`?`).
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }
}

/// One line, with every control character in it escaped: file names, keys and values come
/// from the user's input, and a newline or terminal escape in them must not reach the terminal.
impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::input::escape_controls(&Unescaped(self).to_string()))
    }
}

/// The message as assembled, before escaping.
struct Unescaped<'a>(&'a ScenarioError);

impl fmt::Display for Unescaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_parts(&self.0.0, f, true)
    }
}

/// The message as assembled after the file name (`line 24: key: message`), before escaping.
struct AfterFile<'a>(&'a ScenarioError);

impl fmt::Display for AfterFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_parts(&self.0.0, f, false)
    }
}

/// The error's parts joined by `: `: the file with its line and column (`x.toml:9:1`), or
/// without the file the line alone (`line 9`); the override that set the value; the key; the
/// message; then the hint in parentheses.
fn write_parts(d: &Detail, f: &mut fmt::Formatter<'_>, with_file: bool) -> fmt::Result {
    let mut parts: Vec<String> = Vec::new();
    let line = d.line.filter(|_| d.via.is_none());
    match (with_file, line, d.column) {
        (true, Some(l), Some(c)) => parts.push(format!("{}:{l}:{c}", d.file.display())),
        (true, Some(l), None) => parts.push(format!("{}:{l}", d.file.display())),
        (true, None, _) => parts.push(d.file.display().to_string()),
        (false, Some(l), _) => parts.push(format!("line {l}")),
        (false, None, _) => {}
    }
    if let Some(via) = &d.via {
        parts.push(match via.by.starts_with("--") {
            true => format!("{} {}", via.by, via.path),
            false => format!("{} sets {}", via.by, via.path),
        });
    }
    match (&d.key, &d.via) {
        (Some(key), Some(via)) if *key == via.path => {}
        (Some(key), _) => parts.push(key.clone()),
        (None, _) => {}
    }
    parts.push(d.message.clone());
    f.write_str(&parts.join(": "))?;
    if let Some(hint) = &d.hint {
        write!(f, " ({hint})")?;
    }
    Ok(())
}

impl std::error::Error for ScenarioError {}

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!("did you mean `{c}`?"))
}
