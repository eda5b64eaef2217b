//! The file-system steps of an output directory's life: resolving and checking the target,
//! naming and creating stages, finding and removing leftovers of dead processes, copying a
//! tree as hard links, swapping two directories in one step, and syncing a directory.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::*;

/// The target with its parent made absolute and resolved. An existing target that is a
/// symbolic link is resolved too, so the directory it points to is replaced, not the link.
pub(super) fn resolve(target: &Path) -> Result<PathBuf, OutDirError> {
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
    create_dirs(target, parent)?;
    let parent = fs::canonicalize(parent).map_err(|error| OutDirError::Io {
        path: parent.to_path_buf(),
        what: "cannot resolve",
        error,
    })?;
    Ok(parent.join(name))
}

/// Creates `dir` and its missing parents, for the output directory `target` (as the user
/// named it). When a part of `target`'s path is a file, the error names that part.
fn create_dirs(target: &Path, dir: &Path) -> Result<(), OutDirError> {
    fs::create_dir_all(dir).map_err(|error| match not_a_directory_on_the_way(target) {
        Some((file, what)) => OutDirError::UnderAFile {
            path: target.to_path_buf(),
            file,
            what,
        },
        None => OutDirError::CreateParent {
            path: dir.to_path_buf(),
            error,
        },
    })
}

/// The part of `path` (itself or a parent, as written) that stands where a directory must be:
/// the longest one that exists, when it is not a directory, and what it is instead.
fn not_a_directory_on_the_way(path: &Path) -> Option<(PathBuf, &'static str)> {
    let existing = path
        .ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .find_map(|p| fs::metadata(p).ok().map(|m| (p, m)))?;
    match existing {
        (_, m) if m.is_dir() => None,
        (p, m) if m.is_file() => Some((p.to_path_buf(), "a file, not a directory")),
        (p, _) => Some((p.to_path_buf(), "not a directory")),
    }
}

pub(super) fn split_ok(target: &Path, real: PathBuf) -> Result<PathBuf, OutDirError> {
    if real.parent().is_none() || real.file_name().is_none() {
        return Err(OutDirError::NoName {
            path: target.to_path_buf(),
        });
    }
    Ok(real)
}

#[cfg(unix)]
pub(super) fn check_not_mount_point(
    target: &Path,
    dir: &Path,
    parent: &Path,
) -> Result<(), OutDirError> {
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
pub(super) fn check_not_mount_point(_: &Path, _: &Path, _: &Path) -> Result<(), OutDirError> {
    Ok(())
}

pub(super) fn is_empty_dir(dir: &Path) -> Result<bool, OutDirError> {
    let mut entries = fs::read_dir(dir).map_err(|error| OutDirError::Io {
        path: dir.to_path_buf(),
        what: "cannot list",
        error,
    })?;
    Ok(entries.next().is_none())
}

pub(super) fn next_n() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// The prefix of the stage names of target `name`: `.<name>.bksim-stage-`.
pub(super) fn stage_prefix(name: &OsStr) -> String {
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
pub(super) fn create_stage(parent: &Path, name: &OsStr) -> Result<PathBuf, (PathBuf, io::Error)> {
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
pub(super) fn leftover_pid(name: &str, mark: &str) -> Option<u32> {
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
pub(super) fn is_temp_name(name: &str) -> bool {
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
            create_dirs(dir, dir)?;
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

pub(super) fn holds_shard_file(dir: &Path) -> bool {
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
pub(super) fn link_tree(src: &Path, dest: &Path) -> io::Result<()> {
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
pub(super) fn symlink(to: &Path, at: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(to, at)
}

#[cfg(not(unix))]
pub(super) fn symlink(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symbolic links are not supported here",
    ))
}

/// Swaps two paths in one step.
#[cfg(target_os = "linux")]
pub(super) fn exchange(a: &Path, b: &Path) -> io::Result<()> {
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
pub(super) fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Whether the exchange failed because the system or filesystem lacks it (then the fallback
/// publish is used), rather than for a reason the fallback would hit too.
pub(super) fn exchange_unsupported(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
        return true;
    }
    e.kind() == io::ErrorKind::Unsupported
}

/// Makes a directory's entries durable. Some filesystems refuse to fsync a directory; the
/// entries are in place either way, so that is not an error.
pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Whether `a` and `b` are the same directory or one is inside the other, as they will be when
/// created: each made absolute, its `.` and `..` taken as written, and its longest existing
/// ancestor resolved through symbolic links. Creates nothing.
pub fn overlap(a: &Path, b: &Path) -> bool {
    let (a, b) = (settled(a), settled(b));
    a.starts_with(&b) || b.starts_with(&a)
}

fn settled(p: &Path) -> PathBuf {
    use std::path::Component;
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut path = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                path.pop();
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    let mut missing = Vec::new();
    while fs::symlink_metadata(&path).is_err() {
        match path.file_name() {
            Some(n) => {
                missing.push(n.to_owned());
                path.pop();
            }
            None => break,
        }
    }
    let mut out = fs::canonicalize(&path).unwrap_or(path);
    out.extend(missing.iter().rev());
    out
}
