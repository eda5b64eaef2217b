//! [`KeyDef`]: one scenario key defined once (name, default, limit, source), and the
//! [`Ctx`] methods that read a key through its definition.
//!
//! Each section's file has one `KeyDef` constant per key and a `KEYS` table listing them.
//! That table is the section's list of known keys (the unknown-key check), a key's
//! `DefaultValue::Text` is parsed by the key's own parser when the key is absent (so the typed
//! default and the displayed one cannot disagree), and its `source` is the provenance recorded
//! then. `scenarios/README.md` is checked against the tables (see the test below).

use super::super::model::ValueSource;
use super::super::raw::{self, Origin, RawValue};
use super::ctx::{Ctx, P, R, Tbl, assume, fact};

/// What a key takes when a scenario does not set it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DefaultValue {
    /// The key must be set.
    Required,
    /// A value written as in a scenario file (`"5m"`, `100`, `true`,
    /// `{ median = "10ms", p99 = "50ms" }`), parsed by the key's own parser when used.
    Text(&'static str),
    /// No value in the file's syntax: the key is optional and absent means none (a sub-table,
    /// free text), or its default is computed during validation (from the Region preset,
    /// another key...). The text is the default as `scenarios/README.md` documents it; the
    /// code reading the key says how it is computed.
    Special(&'static str),
}

/// Where a key's default comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Source {
    /// A published fact: its `aws-facts §N` reference (a `REF_*` constant in `presets.rs`).
    Fact(&'static str),
    /// A labelled assumption: its note (a `NOTE_*` constant in `presets.rs`).
    Assumption(&'static str),
    /// None: a required key, free text, or a table of other keys.
    None,
}

/// One scenario key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyDef {
    /// The key as written in the file (the last part of its dotted path).
    pub name: &'static str,
    pub default: DefaultValue,
    /// The values accepted, as documented (the type column of `scenarios/README.md`); the
    /// parser given where the key is read enforces it. Read by the README test.
    #[cfg_attr(not(test), allow(dead_code))]
    pub limit: &'static str,
    pub source: Source,
}

pub(crate) use DefaultValue::{Required, Special, Text};
pub(crate) use Source::{Assumption, Fact};

/// Where a default value is "from" while it is parsed; never shown (a default that does not
/// parse is a bug, and panics).
const DEFAULT_ORIGIN: Origin = Origin::File { line: 0, column: 0 };

impl KeyDef {
    pub(crate) const fn new(
        name: &'static str,
        default: DefaultValue,
        limit: &'static str,
        source: Source,
    ) -> KeyDef {
        KeyDef {
            name,
            default,
            limit,
            source,
        }
    }

    /// The default text as a value; panics unless the default is `Text`.
    pub(crate) fn default_value(&self) -> RawValue {
        let Text(text) = self.default else {
            panic!("`{}` has no textual default", self.name)
        };
        let v: toml_edit::Value = text
            .parse()
            .unwrap_or_else(|e| panic!("the default of `{}`, {text}, is not TOML: {e}", self.name));
        raw::from_value(&v, &DEFAULT_ORIGIN)
    }

    /// The provenance of the default; panics for a key without a source.
    pub(crate) fn value_source(&self) -> ValueSource {
        match self.source {
            Fact(reference) => fact(reference),
            Assumption(note) => assume(note),
            Source::None => panic!("`{}` has no source for a default", self.name),
        }
    }

    fn bad_default(&self, p: impl std::fmt::Display) -> ! {
        panic!("the default of `{}` does not parse: {p}", self.name)
    }
}

impl Ctx<'_> {
    /// The value of `key` parsed and recorded, or its default text parsed by the same
    /// `parse` and recorded with the key's source.
    pub(super) fn value<T>(
        &mut self,
        tbl: &Tbl,
        key: &KeyDef,
        parse: impl FnOnce(&RawValue) -> P<T>,
    ) -> R<T> {
        if tbl.get(key.name).is_some() {
            return Ok(self.opt(tbl, key.name, parse)?.expect("present"));
        }
        let v = key.default_value();
        let x = parse(&v).unwrap_or_else(|p| key.bad_default(p.msg));
        self.record_default(tbl.key_path(key.name), v.to_display(), key.value_source());
        Ok(x)
    }

    /// The value of `key` parsed, or its default text parsed by the same `parse`, without
    /// recording provenance.
    pub(super) fn value_quiet<T>(
        &self,
        tbl: &Tbl,
        key: &KeyDef,
        parse: impl FnOnce(&RawValue) -> P<T>,
    ) -> R<T> {
        if tbl.get(key.name).is_some() {
            return Ok(self.opt_quiet(tbl, key.name, parse)?.expect("present"));
        }
        Ok(parse(&key.default_value()).unwrap_or_else(|p| key.bad_default(p.msg)))
    }

    /// As [`Ctx::value`], for a parser that needs the context and locates its own errors
    /// (latency and size distributions): `parse` gets the value and its dotted path.
    pub(super) fn value_with<T>(
        &mut self,
        tbl: &Tbl,
        key: &KeyDef,
        parse: impl FnOnce(&Self, &RawValue, &str) -> R<T>,
    ) -> R<T> {
        let path = tbl.key_path(key.name);
        if let Some(v) = tbl.get(key.name) {
            let x = parse(self, v, &path)?;
            self.record(path, v);
            return Ok(x);
        }
        let v = key.default_value();
        let x = parse(self, &v, &path).unwrap_or_else(|e| key.bad_default(e));
        self.record_default(path, v.to_display(), key.value_source());
        Ok(x)
    }

    /// Records that `key` took `value`, a default computed during validation (a
    /// `DefaultValue::Special` key), with the key's source.
    pub(super) fn record_computed(&mut self, tbl: &Tbl, key: &KeyDef, value: impl Into<String>) {
        self.record_default(tbl.key_path(key.name), value, key.value_source());
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        arrival, bucket, client, crypto, expect, kms, replication, s3, top, trace, workload,
    };
    use super::*;

    /// Every table of keys, by the heading of its table in `scenarios/README.md`.
    const SECTIONS: &[(&str, &[KeyDef])] = &[
        ("## Top level", top::KEYS),
        ("## `[kms]`", kms::KEYS),
        ("`[kms.regions.\"<region>\"]`", kms::REGION_KEYS),
        ("## `[s3]`", s3::KEYS),
        ("## `[client]`", client::KEYS),
        ("`[client.data_key_cache]`", client::CACHE_KEYS),
        ("## `[crypto]`", crypto::KEYS),
        ("## `[[bucket]]`", bucket::KEYS),
        ("`[bucket.existing]`", bucket::EXISTING_KEYS),
        ("## `[[workload]]`", workload::KEYS),
        ("`[[workload]]` with `trace`", trace::KEYS),
        ("## `[[replication]]`", replication::KEYS),
        ("## `[[expect]]`", expect::KEYS),
    ];

    /// Arrival kinds and rate-profile kinds: their README rows list their keys in prose.
    const KINDS: &[(&str, &[KeyDef])] = &[
        ("\"poisson\"", arrival::OPEN_KEYS),
        ("\"constant\"", arrival::OPEN_KEYS),
        ("\"closed\"", arrival::CLOSED_KEYS),
        ("\"steps\"", arrival::STEPS_KEYS),
        ("\"ramp\"", arrival::RAMP_KEYS),
        ("\"burst\"", arrival::BURST_KEYS),
        ("\"diurnal\"", arrival::DIURNAL_KEYS),
    ];

    fn readme() -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(root.join("scenarios/README.md")).unwrap()
    }

    /// The cells of a Markdown table row (`\|` is a `|` inside a cell), or `None` for a line
    /// that is not a row.
    fn cells(line: &str) -> Option<Vec<String>> {
        let inner = line.strip_prefix('|')?.strip_suffix('|')?;
        let marked = inner.replace("\\|", "\u{0}");
        Some(
            marked
                .split('|')
                .map(|c| c.trim().replace('\u{0}', "|"))
                .collect(),
        )
    }

    /// The `key | type | default | source | meaning` rows of the table under `heading`, by
    /// key (a row may document several keys: "`kms`, `s3`").
    fn key_rows(readme: &str, heading: &str) -> Vec<(String, Vec<String>)> {
        let start = readme
            .lines()
            .position(|l| l.starts_with(heading))
            .unwrap_or_else(|| panic!("scenarios/README.md has no {heading}"));
        let mut rows = Vec::new();
        let mut in_table = false;
        for line in readme.lines().skip(start + 1) {
            if line.starts_with("## ") || (line.starts_with("`[") && in_table) {
                break;
            }
            match cells(line) {
                Some(c) if c == ["key", "type", "default", "source", "meaning"] => in_table = true,
                Some(c) if in_table && c.len() == 5 && c[0].starts_with('`') => {
                    for key in c[0].split(", ") {
                        rows.push((key.trim_matches('`').to_string(), c.clone()));
                    }
                }
                Some(_) => {}
                None if in_table => break,
                None => {}
            }
        }
        rows
    }

    /// The `aws-facts §N` section a reference cites.
    fn section(reference: &str) -> &str {
        let rest = reference
            .split("aws-facts §")
            .nth(1)
            .expect("a § reference");
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        &rest[..end]
    }

    #[test]
    fn the_readme_documents_every_key_as_its_table_defines_it() {
        let readme = readme();
        for (heading, keys) in SECTIONS {
            let rows = key_rows(&readme, heading);
            let mut documented: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
            let mut defined: Vec<&str> = keys.iter().map(|k| k.name).collect();
            documented.sort();
            defined.sort();
            assert_eq!(documented, defined, "{heading}: documented keys");
            for key in *keys {
                let (_, c) = rows.iter().find(|(k, _)| k == key.name).unwrap();
                let at = format!("{heading} `{}`", key.name);
                let (ty, default, source) = (&c[1], &c[2], &c[3]);
                assert_eq!(ty, key.limit, "{at}: type column");
                match key.default {
                    Required => assert_eq!(default, "required", "{at}: default column"),
                    Text(t) => {
                        let shown = format!("`{t}`");
                        assert!(
                            *default == shown || default.starts_with(&format!("{shown} (")),
                            "{at}: default column {default:?}, the table says {shown}"
                        );
                    }
                    Special(s) => assert_eq!(default, s, "{at}: default column"),
                }
                match key.source {
                    Fact(reference) => {
                        let n = section(reference);
                        let cited = format!("fact, §{n}");
                        assert!(
                            *source == cited || source.starts_with(&format!("{cited} ")),
                            "{at}: source column {source:?}, the table says {cited}"
                        );
                    }
                    Assumption(_) => assert!(
                        source.starts_with("assumption"),
                        "{at}: source column {source:?}, the table says assumption"
                    ),
                    Source::None => assert_eq!(source, "", "{at}: source column"),
                }
            }
        }
    }

    #[test]
    fn the_readme_documents_every_arrival_and_profile_key() {
        let readme = readme();
        for (kind, keys) in KINDS {
            let row = readme
                .lines()
                .filter_map(cells)
                .find(|c| c.len() == 3 && c[0] == format!("`{kind}`"))
                .unwrap_or_else(|| panic!("scenarios/README.md has no row for kind {kind}"));
            for key in keys.iter().filter(|k| k.name != "kind") {
                let at = format!("kind {kind} `{}`", key.name);
                let start = row[1]
                    .find(&format!("`{}`", key.name))
                    .unwrap_or_else(|| panic!("{at} is not documented"));
                let rest = &row[1][start..];
                let said = &rest[..rest.find(')').unwrap_or(rest.len())];
                if let Text(t) = key.default {
                    assert!(
                        said.contains(&format!("default `{t}`")),
                        "{at}: {said:?} does not say default `{t}`"
                    );
                }
                if let Assumption(_) = key.source {
                    assert!(said.contains("assumption"), "{at}: {said:?}");
                }
            }
        }
    }

    #[test]
    fn every_default_text_is_toml() {
        let all = SECTIONS
            .iter()
            .chain(KINDS)
            .flat_map(|(_, keys)| keys.iter());
        for key in all {
            if let Text(_) = key.default {
                key.default_value();
            }
        }
    }
}
