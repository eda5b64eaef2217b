//! Reading a trace: every file of the LOG arguments through its parser, each request interned
//! (bucket and requester numbers, hashed object identities) and ordered ([`super::order`]),
//! with counts of what was skipped and which lines could not be read. Everything a trace
//! replay needs is checked here, before anything is simulated or written.

use super::civil::rfc3339;
use super::entry::{FormatChoice, LogEntry, LogOp, Parsed};
use super::facts::{BadLineFact, NameCount, TraceFacts};
use super::files::list_files;
use super::order::{OrderError, Sorter, Store};
use super::parse::{BadLine, read_file};
use super::record::{NO_SIZE, NO_SOURCE, Rec, object_id};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// Most distinct buckets a trace may name (as many as a scenario may declare).
pub const MAX_TRACE_BUCKETS: usize = 100;
/// Most distinct requesters (sessions) a trace may hold.
pub const MAX_TRACE_SESSIONS: usize = 100_000;
/// Bad lines quoted in messages and the report.
pub const BAD_EXAMPLES: usize = 5;

/// How many unreadable lines a trace may have before it is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BadLimit {
    Count(u64),
    /// A fraction (0..=1) of the lines read.
    Fraction(f64),
}

/// The default: 1% of the lines read.
pub const DEFAULT_BAD_LIMIT: BadLimit = BadLimit::Fraction(0.01);
/// The default as a user writes it.
pub const DEFAULT_BAD_LIMIT_TEXT: &str = "1%";

impl BadLimit {
    /// Parses `N` (a count) or `P%` (a percentage of the lines read, 0 to 100).
    pub fn parse(s: &str) -> Result<BadLimit, String> {
        let s = s.trim();
        let bad = || format!("'{s}' is not a line count (e.g. 100) or a percentage (e.g. 1%)");
        if let Some(p) = s.strip_suffix('%') {
            let v: f64 = p.trim().parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&v) {
                return Err(format!("{s}: a percentage must be between 0% and 100%"));
            }
            Ok(BadLimit::Fraction(v / 100.0))
        } else {
            s.parse::<u64>().map(BadLimit::Count).map_err(|_| bad())
        }
    }

    fn allows(self, bad: u64, lines: u64) -> bool {
        match self {
            BadLimit::Count(n) => bad <= n,
            BadLimit::Fraction(f) => bad as f64 <= f * lines as f64,
        }
    }

    /// As a user writes it.
    pub fn text(self) -> String {
        match self {
            BadLimit::Count(n) => n.to_string(),
            BadLimit::Fraction(f) => format!("{}%", f * 100.0),
        }
    }
}

/// What to read.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSpec {
    pub paths: Vec<PathBuf>,
    pub format: FormatChoice,
    pub max_bad: BadLimit,
}

/// A trace read and ordered, ready to replay.
#[derive(Debug, Clone)]
pub struct Trace {
    pub store: Store,
    /// Bucket names as in the log, by the trace's bucket number.
    pub buckets: Vec<String>,
    /// Requests per bucket number.
    pub bucket_requests: Vec<u64>,
    /// Distinct requesters.
    pub sessions: u32,
    /// Start of the first request's second (ns since the epoch): simulated time 0.
    pub start_ns: i64,
    /// End of the last request's second.
    pub end_ns: i64,
    /// What the log held (without the workload name, buckets and speed, which the scenario
    /// decides).
    pub facts: TraceFacts,
}

