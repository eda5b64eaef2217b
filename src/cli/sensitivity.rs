//! `bksim sensitivity`: the scenario at its base values and at each assumption's low and
//! high, on all cores; writes `sensitivity.json` and a tornado chart per variant and metric
//! (`charts/tornado-<variant>-<metric>.svg` and `.png`) into a staged output directory and
//! prints a table of the parameters by the spread they cause. With `--shard I/N` it runs one
//! share of the parameters and writes a shard file; `--merge` combines the shards into what
//! the unsharded run writes ([`crate::sensitivity::shard`]).

use super::{CommandError, SensitivityArgs, base_overrides, progress_style, thread_pool};
use crate::atomic::write_atomic;
use crate::outdir::Kind;
use crate::scenario::ScenarioFile;
use crate::sensitivity::metrics::{self, Verdict};
use crate::sensitivity::output::FILE;
use crate::sensitivity::shard::{self, SHARD_SCHEMA, ShardFile};
use crate::sensitivity::{Sensitivity, SensitivityResults, ranges, tornado};
use crate::sweep::Shard;
use crate::sweep::output::{find_shards, shard_file_name};
use indicatif::{ProgressBar, ProgressDrawTarget};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

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
    let shard = match &args.shard {
        Some(t) => Shard::parse(t).map_err(CommandError::Input)?,
        None => Shard::ALL,
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-sensitivity", file.name())));
    let pool = thread_pool(args.output.threads)?;
    if shard.count > 1 {
        return run_shard(&s, shard, &out_dir, &pool, args.output.quiet, out);
    }
    let merged = if args.merge.is_empty() {
        None
    } else {
        Some(read_and_merge(&s, &args.merge)?)
    };
    let mut runs = 0u64;
    for ps in s.shard_parameters(0, 1)? {
        runs += 1 + 2 * ps.len() as u64;
    }
    let stage = super::begin_out_dir("--out ", &out_dir, Kind::Sensitivity)?;
    let results = match merged {
        Some(r) => r,
        None => {
            let bar = bar(!args.output.quiet && std::io::stderr().is_terminal(), runs);
            let r = pool.install(|| s.run(&|| bar.inc(1)))?;
            bar.finish_and_clear();
            r
        }
    };
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

fn bar(show: bool, runs: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(Some(runs), ProgressDrawTarget::stderr());
    b.set_style(progress_style(
        "{spinner} sensitivity [{bar:30}] {pos}/{len} runs (+ bisection), eta {eta}",
    ));
    b
}

/// `--shard I/N`: runs the shard and adds its file, atomically, to `dir` (which the other
/// shards may share, as a sharded sweep's directory).
fn run_shard(
    s: &Sensitivity,
    shard: Shard,
    dir: &Path,
    pool: &rayon::ThreadPool,
    quiet: bool,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let created = crate::outdir::prepare_shard_dir(dir)
        .map_err(|e| CommandError::Input(format!("--out {e}")))?;
    // (A directory just created holds no shards: nothing to remove when this fails.)
    crate::sweep::output::check_one_set(
        dir,
        ("analysis", "this one"),
        SHARD_SCHEMA,
        (&s.fingerprint(), shard.count),
        |path, text| {
            let other = shard::parse(path, text).map_err(|e| e.to_string())?;
            Ok((other.fingerprint, other.shards))
        },
    )
    .map_err(CommandError::Input)?;
    let results = match pool.install(|| s.run_shard(shard.index, shard.count, &|| {})) {
        Ok(r) => r,
        Err(e) => {
            if created {
                let _ = std::fs::remove_dir(dir);
            }
            return Err(e.into());
        }
    };
    let file = ShardFile {
        schema: SHARD_SCHEMA.into(),
        shard: shard.index,
        shards: shard.count,
        fingerprint: s.fingerprint(),
        results,
    };
    let path = dir.join(shard_file_name(shard.index, shard.count));
    write_atomic(&path, file.to_json().as_bytes())
        .map_err(|e| CommandError::Failure(e.to_string()))?;
    if !quiet {
        writeln!(
            out,
            "Shard {}/{} written to {}\nCombine all shards with: bksim sensitivity FILE \
             --merge {} (and the same --set, --seed, --variant, --only and --metric)",
            shard.index,
            shard.count,
            path.display(),
            dir.display()
        )
        .map_err(|e| CommandError::Failure(format!("writing to stdout: {e}")))?;
    }
    Ok(())
}

/// `--merge`: the shard files given (or found in the directories given), read, checked and
/// merged into the results of the unsharded analysis `s`. Any problem is invalid input.
fn read_and_merge(s: &Sensitivity, inputs: &[PathBuf]) -> Result<SensitivityResults, CommandError> {
    let input = |m: String| CommandError::Input(m);
    let paths = find_shards(inputs).map_err(|e| input(e.to_string()))?;
    let mut shards = Vec::with_capacity(paths.len());
    for p in paths {
        let text = crate::input::read_text(&p, crate::input::InputKind::Shard)
            .map_err(|e| input(e.to_string()))?;
        let f = shard::parse(&p, &text).map_err(|e| input(e.to_string()))?;
        shards.push((p, f));
    }
    shard::merge(s, &shards).map_err(|e| input(e.to_string()))
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
