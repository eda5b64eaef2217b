//! `bksim sensitivity`: the scenario at its base values and at each assumption's low and
//! high, on all cores; writes `sensitivity.json` and a tornado chart per variant and metric
//! (`charts/tornado-<variant>-<metric>.svg` and `.png`) into a staged output directory and
//! prints a table of the parameters by the spread they cause.

use super::{CommandError, SensitivityArgs, base_overrides, progress_style, thread_pool};
use crate::atomic::write_atomic;
use crate::outdir::Kind;
use crate::scenario::ScenarioFile;
use crate::sensitivity::metrics::{self, Verdict};
use crate::sensitivity::output::FILE;
use crate::sensitivity::{Sensitivity, SensitivityResults, ranges, tornado};
use indicatif::{ProgressBar, ProgressDrawTarget};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

pub fn sensitivity(args: &SensitivityArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let file = ScenarioFile::load(&args.file)?;
    let base = base_overrides(args.scenario.seed, &args.scenario.set)?;
    let variants = super::select_variants(&file, &args.scenario.variant)?;
    for m in &args.metric {
        if !metrics::NAMES.contains(&m.as_str()) {
            return Err(CommandError::Input(format!(
                "--metric '{}': unknown metric; known: {}",
                crate::input::clip(m, 60),
                metrics::NAMES.join(", ")
            )));
        }
    }
    let own = file.sensitivity()?;
    for o in &args.only {
        if ranges::RANGES.iter().all(|r| !ranges::matches(r.key, o))
            && own.iter().all(|e| !ranges::matches(&e.path, o))
        {
            return Err(CommandError::Input(format!(
                "--only '{}': no sensitivity range for this path (nor in the scenario's \
                 [sensitivity]); ranged keys: {}",
                crate::input::clip(o, 60),
                ranges::RANGES
                    .iter()
                    .map(|r| r.key)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let s = Sensitivity {
        file: &file,
        base,
        variants,
        only: args.only.clone(),
        metrics: args.metric.clone(),
    };
    // Every run resolves before anything runs or is written.
    s.check_own_ranges()?;
    let mut runs = 0u64;
    for v in &s.variants {
        runs += 1 + 2 * s.parameters(v)?.len() as u64;
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-sensitivity", file.name())));
    let stage = super::begin_out_dir("--out ", &out_dir, Kind::Sensitivity)?;
    let bar = if !args.output.quiet && std::io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(runs), ProgressDrawTarget::stderr());
        b.set_style(progress_style(
            "{spinner} sensitivity [{bar:30}] {pos}/{len} runs (+ bisection), eta {eta}",
        ));
        b
    } else {
        ProgressBar::hidden()
    };
    let pool = thread_pool(args.output.threads)?;
    let results = pool.install(|| s.run(&|| bar.inc(1)))?;
    bar.finish_and_clear();
    let text = results.to_json();
    // A tornado chart per variant and metric, drawn before anything is written.
    let charts = pool
        .install(|| tornado::render(&results, None, true))
        .map_err(|e| CommandError::Failure(e.to_string()))?;
    write_atomic(&stage.path().join(FILE), text.as_bytes())
        .map_err(|e| super::in_target(&stage, e.to_string()))?;
    for (path, bytes) in tornado::files(&charts) {
        let path = stage.path().join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                super::in_target(&stage, format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        write_atomic(&path, bytes).map_err(|e| super::in_target(&stage, e.to_string()))?;
    }
    super::publish_out_dir(stage)?;
    let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
    if args.output.json {
        out.write_all(text.as_bytes()).map_err(w)?;
    } else if !args.output.quiet {
        write!(out, "{}", table(&results)).map_err(w)?;
        writeln!(out, "Results written to {}/", out_dir.display()).map_err(w)?;
        writeln!(
            out,
            "Tornado charts (.svg and .png) in {}/: {} (one per variant and metric)",
            out_dir.join(crate::chart::CHARTS_DIR).display(),
            charts.len()
        )
        .map_err(w)?;
    }
    Ok(())
}

/// `bksim run --sensitivity`, before anything runs: the analysis of `variants` (every
/// ranged parameter, every metric) with the run's overrides, with its number of runs. Every
/// run is resolved here, so a range the scenario rejects is invalid input found at once.
pub(super) fn plan<'a>(
    file: &'a ScenarioFile,
    base: &[crate::scenario::Override],
    variants: &[String],
) -> Result<(Sensitivity<'a>, u64), CommandError> {
    let s = Sensitivity {
        file,
        base: base.to_vec(),
        variants: variants.to_vec(),
        only: Vec::new(),
        metrics: Vec::new(),
    };
    s.check_own_ranges()?;
    let mut runs = 0u64;
    for v in &s.variants {
        runs += 1 + 2 * s.parameters(v)?.len() as u64;
    }
    Ok((s, runs))
}

/// `bksim run --sensitivity`, after the simulation: runs the analysis `plan` made and writes
/// `sensitivity.json` into the run's `stage`, where the report finds it.
pub(super) fn into_run_dir(
    (s, runs): &(Sensitivity, u64),
    stage: &crate::outdir::Stage,
    pool: &rayon::ThreadPool,
    show_progress: bool,
) -> Result<(), CommandError> {
    let runs = *runs;
    let bar = if show_progress {
        let b = ProgressBar::with_draw_target(Some(runs), ProgressDrawTarget::stderr());
        b.set_style(progress_style(
            "{spinner} sensitivity [{bar:30}] {pos}/{len} runs (+ bisection), eta {eta}",
        ));
        b
    } else {
        ProgressBar::hidden()
    };
    let results = pool.install(|| s.run(&|| bar.inc(1)))?;
    bar.finish_and_clear();
    write_atomic(&stage.path().join(FILE), results.to_json().as_bytes())
        .map_err(|e| super::in_target(stage, e.to_string()))
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "ok",
        Verdict::Throttled => "throttled",
        Verdict::Failures => "failures",
    }
}

/// Per variant, one line per parameter: path, low..high, the first metric at low and high,
/// and the verdicts (with the flip value when bisection found one).
pub fn table(r: &SensitivityResults) -> String {
    let mut s = format!("Sensitivity of {} (seed {})\n", r.scenario, r.seed);
    for v in &r.variants {
        let metric = v
            .base
            .keys()
            .find(|k| k.as_str() == metrics::KMS_RPS)
            .or_else(|| v.base.keys().next())
            .cloned()
            .unwrap_or_default();
        let base = v.base.get(&metric).copied().unwrap_or(0.0);
        s.push_str(&format!(
            "\n{}: {} at base, {metric} = {base}\n",
            v.name,
            verdict_word(v.verdict)
        ));
        let w = v.parameters.iter().map(|p| p.path.len()).max().unwrap_or(0);
        for p in &v.parameters {
            let at = |m: &metrics::Values| m.get(&metric).copied().unwrap_or(0.0);
            let mut line = format!(
                "  {:<w$}  {} .. {}  {metric}: {} .. {}  verdict: {} .. {}",
                p.path,
                p.low,
                p.high,
                at(&p.at_low),
                at(&p.at_high),
                verdict_word(p.verdict_at_low),
                verdict_word(p.verdict_at_high)
            );
            if let Some(f) = &p.flip {
                line.push_str(&format!(
                    "  (flips to {} between {} and {})",
                    verdict_word(f.verdict),
                    f.keeps,
                    f.flips
                ));
            }
            s.push_str(line.trim_end());
            s.push('\n');
        }
    }
    s
}
