//! Validation: the raw document (overrides already applied) becomes a [`Scenario`], every key
//! checked (unknown keys rejected with a "did you mean"), every default filled in, every value
//! converted to internal units, and the provenance of each model parameter recorded (file
//! line, override, published fact or labelled assumption).

use std::collections::HashMap;
use std::path::Path;

use super::error::{ErrorKind, ScenarioError, Site, did_you_mean};
use super::model::*;
use super::presets::{self, *};
use super::raw::{Origin, RawKind, RawTable, RawValue};
use super::units::{self, format_duration, format_size};
use crate::engine::time::Nanos;
use crate::mode::Mode;

type R<T> = Result<T, ScenarioError>;

/// Why a value is unacceptable, before it is located.
pub(crate) struct Problem {
    msg: String,
    hint: Option<String>,
}

type P<T> = Result<T, Problem>;

fn problem(msg: impl Into<String>) -> Problem {
    Problem {
        msg: msg.into(),
        hint: None,
    }
}

impl Problem {
    fn hint(mut self, hint: impl Into<String>) -> Self {
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
struct Tbl<'a> {
    t: &'a RawTable,
    path: String,
    /// Where the table is (its header, `{`, or the override that made it); `None` for the
    /// document root.
    origin: Option<&'a Origin>,
}

impl<'a> Tbl<'a> {
    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{}", self.path, key)
        }
    }

    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.t.get(key).map(|e| &e.value)
    }
}

fn fact(reference: &str) -> ValueSource {
    ValueSource::Fact {
        reference: reference.to_string(),
    }
}

fn assume(note: &str) -> ValueSource {
    ValueSource::Assumption {
        note: note.to_string(),
    }
}

/// Collects notes and provenance while building the scenario.
struct Ctx<'f> {
    file: &'f Path,
    notes: Vec<String>,
    prov: Vec<Provenance>,
}

