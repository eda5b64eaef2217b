//! Reading the files a user gives bksim (scenarios, calibration profiles, test vectors, shard
//! and result files): only regular files, only up to a size limit per kind, and text only when
//! it is UTF-8, so that `/dev/zero`, a directory, a FIFO or a multi-gigabyte file is refused
//! with a clear message instead of being read until memory runs out. Also the one place that
//! makes text from files safe to print ([`escape_controls`]).

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a file is, with the largest size bksim accepts for it. The limits are far above any
/// file bksim writes or a person writes by hand; a file past one is not what it claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A scenario file (TOML): 4 MiB.
    Scenario,
    /// A crypto calibration profile (JSON): 4 MiB.
    Profile,
    /// A test-vector file (JSON): 64 MiB.
    Vectors,
    /// A shard file of a sharded sweep (JSON): 512 MiB.
    Shard,
    /// A file of a results directory (summary.json, timeseries.csv, .hgrm, run.json): 1 GiB.
    Result,
}

impl InputKind {
    /// The largest accepted size in bytes.
    pub const fn limit(self) -> u64 {
        const MIB: u64 = 1 << 20;
        match self {
            InputKind::Scenario | InputKind::Profile => 4 * MIB,
            InputKind::Vectors => 64 * MIB,
            InputKind::Shard => 512 * MIB,
            InputKind::Result => 1024 * MIB,
        }
    }

    /// What the file is, for messages.
    pub const fn noun(self) -> &'static str {
        match self {
            InputKind::Scenario => "scenario file",
            InputKind::Profile => "calibration profile",
            InputKind::Vectors => "test-vector file",
            InputKind::Shard => "shard file",
            InputKind::Result => "result file",
        }
    }
}

/// Why a file could not be read. Display gives `PATH: reason`.
#[derive(Debug)]
pub enum InputError {
    /// The operating system refused (missing file, no permission...).
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A directory, device, FIFO or socket.
    NotAFile { path: PathBuf, what: &'static str },
    /// Larger than the kind's limit.
    TooLarge {
        path: PathBuf,
        kind: InputKind,
        size: u64,
    },
    /// Not UTF-8 text: the first bad byte's offset, line and column (1-based).
    NotUtf8 {
        path: PathBuf,
        offset: usize,
        line: usize,
        column: usize,
    },
}

impl InputError {
    /// The file concerned.
    pub fn path(&self) -> &Path {
        match self {
            InputError::Io { path, .. }
            | InputError::NotAFile { path, .. }
            | InputError::TooLarge { path, .. }
            | InputError::NotUtf8 { path, .. } => path,
        }
    }

    /// The reason without the path.
    pub fn reason(&self) -> String {
        match self {
            InputError::Io { error, .. } => format!("cannot read: {error}"),
            InputError::NotAFile { what, .. } => format!("is {what}, not a regular file"),
            InputError::TooLarge { kind, size, .. } => format!(
                "is {size} bytes, more than a {} can be ({} bytes)",
                kind.noun(),
                kind.limit()
            ),
            InputError::NotUtf8 {
                offset,
                line,
                column,
                ..
            } => format!(
                "is not UTF-8 text: invalid byte at offset {offset} (line {line}, column {column})"
            ),
        }
    }

    /// The 1-based line of the problem, when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            InputError::NotUtf8 { line, .. } => Some(*line),
            _ => None,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = escape_controls(&self.path().display().to_string());
        match self.line() {
            Some(line) => write!(f, "{path}:{line}: {}", self.reason()),
            None => write!(f, "{path}: {}", self.reason()),
        }
    }
}

impl std::error::Error for InputError {}

