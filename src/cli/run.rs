//! `bksim run`: validate every selected variant first (so bad input writes nothing), simulate
//! the variants in parallel with a progress bar on a terminal, then write the results
//! directory and its report (charts, report.html, report.md) and print the comparison table
//! (or the summary JSON).

use super::{CommandError, RunArgs};
use crate::engine::time::{Nanos, to_secs};
use crate::metrics::results::{RunResults, VariantResults};
use crate::model::run_variant;
use crate::report::{self, RunFacts};
use crate::scenario::{Override, Scenario, ScenarioFile};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Runs the `run` command, writing the table or JSON to `out`.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let started = std::time::SystemTime::now();
    let clock = Instant::now();
    let file = ScenarioFile::load(&args.file)?;

    let mut extra = Vec::new();
    if let Some(seed) = args.seed {
        extra.push(Override::new("seed", seed as i64, "--seed"));
    }
    for s in &args.set {
        extra.push(Override::parse_cli(s)?);
    }
    let selected: Vec<String> = if args.variant.is_empty() {
        file.variants().iter().map(|v| v.name.clone()).collect()
    } else {
        for name in &args.variant {
            file.variant(name)?;
        }
        let mut names = args.variant.clone();
        names.dedup();
        names
    };
    // Validate everything before anything is written.
    let scenarios: Vec<(String, Scenario)> = selected
        .iter()
        .map(|name| Ok((name.clone(), file.resolve(Some(name), &extra)?)))
        .collect::<Result<_, CommandError>>()?;
    let descriptions: Vec<String> = selected
        .iter()
        .map(|name| Ok(file.variant(name)?.description.clone()))
        .collect::<Result<_, CommandError>>()?;
    let base = &scenarios[0].1;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(file.name()));
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(CommandError::Input(format!(
            "--out {}: exists and is not a directory",
            out_dir.display()
        )));
    }

    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let bar = progress_bar(show_progress, &scenarios);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.map(|t| t as usize).unwrap_or(0))
        .build()
        .map_err(|e| CommandError::Failure(format!("cannot start worker threads: {e}")))?;
    let done_ms: Vec<AtomicU64> = scenarios.iter().map(|_| AtomicU64::new(0)).collect();
    let timed: Vec<(VariantResults, Duration)> = pool.install(|| {
        scenarios
            .par_iter()
            .enumerate()
            .map(|(i, (name, sc))| {
                let t0 = Instant::now();
                let mut tick = |now: Nanos| {
                    let ms = now.min(sc.duration) / 1_000_000;
                    let before = done_ms[i].swap(ms, Ordering::Relaxed);
                    bar.inc(ms.saturating_sub(before));
                };
                let mut r = run_variant(name, sc, Some(&mut tick));
                r.summary.description = descriptions[i].clone();
                (r, t0.elapsed())
            })
            .collect()
    });
    bar.finish_and_clear();

    let results = RunResults {
        scenario: base.name.clone(),
        description: base.description.clone(),
        seed: base.seed,
        simulated_seconds: to_secs(base.duration),
        warmup_seconds: to_secs(base.warmup),
        variants: timed.iter().map(|(r, _)| r.clone()).collect(),
    };
    let variant_wall: Vec<Duration> = timed.iter().map(|(_, w)| *w).collect();
    let facts = RunFacts::collect(
        &results,
        started,
        clock.elapsed(),
        &variant_wall,
        pool.current_num_threads(),
    );
    report::write_outputs(&out_dir, &results, &facts)
        .map_err(|e| CommandError::Failure(e.to_string()))?;
    // Charts, report.html and report.md, from the files just written (as `bksim report`
    // builds them). Every error names its file.
    report::write_report(&out_dir, report::Formats::ALL).map_err(|e| {
        CommandError::Failure(format!("writing the report in {}: {e}", out_dir.display()))
    })?;

    let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
    if args.json {
        out.write_all(report::summary_json(&results).as_bytes())
            .map_err(w)?;
    } else if !args.quiet {
        writeln!(out, "{}", report::comparison_table(&results)).map_err(w)?;
        writeln!(out, "Results written to {}/", out_dir.display()).map_err(w)?;
        writeln!(
            out,
            "Report: {}",
            out_dir.join(report::render::REPORT_HTML).display()
        )
        .map_err(w)?;
    }
    Ok(())
}

fn progress_bar(show: bool, scenarios: &[(String, Scenario)]) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let total_ms: u64 = scenarios.iter().map(|(_, s)| s.duration / 1_000_000).sum();
    let bar = ProgressBar::with_draw_target(Some(total_ms), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} simulating {msg} [{bar:30}] {percent}% of simulated time, eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("{} variant(s)", scenarios.len()));
    bar
}
