//! The command line: raw arguments as clap parses them, and the commands that turn them into
//! validated configuration and run it. `main.rs` only maps the result to an exit code.

mod capacity;
mod cloudtrail;
pub mod crypto;
mod live;
pub mod policy_check;
pub mod replay;
mod report;
mod run;
mod sensitivity;
mod sweep;
mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

pub use capacity::capacity;
pub use live::live;
pub use policy_check::policy_check;
pub use replay::replay;
pub use report::report;
pub use run::run;
pub use sensitivity::sensitivity;
pub use sweep::{merge, sweep};
pub use validate::validate;

use crate::scenario::{Override, ScenarioFile};

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for anything that is not the user's input.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for invalid input: scenario file, flag or path.
pub const EXIT_INPUT: i32 = 2;
/// Exit code of `--check` when a measured value (`[[expect]]`) is out of tolerance.
pub const EXIT_CHECK: i32 = 3;

/// An error a command reports to its user.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The user's input is wrong (exit code 2).
    #[error("{0}")]
    Input(String),
    /// Anything else (exit code 1).
    #[error("{0}")]
    Failure(String),
    /// `--check`: the results were written, and some measured values are out of tolerance
    /// (exit code 3). One line per expectation.
    #[error("{0}")]
    Check(String),
}

impl CommandError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CommandError::Input(_) => EXIT_INPUT,
            CommandError::Failure(_) => EXIT_FAILURE,
            CommandError::Check(_) => EXIT_CHECK,
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
    after_help = "Examples:\n  bksim run scenarios/quickstart.toml\n  bksim run scenarios/quickstart.toml --set kms.quota_rps=20000 --variant per-object\n  bksim validate scenarios/logging-bucket.toml\n  bksim capacity scenarios/quickstart.toml --target workload.uploads.arrival.rate\n  bksim crypto selftest\n  bksim report results/quickstart\n\nScenario keys are documented in scenarios/README.md.",
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario's variants and write the results directory.
    #[command(
        after_help = "Examples:\n  bksim run scenarios/quickstart.toml\n  bksim run scenarios/quickstart.toml --out /tmp/qs --seed 7\n  bksim run scenarios/quickstart.toml --set workload.uploads.arrival.rate=5000 --set s3.bucket_key_ttl=1m\n  bksim run scenarios/quickstart.toml --variant bucket-key --json | jq '.variants[0].kms'\n\nWrites summary.json, timeseries.csv, latency-<variant>-<op>.hgrm and run.json, then the\nreport: charts/*.svg and *.png, report.html and report.md.\n\nDIR is written as a whole: every file goes into a staging directory beside it\n(.<name>.bksim-stage-<pid>-<n>) that then replaces DIR in one step, so DIR always holds one\ncomplete run, even after kill -9. An existing DIR must be empty or a run's results (summary.json,\nrun.json, timeseries.csv, or a report bksim wrote); anything else is refused (exit 2) and left\nuntouched. Files of your own in a results directory are kept.\nExit codes: 0 success, 2 invalid input (scenario, flag, path, an --out that is not a run's\nresults or cannot be written), 3 with --check: a measured value ([[expect]]) out of tolerance\n(the results are written), 1 anything else."
    )]
    Run(RunArgs),
    /// Run every variant at every point of a parameter grid, on all cores.
    #[command(
        after_help = "Examples:\n  bksim sweep scenarios/quickstart.toml --param workload.uploads.arrival.rate=5000..40000:5000\n  bksim sweep scenarios/quickstart.toml --param kms.quota_rps=10000,20000 --param s3.bucket_key_ttl=1m,5m,15m\n  bksim sweep scenarios/quickstart.toml --param workload.uploads.arrival.rate=1000..64000:x2 --shard 0/4 --out shards/\n\nLIST is a,b,c or start..end:step or start..end:xN (geometric). A scenario's [sweep] table\nholds the same (\"dotted.path\" = [values] or = \"LIST\"); --param replaces an entry of it.\nWrites sweep.csv, sweep.json and charts/*.svg and *.png (or, with --shard, one shard file\nfor `bksim merge`, which writes them all).\nOutput is the same whatever the thread count.\n\nThe output directory is written as a whole (a staging directory beside it replaces it in one\nstep): it always holds one complete sweep. An existing one must be empty or a sweep's results\n(sweep.json or sweep.csv); with --shard, empty or holding shard files (the shard only adds its\nown file). Anything else is refused (exit 2) and left untouched."
    )]
    Sweep(SweepArgs),
    /// Combine the shard files of a sharded sweep into the output of an unsharded one.
    #[command(
        after_help = "Example:\n  bksim merge shards/ --out results/quickstart-sweep\n\nEvery shard I/N must be present exactly once and all must come from the same sweep\n(N at most 10000). Shard files are checked before use: a value no sweep produces, a\nname that is not [A-Za-z0-9_-]+ or a file that is not a regular file is invalid input.\nThe output directory is written as a whole, as by `bksim sweep`: an existing one must be empty\nor a sweep's results (sweep.json or sweep.csv); anything else is refused (exit 2).\nExit codes: 0 success, 2 invalid input (the message names the file, line and key), 1 anything else."
    )]
    Merge(MergeArgs),
    /// Which assumptions decide the verdict: every assumption-labelled parameter run at a
    /// plausible low and high, one at a time, with the same seed.
    #[command(
        after_help = "Examples:\n  bksim sensitivity scenarios/quickstart.toml\n  bksim sensitivity scenarios/data-lake-reads.toml --only s3.frontend_hosts --only s3.bucket_key_ttl\n  bksim sensitivity scenarios/quickstart.toml --metric kms_requests_per_s --json\n\nRuns each variant at its base values and, one parameter at a time, at the parameter's low\nand high (ranges listed in scenarios/README.md, section Sensitivity ranges), all with the\nsame seed so that differences come from the parameter. A parameter whose end changes the\nverdict (ok, throttled, failures) is bisected to find where it flips.\nWrites sensitivity.json (schema bksim.sensitivity.v1) and a tornado chart per variant and\nmetric (charts/tornado-<variant>-<metric>.svg and .png). A scenario's [sensitivity] table\nsets its own ranges. --shard I/N runs a share of the parameters into a shard file;\n--merge combines the shards into what one run writes. Output is the same whatever the\nthread count. The output directory is written as a whole; an existing one must be empty or\nhold a sensitivity.json.\nExit codes: 0 success, 2 invalid input, 1 anything else."
    )]
    Sensitivity(SensitivityArgs),
    /// Find, per variant, the highest value of a parameter that meets the constraints.
    #[command(
        after_help = "Examples:\n  bksim capacity scenarios/quickstart.toml --target workload.uploads.arrival.rate\n  bksim capacity scenarios/logging-bucket.toml --target workload.log-shippers.sessions --max-p99 250ms --json\n\nBrackets by doubling or halving from the scenario's value, then bisects to 1%.\nThe binding constraint is the first violated just above the answer, in the order\nkms-quota, s3-prefix, latency, failures."
    )]
    Capacity(CapacityArgs),
    /// Real envelope encryption: published-vector selftest, AES throughput and envelope-cost
    /// benchmarks, and the calibration profile that feeds client-side encryption costs.
    #[command(subcommand)]
    Crypto(crypto::CryptoCommand),
    /// Check a scenario file (and every variant of it) without running it.
    #[command(
        after_help = "Example:\n  bksim validate scenarios/quickstart.toml\n\nExit codes: 0 valid, 2 invalid (the message names the file, line and key)."
    )]
    Validate(ValidateArgs),
    /// Replay S3 server access logs, CloudTrail data events or a CSV of requests through the
    /// model, and write the results directory as `run` does.
    #[command(
        after_help = "Examples:\n  bksim replay logs/                      # every file under logs/, format recognised per file\n  bksim replay access-logs/ --scenario scenarios/quickstart.toml --variant bucket-key\n  bksim replay trail.json.gz --format cloudtrail --speed 4 --out /tmp/replay\n\nEach logged request is offered at its logged time (divided by --speed), in logged order;\nrequests logged to the second are spread evenly over their second. An object is (bucket,\nkey): a GET of an object written earlier in the log reads with the key that wrote it; an\nobject read but never written was there before ([bucket.existing], or assumed written over\nthe 30 days before). HEAD and DELETE make no KMS call. Skipped operations and unreadable\nlines are counted in the report; more unreadable lines than --max-bad-lines is invalid input.\nWithout --scenario every bucket of the log is sse-kms and the variants are per-object and\nbucket-key. The results directory is written as by `bksim run`.\nExit codes: 0 success, 2 invalid input (a log, the scenario, a flag), 3 with --check: a\nmeasured value of the scenario ([[expect]]) out of tolerance (the results are written),\n1 anything else."
    )]
    Replay(ReplayArgs),
    /// Rebuild the charts and reports of a results directory without simulating again.
    #[command(
        after_help = "Examples:\n  bksim report results/quickstart\n  bksim report results/quickstart --format md,svg\n\nReads summary.json, timeseries.csv and the latency-*.hgrm files (and run.json for the run\nfacts, when present); writes charts/<chart>.svg and .png, report.html and report.md.\nThe same results give byte-identical charts and report.md.\nDIR is rewritten as a whole (from a copy in a staging directory beside it, swapped in one\nstep): after an interruption it holds the old files or the new ones, never a mix.\nExit codes: 0 success, 2 missing or corrupt input file (the message names it), 1 anything else."
    )]
    Report(ReportArgs),
    /// Will turning S3 Bucket Keys on break a KMS key policy or IAM policy? Evaluates each
    /// principal's KMS calls through S3 with the object-ARN and the bucket-ARN context.
    #[command(
        after_help = "Examples:\n  bksim policy-check --key-policy scenarios/policies/object-arn-wildcard.json --bucket amzn-s3-demo-bucket\n  bksim policy-check --key-policy key.json --iam-policy role.json --bucket arn:aws:s3:::amzn-s3-demo-bucket --principal arn:aws:iam::111122223333:role/uploader --json\n\nExit codes: 0 no decision changes with bucket keys, 3 a decision changes (denied after, or\nnewly allowed), 2 invalid input (the message names the file and the JSON path)."
    )]
    PolicyCheck(policy_check::PolicyCheckArgs),
    /// Run a scenario live: its workloads in wall-clock time on real threads, every object
    /// really encrypted, against an in-process KMS whose quota is enforced per real second;
    /// then compare with the simulation of the same scaled scenario.
    #[command(
        after_help = "Examples:\n  bksim live scenarios/quickstart.toml --scale 0.1\n  bksim live scenarios/quickstart.toml --scale 0.05 --duration 10s --variant per-object\n  bksim live scenarios/bucket-keys-next-week.toml --threads 2 --json | jq '.variants[].comparison'\n\nEvery rate is multiplied by --scale (workload arrivals, closed-loop concurrency, KMS quotas and\nbackground calls, S3 prefix limits), so the verdict is the scenario's at a size this machine\ncan run; sessions, hosts, objects, TTLs and latencies are unchanged. A scaled load the machine\ncannot serve is refused (exit 2) with the scale that would fit. Each variant runs for\n--duration on the clock (default: the scenario's, at most 30s), one after the other.\nWrites the run's files for the live run (summary.json, timeseries.csv, latency histograms,\nreport.html, report.md) and live.json: per variant the live and simulated figures side by side,\nwhether the harness kept up (if not the comparison is marked invalid) and its own lag.\nLive runs are not reproducible to the byte: they depend on the machine's timing.\nExit codes: 0 success, 2 invalid input (scenario, flag, a feature the harness does not run, a\nscale beyond the machine), 1 anything else (a failed encryption round trip)."
    )]
    Live(LiveArgs),
}

