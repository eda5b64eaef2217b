//! A generator of realistic, synthetic S3 server access logs and CloudTrail data-event files,
//! laid out as AWS delivers them: the input of the replay's examples, tests and bench.
//!
//! The traffic ([`events`]) is a diurnal stream of SDK-like requests from several IAM
//! sessions and users: PUTs (with rewrites of hot keys), HEAD-then-GET downloads, range GETs,
//! multipart uploads, copies, deletes, listings and a few failures. [`access_log`] and
//! [`cloudtrail`] write it in each format. Everything is deterministic for a seed, and memory
//! does not grow with the number of requests (the stream keeps only the requests already
//! scheduled for a later time: multipart parts, deletes).

pub mod access_log;
pub mod cloudtrail;
pub mod events;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

pub use events::{Event, EventKind, Events};

/// The account every generated bucket and principal belongs to (the documentation's example).
pub const ACCOUNT: &str = "123456789012";
/// The region of every generated bucket and trail.
pub const REGION: &str = "us-east-1";

/// The file format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenFormat {
    /// S3 server access logs, one file per bucket and delivery.
    S3AccessLog,
    /// CloudTrail `{"Records":[...]}` files under `AWSLogs/<account>/CloudTrail/<region>/...`.
    CloudTrail,
    /// CloudTrail events one JSON object a line (as exported from CloudTrail Lake or Athena).
    CloudTrailJsonl,
}

impl GenFormat {
    /// The name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            GenFormat::S3AccessLog => "s3-access-log",
            GenFormat::CloudTrail => "cloudtrail",
            GenFormat::CloudTrailJsonl => "cloudtrail-jsonl",
        }
    }
}

/// Which files are gzip-compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GzipChoice {
    /// As AWS delivers them: CloudTrail files compressed, access logs and JSON Lines plain.
    Default,
    Always,
    Never,
    /// Every other file (the first plain): shows a reader both.
    Alternate,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenOptions {
    pub format: GenFormat,
    /// Log records in total (access-log lines or CloudTrail events), exactly.
    pub requests: u64,
    pub seed: u64,
    /// The span's start, seconds since the Unix epoch (UTC).
    pub start_unix_s: i64,
    /// Every record's time is in [start, start + span).
    pub span_ms: u64,
    /// Buckets (1..=26); the second is `logs.acme.example`, a name with dots.
    pub buckets: usize,
    /// IAM sessions and users sending requests (1..=1000).
    pub requesters: usize,
    /// Files per bucket (access logs) or in total (CloudTrail), at least 1.
    pub files: usize,
    pub gzip: GzipChoice,
    /// The request rate's trough as a fraction of its peak (0 < trough <= 1): the rate is a
    /// cosine over the span, lowest at its start and end, highest in its middle.
    pub trough: f64,
}

impl Default for GenOptions {
    fn default() -> GenOptions {
        GenOptions {
            format: GenFormat::S3AccessLog,
            requests: 100_000,
            seed: 1,
            start_unix_s: 1_795_478_400, // 2026-11-24T00:00:00Z
            span_ms: 3_600_000,
            buckets: 3,
            requesters: 12,
            files: 4,
            gzip: GzipChoice::Default,
            trough: 0.3,
        }
    }
}

impl GenOptions {
    /// Checks the options' ranges; the message names the option.
    pub fn check(&self) -> Result<(), String> {
        if self.requests == 0 {
            return Err("--requests must be at least 1".into());
        }
        if self.span_ms < 1000 {
            return Err("--span must be at least 1s".into());
        }
        if !(1..=NAMES.len()).contains(&self.buckets) {
            return Err(format!("--buckets must be 1 to {}", NAMES.len()));
        }
        if !(1..=1000).contains(&self.requesters) {
            return Err("--requesters must be 1 to 1000".into());
        }
        if !(1..=100_000).contains(&self.files) {
            return Err("--files must be 1 to 100000".into());
        }
        if !(self.trough > 0.0 && self.trough <= 1.0) {
            return Err("--trough must be in (0, 1]".into());
        }
        Ok(())
    }

