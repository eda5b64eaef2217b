//! S3 server access log lines: space-delimited fields, `"quoted"` fields that may hold spaces,
//! a `[bracketed]` time, `-` for empty values; split by hand on bytes for speed.
//!
//! Field list and the copy operation's second record (`REST.COPY.OBJECT_GET`, logged in the
//! source bucket's log): <https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html>.
//! Fields, 0-based: 0 bucket owner, 1 bucket, 2 time, 3 remote IP, 4 requester, 5 request ID,
//! 6 operation, 7 key (URL-encoded), 8 "Request-URI", 9 HTTP status, 10 error code,
//! 11 bytes sent, 12 object size, then total time, turn-around time, "referer", "user-agent",
//! version id, host id, signature version, cipher suite, authentication type, host header,
//! TLS version, access point ARN, ACL required, ... AWS appends fields over time: everything
//! after field 12 is ignored, so any number of trailing fields is accepted. A line needs at
//! least the first 10 fields (through the HTTP status, which says whether the request
//! succeeded); bytes sent and object size are read when present.

use super::{BadLine, days_from_civil, find_byte, url_decode};
use crate::replay::entry::{LogEntry, LogOp, Parsed};

/// The fields read; later ones are not split.
const READ: usize = 13;
/// The fewest fields a line may have: through the HTTP status.
const MIN_FIELDS: usize = 10;

/// Parses one non-blank line (line number `n`). Only the fields read must be UTF-8.
pub fn parse_line(n: u64, line: &[u8]) -> Result<Parsed, BadLine> {
    let bad = |reason: String| BadLine::new(n, reason, line);
    let mut fields: [&[u8]; READ] = [b""; READ];
    let count = split(line, &mut fields).map_err(|e| bad(e.to_string()))?;
    if count < MIN_FIELDS {
        return Err(bad(format!(
            "{count} fields; an S3 access log line has at least {MIN_FIELDS} (through the HTTP status)"
        )));
    }
    let text = |i: usize| std::str::from_utf8(fields[i]).map_err(|_| bad("not UTF-8".to_string()));
    let time = fields[2];
    let Some(time_ns) = parse_time(time) else {
        return Err(bad(format!(
            "bad time \"{}\" (expected [06/Feb/2019:00:00:38 +0000])",
            super::quote(time, 40)
        )));
    };
    let status = fields[9];
    let Some(status) = (status.len() == 3).then(|| super::digits(status)).flatten() else {
        return Err(bad(format!(
            "bad HTTP status \"{}\"",
            super::quote(status, 40)
        )));
    };
    let op = match fields[6] {
        b"REST.PUT.OBJECT" => LogOp::Put,
        b"REST.POST.UPLOADS" => LogOp::MpuCreate,
        b"REST.PUT.PART" => LogOp::MpuPart,
        b"REST.POST.UPLOAD" => LogOp::MpuComplete,
        b"REST.GET.OBJECT" => LogOp::Get,
        b"REST.HEAD.OBJECT" => LogOp::Head,
        b"REST.COPY.OBJECT" => LogOp::Copy,
        b"REST.COPY.OBJECT_GET" => LogOp::CopySource,
        b"REST.DELETE.OBJECT" => LogOp::Delete,
        _ => return Ok(Parsed::Skipped(text(6)?.to_string())),
    };
    // 3xx (304 Not Modified, redirects) served no object data either.
    if status >= 300 {
        return Ok(Parsed::Skipped(format!("{} {status}", text(6)?)));
    }
    let bucket = text(1)?;
    if bucket == "-" {
        return Err(bad("no bucket".to_string()));
    }
    let key = text(7)?;
    if key == "-" || key.is_empty() {
        return Err(bad(format!("{} without a key", text(6)?)));
    }
    let Some(key) = url_decode(key) else {
        return Err(bad("the key is not UTF-8 once URL-decoded".to_string()));
    };
    let number = |i: usize, what: &str| -> Result<Option<u64>, BadLine> {
        let v = fields[i];
        if i >= count || v == b"-" {
            return Ok(None);
        }
        match (v.len() <= 19).then(|| parse_u64(v)).flatten() {
            Some(x) => Ok(Some(x)),
            None => Err(bad(format!("bad {what} \"{}\"", super::quote(v, 40)))),
        }
    };
    let bytes_sent = number(11, "bytes sent")?;
    let object_size = number(12, "object size")?;
    let size = match op {
        LogOp::Put | LogOp::MpuPart | LogOp::MpuComplete | LogOp::Copy => object_size,
        LogOp::Get | LogOp::CopySource => bytes_sent.or(object_size),
        LogOp::MpuCreate | LogOp::Head | LogOp::Delete => None,
    };
    Ok(Parsed::Entry(LogEntry {
        time_ns,
        coarse: true,
        op,
        bucket: bucket.to_string(),
        key,
        requester: text(4)?.to_string(),
        size,
        copy_source: None,
    }))
}

