//! The CSV log format, for traffic from any other source: a header
//! `time,op,bucket,key,requester,size` (optionally `,copy_source`), then one request a line.
//! `time` is RFC 3339 (`2026-11-24T10:00:00.250Z`) or Unix seconds (`1795514400.25`); `op` is
//! put, get, head, delete, copy, mpu-create, mpu-part or mpu-complete; `size` may be empty;
//! `copy_source` is `bucket/key`, for copy only. Fields may be quoted (RFC 4180); a quoted field
//! cannot hold a line break (lines are read one at a time).

use super::{BadLine, parse_rfc3339, quote};
use crate::replay::entry::{LogEntry, LogOp, Parsed};

const COLUMNS: [&str; 7] = [
    "time",
    "op",
    "bucket",
    "key",
    "requester",
    "size",
    "copy_source",
];

/// The op names, in the order messages list them.
const OPS: [(&str, LogOp); 8] = [
    ("put", LogOp::Put),
    ("get", LogOp::Get),
    ("head", LogOp::Head),
    ("delete", LogOp::Delete),
    ("copy", LogOp::Copy),
    ("mpu-create", LogOp::MpuCreate),
    ("mpu-part", LogOp::MpuPart),
    ("mpu-complete", LogOp::MpuComplete),
];

/// A CSV log's header: whether it has the `copy_source` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub columns: usize,
}

impl Header {
    /// Checks the header line; `Err` is the message of a fatal error.
    pub fn parse(line: &[u8]) -> Result<Header, String> {
        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        let names: Vec<String> = String::from_utf8_lossy(line)
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        let n = names.len();
        if (n == 6 || n == 7) && names.iter().zip(COLUMNS).all(|(a, b)| a == b) {
            return Ok(Header { columns: n });
        }
        Err(format!(
            "a CSV log's header is time,op,bucket,key,requester,size (and optionally ,copy_source), not \"{}\"",
            quote(line, 120)
        ))
    }

    /// A parser for the lines after this header.
    pub fn lines(self) -> Lines {
        Lines {
            columns: self.columns,
            reader: ::csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(std::io::Cursor::new(Vec::with_capacity(1024))),
            rec: ::csv::StringRecord::new(),
        }
    }
}

/// Parses CSV lines one at a time with one `csv` reader, reset for each line (building a
/// reader per line costs tens of microseconds).
pub struct Lines {
    columns: usize,
    reader: ::csv::Reader<std::io::Cursor<Vec<u8>>>,
    rec: ::csv::StringRecord,
}