/// Reads `path` whole, if it is a regular file (symbolic links followed) no larger than the
/// kind's limit. The limit is enforced on the bytes read too, so a file that grows while it is
/// read is refused as well.
pub fn read_bytes(path: &Path, kind: InputKind) -> Result<Vec<u8>, InputError> {
    let io = |error| InputError::Io {
        path: path.to_path_buf(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(InputError::NotAFile {
            path: path.to_path_buf(),
            what: file_type_name(&meta.file_type()),
        });
    }
    let limit = kind.limit();
    let too_large = |size| InputError::TooLarge {
        path: path.to_path_buf(),
        kind,
        size,
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads `path` as UTF-8 text (see [`read_bytes`]); invalid UTF-8 is reported with the byte
/// offset, line and column of the first bad byte.
pub fn read_text(path: &Path, kind: InputKind) -> Result<String, InputError> {
    let bytes = read_bytes(path, kind)?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        // Characters, not bytes, as the other messages count columns.
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        InputError::NotUtf8 {
            path: path.to_path_buf(),
            offset,
            line,
            column,
        }
    })
}

fn file_type_name(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// `s` with every control character (C0, DEL, C1) written as an escape (`\n`, `\t`, `\r`,
/// `\u{1b}`), so that text taken from a user's file cannot move the cursor, colour the terminal
/// or forge extra lines in a message.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` cut to at most `max` characters, with `…` where it was cut: for quoting a user's value
/// in a one-line message.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// `1234567` -> `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number as a one-line message shows it: in exponent form when it is very small or very
/// large (`1e-300`, not three hundred digits), else as written (`0.5`, `20000`).
pub fn number_text(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Like [`escape_controls`] but keeps line breaks: for messages that are several lines by
/// design (each line's content is still escaped).
pub fn escape_controls_keep_lines(s: &str) -> String {
    s.split('\n')
        .map(escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A writer that escapes control characters (other than line breaks and tabs) in the text
/// written through it, as [`escape_controls`] does: the binary's standard output goes through
/// one, so nothing read from a user's file (a description, a vector file's algorithm, a
/// profile's CPU name, a path) can drive the terminal.
pub struct EscapeControls<W: std::io::Write>(pub W);

impl<W: std::io::Write> std::io::Write for EscapeControls<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(s) if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
                let escaped: String = s
                    .chars()
                    .map(|c| {
                        if c.is_control() && c != '\n' && c != '\t' {
                            c.escape_default().collect()
                        } else {
                            c.to_string()
                        }
                    })
                    .collect();
                self.0.write_all(escaped.as_bytes())?;
            }
            _ => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, "name = \"x\"\n").unwrap();
        assert_eq!(
            read_text(&p, InputKind::Scenario).unwrap(),
            "name = \"x\"\n"
        );
    }

    #[test]
    fn refuses_devices_and_directories() {
        let e = read_bytes(Path::new("/dev/zero"), InputKind::Scenario).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/dev/zero: is a character device, not a regular file"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = read_bytes(dir.path(), InputKind::Shard).unwrap_err();
        assert!(
            e.to_string()
                .ends_with(": is a directory, not a regular file"),
            "{e}"
        );
    }

    #[test]
    fn refuses_files_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.toml");
        let f = std::fs::File::create(&p).unwrap();
        // A sparse file: no disk is used.
        f.set_len(InputKind::Scenario.limit() + 1).unwrap();
        let e = read_bytes(&p, InputKind::Scenario).unwrap_err();
        assert!(
            e.to_string()
                .ends_with(": is 4194305 bytes, more than a scenario file can be (4194304 bytes)"),
            "{e}"
        );
        f.set_len(InputKind::Scenario.limit()).unwrap();
        assert_eq!(read_bytes(&p, InputKind::Scenario).unwrap().len(), 4 << 20);
    }

    #[test]
    fn names_the_first_invalid_utf8_byte() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, b"a = 1\nb = \"\xc3\xa9\xff\"\n").unwrap();
        let e = read_text(&p, InputKind::Scenario).unwrap_err();
        assert_eq!(e.line(), Some(2));
        assert!(
            e.to_string().ends_with(
                "bad.toml:2: is not UTF-8 text: invalid byte at offset 13 (line 2, column 7)"
            ),
            "{e}"
        );
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = read_bytes(Path::new("/nonexistent/x.toml"), InputKind::Scenario).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/x.toml: cannot read: "),
            "{e}"
        );
    }

    #[test]
    fn the_escaping_writer_keeps_lines_and_escapes_the_rest() {
        use std::io::Write;
        let mut w = EscapeControls(Vec::new());
        write!(w, "a\tb\nc\u{1b}[2Jd\r\u{9b}é").unwrap();
        assert_eq!(
            String::from_utf8(w.0).unwrap(),
            "a\tb\nc\\u{1b}[2Jd\\r\\u{9b}é"
        );
    }

    #[test]
    fn clips_long_values() {
        assert_eq!(clip("short", 5), "short");
        assert_eq!(clip("abcdef", 5), "abcde…");
        assert_eq!(clip("ééééé", 2), "éé…");
    }

    #[test]
    fn escapes_control_characters() {
        assert_eq!(escape_controls("plain é"), "plain é");
        assert_eq!(
            escape_controls("a\nb\u{1b}[31mred\u{7f}\u{85}"),
            "a\\nb\\u{1b}[31mred\\u{7f}\\u{85}"
        );
        assert_eq!(
            escape_controls_keep_lines("one\u{1b}\ntwo\r"),
            "one\\u{1b}\ntwo\\r"
        );
    }
}