#[derive(Debug, clap::Args)]
pub struct LiveArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Wall-clock time each variant runs [default: the scenario's duration, at most 30s].
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Leave the first part of the run out of the statistics [default: the scenario's
    /// warm-up, at most a fifth of the duration].
    #[arg(long, value_name = "DURATION")]
    pub warmup: Option<String>,
    /// Multiply every rate by X (arrivals, KMS quotas, prefix limits) [default: 1].
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub scale: f64,
    /// Bytes of each object (and multipart part) really encrypted; larger objects are
    /// modelled at their full size for transfer times [default: 64KiB].
    #[arg(long, value_name = "SIZE")]
    pub max_payload: Option<String>,
    /// How long requests still in flight at the end may take to finish before they are
    /// counted unfinished [default: 10s; 60s, the simulation's, with replication rules].
    #[arg(long, value_name = "DURATION")]
    pub drain: Option<String>,
    /// Output directory [default: results/<scenario name>-live/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub scenario: ScenarioOptions,
    #[command(flatten)]
    pub output: OutputOptions,
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

/// How a command reads the scenario: seed, overrides, variants.
#[derive(Debug, clap::Args)]
pub struct ScenarioOptions {
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
}

/// How a command prints and how many threads it uses.
#[derive(Debug, clap::Args)]
pub struct OutputOptions {
    /// Print the results as JSON on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Print nothing but errors (no table, no progress bar).
    #[arg(long, short)]
    pub quiet: bool,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML). See scenarios/README.md for every key.
    pub file: PathBuf,
    #[command(flatten)]
    pub run: RunOptions,
}

/// What `run` and `replay` share: where the results go, how the scenario is read, how the
/// command prints.
#[derive(Debug, clap::Args)]
pub struct RunOptions {
    /// Output directory [default: results/<scenario name>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// After writing the results, exit with code 3 if a measured value of the scenario
    /// (`[[expect]]`) is out of its tolerance, one line per such value on stderr.
    #[arg(long)]
    pub check: bool,
    /// Also write every KMS call of the run as CloudTrail log files under DIR, one directory
    /// per variant (gzip JSON `{"Records": [...]}` files, laid out and named as a trail
    /// delivers them to S3), with the manifest bksim-cloudtrail.json.
    #[arg(long, value_name = "DIR")]
    pub cloudtrail: Option<PathBuf>,
    /// Keep this share of the KMS events in the CloudTrail files, the same events every time
    /// (0.01 keeps one in 100) [default: 1].
    #[arg(long, value_name = "SHARE")]
    pub cloudtrail_sample: Option<f64>,
    /// Most CloudTrail records written per variant; the manifest says when the limit stopped
    /// the trail [default: 1000000, about 100 MB].
    #[arg(long, value_name = "N")]
    pub cloudtrail_limit: Option<u64>,
    /// Also run the sensitivity analysis (as `bksim sensitivity` does, every ranged
    /// parameter) and add "What this verdict depends on" to the report, with
    /// sensitivity.json and the tornado charts of KMS requests per second.
    #[arg(long)]
    pub sensitivity: bool,
    #[command(flatten)]
    pub scenario: ScenarioOptions,
    #[command(flatten)]
    pub output: OutputOptions,
}

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Log files, or directories of them (read recursively), gzip or plain, as AWS delivers
    /// them: S3 server access logs, CloudTrail data events ({"Records": [...]} files or JSON
    /// Lines), or CSV (time,op,bucket,key,requester,size).
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<PathBuf>,
    /// The logs' format: auto (recognised per file), s3-access-log, cloudtrail or csv.
    #[arg(long, value_name = "FORMAT", default_value = "auto")]
    pub format: String,
    /// Scenario file for the KMS, S3 and client parameters, each bucket's encryption and KMS
    /// key (a bucket of the log is matched by `s3_name`, else `name`), other workloads and the
    /// variants [default: every bucket sse-kms; variants per-object and bucket-key].
    #[arg(long = "scenario", value_name = "FILE")]
    pub scenario_file: Option<PathBuf>,
    /// Replay speed: 2 offers a logged hour in 30 simulated minutes.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub speed: f64,
    /// Unreadable lines tolerated: a count, or a percentage of the lines read.
    #[arg(long, value_name = "N|P%", default_value = crate::replay::load::DEFAULT_BAD_LIMIT_TEXT)]
    pub max_bad_lines: String,
    #[command(flatten)]
    pub run: RunOptions,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// A swept parameter: dotted path and values (repeatable; the last varies fastest).
    #[arg(long = "param", value_name = "PATH=LIST")]
    pub param: Vec<String>,
    /// Output directory [default: results/<scenario name>-sweep/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run only share I of N of the grid (points p with p mod N = I, 0 <= I < N, N at most
    /// 10000) and write a shard file for `bksim merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub scenario: ScenarioOptions,
    #[command(flatten)]
    pub output: OutputOptions,
}

