//! The scenario file: parsing with positions, dotted-path overrides, validation into
//! [`Scenario`], defaults and presets.
//!
//! ```text
//! file --ScenarioFile::load--> raw document (+ declared or default variants)
//!      --resolve(variant, extra overrides)--> overrides applied --> validated Scenario
//! ```
//!
//! Every key and its default is documented in `scenarios/README.md`.

mod error;
mod model;
mod overrides;
pub mod presets;
mod raw;
mod sensitivity_table;
mod units;
mod validate;

pub use error::{ErrorKind, ScenarioError, Site, Via};
pub use model::*;
pub use overrides::Override;
pub use presets::{RegionPreset, is_region_name, region_name_problem, region_preset};
pub use sensitivity_table::SensitivityEntry;
pub use units::{format_duration, format_size, parse_byte_rate, parse_duration, parse_size};
pub use validate::{
    KeyInfo, MAX_CONCURRENCY, MAX_NAME_LEN, MAX_RUN, MAX_SPEED, MIN_SPEED, check_speed, key_table,
    name_problem,
};

use std::path::{Path, PathBuf};

/// Whether `s` is a valid scenario, variant, bucket or workload name ([`name_problem`]), the
/// rule scenario validation applies. Names read back from result and shard files must pass it
/// too, since they become file names.
pub fn is_valid_name(s: &str) -> bool {
    name_problem(s).is_none()
}

/// Checks a dotted parameter path's shape (non-empty segments of letters, digits, `_` and
/// `-`), as overrides and sweeps require it.
pub fn check_param_path(path: &str) -> Result<(), String> {
    overrides::check_path(path)
}

use raw::{Origin, RawKind, RawTable, RawValue};

/// A scenario file as read: its text, the raw document with positions, and its variants.
#[derive(Debug, Clone)]
pub struct ScenarioFile {
    path: PathBuf,
    text: String,
    root: RawTable,
    name: String,
    variants: Vec<VariantSpec>,
    declared: bool,
}

/// One parameter of the file's `[sweep]` table: a dotted path and the values it takes.
#[derive(Debug, Clone)]
pub struct SweepEntry {
    pub path: String,
    pub values: SweepValues,
    /// Line of the entry in the file.
    pub line: Option<usize>,
}

/// The values of a `[sweep]` entry as written.
#[derive(Debug, Clone)]
pub enum SweepValues {
    /// A TOML array (or a single value): each element is one value.
    List(Vec<toml_edit::Value>),
    /// A string in the command line's LIST syntax: `a,b,c`, `start..end:step`,
    /// `start..end:xN`.
    Spec(String),
}

/// A named set of overrides: a `[[variant]]` of the file, or one of the default variants.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantSpec {
    pub name: String,
    pub description: String,
    pub overrides: Vec<Override>,
}