/// Why a trace cannot be replayed. Display names the file and line when there is one.
#[derive(Debug)]
pub struct LoadError(pub String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

/// Interns strings to dense numbers, refusing more than `max`.
struct Interner {
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
    max: usize,
}

impl Interner {
    fn new(max: usize) -> Self {
        Interner {
            ids: FxHashMap::default(),
            names: Vec::new(),
            max,
        }
    }

    fn id(&mut self, s: &str) -> Option<u32> {
        if let Some(&i) = self.ids.get(s) {
            return Some(i);
        }
        if self.names.len() >= self.max {
            return None;
        }
        let i = self.names.len() as u32;
        self.ids.insert(s.to_string(), i);
        self.names.push(s.to_string());
        Some(i)
    }
}

/// Reads and orders the trace `spec` names.
pub fn load(spec: &TraceSpec) -> Result<Trace, LoadError> {
    let files = list_files(&spec.paths).map_err(|e| LoadError(e.to_string()))?;
    let mut sorter = Sorter::new();
    let mut buckets = Interner::new(MAX_TRACE_BUCKETS);
    let mut sessions = Interner::new(MAX_TRACE_SESSIONS);
    let mut bucket_requests: Vec<u64> = Vec::new();
    let mut by_op = [0u64; LogOp::ALL.len()];
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut formats: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut bad_examples = Vec::new();
    let (mut lines, mut bad, mut seq) = (0u64, 0u64, 0u64);
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for path in &files {
        let mut fatal: Option<LoadError> = None;
        let mut on_line = |item: Result<Parsed, BadLine>| {
            if fatal.is_some() {
                return;
            }
            match item {
                Ok(Parsed::Nothing) => {}
                Ok(Parsed::Skipped(name)) => {
                    lines += 1;
                    *skipped.entry(name).or_default() += 1;
                }
                Err(b) => {
                    lines += 1;
                    bad += 1;
                    if bad_examples.len() < BAD_EXAMPLES {
                        bad_examples.push(BadLineFact {
                            file: crate::input::escape_controls(&path.display().to_string()),
                            line: b.line,
                            reason: b.reason,
                            text: b.text,
                        });
                    }
                }
                Ok(Parsed::Entry(e)) => {
                    lines += 1;
                    match intern(&e, seq, &mut buckets, &mut sessions) {
                        Ok(r) => {
                            seq += 1;
                            by_op[e.op.index()] += 1;
                            if bucket_requests.len() <= r.bucket as usize {
                                bucket_requests.resize(r.bucket as usize + 1, 0);
                            }
                            bucket_requests[r.bucket as usize] += 1;
                            first = first.min(r.t);
                            last = last.max(r.t);
                            if let Err(e) = sorter.push(r) {
                                fatal = Some(order_error(e));
                            }
                        }
                        Err(msg) => {
                            fatal = Some(LoadError(format!(
                                "{}: {msg}",
                                crate::input::escape_controls(&path.display().to_string())
                            )))
                        }
                    }
                }
            }
        };
        let format =
            read_file(path, spec.format, &mut on_line).map_err(|e| LoadError(e.to_string()))?;
        if let Some(e) = fatal {
            return Err(e);
        }
        *formats.entry(format.name()).or_default() += 1;
    }
    if !spec.max_bad.allows(bad, lines) {
        let shown: Vec<String> = bad_examples
            .iter()
            .map(|b| format!("  {}:{}: {}: {}", b.file, b.line, b.reason, b.text))
            .collect();
        return Err(LoadError(format!(
            "{bad} of {lines} lines could not be read, more than --max-bad-lines {} allows; the first:\n{}",
            spec.max_bad.text(),
            shown.join("\n")
        )));
    }
    if sorter.is_empty() {
        let what = if skipped.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = skipped.keys().take(5).cloned().collect();
            format!("; skipped: {}", names.join(", "))
        };
        let unreadable = match bad_examples.first() {
            Some(b) => format!(
                "; {bad} could not be read, the first at {}:{}: {}",
                b.file, b.line, b.reason
            ),
            None => String::new(),
        };
        return Err(LoadError(format!(
            "{}: no request to replay in {} line(s) of {} file(s){what}{unreadable}. Replay models PutObject, multipart uploads, GetObject, HeadObject, CopyObject and DeleteObject",
            paths_text(&spec.paths),
            lines,
            files.len()
        )));
    }
    let store = sorter.finish().map_err(order_error)?;
    // A bucket named only as a copy source has no requests of its own.
    bucket_requests.resize(buckets.names.len(), 0);
    let start_ns = first.div_euclid(1_000_000_000) * 1_000_000_000;
    let end_ns = (last.div_euclid(1_000_000_000) + 1) * 1_000_000_000;
    let mut skipped: Vec<NameCount> = skipped
        .into_iter()
        .map(|(name, count)| NameCount { name, count })
        .collect();
    skipped.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    let facts = TraceFacts {
        workload: String::new(),
        // The paths as the scenario writes them: set with the workload (`prepare`).
        paths: Vec::new(),
        files: formats
            .into_iter()
            .map(|(name, count)| NameCount {
                name: name.to_string(),
                count,
            })
            .collect(),
        lines,
        requests: store.len(),
        by_operation: LogOp::ALL
            .iter()
            .zip(by_op)
            .filter(|(_, n)| *n > 0)
            .map(|(op, n)| NameCount {
                name: op.api_name().to_string(),
                count: n,
            })
            .collect(),
        skipped,
        bad_lines: bad,
        bad_examples,
        first: rfc3339(first),
        last: rfc3339(last),
        span_seconds: (end_ns - start_ns) as f64 / 1e9,
        speed: 1.0,
        sessions: sessions.names.len() as u64,
        buckets: Vec::new(),
        cut: 0,
    };
    Ok(Trace {
        store,
        buckets: buckets.names,
        bucket_requests,
        sessions: sessions.names.len() as u32,
        start_ns,
        end_ns,
        facts,
    })
}