#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Keep only this metric (repeatable; the first orders the parameters) [default: all].
    #[arg(long = "metric", value_name = "NAME")]
    pub metric: Vec<String>,
    /// Vary only this parameter: a dotted path or a range key such as `bucket.*.prefixes`
    /// (repeatable) [default: every parameter with a range].
    #[arg(long = "only", value_name = "PATH")]
    pub only: Vec<String>,
    /// Output directory [default: results/<scenario name>-sensitivity/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run only share I of N of the parameters (numbered across the variants, those numbered
    /// k with k mod N = I, each with its bisection; every shard runs the variants' bases) and
    /// write shard-I-of-N.json into --out for --merge.
    #[arg(long, value_name = "I/N", conflicts_with = "merge")]
    pub shard: Option<String>,
    /// Merge shard files, or directories holding shard-I-of-N.json files, of this analysis
    /// (same FILE and flags) instead of running it (repeatable).
    #[arg(long, value_name = "SHARDS")]
    pub merge: Vec<PathBuf>,
    #[command(flatten)]
    pub scenario: ScenarioOptions,
    #[command(flatten)]
    pub output: OutputOptions,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Shard files, or directories holding shard-I-of-N.json files.
    #[arg(required = true, value_name = "DIR")]
    pub inputs: Vec<PathBuf>,
    /// Output directory [default: results/<scenario name>-sweep/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct CapacityArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// The parameter to push up: an arrival rate (`workload.NAME.arrival.rate`), sessions
    /// (`workload.NAME.sessions`), concurrency (`workload.NAME.arrival.concurrency`)...
    #[arg(long, value_name = "PATH")]
    pub target: String,
    /// Largest acceptable share of KMS calls throttled (and of S3 attempts refused by a
    /// prefix limit).
    #[arg(long, value_name = "FRACTION", default_value = "0.1%")]
    pub max_throttle: String,
    /// Largest acceptable p99 latency of any operation (e.g. 250ms) [default: no limit].
    #[arg(long, value_name = "DURATION")]
    pub max_p99: Option<String>,
    /// Largest acceptable number of failed requests, or a percentage (0.1%).
    #[arg(long, value_name = "N", default_value = "0")]
    pub max_failed: String,
    /// Value to start the search from [default: the target's value in the scenario].
    #[arg(long, value_name = "X")]
    pub start: Option<String>,
    #[command(flatten)]
    pub scenario: ScenarioOptions,
    #[command(flatten)]
    pub output: OutputOptions,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Also check these overrides, as `run --set` would apply them.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// `--check`: every expectation of `results` (`[[expect]]`, compared with the variants that
