//! The validation context: [`Ctx`] collects notes and provenance and locates errors (file,
//! line, dotted key); [`Tbl`] is a table being validated; [`Problem`] is what is wrong with a
//! value before it is located.

use std::path::Path;

use super::super::error::{ErrorKind, ScenarioError, did_you_mean};
use super::super::model::*;
use super::super::raw::{Origin, RawKind, RawTable, RawValue};
use super::super::units;
use super::keys::KeyDef;
use super::values::MAX_ELEMENTS;

pub(super) type R<T> = Result<T, ScenarioError>;

/// Why a value is unacceptable, before it is located.
pub(crate) struct Problem {
    pub(super) msg: String,
    pub(super) hint: Option<String>,
}

pub(super) type P<T> = Result<T, Problem>;

pub(super) fn problem(msg: impl Into<String>) -> Problem {
    Problem {
        msg: msg.into(),
        hint: None,
    }
}

impl Problem {
    pub(super) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl From<units::UnitError> for Problem {
    fn from(e: units::UnitError) -> Self {
        Problem {
            msg: e.message,
            hint: e.hint,
        }
    }
}

static EMPTY_TABLE: RawTable = RawTable {
    entries: Vec::new(),
    dotted: false,
    inline: false,
};

/// A table being validated: its raw contents, dotted path and where it is.
#[derive(Clone)]
pub(super) struct Tbl<'a> {
    pub(super) t: &'a RawTable,
    pub(super) path: String,
    /// Where the table is (its header, `{`, or the override that made it); `None` for the
    /// document root.
    pub(super) origin: Option<&'a Origin>,
}

impl<'a> Tbl<'a> {
    pub(super) fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.t.get(key).map(|e| &e.value)
    }
}

pub(super) fn fact(reference: &str) -> ValueSource {
    ValueSource::Fact {
        reference: reference.to_string(),
    }
}

pub(super) fn assume(note: &str) -> ValueSource {
    ValueSource::Assumption {
        note: note.to_string(),
    }
}

/// Collects notes and provenance while building the scenario.
pub(super) struct Ctx<'f> {
    pub(super) file: &'f Path,
    pub(super) notes: Vec<String>,
    pub(super) prov: Vec<Provenance>,
}

impl<'f> Ctx<'f> {
    pub(super) fn error(&self, origin: Option<&Origin>, key: &str, p: Problem) -> ScenarioError {
        ScenarioError::new(ErrorKind::Invalid, self.file, p.msg)
            .with_key(key)
            .with_hint(p.hint)
            .located(origin)
    }

    pub(super) fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    pub(super) fn record(&mut self, path: String, v: &RawValue) {
        let source = match &v.origin {
            Origin::File { line, .. } => ValueSource::Scenario { line: *line },
            Origin::Override { by, .. } => ValueSource::Override { by: by.clone() },
        };
        self.prov.push(Provenance {
            path,
            value: v.to_display(),
            source,
        });
    }

    pub(super) fn record_default(
        &mut self,
        path: String,
        value: impl Into<String>,
        source: ValueSource,
    ) {
        self.prov.push(Provenance {
            path,
            value: value.into(),
            source,
        });
    }

    /// Rejects keys of `tbl` not in the table `known`, suggesting the closest known key.
    /// `extra` may give a better hint for a key that is valid elsewhere.
    pub(super) fn check_keys(
        &self,
        tbl: &Tbl,
        known: &[KeyDef],
        extra: impl Fn(&str) -> Option<String>,
    ) -> R<()> {
        for e in &tbl.t.entries {
            if !known.iter().any(|k| k.name == e.key) {
                let hint =
                    extra(&e.key).or_else(|| did_you_mean(&e.key, known.iter().map(|k| k.name)));
                return Err(self.error(
                    Some(&e.key_origin),
                    &tbl.key_path(&e.key),
                    Problem {
                        msg: "unknown key".into(),
                        hint,
                    },
                ));
            }
        }
        Ok(())
    }

    /// The value of `key` parsed, without recording provenance.
    pub(super) fn opt_quiet<T>(
        &self,
        tbl: &Tbl,
        key: &str,
        parse: impl FnOnce(&RawValue) -> P<T>,
    ) -> R<Option<T>> {
        match tbl.get(key) {
            None => Ok(None),
            Some(v) => parse(v)
                .map(Some)
                .map_err(|p| self.error(Some(&v.origin), &tbl.key_path(key), p)),
        }
    }

