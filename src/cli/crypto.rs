//! The `bksim crypto ...` subcommands (selftest, bench, calibrate): their clap definitions and
//! [`run`], which calls the crypto module's functions and whose result is the exit code
//! (0 success, 2 invalid input, 1 anything else).

use crate::crypto::{CryptoError, commands};
use std::io::Write;
use std::path::PathBuf;

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
        after_help = "Examples:\n  bksim crypto bench\n  bksim crypto bench --sizes 1MiB --threads 2 --json\n  BKSIM_CRYPTO_BACKEND=rustcrypto bksim crypto bench\n\nMeasures every AES backend this CPU runs (aws-lc-rs, vaes512, rustcrypto or software) and\n`openssl speed -evp` when `openssl` is on the PATH, in CPU time of the measuring threads;\n* marks the backend bksim uses (BKSIM_CRYPTO_BACKEND=NAME forces one; auto is the default).\nscripts/compare-openssl.sh repeats it and prints median ratios.\nWarns loudly when no AES hardware instructions are in use."
    )]
    Bench {
        /// Buffer sizes, comma-separated (B, KiB, MiB, GiB).
        #[arg(long, value_delimiter = ',', default_value = "1KiB,64KiB,1MiB")]
        sizes: Vec<String>,
        /// Also measure with this many threads (1 is always measured).
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Print JSON (schema bksim.cryptobench.v2) instead of a table.
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

/// Runs a subcommand, writing to `out`. `Ok(code)` is the exit code for outcomes the
/// command reports itself (selftest failures give 1); `Err` carries its own code via
/// [`CryptoError::exit_code`].
pub fn run(cmd: &CryptoCommand, out: &mut dyn Write) -> Result<i32, CryptoError> {
    match cmd {
        CryptoCommand::Selftest { vectors } => commands::selftest(vectors, out),
        CryptoCommand::Bench {
            sizes,
            threads,
            json,
            seconds,
        } => commands::bench(sizes, *threads, *json, *seconds, out),
        CryptoCommand::Calibrate {
            out: file,
            seconds,
            check,
        } => commands::calibrate(file.as_deref(), *seconds, check.as_deref(), out),
    }
}
