//! `bksim run`: validate every selected variant first (so bad input writes nothing), simulate
//! the variants in parallel with a progress bar on a terminal, then write the results
//! directory and its report (charts, report.html, report.md) and print the comparison table
//! (or the summary JSON). The directory is written as a staging directory and published in
//! one step ([`crate::outdir`]): it always holds one complete run. With `--check`, a
//! measured value (`[[expect]]`) the model misses by more than its tolerance then makes the
//! command fail with [`super::EXIT_CHECK`]. With `--sensitivity` the sensitivity analysis
//! runs after the simulation and its `sensitivity.json` joins the directory, so the report
//! gets the section "What this verdict depends on"; without it nothing changes.

use super::{CommandError, RunArgs, RunOptions};
use crate::engine::time::{Nanos, to_secs};
use crate::metrics::results::{RunResults, VariantResults};
use crate::model::run_variant_traced;
use crate::prepare;
use crate::report::{self, RunFacts};
use crate::scenario::{Scenario, ScenarioFile};
use indicatif::{ProgressBar, ProgressDrawTarget};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Runs the `run` command, writing the table or JSON to `out`.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let file = ScenarioFile::load(&args.file)?;
    execute(&file, &args.run, out)
}

/// Runs a scenario file's variants as `bksim run` does (also `bksim replay`, on the scenario
/// it built).
pub fn execute(
    file: &ScenarioFile,
    args: &RunOptions,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let started = std::time::SystemTime::now();
    let clock = Instant::now();

    let extra = super::base_overrides(args.scenario.seed, &args.scenario.set)?;
    let selected = super::select_variants(file, &args.scenario.variant)?;
    // Validate everything before anything is written.
    let scenarios: Vec<(String, Scenario)> = selected
        .iter()
        .map(|name| Ok((name.clone(), prepare::variant(file, Some(name), &extra)?)))
        .collect::<Result<_, CommandError>>()?;
    let descriptions: Vec<String> = selected
        .iter()
        .map(|name| Ok(file.variant(name)?.description.clone()))
        .collect::<Result<_, CommandError>>()?;
    let sensitivity = match args.sensitivity {
        true => Some(super::sensitivity::plan(file, &extra, &selected)?),
        false => None,
    };
    let base = &scenarios[0].1;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(file.name()));
    let trail_out = super::cloudtrail::begin(args, base, &out_dir)?;
    // Everything is written into a staging directory beside --out, published in one step.
    let stage = super::begin_out_dir("--out ", &out_dir, crate::outdir::Kind::Run)?;

    let show_progress = !args.output.quiet && std::io::stderr().is_terminal();
    let bar = progress_bar(show_progress, &scenarios);
    let pool = super::thread_pool(args.output.threads)?;
    let done_ms: Vec<AtomicU64> = scenarios.iter().map(|_| AtomicU64::new(0)).collect();
    type Trailed = Option<std::io::Result<crate::cloudtrail::TrailStats>>;
    let timed: Vec<(VariantResults, Duration, Trailed)> = pool.install(|| {
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
                let trail = trail_out.as_ref().map(|t| t.trail(name, sc));
                let (mut r, trailed) = run_variant_traced(name, sc, Some(&mut tick), trail);
                r.summary.description = descriptions[i].clone();
                (r, t0.elapsed(), trailed)
            })
            .collect()
    });
    let (timed, trailed): (Vec<(VariantResults, Duration)>, Vec<Trailed>) =
        timed.into_iter().map(|(r, d, t)| ((r, d), t)).unzip();
    bar.finish_and_clear();
    if let Some((r, e)) = timed
        .iter()
        .find_map(|(r, _)| r.trace_error.as_ref().map(|e| (r, e)))
    {
        drop(stage);
        return Err(CommandError::Failure(format!(
            "variant {}: {e}; nothing was written",
            r.summary.name
        )));
    }
    let failures: Vec<String> = timed
        .iter()
        .flat_map(|(r, _)| {
            r.verify_failures
                .iter()
                .map(|f| format!("variant {}: {f}", r.summary.name))
        })
        .collect();
    if !failures.is_empty() {
        drop(stage);
        let shown: Vec<&str> = failures.iter().take(10).map(String::as_str).collect();
        return Err(CommandError::Failure(format!(
            "crypto.verify: {} object(s) failed their real encryption round trip; nothing was written:\n  {}",
            failures.len(),
            shown.join("\n  ")
        )));
    }

    let results = RunResults {
        scenario: base.name.clone(),
        description: base.description.clone(),
        seed: base.seed,
        simulated_seconds: to_secs(base.duration),
        warmup_seconds: to_secs(base.warmup),
        variants: timed.iter().map(|(r, _)| r.clone()).collect(),
        expectations: base.expect.iter().map(|e| e.expectation.clone()).collect(),
        traces: prepare::trace_facts(base)
            .into_iter()
            .enumerate()
            .map(|(i, mut f)| {
                f.cut = timed[0].0.trace_cut.get(i).copied().unwrap_or(0);
                f
            })
            .collect(),
    };
    let variant_wall: Vec<Duration> = timed.iter().map(|(_, w)| *w).collect();
    let mut facts = RunFacts::collect(
        &results,
        started,
        clock.elapsed(),
        &variant_wall,
        pool.current_num_threads(),
    );
    facts.calibration_profile = Some(base.crypto.profile.clone());
    report::write_outputs(stage.path(), &results, &facts)
        .map_err(|e| super::in_target(&stage, e.to_string()))?;
    if let Some(plan) = &sensitivity {
        super::sensitivity::into_run_dir(plan, &stage, &pool, show_progress)?;
    }
    // Charts, report.html and report.md, from the files just written (as `bksim report`
    // builds them). Every error names its file.
    // Inside the pool, so `--threads` caps the chart drawing too.
    pool.install(|| report::write_report(stage.path(), report::Formats::ALL))
        .map_err(|e| {
            super::in_target(
                &stage,
                format!("writing the report in {}: {e}", out_dir.display()),
            )
        })?;
    // The CloudTrail files: complete (a trail that failed to write fails the command before
    // anything is published), then published after the results.
    let trail_stage = match trail_out {
        Some(t) => {
            let names = scenarios.iter().map(|(n, _)| n.clone());
            let trails = names
                .zip(trailed)
                .filter_map(|(n, t)| t.map(|t| (n, t)))
                .collect();
            Some(t.finish(base, trails)?)
        }
        None => None,
    };
    super::publish_out_dir(stage)?;
    if let Some(t) = trail_stage {
        super::publish_out_dir(t)?;
    }

    let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
    if args.output.json {
        out.write_all(report::summary_json(&results).as_bytes())
            .map_err(w)?;
    } else if !args.output.quiet {
        writeln!(out, "{}", report::comparison_table(&results)).map_err(w)?;
        writeln!(out, "Results written to {}/", out_dir.display()).map_err(w)?;
        writeln!(
            out,
            "Report: {}",
            out_dir.join(report::render::REPORT_HTML).display()
        )
        .map_err(w)?;
    }
    if args.check {
        super::check_expectations(&results)?;
    }
    Ok(())
}

fn progress_bar(show: bool, scenarios: &[(String, Scenario)]) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let total_ms: u64 = scenarios.iter().map(|(_, s)| s.duration / 1_000_000).sum();
    let bar = ProgressBar::with_draw_target(Some(total_ms), ProgressDrawTarget::stderr());
    bar.set_style(super::progress_style(
        "{spinner} simulating {msg} [{bar:30}] {percent}%, eta {eta}",
    ));
    bar.set_message(format!("{} variant(s)", scenarios.len()));
    bar
}