    /// The value of `key` parsed and recorded, or `None` when absent.
    pub(super) fn opt<T>(
        &mut self,
        tbl: &Tbl,
        key: &str,
        parse: impl FnOnce(&RawValue) -> P<T>,
    ) -> R<Option<T>> {
        let r = self.opt_quiet(tbl, key, parse)?;
        if let Some(v) = tbl.get(key) {
            self.record(tbl.key_path(key), v);
        }
        Ok(r)
    }

    pub(super) fn missing(&self, tbl: &Tbl, key: &str, hint: Option<&str>) -> ScenarioError {
        self.error(
            tbl.origin,
            &tbl.key_path(key),
            Problem {
                msg: "missing required key".into(),
                hint: hint.map(String::from),
            },
        )
    }

    /// The value of required `key` parsed, without recording provenance.
    pub(super) fn req_quiet<T>(
        &self,
        tbl: &Tbl,
        key: &str,
        hint: Option<&str>,
        parse: impl FnOnce(&RawValue) -> P<T>,
    ) -> R<T> {
        self.opt_quiet(tbl, key, parse)?
            .ok_or_else(|| self.missing(tbl, key, hint))
    }

    /// The value of required `key` parsed and recorded.
    pub(super) fn req<T>(
        &mut self,
        tbl: &Tbl,
        key: &str,
        hint: Option<&str>,
        parse: impl FnOnce(&RawValue) -> P<T>,
    ) -> R<T> {
        let v = self.req_quiet(tbl, key, hint, parse)?;
        self.record(tbl.key_path(key), tbl.get(key).expect("present"));
        Ok(v)
    }

    /// A sub-table (`None` when absent). A non-table value is an error.
    pub(super) fn sub<'a>(&self, parent: &Tbl<'a>, key: &str) -> R<Option<Tbl<'a>>> {
        match parent.t.get(key) {
            None => Ok(None),
            Some(e) => match &e.value.kind {
                RawKind::Table(t) => Ok(Some(Tbl {
                    t,
                    path: parent.key_path(key),
                    origin: Some(&e.value.origin),
                })),
                other => Err(self.error(
                    Some(&e.value.origin),
                    &parent.key_path(key),
                    problem(format!("expected a table, found {}", other.type_name())),
                )),
            },
        }
    }

    /// A sub-table, or an empty one located at the parent when absent.
    pub(super) fn sub_or_empty<'a>(&self, parent: &Tbl<'a>, key: &str) -> R<Tbl<'a>> {
        Ok(self.sub(parent, key)?.unwrap_or_else(|| Tbl {
            t: &EMPTY_TABLE,
            path: parent.key_path(key),
            origin: parent.origin,
        }))
    }

    /// The tables of an array of tables (`[[key]]` or `key = [{...}]`), at least one.
    pub(super) fn array_of_tables<'a>(
        &self,
        parent: &Tbl<'a>,
        key: &str,
        hint: &str,
    ) -> R<Vec<&'a RawValue>> {
        let Some(e) = parent.t.get(key) else {
            return Err(self.missing(parent, key, Some(hint)));
        };
        let RawKind::Array(items) = &e.value.kind else {
            return Err(self.error(
                Some(&e.value.origin),
                key,
                problem(format!(
                    "expected an array of tables ([[{key}]]), found {}",
                    e.value.kind.type_name()
                )),
            ));
        };
        if items.is_empty() {
            return Err(self.error(
                Some(&e.value.origin),
                key,
                problem(format!("at least one [[{key}]] is required")).hint(hint),
            ));
        }
        if items.len() > MAX_ELEMENTS {
            return Err(self.error(
                Some(&items[MAX_ELEMENTS].origin),
                key,
                problem(format!(
                    "{} [[{key}]] tables are more than bksim simulates: at most {MAX_ELEMENTS}",
                    items.len()
                ))
                .hint(
                    "each keeps its own state (a bucket, a sample of up to 65,536 written objects)",
                ),
            ));
        }
        for item in items {
            if item.as_table().is_none() {
                return Err(self.error(
                    Some(&item.origin),
                    key,
                    problem(format!(
                        "expected a table in [[{key}]], found {}",
                        item.kind.type_name()
                    )),
                ));
            }
        }
        Ok(items.iter().collect())
    }
}
