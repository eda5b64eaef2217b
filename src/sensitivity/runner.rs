//! Running a sensitivity analysis: for each variant, the scenario at its base values and,
//! one parameter at a time, at the parameter's low and high (same seed: common random
//! numbers), every run on the current rayon pool and collected in a fixed order, so the
//! output does not depend on the thread count. A parameter whose end changes the verdict
//! is bisected between its base value and that end.

use super::metrics::{self, Metrics, Verdict};
use super::output::{Flip, ParamResult, SCHEMA, SensitivityResults, VariantResult};
use super::ranges;
use super::values;
use crate::model::run_variant;
use crate::prepare;
use crate::scenario::ValueSource;
use crate::scenario::{ErrorKind, Override, ScenarioError, ScenarioFile};
use rayon::prelude::*;
use toml_edit::Value;

/// Bisection steps: the flip value is found to 1/2^7 (under 1%) of the distance between
/// the base value and the end that flips the verdict.
pub const BISECTION_STEPS: u32 = 7;

/// Who an override of a sensitivity run is attributed to in messages.
const ORIGIN: &str = "the built-in sensitivity range";
/// ... when the range is the scenario's own (`[sensitivity]`).
const FILE_ORIGIN: &str = "[sensitivity]";

/// What to analyse.
pub struct Sensitivity<'a> {
    pub file: &'a ScenarioFile,
    /// `--seed` and `--set`, applied to every run.
    pub base: Vec<Override>,
    pub variants: Vec<String>,
    /// `--only`: the parameters to vary (dotted paths or range keys); empty: all.
    pub only: Vec<String>,
    /// `--metric`: the metrics kept; empty: all.
    pub metrics: Vec<String>,
}

/// One varied parameter of one variant.
#[derive(Debug, Clone)]
pub struct Param {
    pub path: String,
    pub source: String,
    pub reason: String,
    pub base: Value,
    pub low: Value,
    pub high: Value,
}

/// A provenance source as one word (and "UNCERTAIN" for such facts).
fn source_label(s: &ValueSource) -> String {
    match s {
        ValueSource::Scenario { line } => format!("scenario line {line}"),
        ValueSource::Override { by } => format!("override ({by})"),
        ValueSource::Fact { reference } if reference.contains("UNCERTAIN") => {
            "fact (UNCERTAIN)".into()
        }
        ValueSource::Fact { .. } => "fact".into(),
        ValueSource::Assumption { .. } => "assumption".into(),
    }
}

