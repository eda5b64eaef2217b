//! Which format a log file is, from its first non-blank line, and the loop that feeds every
//! following line (or the whole `Records` document) to that format's parser.

use super::{BadLine, DOCUMENT_CAP, LINE_CAP, Line, LogError, Source, quote};
use crate::replay::entry::{Format, FormatChoice, Parsed};

/// What the first non-blank line looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"Records": [` (or a `{` alone: a pretty-printed document).
    RecordsDocument,
    /// A JSON object on one line: a CloudTrail JSON Lines export.
    JsonLines,
    /// A `time,op,...` header.
    Csv,
    /// Two tokens then `[dd/Mon/yyyy:`.
    AccessLog,
}

impl Shape {
    pub fn format(self) -> Format {
        match self {
            Shape::RecordsDocument | Shape::JsonLines => Format::CloudTrail,
            Shape::Csv => Format::Csv,
            Shape::AccessLog => Format::S3AccessLog,
        }
    }
}

/// The shape of a first non-blank line (or its first [`LINE_CAP`] bytes).
pub fn shape(line: &[u8]) -> Option<Shape> {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let line = trim_start(line);
    if let Some(rest) = line.strip_prefix(b"{") {
        let rest = trim_start(rest);
        if rest.is_empty() || rest.starts_with(b"\"Records\"") {
            return Some(Shape::RecordsDocument);
        }
        return Some(Shape::JsonLines);
    }
    if line.len() >= 8 && line[..8].eq_ignore_ascii_case(b"time,op,") {
        return Some(Shape::Csv);
    }
    // owner SP bucket SP [06/Feb/2019:
    let mut parts = line.splitn(3, |&b| b == b' ');
    let (Some(a), Some(b), Some(t)) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let t = t.get(..13)?;
    let access = !a.is_empty()
        && !b.is_empty()
        && t[0] == b'['
        && t[1..3].iter().all(u8::is_ascii_digit)
        && t[3] == b'/'
        && t[4..7].iter().all(u8::is_ascii_alphabetic)
        && t[7] == b'/'
        && t[8..12].iter().all(u8::is_ascii_digit)
        && t[12] == b':';
    access.then_some(Shape::AccessLog)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// What to show of a first line that is not a log: its start, or that it is not text.
fn describe_start(line_no: u64, line: &[u8]) -> String {
    let head = &line[..line.len().min(160)];
    let text = match std::str::from_utf8(head) {
        Ok(s) => Some(s),
        // A character cut by the 160-byte window is still text.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    match text {
        Some(s) if !s.chars().any(|c| c.is_control() && c != '\t') => {
            format!("line {line_no} starts with \"{}\"", quote(s.as_bytes(), 40))
        }
        _ => format!("line {line_no} is not text (binary data, or not UTF-8)"),
    }
}

/// How a line of `format` starts, for "not a ... file" messages.
fn expected(format: Format) -> &'static str {
    match format {
        Format::S3AccessLog => {
            "an S3 access log line starts with the bucket owner, the bucket and a time such as [06/Feb/2019:00:00:38 +0000]"
        }
        Format::CloudTrail => {
            "a CloudTrail file starts with {\"Records\": [ or is JSON Lines, one event object per line"
        }
        Format::Csv => "a CSV log starts with the header time,op,bucket,key,requester,size",
    }
}