fn paths_text(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths
        .iter()
        .map(|p| crate::input::escape_controls(&p.display().to_string()))
        .collect();
    shown.join(", ")
}

fn order_error(e: OrderError) -> LoadError {
    match e {
        OrderError::Io(e) => LoadError(format!(
            "ordering the trace in temporary files (under {}; set TMPDIR to use another disk): {e}",
            std::env::temp_dir().display()
        )),
        OrderError::Crowded { second } => LoadError(format!(
            "more than {} requests logged in the second starting {}; replay holds one second's requests in memory and spreads at most that many",
            super::order::MAX_PER_SECOND,
            rfc3339(second)
        )),
    }
}

/// The compact record of a log entry; an error when the trace has too many buckets or
/// requesters.
fn intern(
    e: &LogEntry,
    seq: u64,
    buckets: &mut Interner,
    sessions: &mut Interner,
) -> Result<Rec, String> {
    let too_many_buckets = || {
        format!(
            "the log names more than {MAX_TRACE_BUCKETS} buckets; bksim simulates at most {MAX_TRACE_BUCKETS}"
        )
    };
    let bucket = buckets.id(&e.bucket).ok_or_else(too_many_buckets)? as u8;
    let requester = if e.requester.is_empty() {
        "-"
    } else {
        &e.requester
    };
    let session = sessions.id(requester).ok_or_else(|| {
        format!(
            "the log has more than {MAX_TRACE_SESSIONS} distinct requesters; bksim simulates at most {MAX_TRACE_SESSIONS} sessions"
        )
    })?;
    let (src, src_bucket) = match &e.copy_source {
        Some((b, k)) => (
            object_id(b, k),
            buckets.id(b).ok_or_else(too_many_buckets)? as u8,
        ),
        None => (NO_SOURCE, 0),
    };
    Ok(Rec {
        t: e.time_ns,
        seq,
        obj: object_id(&e.bucket, &e.key),
        src,
        size: e.size.unwrap_or(NO_SIZE).min(NO_SIZE - 1),
        session,
        bucket,
        src_bucket,
        op: e.op,
        coarse: e.coarse,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_line_limits_parse_and_apply() {
        assert_eq!(BadLimit::parse("1%"), Ok(BadLimit::Fraction(0.01)));
        assert_eq!(BadLimit::parse(" 25 "), Ok(BadLimit::Count(25)));
        assert!(
            BadLimit::parse("101%")
                .unwrap_err()
                .contains("between 0% and 100%")
        );
        assert!(
            BadLimit::parse("x")
                .unwrap_err()
                .contains("not a line count")
        );
        assert!(BadLimit::Fraction(0.01).allows(1, 100));
        assert!(!BadLimit::Fraction(0.01).allows(2, 100));
        assert!(BadLimit::Count(0).allows(0, 5));
        assert!(!BadLimit::Count(0).allows(1, 5));
        assert_eq!(DEFAULT_BAD_LIMIT.text(), DEFAULT_BAD_LIMIT_TEXT);
    }
}