impl Sensitivity<'_> {
    fn overrides(&self, extra: Option<(&str, &Value)>) -> Vec<Override> {
        self.overrides_at(extra, None)
    }

    /// The overrides of a run; an end set in the file's `[sensitivity]` (at `line`) is
    /// attributed to it, so an error names its line.
    fn overrides_at(&self, extra: Option<(&str, &Value)>, line: Option<usize>) -> Vec<Override> {
        let mut o = self.base.clone();
        if let Some((path, v)) = extra {
            o.push(Override::with_line(path, v, &origin(line), line));
        }
        o
    }

    /// The parameters varied for `variant`: every parameter of the resolved scenario that has
    /// a range (the scenario's own `[sensitivity]` entry first, else [`ranges::RANGES`]), in
    /// the scenario's provenance order (dotted paths sorted). Every run is resolved here, so
    /// a range the scenario rejects is reported before anything runs.
    pub fn parameters(&self, variant: &str) -> Result<Vec<Param>, ScenarioError> {
        let sc = prepare::variant(self.file, Some(variant), &self.overrides(None))?;
        let own = self.file.sensitivity()?;
        let mut out = Vec::new();
        for p in &sc.provenance {
            if !self.only.is_empty() && !self.only.iter().any(|o| ranges::matches(o, &p.path)) {
                continue;
            }
            let base = values::parse(&p.value);
            let (low, high, reason, line) = match own
                .iter()
                .find(|e| ranges::matches(&e.path, &p.path))
            {
                Some(e) => (
                    e.low.clone(),
                    e.high.clone(),
                    match e.line {
                        Some(l) => format!("range set by the scenario ([sensitivity], line {l})"),
                        None => "range set by the scenario ([sensitivity])".into(),
                    },
                    e.line,
                ),
                None => {
                    let Some(range) = ranges::range_for(&p.path) else {
                        continue;
                    };
                    let (Some(low), Some(high)) = (
                        values::apply(range.low, &base),
                        values::apply(range.high, &base),
                    ) else {
                        continue;
                    };
                    (low, high, range.reason.to_string(), None)
                }
            };
            for (end, v) in [("low", &low), ("high", &high)] {
                prepare::variant(
                    self.file,
                    Some(variant),
                    &self.overrides_at(Some((&p.path, v)), line),
                )
                .map_err(|e| end_error(e, &p.path, end, (&low, &high), line))?;
            }
            out.push(Param {
                path: p.path.clone(),
                source: source_label(&p.source),
                reason,
                base,
                low,
                high,
            });
        }
        Ok(out)
    }

    /// Checks the scenario's `[sensitivity]` table: every entry names a parameter of at least
    /// one variant analysed (a misspelt path would silently vary nothing).
    pub fn check_own_ranges(&self) -> Result<(), ScenarioError> {
        let own = self.file.sensitivity()?;
        if own.is_empty() {
            return Ok(());
        }
        let mut paths = Vec::new();
        for v in &self.variants {
            let sc = prepare::variant(self.file, Some(v), &self.overrides(None))?;
            paths.extend(sc.provenance.into_iter().map(|p| p.path));
        }
        for e in &own {
            if !paths.iter().any(|p| ranges::matches(&e.path, p)) {
                let err = ScenarioError::new(
                    ErrorKind::Invalid,
                    self.file.path(),
                    format!(
                        "'{}' is not a parameter of this scenario (a dotted path as the \
                         assumptions table of the report lists them, e.g. kms.quota_rps or \
                         bucket.<name>.prefixes)",
                        e.path
                    ),
                )
                .with_key(format!("sensitivity.{}", e.path));
                return Err(match e.line {
                    Some(l) => err.at_line(l),
                    None => err,
                });
            }
        }
        Ok(())
    }

    /// One run of `variant` with `path` set to `value` (or the base run).
    fn run_one(&self, variant: &str, set: Option<(&str, &Value)>) -> Metrics {
        let sc = prepare::variant(self.file, Some(variant), &self.overrides(set))
            .expect("every run was resolved before running");
        let r = run_variant(variant, &sc, None);
        metrics::of(&r.summary, &sc)
    }

    /// Runs everything; `done` is called after each run.
    pub fn run(&self, done: &(dyn Fn() + Sync)) -> Result<SensitivityResults, ScenarioError> {
        self.run_shard(0, 1, done)
    }

    /// The parameters of every variant that shard `index` of `count` varies: numbered across
    /// the variants in order, those numbered k with k mod count = index.
    pub fn shard_parameters(
        &self,
        index: usize,
        count: usize,
    ) -> Result<Vec<Vec<Param>>, ScenarioError> {
        let mut k = 0usize;
        let mut params = Vec::new();
        for v in &self.variants {
            let mut mine = Vec::new();
            for p in self.parameters(v)? {
                if k % count == index {
                    mine.push(p);
                }
                k += 1;
            }
            params.push(mine);
        }
        Ok(params)
    }

    /// Runs shard `index` of `count`: every variant's base run and the parameters of
    /// [`Self::shard_parameters`], each with its bisection. A parameter's results do not
    /// depend on the others', so the shards merged ([`super::shard::merge`]) are the
    /// unsharded results byte for byte.
    pub fn run_shard(
        &self,
        index: usize,
        count: usize,
        done: &(dyn Fn() + Sync),
    ) -> Result<SensitivityResults, ScenarioError> {
        let params = self.shard_parameters(index, count)?;
        let first = prepare::variant(self.file, Some(&self.variants[0]), &self.overrides(None))?;
        // Jobs: (variant, None) is the base run; (variant, Some((param, high?))) an end.
        let mut jobs: Vec<(usize, Option<(usize, bool)>)> = Vec::new();
        for (vi, ps) in params.iter().enumerate() {
            jobs.push((vi, None));
            for pi in 0..ps.len() {
                jobs.push((vi, Some((pi, false))));
                jobs.push((vi, Some((pi, true))));
            }
        }
        let results: Vec<Metrics> = jobs
            .par_iter()
            .map(|&(vi, end)| {
                let name = &self.variants[vi];
                let m = match end {
                    None => self.run_one(name, None),
                    Some((pi, high)) => {
                        let p = &params[vi][pi];
                        let v = if high { &p.high } else { &p.low };
                        self.run_one(name, Some((&p.path, v)))
                    }
                };
                done();
                m
            })
            .collect();
        let mut it = results.into_iter();
        let mut variants = Vec::new();
        for (vi, ps) in params.iter().enumerate() {
            let base = it.next().expect("a base run per variant");
            let mut rows: Vec<ParamResult> = ps
                .iter()
                .map(|p| {
                    let at_low = it.next().expect("a low run per parameter");
                    let at_high = it.next().expect("a high run per parameter");
                    ParamResult {
                        path: p.path.clone(),
                        source: p.source.clone(),
                        reason: p.reason.clone(),
                        low: values::display(&p.low),
                        high: values::display(&p.high),
                        verdict_at_low: at_low.verdict,
                        verdict_at_high: at_high.verdict,
                        at_low: at_low.values,
                        at_high: at_high.values,
                        flip: None,
                    }
                })
                .collect();
            // Bisection of the ends that change the verdict, each on its own.
            let name = &self.variants[vi];
            let flips: Vec<Option<Flip>> = rows
                .par_iter()
                .zip(ps.par_iter())
                .map(|(row, p)| {
                    let end = if row.verdict_at_low != base.verdict {
                        Some((&p.low, row.verdict_at_low))
                    } else if row.verdict_at_high != base.verdict {
                        Some((&p.high, row.verdict_at_high))
                    } else {
                        None
                    };
                    let (end, verdict) = end?;
                    self.bisect(name, p, end, base.verdict, verdict, done)
                })
                .collect();
            for (row, f) in rows.iter_mut().zip(flips) {
                row.flip = f;
            }
            sort_by_spread(&mut rows, &base.values, self.primary(), base.verdict);
            let keep = |m: &mut metrics::Values| {
                if !self.metrics.is_empty() {
                    m.retain(|k, _| self.metrics.contains(k));
                }
            };
            let mut base_values = base.values.clone();
            keep(&mut base_values);
            for r in &mut rows {
                keep(&mut r.at_low);
                keep(&mut r.at_high);
            }
            variants.push(VariantResult {
                name: name.clone(),
                verdict: base.verdict,
                base: base_values,
                parameters: rows,
            });
        }
        Ok(SensitivityResults {
            schema: SCHEMA.into(),
            scenario: self.file.name().into(),
            seed: first.seed,
            bisection_precision: format!(
                "1/{} of the distance from the base value to the end that flips the verdict",
                1u32 << BISECTION_STEPS
            ),
            variants,
        })
    }

    /// The metric parameters are ordered by: the first `--metric`, else KMS requests/s.
    pub fn primary(&self) -> &str {
        self.metrics
            .first()
            .map(String::as_str)
            .unwrap_or(metrics::KMS_RPS)
    }

    /// Identifies the analysis: shards are merged only when they agree on it. It covers the
    /// bksim version, the scenario text, the base overrides, the variants, `--only` and
    /// `--metric`.
    pub fn fingerprint(&self) -> String {
        let base: Vec<String> = self
            .base
            .iter()
            .map(|o| format!("{}={}", o.path, o.value_toml()))
            .collect();
        let h = crate::engine::rng::stable_hash(&[
            env!("CARGO_PKG_VERSION").as_bytes(),
            self.file.text().as_bytes(),
            base.join("\n").as_bytes(),
            self.variants.join("\n").as_bytes(),
            self.only.join("\n").as_bytes(),
            self.metrics.join("\n").as_bytes(),
        ]);
        format!("{h:016x}")
    }

    /// The flip between `p.base` (verdict `from`) and `end` (verdict `to`), when the values
    /// between them are numeric: the last value tried that keeps `from` and the first that
    /// gives `to`, [`BISECTION_STEPS`] halvings apart.
    fn bisect(
        &self,
        variant: &str,
        p: &Param,
        end: &Value,
        from: Verdict,
        to: Verdict,
        done: &(dyn Fn() + Sync),
    ) -> Option<Flip> {
        values::between(&p.base, end, 0.5)?;
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        let mut hi_verdict = to;
        for _ in 0..BISECTION_STEPS {
            let t = (lo + hi) / 2.0;
            let v = values::between(&p.base, end, t)?;
            let m = self.run_one(variant, Some((&p.path, &v)));
            done();
            if m.verdict == from {
                lo = t;
            } else {
                hi = t;
                hi_verdict = m.verdict;
            }
        }
        Some(Flip {
            keeps: values::display(&values::between(&p.base, end, lo)?),
            flips: values::display(&values::between(&p.base, end, hi)?),
            verdict: hi_verdict,
        })
    }
}

