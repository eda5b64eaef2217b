//! `--cloudtrail DIR` of `run` and `replay`: checks the flags and opens DIR's staging
//! directory before any work, gives each variant its trail (`DIR/<variant>/AWSLogs/…`), and
//! writes the manifest [`MANIFEST_FILE`] with what each trail holds.

use std::io;
use std::path::PathBuf;

use super::{CommandError, RunOptions};
use crate::cloudtrail::writer::DELIVERY_INTERVAL_SECS;
use crate::cloudtrail::{
    DEFAULT_START_NS, MANIFEST_FILE, MANIFEST_SCHEMA, TrailOptions, TrailStats,
};
use crate::model::sim::trail::Trail;
use crate::outdir::{Kind, Stage};
use crate::scenario::Scenario;

/// The CloudTrail output of one command.
pub struct TrailOut {
    stage: Stage,
    opts: TrailOptions,
    start_ns: i64,
}

#[derive(serde::Serialize)]
struct Manifest<'a> {
    schema: &'static str,
    scenario: &'a str,
    seed: u64,
    /// Simulated time 0 (RFC 3339).
    start: String,
    delivery_interval_seconds: i64,
    sample: f64,
    limit: u64,
    variants: Vec<VariantTrail<'a>>,
}

#[derive(serde::Serialize)]
struct VariantTrail<'a> {
    name: &'a str,
    #[serde(flatten)]
    stats: &'a TrailStats,
}

/// The CloudTrail output the flags ask for (`None` without `--cloudtrail`), its directory
/// checked and staged: a bad share or limit, or an unusable directory, is an input error.
/// `out` is the results directory (which the trail may not share).
pub fn begin(
    args: &RunOptions,
    base: &Scenario,
    out: &std::path::Path,
) -> Result<Option<TrailOut>, CommandError> {
    let Some(dir) = &args.cloudtrail else {
        if args.cloudtrail_sample.is_some() || args.cloudtrail_limit.is_some() {
            return Err(CommandError::Input(
                "--cloudtrail-sample and --cloudtrail-limit need --cloudtrail DIR".into(),
            ));
        }
        return Ok(None);
    };
    let mut opts = TrailOptions::default();
    if let Some(s) = args.cloudtrail_sample {
        if !(s > 0.0 && s <= 1.0) {
            return Err(CommandError::Input(format!(
                "--cloudtrail-sample: expected a share above 0 and at most 1 (0.01 keeps one event in 100), found {s}"
            )));
        }
        opts.sample = s;
    }
    if let Some(n) = args.cloudtrail_limit {
        if n == 0 {
            return Err(CommandError::Input(
                "--cloudtrail-limit: expected at least 1 record".into(),
            ));
        }
        opts.limit = n;
    }
    // Each is published by replacing its directory whole: nested, one would take or lose
    // the other (results reported written would be gone).
    if crate::outdir::overlap(out, dir) {
        return Err(CommandError::Input(format!(
            "--cloudtrail {}: the same directory as --out {}, or one inside the other; give the trail a directory of its own",
            dir.display(),
            out.display()
        )));
    }
    let stage = super::begin_out_dir("--cloudtrail ", dir, Kind::CloudTrail)?;
    let start_ns = base
        .traces
        .iter()
        .find_map(|t| t.trace.as_ref().map(|t| t.start_ns))
        .unwrap_or(DEFAULT_START_NS);
    Ok(Some(TrailOut {
        stage,
        opts,
        start_ns,
    }))
}

impl TrailOut {
    /// The trail of variant `name`.
    pub fn trail(&self, name: &str, sc: &Scenario) -> Trail {
        Trail::new(sc, &self.stage.path().join(name), self.opts, self.start_ns)
    }

    /// Writes the manifest; the staged directory is then ready to publish. A trail that failed
    /// to write fails the command.
    pub fn finish(
        self,
        base: &Scenario,
        trails: Vec<(String, io::Result<TrailStats>)>,
    ) -> Result<Stage, CommandError> {
        let mut ok = Vec::new();
        for (name, t) in trails {
            match t {
                Ok(s) => ok.push((name, s)),
                Err(e) => {
                    return Err(super::in_target(
                        &self.stage,
                        format!(
                            "writing the CloudTrail records of variant {name} under {}: {e}; nothing was written",
                            self.stage.path().display()
                        ),
                    ));
                }
            }
        }
        let manifest = Manifest {
            schema: MANIFEST_SCHEMA,
            scenario: &base.name,
            seed: base.seed,
            start: crate::replay::civil::rfc3339(self.start_ns),
            delivery_interval_seconds: DELIVERY_INTERVAL_SECS,
            sample: self.opts.sample,
            limit: self.opts.limit,
            variants: ok
                .iter()
                .map(|(name, stats)| VariantTrail { name, stats })
                .collect(),
        };
        let text = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
        let path: PathBuf = self.stage.path().join(MANIFEST_FILE);
        std::fs::write(&path, text).map_err(|e| {
            super::in_target(&self.stage, format!("writing {}: {e}", path.display()))
        })?;
        Ok(self.stage)
    }
}
