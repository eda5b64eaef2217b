//! A parameter grid: dotted paths and the values each takes (`--param PATH=LIST` or the
//! scenario's `[sweep]` table), and the points of their cartesian product.

use crate::report::plausible::{MAX_PARAM_TEXT, Quantity};
use crate::scenario::{Override, SweepEntry, SweepValues};
use std::str::FromStr;

pub use crate::report::plausible::MAX_POINTS;
/// Most swept parameters (every point holds a value of each).
pub const MAX_PARAMS: usize = 32;

/// One swept value: its TOML text (as it goes into the override and the output) and its
/// number, when it is one (for charts).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GridValue {
    pub toml: String,
    pub number: Option<f64>,
}

impl GridValue {
    fn from_value(v: toml_edit::Value) -> GridValue {
        let number = match &v {
            toml_edit::Value::Integer(i) => Some(*i.value() as f64),
            toml_edit::Value::Float(f) => Some(*f.value()),
            _ => None,
        };
        let mut v = v;
        v.decor_mut().clear();
        GridValue {
            toml: v.to_string(),
            number,
        }
    }

    /// The value as a user reads it: strings without quotes.
    pub fn display(&self) -> String {
        match toml_edit::Value::from_str(&self.toml) {
            Ok(toml_edit::Value::String(s)) => s.value().clone(),
            _ => self.toml.clone(),
        }
    }

    /// Checks a value read back from a file (a shard): its text is one TOML value of at most
    /// [`MAX_PARAM_TEXT`] bytes, and its number is the one that text gives, within
    /// [`MAX_PARAM_VALUE`].
    pub fn check(&self) -> Result<(), String> {
        if self.toml.len() > MAX_PARAM_TEXT {
            return Err(format!(
                "a value of {} bytes is longer than {MAX_PARAM_TEXT}",
                self.toml.len()
            ));
        }
        let parsed = toml_edit::Value::from_str(&self.toml).map_err(|_| {
            format!(
                "'{}' is not a TOML value",
                crate::input::escape_controls(&crate::input::clip(&self.toml, 60))
            )
        })?;
        let expected = GridValue::from_value(parsed).number;
        let same = match (self.number, expected) {
            (None, None) => true,
            (Some(a), Some(b)) => a == b || (a - b).abs() <= 1e-9 * b.abs(),
            _ => false,
        };
        if !same {
            return Err(format!(
                "number {:?} does not match its value '{}'",
                self.number,
                crate::input::clip(&self.toml, 60)
            ));
        }
        if let Some(x) = self.number {
            Quantity::ParamValue.check(x)?;
        }
        Ok(())
    }

    fn value(&self) -> toml_edit::Value {
        toml_edit::Value::from_str(&self.toml).unwrap_or_else(|_| self.toml.as_str().into())
    }
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Param {
    pub path: String,
    pub values: Vec<GridValue>,
}

impl Param {
    /// Checks a parameter read back from a file: a dotted path as `--param` takes it (at most
    /// [`MAX_PARAM_TEXT`] bytes) and values that pass [`GridValue::check`]. Errors name the
    /// path and the value's index.
    pub fn check(&self) -> Result<(), String> {
        if self.path.len() > MAX_PARAM_TEXT {
            return Err(format!(
                "a parameter path of {} bytes is longer than {MAX_PARAM_TEXT}",
                self.path.len()
            ));
        }
        crate::scenario::check_param_path(&self.path)
            .map_err(|e| format!("parameter path {}", crate::input::escape_controls(&e)))?;
        for (i, v) in self.values.iter().enumerate() {
            v.check()
                .map_err(|e| format!("{}: values[{i}]: {e}", self.path))?;
        }
        Ok(())
    }
}

/// Parses a LIST: `a,b,c` (each element read as TOML, else as a bare string),
/// `start..end:step` (arithmetic, `end` included when the steps land on it) or
/// `start..end:xN` (geometric, factor N > 1).
pub fn parse_list(spec: &str) -> Result<Vec<GridValue>, String> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err("empty list of values".into());
    }
    if !spec.starts_with(['{', '[', '"'])
        && let Some((range, step)) = spec.split_once(':')
        && let Some((start, end)) = range.split_once("..")
    {
        return parse_range(start.trim(), end.trim(), step.trim());
    }
    split_top_level(spec)
        .into_iter()
        .map(|item| {
            let item = item.trim();
            if item.is_empty() {
                return Err(format!("'{spec}' has an empty element"));
            }
            let v = toml_edit::Value::from_str(item).unwrap_or_else(|_| item.into());
            Ok(GridValue::from_value(v))
        })
        .collect()
}

