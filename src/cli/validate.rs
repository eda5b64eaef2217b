//! `bksim validate`: parse and validate a scenario and each of its variants, run nothing.

use super::{CommandError, ValidateArgs};
use crate::prepare;
use crate::scenario::{Override, ScenarioFile};
use std::io::Write;

pub fn validate(args: &ValidateArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let file = ScenarioFile::load(&args.file)?;
    let extra = args
        .set
        .iter()
        .map(|s| Override::parse_cli(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut lines = Vec::new();
    for v in file.variants() {
        let sc = prepare::variant(&file, Some(&v.name), &extra)?;
        lines.push(format!(
            "  variant {:<16} {} bucket(s), {} workload(s), KMS quota {} rps ({}), {} s simulated",
            v.name,
            sc.buckets.len(),
            sc.workloads.len() + sc.traces.len(),
            sc.kms.quota_rps,
            sc.kms.region,
            crate::engine::time::to_secs(sc.duration),
        ));
        for f in prepare::trace_facts(&sc) {
            lines.push(format!(
                "    workload {} replays {} requests from {} line(s) ({} to {}), {} unreadable",
                f.workload, f.requests, f.lines, f.first, f.last, f.bad_lines
            ));
        }
        for n in &sc.notes {
            lines.push(format!("    note: {n}"));
        }
    }
    let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
    writeln!(
        out,
        "{}: valid scenario '{}'",
        args.file.display(),
        file.name()
    )
    .map_err(w)?;
    for l in lines {
        writeln!(out, "{l}").map_err(w)?;
    }
    Ok(())
}
