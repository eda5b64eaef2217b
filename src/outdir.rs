//! Output directories that are always one complete set: every file of a command's output is
//! written into a staging directory beside the target, `.<name>.bksim-stage-<pid>-<n>`, and
//! the finished stage is then published in one step. A reader, or a command killed at any
//! moment, sees either the previous complete set or the new one, never a mix.
//!
//! Publishing: when the target does not exist the stage is renamed to it; when it exists the
//! two are swapped with Linux `renameat2(RENAME_EXCHANGE)` and the old tree (now under the
//! stage's name) is removed. Where the exchange is not supported (another OS, a filesystem
//! without it) the target is first renamed aside to `.<name>.bksim-old-<pid>-<n>` and the stage
//! renamed to the target: for the moment between those two renames the target does not exist,
//! and if the process dies there the next bksim writing to that target renames the old set back.
//!
//! Leftovers of a killed process (stage directories, old trees, the atomic writer's temporary
//! files `.<file>.bksim-tmp-<pid>-<n>`) carry the process id; the next bksim that writes the
//! same target removes the ones whose process is no longer alive ([`remove_stale_siblings`],
//! [`remove_stale_temps`]). Nothing else is ever removed.
//!
//! Safety rule: an existing target is replaced only when it is empty or looks like the output
//! of the same command ([`Kind`]): for `bksim run` a `summary.json`, `run.json` or
//! `timeseries.csv`, or a `report.md`/`report.html` bksim wrote; for `bksim sweep`/`merge` a
//! `sweep.json` or `sweep.csv`; for `bksim sweep --shard` (which adds one file to the directory,
//! see [`prepare_shard_dir`]) a `shard-I-of-N.json`. Anything else is refused before any work.
//! Entries of a replaced directory whose names bksim does not write (`notes.txt`, a directory
//! of your own) are carried over into the new set as hard links (copies where links are not
//! possible), so they are never lost; the names bksim writes (and the whole `charts/`
//! directory) belong to the output set and are replaced.
//!
//! The target must not be a mount point (it could not be renamed) and its parent directory
//! must be writable: both are checked, and the stage created, before the command starts its
//! work, so an unusable `--out` is found at once.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::report;

/// Marker in the names of staging directories.
pub const STAGE_MARK: &str = ".bksim-stage-";
/// Marker in the names of old trees moved aside by the fallback publish.
pub const OLD_MARK: &str = ".bksim-old-";
/// Marker in the names of the atomic writer's temporary files.
pub const TEMP_MARK: &str = ".bksim-tmp-";

/// Longest target name used as is in a stage name (a file name is at most 255 bytes).
const MAX_NAME_IN_STAGE: usize = 200;

/// Which command's output a directory holds: decides what an existing target must look like
/// and which of its entries belong to the output set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `bksim run`: data files and the report.
    Run,
    /// `bksim report DIR`: a run's directory, rewritten in place; every existing entry is
    /// carried into the stage first (the inputs), then the report files are replaced.
    Report,
    /// `bksim sweep` without `--shard`, and `bksim merge`.
    Sweep,
}

impl Kind {
    fn command(self) -> &'static str {
        match self {
            Kind::Run | Kind::Report => "bksim run",
            Kind::Sweep => "bksim sweep or bksim merge",
        }
    }

    fn markers(self) -> &'static str {
        match self {
            Kind::Run | Kind::Report => {
                "summary.json, run.json, timeseries.csv, or a report.md/report.html written by bksim"
            }
            Kind::Sweep => "sweep.json or sweep.csv",
        }
    }

    /// Whether an entry of a directory of this kind is part of the output set.
    fn owns(self, name: &str) -> bool {
        match self {
            Kind::Run | Kind::Report => {
                [
                    report::SUMMARY_FILE,
                    report::TIMESERIES_FILE,
                    report::RUN_FILE,
                    report::REPORT_HTML,
                    report::REPORT_MD,
                    report::CHARTS_DIR,
                ]
                .contains(&name)
                    || report::is_hgrm_file_name(name)
            }
            Kind::Sweep => matches!(name, "sweep.csv" | "sweep.json" | "charts"),
        }
    }

    /// Whether the existing directory `dir` looks like this kind of output.
    fn recognises(self, dir: &Path) -> bool {
        match self {
            Kind::Run | Kind::Report => {
                [
                    report::SUMMARY_FILE,
                    report::RUN_FILE,
                    report::TIMESERIES_FILE,
                ]
                .iter()
                .any(|f| dir.join(f).is_file())
                    || [report::REPORT_MD, report::REPORT_HTML]
                        .iter()
                        .any(|f| file_mentions_bksim(&dir.join(f)))
            }
            Kind::Sweep => ["sweep.json", "sweep.csv"]
                .iter()
                .any(|f| dir.join(f).is_file()),
        }
    }
}

