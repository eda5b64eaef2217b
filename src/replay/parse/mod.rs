//! Reading one log file: gzip or plain, its format detected (or checked), each line or record
//! parsed into a [`Parsed`] by the format's parser ([`access_log`], [`cloudtrail`], [`csv`]).
//!
//! Line formats stream through a bounded line buffer ([`LINE_CAP`]); only a CloudTrail
//! `{"Records": [...]}` document is read whole, up to [`DOCUMENT_CAP`]. Gzip is recognised by
//! its magic bytes, whatever the file's name, and its decompressed size is capped
//! ([`GZIP_CAP`]) so that a small gzip bomb cannot run for hours.

pub mod access_log;
pub mod cloudtrail;
pub mod csv;
pub mod detect;

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::input::{clip, escape_controls};

use super::entry::{Format, FormatChoice, Parsed};

/// The longest line read (64 KiB): a longer one is a [`BadLine`], skipped without being held
/// in memory.
pub const LINE_CAP: usize = 64 * 1024;
/// The most bytes a gzip file may decompress to (16 GiB); past it the file is refused.
pub const GZIP_CAP: u64 = 16 << 30;
/// The largest CloudTrail `{"Records": [...]}` document (512 MiB, after decompression):
/// such a document is parsed whole. AWS delivers files of a few MB.
pub const DOCUMENT_CAP: u64 = 512 << 20;
/// How many characters of a bad line [`BadLine::text`] keeps.
const TEXT_CLIP: usize = 200;

/// A log file bksim cannot read at all (exit 2). Display: `PATH:LINE: msg` or `PATH: msg`,
/// the path escaped with [`escape_controls`]; text quoted from the file in `msg` is escaped
/// where the message is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogError {
    pub path: PathBuf,
    pub line: Option<u64>,
    pub msg: String,
}

impl LogError {
    pub fn new(path: &Path, line: Option<u64>, msg: impl Into<String>) -> LogError {
        LogError {
            path: path.to_path_buf(),
            line,
            msg: msg.into(),
        }
    }
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = escape_controls(&self.path.display().to_string());
        match self.line {
            Some(line) => write!(f, "{path}:{line}: {}", self.msg),
            None => write!(f, "{path}: {}", self.msg),
        }
    }
}

impl std::error::Error for LogError {}

/// A line (or CloudTrail record) that is not valid: counted and reported, not fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number (a record's 1-based index in a `Records` document).
    pub line: u64,
    /// Why, in a few words (`bad time "06/Feb/2019:00:00:38"`).
    pub reason: String,
    /// The line, clipped to 200 characters, control characters escaped.
    pub text: String,
}

impl BadLine {
    /// A bad line quoting `text` (clipped and escaped here).
    pub fn new(line: u64, reason: impl Into<String>, text: &[u8]) -> BadLine {
        BadLine {
            line,
            reason: reason.into(),
            text: quote(text, TEXT_CLIP),
        }
    }
}

/// `bytes` as text fit for a message: lossy UTF-8, clipped to `max` characters, control
/// characters escaped.
pub(crate) fn quote(bytes: &[u8], max: usize) -> String {
    let head = &bytes[..bytes.len().min(max * 4)];
    escape_controls(&clip(&String::from_utf8_lossy(head), max))
}