impl Lines {
    /// Parses one non-blank line after the header (line number `n`).
    pub fn parse_line(&mut self, n: u64, line: &[u8]) -> Result<Parsed, BadLine> {
        let bad = |reason: String| BadLine::new(n, reason, line);
        let cursor = self.reader.get_mut().get_mut();
        cursor.clear();
        cursor.extend_from_slice(line);
        // Back to the start of the new bytes, with the parser's state reset.
        if let Err(e) = self.reader.seek(::csv::Position::new()) {
            return Err(bad(format!("unreadable CSV: {e}")));
        }
        let rec = &mut self.rec;
        match self.reader.read_record(rec) {
            Ok(true) => {}
            Ok(false) => return Ok(Parsed::Nothing),
            Err(e) if e.is_io_error() => return Err(bad(format!("unreadable CSV: {e}"))),
            Err(_) => return Err(bad("not UTF-8".to_string())),
        }
        if rec.len() != self.columns {
            return Err(bad(format!(
                "{} fields; the header has {}",
                rec.len(),
                self.columns
            )));
        }
        let field = |i: usize| rec.get(i).unwrap_or("").trim();
        let time = field(0);
        let Some((time_ns, fine)) = parse_time(time) else {
            return Err(bad(format!(
                "bad time \"{}\" (expected RFC 3339 such as 2026-11-24T10:00:00.250Z, or Unix seconds)",
                quote(time.as_bytes(), 40)
            )));
        };
        let name = field(1);
        let Some(op) = OPS
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(name))
            .map(|&(_, op)| op)
        else {
            let names: Vec<&str> = OPS.iter().map(|(s, _)| *s).collect();
            return Err(bad(format!(
                "unknown op \"{}\" (one of {})",
                quote(name.as_bytes(), 40),
                names.join(", ")
            )));
        };
        let bucket = field(2);
        if bucket.is_empty() {
            return Err(bad("empty bucket".to_string()));
        }
        let key = rec.get(3).unwrap_or("");
        if key.is_empty() {
            return Err(bad("empty key".to_string()));
        }
        let size = match field(5) {
            "" => None,
            s => match s.parse::<u64>() {
                Ok(v) if !s.starts_with('+') => Some(v),
                _ => {
                    return Err(bad(format!(
                        "bad size \"{}\" (bytes, or empty)",
                        quote(s.as_bytes(), 40)
                    )));
                }
            },
        };
        let copy_source = match field(6) {
            "" => None,
            _ if op != LogOp::Copy => {
                return Err(bad("copy_source is given only for op copy".to_string()));
            }
            s => match s.split_once('/') {
                Some((b, k)) if !b.is_empty() && !k.is_empty() => {
                    Some((b.to_string(), k.to_string()))
                }
                _ => {
                    return Err(bad(format!(
                        "bad copy_source \"{}\" (expected bucket/key)",
                        quote(s.as_bytes(), 40)
                    )));
                }
            },
        };
        Ok(Parsed::Entry(LogEntry {
            time_ns,
            coarse: !fine,
            op,
            bucket: bucket.to_string(),
            key: key.to_string(),
            requester: field(4).to_string(),
            size,
            copy_source,
        }))
    }
}

/// RFC 3339, or Unix seconds as a decimal number; with whether it was finer than a second.
fn parse_time(s: &str) -> Option<(i64, bool)> {
    if s.contains(['-', 'T', 't', ':']) {
        return parse_rfc3339(s);
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    // At most 11 integer digits; the nanoseconds must fit an i64 (to the year 2262), else
    // the line is bad (checked below: a time past that must not wrap into another one).
    if int.is_empty() || int.len() > 11 || !int.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|c| c.is_ascii_digit()) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    let secs: i64 = int.parse().ok()?;
    let kept = &frac[..frac.len().min(9)];
    let ns = if kept.is_empty() {
        0
    } else {
        i64::from(super::digits(kept.as_bytes())?) * 10i64.pow(9 - kept.len() as u32)
    };
    let at = secs.checked_mul(1_000_000_000)?.checked_add(ns)?;
    Some((at, !frac.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds() {
        assert_eq!(
            parse_time("1549047600"),
            Some((1_549_047_600_000_000_000, false))
        );
        assert_eq!(
            parse_time("1549047600.5"),
            Some((1_549_047_600_500_000_000, true))
        );
        assert_eq!(
            parse_time("1549047600.0"),
            Some((1_549_047_600_000_000_000, true))
        );
        assert_eq!(parse_time("9223372036.854775807"), Some((i64::MAX, true)));
        // Past i64 nanoseconds (2262): bad, not wrapped (20242258476.209551616 s used to
        // wrap by exactly 2^64 ns into 1795514402.5 s, a time in 2026).
        for bad in [
            "",
            ".5",
            "1.",
            "-5",
            "1e9",
            "123456789012",
            "12a",
            "9223372036.854775808",
            "20242258476.209551616",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn headers() {
        assert_eq!(
            Header::parse(b"Time,OP,bucket,key,requester,size"),
            Ok(Header { columns: 6 })
        );
        assert_eq!(
            Header::parse(b"time, op, bucket, key, requester, size, copy_source"),
            Ok(Header { columns: 7 })
        );
        assert_eq!(
            Header::parse(b"time,op,bucket,key,size"),
            Err("a CSV log's header is time,op,bucket,key,requester,size (and optionally ,copy_source), not \"time,op,bucket,key,size\"".to_string())
        );
    }
}