/// Splits at commas outside braces, brackets and quotes, so an element may be an inline table
/// (`{ median = "8ms", p99 = "40ms" }`) or an array.
fn split_top_level(spec: &str) -> Vec<&str> {
    let (mut out, mut depth, mut quoted, mut start) = (Vec::new(), 0i32, false, 0);
    for (i, c) in spec.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '{' | '[' if !quoted => depth += 1,
            '}' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(&spec[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&spec[start..]);
    out
}

fn number(s: &str, what: &str) -> Result<f64, String> {
    let x: f64 = s.replace('_', "").parse().map_err(|_| {
        format!(
            "{what} '{s}' is not a number: ranges take plain numbers; list durations or \
                 sizes instead (1m,2m,5m)"
        )
    })?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("{what} '{s}' is not a finite number"))
    }
}

fn is_integer_text(s: &str) -> bool {
    let s = s.replace('_', "");
    !s.is_empty()
        && s.trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit())
}

fn parse_range(start: &str, end: &str, step: &str) -> Result<Vec<GridValue>, String> {
    let a = number(start, "range start")?;
    let b = number(end, "range end")?;
    if b < a {
        return Err(format!("range end {end} is below its start {start}"));
    }
    let geometric = step.starts_with('x') || step.starts_with('*');
    let integers =
        is_integer_text(start) && is_integer_text(end) && (geometric || is_integer_text(step));
    let mut out = Vec::new();
    let eps = 1e-9 * b.abs().max(1.0);
    if geometric {
        let f = number(&step[1..], "range factor")?;
        if f <= 1.0 {
            return Err(format!("range factor {f} must be above 1"));
        }
        if a <= 0.0 {
            return Err("a geometric range must start above 0".into());
        }
        let mut x = a;
        while x <= b + eps {
            out.push(x);
            x *= f;
            if out.len() > MAX_POINTS {
                break;
            }
        }
    } else {
        let s = number(step, "range step")?;
        if s <= 0.0 {
            return Err(format!("range step {step} must be above 0"));
        }
        let n = ((b - a) / s + 1e-9).floor() as usize;
        if n >= MAX_POINTS {
            return Err(format!("the range has more than {MAX_POINTS} values"));
        }
        out = (0..=n).map(|i| a + s * i as f64).collect();
    }
    if out.len() > MAX_POINTS {
        return Err(format!("the range has more than {MAX_POINTS} values"));
    }
    if integers {
        // A geometric range of whole numbers can round several steps to the same value.
        let mut seen = Vec::new();
        out.retain(|x| {
            let r = x.round();
            if seen.contains(&r) {
                false
            } else {
                seen.push(r);
                true
            }
        });
    }
    Ok(out
        .into_iter()
        .map(|x| {
            if integers {
                GridValue::from_value(toml_edit::Value::from(x.round() as i64))
            } else {
                // Round away float noise from repeated steps (0.1 + 0.2 ...).
                let r = (x * 1e9).round() / 1e9;
                GridValue::from_value(toml_edit::Value::from(r))
            }
        })
        .collect())
}

/// Parses one `--param PATH=LIST`.
pub fn parse_param(arg: &str) -> Result<Param, String> {
    let Some((path, list)) = arg.split_once('=') else {
        return Err(format!(
            "--param '{arg}' has no '=': write --param PATH=LIST, e.g. --param kms.quota_rps=10000,20000"
        ));
    };
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("--param '{arg}' has an empty path"));
    }
    let values = parse_list(list).map_err(|e| format!("--param {path}: {e}"))?;
    Ok(Param {
        path: path.to_string(),
        values,
    })
}

/// A scenario file's `[sweep]` entry as a parameter (errors name the file's line).
pub fn from_entry(file: &str, e: &SweepEntry) -> Result<Param, String> {
    let values = match &e.values {
        SweepValues::List(vs) => vs.iter().cloned().map(GridValue::from_value).collect(),
        SweepValues::Spec(s) => parse_list(s).map_err(|err| {
            let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            format!("{file}{line}: sweep.{}: {err}", e.path)
        })?,
    };
    Ok(Param {
        path: e.path.clone(),
        values,
    })
}

/// The cartesian product of the parameters' values, the last parameter varying fastest.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    pub params: Vec<Param>,
}