/// Whether the first 64 KiB of a file mention bksim (reports carry "bksim <version>").
fn file_mentions_bksim(path: &Path) -> bool {
    use std::io::Read;
    let Ok(f) = File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    if f.take(64 * 1024).read_to_end(&mut head).is_err() {
        return false;
    }
    head.windows(5).any(|w| w == b"bksim")
}

/// Why an output directory could not be prepared or published. Every message names the path.
#[derive(Debug, thiserror::Error)]
pub enum OutDirError {
    #[error("{}: exists and is not a directory", path.display())]
    NotADirectory { path: PathBuf },
    #[error(
        "{}: exists, is not empty and does not look like the output of {command} (it has no {markers}); \
         bksim replaces its output directory as a whole, so it will not write there: choose a new or empty directory",
        path.display()
    )]
    NotOurs {
        path: PathBuf,
        command: &'static str,
        markers: &'static str,
    },
    #[error(
        "{}: exists and holds neither shard files (shard-I-of-N.json) nor nothing: choose a new, empty or shard directory",
        path.display()
    )]
    NotShards { path: PathBuf },
    #[error(
        "{}: is a mount point; bksim replaces its output directory as a whole by renaming, so use a directory inside it",
        path.display()
    )]
    MountPoint { path: PathBuf },
    #[error("{}: has no directory name", path.display())]
    NoName { path: PathBuf },
    #[error("{}: cannot create the directory: {error}", path.display())]
    CreateParent { path: PathBuf, error: io::Error },
    #[error("{}: cannot write there (creating {}: {error})", target.display(), stage.display())]
    Unwritable {
        target: PathBuf,
        stage: PathBuf,
        error: io::Error,
    },
    #[error("{detail}: bksim does not copy FIFOs, sockets or devices in an output directory")]
    SpecialFile { detail: String },
    #[error("{}: {what}: {error}", path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        error: io::Error,
    },
}

impl OutDirError {
    /// Whether the error is the user's input (exit 2): the target is unusable. Failures
    /// while carrying over or publishing are not.
    pub fn is_input(&self) -> bool {
        !matches!(self, OutDirError::Io { .. })
    }
}

/// A staging directory for one output set. Write every file into [`Stage::path`], then call
/// [`Stage::publish`]; dropping an unpublished stage removes it.
#[derive(Debug)]
pub struct Stage {
    kind: Kind,
    /// The target, as the user named it (for messages).
    target: PathBuf,
    /// The target with its parent resolved (symbolic links followed).
    resolved: PathBuf,
    /// The stage directory; None once published.
    path: Option<PathBuf>,
}

