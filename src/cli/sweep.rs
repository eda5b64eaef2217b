//! `bksim sweep` and `bksim merge`: run a parameter grid (or one shard of it) on all cores,
//! and combine shards into the output of an unsharded run. A whole sweep's directory is
//! written as a staging directory and published in one step ([`crate::outdir`]); a shard
//! file is written atomically into a directory the other shards may share.

use super::{CommandError, MergeArgs, SweepArgs, base_overrides, progress_style, thread_pool};
use crate::atomic::write_atomic;
use crate::chart::{self, CHARTS_DIR, ChartFormats};
use crate::outdir::Kind;
use crate::prepare;
use crate::scenario::ScenarioFile;
use crate::sweep::charts::{SweepChart, SweepCharts};
use crate::sweep::grid::{self, Grid};
use crate::sweep::output::{self, SHARD_SCHEMA, ShardFile, SweepHeader, SweepResults};
use crate::sweep::{Shard, Sweep};
use indicatif::{ProgressBar, ProgressDrawTarget};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where a sweep writes.
enum Dest {
    /// The whole output directory, through a staging directory.
    Whole(crate::outdir::Stage),
    /// One shard file in a shared directory (`created`: this run created the directory).
    Shard { created: bool },
}

pub fn sweep(args: &SweepArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let file = ScenarioFile::load(&args.file)?;
    let base = base_overrides(args.scenario.seed, &args.scenario.set)?;
    let mut params = Vec::new();
    let shown = args.file.display().to_string();
    for e in file.sweep()? {
        params.push(grid::from_entry(&shown, &e).map_err(CommandError::Input)?);
    }
    for p in &args.param {
        let p = grid::parse_param(p).map_err(CommandError::Input)?;
        // A --param replaces the file's [sweep] entry for the same path.
        params.retain(|q| q.path != p.path);
        params.push(p);
    }
    let grid = Grid::new(params).map_err(CommandError::Input)?;
    let variants = super::select_variants(&file, &args.scenario.variant)?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(CommandError::Input)?,
        None => Shard::ALL,
    };
    let sweep = Sweep {
        file: &file,
        base,
        grid,
        variants,
    };
    // Every point must be valid before anything runs or is written.
    sweep.validate(shard)?;
    let first = prepare::variant(&file, Some(&sweep.variants[0]), &sweep.base)?;
    let header = SweepHeader {
        bksim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: file.name().into(),
        seed: first.seed,
        simulated_seconds: crate::engine::time::to_secs(first.duration),
        fingerprint: sweep.fingerprint(),
        grid: sweep.grid.clone(),
        variants: sweep.variants.clone(),
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-sweep", file.name())));
    // A whole sweep is written into a staging directory and published in one step; a shard
    // adds its one file (atomically) to a directory other shards may share.
    let stage = if shard.count > 1 {
        let created = crate::outdir::prepare_shard_dir(&out_dir)
            .map_err(|e| CommandError::Input(format!("--out {e}")))?;
        output::check_one_set(
            &out_dir,
            ("sweep", "this sweep"),
            output::SHARD_SCHEMA,
            (&header.fingerprint, shard.count),
            |path, text| {
                let other = output::parse_shard(path, text).map_err(|e| e.to_string())?;
                Ok((other.sweep.fingerprint, other.shards))
            },
        )
        .map_err(CommandError::Input)?;
        Dest::Shard { created }
    } else {
        Dest::Whole(super::begin_out_dir("--out ", &out_dir, Kind::Sweep)?)
    };

    let jobs = sweep.jobs(shard).len() as u64;
    let bar = if !args.output.quiet && std::io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(jobs), ProgressDrawTarget::stderr());
        b.set_style(progress_style(
            "{spinner} sweep [{bar:30}] {pos}/{len} runs, eta {eta}",
        ));
        b
    } else {
        ProgressBar::hidden()
    };
    let pool = thread_pool(args.output.threads)?;
    let rows = match pool.install(|| sweep.run(shard, &|| bar.inc(1))) {
        Ok(rows) => rows,
        Err(e) => {
            if let Dest::Shard { created: true } = stage {
                let _ = std::fs::remove_dir(&out_dir);
            }
            return Err(e.into());
        }
    };
    bar.finish_and_clear();

    let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
    let fail = |e: crate::report::ReportError| CommandError::Failure(e.to_string());
    let stage = match stage {
        Dest::Whole(stage) => stage,
        Dest::Shard { .. } => {
            let s = ShardFile {
                schema: SHARD_SCHEMA.into(),
                shard: shard.index,
                shards: shard.count,
                sweep: header,
                rows,
            };
            let path = out_dir.join(output::shard_file_name(shard.index, shard.count));
            let mut text = serde_json::to_string_pretty(&s).expect("shard serializes");
            text.push('\n');
            write_atomic(&path, text.as_bytes()).map_err(fail)?;
            if !args.output.quiet {
                writeln!(
                    out,
                    "Shard {}/{}: {} runs written to {}\nCombine all shards with: bksim merge DIR...",
                    shard.index,
                    shard.count,
                    jobs,
                    path.display()
                )
                .map_err(w)?;
            }
            return Ok(());
        }
    };
    let results = SweepResults::new(header, rows);
    // Inside the pool, so `--threads` caps the chart drawing too.
    let charts = pool
        .install(|| write_sweep(stage.path(), &results))
        .map_err(|e| super::in_target(&stage, e.to_string()))?;
    super::publish_out_dir(stage)?;
    if args.output.json {
        out.write_all(results.to_json().as_bytes()).map_err(w)?;
    } else if !args.output.quiet {
        writeln!(out, "{}", sweep_table(&results)).map_err(w)?;
        writeln!(out, "Results written to {}/", out_dir.display()).map_err(w)?;
        write!(out, "{}", chart_list(&out_dir, &charts)).map_err(w)?;
    }
    Ok(())
}

