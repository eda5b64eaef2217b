//! `[[expect]]`: measured values recorded beside the model (a variant, a metric path into the
//! variant's block of `summary.json`, the measured value, a tolerance and where the figure
//! comes from). Validation checks everything but whether the metric names a number of the
//! summary: the summary's type is not visible from here (it belongs to `metrics`, which
//! depends on `scenario`), so [`Expect::check_metric`] does that with the list of paths the
//! caller derives from the summary type (`prepare::variant` calls it for every command).

use serde::{Deserialize, Serialize};

use super::super::error::{ScenarioError, Site, did_you_mean};
use super::super::raw::{Origin, RawKind, RawTable, RawValue};
use super::ctx::{Ctx, P, Problem, R, Tbl, problem};
use super::keys::{KeyDef, Required, Source, Special};
use super::top;
use super::values::{MAX_ELEMENTS, found, string};

/// Largest magnitude of a measured value or an absolute tolerance (what `summary.json` may
/// hold for them; the results reader bounds them the same way).
pub const MAX_MEASURED: f64 = 1e15;

const VARIANT: KeyDef = KeyDef::new(
    "variant",
    Special("the only variant; required when there are several"),
    "a variant's name",
    Source::None,
);
const METRIC: KeyDef = KeyDef::new(
    "metric",
    Required,
    "path of a number in a variant of `summary.json`",
    Source::None,
);
const VALUE: KeyDef = KeyDef::new("value", Required, "number ≥ 0, at most 10^15", Source::None);
const TOLERANCE: KeyDef = KeyDef::new(
    "tolerance",
    Required,
    r#"`"N%"` (relative) or a number ≥ 0 (absolute)"#,
    Source::None,
);
const SOURCE: KeyDef = KeyDef::new("source", Required, "string, not empty", Source::None);

pub(super) const KEYS: &[KeyDef] = &[VARIANT, METRIC, VALUE, TOLERANCE, SOURCE];

/// How far the model may be from the measured value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Tolerance {
    /// A percentage of the measured value (`"10%"` is 10).
    Percent(f64),
    /// An amount in the metric's unit.
    Absolute(f64),
}

/// One measured value and where it came from, as `summary.json` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    /// The variant the measurement is compared with.
    pub variant: String,
    /// A dotted path to a number in the variant's block of `summary.json`
    /// (`kms.by_operation.Decrypt`, `latency_ms.get.p99`).
    pub metric: String,
    /// The measured value, in the metric's unit.
    pub value: f64,
    pub tolerance: Tolerance,
    /// Where the measurement comes from (a URL, a query, a date).
    pub source: String,
    /// The line of its `[[expect]]` table in the scenario file (0 when not from a file).
    pub line: usize,
}

/// One validated `[[expect]]` and where its metric is written, for the metric check.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub expectation: Expectation,
    /// Where `metric` is written, and its dotted key (`expect[0].metric`).
    site: Site,
    key: String,
}

impl Expect {
    /// Checks that the metric is one of `known` (the numeric paths of a variant's summary),
    /// with a "did you mean" when it is close to one.
    pub fn check_metric(&self, known: &[String]) -> Result<(), ScenarioError> {
        let m = &self.expectation.metric;
        if known.iter().any(|k| k == m) {
            return Ok(());
        }
        let hint = did_you_mean(m, known.iter().map(String::as_str)).or_else(|| {
            Some("a dotted path to a number in a variant of summary.json, e.g. kms.requests, kms.by_operation.Decrypt or latency_ms.get.p99".into())
        });
        Err(self
            .site
            .invalid(
                &self.key,
                format!(
                    "'{}' is not a number of a variant's summary",
                    crate::input::clip(m, 60)
                ),
            )
            .with_hint(hint))
    }
}

/// The variants a scenario runs, from the document as validated: its `[[variant]]` names, or
/// the default variants (see `ScenarioFile::variants`).
fn variant_names(root: &RawTable) -> Vec<String> {
    match root.get("variant").map(|e| &e.value.kind) {
        Some(RawKind::Array(items)) => items
            .iter()
            .filter_map(|v| Some(v.as_table()?.get("name")?.value.as_str()?.to_string()))
            .collect(),
        _ => super::super::default_variants(root)
            .into_iter()
            .map(|v| v.name)
            .collect(),
    }
}

