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
//! work, so an unusable `--out` is found at once (one under a file names that file:
//! `od/file/sub: od/file is a file, not a directory`).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::layout as report;

mod fsops;
pub use fsops::overlap;
use fsops::*;
pub use fsops::{pid_alive, prepare_shard_dir, remove_stale_siblings, remove_stale_temps};

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
    /// `bksim run --cloudtrail DIR`: the run's KMS events as CloudTrail log files, with the
    /// manifest [`crate::cloudtrail::MANIFEST_FILE`]; the whole directory is the output set.
    CloudTrail,
    /// `bksim sensitivity`: `sensitivity.json`.
    Sensitivity,
}

impl Kind {
    fn command(self) -> &'static str {
        match self {
            Kind::Run | Kind::Report => "bksim run",
            Kind::Sweep => "bksim sweep or bksim merge",
            Kind::CloudTrail => "bksim run --cloudtrail",
            Kind::Sensitivity => "bksim sensitivity",
        }
    }

    fn markers(self) -> String {
        match self {
            Kind::Run | Kind::Report => format!(
                "it has no {}, {}, {}, or a {}/{} written by bksim",
                report::SUMMARY_FILE,
                report::RUN_FILE,
                report::TIMESERIES_FILE,
                report::REPORT_MD,
                report::REPORT_HTML
            ),
            Kind::Sweep => "it has no sweep.json or sweep.csv".into(),
            Kind::CloudTrail => format!("it has no {}", crate::cloudtrail::MANIFEST_FILE),
            Kind::Sensitivity => format!(
                "it has no {}, or it is a run's directory ({}), which an analysis alone would leave mixed",
                crate::layout::SENSITIVITY_FILE,
                report::SUMMARY_FILE
            ),
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
                    crate::layout::LIVE_FILE,
                    // `bksim run --sensitivity`.
                    crate::layout::SENSITIVITY_FILE,
                ]
                .contains(&name)
                    || report::is_hgrm_file_name(name)
            }
            Kind::Sweep => matches!(name, "sweep.csv" | "sweep.json" | "charts"),
            Kind::CloudTrail => true,
            Kind::Sensitivity => {
                name == crate::layout::SENSITIVITY_FILE || name == crate::layout::CHARTS_DIR
            }
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
            Kind::CloudTrail => dir.join(crate::cloudtrail::MANIFEST_FILE).is_file(),
            // A run's directory holds sensitivity.json after `run --sensitivity`: the
            // analysis alone would replace its charts and leave its run files beside another
            // analysis.
            Kind::Sensitivity => {
                dir.join(crate::layout::SENSITIVITY_FILE).is_file() && !Kind::Run.recognises(dir)
            }
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
        "{}: exists, is not empty and does not look like the output of {command} ({markers}); \
         bksim replaces its output directory as a whole, so it will not write there: choose a new or empty directory",
        path.display()
    )]
    NotOurs {
        path: PathBuf,
        command: &'static str,
        markers: String,
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
    #[error("{}: {} is {what}", path.display(), file.display())]
    UnderAFile {
        path: PathBuf,
        file: PathBuf,
        what: &'static str,
    },
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

#[cfg(test)]
mod tests;