/// Who a range's end is attributed to: the built-in range, or the scenario's `[sensitivity]`
/// entry on `line`.
fn origin(line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{FILE_ORIGIN} line {l}"),
        None => ORIGIN.to_string(),
    }
}

/// The error of a run at a range's `end` (`low`, `high`) of `path`, reported as the range's
/// (built in, or on `line` of the scenario's `[sensitivity]`) when the value found invalid is
/// another one, which is valid in the scenario itself: the range makes it invalid, and the
/// message says so and how to get past it.
fn end_error(
    e: ScenarioError,
    path: &str,
    end: &str,
    (low, high): (&Value, &Value),
    line: Option<usize>,
) -> ScenarioError {
    let by = origin(line);
    let way_out = match line {
        Some(l) => format!(
            "to analyse this scenario, change the range of {path} on line {l}, or leave \
             {path} out by naming the parameters to vary with --only"
        ),
        None => format!(
            "to analyse this scenario, give {path} a range of its own in the scenario's \
             [sensitivity] table (\"{path}\" = [low, high]), or leave it out by naming the \
             parameters to vary with --only"
        ),
    };
    if e.via_override()
        .is_some_and(|v| v.path == path && v.by == by)
    {
        // The end is invalid for the parameter itself: the message already names the range.
        return match (line, e.hint()) {
            (None, None) => e.with_hint(Some(way_out)),
            _ => e,
        };
    }
    let value = if end == "low" { low } else { high };
    let what = format!(
        "its {end} end, {} (range {} .. {}), makes the scenario invalid",
        values::display(value),
        values::display(low),
        values::display(high),
    );
    e.caused_by(&by, path, line, &what).with_hint(Some(way_out))
}

/// Orders parameters: those that change the verdict first, then by the spread of the
/// primary metric (highest minus lowest of base, low and high, over the base value; the
/// plain difference when the base is 0), then by path.
pub(crate) fn sort_by_spread(
    rows: &mut [ParamResult],
    base: &metrics::Values,
    primary: &str,
    v: Verdict,
) {
    let b = base.get(primary).copied().unwrap_or(0.0);
    let spread = |r: &ParamResult| {
        let l = r.at_low.get(primary).copied().unwrap_or(b);
        let h = r.at_high.get(primary).copied().unwrap_or(b);
        let d = l.max(h).max(b) - l.min(h).min(b);
        if b == 0.0 { d } else { d / b.abs() }
    };
    rows.sort_by(|x, y| {
        let fx = x.verdict_at_low != v || x.verdict_at_high != v;
        let fy = y.verdict_at_low != v || y.verdict_at_high != v;
        fy.cmp(&fx)
            .then(spread(y).total_cmp(&spread(x)))
            .then(x.path.cmp(&y.path))
    });
}
