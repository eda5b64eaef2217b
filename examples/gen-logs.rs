//! `gen-logs`: writes synthetic, realistic S3 server access logs or CloudTrail data-event files
//! (a thin command line over `bksim::replay::generate`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, UNIX_EPOCH};

use bksim::replay::generate::{self, GenFormat, GenOptions, GzipChoice};
use clap::{Parser, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// S3 server access logs: one series of files per bucket, plain text.
    S3AccessLog,
    /// CloudTrail `{"Records":[...]}` files under AWSLogs/..., gzip.
    Cloudtrail,
    /// CloudTrail events as JSON Lines, one event a line.
    CloudtrailJsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum Gzip {
    /// As AWS delivers: CloudTrail gzip, access logs and JSON Lines plain.
    Default,
    Yes,
    No,
    /// Every other file compressed (the first plain).
    Alternate,
}

/// Generate synthetic S3 server access logs or CloudTrail data events, as AWS delivers them.
///
/// The traffic has a diurnal rate (a cosine over the span, lowest at its ends), several IAM
/// role sessions and users, PUTs with rewrites of hot keys, HEAD-then-GET downloads, range
/// GETs, multipart uploads, copies, deletes, listings, and a few 404 and 503 SlowDown
/// responses. The same options and seed give byte-identical files.
///
/// Examples:
///
///   gen-logs --out /tmp/logs                        # 100,000 access-log lines over 1h
///
///   gen-logs --format cloudtrail --requests 50000 --span 24h --out /tmp/ct
///
///   gen-logs --requests 20000 --buckets 3 --files 4 --gzip alternate --seed 7 --out scenarios/logs/web-app
///
///   gen-logs --peak-rps 3000 --span 1h --out /tmp/peak  # the count from the peak rate
#[derive(Parser)]
#[command(name = "gen-logs", verbatim_doc_comment)]
struct Args {
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "s3-access-log")]
    format: Format,
    /// Log records in total (lines or events). Default 100000 unless --peak-rps is given.
    #[arg(long, conflicts_with = "peak_rps")]
    requests: Option<u64>,
    /// The peak request rate; the count follows from it, the span and --trough.
    #[arg(long)]
    peak_rps: Option<f64>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The span's start, RFC 3339.
    #[arg(long, default_value = "2026-11-24T00:00:00Z")]
    start: String,
    /// The time the log covers (1h, 30m, 24h...).
    #[arg(long, default_value = "1h")]
    span: String,
    /// Buckets (1 to 26); the second is logs.acme.example, a name with dots.
    #[arg(long, default_value_t = 3)]
    buckets: usize,
    /// IAM role sessions and users sending requests.
    #[arg(long, default_value_t = 12)]
    requesters: usize,
    /// Files per bucket (access logs) or in total (CloudTrail), each an equal part of the span.
    #[arg(long, default_value_t = 4)]
    files: usize,
    #[arg(long, value_enum, default_value = "default")]
    gzip: Gzip,
    /// The rate's trough as a fraction of its peak.
    #[arg(long, default_value_t = 0.3)]
    trough: f64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let fail = |m: String| {
        eprintln!("gen-logs: {m}");
        ExitCode::from(2)
    };
    let start = match humantime::parse_rfc3339(&args.start) {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(_) => return fail(format!("--start {}: before 1970", args.start)),
        },
        Err(e) => return fail(format!("--start {}: {e}", args.start)),
    };
    let span: Duration = match humantime::parse_duration(&args.span) {
        Ok(d) => d,
        Err(e) => return fail(format!("--span {}: {e}", args.span)),
    };
    let mut opts = GenOptions {
        format: match args.format {
            Format::S3AccessLog => GenFormat::S3AccessLog,
            Format::Cloudtrail => GenFormat::CloudTrail,
            Format::CloudtrailJsonl => GenFormat::CloudTrailJsonl,
        },
        requests: args.requests.unwrap_or(100_000),
        seed: args.seed,
        start_unix_s: start,
        span_ms: span.as_millis().min(u64::MAX as u128) as u64,
        buckets: args.buckets,
        requesters: args.requesters,
        files: args.files,
        gzip: match args.gzip {
            Gzip::Default => GzipChoice::Default,
            Gzip::Yes => GzipChoice::Always,
            Gzip::No => GzipChoice::Never,
            Gzip::Alternate => GzipChoice::Alternate,
        },
        trough: args.trough,
    };
    if let Some(peak) = args.peak_rps {
        if !(peak.is_finite() && peak > 0.0) {
            return fail(format!("--peak-rps {peak}: must be a positive number"));
        }
        opts.requests = (peak * span.as_secs_f64() * opts.mean_over_peak()).round() as u64;
    }
    if let Err(m) = opts.check() {
        return fail(m);
    }
    let t0 = Instant::now();
    match generate::generate(&opts, &args.out) {
        Ok(s) => {
            let secs = t0.elapsed().as_secs_f64();
            let mut text = format!(
                "{} records in {} files under {} ({:.1}s, {:.0} records/s)\nfrom {} to {}\n",
                s.records,
                s.files.len(),
                args.out.display(),
                secs,
                s.records as f64 / secs.max(1e-9),
                generate::iso8601(s.first_ms.div_euclid(1000)),
                generate::iso8601(s.last_ms.div_euclid(1000))
            );
            for (op, n) in &s.by_operation {
                text.push_str(&format!("  {op:<28} {n}\n"));
            }
            // A closed pipe (`| head`) is not an error.
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("{}: {e}", args.out.display())),
    }
}
