//! The command line: raw arguments as clap parses them, and the commands that turn them into
//! validated configuration and run it. `main.rs` only maps the result to an exit code.

mod report;
mod run;
mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

pub use report::report;
pub use run::run;
pub use validate::validate;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for anything that is not the user's input.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for invalid input: scenario file, flag or path.
pub const EXIT_INPUT: i32 = 2;

/// An error a command reports to its user.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The user's input is wrong (exit code 2).
    #[error("{0}")]
    Input(String),
    /// Anything else (exit code 1).
    #[error("{0}")]
    Failure(String),
}

impl CommandError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CommandError::Input(_) => EXIT_INPUT,
            CommandError::Failure(_) => EXIT_FAILURE,
        }
    }
}

impl From<crate::scenario::ScenarioError> for CommandError {
    fn from(e: crate::scenario::ScenarioError) -> Self {
        CommandError::Input(e.to_string())
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "bksim",
    version,
    about = "Capacity planning for Amazon S3 encryption with AWS KMS: will SSE-KMS traffic be \
             throttled, what will KMS cost, what latency will clients see, and how much do S3 \
             Bucket Keys change that?",
    long_about = None,
    after_help = "Examples:\n  bksim run scenarios/quickstart.toml\n  bksim run scenarios/quickstart.toml --set kms.quota_rps=20000 --variant per-object\n  bksim validate scenarios/logging-bucket.toml\n  bksim report results/quickstart\n\nScenario keys are documented in scenarios/README.md.",
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario's variants and write the results directory.
    #[command(
        after_help = "Examples:\n  bksim run scenarios/quickstart.toml\n  bksim run scenarios/quickstart.toml --out /tmp/qs --seed 7\n  bksim run scenarios/quickstart.toml --set workload.uploads.arrival.rate=5000 --set s3.bucket_key_ttl=1m\n  bksim run scenarios/quickstart.toml --variant bucket-key --json | jq '.variants[0].kms'\n\nWrites summary.json, timeseries.csv, latency-<variant>-<op>.hgrm and run.json, then the\nreport: charts/*.svg and *.png, report.html and report.md.\nExit codes: 0 success, 2 invalid input (scenario, flag, path), 1 anything else."
    )]
    Run(RunArgs),
    /// Check a scenario file (and every variant of it) without running it.
    #[command(
        after_help = "Example:\n  bksim validate scenarios/quickstart.toml\n\nExit codes: 0 valid, 2 invalid (the message names the file, line and key)."
    )]
    Validate(ValidateArgs),
    /// Rebuild the charts and reports of a results directory without simulating again.
    #[command(
        after_help = "Examples:\n  bksim report results/quickstart\n  bksim report results/quickstart --format md,svg\n\nReads summary.json, timeseries.csv and the latency-*.hgrm files (and run.json for the run\nfacts, when present); writes charts/<chart>.svg and .png, report.html and report.md.\nThe same results give byte-identical charts and report.md.\nExit codes: 0 success, 2 missing or corrupt input file (the message names it), 1 anything else."
    )]
    Report(ReportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Results directory written by `bksim run`.
    pub dir: PathBuf,
    /// Outputs to write, comma separated [default: all].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub format: Vec<ReportFormat>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// An output of `bksim report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// report.html, self-contained (charts inline).
    Html,
    /// report.md, linking the SVG charts.
    Md,
    /// charts/*.png.
    Png,
    /// charts/*.svg.
    Svg,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML). See scenarios/README.md for every key.
    pub file: PathBuf,
    /// Output directory [default: results/<scenario name>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed for every random stream, instead of the scenario's `seed`.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Override a scenario value by dotted path, after the variant's own overrides, e.g.
    /// `kms.quota_rps=20000`, `bucket.ingest.bucket_key=true`, `s3.bucket_key_ttl=1m`.
    /// Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Run only this variant (repeatable; default: all of the scenario's variants).
    #[arg(long = "variant", value_name = "NAME")]
    pub variant: Vec<String>,
    /// Print the summary JSON on stdout instead of the comparison table.
    #[arg(long)]
    pub json: bool,
    /// Print nothing but errors (no table, no progress bar).
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads for running variants in parallel [default: all cores]. Results do not
    /// depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Also check these overrides, as `run --set` would apply them.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}