impl Stage {
    /// Checks `target` (a directory, not a mount point, empty or of this `kind`), creates its
    /// parents, removes stale leftovers of dead processes beside it, and creates the stage.
    /// For [`Kind::Report`] every entry of the target is carried into the stage.
    pub fn begin(target: &Path, kind: Kind) -> Result<Stage, OutDirError> {
        let resolved = resolve(target)?;
        let parent = resolved
            .parent()
            .expect("resolved has a parent")
            .to_path_buf();
        let name = resolved
            .file_name()
            .expect("resolved has a name")
            .to_owned();
        match fs::symlink_metadata(&resolved) {
            Ok(m) if m.is_dir() => {
                check_not_mount_point(target, &resolved, &parent)?;
                if kind != Kind::Report && !is_empty_dir(&resolved)? && !kind.recognises(&resolved)
                {
                    return Err(OutDirError::NotOurs {
                        path: target.to_path_buf(),
                        command: kind.command(),
                        markers: kind.markers(),
                    });
                }
            }
            Ok(_) => {
                return Err(OutDirError::NotADirectory {
                    path: target.to_path_buf(),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(OutDirError::Io {
                    path: target.to_path_buf(),
                    what: "cannot read",
                    error,
                });
            }
        }
        remove_stale_siblings(&parent, &name);
        let path =
            create_stage(&parent, &name).map_err(|(stage, error)| OutDirError::Unwritable {
                target: target.to_path_buf(),
                stage,
                error,
            })?;
        let stage = Stage {
            kind,
            target: target.to_path_buf(),
            resolved,
            path: Some(path),
        };
        if kind == Kind::Report && stage.resolved.is_dir() {
            stage.carry_over(|_| true)?;
        }
        Ok(stage)
    }

    /// The staging directory to write into.
    pub fn path(&self) -> &Path {
        self.path.as_deref().expect("not yet published")
    }

    /// The target as the user named it.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The path in the target that `written` (a path inside the stage) will have once
    /// published.
    pub fn published_path(&self, written: &Path) -> PathBuf {
        match written.strip_prefix(self.path()) {
            Ok(rel) => self.target.join(rel),
            Err(_) => written.to_path_buf(),
        }
    }

    /// Carries over the target's entries that are not already in the stage and that `take`
    /// accepts, as hard links (copies where a link is not possible).
    fn carry_over(&self, take: impl Fn(&str) -> bool) -> Result<(), OutDirError> {
        let io_err = |path: &Path, what, error: io::Error| {
            if error.kind() == io::ErrorKind::Unsupported {
                // A FIFO, socket or device in the directory: the user's doing, not a failure.
                OutDirError::SpecialFile {
                    detail: error.to_string(),
                }
            } else {
                OutDirError::Io {
                    path: path.to_path_buf(),
                    what,
                    error,
                }
            }
        };
        let entries =
            fs::read_dir(&self.resolved).map_err(|e| io_err(&self.target, "cannot list", e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_err(&self.target, "cannot list", e))?;
            let name = entry.file_name();
            let Some(s) = name.to_str() else {
                // Not a name bksim writes: carry it.
                link_tree(&entry.path(), &self.path().join(&name))
                    .map_err(|e| io_err(&entry.path(), "cannot carry over", e))?;
                continue;
            };
            if is_temp_name(s) || !take(s) {
                continue;
            }
            let dest = self.path().join(&name);
            if fs::symlink_metadata(&dest).is_ok() {
                continue;
            }
            link_tree(&entry.path(), &dest)
                .map_err(|e| io_err(&entry.path(), "cannot carry over", e))?;
        }
        Ok(())
    }

    /// Publishes the stage as the target: entries of the old target that are not part of the
    /// output set are carried over, then the stage replaces the target in one step (see the
    /// module documentation) and the old tree is removed.
    pub fn publish(self) -> Result<(), OutDirError> {
        self.publish_with(exchange)
    }

    /// [`Stage::publish`] with the given exchange (tests pass one that is never supported,
    /// to exercise the fallback).
    fn publish_with(
        mut self,
        exchange: fn(&Path, &Path) -> io::Result<()>,
    ) -> Result<(), OutDirError> {
        let kind = self.kind;
        if self.resolved.is_dir() {
            self.carry_over(|name| !kind.owns(name))?;
            // The new directory keeps the old one's mode (a group-shared results directory
            // stays shared).
            if let Ok(m) = fs::metadata(&self.resolved) {
                let _ = fs::set_permissions(self.path(), m.permissions());
            }
        }
        let stage = self.path().to_path_buf();
        let io_err = |what, error| OutDirError::Io {
            path: self.target.clone(),
            what,
            error,
        };
        sync_dir(&stage);
        let parent = self.resolved.parent().expect("has a parent").to_path_buf();
        let old = if fs::symlink_metadata(&self.resolved).is_err() {
            fs::rename(&stage, &self.resolved).map_err(|e| io_err("cannot publish", e))?;
            None
        } else {
            match exchange(&stage, &self.resolved) {
                Ok(()) => Some(stage.clone()),
                Err(e) if exchange_unsupported(&e) => {
                    let name = self.resolved.file_name().expect("has a name");
                    let aside = parent.join(format!(
                        ".{}{OLD_MARK}{}-{}",
                        name.to_string_lossy(),
                        std::process::id(),
                        next_n()
                    ));
                    fs::rename(&self.resolved, &aside)
                        .map_err(|e| io_err("cannot move the old set aside", e))?;
                    if let Err(e) = fs::rename(&stage, &self.resolved) {
                        let _ = fs::rename(&aside, &self.resolved);
                        return Err(io_err("cannot publish", e));
                    }
                    Some(aside)
                }
                Err(e) => return Err(io_err("cannot publish", e)),
            }
        };
        // Published: from here on the stage path is not ours to remove on drop (after an
        // exchange it holds the old tree, removed just below).
        self.path = None;
        sync_dir(&parent);
        if let Some(old) = old {
            // Best effort: a failure leaves a leftover the next run removes.
            let _ = fs::remove_dir_all(&old);
            sync_dir(&parent);
        }
        Ok(())
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            let _ = fs::remove_dir_all(p);
        }
    }
}

/// The target with its parent made absolute and resolved. An existing target that is a
/// symbolic link is resolved too, so the directory it points to is replaced, not the link.
fn resolve(target: &Path) -> Result<PathBuf, OutDirError> {
    let abs = std::path::absolute(target).map_err(|error| OutDirError::Io {
        path: target.to_path_buf(),
        what: "cannot resolve",
        error,
    })?;
    if fs::symlink_metadata(&abs).is_ok_and(|m| m.file_type().is_symlink())
        && let Ok(real) = fs::canonicalize(&abs)
    {
        return split_ok(target, real);
    }
    let no_name = || OutDirError::NoName {
        path: target.to_path_buf(),
    };
    let name = match abs.file_name() {
        Some(n) if !matches!(n.to_str(), Some(".") | Some("..")) => n.to_owned(),
        _ => {
            // "dir/.", "..": resolve the whole path when it exists.
            let real = fs::canonicalize(&abs).map_err(|_| no_name())?;
            return split_ok(target, real);
        }
    };
    let parent = abs.parent().ok_or_else(no_name)?;
    fs::create_dir_all(parent).map_err(|error| OutDirError::CreateParent {
        path: parent.to_path_buf(),
        error,
    })?;
    let parent = fs::canonicalize(parent).map_err(|error| OutDirError::Io {
        path: parent.to_path_buf(),
        what: "cannot resolve",
        error,
    })?;
    Ok(parent.join(name))
}

fn split_ok(target: &Path, real: PathBuf) -> Result<PathBuf, OutDirError> {
    if real.parent().is_none() || real.file_name().is_none() {
        return Err(OutDirError::NoName {
            path: target.to_path_buf(),
        });
    }
    Ok(real)
}

#[cfg(unix)]
fn check_not_mount_point(target: &Path, dir: &Path, parent: &Path) -> Result<(), OutDirError> {
    use std::os::unix::fs::MetadataExt;
    if let (Ok(a), Ok(b)) = (fs::metadata(dir), fs::metadata(parent))
        && a.dev() != b.dev()
    {
        return Err(OutDirError::MountPoint {
            path: target.to_path_buf(),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_not_mount_point(_: &Path, _: &Path, _: &Path) -> Result<(), OutDirError> {
    Ok(())
}

fn is_empty_dir(dir: &Path) -> Result<bool, OutDirError> {
    let mut entries = fs::read_dir(dir).map_err(|error| OutDirError::Io {
        path: dir.to_path_buf(),
        what: "cannot list",
        error,
    })?;
    Ok(entries.next().is_none())
}

fn next_n() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// The prefix of the stage names of target `name`: `.<name>.bksim-stage-`.
fn stage_prefix(name: &OsStr) -> String {
    let mut n = name.to_string_lossy().into_owned();
    if n.len() > MAX_NAME_IN_STAGE {
        let mut cut = MAX_NAME_IN_STAGE;
        while !n.is_char_boundary(cut) {
            cut -= 1;
        }
        n.truncate(cut);
    }
    format!(".{n}{STAGE_MARK}")
}

/// Creates a fresh stage directory beside the target.
fn create_stage(parent: &Path, name: &OsStr) -> Result<PathBuf, (PathBuf, io::Error)> {
    let prefix = stage_prefix(name);
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..16 {
        let p = parent.join(format!("{prefix}{pid}-{}", next_n()));
        match fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((p, e)),
            Err(e) => return Err((p, e)),
        }
    }
    Err(last.expect("16 attempts"))
}

/// The process id in a leftover's name: what follows `mark` up to the next `-`.
fn leftover_pid(name: &str, mark: &str) -> Option<u32> {
    let at = name.rfind(mark)?;
    let rest = &name[at + mark.len()..];
    let (pid, n) = rest.split_once('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process with this id is alive (or exists but is not ours to signal).
#[cfg(unix)]
pub fn pid_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if p <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let r = unsafe { libc::kill(p, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
pub fn pid_alive(_pid: u32) -> bool {
    // Without a way to ask, never treat a leftover as stale.
    true
}

/// Removes the leftovers of dead processes beside target `name` in `parent`: stage
/// directories (`.<name>.bksim-stage-<pid>-<n>`) and old trees moved aside
/// (`.<name>.bksim-old-<pid>-<n>`). An old tree whose target no longer exists (the process
/// died between the two renames of the fallback publish) is renamed back to the target.
/// Errors are ignored: a leftover that cannot be removed stays for the next run.
pub fn remove_stale_siblings(parent: &Path, name: &OsStr) {
    let stage_prefix = stage_prefix(name);
    let old_prefix = format!(".{}{OLD_MARK}", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let target = parent.join(name);
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(s) = file_name.to_str() else {
            continue;
        };
        if s.starts_with(&stage_prefix) {
            if leftover_pid(s, STAGE_MARK).is_some_and(|pid| !pid_alive(pid)) {
                let _ = fs::remove_dir_all(entry.path());
            }
        } else if s.starts_with(&old_prefix)
            && leftover_pid(s, OLD_MARK).is_some_and(|pid| !pid_alive(pid))
        {
            if fs::symlink_metadata(&target).is_err() {
                let _ = fs::rename(entry.path(), &target);
            } else {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Whether `name` is one of the atomic writer's temporary files: `.<file>.bksim-tmp-<pid>-<n>`,
/// or `.<file>.<pid>.<n>.tmp` as bksim named them before (never carried into a new set).
fn is_temp_name(name: &str) -> bool {
    if !name.starts_with('.') {
        return false;
    }
    if leftover_pid(name, TEMP_MARK).is_some() {
        return true;
    }
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = name.rsplit('.');
    parts.next() == Some("tmp")
        && parts.next().is_some_and(numeric)
        && parts.next().is_some_and(numeric)
}

/// Removes the atomic writer's temporary files of dead processes from `dir`
/// (`.<file>.bksim-tmp-<pid>-<n>`); with `only`, just those of that file name.
pub fn remove_stale_temps(dir: &Path, only: Option<&OsStr>) {
    let prefix = only.map(|n| format!(".{}{TEMP_MARK}", n.to_string_lossy()));
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(s) = file_name.to_str() else {
            continue;
        };
        if prefix.as_ref().is_some_and(|p| !s.starts_with(p.as_str())) || !is_temp_name(s) {
            continue;
        }
        if leftover_pid(s, TEMP_MARK).is_some_and(|pid| !pid_alive(pid))
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Prepares the directory a `bksim sweep --shard` writes its one shard file into (other
/// shards may share it, so it is never replaced as a whole): creates it (returns whether it
/// did), refuses an existing non-empty one that holds no shard file, removes dead processes'
/// temporary files from it, and checks that a file can be created there.
pub fn prepare_shard_dir(dir: &Path) -> Result<bool, OutDirError> {
    let created = match fs::symlink_metadata(dir) {
        Ok(_) if !dir.is_dir() => {
            return Err(OutDirError::NotADirectory {
                path: dir.to_path_buf(),
            });
        }
        Ok(_) => {
            if !is_empty_dir(dir)? && !holds_shard_file(dir) {
                return Err(OutDirError::NotShards {
                    path: dir.to_path_buf(),
                });
            }
            false
        }
        Err(_) => {
            fs::create_dir_all(dir).map_err(|error| OutDirError::CreateParent {
                path: dir.to_path_buf(),
                error,
            })?;
            true
        }
    };
    remove_stale_temps(dir, None);
    let probe = dir.join(format!(
        ".probe{TEMP_MARK}{}-{}",
        std::process::id(),
        next_n()
    ));
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = fs::remove_file(&probe);
            Ok(created)
        }
        Err(error) => {
            if created {
                let _ = fs::remove_dir(dir);
            }
            Err(OutDirError::Unwritable {
                target: dir.to_path_buf(),
                stage: probe,
                error,
            })
        }
    }
}

fn holds_shard_file(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
        })
    })
}

/// Recreates `src` at `dest`: files as hard links (copies when linking fails), directories
/// recursively, symbolic links as symbolic links.
fn link_tree(src: &Path, dest: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(src)?;
    let ft = meta.file_type();
    if ft.is_dir() {
        fs::create_dir(dest)?;
        for entry in fs::read_dir(src)? {
            let entry = entry?;
            link_tree(&entry.path(), &dest.join(entry.file_name()))?;
        }
        fs::set_permissions(dest, meta.permissions())?;
        Ok(())
    } else if ft.is_symlink() {
        symlink(&fs::read_link(src)?, dest)
    } else if ft.is_file() {
        if fs::hard_link(src, dest).is_err() {
            fs::copy(src, dest)?;
        }
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "{}: is not a regular file, directory or symbolic link",
                src.display()
            ),
        ))
    }
}

#[cfg(unix)]
fn symlink(to: &Path, at: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(to, at)
}

#[cfg(not(unix))]
fn symlink(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symbolic links are not supported here",
    ))
}

/// Swaps two paths in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path holds a NUL byte"))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Whether the exchange failed because the system or filesystem lacks it (then the fallback
/// publish is used), rather than for a reason the fallback would hit too.
fn exchange_unsupported(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
        return true;
    }
    e.kind() == io::ErrorKind::Unsupported
}

/// Makes a directory's entries durable. Some filesystems refuse to fsync a directory; the
/// entries are in place either way, so that is not an error.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn new_target_is_created_by_publish() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("a").join("out");
        let s = Stage::begin(&t, Kind::Run).unwrap();
        assert!(!t.exists());
        fs::write(s.path().join("summary.json"), "{}").unwrap();
        s.publish().unwrap();
        assert_eq!(names(&t), ["summary.json"]);
        assert_eq!(names(&d.path().join("a")), ["out"]);
    }