    /// The mean rate over the span as a fraction of the peak rate: `requests` for a peak rate
    /// is `peak * span * mean_over_peak()`.
    pub fn mean_over_peak(&self) -> f64 {
        (1.0 + self.trough) / 2.0
    }

    /// Whether the `index`-th file written is compressed.
    pub fn gzip_file(&self, index: usize) -> bool {
        match self.gzip {
            GzipChoice::Default => self.format == GenFormat::CloudTrail,
            GzipChoice::Always => true,
            GzipChoice::Never => false,
            GzipChoice::Alternate => index % 2 == 1,
        }
    }
}

/// Bucket names, in the order `--buckets` takes them.
const NAMES: [&str; 26] = [
    "acme-web-assets",
    "logs.acme.example",
    "acme-user-uploads",
    "acme-backups",
    "acme-data-lake",
    "acme-ml-models",
    "acme-reports",
    "acme-media",
    "acme-artifacts",
    "acme-exports",
    "acme-archive",
    "acme-staging",
    "acme-thumbnails",
    "acme-invoices",
    "acme-audit",
    "acme-cdn-origin",
    "acme-etl-input",
    "acme-etl-output",
    "acme-scratch",
    "acme-config",
    "acme-docs",
    "acme-mobile",
    "acme-search-index",
    "acme-events",
    "acme-sessions",
    "acme-tmp",
];

/// The name of bucket `i`.
pub fn bucket_name(i: usize) -> &'static str {
    NAMES[i % NAMES.len()]
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// The files written, relative to the output directory, in the order they were closed.
    pub files: Vec<PathBuf>,
    /// Records written (lines or events).
    pub records: u64,
    /// Records by operation name as the format writes it (`REST.GET.OBJECT`, `GetObject`...).
    pub by_operation: BTreeMap<String, u64>,
    /// The first and last record's time, milliseconds since the Unix epoch.
    pub first_ms: i64,
    pub last_ms: i64,
}

/// Generates the log `opts` describes into directory `out` (created if missing).
pub fn generate(opts: &GenOptions, out: &Path) -> io::Result<GenSummary> {
    opts.check()
        .map_err(|m| io::Error::new(io::ErrorKind::InvalidInput, m))?;
    std::fs::create_dir_all(out)?;
    match opts.format {
        GenFormat::S3AccessLog => access_log::write_files(opts, out),
        GenFormat::CloudTrail | GenFormat::CloudTrailJsonl => cloudtrail::write_files(opts, out),
    }
}

/// Writes the access-log lines of `opts` to one writer, in time order (no files, no
/// shuffling): for benches and tests. Returns the number of lines.
pub fn write_access_log_lines(opts: &GenOptions, w: &mut dyn io::Write) -> io::Result<u64> {
    opts.check()
        .map_err(|m| io::Error::new(io::ErrorKind::InvalidInput, m))?;
    let ctx = access_log::Context::new(opts);
    let mut line = Vec::with_capacity(512);
    let mut n = 0;
    for ev in Events::new(opts) {
        for &side in access_log::sides(&ev) {
            line.clear();
            access_log::format_line(&ctx, &ev, side, &mut line);
            w.write_all(&line)?;
            n += 1;
        }
    }
    Ok(n)
}

/// (year, month, day, hour, minute, second) of `unix_s` in UTC.
pub fn civil(unix_s: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = unix_s.div_euclid(86_400);
    let secs = unix_s.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

/// `2019-02-01T19:00:00Z`, CloudTrail's `eventTime`.
pub fn iso8601(unix_s: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix_s);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Percent-encodes a key as S3 access logs write it: unreserved characters and `/` stay,
/// every other byte becomes `%XX`.
pub fn url_encode(key: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in key.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    }
}