/// ran) within its tolerance, or [`CommandError::Check`] (exit 3) with one line per
/// expectation that is not. Call it after the results are written.
pub fn check_expectations(
    results: &crate::metrics::results::RunResults,
) -> Result<(), CommandError> {
    let variants: Vec<&crate::metrics::results::VariantSummary> =
        results.variants.iter().map(|v| &v.summary).collect();
    let failures = crate::report::expect::failures(&results.expectations, &variants);
    if failures.is_empty() {
        return Ok(());
    }
    Err(CommandError::Check(format!(
        "--check: {} of {} measured value(s) out of tolerance:\n  {}",
        failures.len(),
        results.expectations.len(),
        failures.join("\n  ")
    )))
}

/// `--seed` and `--set` as overrides, in that order.
pub(crate) fn base_overrides(
    seed: Option<u64>,
    sets: &[String],
) -> Result<Vec<Override>, CommandError> {
    let mut extra = Vec::new();
    if let Some(seed) = seed {
        let seed = i64::try_from(seed)
            .map_err(|_| CommandError::Input(format!("--seed {seed}: must be at most 2^63 - 1")))?;
        extra.push(Override::new("seed", seed, "--seed"));
    }
    for s in sets {
        extra.push(Override::parse_cli(s)?);
    }
    Ok(extra)
}