impl<'f> Ctx<'f> {
    fn error(&self, origin: Option<&Origin>, key: &str, p: Problem) -> ScenarioError {
        let mut e = ScenarioError::new(ErrorKind::Invalid, self.file, p.msg)
            .with_key(key)
            .with_hint(p.hint);
        match origin {
            Some(Origin::File { line, column }) => e = e.at(*line, *column),
            Some(Origin::Override { by, path, line }) => e = e.via(by, path, *line),
            None => {}
        }
        e
    }

    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    fn record(&mut self, path: String, v: &RawValue) {
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

    fn record_default(&mut self, path: String, value: impl Into<String>, source: ValueSource) {
        self.prov.push(Provenance {
            path,
            value: value.into(),
            source,
        });
    }

    /// Rejects keys of `tbl` not in `known`, suggesting the closest known key. `extra` may
    /// give a better hint for a key that is valid elsewhere.
    fn check_keys(
        &self,
        tbl: &Tbl,
        known: &[&str],
        extra: impl Fn(&str) -> Option<String>,
    ) -> R<()> {
        for e in &tbl.t.entries {
            if !known.contains(&e.key.as_str()) {
                let hint = extra(&e.key).or_else(|| did_you_mean(&e.key, known.iter().copied()));
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
    fn opt_quiet<T>(
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
    fn opt<T>(
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

    /// The value of `key` parsed and recorded, or `default` (recorded with its source).
    fn or_default<T>(
        &mut self,
        tbl: &Tbl,
        key: &str,
        parse: impl FnOnce(&RawValue) -> P<T>,
        default: T,
        text: impl Into<String>,
        source: ValueSource,
    ) -> R<T> {
        match self.opt(tbl, key, parse)? {
            Some(v) => Ok(v),
            None => {
                self.record_default(tbl.key_path(key), text, source);
                Ok(default)
            }
        }
    }

    fn missing(&self, tbl: &Tbl, key: &str, hint: Option<&str>) -> ScenarioError {
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
    fn req_quiet<T>(
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
    fn req<T>(
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
    fn sub<'a>(&self, parent: &Tbl<'a>, key: &str) -> R<Option<Tbl<'a>>> {
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
    fn sub_or_empty<'a>(&self, parent: &Tbl<'a>, key: &str) -> R<Tbl<'a>> {
        Ok(self.sub(parent, key)?.unwrap_or_else(|| Tbl {
            t: &EMPTY_TABLE,
            path: parent.key_path(key),
            origin: parent.origin,
        }))
    }

    /// The tables of an array of tables (`[[key]]` or `key = [{...}]`), at least one.
    fn array_of_tables<'a>(&self, parent: &Tbl<'a>, key: &str, hint: &str) -> R<Vec<&'a RawValue>> {
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

    /// A latency distribution: a duration string, `{ median, p99 }`, `{ mean }` or
    /// `{ dist = "exponential", mean }`.
    fn latency(&self, v: &RawValue, path: &str) -> R<LatencyDist> {
        let t = match &v.kind {
            RawKind::Table(t) => t,
            _ => {
                return delay(v).map(LatencyDist::Fixed).map_err(|p| {
                    self.error(
                        Some(&v.origin),
                        path,
                        Problem {
                            hint: p.hint.or(Some(
                                "write a duration such as \"10ms\", or { median = \"8ms\", p99 = \"40ms\" }, or { mean = \"10ms\" }".into(),
                            )),
                            ..p
                        },
                    )
                });
            }
        };
        let tbl = Tbl {
            t,
            path: path.to_string(),
            origin: Some(&v.origin),
        };
        self.check_keys(&tbl, &["dist", "median", "p99", "mean"], |_| None)?;
        let dist = self.opt_quiet(&tbl, "dist", |v| one_of(v, &["lognormal", "exponential"]))?;
        let exponential = match dist {
            Some(d) => d == "exponential",
            None => {
                tbl.get("mean").is_some() && tbl.get("median").is_none() && tbl.get("p99").is_none()
            }
        };
        if exponential {
            for k in ["median", "p99"] {
                if let Some(e) = t.get(k) {
                    return Err(self.error(
                        Some(&e.key_origin),
                        &tbl.key_path(k),
                        problem("an exponential latency takes only `mean`"),
                    ));
                }
            }
            let mean =
                self.req_quiet(&tbl, "mean", Some("e.g. mean = \"10ms\""), positive_delay)?;
            return Ok(LatencyDist::Exponential { mean });
        }
        if let Some(e) = t.get("mean") {
            return Err(self.error(
                Some(&e.key_origin),
                &tbl.key_path("mean"),
                problem("`mean` is for an exponential latency; a lognormal one takes `median` and `p99`"),
            ));
        }
        let median = self.req_quiet(
            &tbl,
            "median",
            Some("e.g. median = \"8ms\""),
            positive_delay,
        )?;
        let p99 = self.req_quiet(&tbl, "p99", Some("e.g. p99 = \"40ms\""), positive_delay)?;
        if p99 < median {
            let v = tbl.get("p99").expect("present");
            return Err(self.error(
                Some(&v.origin),
                &tbl.key_path("p99"),
                problem(format!(
                    "p99 ({}) must be at least the median ({})",
                    format_duration(p99),
                    format_duration(median)
                )),
            ));
        }
        Ok(if p99 == median {
            LatencyDist::Fixed(median)
        } else {
            LatencyDist::LogNormal { median, p99 }
        })
    }

    /// An object size distribution: a size, or `{ dist = "lognormal", median, p99 }`.
    fn size_dist(&self, v: &RawValue, path: &str) -> R<SizeDist> {
        let t = match &v.kind {
            RawKind::Table(t) => t,
            _ => {
                return size(v).map(SizeDist::Fixed).map_err(|p| {
                    self.error(
                        Some(&v.origin),
                        path,
                        Problem {
                            hint: p.hint.or(Some(
                                "write a size such as \"256KiB\", or { dist = \"lognormal\", median = \"256KiB\", p99 = \"8MiB\" }".into(),
                            )),
                            ..p
                        },
                    )
                });
            }
        };
        let tbl = Tbl {
            t,
            path: path.to_string(),
            origin: Some(&v.origin),
        };
        self.check_keys(&tbl, &["dist", "median", "p99"], |_| None)?;
        self.opt_quiet(&tbl, "dist", |v| one_of(v, &["lognormal"]))?;
        let positive_size = |v: &RawValue| {
            let s = size(v)?;
            if s == 0 {
                return Err(problem("must be greater than 0"));
            }
            Ok(s)
        };
        let median = self.req_quiet(
            &tbl,
            "median",
            Some("e.g. median = \"256KiB\""),
            positive_size,
        )?;
        let p99 = self.req_quiet(&tbl, "p99", Some("e.g. p99 = \"8MiB\""), positive_size)?;
        if p99 < median {
            let v = tbl.get("p99").expect("present");
            return Err(self.error(
                Some(&v.origin),
                &tbl.key_path("p99"),
                problem(format!(
                    "p99 ({}) must be at least the median ({})",
                    format_size(p99),
                    format_size(median)
                )),
            ));
        }
        Ok(if p99 == median {
            SizeDist::Fixed(median)
        } else {
            SizeDist::LogNormal { median, p99 }
        })
    }
}

// ---------------------------------------------------------------------------------------
// Value parsers: type and range checks, returning an unlocated problem.

/// How long a quoted value in a message may be.
const QUOTE_MAX: usize = 48;

/// A value as found in the file, for a message (long values clipped).
fn found(v: &RawValue) -> String {
    crate::input::clip(&v.to_toml(), QUOTE_MAX)
}

fn string(v: &RawValue) -> P<String> {
    v.as_str()
        .map(String::from)
        .ok_or_else(|| problem(format!("expected a string, found {}", found(v))))
}

fn boolean(v: &RawValue) -> P<bool> {
    match v.kind {
        RawKind::Boolean(b) => Ok(b),
        _ => Err(problem(format!(
            "expected true or false, found {}",
            found(v)
        ))),
    }
}

fn one_of(v: &RawValue, allowed: &[&str]) -> P<String> {
    let list = allowed
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let s = v
        .as_str()
        .ok_or_else(|| problem(format!("expected one of {list}, found {}", found(v))))?;
    if allowed.contains(&s) {
        Ok(s.to_string())
    } else {
        let hint = did_you_mean(s, allowed.iter().copied());
        Err(Problem {
            msg: format!("expected one of {list}, found {}", found(v)),
            hint,
        })
    }
}

/// The longest name (of a scenario, variant, workload or bucket): names become parts of file
/// names (`latency-<variant>-put.hgrm`, `<scenario>-sweep/`), which most filesystems cap at
/// 255 bytes.
pub const MAX_NAME_LEN: usize = 64;

/// What is wrong with a name used in file names and paths, if anything: it must be 1 to
/// [`MAX_NAME_LEN`] characters of `[A-Za-z0-9_-]`. The one rule for names, wherever they
/// come from (a scenario, a shard or a results file).
pub fn name_problem(s: &str) -> Option<String> {
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Some(format!(
            "'{}' is not a valid name: use only letters, digits, '_' and '-'",
            crate::input::clip(s, QUOTE_MAX)
        ));
    }
    if s.len() > MAX_NAME_LEN {
        return Some(format!(
            "a name of {} characters is too long: at most {MAX_NAME_LEN}",
            s.len()
        ));
    }
    None
}

/// A name used in file names and paths (see [`name_problem`]).
pub(crate) fn identifier(v: &RawValue) -> P<String> {
    let s = string(v)?;
    if let Some(msg) = name_problem(&s) {
        return Err(problem(msg).hint("names are used in file names and override paths"));
    }
    Ok(s)
}

/// A whole number in `min..=max` (strict: TOML integers only).
fn whole(v: &RawValue, what: &str, min: u64, max: u64) -> P<u64> {
    let n = match v.kind {
        RawKind::Integer(i) if i >= 0 => i as u64,
        RawKind::Float(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 => {
            return Err(problem(format!(
                "expected a whole number of {what}, found {}",
                found(v)
            ))
            .hint(format!(
                "write it as an integer, without a decimal point: {x:.0}"
            )));
        }
        _ => {
            return Err(problem(format!(
                "expected a whole number of {what}, found {}",
                found(v)
            )));
        }
    };
    if n < min {
        return Err(problem(format!("must be at least {min}, found {n}")));
    }
    if n > max {
        return Err(problem(format!("must be at most {max}, found {n}")));
    }
    Ok(n)
}

fn count_u32(v: &RawValue, what: &str, min: u32) -> P<u32> {
    whole(v, what, min as u64, u32::MAX as u64).map(|n| n as u32)
}

/// A finite, non-negative number (integer or float).
fn number(v: &RawValue, what: &str) -> P<f64> {
    let x = match v.kind {
        RawKind::Integer(i) => i as f64,
        RawKind::Float(x) => x,
        _ => {
            return Err(problem(format!(
                "expected a number of {what}, found {}",
                found(v)
            )));
        }
    };
    if !x.is_finite() {
        return Err(problem(format!(
            "expected a finite number of {what}, found {}",
            found(v)
        )));
    }
    if x < 0.0 {
        return Err(problem(format!(
            "expected a non-negative number of {what}, found {}",
            found(v)
        )));
    }
    Ok(x)
}

fn positive_number(v: &RawValue, what: &str) -> P<f64> {
    let x = number(v, what)?;
    if x == 0.0 {
        return Err(problem(format!(
            "must be greater than 0, found {}",
            found(v)
        )));
    }
    Ok(x)
}

fn duration(v: &RawValue) -> P<Nanos> {
    match &v.kind {
        RawKind::String(s) => at_most(units::parse_duration(s)?, MAX_ANY_DURATION, "a duration"),
        RawKind::Integer(0) => Ok(0),
        _ => Err(problem(format!("expected a duration, found {}", found(v)))
            .hint("write a string with a unit, such as \"250ms\", \"5m\" or \"2h\"")),
    }
}

/// Upper bounds that keep a run finite and its arithmetic far from overflow.
const DAY: Nanos = 86_400 * 1_000_000_000;
const HOUR: Nanos = 3_600 * 1_000_000_000;
/// Any duration in a scenario.
const MAX_ANY_DURATION: Nanos = 400 * DAY;
/// The simulated `duration`. Memory does not grow with it: the time series switches to
/// coarser rows for long runs (`metrics::collector::timeseries_step`).
/// The longest simulated run (`duration`).
pub const MAX_RUN: Nanos = 366 * DAY;
/// A latency, a backoff or a retry delay.
const MAX_DELAY: Nanos = HOUR;
/// A closed-loop think time.
const MAX_THINK: Nanos = DAY;
/// An arrival or background rate, requests per second.
const MAX_RATE: f64 = 1e8;

/// `d` if it is at most `max`, else a problem saying so.
fn at_most(d: Nanos, max: Nanos, what: &str) -> P<Nanos> {
    if d > max {
        Err(problem(format!(
            "{} is too long for {what}: at most {}",
            format_duration(d),
            format_duration(max)
        )))
    } else {
        Ok(d)
    }
}

/// A delay (latency, backoff): a duration of at most an hour.
fn delay(v: &RawValue) -> P<Nanos> {
    at_most(duration(v)?, MAX_DELAY, "a delay")
}

fn positive_delay(v: &RawValue) -> P<Nanos> {
    at_most(positive_duration(v)?, MAX_DELAY, "a delay")
}

/// A rate in requests per second, at most [`MAX_RATE`].
fn rate_value(v: &RawValue) -> P<f64> {
    let x = number(v, "requests per second")?;
    if x > MAX_RATE {
        return Err(problem(format!(
            "{} requests per second is more than bksim simulates (at most {MAX_RATE:e})",
            found(v)
        )));
    }
    Ok(x)
}

fn positive_duration(v: &RawValue) -> P<Nanos> {
    let d = duration(v)?;
    if d == 0 {
        return Err(problem(format!(
            "must be longer than 0, found {}",
            found(v)
        )));
    }
    Ok(d)
}

fn size(v: &RawValue) -> P<u64> {
    match &v.kind {
        RawKind::String(s) => Ok(units::parse_size(s)?),
        RawKind::Integer(i) if *i >= 0 => Ok(*i as u64),
        _ => Err(problem(format!("expected a size, found {}", found(v)))
            .hint("write a number of bytes or a string such as \"256KiB\" or \"8MiB\"")),
    }
}

/// `true` when `s` looks like a KMS key ARN or alias ARN; returns its Region.
fn kms_key_region(s: &str) -> Option<&str> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    let ok = *arn == "arn"
        && matches!(*partition, "aws" | "aws-cn" | "aws-us-gov")
        && *service == "kms"
        && presets::is_region_name(region)
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && (resource
            .strip_prefix("key/")
            .or_else(|| resource.strip_prefix("alias/"))
            .is_some_and(|id| {
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_/".contains(c))
            }));
    ok.then_some(*region)
}

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "duration",
    "warmup",
    "kms",
    "s3",
    "client",
    "crypto",
    "bucket",
    "workload",
    "variant",
    "sweep",
];
const CRYPTO_KEYS: &[&str] = &["profile", "verify", "verify_objects"];
const KMS_KEYS: &[&str] = &[
    "region",
    "quota_rps",
    "limiter",
    "burst",
    "latency",
    "background_rps",
    "price_per_10k",
    "free_tier",
    "key_price_per_month",
];
const S3_KEYS: &[&str] = &[
    "frontend_hosts",
    "bucket_key_ttl",
    "latency",
    "prefix_put_rps",
    "prefix_get_rps",
    "single_flight",
    "multipart_threshold",
    "multipart_part_size",
    "transfer_rate",
];
const CLIENT_KEYS: &[&str] = &[
    "cpu_cores",
    "retry",
    "max_attempts",
    "base_delay",
    "max_backoff",
    "retry_quota",
    "retry_cost",
    "connections_per_session",
    "pool",
    "data_key_cache",
];
const BUCKET_KEYS: &[&str] = &[
    "name",
    "encryption",
    "bucket_key",
    "kms_key",
    "prefixes",
    "existing",
];
const EXISTING_KEYS: &[&str] = &[
    "objects",
    "written_over",
    "writer_sessions",
    "bucket_key",
    "size",
];
const WORKLOAD_KEYS: &[&str] = &[
    "name",
    "bucket",
    "op",
    "arrival",
    "sessions",
    "size",
    "read_from",
];

/// S3's smallest part size (all parts but the last), its largest, and the most parts.
const MIN_PART: u64 = 5 << 20;
const MAX_PART: u64 = 5 << 30;
const MAX_PARTS: u64 = 10_000;

/// The scenario name, checked (required, `[A-Za-z0-9_-]+`).
pub(crate) fn scenario_name(file: &Path, root: &RawTable) -> R<String> {
    let ctx = Ctx {
        file,
        notes: Vec::new(),
        prov: Vec::new(),
    };
    let tbl = Tbl {
        t: root,
        path: String::new(),
        origin: None,
    };
    ctx.req_quiet(&tbl, "name", Some("e.g. name = \"quickstart\""), identifier)
}

/// Validates a raw document (overrides applied) into a [`Scenario`].
pub(crate) fn validate(file: &Path, root: &RawTable) -> R<Scenario> {
    let mut ctx = Ctx {
        file,
        notes: Vec::new(),
        prov: Vec::new(),
    };
    let top = Tbl {
        t: root,
        path: String::new(),
        origin: None,
    };
    // `[sweep]` describes a parameter grid, not the model: `ScenarioFile::sweep` reads it.
    ctx.check_keys(&top, TOP_KEYS, |_| None)?;

    let name = ctx.req_quiet(&top, "name", Some("e.g. name = \"quickstart\""), identifier)?;
    let description = ctx
        .opt_quiet(&top, "description", string)?
        .unwrap_or_default();
    let seed = ctx.or_default(
        &top,
        "seed",
        |v| whole(v, "seed", 0, i64::MAX as u64),
        1,
        "1",
        assume(NOTE_SEED),
    )?;
    let duration = ctx.req(&top, "duration", Some("e.g. duration = \"2m\""), |v| {
        at_most(positive_duration(v)?, MAX_RUN, "a run")
    })?;
    let warmup = ctx.or_default(&top, "warmup", self::duration, 0, "0s", assume(NOTE_WARMUP))?;
    if warmup >= duration {
        let v = top
            .get("warmup")
            .expect("a default warmup of 0 is below any duration");
        return Err(ctx.error(
            Some(&v.origin),
            "warmup",
            problem(format!(
                "warmup ({}) must be shorter than duration ({})",
                format_duration(warmup),
                format_duration(duration)
            )),
        ));
    }

    let kms = kms_config(&mut ctx, &top)?;
    let s3 = s3_config(&mut ctx, &top)?;
    let client = client_config(&mut ctx, &top)?;
    let crypto = crypto_config(&mut ctx, &top)?;
    let buckets = buckets(&mut ctx, &top, &kms)?;
    let workloads = workloads(&mut ctx, &top, &buckets, &s3)?;

    if client.data_key_cache.is_some() && !buckets.iter().any(|b| b.encryption.client_calls_kms()) {
        ctx.note(
            "client.data_key_cache has no effect: no bucket uses cse-kms (client-side encryption)"
                .into(),
        );
    }

    let mut provenance = ctx.prov;
    provenance.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Scenario {
        name,
        description,
        seed,
        duration,
        warmup,
        kms,
        s3,
        client,
        crypto,
        buckets,
        workloads,
        notes: ctx.notes,
        provenance,
    })
}

fn kms_config(ctx: &mut Ctx, top: &Tbl) -> R<KmsConfig> {
    let t = ctx.sub_or_empty(top, "kms")?;
    ctx.check_keys(&t, KMS_KEYS, |_| None)?;
    let region_spec = ctx.or_default(
        &t,
        "region",
        string,
        "us-east-1".to_string(),
        "us-east-1",
        assume(NOTE_REGION),
    )?;
    let preset = region_preset(&region_spec).map_err(|(msg, hint)| {
        ctx.error(
            t.get("region").map(|v| &v.origin),
            "kms.region",
            Problem { msg, hint },
        )
    })?;
    let quota_rps = ctx.or_default(
        &t,
        "quota_rps",
        |v| whole(v, "requests per second", 1, u64::MAX),
        preset.quota_rps,
        preset.quota_rps.to_string(),
        fact(preset.reference),
    )?;
    let limiter = ctx.or_default(
        &t,
        "limiter",
        |v| one_of(v, &["fixed-window", "token-bucket"]),
        "fixed-window".to_string(),
        "fixed-window",
        assume(NOTE_LIMITER),
    )?;
    let burst = ctx.opt_quiet(&t, "burst", |v| whole(v, "requests", 1, u64::MAX))?;
    let limiter = if limiter == "token-bucket" {
        match burst {
            Some(b) => {
                ctx.record("kms.burst".into(), t.get("burst").expect("present"));
                LimiterKind::TokenBucket { burst: b }
            }
            None => {
                ctx.record_default(
                    "kms.burst".into(),
                    quota_rps.to_string(),
                    assume(NOTE_BURST),
                );
                LimiterKind::TokenBucket { burst: quota_rps }
            }
        }
    } else {
        if burst.is_some() {
            ctx.note("kms.burst is ignored: it applies only to limiter = \"token-bucket\"".into());
        }
        LimiterKind::FixedWindow
    };
    let latency = match t.get("latency") {
        Some(v) => {
            let l = ctx.latency(v, "kms.latency")?;
            ctx.record("kms.latency".into(), v);
            l
        }
        None => {
            let (median, p99) = KMS_LATENCY;
            ctx.record_default(
                "kms.latency".into(),
                format!("{{ median = \"{median}\", p99 = \"{p99}\" }}"),
                assume(NOTE_KMS_LATENCY),
            );
            LatencyDist::LogNormal {
                median: units::parse_duration(median).expect("valid default"),
                p99: units::parse_duration(p99).expect("valid default"),
            }
        }
    };
    let background_rps = ctx.or_default(
        &t,
        "background_rps",
        rate_value,
        0.0,
        "0",
        assume(NOTE_BACKGROUND),
    )?;
    let price_per_10k = ctx.or_default(
        &t,
        "price_per_10k",
        |v| number(v, "USD"),
        0.03,
        "0.03",
        fact(REF_PRICE),
    )?;
    let free_tier = ctx.or_default(
        &t,
        "free_tier",
        boolean,
        false,
        "false",
        assume(NOTE_FREE_TIER),
    )?;
    let key_price_per_month = ctx.or_default(
        &t,
        "key_price_per_month",
        |v| number(v, "USD"),
        1.0,
        "1.0",
        fact(REF_KEY_PRICE),
    )?;
    Ok(KmsConfig {
        region: preset.region,
        quota_table: preset.quota_table.to_string(),
        quota_rps,
        limiter,
        latency,
        background_rps,
        price_per_10k,
        free_tier,
        key_price_per_month,
    })
}

fn s3_config(ctx: &mut Ctx, top: &Tbl) -> R<S3Config> {
    let t = ctx.sub_or_empty(top, "s3")?;
    ctx.check_keys(&t, S3_KEYS, |_| None)?;
    let frontend_hosts = ctx.or_default(
        &t,
        "frontend_hosts",
        |v| count_u32(v, "hosts", 1),
        100,
        "100",
        assume(NOTE_FRONTEND_HOSTS),
    )?;
    let bucket_key_ttl = ctx.or_default(
        &t,
        "bucket_key_ttl",
        positive_duration,
        5 * 60 * 1_000_000_000,
        "5m",
        assume(NOTE_BUCKET_KEY_TTL),
    )?;
    let latency = match t.get("latency") {
        Some(v) => {
            let l = ctx.latency(v, "s3.latency")?;
            ctx.record("s3.latency".into(), v);
            l
        }
        None => {
            let (median, p99) = S3_LATENCY;
            ctx.record_default(
                "s3.latency".into(),
                format!("{{ median = \"{median}\", p99 = \"{p99}\" }}"),
                assume(NOTE_S3_LATENCY),
            );
            LatencyDist::LogNormal {
                median: units::parse_duration(median).expect("valid default"),
                p99: units::parse_duration(p99).expect("valid default"),
            }
        }
    };
    let prefix_put_rps = ctx.or_default(
        &t,
        "prefix_put_rps",
        |v| whole(v, "requests per second", 0, u64::MAX),
        3500,
        "3500",
        fact(REF_PREFIX_RATES),
    )?;
    let prefix_get_rps = ctx.or_default(
        &t,
        "prefix_get_rps",
        |v| whole(v, "requests per second", 0, u64::MAX),
        5500,
        "5500",
        fact(REF_PREFIX_RATES),
    )?;
    let single_flight = ctx.or_default(
        &t,
        "single_flight",
        boolean,
        true,
        "true",
        assume(NOTE_SINGLE_FLIGHT),
    )?;
    let multipart_threshold = ctx.or_default(
        &t,
        "multipart_threshold",
        |v| {
            let s = size(v)?;
            if s == 0 {
                return Err(problem("must be greater than 0"));
            }
            Ok(s)
        },
        8 << 20,
        "8MiB",
        assume(NOTE_MULTIPART_THRESHOLD),
    )?;
    let multipart_part_size = ctx.or_default(
        &t,
        "multipart_part_size",
        |v| {
            let s = size(v)?;
            if s < MIN_PART {
                return Err(problem(format!(
                    "{} is below S3's minimum part size of 5MiB",
                    format_size(s)
                )));
            }
            if s > MAX_PART {
                return Err(problem(format!(
                    "{} is above S3's maximum part size of 5GiB",
                    format_size(s)
                )));
            }
            Ok(s)
        },
        8 << 20,
        "8MiB",
        assume(NOTE_PART_SIZE),
    )?;
    let transfer_rate = ctx.or_default(
        &t,
        "transfer_rate",
        |v| match &v.kind {
            RawKind::String(s) => Ok(units::parse_byte_rate(s)?),
            _ => Ok(Some(positive_number(v, "bytes per second")?)),
        },
        None,
        "unlimited",
        assume(NOTE_TRANSFER_RATE),
    )?;
    Ok(S3Config {
        frontend_hosts,
        bucket_key_ttl,
        latency,
        prefix_put_rps,
        prefix_get_rps,
        single_flight,
        multipart_threshold,
        multipart_part_size,
        transfer_rate,
    })
}

/// `[crypto]`: the calibration profile (its path, relative paths against the scenario file's
/// folder; the caller loads it, `prepare`) and the verification sample.
fn crypto_config(ctx: &mut Ctx, top: &Tbl) -> R<CryptoConfig> {
    let t = ctx.sub_or_empty(top, "crypto")?;
    ctx.check_keys(&t, CRYPTO_KEYS, |_| None)?;
    let profile = ctx.or_default(
        &t,
        "profile",
        string,
        "reference".to_string(),
        "reference",
        assume(NOTE_PROFILE),
    )?;
    let profile_path = (profile != "reference")
        .then(|| ctx.file.parent().unwrap_or(Path::new(".")).join(&profile));
    let profile_site = Site::new(ctx.file, t.get("profile").map(|v| v.origin.clone()));
    let verify = ctx.or_default(&t, "verify", boolean, false, "false", assume(NOTE_VERIFY))?;
    let verify_objects = ctx.or_default(
        &t,
        "verify_objects",
        |v| whole(v, "objects", 1, 100_000).map(|n| n as u32),
        100,
        "100",
        assume(NOTE_VERIFY),
    )?;
    Ok(CryptoConfig {
        profile,
        profile_path,
        profile_site,
        cse_cost: None,
        verify,
        verify_objects,
    })
}

fn client_config(ctx: &mut Ctx, top: &Tbl) -> R<ClientConfig> {
    let t = ctx.sub_or_empty(top, "client")?;
    ctx.check_keys(&t, CLIENT_KEYS, |_| None)?;
    let retry = ctx.or_default(
        &t,
        "retry",
        |v| one_of(v, &["none", "standard", "adaptive"]),
        "standard".to_string(),
        "standard",
        fact(REF_RETRY_MODE),
    )?;
    let retry = match retry.as_str() {
        "none" => RetryMode::None,
        "adaptive" => RetryMode::Adaptive,
        _ => RetryMode::Standard,
    };
    let max_attempts = if retry == RetryMode::None {
        match ctx.opt(&t, "max_attempts", |v| {
            whole(v, "attempts", 1, 100).map(|n| n as u32)
        })? {
            Some(n) => {
                if n > 1 {
                    ctx.note(format!(
                        "client.max_attempts = {n} is ignored: retry = \"none\" makes one attempt"
                    ));
                }
            }
            None => ctx.record_default(
                "client.max_attempts".into(),
                "1",
                assume("retry = \"none\": one attempt"),
            ),
        }
        1
    } else {
        ctx.or_default(
            &t,
            "max_attempts",
            |v| whole(v, "attempts", 1, 100).map(|n| n as u32),
            3,
            "3",
            fact(REF_BOTOCORE_STANDARD),
        )?
    };
    let base_delay = ctx.or_default(
        &t,
        "base_delay",
        delay,
        1_000_000_000,
        "1s",
        fact(REF_BOTOCORE_STANDARD),
    )?;
    let max_backoff = ctx.or_default(
        &t,
        "max_backoff",
        delay,
        20_000_000_000,
        "20s",
        fact(REF_BOTOCORE_STANDARD),
    )?;
    let retry_quota = ctx.or_default(
        &t,
        "retry_quota",
        |v| count_u32(v, "tokens", 0),
        500,
        "500",
        fact(REF_BOTOCORE_STANDARD),
    )?;
    let retry_cost = ctx.or_default(
        &t,
        "retry_cost",
        |v| count_u32(v, "tokens", 0),
        5,
        "5",
        fact(REF_BOTOCORE_STANDARD),
    )?;
    let connections_per_session = ctx.or_default(
        &t,
        "connections_per_session",
        |v| count_u32(v, "connections", 1),
        10,
        "10",
        assume(NOTE_CONNECTIONS),
    )?;
    let pool = ctx.or_default(
        &t,
        "pool",
        |v| one_of(v, &["grow", "wait"]),
        "grow".to_string(),
        "grow",
        assume(NOTE_POOL),
    )?;
    let pool = if pool == "wait" {
        PoolPolicy::Wait
    } else {
        PoolPolicy::Grow
    };
    let data_key_cache = match ctx.sub(&t, "data_key_cache")? {
        None => None,
        Some(c) => {
            ctx.check_keys(&c, &["max_age", "max_messages", "max_bytes"], |_| None)?;
            let max_age = ctx.req(
                &c,
                "max_age",
                Some("e.g. max_age = \"5m\""),
                positive_duration,
            )?;
            let max_messages = ctx.or_default(
                &c,
                "max_messages",
                |v| whole(v, "messages", 1, 1 << 32),
                1 << 32,
                "4294967296",
                fact(REF_ESDK_CACHE),
            )?;
            let max_bytes = ctx.or_default(
                &c,
                "max_bytes",
                |v| {
                    let s = size(v)?;
                    if s > i64::MAX as u64 {
                        return Err(problem("must be at most 2^63 - 1 bytes"));
                    }
                    Ok(s)
                },
                i64::MAX as u64,
                "9223372036854775807",
                fact(REF_ESDK_CACHE),
            )?;
            Some(DataKeyCache {
                max_age,
                max_messages,
                max_bytes,
            })
        }
    };
    let cpu_cores = ctx.or_default(
        &t,
        "cpu_cores",
        |v| count_u32(v, "cores", 0),
        0,
        "0",
        assume(NOTE_CPU_CORES),
    )?;
    Ok(ClientConfig {
        cpu_cores,
        retry,
        max_attempts,
        base_delay,
        max_backoff,
        retry_quota,
        retry_cost,
        connections_per_session,
        pool,
        data_key_cache,
    })
}

/// Reads the `name` of the `index`-th element of `[[kind]]`, checks it and that it is unique.
fn element_name(
    ctx: &Ctx,
    kind: &str,
    index: usize,
    item: &RawValue,
    seen: &mut HashMap<String, Option<usize>>,
) -> R<String> {
    let tbl = Tbl {
        t: item.as_table().expect("checked by array_of_tables"),
        path: format!("{kind}[{index}]"),
        origin: Some(&item.origin),
    };
    let name = ctx.req_quiet(&tbl, "name", None, identifier)?;
    let line = match &item.origin {
        Origin::File { line, .. } => Some(*line),
        Origin::Override { line, .. } => *line,
    };
    if let Some(first) = seen.get(&name) {
        let v = tbl.get("name").expect("present");
        let at = first
            .map(|l| format!(" (the first is at line {l})"))
            .unwrap_or_default();
        return Err(ctx.error(
            Some(&v.origin),
            &format!("{kind}.{name}.name"),
            problem(format!("two [[{kind}]] are named '{name}'{at}")),
        ));
    }
    seen.insert(name.clone(), line);
    Ok(name)
}

/// `[[bucket]]` and `[[workload]]` tables, each: a written bucket keeps a sample of up to
/// 65,536 objects for reads.
const MAX_ELEMENTS: usize = 100;

/// Prefixes of all buckets together: the model keeps two request-rate limiters per prefix.
const MAX_PREFIXES: u64 = 100_000;

fn buckets(ctx: &mut Ctx, top: &Tbl, kms: &KmsConfig) -> R<Vec<Bucket>> {
    let items = ctx.array_of_tables(
        top,
        "bucket",
        "add a [[bucket]] with a name and an encryption mode",
    )?;
    let mut prefixes_before = 0u64;
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let name = element_name(ctx, "bucket", i, item, &mut seen)?;
        let t = Tbl {
            t: item.as_table().expect("a table"),
            path: format!("bucket.{name}"),
            origin: Some(&item.origin),
        };
        ctx.check_keys(&t, BUCKET_KEYS, |_| None)?;
        let encryption = ctx.req(
            &t,
            "encryption",
            Some(&format!("one of {}", Mode::NAMES.join(", "))),
            |v| one_of(v, &Mode::NAMES),
        )?;
        let encryption = Mode::from_name(&encryption).expect("one of Mode::NAMES");
        let asked = ctx.or_default(
            &t,
            "bucket_key",
            boolean,
            false,
            "false",
            assume(NOTE_BUCKET_KEY),
        )?;
        let bucket_key = asked && encryption.supports_bucket_key();
        if asked && !bucket_key {
            ctx.note(match encryption {
                Mode::DsseKms => format!(
                    "S3 Bucket Keys are not supported with DSSE-KMS: bucket_key is ignored for bucket '{name}'"
                ),
                other => format!(
                    "bucket_key has no effect for bucket '{name}': it uses {}, and S3 Bucket Keys apply only to sse-kms",
                    other.name()
                ),
            });
        }
        let uses_kms = encryption.calls_kms();
        let default_key = format!("arn:aws:kms:{}:111122223333:key/bksim-default", kms.region);
        let kms_key = if uses_kms {
            ctx.or_default(
                &t,
                "kms_key",
                string,
                default_key.clone(),
                default_key,
                assume(NOTE_KMS_KEY),
            )?
        } else {
            let k = ctx.opt_quiet(&t, "kms_key", string)?;
            if k.is_some() {
                ctx.note(format!(
                    "kms_key has no effect for bucket '{name}': it uses {}, which makes no KMS calls",
                    encryption.name()
                ));
            }
            k.unwrap_or(default_key)
        };
        match kms_key_region(&kms_key) {
            None => {
                let v = t.get("kms_key").expect("the default key is well formed");
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path("kms_key"),
                    problem(format!("'{kms_key}' is not a KMS key ARN")).hint(
                        "write arn:aws:kms:REGION:ACCOUNT:key/KEY-ID or arn:aws:kms:REGION:ACCOUNT:alias/NAME",
                    ),
                ));
            }
            Some(r) if r != kms.region && uses_kms => ctx.note(format!(
                "bucket '{name}': kms_key is in {r}, not in kms.region {}; S3 requires the key in the bucket's Region, and the simulation charges its calls to kms.region",
                kms.region
            )),
            Some(_) => {}
        }
        let prefixes = ctx.or_default(
            &t,
            "prefixes",
            |v| {
                let n = count_u32(v, "prefixes", 1)?;
                within_total(prefixes_before, n, MAX_PREFIXES, "prefixes", "buckets")
            },
            1,
            "1",
            assume(NOTE_PREFIXES),
        )?;
        prefixes_before += prefixes as u64;
        let existing = match ctx.sub(&t, "existing")? {
            None => None,
            Some(e) => {
                ctx.check_keys(&e, EXISTING_KEYS, |_| None)?;
                let objects = ctx.req(&e, "objects", Some("e.g. objects = 1000000"), |v| {
                    whole(v, "objects", 1, u64::MAX)
                })?;
                let written_over = ctx.req(
                    &e,
                    "written_over",
                    Some("e.g. written_over = \"30d\""),
                    positive_duration,
                )?;
                let writer_sessions = ctx.or_default(
                    &e,
                    "writer_sessions",
                    |v| count_u32(v, "sessions", 1),
                    1,
                    "1",
                    assume(NOTE_WRITER_SESSIONS),
                )?;
                let asked = ctx.or_default(
                    &e,
                    "bucket_key",
                    boolean,
                    bucket_key,
                    bucket_key.to_string(),
                    assume(NOTE_EXISTING_BUCKET_KEY),
                )?;
                if asked && !encryption.supports_bucket_key() {
                    ctx.note(format!(
                        "existing.bucket_key is ignored for bucket '{name}': S3 Bucket Keys apply only to sse-kms"
                    ));
                }
                let size = match e.get("size") {
                    Some(v) => {
                        let s = ctx.size_dist(v, &e.key_path("size"))?;
                        ctx.record(e.key_path("size"), v);
                        s
                    }
                    None => {
                        ctx.record_default(e.key_path("size"), "1MiB", assume(NOTE_EXISTING_SIZE));
                        SizeDist::Fixed(1 << 20)
                    }
                };
                Some(Population {
                    objects,
                    written_over,
                    writer_sessions,
                    bucket_key: asked && encryption.supports_bucket_key(),
                    size,
                })
            }
        };
        out.push(Bucket {
            name,
            encryption,
            bucket_key,
            kms_key,
            prefixes,
            existing,
        });
    }
    Ok(out)
}