/// Writes `sweep.csv`, `sweep.json` and the charts (`charts/<stem>.svg` and `.png`), each
/// file atomically, and removes chart files this sweep no longer has (a heatmap left by an
/// earlier two-parameter sweep). Returns the charts written.
pub fn write_sweep(dir: &Path, r: &SweepResults) -> Result<Vec<SweepChart>, CommandError> {
    let fail = |e: crate::report::ReportError| CommandError::Failure(e.to_string());
    // Draw everything before writing anything: a drawing error leaves no half-written set.
    let charts = chart::render(&SweepCharts::new(r), ChartFormats::BOTH)
        .map_err(|e| CommandError::Failure(e.to_string()))?;
    write_atomic(&dir.join("sweep.csv"), r.to_csv().as_bytes()).map_err(fail)?;
    write_atomic(&dir.join("sweep.json"), r.to_json().as_bytes()).map_err(fail)?;
    chart::write(dir, &charts, ChartFormats::BOTH).map_err(fail)?;
    Ok(charts.charts)
}

/// The charts written, one line each: where they are, then stem and caption.
fn chart_list(dir: &Path, charts: &[SweepChart]) -> String {
    let mut s = format!(
        "Charts (.svg and .png) in {}/:\n",
        dir.join(CHARTS_DIR).display()
    );
    let w = charts.iter().map(|c| c.stem.len()).max().unwrap_or(0);
    for c in charts {
        s.push_str(&format!("  {:<w$}  {}\n", c.stem, c.caption));
    }
    s
}

/// A compact terminal view: one line per point and variant.
fn sweep_table(r: &SweepResults) -> String {
    let g = &r.header.grid;
    let mut head: Vec<String> = g.params.iter().map(|p| p.path.clone()).collect();
    head.extend(
        ["variant", "throttled", "failed", "p99 ms", "USD/month"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut lines: Vec<Vec<String>> = vec![head];
    for row in &r.rows {
        let mut l: Vec<String> = g.values(row.point).iter().map(|v| v.display()).collect();
        let m = &row.metrics;
        l.push(row.variant.clone());
        l.push(format!("{:.3}%", m.throttle_rate * 100.0));
        l.push(format!("{:.3}%", m.failed_rate * 100.0));
        l.push(format!("{:.1}", m.p99_ms()));
        l.push(crate::report::table::group_f64(m.cost_usd_per_month, 2));
        lines.push(l);
    }
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = format!(
        "Sweep of {} ({} points x {} variants)\n",
        r.header.scenario,
        g.points(),
        r.header.variants.len()
    );
    for l in lines {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        s.push_str(cells.join("  ").trim_end());
        s.push('\n');
    }
    s
}

pub fn merge(args: &MergeArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let paths =
        output::find_shards(&args.inputs).map_err(|e| CommandError::Input(e.to_string()))?;
    let results = output::merge(&paths).map_err(|e| CommandError::Input(e.to_string()))?;
    let out_dir = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("{}-sweep", results.header.scenario))
    });
    let stage = super::begin_out_dir("--out ", &out_dir, Kind::Sweep)?;
    let charts =
        write_sweep(stage.path(), &results).map_err(|e| super::in_target(&stage, e.to_string()))?;
    super::publish_out_dir(stage)?;
    if !args.quiet {
        let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
        writeln!(
            out,
            "Merged {} shard file(s), {} rows, into {}/",
            paths.len(),
            results.rows.len(),
            out_dir.display()
        )
        .map_err(w)?;
        write!(out, "{}", chart_list(&out_dir, &charts)).map_err(w)?;
    }
    Ok(())
}