/// The variants named on the command line (checked), or all of the scenario's.
pub(crate) fn select_variants(
    file: &ScenarioFile,
    names: &[String],
) -> Result<Vec<String>, CommandError> {
    if names.is_empty() {
        return Ok(file.variants().iter().map(|v| v.name.clone()).collect());
    }
    let mut out: Vec<String> = Vec::new();
    for n in names {
        file.variant(n)?;
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    Ok(out)
}

/// Checks the output directory and creates its staging directory before any long work
/// starts (see [`crate::outdir`]), so an unusable `--out` (a file, a mount point, a directory
/// that is neither empty nor the output of the same command, an unwritable place) is invalid
/// input (exit 2) found at once. `flag` names the argument in messages.
pub(crate) fn begin_out_dir(
    flag: &str,
    dir: &std::path::Path,
    kind: crate::outdir::Kind,
) -> Result<crate::outdir::Stage, CommandError> {
    crate::outdir::Stage::begin(dir, kind).map_err(|e| {
        let msg = format!("{flag}{e}");
        if e.is_input() {
            CommandError::Input(msg)
        } else {
            CommandError::Failure(msg)
        }
    })
}

/// Publishes a finished stage as its target (exit 1 when that fails).
pub(crate) fn publish_out_dir(stage: crate::outdir::Stage) -> Result<(), CommandError> {
    stage
        .publish()
        .map_err(|e| CommandError::Failure(e.to_string()))
}

/// A writer's error message, naming the target's paths rather than the staging directory's.
pub(crate) fn in_target(stage: &crate::outdir::Stage, msg: String) -> CommandError {
    let from = stage.path().display().to_string();
    let to = stage.target().display().to_string();
    CommandError::Failure(msg.replace(&from, &to))
}

/// A rayon pool of `threads` workers (all cores when None).
pub(crate) fn thread_pool(threads: Option<u32>) -> Result<rayon::ThreadPool, CommandError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.map(|t| t as usize).unwrap_or(0))
        .build()
        .map_err(|e| CommandError::Failure(format!("cannot start worker threads: {e}")))
}

/// A progress bar style from a template (falls back to the default on a bad template).
pub(crate) fn progress_style(template: &str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// `bksim crypto ...`: the command's own exit code (the selftest exits 1 when a vector
/// fails), or its error as invalid input (2) or a failure (1).
pub fn crypto(
    cmd: &crypto::CryptoCommand,
    out: &mut dyn std::io::Write,
) -> Result<i32, CommandError> {
    crypto::run(cmd, out).map_err(|e| {
        if e.exit_code() == EXIT_INPUT {
            CommandError::Input(e.to_string())
        } else {
            CommandError::Failure(e.to_string())
        }
    })
}