/// Sessions of all workloads together: each keeps its own clients, connection pool and CPU.
const MAX_SESSIONS: u64 = 100_000;
/// Closed-loop clients of all workloads together: each has a request in flight at all times.
const MAX_CONCURRENCY: u64 = 100_000;

/// `n` more of something limited to `max` in the whole scenario, `before` of them counted
/// already in earlier elements.
fn within_total(before: u64, n: u32, max: u64, what: &str, elements: &str) -> P<u32> {
    if before + n as u64 > max {
        let others = if before > 0 {
            format!(" (with {before} in the {elements} before)")
        } else {
            String::new()
        };
        return Err(problem(format!(
            "{n} {what}{others} is more than bksim simulates: at most {max} {what} in all {elements} together"
        ))
        .hint(format!("memory grows with the number of {what}")));
    }
    Ok(n)
}

fn workloads(ctx: &mut Ctx, top: &Tbl, buckets: &[Bucket], s3: &S3Config) -> R<Vec<Workload>> {
    let items = ctx.array_of_tables(
        top,
        "workload",
        "add a [[workload]] with a name, a bucket, an op and an arrival",
    )?;
    let mut sessions_before = 0u64;
    let mut clients_before = 0u64;
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    // (workload index, table) of GET workloads, whose read_from needs every workload first.
    let mut gets = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let name = element_name(ctx, "workload", i, item, &mut seen)?;
        let t = Tbl {
            t: item.as_table().expect("a table"),
            path: format!("workload.{name}"),
            origin: Some(&item.origin),
        };
        ctx.check_keys(&t, WORKLOAD_KEYS, |_| None)?;
        let known: Vec<&str> = buckets.iter().map(|b| b.name.as_str()).collect();
        let bucket = ctx.req(&t, "bucket", Some("the name of a [[bucket]]"), |v| {
            let s = string(v)?;
            known.iter().position(|b| *b == s).ok_or_else(|| Problem {
                msg: format!("no [[bucket]] named '{s}' (known: {})", known.join(", ")),
                hint: did_you_mean(&s, known.iter().copied()),
            })
        })?;
        let op = ctx.req(&t, "op", Some("\"put\" or \"get\""), |v| {
            one_of(v, &["put", "get"])
        })?;
        let op = if op == "put" { Op::Put } else { Op::Get };
        let arrival = arrival(ctx, &t, clients_before)?;
        if let Arrival::Closed { concurrency, .. } = arrival {
            clients_before += concurrency as u64;
        }
        let sessions = ctx.or_default(
            &t,
            "sessions",
            |v| {
                let n = count_u32(v, "sessions", 1)?;
                within_total(sessions_before, n, MAX_SESSIONS, "sessions", "workloads")
            },
            1,
            "1",
            assume(NOTE_SESSIONS),
        )?;
        sessions_before += sessions as u64;
        let size_path = t.key_path("size");
        let size = match (t.get("size"), op) {
            (Some(v), _) => {
                let s = ctx.size_dist(v, &size_path)?;
                if op == Op::Put {
                    ctx.record(size_path, v);
                } else {
                    ctx.note(format!(
                        "workload '{name}': size has no effect on a get workload (GETs read objects at the size they were written)"
                    ));
                }
                s
            }
            (None, Op::Put) => {
                ctx.record_default(size_path, "256KiB", assume(NOTE_SIZE));
                SizeDist::Fixed(256 << 10)
            }
            (None, Op::Get) => SizeDist::Fixed(256 << 10),
        };
        if op == Op::Put
            && let Some(v) = t.get("read_from")
        {
            return Err(ctx.error(
                Some(&v.origin),
                &t.key_path("read_from"),
                problem("read_from applies only to get workloads"),
            ));
        }
        if let SizeDist::Fixed(bytes) = size
            && op == Op::Put
            && bytes >= s3.multipart_threshold
        {
            let parts = bytes.div_ceil(s3.multipart_part_size);
            if parts > MAX_PARTS {
                return Err(ctx.error(
                    t.get("size").map(|v| &v.origin).or(t.origin),
                    &t.key_path("size"),
                    problem(format!(
                        "{} in parts of {} is {parts} parts; S3 allows at most 10,000 per upload",
                        format_size(bytes),
                        format_size(s3.multipart_part_size)
                    ))
                    .hint("raise s3.multipart_part_size"),
                ));
            }
        }
        if op == Op::Get {
            gets.push((out.len(), t.clone()));
        }
        out.push(Workload {
            name,
            bucket,
            op,
            arrival,
            sessions,
            size,
            read_from: ReadFrom::Written,
        });
    }
    for (w, t) in gets {
        let bucket = &buckets[out[w].bucket];
        let has_existing = bucket.existing.is_some();
        let writers = out
            .iter()
            .any(|x| x.op == Op::Put && x.bucket == out[w].bucket);
        let read_from = match ctx.opt(&t, "read_from", |v| one_of(v, &["existing", "written"]))? {
            Some(r) => r,
            None => {
                let r = if has_existing { "existing" } else { "written" };
                ctx.record_default(t.key_path("read_from"), r, assume(NOTE_READ_FROM));
                r.to_string()
            }
        };
        let origin = t.get("read_from").map(|v| &v.origin).or(t.origin);
        if read_from == "existing" {
            if !has_existing {
                return Err(ctx.error(
                    origin,
                    &t.key_path("read_from"),
                    problem(format!(
                        "get workload '{}' reads existing objects, but bucket '{}' has no `existing` population",
                        out[w].name, bucket.name
                    ))
                    .hint(format!("add [bucket.existing] (objects, written_over) to bucket '{}'", bucket.name)),
                ));
            }
            out[w].read_from = ReadFrom::Existing;
        } else {
            if !writers {
                return Err(ctx.error(
                    origin,
                    &t.key_path("read_from"),
                    problem(format!(
                        "get workload '{}' reads objects written in this run, but no put workload writes to bucket '{}'",
                        out[w].name, bucket.name
                    ))
                    .hint(format!(
                        "add a put workload on bucket '{}', or an `existing` population to read",
                        bucket.name
                    )),
                ));
            }
            out[w].read_from = ReadFrom::Written;
        }
    }
    Ok(out)
}