/// Reads one log file (gzip recognised by its magic bytes `1f 8b`, whatever its name; plain
/// otherwise), detects its format from its first non-blank line (or checks that it is the one
/// asked for), and calls `f` for every line (access log, CSV, CloudTrail JSON Lines) or record
/// (CloudTrail `{"Records": [...]}` document, whose [`BadLine::line`] is the record's 1-based
/// index in the array, not a line number) in file order. Blank lines and the CSV header give
/// [`Parsed::Nothing`] (blank lines before the first content line give no call). Returns the
/// format read; an empty or blank-only file makes no call and returns the format asked for
/// (`s3-access-log` under `Auto`).
///
/// Fatal ([`LogError`]): not a regular file (a FIFO, a device, a directory: refused before
/// opening); the file cannot be opened or read; invalid or truncated gzip; not a
/// log of any known format, or not the format asked for (the message says what it looks like
/// and suggests `--format`); more than [`GZIP_CAP`] bytes once decompressed; a `Records`
/// document over [`DOCUMENT_CAP`] or not valid JSON. A line that is not valid (wrong field
/// count, bad time or number, not UTF-8, longer than [`LINE_CAP`]) is passed to `f` as
/// `Err(BadLine)`.
pub fn read_file(
    path: &Path,
    choice: FormatChoice,
    f: &mut dyn FnMut(Result<Parsed, BadLine>),
) -> Result<Format, LogError> {
    read_file_capped(path, choice, f, GZIP_CAP)
}

/// [`read_file`] with the gzip cap as a parameter (tests use a small one).
fn read_file_capped(
    path: &Path,
    choice: FormatChoice,
    f: &mut dyn FnMut(Result<Parsed, BadLine>),
    gzip_cap: u64,
) -> Result<Format, LogError> {
    // Opening a FIFO would wait for a writer, and a device may never end.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(LogError::new(path, None, "not a regular file"));
        }
        _ => {}
    }
    let file = std::fs::File::open(path)
        .map_err(|e| LogError::new(path, None, format!("cannot open: {}", io_reason(&e))))?;
    let mut raw = BufReader::with_capacity(64 * 1024, file);
    let magic = raw
        .fill_buf()
        .map_err(|e| LogError::new(path, None, format!("cannot read: {}", io_reason(&e))))?;
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    let mut src = Source {
        path,
        gzip,
        gzip_cap,
        line: 0,
        reader: if gzip {
            let decoder = flate2::bufread::MultiGzDecoder::new(raw);
            let capped = Capped {
                inner: decoder,
                left: gzip_cap,
            };
            Box::new(BufReader::with_capacity(64 * 1024, capped)) as Box<dyn BufRead>
        } else {
            Box::new(raw)
        },
    };
    detect::read_detected(&mut src, choice, f)
}

/// The decompressed (or plain) bytes of one file, read line by line.
pub(crate) struct Source<'a> {
    pub path: &'a Path,
    pub gzip: bool,
    /// The decompressed size past which a gzip file is refused.
    pub gzip_cap: u64,
    /// The number of the last line read (1-based; 0 before the first).
    pub line: u64,
    pub reader: Box<dyn BufRead + 'a>,
}

/// What [`Source::next_line`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    /// The end of the file.
    Eof,
    /// A whole line is in the buffer, without its `\n` or `\r\n`.
    Whole,
    /// The line is longer than the cap: the buffer holds its first `cap` bytes and the rest of
    /// the line is still unread ([`Source::skip_line`]).
    TooLong,
}

