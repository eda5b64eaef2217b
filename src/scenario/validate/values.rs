//! Value parsers and limits: type and range checks returning an unlocated [`Problem`]
//! (whole numbers, numbers, durations, sizes, rates...), the latency and object-size
//! distributions, and the upper bounds that keep a run finite and its memory bounded.

use super::super::error::did_you_mean;
use super::super::model::*;
use super::super::raw::{RawKind, RawValue};
use super::super::units::{self, format_duration, format_size};
use super::ctx::{Ctx, P, Problem, R, Tbl, problem};
use super::keys::{KeyDef, Required, Source, Special};
use crate::engine::time::Nanos;

/// How long a quoted value in a message may be.
pub(super) const QUOTE_MAX: usize = 48;

/// A value as found in the file, for a message (long values clipped).
pub(super) fn found(v: &RawValue) -> String {
    crate::input::clip(&v.to_toml(), QUOTE_MAX)
}

/// A string of printable text: a scenario's strings reach the terminal, the report and the
/// charts, so a control character (a newline, an escape sequence) is refused.
pub(super) fn string(v: &RawValue) -> P<String> {
    let s = v
        .as_str()
        .ok_or_else(|| problem(format!("expected a string, found {}", found(v))))?;
    match super::control_character_problem(s) {
        Some(msg) => Err(problem(msg)),
        None => Ok(s.to_string()),
    }
}

pub(super) fn boolean(v: &RawValue) -> P<bool> {
    match v.kind {
        RawKind::Boolean(b) => Ok(b),
        _ => Err(problem(format!(
            "expected true or false, found {}",
            found(v)
        ))),
    }
}