impl ScenarioFile {
    /// Reads and parses a scenario file (see [`ScenarioFile::parse`]).
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let text =
            crate::input::read_text(path, crate::input::InputKind::Scenario).map_err(|e| {
                let err = ScenarioError::new(ErrorKind::Io, path, e.reason());
                match e.line() {
                    Some(line) => err.at_line(line),
                    None => err,
                }
            })?;
        Self::parse(path, &text)
    }

    /// Parses scenario text: TOML syntax, the scenario `name`, and the structure of the
    /// `[[variant]]` tables. Everything else is checked by [`ScenarioFile::resolve`].
    pub fn parse(path_for_messages: &Path, text: &str) -> Result<Self, ScenarioError> {
        let file = path_for_messages;
        let doc = toml_edit::Document::parse(text.to_string()).map_err(|e| {
            let mut err = ScenarioError::new(
                ErrorKind::Syntax,
                file,
                format!("invalid TOML: {}", e.message().trim_end()),
            );
            if let Some(span) = e.span() {
                let (line, column) = raw::LineIndex::new(text).position(span.start);
                err = err.at(line, column);
            }
            err
        })?;
        let root = raw::from_document(&doc);
        let name = validate::scenario_name(file, &root)?;
        let (variants, declared) = match root.get("variant") {
            Some(entry) => (declared_variants(file, &entry.value)?, true),
            None => (default_variants(&root), false),
        };
        Ok(ScenarioFile {
            path: file.to_path_buf(),
            text: text.to_string(),
            root,
            name,
            variants,
            declared,
        })
    }

    /// Adds to the document what a command derives from elsewhere (`bksim replay`: the log's
    /// buckets and its trace workload): a top-level key of `generated` the file does not set
    /// is added, an array (`[[bucket]]`, `[[workload]]`) is appended to the file's. Every
    /// value added is marked as set by `by`. The default variants are recomputed, so that the
    /// added sse-kms buckets are in them.
    pub fn extend(&mut self, generated: &str, by: &str) -> Result<(), ScenarioError> {
        let doc = toml_edit::Document::parse(generated.to_string()).map_err(|e| {
            ScenarioError::new(
                ErrorKind::Invalid,
                &self.path,
                format!("{by}: {}", e.message().trim_end()),
            )
        })?;
        let extra = raw::from_document(&doc);
        for mut e in extra.entries {
            let origin = Origin::Override {
                by: by.to_string(),
                path: e.key.clone(),
                line: None,
            };
            raw::reorigin(&mut e.value, &origin);
            e.key_origin = origin.clone();
            match self.root.get_mut(&e.key) {
                None => self.root.entries.push(e),
                Some(have) => match (&mut have.value.kind, e.value.kind) {
                    (RawKind::Array(items), RawKind::Array(more)) => items.extend(more),
                    (_, RawKind::Array(_)) => {
                        return Err(located(
                            &self.path,
                            &have.value.origin,
                            &e.key,
                            format!(
                                "{by} adds [[{}]] tables, but the file's `{}` is not an array of tables",
                                e.key, e.key
                            ),
                        ));
                    }
                    // The file's own value wins.
                    _ => {}
                },
            }
        }
        if !self.declared {
            self.variants = default_variants(&self.root);
        }
        Ok(())
    }

    /// The S3 names of the buckets the file declares (`s3_name`, else `name`), as written.
    pub fn bucket_s3_names(&self) -> Vec<String> {
        let Some(RawKind::Array(items)) = self.root.get("bucket").map(|e| &e.value.kind) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|b| {
                let t = b.as_table()?;
                t.get("s3_name")
                    .or_else(|| t.get("name"))?
                    .value
                    .as_str()
                    .map(String::from)
            })
            .collect()
    }

    /// The names of the file's `[[kind]]` elements (buckets, workloads), as written.
    pub fn element_names(&self, kind: &str) -> Vec<String> {
        let Some(RawKind::Array(items)) = self.root.get(kind).map(|e| &e.value.kind) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|b| b.as_table()?.get("name")?.value.as_str().map(String::from))
            .collect()
    }

    /// The scenario name (a checked identifier, `[A-Za-z0-9_-]+`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path used in messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text as read.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The variants: the file's `[[variant]]` tables in order, or, when it declares none,
    /// `per-object` and `bucket-key` (bucket keys off / on for every sse-kms bucket) when a
    /// bucket uses sse-kms, otherwise a single `baseline` with no overrides.
    pub fn variants(&self) -> &[VariantSpec] {
        &self.variants
    }

    /// Whether the variants come from `[[variant]]` tables (rather than the defaults).
    pub fn variants_declared(&self) -> bool {
        self.declared
    }

    /// The base document with the named variant's overrides (when `Some`) and then `extra`
    /// applied, validated.
    pub fn resolve(
        &self,
        variant: Option<&str>,
        extra: &[Override],
    ) -> Result<Scenario, ScenarioError> {
        let mut root = self.root.clone();
        if let Some(name) = variant {
            let spec = self.variant(name)?;
            for o in &spec.overrides {
                overrides::apply(&self.path, &mut root, o)?;
            }
        }
        for o in extra {
            overrides::apply(&self.path, &mut root, o)?;
        }
        validate::validate(&self.path, &root, &self.root)
    }

    /// Every variant resolved with `extra`, in order: what `bksim validate` checks.
    pub fn resolve_all(
        &self,
        extra: &[Override],
    ) -> Result<Vec<(String, Scenario)>, ScenarioError> {
        self.variants
            .iter()
            .map(|v| Ok((v.name.clone(), self.resolve(Some(&v.name), extra)?)))
            .collect()
    }

    /// The file's `[sweep]` table (empty when there is none), in the order written. Keys are
    /// dotted paths (quoted, or unquoted dotted keys, which mean the same); values are arrays
    /// of values or LIST strings.
    pub fn sweep(&self) -> Result<Vec<SweepEntry>, ScenarioError> {
        let Some(table) = self.top_table("sweep", "dotted path = values")? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        flatten_sweep(&self.path, "", table, &mut out)?;
        Ok(out)
    }

    /// The top-level table `[name]` (None when the file has none); anything else there is an
    /// error naming the file, line and key, saying it expected a table of `entries`.
    pub(crate) fn top_table(
        &self,
        name: &str,
        entries: &str,
    ) -> Result<Option<&raw::RawTable>, ScenarioError> {
        let Some(entry) = self.root.get(name) else {
            return Ok(None);
        };
        match entry.value.as_table() {
            Some(t) => Ok(Some(t)),
            None => Err(located(
                &self.path,
                &entry.value.origin,
                name,
                format!(
                    "expected a table of {entries}, found {}",
                    entry.value.kind.type_name()
                ),
            )),
        }
    }

    /// The variant called `name`, or an error listing the known names.
    pub fn variant(&self, name: &str) -> Result<&VariantSpec, ScenarioError> {
        self.variants
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
                ScenarioError::new(
                    ErrorKind::Invalid,
                    &self.path,
                    format!("no variant named '{name}' (known: {})", known.join(", ")),
                )
                .with_key("variant")
                .with_hint(error::did_you_mean(name, known.iter().copied()))
            })
    }
}

