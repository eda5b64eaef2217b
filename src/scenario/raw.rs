//! The raw scenario document: the TOML tree as written, every key and value tagged with where
//! it came from (a line and column of the file, or the override that set it). Inline tables
//! and `[table]` sections become the same thing here, so overrides and validation never care
//! which form the user chose.

use std::fmt::Write as _;

use toml_edit::{Item, Value};

/// Where a raw key or value came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Origin {
    /// Written in the scenario file at this 1-based line and column.
    File { line: usize, column: usize },
    /// Set by an override: `by` says who (`variant 'fast' (line 40)`, `--set`), `path` is the
    /// dotted path it set, `line` the line of a variant's `set` entry.
    Override {
        by: String,
        path: String,
        line: Option<usize>,
    },
}

/// A raw value with its origin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawValue {
    pub kind: RawKind,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawKind {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    /// TOML date-times are never valid in a scenario; kept as written for messages.
    Datetime(String),
    Array(Vec<RawValue>),
    Table(RawTable),
}

/// A table (from `[section]`, `[[array]]` element, inline `{ ... }` or dotted keys).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RawTable {
    pub entries: Vec<RawEntry>,
    /// Made by dotted-key syntax (`a.b = 1`) rather than written as a table.
    pub dotted: bool,
    /// Written as an inline table value (`{ ... }`), not as a `[section]`.
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawEntry {
    pub key: String,
    pub key_origin: Origin,
    pub value: RawValue,
}

impl RawTable {
    pub fn get(&self, key: &str) -> Option<&RawEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut RawEntry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }

    /// Sets `key`, replacing any value it had (keeping its place) or appending it.
    pub fn set(&mut self, key: &str, key_origin: Origin, value: RawValue) {
        match self.get_mut(key) {
            Some(entry) => {
                entry.key_origin = key_origin;
                entry.value = value;
            }
            None => self.entries.push(RawEntry {
                key: key.to_string(),
                key_origin,
                value,
            }),
        }
    }
}

impl RawKind {
    /// What kind of TOML value this is, for messages ("expected a table, found a string").
    pub fn type_name(&self) -> &'static str {
        match self {
            RawKind::String(_) => "a string",
            RawKind::Integer(_) => "an integer",
            RawKind::Float(_) => "a float",
            RawKind::Boolean(_) => "a boolean",
            RawKind::Datetime(_) => "a date-time",
            RawKind::Array(_) => "an array",
            RawKind::Table(_) => "a table",
        }
    }
}

impl RawValue {
    pub fn as_table(&self) -> Option<&RawTable> {
        match &self.kind {
            RawKind::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            RawKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as TOML source (strings quoted): for messages such as "found -5".
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        write_toml(&mut out, self);
        out
    }

    /// The value as a user would write it, without quotes around a top-level string: for the
    /// provenance table (`5m`, `10000`, `{ median = "8ms", p99 = "40ms" }`).
    pub fn to_display(&self) -> String {
        match &self.kind {
            RawKind::String(s) => s.clone(),
            _ => self.to_toml(),
        }
    }
}

fn write_toml(out: &mut String, v: &RawValue) {
    match &v.kind {
        RawKind::String(s) => {
            let _ = write!(out, "{}", Value::from(s.as_str()));
        }
        RawKind::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        RawKind::Float(x) => {
            if x.is_nan() {
                out.push_str("nan");
            } else if x.is_infinite() {
                out.push_str(if *x > 0.0 { "inf" } else { "-inf" });
            } else if x.fract() == 0.0 && x.abs() < 1e15 {
                let _ = write!(out, "{x:.1}");
            } else {
                // A whole float past 2^53 displays as digits alone (1e19 as twenty digits),
                // which TOML reads back as an integer, and one past i64 not at all: those are
                // written in exponent form (`1e19`), still a float.
                let plain = format!("{x}");
                if plain.contains(['.', 'e', 'E']) {
                    out.push_str(&plain);
                } else {
                    let _ = write!(out, "{x:?}");
                }
            }
        }
        RawKind::Boolean(b) => {
            let _ = write!(out, "{b}");
        }
        RawKind::Datetime(d) => out.push_str(d),
        RawKind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_toml(out, item);
            }
            out.push(']');
        }
        RawKind::Table(t) => {
            if t.entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{ ");
            for (i, e) in t.entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{} = ", toml_key(&e.key));
                write_toml(out, &e.value);
            }
            out.push_str(" }");
        }
    }
}

/// A key as TOML source: bare when it can be, quoted otherwise.
fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        Value::from(key).to_string()
    }
}