/// Up to 19 ASCII digits (no sign).
fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0u64, |v, &c| {
        c.is_ascii_digit().then(|| v * 10 + u64::from(c - b'0'))
    })
}

/// Splits the first [`READ`] fields of `b` into `out` (quotes and brackets removed); returns
/// how many there were.
fn split<'a>(b: &'a [u8], out: &mut [&'a [u8]; READ]) -> Result<usize, &'static str> {
    let mut i = 0;
    let mut count = 0;
    while count < READ {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let (start, end, next) = match b[i] {
            b'"' => {
                // A quoted field ends at a quote followed by a space or the end of the line
                // (a user agent may hold a quote of its own).
                let mut j = i + 1;
                loop {
                    match find_byte(b'"', &b[j..]) {
                        None => return Err("a quoted field is not closed"),
                        Some(p) => {
                            j += p;
                            if j + 1 == b.len() || b[j + 1] == b' ' {
                                break;
                            }
                            j += 1;
                        }
                    }
                }
                (i + 1, j, j + 1)
            }
            b'[' => match find_byte(b']', &b[i..]) {
                None => return Err("a [bracketed] field is not closed"),
                Some(p) => (i + 1, i + p, i + p + 1),
            },
            _ => {
                let end = find_byte(b' ', &b[i..]).map_or(b.len(), |p| i + p);
                (i, end, end)
            }
        };
        out[count] = &b[start..end];
        count += 1;
        i = next;
    }
    Ok(count)
}

/// `06/Feb/2019:00:00:38 +0000` (strftime `%d/%b/%Y:%H:%M:%S %z`) as nanoseconds since the
/// Unix epoch, the offset honoured.
pub fn parse_time(b: &[u8]) -> Option<i64> {
    if b.len() != 26
        || b[2] != b'/'
        || b[6] != b'/'
        || b[11] != b':'
        || b[14] != b':'
        || b[17] != b':'
        || b[20] != b' '
    {
        return None;
    }
    let d2 = |i: usize| super::digits(&b[i..i + 2]);
    let day = d2(0)?;
    let month = match &b[3..6] {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    let year = i64::from(super::digits(&b[7..11])?);
    let (h, m, s) = (d2(12)?, d2(15)?, d2(18)?);
    if !super::valid_date(year, month, day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (oh, om) = (i64::from(d2(22)?), i64::from(d2(24)?));
    if oh > 23 || om > 59 {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400
        + i64::from(h) * 3600
        + i64::from(m) * 60
        + i64::from(s)
        - sign * (oh * 3600 + om * 60);
    // A time past i64 nanoseconds (the year 2262) is a bad line, not a wrapped time.
    secs.checked_mul(1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_offsets() {
        // 2019-02-06T00:00:38Z = 17933 days * 86400 + 38 s.
        let utc = (17_933 * 86_400 + 38) * 1_000_000_000;
        assert_eq!(parse_time(b"06/Feb/2019:00:00:38 +0000"), Some(utc));
        assert_eq!(parse_time(b"06/Feb/2019:01:30:38 +0130"), Some(utc));
        assert_eq!(parse_time(b"05/Feb/2019:19:00:38 -0500"), Some(utc));
        // The last second i64 nanoseconds hold: 2262-04-11T23:47:16Z.
        assert_eq!(
            parse_time(b"11/Apr/2262:23:47:16 +0000"),
            Some(9_223_372_036 * 1_000_000_000)
        );
        for bad in [
            "06/Feb/2019:00:00:38",
            "06/feb/2019:00:00:38 +0000",
            "29/Feb/2019:00:00:38 +0000",
            "06/Feb/2019:24:00:38 +0000",
            "06/Feb/2019:00:00:38 0000+",
            "6/Feb/2019:00:00:38 +00000",
            // Past i64 nanoseconds (2262): bad, not wrapped into 2026 (it was).
            "15/Jun/2611:09:34:36 +0000",
        ] {
            assert_eq!(parse_time(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn split_quotes_brackets_and_dashes() {
        let mut f: [&[u8]; READ] = [b""; READ];
        let line = br#"o b [06/Feb/2019:00:00:38 +0000] 1.2.3.4 - ID REST.GET.OBJECT k "GET /b/k HTTP/1.1" 200 - 5 "#;
        assert_eq!(split(line, &mut f), Ok(12));
        assert_eq!(f[2], b"06/Feb/2019:00:00:38 +0000");
        assert_eq!(f[8], b"GET /b/k HTTP/1.1");
        assert_eq!(f[11], b"5");
        assert_eq!(split(br#"a "ua "x"/1.0" "-" c"#, &mut f), Ok(4));
        assert_eq!(
            (f[1], f[2], f[3]),
            (&br#"ua "x"/1.0"#[..], &b"-"[..], &b"c"[..])
        );
        assert_eq!(
            split(br#"a "open"#, &mut f),
            Err("a quoted field is not closed")
        );
        assert_eq!(
            split(b"a [open", &mut f),
            Err("a [bracketed] field is not closed")
        );
    }
}