/// [`super::read_file`] after the file is opened: detection, then the parse loop.
pub(crate) fn read_detected(
    src: &mut Source<'_>,
    choice: FormatChoice,
    f: &mut dyn FnMut(Result<Parsed, BadLine>),
) -> Result<Format, LogError> {
    let mut buf = Vec::with_capacity(4096);
    let first = loop {
        match src.next_line(&mut buf, LINE_CAP)? {
            // Empty or blank only: nothing to replay, not an error.
            Line::Eof => {
                return Ok(match choice {
                    FormatChoice::Only(format) => format,
                    FormatChoice::Auto => Format::S3AccessLog,
                });
            }
            Line::Whole if buf.iter().all(u8::is_ascii_whitespace) => continue,
            l => break l,
        }
    };
    let line_no = src.line;
    let found = shape(&buf);
    let shape = match (choice, found) {
        (FormatChoice::Auto, Some(s)) => s,
        (FormatChoice::Only(want), Some(s)) if s.format() == want => s,
        (FormatChoice::Auto, None) => {
            return Err(LogError::new(
                src.path,
                None,
                format!(
                    "not a log bksim reads (S3 access log, CloudTrail, CSV): {}",
                    describe_start(line_no, &buf)
                ),
            ));
        }
        (FormatChoice::Only(want), Some(s)) => {
            let got = s.format();
            return Err(LogError::new(
                src.path,
                None,
                format!(
                    "not a {want} file: it looks like {got} ({}); use --format {got} or --format auto",
                    describe_start(line_no, &buf)
                ),
            ));
        }
        (FormatChoice::Only(want), None) => {
            return Err(LogError::new(
                src.path,
                None,
                format!(
                    "not a {want} file: {} ({})",
                    describe_start(line_no, &buf),
                    expected(want)
                ),
            ));
        }
    };
    match shape {
        Shape::RecordsDocument => {
            if first == Line::Whole {
                buf.push(b'\n');
            }
            src.read_rest(&mut buf, DOCUMENT_CAP, "the CloudTrail document")?;
            super::cloudtrail::read_document(src.path, line_no - 1, &buf, f)?;
        }
        Shape::JsonLines => line_loop(src, &mut buf, first, f, super::cloudtrail::parse_line)?,
        Shape::AccessLog => line_loop(src, &mut buf, first, f, super::access_log::parse_line)?,
        Shape::Csv => {
            let header = super::csv::Header::parse(&buf)
                .map_err(|msg| LogError::new(src.path, Some(line_no), msg))?;
            f(Ok(Parsed::Nothing));
            let next = src.next_line(&mut buf, LINE_CAP)?;
            line_loop(src, &mut buf, next, f, |n, l| header.parse_line(n, l))?;
        }
    }
    Ok(shape.format())
}

/// Feeds the line in `buf` (read as `first`) and every following line to `parse`.
fn line_loop(
    src: &mut Source<'_>,
    buf: &mut Vec<u8>,
    first: Line,
    f: &mut dyn FnMut(Result<Parsed, BadLine>),
    parse: impl Fn(u64, &[u8]) -> Result<Parsed, BadLine>,
) -> Result<(), LogError> {
    let mut read = first;
    loop {
        match read {
            Line::Eof => return Ok(()),
            Line::TooLong => {
                f(Err(BadLine::new(
                    src.line,
                    format!("longer than {} KiB", LINE_CAP >> 10),
                    buf,
                )));
                src.skip_line()?;
            }
            Line::Whole => {
                if buf.iter().all(u8::is_ascii_whitespace) {
                    f(Ok(Parsed::Nothing));
                } else {
                    f(parse(src.line, buf));
                }
            }
        }
        read = src.next_line(buf, LINE_CAP)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape(b"{\"Records\":[{"), Some(Shape::RecordsDocument));
        assert_eq!(shape(b"  {  "), Some(Shape::RecordsDocument));
        assert_eq!(
            shape(b"{\"eventVersion\":\"1.08\"}"),
            Some(Shape::JsonLines)
        );
        assert_eq!(shape(b"TIME,Op,bucket"), Some(Shape::Csv));
        assert_eq!(shape(b"\xEF\xBB\xBFtime,op,bucket"), Some(Shape::Csv));
        assert_eq!(
            shape(b"79a5 bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3"),
            Some(Shape::AccessLog)
        );
        assert_eq!(shape(b"79a5 bucket1 06/Feb/2019:00:00:38"), None);
        assert_eq!(shape(b"time,bucket,op"), None);
        assert_eq!(shape(b""), None);
    }

    #[test]
    fn start_descriptions() {
        assert_eq!(
            describe_start(2, b"hello\tworld"),
            "line 2 starts with \"hello\\tworld\""
        );
        assert_eq!(
            describe_start(1, b"\x00\x01\x02"),
            "line 1 is not text (binary data, or not UTF-8)"
        );
        assert_eq!(
            describe_start(1, b"\xff\xfe"),
            "line 1 is not text (binary data, or not UTF-8)"
        );
    }
}