/// Maps byte offsets of the source text to 1-based (line, column in characters).
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last position asked for: (offset, line index, column - 1). Values come in the
    /// order of the text, so the next column on the same line counts on from it instead of
    /// from the line's start (a 4 MiB line of thousands of values took minutes).
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            starts,
            last: std::cell::Cell::new((0, 0, 0)),
        }
    }

    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let (last_offset, last_line, last_column) = self.last.get();
        let (from, counted) = if last_line == line && last_offset >= start && last_offset <= offset
        {
            (last_offset, last_column)
        } else {
            (start, 0)
        };
        let column = counted
            + self
                .text
                .get(from..offset)
                .map(|s| s.chars().count())
                .unwrap_or(offset - from);
        self.last.set((offset, line, column));
        (line + 1, column + 1)
    }

    fn origin(&self, span: Option<std::ops::Range<usize>>, fallback: &Origin) -> Origin {
        match span {
            Some(span) => {
                let (line, column) = self.position(span.start);
                Origin::File { line, column }
            }
            None => fallback.clone(),
        }
    }
}

/// Converts a parsed document (with spans) into a raw table.
pub(crate) fn from_document(doc: &toml_edit::Document<String>) -> RawTable {
    let index = LineIndex::new(doc.raw());
    let root_origin = Origin::File { line: 1, column: 1 };
    table_from_items(
        &index,
        doc.as_table().iter().map(|(k, v)| {
            let key = doc.as_table().key(k).and_then(|k| k.span());
            (k, key, v)
        }),
        &root_origin,
        false,
    )
}

fn table_from_items<'i>(
    index: &LineIndex,
    items: impl Iterator<Item = (&'i str, Option<std::ops::Range<usize>>, &'i Item)>,
    table_origin: &Origin,
    dotted: bool,
) -> RawTable {
    let mut table = RawTable {
        entries: Vec::new(),
        dotted,
        inline: false,
    };
    for (key, key_span, item) in items {
        let key_origin = index.origin(key_span, table_origin);
        if let Some(value) = from_item(index, item, &key_origin) {
            table.entries.push(RawEntry {
                key: key.to_string(),
                key_origin,
                value,
            });
        }
    }
    table
}

fn from_item(index: &LineIndex, item: &Item, fallback: &Origin) -> Option<RawValue> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(from_value_spanned(index, v, fallback)),
        Item::Table(t) => {
            let origin = index.origin(t.span(), fallback);
            let table = table_from_items(
                index,
                t.iter()
                    .map(|(k, v)| (k, t.key(k).and_then(|k| k.span()), v)),
                &origin,
                t.is_dotted(),
            );
            Some(RawValue {
                kind: RawKind::Table(table),
                origin,
            })
        }
        Item::ArrayOfTables(a) => {
            let origin = index.origin(a.span(), fallback);
            let items = a
                .iter()
                .map(|t| {
                    let t_origin = index.origin(t.span(), &origin);
                    let table = table_from_items(
                        index,
                        t.iter()
                            .map(|(k, v)| (k, t.key(k).and_then(|k| k.span()), v)),
                        &t_origin,
                        false,
                    );
                    RawValue {
                        kind: RawKind::Table(table),
                        origin: t_origin,
                    }
                })
                .collect();
            Some(RawValue {
                kind: RawKind::Array(items),
                origin,
            })
        }
    }
}

fn from_value_spanned(index: &LineIndex, v: &Value, fallback: &Origin) -> RawValue {
    let origin = index.origin(v.span(), fallback);
    let kind = match v {
        Value::Array(a) => RawKind::Array(
            a.iter()
                .map(|x| from_value_spanned(index, x, &origin))
                .collect(),
        ),
        Value::InlineTable(t) => {
            let mut table = table_from_items(
                index,
                t.iter().map(|(k, _)| {
                    let (key, item) = t.get_key_value(k).expect("key from iteration");
                    (k, key.span(), item)
                }),
                &origin,
                t.is_dotted(),
            );
            table.inline = true;
            RawKind::Table(table)
        }
        other => scalar_kind(other),
    };
    RawValue { kind, origin }
}

fn scalar_kind(v: &Value) -> RawKind {
    match v {
        Value::String(s) => RawKind::String(s.value().clone()),
        Value::Integer(i) => RawKind::Integer(*i.value()),
        Value::Float(f) => RawKind::Float(*f.value()),
        Value::Boolean(b) => RawKind::Boolean(*b.value()),
        Value::Datetime(d) => RawKind::Datetime(d.value().to_string()),
        Value::Array(_) | Value::InlineTable(_) => unreachable!("handled by the callers"),
    }
}

