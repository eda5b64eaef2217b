//! Parameter values as TOML values: a provenance value read back, a range's end applied to
//! it ([`Bound::Scale`] multiplies numbers, durations and sizes, also inside a latency
//! table), the point between two values that bisection tries, and the number a value is
//! ordered by.

use super::ranges::Bound;
use crate::scenario::{format_duration, format_size, parse_duration, parse_size};
use std::str::FromStr;
use toml_edit::Value;

/// A value as provenance displays it (`5m`, `20000`, `{ median = "8ms", p99 = "40ms" }`),
/// read as TOML, or as a string when it is not TOML (`5m`, `fixed-window`).
pub fn parse(text: &str) -> Value {
    match Value::from_str(text.trim()) {
        Ok(v) => v,
        Err(_) => Value::from(text.trim()),
    }
}

/// A value as a user writes it after `--set PATH=` (strings bare when they need no quotes).
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.value().clone(),
        other => other.to_string().trim().to_string(),
    }
}

/// A range's end for a parameter whose value in the scenario is `base`; `None` when a
/// factor cannot apply (a string that is neither a duration nor a size).
pub fn apply(bound: Bound, base: &Value) -> Option<Value> {
    match bound {
        Bound::Value(text) => Some(parse(text)),
        Bound::Scale(f) => map_scalars(base, base, &|a, _| a * f),
    }
}

/// The value a share `t` (0..1) of the way from `a` to `b`, or `None` when the values are
/// not numeric alike (booleans, names).
pub fn between(a: &Value, b: &Value, t: f64) -> Option<Value> {
    map_scalars(a, b, &|x, y| x + (y - x) * t)
}

/// The number a scalar value stands for (a duration in seconds, a size in bytes); a table's
/// first numeric field (a latency's median). `None` for booleans and names.
pub fn magnitude(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i.value() as f64),
        Value::Float(f) => Some(*f.value()),
        Value::String(s) => scalar_of_str(s.value()).map(|(x, _)| x),
        Value::InlineTable(t) => t.iter().find_map(|(_, v)| magnitude(v)),
        _ => None,
    }
}

/// What a string holds: its number and whether it is a duration (else a size).
fn scalar_of_str(s: &str) -> Option<(f64, bool)> {
    if let Ok(ns) = parse_duration(s) {
        return Some((ns as f64 / 1e9, true));
    }
    parse_size(s).ok().map(|b| (b as f64, false))
}

/// `f` applied to each pair of numbers of `a` and `b` (same shape), rebuilt in `a`'s form.
fn map_scalars(a: &Value, b: &Value, f: &dyn Fn(f64, f64) -> f64) -> Option<Value> {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => {
            let v = f(*x.value() as f64, *y.value() as f64).round();
            Some(Value::from(v.max(0.0) as i64))
        }
        (Value::Integer(_) | Value::Float(_), Value::Integer(_) | Value::Float(_)) => {
            let v = f(magnitude(a)?, magnitude(b)?);
            Some(Value::from(crate::metrics::summary::round6(v)))
        }
        (Value::String(x), Value::String(y)) => {
            let (p, dur) = scalar_of_str(x.value())?;
            let (q, dur2) = scalar_of_str(y.value())?;
            if dur != dur2 {
                return None;
            }
            let v = f(p, q).max(0.0);
            Some(Value::from(if dur {
                format_duration((v * 1e9).round() as u64)
            } else {
                format_size(v.round() as u64)
            }))
        }
        (Value::InlineTable(x), Value::InlineTable(y)) => {
            let mut out = toml_edit::InlineTable::new();
            for (k, va) in x.iter() {
                let vb = y.get(k)?;
                let v = match map_scalars(va, vb, f) {
                    Some(v) => v,
                    None if display(va) == display(vb) => va.clone(),
                    None => return None,
                };
                out.insert(k, v);
            }
            Some(Value::InlineTable(out))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_scale_numbers_durations_and_latency_tables() {
        let s = |b: f64, text: &str| display(&apply(Bound::Scale(b), &parse(text)).unwrap());
        assert_eq!(s(0.5, "20000"), "10000");
        assert_eq!(s(2.0, "5m"), "10m");
        assert_eq!(s(0.5, "8MiB"), "4MiB");
        assert_eq!(
            s(2.0, r#"{ median = "8ms", p99 = "40ms" }"#),
            r#"{ median = "16ms", p99 = "80ms" }"#
        );
        assert!(apply(Bound::Scale(2.0), &parse("fixed-window")).is_none());
        assert_eq!(
            display(&apply(Bound::Value(r#""1m""#), &parse("5m")).unwrap()),
            "1m"
        );
    }

    #[test]
    fn between_interpolates_and_refuses_names() {
        let b = |a: &str, c: &str, t| between(&parse(a), &parse(c), t).map(|v| display(&v));
        assert_eq!(b("1000", "2000", 0.25).as_deref(), Some("1250"));
        assert_eq!(b("1m", "15m", 0.5).as_deref(), Some("8m"));
        assert_eq!(b("true", "false", 0.5), None);
        assert_eq!(magnitude(&parse("5m")), Some(300.0));
        assert_eq!(
            magnitude(&parse(r#"{ median = "8ms", p99 = "40ms" }"#)),
            Some(0.008)
        );
    }
}