impl Grid {
    /// Checks the grid: one to [`MAX_PARAMS`] parameters, no path twice, at most
    /// [`MAX_POINTS`].
    pub fn new(params: Vec<Param>) -> Result<Grid, String> {
        if params.is_empty() {
            return Err("nothing to sweep: give --param PATH=LIST or a [sweep] table".into());
        }
        if params.len() > MAX_PARAMS {
            return Err(format!(
                "{} parameters swept, more than {MAX_PARAMS}",
                params.len()
            ));
        }
        for (i, p) in params.iter().enumerate() {
            if p.values.is_empty() {
                return Err(format!("{} has no values", p.path));
            }
            if params[..i].iter().any(|q| q.path == p.path) {
                return Err(format!("{} is swept twice", p.path));
            }
        }
        let mut n: usize = 1;
        for p in &params {
            n = n.saturating_mul(p.values.len());
        }
        if n > MAX_POINTS {
            return Err(format!("the grid has {n} points, more than {MAX_POINTS}"));
        }
        Ok(Grid { params })
    }

    pub fn points(&self) -> usize {
        self.params.iter().map(|p| p.values.len()).product()
    }

    /// The value index of each parameter at point `i`.
    pub fn coordinates(&self, mut i: usize) -> Vec<usize> {
        let mut c = vec![0; self.params.len()];
        for (k, p) in self.params.iter().enumerate().rev() {
            c[k] = i % p.values.len();
            i /= p.values.len();
        }
        c
    }

    /// The values at point `i`.
    pub fn values(&self, i: usize) -> Vec<&GridValue> {
        self.coordinates(i)
            .into_iter()
            .zip(&self.params)
            .map(|(j, p)| &p.values[j])
            .collect()
    }

    /// The overrides that make point `i`.
    pub fn overrides(&self, i: usize) -> Vec<Override> {
        self.coordinates(i)
            .into_iter()
            .zip(&self.params)
            .map(|(j, p)| Override::new(&p.path, p.values[j].value(), &format!("sweep point {i}")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tomls(v: &[GridValue]) -> Vec<&str> {
        v.iter().map(|g| g.toml.as_str()).collect()
    }

    #[test]
    fn lists_and_ranges() {
        assert_eq!(tomls(&parse_list("1,2,3").unwrap()), ["1", "2", "3"]);
        assert_eq!(tomls(&parse_list("5m, 1h").unwrap()), ["\"5m\"", "\"1h\""]);
        assert_eq!(
            tomls(&parse_list("1000..5000:1000").unwrap()),
            ["1000", "2000", "3000", "4000", "5000"]
        );
        assert_eq!(
            tomls(&parse_list("1000..4500:1000").unwrap()),
            ["1000", "2000", "3000", "4000"]
        );
        assert_eq!(
            tomls(&parse_list("1000..16000:x2").unwrap()),
            ["1000", "2000", "4000", "8000", "16000"]
        );
        assert_eq!(
            tomls(&parse_list("0.1..0.3:0.1").unwrap()),
            ["0.1", "0.2", "0.3"]
        );
        assert_eq!(parse_list("1..2:x2").unwrap().len(), 2);
        assert!(parse_list("5..1:1").is_err());
        assert!(parse_list("1..5:0").is_err());
        assert!(parse_list("1..5:x1").is_err());
        assert!(parse_list("1..1e12:1").unwrap_err().contains("more than"));
        assert!(parse_list("").is_err());
        assert!(parse_list("1,,2").is_err());
        assert_eq!(parse_list("3").unwrap()[0].number, Some(3.0));
        assert_eq!(
            tomls(&parse_list("1..10:x1.1").unwrap()),
            ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
        );
        assert!(
            parse_list("1m..5m:1m")
                .unwrap_err()
                .contains("plain numbers")
        );
        let t = parse_list("{ median = \"8ms\", p99 = \"40ms\" }, \"5ms\"").unwrap();
        assert_eq!(t.len(), 2);
        assert!(t[0].toml.starts_with('{'));
    }

    #[test]
    fn points_vary_last_parameter_fastest() {
        let g = Grid::new(vec![
            parse_param("a=1,2").unwrap(),
            parse_param("b=x,y,z").unwrap(),
        ])
        .unwrap();
        assert_eq!(g.points(), 6);
        let shown: Vec<String> = (0..6)
            .map(|i| {
                g.values(i)
                    .iter()
                    .map(|v| v.display())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        assert_eq!(shown, ["1/x", "1/y", "1/z", "2/x", "2/y", "2/z"]);
        assert!(
            Grid::new(vec![
                parse_param("a=1").unwrap(),
                parse_param("a=2").unwrap()
            ])
            .is_err()
        );
        assert!(Grid::new(vec![]).is_err());
        assert!(parse_param("nothing").is_err());
    }
}