fn origin_line(o: &Origin) -> Option<usize> {
    match o {
        Origin::File { line, .. } => Some(*line),
        Origin::Override { line, .. } => *line,
    }
}

fn located(file: &Path, origin: &Origin, key: &str, message: String) -> ScenarioError {
    let e = ScenarioError::new(ErrorKind::Invalid, file, message).with_key(key);
    match origin {
        Origin::File { line, column } => e.at(*line, *column),
        Origin::Override { .. } => e,
    }
}

fn flatten_sweep(
    file: &Path,
    prefix: &str,
    table: &RawTable,
    out: &mut Vec<SweepEntry>,
) -> Result<(), ScenarioError> {
    for e in &table.entries {
        let path = if prefix.is_empty() {
            e.key.clone()
        } else {
            format!("{prefix}.{}", e.key)
        };
        let line = match e.key_origin {
            Origin::File { line, .. } => Some(line),
            Origin::Override { .. } => None,
        };
        let key = format!("sweep.{path}");
        let to_value = |v: &RawValue| -> Result<toml_edit::Value, ScenarioError> {
            v.to_toml().parse::<toml_edit::Value>().map_err(|err| {
                located(
                    file,
                    &v.origin,
                    &key,
                    format!("not a value a sweep can take: {err}"),
                )
            })
        };
        let values = match &e.value.kind {
            RawKind::Table(t) => {
                flatten_sweep(file, &path, t, out)?;
                continue;
            }
            RawKind::String(s) => SweepValues::Spec(s.clone()),
            RawKind::Array(items) => {
                if items.is_empty() {
                    return Err(located(
                        file,
                        &e.value.origin,
                        &key,
                        "no values to sweep".into(),
                    ));
                }
                SweepValues::List(items.iter().map(to_value).collect::<Result<_, _>>()?)
            }
            _ => SweepValues::List(vec![to_value(&e.value)?]),
        };
        out.push(SweepEntry { path, values, line });
    }
    Ok(())
}