impl Source<'_> {
    /// Reads the next line into `buf` (cleared first), at most `cap` bytes of it.
    pub fn next_line(&mut self, buf: &mut Vec<u8>, cap: usize) -> Result<Line, LogError> {
        buf.clear();
        let mut any = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(&e)),
            };
            if chunk.is_empty() {
                if !any {
                    return Ok(Line::Eof);
                }
                self.line += 1;
                return Ok(Line::Whole);
            }
            any = true;
            let room = cap - buf.len();
            match find_byte(b'\n', chunk) {
                Some(i) if i <= room => {
                    buf.extend_from_slice(&chunk[..i]);
                    self.reader.consume(i + 1);
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                    self.line += 1;
                    return Ok(Line::Whole);
                }
                _ => {
                    let take = chunk.len().min(room);
                    buf.extend_from_slice(&chunk[..take]);
                    self.reader.consume(take);
                    if buf.len() == cap {
                        // The line ends here exactly when a newline (or the end) follows.
                        let next = match self.reader.fill_buf() {
                            Ok(c) => c.first().copied(),
                            Err(e) => return Err(self.read_error(&e)),
                        };
                        self.line += 1;
                        return Ok(match next {
                            None => Line::Whole,
                            Some(b'\n') => {
                                self.reader.consume(1);
                                Line::Whole
                            }
                            Some(_) => Line::TooLong,
                        });
                    }
                }
            }
        }
    }

    /// Skips the rest of the current line (after [`Line::TooLong`]).
    pub fn skip_line(&mut self) -> Result<(), LogError> {
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(&e)),
            };
            if chunk.is_empty() {
                return Ok(());
            }
            match find_byte(b'\n', chunk) {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return Ok(());
                }
                None => {
                    let n = chunk.len();
                    self.reader.consume(n);
                }
            }
        }
    }

    /// Appends the rest of the file to `buf`, refusing a total over `cap` bytes.
    pub fn read_rest(&mut self, buf: &mut Vec<u8>, cap: u64, what: &str) -> Result<(), LogError> {
        let room = cap.saturating_sub(buf.len() as u64);
        let mut limited = (&mut self.reader).take(room + 1);
        if let Err(e) = limited.read_to_end(buf) {
            return Err(self.read_error(&e));
        }
        if buf.len() as u64 > cap {
            return Err(LogError::new(
                self.path,
                None,
                format!(
                    "{what} is larger than {}; bksim reads up to that",
                    size_text(cap)
                ),
            ));
        }
        Ok(())
    }

    fn read_error(&self, e: &io::Error) -> LogError {
        let line = Some(self.line + 1);
        if e.kind() == io::ErrorKind::Other && e.to_string() == CAPPED {
            return LogError::new(
                self.path,
                None,
                format!(
                    "decompresses to more than {}; bksim reads gzip files up to that (split the log)",
                    size_text(self.gzip_cap)
                ),
            );
        }
        if self.gzip {
            LogError::new(
                self.path,
                line,
                format!("invalid or truncated gzip data: {}", io_reason(e)),
            )
        } else {
            LogError::new(self.path, line, format!("cannot read: {}", io_reason(e)))
        }
    }
}

/// `16 GiB`, `512 MiB`, `4096 bytes`.
fn size_text(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

const CAPPED: &str = "bksim: decompressed size limit reached";

/// A reader that fails once more than `left` bytes have come through it.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(io::Error::other(CAPPED));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// An I/O error in words, without the "(os error 2)" suffix.
fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::UnexpectedEof => "unexpected end of file".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// The position of the first `needle` in `hay`, eight bytes at a time (the zero-byte trick
/// on `u64` words): newline search is most of the time spent on a long access-log line.
#[inline]
pub(crate) fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let rep = LO * u64::from(needle);
    let mut i = 0;
    while i + 8 <= hay.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&hay[i..i + 8]);
        let w = u64::from_le_bytes(word) ^ rep;
        let z = w.wrapping_sub(LO) & !w & HI;
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    hay[i..].iter().position(|&b| b == needle).map(|p| i + p)
}

pub(crate) use super::civil::{days_from_civil, valid_date};

