//! The files that `bksim replay LOG...` arguments name: files as given, directories walked.

use std::path::{Path, PathBuf};

use super::parse::LogError;

/// The files LOG arguments name, in order: a file as given; a directory's regular files,
/// recursively, sorted by path (entries whose name starts with `.` skipped, and so are
/// FIFOs, sockets and devices inside a directory, and symbolic links to directories, so that
/// a link loop cannot make the walk endless; a link to a file is followed). A missing path,
/// a directory with no file, or a non-regular file (FIFO, device) named directly is a
/// [`LogError`].
pub fn list_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, LogError> {
    let mut out = Vec::new();
    for arg in args {
        let meta = std::fs::metadata(arg).map_err(|e| io_error(arg, &e))?;
        if meta.is_file() {
            out.push(arg.clone());
        } else if meta.is_dir() {
            let mut found = Vec::new();
            walk(arg, &mut found)?;
            if found.is_empty() {
                return Err(LogError::new(
                    arg,
                    None,
                    "a directory with no log file in it",
                ));
            }
            found.sort();
            out.extend(found);
        } else {
            return Err(LogError::new(
                arg,
                None,
                format!("{}, not a log file or a directory", what(&meta.file_type())),
            ));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LogError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, &e))?;
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = entry.path();
        let t = entry.file_type().map_err(|e| io_error(&path, &e))?;
        if t.is_dir() {
            walk(&path, out)?;
        } else if t.is_file() {
            out.push(path);
        } else if t.is_symlink() {
            // A link to a file is read; a dangling link or a link to anything else is passed
            // over, like a FIFO in a directory.
            if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                out.push(path);
            }
        }
    }
    Ok(())
}

fn io_error(path: &Path, e: &std::io::Error) -> LogError {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    LogError::new(path, None, reason)
}

fn what(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}
