//! Atomic file writes: the bytes go to a temporary file in the target's directory, are
//! flushed to disk, and the temporary file is renamed over the target. A reader (or a run
//! interrupted half-way) sees either the old file or the complete new one, never a part.
//!
//! The temporary file is named `.<name>.bksim-tmp-<pid>-<n>`, so that the next bksim writing
//! there can remove the leftover of a killed process ([`crate::outdir::remove_stale_temps`]).
//! It is created with the process's default permissions (umask applies), so
//! results get the same mode as any other file the user creates; it is removed if anything
//! fails before the rename.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writing results failed. The message names the path and the operating system's error.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create directory {}: {error}", path.display())]
    CreateDir { path: PathBuf, error: io::Error },
    #[error("cannot write {}: {error}", path.display())]
    Write { path: PathBuf, error: io::Error },
}

impl WriteError {
    /// The file or directory that could not be written.
    pub fn path(&self) -> &Path {
        match self {
            WriteError::CreateDir { path, .. } | WriteError::Write { path, .. } => path,
        }
    }

    /// The operating system's error.
    pub fn io_error(&self) -> &io::Error {
        match self {
            WriteError::CreateDir { error, .. } | WriteError::Write { error, .. } => error,
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, fsync, rename),
/// replacing `path` if it exists. The directory must exist. Errors name `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let write_err = |error: io::Error| WriteError::Write {
        path: path.to_path_buf(),
        error,
    };
    let file_name = path.file_name().ok_or_else(|| {
        write_err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };

    let (mut file, tmp) = create_temp(dir, &file_name.to_string_lossy()).map_err(write_err)?;
    let guard = RemoveOnDrop(Some(tmp));
    let tmp = guard.path();
    file.write_all(bytes).map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    drop(file);
    fs::rename(tmp, path).map_err(write_err)?;
    guard.disarm();
    // Make the rename itself durable. Some filesystems refuse to fsync a directory; the
    // file is complete and in place either way, so that is not an error.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates a fresh, uniquely named temporary file next to the target.
fn create_temp(dir: &Path, name: &str) -> io::Result<(File, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    let mut last_err = None;
    for _ in 0..16 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}{}{pid}-{n}", crate::outdir::TEMP_MARK));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            // A leftover from a crashed process that had the same id: try the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("no free temporary file name")))
}

/// Removes the temporary file unless the write succeeded.
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn path(&self) -> &Path {
        self.0.as_deref().expect("armed until disarmed")
    }

    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"first").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"first");
        write_atomic(&p, b"second, longer").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"second, longer");
        write_atomic(&p, b"").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"");
        assert_eq!(entries(dir.path()), vec!["a.txt".to_string()]);
    }

    #[test]
    fn missing_directory_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("a.txt");
        let e = write_atomic(&p, b"x").unwrap_err();
        assert!(e.to_string().contains(&p.display().to_string()), "{e}");
        assert_eq!(e.path(), p.as_path());
    }

    #[test]
    fn target_is_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub");
        fs::create_dir(&p).unwrap();
        let e = write_atomic(&p, b"x").unwrap_err();
        assert!(e.to_string().contains("sub"), "{e}");
        // The temporary file was cleaned up.
        assert_eq!(entries(dir.path()), vec!["sub".to_string()]);
    }
}
