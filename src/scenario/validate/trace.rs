//! A `[[workload]]` with `trace`: a log replayed as a workload. Validation locates the log
//! (paths relative to the scenario file's folder) and reads its settings; the caller reads the
//! log itself (`prepare`), once per run.

use super::super::model::TraceWorkload;
use super::super::presets::{NOTE_MAX_BAD_LINES, NOTE_SPEED, NOTE_TRACE_FORMAT};
use super::bucket::NAME;
use super::ctx::{Ctx, Problem, R, Tbl, problem};
use super::keys::{Assumption, KeyDef, Required, Source, Text};
use super::values::{DAY, MAX_RUN, found, one_of, positive_number, string};
use crate::input::group;
use crate::replay::entry::{Format, FormatChoice};
use crate::replay::load::{BadLimit, TraceSpec};
use crate::scenario::error::Site;
use crate::scenario::raw::{RawKind, RawValue};
use std::path::Path;

pub(super) const TRACE: KeyDef = KeyDef::new(
    "trace",
    Required,
    "path or array of paths (files or directories)",
    Source::None,
);
const FORMAT: KeyDef = KeyDef::new(
    "format",
    Text(r#""auto""#),
    r#"`"auto"` | `"s3-access-log"` | `"cloudtrail"` | `"csv"`"#,
    Assumption(NOTE_TRACE_FORMAT),
);
const SPEED: KeyDef = KeyDef::new(
    "speed",
    Text("1.0"),
    "number from 1/31,622,400 (a second of log in 366 days, the longest run) to 1,000,000",
    Assumption(NOTE_SPEED),
);
const MAX_BAD_LINES: KeyDef = KeyDef::new(
    "max_bad_lines",
    Text(r#""1%""#),
    r#"line count or percentage (`"1%"`)"#,
    Assumption(NOTE_MAX_BAD_LINES),
);

/// The keys of a trace workload.
pub(crate) const KEYS: &[KeyDef] = &[NAME, TRACE, FORMAT, SPEED, MAX_BAD_LINES];

/// Most files or directories one `trace` may list.
const MAX_PATHS: usize = 1000;
/// The fastest replay (a day of log in under a tenth of a second).
pub const MAX_SPEED: f64 = 1e6;
/// The slowest replay: a second of log in the longest run ([`MAX_RUN`], 366 days).
pub const MIN_SPEED: f64 = 1e9 / MAX_RUN as f64;

/// Checks a replay speed (a trace workload's `speed`, `bksim replay --speed`): what is wrong
/// with it, after the number (`1e-300 is below the slowest replay, ...`).
pub fn check_speed(x: f64) -> Result<f64, String> {
    let shown = crate::input::number_text(x);
    if !(x.is_finite() && x > 0.0) {
        Err(format!("{shown}: expected a number above 0"))
    } else if x < MIN_SPEED {
        Err(format!(
            "{shown} is below the slowest replay, 1/{} or about {MIN_SPEED:.1e} (a second of \
             log in {} days, the longest run)",
            group(MAX_RUN / 1_000_000_000),
            MAX_RUN / DAY
        ))
    } else if x > MAX_SPEED {
        Err(format!(
            "{shown} is above the fastest replay, {MAX_SPEED:e}"
        ))
    } else {
        Ok(x)
    }
}

/// The names `format` accepts, `auto` first.
fn format_names() -> Vec<&'static str> {
    std::iter::once(FormatChoice::AUTO)
        .chain(Format::ALL.iter().map(|f| f.name()))
        .collect()
}

/// The paths as written, and resolved against `base`.
type Paths = (Vec<String>, Vec<std::path::PathBuf>);

fn paths(v: &RawValue, base: &Path) -> Result<Paths, Problem> {
    let one = |v: &RawValue| -> Result<(String, std::path::PathBuf), Problem> {
        let s = string(v)?;
        if s.is_empty() {
            return Err(problem("an empty path").hint("name a log file or a directory of logs"));
        }
        Ok((s.clone(), base.join(s)))
    };
    match &v.kind {
        RawKind::Array(items) => {
            if items.is_empty() || items.len() > MAX_PATHS {
                return Err(problem(format!(
                    "expected 1 to {MAX_PATHS} paths, found {}",
                    items.len()
                )));
            }
            items.iter().map(one).collect()
        }
        RawKind::String(_) => Ok([one(v)?].into_iter().collect()),
        _ => Err(problem(format!(
            "expected a path or an array of paths, found {}",
            found(v)
        ))),
    }
}

/// A trace workload named `name`, from its table.
pub(super) fn trace_workload(ctx: &mut Ctx, t: &Tbl, name: String) -> R<TraceWorkload> {
    ctx.check_keys(t, KEYS, |k| {
        super::workload::KEYS.iter().any(|d| d.name == k).then(|| {
            format!(
                "`{k}` does not apply to a trace workload: its buckets, operations, times and sessions come from the log"
            )
        })
    })?;
    let base = ctx.file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let site = Site::new(ctx.file, t.get(TRACE.name).map(|v| v.origin.clone()));
    let (written, paths) = ctx.req(
        t,
        TRACE.name,
        Some("a log file or a directory of logs"),
        |v| paths(v, &base),
    )?;
    let names = format_names();
    let format = ctx.value(t, &FORMAT, |v| one_of(v, &names))?;
    let format = FormatChoice::from_name(&format).expect("one of the format names");
    let speed = ctx.value(t, &SPEED, |v| {
        check_speed(positive_number(v, "speed")?).map_err(|e| problem(format!("speed {e}")))
    })?;
    let max_bad = ctx.value(t, &MAX_BAD_LINES, |v| {
        let s = match &v.kind {
            RawKind::Integer(n) => n.to_string(),
            _ => string(v)?,
        };
        BadLimit::parse(&s).map_err(problem)
    })?;
    Ok(TraceWorkload {
        name,
        spec: TraceSpec {
            paths,
            format,
            max_bad,
        },
        speed,
        written,
        site,
        trace: None,
        buckets: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_are_bounded_by_the_longest_run_and_the_fastest_replay() {
        // The key's type text states the bounds the check applies.
        let slowest = format!("1/{}", group(MAX_RUN / 1_000_000_000));
        assert_eq!(slowest, "1/31,622,400");
        assert!(SPEED.limit.contains(&slowest), "{}", SPEED.limit);
        assert!(SPEED.limit.contains("1,000,000"));
        assert_eq!(MAX_SPEED, 1e6);
        assert_eq!(check_speed(MIN_SPEED), Ok(MIN_SPEED));
        assert_eq!(check_speed(MAX_SPEED), Ok(MAX_SPEED));
        assert_eq!(
            check_speed(1e-300).unwrap_err(),
            "1e-300 is below the slowest replay, 1/31,622,400 or about 3.2e-8 (a second of log \
             in 366 days, the longest run)"
        );
        assert_eq!(
            check_speed(2e6).unwrap_err(),
            "2000000 is above the fastest replay, 1e6"
        );
        for x in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                check_speed(x)
                    .unwrap_err()
                    .contains("expected a number above 0")
            );
        }
    }

    #[test]
    fn format_names_are_auto_and_every_format() {
        assert_eq!(
            format_names(),
            vec!["auto", "s3-access-log", "cloudtrail", "csv"]
        );
        assert_eq!(FormatChoice::from_name("auto"), Some(FormatChoice::Auto));
        assert_eq!(
            FormatChoice::from_name("csv"),
            Some(FormatChoice::Only(Format::Csv))
        );
        assert_eq!(FormatChoice::from_name("json"), None);
    }
}
