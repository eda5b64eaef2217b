//! `bksim live`: each selected variant's workloads run in wall-clock time on real threads
//! with real encryption ([`crate::live`]), rates multiplied by `--scale`; then the
//! simulation of the same scaled scenario, and the comparison. Writes the run's usual files
//! (summary.json, time series, latency histograms, report) for the live run, plus
//! `live.json`, into a staged output directory.

use super::{CommandError, LiveArgs};
use crate::engine::time::{NANOS_PER_SEC, Nanos, to_secs};
use crate::live::harness::{self, Settings};
use crate::live::output::{LIVE_FILE, LIVE_SCHEMA, LiveFile, LiveVariant};
use crate::live::{compare, output, scale};
use crate::metrics::results::RunResults;
use crate::prepare;
use crate::report::{self, MachineFacts, RunFacts};
use crate::scenario::{MAX_CONCURRENCY, Scenario, ScenarioFile};
use crate::scenario::{parse_duration, parse_size};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Largest `--scale`: beyond it no scenario fits a machine anyway.
const MAX_SCALE: f64 = 1_000.0;
/// Wall time of the envelope-encryption throughput measurement (both modes).
const THROUGHPUT_BUDGET_MS: u64 = 1_000;
/// Largest `--max-payload`.
const MAX_PAYLOAD_LIMIT: u64 = 64 << 20;

