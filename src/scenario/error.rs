//! The one error type of the scenario module: every problem with a scenario file, a variant or
//! a `--set` override, with the file, line, column and dotted key it concerns, so that the
//! command line can print one clear line and exit with the "invalid input" code.

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub kind: ErrorKind,
    /// The scenario file the problem belongs to.
    pub file: PathBuf,
    /// 1-based line in `file`, when the problem has one (for an override from a variant, the
    /// line of its `set` entry).
    pub line: Option<usize>,
    /// 1-based column (characters) in `file`, when the problem is at a place in the file.
    pub column: Option<usize>,
    /// The dotted key the problem concerns (`kms.quota_rps`, `bucket.ingest.encryption`).
    pub key: Option<String>,
    /// When the offending value was set by an override rather than written in the file: who
    /// set it (`variant 'fast' (line 40)`, `--set`) and the override's path.
    pub via: Option<Via>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell (`did you mean `quota_rps`?`).
    pub hint: Option<String>,
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
        ScenarioError {
            kind,
            file: file.to_path_buf(),
            line: None,
            column: None,
            key: None,
            via: None,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        self.key = if key.is_empty() { None } else { Some(key) };
        self
    }

    pub(crate) fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    pub(crate) fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match (&self.via, self.line, self.column) {
            (Some(via), _, _) => {
                if via.by.starts_with("--") {
                    write!(f, ": {} {}", via.by, via.path)?;
                } else {
                    write!(f, ": {} sets {}", via.by, via.path)?;
                }
                match &self.key {
                    Some(key) if *key != via.path => write!(f, ": {key}")?,
                    _ => {}
                }
            }
            (None, Some(line), Some(column)) => {
                write!(f, ":{line}:{column}")?;
                if let Some(key) = &self.key {
                    write!(f, ": {key}")?;
                }
            }
            (None, Some(line), None) => {
                write!(f, ":{line}")?;
                if let Some(key) = &self.key {
                    write!(f, ": {key}")?;
                }
            }
            (None, None, _) => {
                if let Some(key) = &self.key {
                    write!(f, ": {key}")?;
                }
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
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