/// The `[[expect]]` tables (none when absent).
pub(super) fn expectations(ctx: &Ctx, top: &Tbl, root: &RawTable) -> R<Vec<Expect>> {
    if top.get(top::EXPECT.name).is_none() {
        return Ok(Vec::new());
    }
    // At most MAX_ELEMENTS tables, each a table.
    let items = ctx.array_of_tables(top, top::EXPECT.name, "add an [[expect]] table")?;
    let variants = variant_names(root);
    let mut out = Vec::with_capacity(items.len().min(MAX_ELEMENTS));
    for (i, item) in items.into_iter().enumerate() {
        let t = Tbl {
            t: item.as_table().expect("checked by array_of_tables"),
            path: format!("{}[{i}]", top::EXPECT.name),
            origin: Some(&item.origin),
        };
        ctx.check_keys(&t, KEYS, |_| None)?;
        let variant = match ctx.opt_quiet(&t, VARIANT.name, |v| known_variant(v, &variants))? {
            Some(v) => v,
            None if variants.len() == 1 => variants[0].clone(),
            None => {
                return Err(ctx.missing(
                    &t,
                    VARIANT.name,
                    Some(&format!(
                        "the scenario runs several variants: {}",
                        variants.join(", ")
                    )),
                ));
            }
        };
        let metric = ctx.req_quiet(
            &t,
            METRIC.name,
            Some("e.g. metric = \"kms.requests\""),
            metric_path,
        )?;
        let value = ctx.req_quiet(&t, VALUE.name, Some("the measured value"), measured)?;
        let tolerance = ctx.req_quiet(
            &t,
            TOLERANCE.name,
            Some("e.g. tolerance = \"10%\" or tolerance = 5"),
            tolerance,
        )?;
        let source = ctx.req_quiet(
            &t,
            SOURCE.name,
            Some("where the measurement comes from: a URL, a query, a date"),
            |v| {
                let s = string(v)?;
                if s.trim().is_empty() {
                    return Err(problem("empty: say where the measurement comes from"));
                }
                Ok(s)
            },
        )?;
        let line = match &item.origin {
            Origin::File { line, .. } => *line,
            Origin::Override { line, .. } => line.unwrap_or(0),
        };
        let metric_origin = t.get(METRIC.name).map(|v| v.origin.clone());
        out.push(Expect {
            expectation: Expectation {
                variant,
                metric,
                value,
                tolerance,
                source,
                line,
            },
            site: Site::new(ctx.file, metric_origin),
            key: t.key_path(METRIC.name),
        });
    }
    Ok(out)
}

fn known_variant(v: &RawValue, variants: &[String]) -> P<String> {
    let s = string(v)?;
    if variants.contains(&s) {
        return Ok(s);
    }
    Err(Problem {
        msg: format!(
            "no variant named '{}' (known: {})",
            crate::input::clip(&s, 48),
            variants.join(", ")
        ),
        hint: did_you_mean(&s, variants.iter().map(String::as_str)),
    })
}

/// A dotted path's shape: non-empty segments of letters, digits and `_`.
fn metric_path(v: &RawValue) -> P<String> {
    let s = string(v)?;
    let ok = !s.is_empty()
        && s.split('.').all(|seg| {
            !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    if !ok {
        return Err(problem(format!(
            "'{}' is not a dotted path (e.g. kms.requests)",
            crate::input::clip(&s, 48)
        )));
    }
    Ok(s)
}

/// A finite number, 0 … [`MAX_MEASURED`].
fn amount(x: f64, v: &RawValue, what: &str) -> P<f64> {
    if !x.is_finite() {
        return Err(problem(format!(
            "{what} must be a finite number, found {}",
            found(v)
        )));
    }
    if x < 0.0 {
        return Err(problem(format!("{what} must be ≥ 0, found {}", found(v))));
    }
    if x > MAX_MEASURED {
        return Err(problem(format!(
            "{what} must be at most 10^15, found {}",
            found(v)
        )));
    }
    Ok(x)
}

fn measured(v: &RawValue) -> P<f64> {
    match v.kind {
        RawKind::Integer(i) => amount(i as f64, v, "a measured value"),
        RawKind::Float(x) => amount(x, v, "a measured value"),
        _ => Err(problem(format!("expected a number, found {}", found(v)))),
    }
}

/// `"10%"` (relative to the measured value) or a number (absolute, the metric's unit).
fn tolerance(v: &RawValue) -> P<Tolerance> {
    match &v.kind {
        RawKind::Integer(i) => Ok(Tolerance::Absolute(amount(*i as f64, v, "a tolerance")?)),
        RawKind::Float(x) => Ok(Tolerance::Absolute(amount(*x, v, "a tolerance")?)),
        RawKind::String(s) => {
            let pct = s
                .trim()
                .strip_suffix('%')
                .and_then(|n| n.trim().parse::<f64>().ok())
                .ok_or_else(|| {
                    problem(format!(
                        "expected a percentage like \"10%\" or a number, found {}",
                        found(v)
                    ))
                })?;
            Ok(Tolerance::Percent(amount(pct, v, "a tolerance")?))
        }
        _ => Err(problem(format!(
            "expected a percentage like \"10%\" or a number, found {}",
            found(v)
        ))),
    }
}
