//! `bksim report DIR`: rebuild a results directory's charts, `report.html` and `report.md`
//! from its `summary.json`, `timeseries.csv` and `.hgrm` files, without simulating again.
//! A missing or corrupt input file is invalid input (exit 2) and the message names it. The
//! directory is rewritten as a whole ([`crate::outdir`]): afterwards it holds all the old files
//! or all the new ones.

use std::io::Write;

use super::{CommandError, ReportArgs, ReportFormat};
use crate::outdir::Kind;
use crate::report::{Formats, ReportBuildError, write_report};

/// The formats asked for on the command line (all of them when none was named).
pub fn formats(list: &[ReportFormat]) -> Formats {
    if list.is_empty() {
        return Formats::ALL;
    }
    Formats {
        html: list.contains(&ReportFormat::Html),
        md: list.contains(&ReportFormat::Md),
        png: list.contains(&ReportFormat::Png),
        svg: list.contains(&ReportFormat::Svg),
    }
}

pub fn report(args: &ReportArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    // Check the inputs where they are first, before anything is staged: a missing, corrupt or
    // special file (a FIFO, a device) is named as the user knows it.
    crate::report::load_results(&args.dir).map_err(|e| CommandError::Input(e.to_string()))?;
    // The charts are written into `charts/`: a symbolic link there would send them outside the
    // results directory.
    let charts = args.dir.join(crate::report::CHARTS_DIR);
    if std::fs::symlink_metadata(&charts).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(CommandError::Input(format!(
            "{}: is a symbolic link; bksim writes the charts only inside the results directory",
            charts.display()
        )));
    }
    // The stage starts as a copy (hard links) of the directory; the report is built from the
    // copy and written into it, and the whole is published in one step.
    let stage = super::begin_out_dir("", &args.dir, Kind::Report)?;
    let written = write_report(stage.path(), formats(&args.format)).map_err(|e| match e {
        ReportBuildError::Load(_) => match super::in_target(&stage, e.to_string()) {
            CommandError::Failure(m) | CommandError::Input(m) | CommandError::Check(m) => {
                CommandError::Input(m)
            }
        },
        _ => super::in_target(&stage, e.to_string()),
    })?;
    let written: Vec<_> = written.iter().map(|p| stage.published_path(p)).collect();
    super::publish_out_dir(stage)?;
    if !args.quiet {
        let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
        for p in written {
            writeln!(out, "wrote {}", p.display()).map_err(w)?;
        }
    }
    Ok(())
}