/// Most `[[variant]]` tables a scenario may declare: a run holds every variant's time series
/// (up to 100,000 rows each) until it writes them.
pub const MAX_VARIANTS: usize = 32;

/// The `[[variant]]` tables, checked for structure.
fn declared_variants(file: &Path, value: &RawValue) -> Result<Vec<VariantSpec>, ScenarioError> {
    let RawKind::Array(items) = &value.kind else {
        return Err(located(
            file,
            &value.origin,
            "variant",
            format!(
                "expected an array of tables ([[variant]]), found {}",
                value.kind.type_name()
            ),
        ));
    };
    if items.is_empty() {
        return Err(located(
            file,
            &value.origin,
            "variant",
            "declare at least one [[variant]], or leave `variant` out for the defaults".into(),
        ));
    }
    if items.len() > MAX_VARIANTS {
        return Err(located(
            file,
            &items[MAX_VARIANTS].origin,
            "variant",
            format!(
                "{} [[variant]] tables are more than bksim simulates in one run: at most \
                 {MAX_VARIANTS} (a run holds every variant's time series until it writes them)",
                items.len()
            ),
        ));
    }
    let mut out: Vec<VariantSpec> = Vec::new();
    let mut lines: Vec<Option<usize>> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(t) = item.as_table() else {
            return Err(located(
                file,
                &item.origin,
                "variant",
                format!(
                    "expected a table in [[variant]], found {}",
                    item.kind.type_name()
                ),
            ));
        };
        let Some(name_entry) = t.get("name") else {
            return Err(located(
                file,
                &item.origin,
                &format!("variant[{i}].name"),
                "missing required key".into(),
            ));
        };
        let name = match &name_entry.value.kind {
            RawKind::String(s) if validate::name_problem(s).is_none() => s.clone(),
            kind => {
                let msg = match kind {
                    RawKind::String(s) => validate::name_problem(s).unwrap_or_default(),
                    _ => format!(
                        "{} is not a valid name: use a string of letters, digits, '_' and '-'",
                        name_entry.value.to_toml()
                    ),
                };
                return Err(located(
                    file,
                    &name_entry.value.origin,
                    &format!("variant[{i}].name"),
                    msg,
                ));
            }
        };
        let path = format!("variant.{name}");
        if let Some(j) = out.iter().position(|v| v.name == name) {
            let first = lines[j]
                .map(|l| format!(" (the first is at line {l})"))
                .unwrap_or_default();
            return Err(located(
                file,
                &name_entry.value.origin,
                &format!("{path}.name"),
                format!("two [[variant]] are named '{name}'{first}"),
            ));
        }
        for e in &t.entries {
            if !["name", "description", "set"].contains(&e.key.as_str()) {
                return Err(located(
                    file,
                    &e.key_origin,
                    &format!("{path}.{}", e.key),
                    "unknown key".into(),
                )
                .with_hint(error::did_you_mean(&e.key, ["name", "description", "set"])));
            }
        }
        let description = match t.get("description") {
            None => String::new(),
            Some(e) => match &e.value.kind {
                RawKind::String(s) => match validate::control_character_problem(s) {
                    None => s.clone(),
                    Some(msg) => {
                        return Err(located(
                            file,
                            &e.value.origin,
                            &format!("{path}.description"),
                            msg,
                        ));
                    }
                },
                other => {
                    return Err(located(
                        file,
                        &e.value.origin,
                        &format!("{path}.description"),
                        format!("expected a string, found {}", other.type_name()),
                    ));
                }
            },
        };
        let mut overrides = Vec::new();
        if let Some(set) = t.get("set") {
            let RawKind::Table(set_table) = &set.value.kind else {
                return Err(located(
                    file,
                    &set.value.origin,
                    &format!("{path}.set"),
                    format!(
                        "expected a table of dotted paths, found {}",
                        set.value.kind.type_name()
                    ),
                )
                .with_hint(Some(
                    "e.g. set = { \"bucket.ingest.bucket_key\" = false }".into(),
                )));
            };
            flatten_set(file, &name, &path, "", set_table, &mut overrides)?;
        }
        lines.push(origin_line(&item.origin));
        out.push(VariantSpec {
            name,
            description,
            overrides,
        });
    }
    Ok(out)
}

