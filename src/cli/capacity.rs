//! `bksim capacity`: for each variant, the highest value of a target parameter that meets the
//! throttling, latency and failure constraints, and the constraint that binds there.

use super::{CapacityArgs, CommandError, base_overrides, thread_pool};
use crate::prepare;
use crate::scenario::{ScenarioFile, parse_duration};
use crate::sweep::capacity::{
    self, Binding, CAPACITY_SCHEMA, Constraints, Search, VariantCapacity,
};
use rayon::prelude::*;
use std::io::Write;

/// Parses `0.1%` or `0.001` as a fraction.
fn fraction(flag: &str, s: &str) -> Result<f64, CommandError> {
    let err = || {
        CommandError::Input(format!(
            "{flag} '{s}': write a fraction (0.001) or a percentage (0.1%)"
        ))
    };
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map_err(|_| err())? / 100.0,
        None => t.parse::<f64>().map_err(|_| err())?,
    };
    if !(0.0..=1.0).contains(&v) {
        return Err(err());
    }
    Ok(v)
}

fn constraints(args: &CapacityArgs) -> Result<Constraints, CommandError> {
    let max_throttle = fraction("--max-throttle", &args.max_throttle)?;
    let max_p99_ms = match &args.max_p99 {
        None => None,
        Some(s) => Some(
            parse_duration(s)
                .map_err(|e| CommandError::Input(format!("--max-p99: {}", e.message)))?
                as f64
                / 1e6,
        ),
    };
    let (max_failed, failed_is_fraction) = if args.max_failed.trim().ends_with('%') {
        (fraction("--max-failed", &args.max_failed)?, true)
    } else {
        let n: u64 = args.max_failed.trim().parse().map_err(|_| {
            CommandError::Input(format!(
                "--max-failed '{}': write a count (0) or a percentage (0.1%)",
                args.max_failed
            ))
        })?;
        (n as f64, false)
    };
    Ok(Constraints {
        max_throttle,
        max_p99_ms,
        max_failed,
        failed_is_fraction,
    })
}

#[derive(serde::Serialize)]
struct Report<'a> {
    schema: &'static str,
    scenario: &'a str,
    target: &'a str,
    start: f64,
    constraints: ConstraintsOut,
    variants: &'a [VariantCapacity],
}

#[derive(serde::Serialize)]
struct ConstraintsOut {
    max_throttle: f64,
    max_p99_ms: Option<f64>,
    max_failed: f64,
    max_failed_is_fraction: bool,
}

/// The smallest value a capacity search may start from.
const MIN_START: f64 = 1e-3;