/// A workload's arrival process; `clients_before` closed-loop clients are in earlier
/// workloads.
fn arrival(ctx: &mut Ctx, w: &Tbl, clients_before: u64) -> R<Arrival> {
    let Some(t) = ctx.sub(w, "arrival")? else {
        return Err(ctx.missing(
            w,
            "arrival",
            Some("e.g. arrival = { kind = \"poisson\", rate = 1000 }"),
        ));
    };
    let kind = ctx.req(
        &t,
        "kind",
        Some("\"poisson\", \"constant\" or \"closed\""),
        |v| one_of(v, &["poisson", "constant", "closed"]),
    )?;
    if kind == "closed" {
        ctx.check_keys(&t, &["kind", "concurrency", "think"], |k| {
            matches!(k, "rate" | "profile")
                .then(|| format!("`{k}` applies only to kind = \"poisson\" or \"constant\""))
        })?;
        let concurrency = ctx.req(&t, "concurrency", Some("e.g. concurrency = 100"), |v| {
            let n = count_u32(v, "clients", 1)?;
            within_total(clients_before, n, MAX_CONCURRENCY, "clients", "workloads")
        })?;
        let think = ctx.or_default(
            &t,
            "think",
            |v| at_most(duration(v)?, MAX_THINK, "a think time"),
            0,
            "0s",
            assume(NOTE_THINK),
        )?;
        return Ok(Arrival::Closed { concurrency, think });
    }
    ctx.check_keys(&t, &["kind", "rate", "profile"], |k| {
        matches!(k, "concurrency" | "think")
            .then(|| format!("`{k}` applies only to kind = \"closed\""))
    })?;
    let rate = ctx.req(
        &t,
        "rate",
        Some("requests per second, e.g. rate = 1000"),
        |v| {
            positive_number(v, "requests per second")?;
            rate_value(v)
        },
    )?;
    let profile = match ctx.sub(&t, "profile")? {
        None => RateProfile::Flat,
        Some(p) => {
            let profile = rate_profile(ctx, &p)?;
            ctx.record(t.key_path("profile"), t.get("profile").expect("present"));
            profile
        }
    };
    Ok(if kind == "poisson" {
        Arrival::Poisson { rate, profile }
    } else {
        Arrival::Constant { rate, profile }
    })
}