/// Parses exactly `n` ASCII digits.
pub(crate) fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// An RFC 3339 time (`2026-11-24T10:00:00.250Z`, `...+01:00`; `T` or a space, fraction
/// optional, up to nanoseconds, more digits cut) as (nanoseconds since the epoch, whether it
/// had a fractional part).
pub(crate) fn parse_rfc3339(s: &str) -> Option<(i64, bool)> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, sec) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !valid_date(i64::from(y), mo, d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut frac_ns = 0i64;
    let mut fine = false;
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let kept = &rest[1..1 + n.min(9)];
        frac_ns = i64::from(digits(kept)?) * 10i64.pow(9 - kept.len() as u32);
        fine = true;
        rest = &rest[1 + n..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), hh @ .., b':', m1, m2] if hh.len() == 2 => {
            let oh = i64::from(digits(hh)?);
            let om = i64::from(digits(&[*m1, *m2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = (oh * 60 + om) * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    let secs = days_from_civil(i64::from(y), mo, d) * 86_400
        + i64::from(h) * 3600
        + i64::from(mi) * 60
        + i64::from(sec)
        - offset;
    Some((secs.checked_mul(1_000_000_000)?.checked_add(frac_ns)?, fine))
}

/// `%XX` sequences decoded (a `%` not followed by two hex digits is kept as is; `+` is kept:
/// S3 writes a space as `%20`). `None` when the result is not UTF-8.
pub(crate) fn url_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|v| v as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        // 2019-02-01T19:00:00Z = 1549047600 s.
        assert_eq!(
            parse_rfc3339("2019-02-01T19:00:00Z"),
            Some((1_549_047_600_000_000_000, false))
        );
        assert_eq!(
            parse_rfc3339("2019-02-01T19:00:00.25Z"),
            Some((1_549_047_600_250_000_000, true))
        );
        assert_eq!(
            parse_rfc3339("2019-02-01T20:30:00+01:30"),
            Some((1_549_047_600_000_000_000, false))
        );
        assert_eq!(
            parse_rfc3339("2019-02-01T19:00:00.1234567891Z"),
            Some((1_549_047_600_123_456_789, true))
        );
        for bad in [
            "2019-02-30T19:00:00Z",
            "2019-02-01T19:00:00",
            "2019-02-01T24:00:00Z",
            "2019-02-01T19:00:00.Z",
            "2019-02-01",
            "2019-02-01T19:00:00+0100",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn find_byte_matches_position() {
        let hay = b"abc def\nghijklmnopqrstuvw xyz\n0123456789";
        for needle in [b'a', b' ', b'\n', b'9', b'z', b'!', 0x80] {
            for start in 0..hay.len() {
                let h = &hay[start..];
                assert_eq!(find_byte(needle, h), h.iter().position(|&b| b == needle));
            }
        }
        assert_eq!(
            find_byte(0xff, b"\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xff"),
            Some(8)
        );
    }

    #[test]
    fn url_decoding() {
        assert_eq!(url_decode("a%20b%2Bc+d").as_deref(), Some("a b+c+d"));
        assert_eq!(url_decode("caf%C3%A9").as_deref(), Some("café"));
        assert_eq!(url_decode("100%").as_deref(), Some("100%"));
        assert_eq!(url_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(url_decode("%FF"), None);
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_cap() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let line = "o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - ID REST.GET.OBJECT k \"GET /b/k\" 200 - 5 5\n";
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(line.repeat(100_000).as_bytes()).unwrap();
        let p = dir.path().join("bomb.gz");
        std::fs::write(&p, e.finish().unwrap()).unwrap();
        let mut lines = 0u64;
        let err =
            read_file_capped(&p, FormatChoice::Auto, &mut |_| lines += 1, 1 << 20).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: decompresses to more than 1 MiB; bksim reads gzip files up to that (split the log)",
                p.display()
            )
        );
        // The lines before the cap were read (the last buffer may have held part of one more).
        let per = line.len() as u64;
        assert!(
            lines <= (1 << 20) / per && lines + 1024 >= (1 << 20) / per,
            "{lines}"
        );
        // The same file under the real cap reads whole.
        let mut all = 0u64;
        read_file(&p, FormatChoice::Auto, &mut |_| all += 1).unwrap();
        assert_eq!(all, 100_000);
    }

    #[test]
    fn a_fifo_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&p)
                .status()
                .unwrap()
                .success()
        );
        let err = read_file(&p, FormatChoice::Auto, &mut |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: not a regular file", p.display())
        );
    }

    #[test]
    fn log_error_display() {
        let e = LogError::new(Path::new("a\nb.log"), Some(3), "bad");
        assert_eq!(e.to_string(), "a\\nb.log:3: bad");
        let e = LogError::new(Path::new("x.log"), None, "bad");
        assert_eq!(e.to_string(), "x.log: bad");
    }
}