pub fn capacity(args: &CapacityArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let file = ScenarioFile::load(&args.file)?;
    let base = base_overrides(args.scenario.seed, &args.scenario.set)?;
    let c = constraints(args)?;
    let variants = super::select_variants(&file, &args.scenario.variant)?;
    let target = args.target.trim();
    if target == "seed" {
        return Err(CommandError::Input(
            "--target seed: the seed picks the random streams, it is not a load to push up; \
             use an arrival rate, sessions or concurrency"
                .into(),
        ));
    }
    // The starting value: --start, or the target's value in the scenario.
    let first = prepare::variant(&file, Some(&variants[0]), &base)?;
    let written = first
        .provenance
        .iter()
        .find(|p| p.path == target)
        .map(|p| p.value.clone());
    let start_text = match (&args.start, &written) {
        (Some(s), _) => s.clone(),
        (None, Some(v)) => v.clone(),
        (None, None) => {
            let known: Vec<&str> = first
                .provenance
                .iter()
                .map(|p| p.path.as_str())
                .filter(|p| {
                    p.contains("rate") || p.contains("sessions") || p.contains("concurrency")
                })
                .collect();
            return Err(CommandError::Input(format!(
                "--target {target}: not a parameter of this scenario (numeric candidates: {}); or give --start",
                known.join(", ")
            )));
        }
    };
    let start: f64 = start_text.trim().parse().map_err(|_| {
        CommandError::Input(format!(
            "--target {target}: its value '{start_text}' is not a number; the target must be numeric (an arrival rate, sessions, concurrency)"
        ))
    })?;
    // The search doubles or halves a bounded number of times from the start: below a
    // thousandth it could not reach any load that matters.
    if !(start.is_finite() && start >= MIN_START) {
        return Err(CommandError::Input(format!(
            "--target {target}: the search starts from a value of at least {MIN_START}, not {start:e}"
        )));
    }
    // Rates are real numbers; counts written as integers (sessions, concurrency) stay whole.
    let search = Search {
        integer: start_text.trim().parse::<i64>().is_ok() && !target.ends_with("rate"),
        ..Search::default()
    };
    // Check the target takes such values before the long runs start.
    let mut probe_overrides = base.clone();
    probe_overrides.push(capacity::value_override(target, start, search.integer));
    for v in &variants {
        prepare::variant(&file, Some(v), &probe_overrides)?;
    }
    let pool = thread_pool(args.output.threads)?;
    let results: Vec<VariantCapacity> = pool.install(|| {
        variants
            .par_iter()
            .map(|v| capacity::search(&file, v, &base, target, start, &search, &c))
            .collect::<Result<_, _>>()
    })?;
    let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
    if args.output.json {
        let r = Report {
            schema: CAPACITY_SCHEMA,
            scenario: file.name(),
            target,
            start,
            constraints: ConstraintsOut {
                max_throttle: c.max_throttle,
                max_p99_ms: c.max_p99_ms,
                max_failed: c.max_failed,
                max_failed_is_fraction: c.failed_is_fraction,
            },
            variants: &results,
        };
        let mut s = serde_json::to_string_pretty(&r).expect("capacity serializes");
        s.push('\n');
        out.write_all(s.as_bytes()).map_err(w)?;
        return Ok(());
    }
    if args.output.quiet {
        return Ok(());
    }
    writeln!(
        out,
        "Highest {target} meeting: KMS and prefix throttling <= {}%, failures <= {}{}{}",
        c.max_throttle * 100.0,
        if c.failed_is_fraction {
            c.max_failed * 100.0
        } else {
            c.max_failed
        },
        if c.failed_is_fraction { "%" } else { "" },
        c.max_p99_ms
            .map(|p| format!(", p99 <= {p} ms"))
            .unwrap_or_default()
    )
    .map_err(w)?;
    for r in &results {
        let tried =
            |f: fn(f64, f64) -> f64| r.probes.iter().map(|p| p.value).fold(r.probes[0].value, f);
        let (lowest, highest) = (tried(f64::min), tried(f64::max));
        let line = match (r.max_value, r.binding) {
            (Some(v), Binding::None) => format!(
                "  {:<20} no limit found up to {} (tried {}..{}): the range holds no limit",
                r.name,
                fmt_value(v),
                fmt_value(lowest),
                fmt_value(highest)
            ),
            (Some(v), b) => format!(
                "  {:<20} {:>14}   bound by {}   ({} runs)",
                r.name,
                fmt_value(v),
                b.as_str(),
                r.probes.len()
            ),
            (None, b) => format!(
                "  {:<20} even {} fails ({}): no safe value down to the lowest tried",
                r.name,
                fmt_value(lowest),
                b.as_str()
            ),
        };
        writeln!(out, "{line}").map_err(w)?;
        // The search assumes a larger target never makes things better.
        let inverted = r.probes.iter().any(|low| {
            !low.passed
                && r.probes
                    .iter()
                    .any(|high| high.passed && high.value > low.value)
        });
        if inverted {
            writeln!(
                out,
                "  {:<20} warning: a larger value passed where a smaller one failed; the target \
                 may not drive the load the constraints measure (e.g. a rate under a rate \
                 profile, or a quota) and the answer may be wrong",
                ""
            )
            .map_err(w)?;
        }
        if r.max_value.is_none() && r.probes.len() > 1 {
            let (a, b) = (&r.probes[0], &r.probes[r.probes.len() - 1]);
            if (a.throttle_rate - b.throttle_rate).abs() < 0.01 * a.throttle_rate.max(1e-9) {
                writeln!(
                    out,
                    "  {:<20} note: throttling hardly changed between {} and {}: the target may \
                     not drive the load (is the rate shaped by a profile?)",
                    "",
                    fmt_value(a.value),
                    fmt_value(b.value)
                )
                .map_err(w)?;
            }
        }
    }
    Ok(())
}

fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 {
        crate::report::table::group(v as u64)
    } else {
        crate::report::table::group_f64(v, 2)
    }
}