    #[test]
    fn existing_set_is_replaced_and_foreign_entries_carried_over() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("out");
        fs::create_dir_all(t.join("charts")).unwrap();
        fs::create_dir_all(t.join("mine")).unwrap();
        fs::write(t.join("summary.json"), "old").unwrap();
        fs::write(t.join("latency-x-put.hgrm"), "old").unwrap();
        fs::write(t.join("charts/cost.svg"), "old").unwrap();
        fs::write(t.join("notes.txt"), "keep").unwrap();
        fs::write(t.join("mine/data"), "keep too").unwrap();
        let s = Stage::begin(&t, Kind::Run).unwrap();
        fs::write(s.path().join("summary.json"), "new").unwrap();
        s.publish().unwrap();
        assert_eq!(names(&t), ["mine", "notes.txt", "summary.json"]);
        assert_eq!(fs::read_to_string(t.join("summary.json")).unwrap(), "new");
        assert_eq!(fs::read_to_string(t.join("notes.txt")).unwrap(), "keep");
        assert_eq!(fs::read_to_string(t.join("mine/data")).unwrap(), "keep too");
        assert_eq!(names(d.path()), ["out"]);
    }

    #[test]
    fn fallback_publish_without_exchange() {
        fn unsupported(_: &Path, _: &Path) -> io::Result<()> {
            Err(io::Error::from(io::ErrorKind::Unsupported))
        }
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("out");
        fs::create_dir(&t).unwrap();
        fs::write(t.join("run.json"), "old").unwrap();
        let s = Stage::begin(&t, Kind::Run).unwrap();
        fs::write(s.path().join("run.json"), "new").unwrap();
        s.publish_with(unsupported).unwrap();
        assert_eq!(fs::read_to_string(t.join("run.json")).unwrap(), "new");
        assert_eq!(names(d.path()), ["out"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_directory_mode_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("out");
        fs::create_dir(&t).unwrap();
        fs::set_permissions(&t, fs::Permissions::from_mode(0o750)).unwrap();
        let s = Stage::begin(&t, Kind::Sweep).unwrap();
        fs::write(s.path().join("sweep.json"), "new").unwrap();
        s.publish().unwrap();
        let mode = fs::metadata(&t).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o750);
    }

    #[test]
    fn dropped_stage_leaves_the_target_alone() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("out");
        fs::create_dir(&t).unwrap();
        fs::write(t.join("sweep.json"), "old").unwrap();
        {
            let s = Stage::begin(&t, Kind::Sweep).unwrap();
            fs::write(s.path().join("sweep.json"), "new").unwrap();
        }
        assert_eq!(names(d.path()), ["out"]);
        assert_eq!(fs::read_to_string(t.join("sweep.json")).unwrap(), "old");
    }

    #[test]
    fn foreign_directories_and_files_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("out");
        fs::create_dir(&t).unwrap();
        fs::write(t.join("notes.txt"), "mine").unwrap();
        let e = Stage::begin(&t, Kind::Run).unwrap_err();
        assert!(matches!(e, OutDirError::NotOurs { .. }), "{e}");
        assert!(e.to_string().contains(&t.display().to_string()), "{e}");
        // A sweep directory is not a run directory.
        fs::write(t.join("sweep.json"), "{}").unwrap();
        assert!(Stage::begin(&t, Kind::Run).is_err());
        assert!(Stage::begin(&t, Kind::Sweep).is_ok());
        let f = d.path().join("file");
        fs::write(&f, "x").unwrap();
        let e = Stage::begin(&f, Kind::Run).unwrap_err();
        assert!(matches!(e, OutDirError::NotADirectory { .. }), "{e}");
        assert_eq!(names(d.path()), ["file", "out"]);
    }

    #[test]
    fn report_stage_starts_as_a_copy() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("out");
        fs::create_dir_all(t.join("charts")).unwrap();
        fs::write(t.join("summary.json"), "data").unwrap();
        fs::write(t.join("charts/cost.svg"), "old").unwrap();
        let s = Stage::begin(&t, Kind::Report).unwrap();
        assert_eq!(names(s.path()), ["charts", "summary.json"]);
        assert_eq!(names(&s.path().join("charts")), ["cost.svg"]);
        s.publish().unwrap();
        assert_eq!(names(&t), ["charts", "summary.json"]);
    }

    #[test]
    fn stale_leftovers_of_dead_processes_are_removed() {
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("out");
        fs::create_dir(&t).unwrap();
        // A pid far above any pid_max is never alive.
        let dead = 4_000_000_000u32;
        fs::create_dir(d.path().join(format!(".out{STAGE_MARK}{dead}-0"))).unwrap();
        fs::create_dir(d.path().join(format!(".out{OLD_MARK}{dead}-1"))).unwrap();
        let mine = d
            .path()
            .join(format!(".out{STAGE_MARK}{}-99", std::process::id()));
        fs::create_dir(&mine).unwrap();
        fs::write(d.path().join(".other.bksim-stage-x"), "").unwrap();
        remove_stale_siblings(d.path(), OsStr::new("out"));
        let mut expect = vec![
            ".other.bksim-stage-x".to_string(),
            mine.file_name().unwrap().to_string_lossy().into_owned(),
            "out".to_string(),
        ];
        expect.sort();
        assert_eq!(names(d.path()), expect);
    }

    #[test]
    fn an_old_tree_without_its_target_is_restored() {
        let d = tempfile::tempdir().unwrap();
        let old = d.path().join(format!(".out{OLD_MARK}4000000000-3"));
        fs::create_dir(&old).unwrap();
        fs::write(old.join("summary.json"), "old").unwrap();
        remove_stale_siblings(d.path(), OsStr::new("out"));
        assert_eq!(names(d.path()), ["out"]);
        assert_eq!(
            fs::read_to_string(d.path().join("out/summary.json")).unwrap(),
            "old"
        );
    }

    #[test]
    fn stale_temporary_files_are_removed() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join(".a.json.bksim-tmp-4000000000-0"), "").unwrap();
        let live = format!(".a.json.bksim-tmp-{}-0", std::process::id());
        fs::write(d.path().join(&live), "").unwrap();
        fs::write(d.path().join("a.json"), "").unwrap();
        remove_stale_temps(d.path(), None);
        let mut expect = vec![live, "a.json".to_string()];
        expect.sort();
        assert_eq!(names(d.path()), expect);
    }

    #[test]
    fn leftover_names_parse() {
        assert_eq!(leftover_pid(".out.bksim-stage-12-3", STAGE_MARK), Some(12));
        assert_eq!(leftover_pid(".a-b.bksim-stage-12-3", STAGE_MARK), Some(12));
        assert_eq!(leftover_pid(".out.bksim-stage-12-", STAGE_MARK), None);
        assert_eq!(leftover_pid(".out.bksim-stage-x-1", STAGE_MARK), None);
        assert!(is_temp_name(".s.json.bksim-tmp-1-2"));
        assert!(is_temp_name(".s.json.123.4.tmp"));
        assert!(!is_temp_name(".s.json.tmp"));
        assert!(!is_temp_name("s.json"));
    }
}