pub fn live(args: &LiveArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let started = std::time::SystemTime::now();
    let clock = Instant::now();
    let file = ScenarioFile::load(&args.file)?;
    let scale_by = args.scale;
    if !(scale_by.is_finite() && scale_by > 0.0 && scale_by <= MAX_SCALE) {
        return Err(CommandError::Input(format!(
            "--scale {scale_by}: must be a number above 0 and at most {MAX_SCALE}"
        )));
    }
    let duration = flag_duration("--duration", args.duration.as_deref())?;
    if duration.is_some_and(|d| d == 0 || d > scale::MAX_DURATION) {
        return Err(CommandError::Input(format!(
            "--duration: must be above 0 and at most {}s",
            scale::MAX_DURATION / NANOS_PER_SEC
        )));
    }
    let warmup = flag_duration("--warmup", args.warmup.as_deref())?;
    let drain = flag_duration("--drain", args.drain.as_deref())?;
    if drain.is_some_and(|d| d > scale::MAX_DURATION) {
        return Err(CommandError::Input(format!(
            "--drain: must be at most {}s",
            scale::MAX_DURATION / NANOS_PER_SEC
        )));
    }
    let max_payload = match args.max_payload.as_deref() {
        None => harness::DEFAULT_MAX_PAYLOAD,
        Some(s) => parse_size(s)
            .ok()
            .filter(|&b| b <= MAX_PAYLOAD_LIMIT)
            .ok_or_else(|| {
                CommandError::Input(format!(
                    "--max-payload '{}': expected a size such as 64KiB, at most 64MiB",
                    crate::input::clip(s, 40)
                ))
            })?,
    };
    let threads = args
        .output
        .threads
        .map(|t| t as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));

    let extra = super::base_overrides(args.scenario.seed, &args.scenario.set)?;
    let selected = super::select_variants(&file, &args.scenario.variant)?;
    // Everything is checked before anything runs or is written.
    let mut scenarios: Vec<(String, Scenario)> = Vec::new();
    let costs = crate::live::capacity::measure();
    for name in &selected {
        let sc = prepare::variant(&file, Some(name), &extra)?;
        let missing = scale::unsupported(&sc);
        if !missing.is_empty() {
            return Err(CommandError::Input(format!(
                "{}: variant {name}: the live harness does not run {}; use `bksim run` for this scenario",
                args.file.display(),
                missing.join(", ")
            )));
        }
        let d = duration.unwrap_or(sc.duration.min(scale::DEFAULT_DURATION));
        if let Some(w) = warmup
            && w >= d
        {
            return Err(CommandError::Input(format!(
                "--warmup {}s: must be shorter than the live duration ({}s)",
                to_secs(w),
                to_secs(d)
            )));
        }
        let live = scale::scaled(&sc, scale_by, d, warmup);
        let clients = scale::clients(&live);
        if clients > MAX_CONCURRENCY {
            return Err(CommandError::Input(format!(
                "{}: variant {name}: at --scale {scale_by} the closed-loop workloads have {clients} clients in all, more than bksim runs (at most {MAX_CONCURRENCY}, as in a scenario file); --scale {} would fit",
                args.file.display(),
                scale::two_digits_down(scale_by * MAX_CONCURRENCY as f64 / clients as f64)
            )));
        }
        if let Some(fit) = scale::fits(&live, threads, max_payload, &costs) {
            return Err(CommandError::Input(format!(
                "{}: variant {name}: at --scale {scale_by} the workloads offer about {:.0} requests/s, more than this machine's {threads} thread(s) can serve live (about {:.0}/s); --scale {} would fit",
                args.file.display(),
                fit.offered,
                fit.capacity,
                fit.scale_that_fits(scale_by)
            )));
        }
        scenarios.push((name.clone(), live));
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-live", file.name())));
    let stage = super::begin_out_dir("--out ", &out_dir, crate::outdir::Kind::Run)?;
    let settings = Settings {
        threads,
        max_payload,
        drain: drain.unwrap_or_else(|| crate::live::replication::default_drain(&scenarios[0].1)),
    };
    let quiet = args.output.quiet;
    let mut variants = Vec::new();
    let mut live_results = Vec::new();
    let mut walls = Vec::new();
    for (name, sc) in &scenarios {
        if !quiet {
            eprintln!(
                "live: variant {name} for {}s on {threads} thread(s)…",
                to_secs(sc.duration)
            );
        }
        let t0 = Instant::now();
        let run = match harness::run(name, sc, &settings) {
            Ok(run) => run,
            Err(e) => {
                drop(stage);
                return Err(CommandError::Failure(format!("variant {name}: {e}")));
            }
        };
        walls.push(t0.elapsed());
        if !run.failures.is_empty() {
            drop(stage);
            return Err(CommandError::Failure(format!(
                "variant {name}: {} object(s) failed their real encryption round trip; nothing was written:\n  {}",
                run.failures.len(),
                run.failures
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n  ")
            )));
        }
        if let Some(e) = &run.results.trace_error {
            drop(stage);
            return Err(CommandError::Failure(format!(
                "variant {name}: {e}; nothing was written"
            )));
        }
        let mut live = run.results;
        live.summary.description = file.variant(name)?.description.clone();
        // The model's answer for the same scaled scenario, over several seeds (in parallel).
        let sims: Vec<_> = {
            use rayon::prelude::*;
            (0..compare::SIM_SEEDS)
                .into_par_iter()
                .map(|k| {
                    let mut s = sc.clone();
                    s.seed = sc.seed.wrapping_add(k);
                    crate::model::run_variant(name, &s, None).summary
                })
                .collect()
        };
        let rows = compare::rows(&live.summary, &sims);
        let invalid = output::invalid_because(sc, &run.harness);
        let disagreements = compare::disagreements(&rows);
        variants.push(LiveVariant {
            name: name.clone(),
            valid: invalid.is_empty(),
            invalid_because: invalid,
            agrees: disagreements.is_empty(),
            disagreements,
            comparison: rows,
            harness: run.harness,
        });
        live_results.push(live);
    }
    let base = &scenarios[0].1;
    let results_cut = live_results
        .first()
        .map(|r| r.trace_cut.clone())
        .unwrap_or_default();
    let results = RunResults {
        scenario: base.name.clone(),
        description: base.description.clone(),
        seed: base.seed,
        simulated_seconds: to_secs(base.duration),
        warmup_seconds: to_secs(base.warmup),
        variants: live_results,
        expectations: base.expect.iter().map(|e| e.expectation.clone()).collect(),
        traces: prepare::trace_facts(base)
            .into_iter()
            .enumerate()
            .map(|(i, mut f)| {
                f.cut = results_cut.get(i).copied().unwrap_or(0);
                f
            })
            .collect(),
    };
    let throughput = crate::live::throughput::measure(
        max_payload as usize,
        threads,
        std::time::Duration::from_millis(THROUGHPUT_BUDGET_MS),
    )
    .map_err(CommandError::Failure)?;
    let machine = MachineFacts::collect();
    let lf = LiveFile {
        schema: LIVE_SCHEMA.to_string(),
        scenario: base.name.clone(),
        scale: scale_by,
        duration_seconds: to_secs(base.duration),
        warmup_seconds: to_secs(base.warmup),
        threads,
        cpu_model: machine.cpu_model,
        logical_cpus: machine.logical_cpus,
        variants,
        throughput,
    };
    let json = serde_json::to_string_pretty(&lf).expect("serialisable") + "\n";
    // live.json first: the report has a section made from it.
    crate::atomic::write_atomic(&stage.path().join(LIVE_FILE), json.as_bytes())
        .map_err(|e| super::in_target(&stage, format!("writing {LIVE_FILE}: {e}")))?;
    let facts = RunFacts::collect(&results, started, clock.elapsed(), &walls, threads);
    report::write_outputs(stage.path(), &results, &facts)
        .map_err(|e| super::in_target(&stage, e.to_string()))?;
    report::write_report(stage.path(), report::Formats::ALL).map_err(|e| {
        super::in_target(
            &stage,
            format!("writing the report in {}: {e}", out_dir.display()),
        )
    })?;
    super::publish_out_dir(stage)?;

    let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
    if args.output.json {
        out.write_all(json.as_bytes()).map_err(w)?;
    } else if !quiet {
        for v in &lf.variants {
            writeln!(
                out,
                "Variant {} (live vs simulated, scale ×{scale_by}):",
                v.name
            )
            .map_err(w)?;
            write!(out, "{}", compare::table(&v.comparison)).map_err(w)?;
            let h = &v.harness;
            writeln!(
                out,
                "Harness: {} thread(s), workers {:.0} % busy; task start lag p50/p99/max {}/{}/{} µs; {} objects sealed ({:.1} MB), {} opened and checked",
                h.threads,
                h.worker_busy * 100.0,
                h.dispatch_lag_us[0],
                h.dispatch_lag_us[1],
                h.dispatch_lag_us[2],
                h.objects_sealed,
                h.bytes_sealed as f64 / 1e6,
                h.objects_opened
            )
            .map_err(w)?;
            if !v.valid {
                writeln!(out, "COMPARISON INVALID: {}", v.invalid_because.join("; ")).map_err(w)?;
            } else if v.agrees {
                writeln!(
                    out,
                    "Live and simulated agree within the validation tolerances."
                )
                .map_err(w)?;
            } else {
                writeln!(
                    out,
                    "Live and simulated DISAGREE: {}",
                    v.disagreements.join("; ")
                )
                .map_err(w)?;
            }
            writeln!(out).map_err(w)?;
        }
        write!(
            out,
            "{}",
            crate::live::throughput::format_table(&lf.throughput)
        )
        .map_err(w)?;
        writeln!(out, "Results written to {}/", out_dir.display()).map_err(w)?;
    }
    Ok(())
}

fn flag_duration(flag: &str, v: Option<&str>) -> Result<Option<Nanos>, CommandError> {
    v.map(|s| {
        parse_duration(s).map_err(|_| {
            CommandError::Input(format!(
                "{flag} '{}': expected a duration such as 30s or 2m",
                crate::input::clip(s, 40)
            ))
        })
    })
    .transpose()
}
