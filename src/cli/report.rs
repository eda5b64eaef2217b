//! `bksim report DIR`: rebuild a results directory's charts, `report.html` and `report.md`
//! from its `summary.json`, `timeseries.csv` and `.hgrm` files, without simulating again.
//! A missing or corrupt input file is invalid input (exit 2) and the message names it.

use std::io::Write;

use super::{CommandError, ReportArgs, ReportFormat};
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
    let written = write_report(&args.dir, formats(&args.format)).map_err(|e| match e {
        ReportBuildError::Load(_) => CommandError::Input(e.to_string()),
        _ => CommandError::Failure(e.to_string()),
    })?;
    if !args.quiet {
        let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
        for p in written {
            writeln!(out, "wrote {}", p.display()).map_err(w)?;
        }
    }
    Ok(())
}