/// Converts a value that has no place in the file (an override's) with the given origin on
/// every part of it.
pub(crate) fn from_value(v: &Value, origin: &Origin) -> RawValue {
    let kind = match v {
        Value::Array(a) => RawKind::Array(a.iter().map(|x| from_value(x, origin)).collect()),
        Value::InlineTable(t) => RawKind::Table(RawTable {
            entries: t
                .iter()
                .map(|(k, x)| RawEntry {
                    key: k.to_string(),
                    key_origin: origin.clone(),
                    value: from_value(x, origin),
                })
                .collect(),
            dotted: t.is_dotted(),
            inline: true,
        }),
        other => scalar_kind(other),
    };
    RawValue {
        kind,
        origin: origin.clone(),
    }
}

/// Gives every part of `value` the same origin (an override's).
pub(crate) fn reorigin(value: &mut RawValue, origin: &Origin) {
    value.origin = origin.clone();
    match &mut value.kind {
        RawKind::Array(items) => items.iter_mut().for_each(|v| reorigin(v, origin)),
        RawKind::Table(t) => {
            for e in &mut t.entries {
                e.key_origin = origin.clone();
                reorigin(&mut e.value, origin);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> RawTable {
        from_document(&toml_edit::Document::parse(text.to_string()).unwrap())
    }

    #[test]
    fn positions_of_keys_values_and_tables() {
        let t = parse(
            "name = \"x\"\n[kms]\nlatency = { median = \"8ms\" }\n[[bucket]]\nname = \"b\"\nexisting.objects = 5\n",
        );
        let kms = t.get("kms").unwrap();
        assert_eq!(kms.value.origin, Origin::File { line: 2, column: 1 });
        let lat = &kms.value.as_table().unwrap().get("latency").unwrap();
        assert_eq!(lat.key_origin, Origin::File { line: 3, column: 1 });
        assert_eq!(
            lat.value.origin,
            Origin::File {
                line: 3,
                column: 11
            }
        );
        let buckets = &t.get("bucket").unwrap().value;
        let RawKind::Array(items) = &buckets.kind else {
            panic!("array")
        };
        assert_eq!(items[0].origin, Origin::File { line: 4, column: 1 });
        let existing = items[0].as_table().unwrap().get("existing").unwrap();
        assert!(existing.value.as_table().unwrap().dotted);
    }

    #[test]
    fn renders_values_as_written() {
        let t = parse("a = \"5m\"\nb = { median = \"8ms\", p99 = 2.0 }\nc = [1, \"x\"]\n");
        assert_eq!(t.get("a").unwrap().value.to_display(), "5m");
        assert_eq!(t.get("a").unwrap().value.to_toml(), "\"5m\"");
        assert_eq!(
            t.get("b").unwrap().value.to_display(),
            "{ median = \"8ms\", p99 = 2.0 }"
        );
        assert_eq!(t.get("c").unwrap().value.to_display(), "[1, \"x\"]");
    }

    #[test]
    fn line_index_counts_characters() {
        let idx = LineIndex::new("ab\nµx = 1\n");
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(3), (2, 1));
        assert_eq!(idx.position(5), (2, 2));
        assert_eq!(idx.position(1000), (3, 1));
    }

    /// Floats are written back as floats TOML reads as such, whatever their size (1e19 was
    /// written as twenty digits: an integer too large for TOML).
    #[test]
    fn floats_round_trip_as_floats() {
        for x in [1e19, -1e19, 1e300, 1e15, 2.5, 1e-7, 123456789.5] {
            let v = RawValue {
                kind: RawKind::Float(x),
                origin: Origin::File { line: 1, column: 1 },
            };
            let text = v.to_toml();
            let back: toml_edit::Value = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back.as_float(), Some(x), "{text}");
        }
    }

    /// Counting on from the last position gives what counting from the line's start does,
    /// in any order of queries.
    #[test]
    fn line_index_counts_on_from_the_last_position() {
        let text = "a = [\"µ\", \"é\", 3, \"ü\", 5]\nb = 1\n";
        let fresh = |o: usize| LineIndex::new(text).position(o);
        let idx = LineIndex::new(text);
        let offsets: Vec<usize> = (0..text.len())
            .filter(|o| text.is_char_boundary(*o))
            .collect();
        let forward: Vec<_> = offsets.iter().map(|&o| idx.position(o)).collect();
        let backward: Vec<_> = offsets.iter().rev().map(|&o| idx.position(o)).collect();
        let expected: Vec<_> = offsets.iter().map(|&o| fresh(o)).collect();
        assert_eq!(forward, expected);
        assert_eq!(backward.into_iter().rev().collect::<Vec<_>>(), expected);
        // The 3 after "µ" and "é" (two bytes each): byte 17, character column 16.
        assert_eq!(text.find('3'), Some(17));
        assert_eq!(idx.position(17), (1, 16));
    }
}