/// Turns a variant's `set` table into overrides: each key is a dotted path (quoted,
/// `"bucket.ingest.bucket_key" = false`, TOML dotted keys, or `[variant.set.kms]` sections,
/// whose keys are paths under `kms`); an inline-table value (`"kms.latency" = { ... }`)
/// replaces that sub-table whole.
fn flatten_set(
    file: &Path,
    variant: &str,
    vpath: &str,
    prefix: &str,
    t: &RawTable,
    out: &mut Vec<Override>,
) -> Result<(), ScenarioError> {
    for e in &t.entries {
        let path = if prefix.is_empty() {
            e.key.clone()
        } else {
            format!("{prefix}.{}", e.key)
        };
        if let RawKind::Table(sub) = &e.value.kind
            && (sub.dotted || !sub.inline)
        {
            flatten_set(file, variant, vpath, &path, sub, out)?;
            continue;
        }
        overrides::check_path(&path)
            .map_err(|m| located(file, &e.key_origin, &format!("{vpath}.set"), m))?;
        if matches!(path.as_str(), "seed" | "duration" | "warmup") {
            return Err(located(
                file,
                &e.key_origin,
                &format!("{vpath}.set.{path}"),
                format!(
                    "variants share the scenario's {path}, so that they see the same arrivals \
                     over the same time; set it at the top level (or with --set)"
                ),
            ));
        }
        let line = origin_line(&e.key_origin);
        let by = match line {
            Some(l) => format!("variant '{variant}' (line {l})"),
            None => format!("variant '{variant}'"),
        };
        out.push(Override::from_raw(&path, e.value.clone(), &by));
    }
    Ok(())
}

/// The default variants: `per-object` and `bucket-key` when some bucket uses sse-kms,
/// otherwise `baseline`.
fn default_variants(root: &RawTable) -> Vec<VariantSpec> {
    let sse_kms: Vec<String> = match root.get("bucket").map(|e| &e.value.kind) {
        Some(RawKind::Array(items)) => items
            .iter()
            .filter_map(|b| {
                let t = b.as_table()?;
                (t.get("encryption")?.value.as_str()? == "sse-kms")
                    .then(|| t.get("name")?.value.as_str().map(String::from))?
            })
            // A bad name is reported where it is written, by validation, not as a bad
            // override path of a default variant.
            .filter(|name| validate::name_problem(name).is_none())
            .collect(),
        _ => Vec::new(),
    };
    if sse_kms.is_empty() {
        return vec![VariantSpec {
            name: "baseline".into(),
            description: "the scenario as written".into(),
            overrides: Vec::new(),
        }];
    }
    let make = |name: &str, on: bool, description: &str| VariantSpec {
        name: name.into(),
        description: description.into(),
        overrides: sse_kms
            .iter()
            .map(|b| {
                Override::with_line(
                    &format!("bucket.{b}.bucket_key"),
                    &toml_edit::Value::from(on),
                    &format!("default variant '{name}'"),
                    None,
                )
            })
            .collect(),
    };
    vec![
        make(
            "per-object",
            false,
            "S3 Bucket Keys off for every sse-kms bucket: one KMS call per object",
        ),
        make(
            "bucket-key",
            true,
            "S3 Bucket Keys on for every sse-kms bucket",
        ),
    ]
}
