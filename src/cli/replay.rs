//! `bksim replay`: reads the logs (exit 2 on anything wrong with them, before any work),
//! builds the scenario that replays them — the `--scenario` file, or defaults — with one
//! `[[bucket]]` per bucket of the log that the scenario does not declare (sse-kms) and a trace
//! workload, then runs it exactly as `bksim run` does.

use super::{CommandError, ReplayArgs};
use crate::prepare;
use crate::replay::entry::FormatChoice;
use crate::replay::load::{BadLimit, Trace, TraceSpec};
use crate::scenario::ScenarioFile;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Who adds the log's buckets and workload to the scenario, in messages and provenance.
pub const BY: &str = "bksim replay";
/// The name of the trace workload (a number is added when the scenario has one of that name).
pub const WORKLOAD: &str = "replay";

/// Runs the `replay` command.
pub fn replay(args: &ReplayArgs, out: &mut dyn Write) -> Result<(), CommandError> {
    let spec = spec(args, args.scenario_file.is_some())?;
    let trace = prepare::trace(&spec).map_err(|e| CommandError::Input(e.to_string()))?;
    let mut file = match &args.scenario_file {
        Some(path) => ScenarioFile::load(path)?,
        None => ScenarioFile::parse(
            Path::new(BY),
            &format!(
                "name = {}\ndescription = {}\n",
                toml_string(&default_name(&args.logs)),
                toml_string(&format!(
                    "Replay of {} requests logged from {} to {}",
                    trace.facts.requests, trace.facts.first, trace.facts.last
                ))
            ),
        )?,
    };
    let days = trace.facts.span_seconds / args.speed / 86_400.0;
    let most = crate::scenario::MAX_RUN as f64 / 1e9 / 86_400.0;
    if days > most {
        return Err(CommandError::Input(format!(
            "the log spans {} to {}, {days:.1} days at --speed {}; bksim simulates at most {most} days: replay part of the log, or a higher --speed",
            trace.facts.first,
            trace.facts.last,
            crate::input::number_text(args.speed)
        )));
    }
    let generated = generated(&file, &spec, &trace, args.speed);
    file.extend(&generated, BY)?;
    super::run::execute(&file, &args.run, out)
}

/// The trace the command line names. LOG paths are relative to the working directory: with
/// `--scenario` they are made absolute (a scenario's paths are relative to its folder);
/// without, the scenario has no folder and they stay as given.
fn spec(args: &ReplayArgs, absolute: bool) -> Result<TraceSpec, CommandError> {
    let format = FormatChoice::from_name(&args.format).ok_or_else(|| {
        CommandError::Input(format!(
            "--format {}: expected auto, s3-access-log, cloudtrail or csv",
            crate::input::escape_controls(&args.format)
        ))
    })?;
    crate::scenario::check_speed(args.speed)
        .map_err(|e| CommandError::Input(format!("--speed {e}")))?;
    let max_bad = BadLimit::parse(&args.max_bad_lines)
        .map_err(|e| CommandError::Input(format!("--max-bad-lines {e}")))?;
    let paths = args
        .logs
        .iter()
        .map(|p| {
            if !absolute {
                return Ok(p.clone());
            }
            std::path::absolute(p).map_err(|e| {
                CommandError::Input(format!(
                    "{}: {e}",
                    crate::input::escape_controls(&p.display().to_string())
                ))
            })
        })
        .collect::<Result<Vec<PathBuf>, _>>()?;
    Ok(TraceSpec {
        paths,
        format,
        max_bad,
    })
}

/// A TOML string literal.
fn toml_string(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

/// `replay-<name of the first LOG>`, made a valid scenario name.
fn default_name(logs: &[PathBuf]) -> String {
    let stem = logs
        .first()
        .and_then(|p| {
            let p = std::path::absolute(p).ok()?;
            let name = p.file_name()?.to_string_lossy().to_string();
            Some(name.split('.').next().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    let name = sanitize(&format!("replay-{stem}"));
    name.trim_end_matches('-').to_string()
}

/// `s` with every character outside `[A-Za-z0-9_-]` made `_`, at most 64 characters.
fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if out.is_empty() {
        out.push('b');
    }
    out
}

/// What `bksim replay` adds to the scenario: `duration` (the log's span at this speed), a
/// `[[bucket]]` (sse-kms) for each bucket of the log the file does not declare, and the trace
/// workload.
fn generated(file: &ScenarioFile, spec: &TraceSpec, trace: &Trace, speed: f64) -> String {
    let seconds = (trace.facts.span_seconds / speed).ceil().max(1.0);
    let mut text = format!("duration = \"{seconds}s\"\n");
    let declared = file.bucket_s3_names();
    let mut names = file.element_names("bucket");
    for b in &trace.buckets {
        if declared.contains(b) {
            continue;
        }
        let name = unique(&sanitize(b), &names);
        names.push(name.clone());
        text.push_str(&format!(
            "\n[[bucket]]\nname = {}\n{}encryption = \"sse-kms\"\n",
            toml_string(&name),
            if &name == b {
                String::new()
            } else {
                format!("s3_name = {}\n", toml_string(b))
            }
        ));
    }
    let workload = unique(WORKLOAD, &file.element_names("workload"));
    let paths: Vec<String> = spec
        .paths
        .iter()
        .map(|p| toml_string(&p.display().to_string()))
        .collect();
    let format = spec.format.name();
    text.push_str(&format!(
        "\n[[workload]]\nname = {}\ntrace = [{}]\nformat = \"{format}\"\nspeed = {speed:?}\nmax_bad_lines = {}\n",
        toml_string(&workload),
        paths.join(", "),
        toml_string(&spec.max_bad.text()),
    ));
    text
}

/// `base`, or `base-2`, `base-3`... whichever is not in `taken`.
fn unique(base: &str, taken: &[String]) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        let suffix = format!("-{n}");
        let keep = 64 - suffix.len();
        name = format!("{}{suffix}", &base[..base.len().min(keep)]);
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_valid_and_unique() {
        assert_eq!(sanitize("logs.acme.example"), "logs_acme_example");
        assert_eq!(sanitize(""), "b");
        assert_eq!(sanitize(&"x".repeat(80)).len(), 64);
        assert_eq!(unique("replay", &[]), "replay");
        assert_eq!(
            unique("replay", &["replay".into(), "replay-2".into()]),
            "replay-3"
        );
        assert_eq!(unique(&"y".repeat(64), &["y".repeat(64)]).len(), 64);
        assert_eq!(
            default_name(&[PathBuf::from("/tmp/web-app.log.gz")]),
            "replay-web-app"
        );
    }
}
