//! The `bksim crypto ...` subcommands (selftest, bench, calibrate): argument definitions
//! for clap and [`run`], which the binary calls and whose result is the exit code
//! (0 success, 2 invalid input, 1 anything else). Output goes to the given writer only,
//! and never contains key material.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use super::bench::{self, BenchConfig, format_size, parse_size};
use super::calibration::{self, Profile};
use super::error::CryptoError;
use super::selftest;

/// `bksim crypto` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum CryptoCommand {
    /// Run the published known-answer vectors (the repository's vectors/, built in) and every
    /// *.json vector file in each DIR;
    /// ends with "N passed, M failed" (", K skipped" for cases it cannot take).
    #[command(
        after_help = "Examples:\n  bksim crypto selftest\n  bksim crypto selftest --vectors my-vectors/ --vectors more-vectors/\n\nAny file of the uniform shape is accepted (see vectors/README.md in the bksim repository).\nExit codes: 0 all passed, 1 a vector failed, 2 a malformed file (named, with the tcId)."
    )]
    Selftest {
        /// Directory of vector files in the uniform JSON format (repeatable).
        #[arg(long = "vectors", value_name = "DIR")]
        vectors: Vec<PathBuf>,
    },
    /// Measure AES-256-CTR/GCM throughput and per-object envelope cost on this machine.
    #[command(
        after_help = "Examples:\n  bksim crypto bench\n  bksim crypto bench --sizes 1MiB --threads 2 --json\n\nscripts/compare-openssl.sh runs this and `openssl speed -evp` back to back and prints ratios.\nWarns loudly when no AES hardware instructions are in use."
    )]
    Bench {
        /// Buffer sizes, comma-separated (B, KiB, MiB, GiB).
        #[arg(long, value_delimiter = ',', default_value = "4KiB,64KiB,1MiB,16MiB")]
        sizes: Vec<String>,
        /// Also measure with this many threads (1 is always measured).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Print JSON (schema bksim.cryptobench.v1) instead of a table.
        #[arg(long)]
        json: bool,
        /// Seconds of measurement per figure.
        #[arg(long, default_value_t = 0.5)]
        seconds: f64,
    },
    /// Measure this machine and write a calibration profile (bksim.calibration.v1).
    #[command(
        after_help = "Examples:\n  bksim crypto calibrate --out my-machine.json\n  bksim crypto calibrate --check calibration/reference.json\n\nA scenario uses a profile with [crypto] profile = \"my-machine.json\"; the shipped\ncalibration/reference.json keeps results identical on every machine.\nThe profile is written atomically (a temporary file beside it, flushed, renamed over FILE)."
    )]
    Calibrate {
        /// Where to write the profile (stdout when absent).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Seconds of measurement per figure.
        #[arg(long, default_value_t = 1.0)]
        seconds: f64,
        /// Check an existing profile instead of measuring.
        #[arg(long, value_name = "FILE", conflicts_with = "out")]
        check: Option<PathBuf>,
    },
}

fn duration(seconds: f64) -> Result<Duration, CryptoError> {
    if !seconds.is_finite() || !(0.01..=600.0).contains(&seconds) {
        return Err(CryptoError::InvalidInput(format!(
            "--seconds must be between 0.01 and 600, got {seconds}"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Runs a subcommand, writing to `out`. `Ok(code)` is the exit code for outcomes the
/// command reports itself (selftest failures give 1); `Err` carries its own code via
/// [`CryptoError::exit_code`].
pub fn run(cmd: &CryptoCommand, out: &mut dyn Write) -> Result<i32, CryptoError> {
    match cmd {
        CryptoCommand::Selftest { vectors } => {
            let s = selftest::run_selftest(vectors, out)?;
            Ok(if s.failed == 0 { 0 } else { 1 })
        }
        CryptoCommand::Bench {
            sizes,
            threads,
            json,
            seconds,
        } => {
            let sizes = sizes
                .iter()
                .map(|s| parse_size(s))
                .collect::<Result<Vec<_>, _>>()?;
            if sizes.is_empty() {
                return Err(CryptoError::InvalidInput(
                    "--sizes must name at least one size".into(),
                ));
            }
            if !(1..=256).contains(threads) {
                return Err(CryptoError::InvalidInput(format!(
                    "--threads must be between 1 and 256, got {threads}"
                )));
            }
            let cfg = BenchConfig {
                sizes,
                threads: *threads,
                time_per_figure: duration(*seconds)?,
            };
            let r = bench::run_bench(&cfg)?;
            if *json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&r).expect("report serialises")
                )?;
            } else {
                print_table(&r, out)?;
            }
            Ok(0)
        }
        CryptoCommand::Calibrate {
            out: file,
            seconds,
            check,
        } => {
            if let Some(path) = check {
                let p = Profile::load(path)?;
                writeln!(
                    out,
                    "{}: valid {} profile ({} on {}, measured {})",
                    path.display(),
                    p.schema,
                    p.backend,
                    p.cpu_model,
                    p.measured_at
                )?;
                return Ok(0);
            }
            let p = calibration::calibrate(duration(*seconds)?)?;
            if let Some(w) = super::active_backend().warning() {
                writeln!(out, "{w}")?;
            }
            match file {
                Some(path) => {
                    calibration::write_profile(&p, path)?;
                    writeln!(
                        out,
                        "wrote {} (backend {}, AES-256-CTR {:.2} GB/s, AES-256-GCM {:.2} GB/s)",
                        path.display(),
                        p.backend,
                        p.ctr_bytes_per_sec / 1e9,
                        p.gcm_bytes_per_sec / 1e9
                    )?;
                }
                None => write!(out, "{}", p.to_json())?,
            }
            Ok(0)
        }
    }
}

fn print_table(r: &bench::BenchReport, out: &mut dyn Write) -> Result<(), CryptoError> {
    if let Some(w) = &r.warning {
        writeln!(out, "{w}")?;
    }
    writeln!(out, "backend: {}   cpu: {}", r.backend, r.cpu_model)?;
    writeln!(
        out,
        "{:<12} {:>10} {:>8} {:>10}",
        "cipher", "size", "threads", "GB/s"
    )?;
    for x in &r.results {
        writeln!(
            out,
            "{:<12} {:>10} {:>8} {:>10.2}",
            x.cipher,
            format_size(x.size_bytes as usize),
            x.threads,
            x.gb_per_s
        )?;
    }
    writeln!(
        out,
        "per-object envelope cost (derive/generate + key schedule + wrap):"
    )?;
    for (k, v) in r.envelope_ns.entries() {
        writeln!(out, "  {k:<20} {v:>8.0} ns")?;
    }
    Ok(())
}