fn rate_profile(ctx: &mut Ctx, t: &Tbl) -> R<RateProfile> {
    let kind = ctx.req_quiet(
        t,
        "kind",
        Some("\"steps\", \"ramp\", \"burst\" or \"diurnal\""),
        |v| one_of(v, &["steps", "ramp", "burst", "diurnal"]),
    )?;
    let rate = rate_value;
    match kind.as_str() {
        "steps" => {
            ctx.check_keys(t, &["kind", "at", "rate"], |_| None)?;
            let hint = Some("e.g. at = [\"0s\", \"60s\"], rate = [1000, 5000]");
            let at_v = t.get("at").ok_or_else(|| ctx.missing(t, "at", hint))?;
            let rate_v = t.get("rate").ok_or_else(|| ctx.missing(t, "rate", hint))?;
            fn list<'v>(ctx: &Ctx, v: &'v RawValue, path: String) -> R<Vec<&'v RawValue>> {
                match &v.kind {
                    RawKind::Array(items) if !items.is_empty() => Ok(items.iter().collect()),
                    _ => Err(ctx.error(
                        Some(&v.origin),
                        &path,
                        problem(format!("expected a non-empty array, found {}", found(v))),
                    )),
                }
            }
            let ats = list(ctx, at_v, t.key_path("at"))?;
            let rates = list(ctx, rate_v, t.key_path("rate"))?;
            if ats.len() != rates.len() {
                return Err(ctx.error(
                    Some(&rate_v.origin),
                    &t.key_path("rate"),
                    problem(format!(
                        "`at` has {} entries and `rate` {}: they must pair up",
                        ats.len(),
                        rates.len()
                    )),
                ));
            }
            let mut at = Vec::new();
            for v in ats {
                let d =
                    duration(v).map_err(|p| ctx.error(Some(&v.origin), &t.key_path("at"), p))?;
                if at.last().is_some_and(|&prev| d <= prev) {
                    return Err(ctx.error(
                        Some(&v.origin),
                        &t.key_path("at"),
                        problem("the times in `at` must be strictly ascending"),
                    ));
                }
                at.push(d);
            }
            let rate = rates
                .into_iter()
                .map(|v| rate(v).map_err(|p| ctx.error(Some(&v.origin), &t.key_path("rate"), p)))
                .collect::<R<Vec<f64>>>()?;
            Ok(RateProfile::Steps { at, rate })
        }
        "ramp" => {
            ctx.check_keys(t, &["kind", "to", "start", "end"], |_| None)?;
            let to = ctx.req_quiet(t, "to", Some("the rate at the end of the ramp"), rate)?;
            let start = ctx.opt_quiet(t, "start", duration)?.unwrap_or(0);
            let end = ctx.req_quiet(t, "end", Some("e.g. end = \"10m\""), duration)?;
            if end <= start {
                let v = t.get("end").expect("present");
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path("end"),
                    problem(format!(
                        "end ({}) must be after start ({})",
                        format_duration(end),
                        format_duration(start)
                    )),
                ));
            }
            Ok(RateProfile::Ramp { to, start, end })
        }
        "burst" => {
            ctx.check_keys(t, &["kind", "rate", "at", "length", "every"], |_| None)?;
            let rate = ctx.req_quiet(t, "rate", Some("the rate during the burst"), rate)?;
            let at = ctx.req_quiet(
                t,
                "at",
                Some("when the burst starts, e.g. at = \"60s\""),
                duration,
            )?;
            let length = ctx.req_quiet(
                t,
                "length",
                Some("e.g. length = \"10s\""),
                positive_duration,
            )?;
            let every = ctx.opt_quiet(t, "every", positive_duration)?;
            if let Some(every) = every
                && every <= length
            {
                let v = t.get("every").expect("present");
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path("every"),
                    problem(format!(
                        "every ({}) must be longer than length ({})",
                        format_duration(every),
                        format_duration(length)
                    )),
                ));
            }
            Ok(RateProfile::Burst {
                rate,
                at,
                length,
                every,
            })
        }
        _ => {
            ctx.check_keys(t, &["kind", "period", "trough", "peak_at"], |_| None)?;
            let period = ctx
                .opt_quiet(t, "period", positive_duration)?
                .unwrap_or(86_400_000_000_000);
            let trough = ctx
                .opt_quiet(t, "trough", |v| {
                    let x = number(v, "fraction of the base rate")?;
                    if x > 1.0 {
                        return Err(problem(format!(
                            "must be between 0 and 1, found {}",
                            found(v)
                        )));
                    }
                    Ok(x)
                })?
                .unwrap_or(0.25);
            let peak_at = ctx
                .opt_quiet(t, "peak_at", duration)?
                .unwrap_or(14 * 3_600_000_000_000);
            Ok(RateProfile::Diurnal {
                period,
                trough,
                peak_at,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(kind: RawKind) -> RawValue {
        RawValue {
            kind,
            origin: Origin::File { line: 1, column: 1 },
        }
    }

    #[test]
    fn kms_key_arns() {
        assert_eq!(
            kms_key_region(
                "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            ),
            Some("eu-west-1")
        );
        assert_eq!(
            kms_key_region("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/app/logs"),
            Some("us-gov-west-1")
        );
        for bad in [
            "alias/logs",
            "arn:aws:s3:::bucket",
            "arn:aws:kms:eu-west-1:1111:key/k",
            "arn:aws:kms:nowhere:111122223333:key/k",
            "arn:aws:kms:eu-west-1:111122223333:key/",
            "arn:aws:kms:eu-west-1:111122223333:grant/k",
        ] {
            assert_eq!(kms_key_region(bad), None, "{bad}");
        }
    }

    #[test]
    fn whole_numbers_are_strict() {
        assert_eq!(whole(&v(RawKind::Integer(5)), "x", 1, 10).ok(), Some(5));
        let e = whole(&v(RawKind::Float(5.0)), "hosts", 1, 10).unwrap_err();
        assert_eq!(e.msg, "expected a whole number of hosts, found 5.0");
        assert!(e.hint.unwrap().contains("without a decimal point"));
        assert!(whole(&v(RawKind::Float(5.5)), "x", 1, 10).is_err());
        assert_eq!(
            whole(&v(RawKind::Integer(-5)), "requests per second", 1, 10)
                .unwrap_err()
                .msg,
            "expected a whole number of requests per second, found -5"
        );
        assert!(
            whole(&v(RawKind::Integer(11)), "x", 1, 10)
                .unwrap_err()
                .msg
                .contains("at most 10")
        );
        assert!(whole(&v(RawKind::String("5".into())), "x", 1, 10).is_err());
    }

    #[test]
    fn numbers_reject_nan_inf_and_negatives() {
        assert_eq!(number(&v(RawKind::Integer(3)), "x").ok(), Some(3.0));
        assert_eq!(number(&v(RawKind::Float(0.5)), "x").ok(), Some(0.5));
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.5] {
            assert!(number(&v(RawKind::Float(x)), "x").is_err(), "{x}");
        }
        assert!(positive_number(&v(RawKind::Integer(0)), "x").is_err());
        assert!(number(&v(RawKind::Boolean(true)), "x").is_err());
    }

    #[test]
    fn identifiers() {
        assert!(identifier(&v(RawKind::String("per-object_2".into()))).is_ok());
        for bad in ["", "a b", "a.b", "a/b", "é"] {
            assert!(
                identifier(&v(RawKind::String(bad.into()))).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn durations_accept_zero_integer_only() {
        assert_eq!(duration(&v(RawKind::Integer(0))).ok(), Some(0));
        assert!(duration(&v(RawKind::Integer(5))).is_err());
        assert!(positive_duration(&v(RawKind::String("0s".into()))).is_err());
    }
}