pub(super) fn one_of(v: &RawValue, allowed: &[&str]) -> P<String> {
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

/// A whole number in `min..=max` (strict: TOML integers only).
pub(super) fn whole(v: &RawValue, what: &str, min: u64, max: u64) -> P<u64> {
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

pub(super) fn count_u32(v: &RawValue, what: &str, min: u32) -> P<u32> {
    whole(v, what, min as u64, u32::MAX as u64).map(|n| n as u32)
}

/// A finite, non-negative number (integer or float).
pub(super) fn number(v: &RawValue, what: &str) -> P<f64> {
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

pub(super) fn positive_number(v: &RawValue, what: &str) -> P<f64> {
    let x = number(v, what)?;
    if x == 0.0 {
        return Err(problem(format!(
            "must be greater than 0, found {}",
            found(v)
        )));
    }
    Ok(x)
}

pub(super) fn duration(v: &RawValue) -> P<Nanos> {
    match &v.kind {
        RawKind::String(s) => at_most(units::parse_duration(s)?, MAX_ANY_DURATION, "a duration"),
        RawKind::Integer(0) => Ok(0),
        _ => Err(problem(format!("expected a duration, found {}", found(v)))
            .hint("write a string with a unit, such as \"250ms\", \"5m\" or \"2h\"")),
    }
}

/// Upper bounds that keep a run finite and its arithmetic far from overflow.
pub(super) const DAY: Nanos = 86_400 * 1_000_000_000;
pub(super) const HOUR: Nanos = 3_600 * 1_000_000_000;
/// Any duration in a scenario.
pub(super) const MAX_ANY_DURATION: Nanos = 400 * DAY;
/// The simulated `duration`. Memory does not grow with it: the time series switches to
/// coarser rows for long runs (`metrics::collector::timeseries_step`).
/// The longest simulated run (`duration`).
pub const MAX_RUN: Nanos = 366 * DAY;
/// A latency, a backoff or a retry delay.
pub(super) const MAX_DELAY: Nanos = HOUR;
/// A closed-loop think time.
pub(super) const MAX_THINK: Nanos = DAY;
/// An arrival or background rate, requests per second.
pub(super) const MAX_RATE: f64 = 1e8;

/// `d` if it is at most `max`, else a problem saying so.
pub(super) fn at_most(d: Nanos, max: Nanos, what: &str) -> P<Nanos> {
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
pub(super) fn delay(v: &RawValue) -> P<Nanos> {
    at_most(duration(v)?, MAX_DELAY, "a delay")
}

pub(super) fn positive_delay(v: &RawValue) -> P<Nanos> {
    at_most(positive_duration(v)?, MAX_DELAY, "a delay")
}

/// A rate in requests per second, at most [`MAX_RATE`].
pub(super) fn rate_value(v: &RawValue) -> P<f64> {
    let x = number(v, "requests per second")?;
    if x > MAX_RATE {
        return Err(problem(format!(
            "{} requests per second is more than bksim simulates (at most {MAX_RATE:e})",
            found(v)
        )));
    }
    Ok(x)
}

pub(super) fn positive_duration(v: &RawValue) -> P<Nanos> {
    let d = duration(v)?;
    if d == 0 {
        return Err(problem(format!(
            "must be longer than 0, found {}",
            found(v)
        )));
    }
    Ok(d)
}

pub(super) fn size(v: &RawValue) -> P<u64> {
    match &v.kind {
        RawKind::String(s) => Ok(units::parse_size(s)?),
        RawKind::Integer(i) if *i >= 0 => Ok(*i as u64),
        _ => Err(problem(format!("expected a size, found {}", found(v)))
            .hint("write a number of bytes or a string such as \"256KiB\" or \"8MiB\"")),
    }
}

/// `[[bucket]]` and `[[workload]]` tables, each: a written bucket keeps a sample of up to
/// 65,536 objects for reads.
pub(super) const MAX_ELEMENTS: usize = 100;

/// Prefixes of all buckets together: the model keeps two request-rate limiters per prefix.
pub(super) const MAX_PREFIXES: u64 = 100_000;

/// Sessions of all workloads together: each keeps its own clients, connection pool and CPU.
pub(super) const MAX_SESSIONS: u64 = 100_000;
/// Closed-loop clients of all workloads together: each has a request in flight at all times.
pub const MAX_CONCURRENCY: u64 = 100_000;

/// S3's smallest part size (all parts but the last), its largest, and the most parts.
pub(super) const MIN_PART: u64 = 5 << 20;
pub(super) const MAX_PART: u64 = 5 << 30;
pub(super) const MAX_PARTS: u64 = 10_000;

/// `n` more of something limited to `max` in the whole scenario, `before` of them counted
/// already in earlier elements.
pub(super) fn within_total(before: u64, n: u32, max: u64, what: &str, elements: &str) -> P<u32> {
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

// ---------------------------------------------------------------------------------------
// Distributions: the forms of a latency and of an object size.

/// The keys of a latency or size distribution written as a table.
const DIST: KeyDef = KeyDef::new(
    "dist",
    Special("lognormal, or exponential for a latency given only a `mean`"),
    "\"lognormal\" | \"exponential\" (latency), \"lognormal\" (size)",
    Source::None,
);
const MEDIAN: KeyDef = KeyDef::new("median", Required, "> 0", Source::None);
const P99: KeyDef = KeyDef::new("p99", Required, ">= median", Source::None);
const MEAN: KeyDef = KeyDef::new("mean", Required, "> 0 (exponential)", Source::None);
const LATENCY_KEYS: &[KeyDef] = &[DIST, MEDIAN, P99, MEAN];
const SIZE_KEYS: &[KeyDef] = &[DIST, MEDIAN, P99];

impl Ctx<'_> {
    /// A latency distribution: a duration string, `{ median, p99 }`, `{ mean }` or
    /// `{ dist = "exponential", mean }`.
    pub(super) fn latency(&self, v: &RawValue, path: &str) -> R<LatencyDist> {
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
        self.check_keys(&tbl, LATENCY_KEYS, |_| None)?;
        let dist = self.opt_quiet(&tbl, DIST.name, |v| {
            one_of(v, &["lognormal", "exponential"])
        })?;
        let exponential = match dist {
            Some(d) => d == "exponential",
            None => {
                tbl.get(MEAN.name).is_some()
                    && tbl.get(MEDIAN.name).is_none()
                    && tbl.get(P99.name).is_none()
            }
        };
        if exponential {
            for k in [MEDIAN.name, P99.name] {
                if let Some(e) = t.get(k) {
                    return Err(self.error(
                        Some(&e.key_origin),
                        &tbl.key_path(k),
                        problem("an exponential latency takes only `mean`"),
                    ));
                }
            }
            let mean = self.req_quiet(
                &tbl,
                MEAN.name,
                Some("e.g. mean = \"10ms\""),
                positive_delay,
            )?;
            return Ok(LatencyDist::Exponential { mean });
        }
        if let Some(e) = t.get(MEAN.name) {
            return Err(self.error(
                Some(&e.key_origin),
                &tbl.key_path(MEAN.name),
                problem("`mean` is for an exponential latency; a lognormal one takes `median` and `p99`"),
            ));
        }
        let median = self.req_quiet(
            &tbl,
            MEDIAN.name,
            Some("e.g. median = \"8ms\""),
            positive_delay,
        )?;
        let p99 = self.req_quiet(&tbl, P99.name, Some("e.g. p99 = \"40ms\""), positive_delay)?;
        if p99 < median {
            let v = tbl.get(P99.name).expect("present");
            return Err(self.error(
                Some(&v.origin),
                &tbl.key_path(P99.name),
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
    pub(super) fn size_dist(&self, v: &RawValue, path: &str) -> R<SizeDist> {
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
        self.check_keys(&tbl, SIZE_KEYS, |_| None)?;
        self.opt_quiet(&tbl, DIST.name, |v| one_of(v, &["lognormal"]))?;
        let positive_size = |v: &RawValue| {
            let s = size(v)?;
            if s == 0 {
                return Err(problem("must be greater than 0"));
            }
            Ok(s)
        };
        let median = self.req_quiet(
            &tbl,
            MEDIAN.name,
            Some("e.g. median = \"256KiB\""),
            positive_size,
        )?;
        let p99 = self.req_quiet(&tbl, P99.name, Some("e.g. p99 = \"8MiB\""), positive_size)?;
        if p99 < median {
            let v = tbl.get(P99.name).expect("present");
            return Err(self.error(
                Some(&v.origin),
                &tbl.key_path(P99.name),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::raw::Origin;

    fn v(kind: RawKind) -> RawValue {
        RawValue {
            kind,
            origin: Origin::File { line: 1, column: 1 },
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
    fn durations_accept_zero_integer_only() {
        assert_eq!(duration(&v(RawKind::Integer(0))).ok(), Some(0));
        assert!(duration(&v(RawKind::Integer(5))).is_err());
        assert!(positive_duration(&v(RawKind::String("0s".into()))).is_err());
    }
}
