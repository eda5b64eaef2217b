//! `run.json`: wall-clock facts about a run, schema `bksim.run.v1`: bksim version, when it
//! started (RFC 3339, UTC), how long it took, the machine, and throughput (engine events and
//! simulated requests per wall-clock second, in total and per variant).
//!
//! Unlike `summary.json` this file is not deterministic and is not meant to be: it describes
//! one execution on one machine. Keeping these facts apart is what lets `summary.json` be
//! byte-identical between runs.
//!
//! [`RunFacts`] is both what [`run_json`] writes and what [`parse_run`] reads back for the
//! report. The report only needs the version, start, times, speeds and machine: the other
//! fields default when absent, so that a hand-trimmed `run.json` still reads.

use std::time::{Duration, SystemTime};

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{BKSIM_VERSION, LoadError, check_numbers, parse_json, to_json_text};
use crate::metrics::results::RunResults;
use crate::report::plausible;

/// Schema tag written into `run.json`.
pub const RUN_SCHEMA: &str = "bksim.run.v1";

/// Everything `run.json` says (but its schema tag), in the order it is written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunFacts {
    pub bksim_version: String,
    /// Wall-clock start of the run, RFC 3339 in UTC with milliseconds.
    pub started_at: String,
    pub wall_seconds: f64,
    pub machine: MachineFacts,
    /// Worker threads the run used.
    pub threads: usize,
    /// Discrete events processed, all variants.
    #[serde(default)]
    pub events: u64,
    pub events_per_second: f64,
    /// Requests simulated (arrivals over the whole run, warm-up included), all variants.
    #[serde(default)]
    pub simulated_requests: u64,
    pub simulated_requests_per_second: f64,
    #[serde(default)]
    pub variants: Vec<VariantFacts>,
    /// Name of the encryption calibration profile the model used, if any.
    #[serde(default)]
    pub calibration_profile: Option<String>,
}

/// The machine a run executed on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MachineFacts {
    pub hostname: String,
    /// `std::env::consts::OS`, e.g. `linux`.
    pub os: String,
    /// `std::env::consts::ARCH`, e.g. `x86_64`.
    pub arch: String,
    /// The CPU's model name from `/proc/cpuinfo`, when there is one.
    pub cpu_model: Option<String>,
    /// Logical CPUs available to this process.
    pub logical_cpus: usize,
}

/// One variant's share of the run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VariantFacts {
    pub name: String,
    pub events: u64,
    pub wall_seconds: f64,
}

impl MachineFacts {
    /// Facts about the machine this process runs on. Never fails: what cannot be found is
    /// `"unknown"` or `None`.
    pub fn collect() -> MachineFacts {
        MachineFacts {
            hostname: hostname(),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cpu_model: std::fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(|s| cpu_model(&s)),
            logical_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl RunFacts {
    /// Facts for a finished run: `started_at` and `wall` from the caller's clock,
    /// `variant_wall` the wall time of each variant in `r.variants` order (missing ones count
    /// as zero), `threads` the worker threads used. The machine is looked up here;
    /// `calibration_profile` starts as `None`.
    pub fn collect(
        r: &RunResults,
        started_at: SystemTime,
        wall: Duration,
        variant_wall: &[Duration],
        threads: usize,
    ) -> RunFacts {
        RunFacts::with_machine(
            r,
            started_at,
            wall,
            variant_wall,
            threads,
            MachineFacts::collect(),
        )
    }

    /// As [`RunFacts::collect`], with the machine given (for tests and for merged shards).
    pub fn with_machine(
        r: &RunResults,
        started_at: SystemTime,
        wall: Duration,
        variant_wall: &[Duration],
        threads: usize,
        machine: MachineFacts,
    ) -> RunFacts {
        let wall_seconds = round_to(wall.as_secs_f64(), 6);
        let events: u64 = r.variants.iter().map(|v| v.events).sum();
        let simulated_requests: u64 = r
            .variants
            .iter()
            .flat_map(|v| &v.timeseries)
            .map(|row| row.put_offered + row.get_offered)
            .sum();
        let variants = r
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| VariantFacts {
                name: v.summary.name.clone(),
                events: v.events,
                wall_seconds: round_to(
                    variant_wall
                        .get(i)
                        .copied()
                        .unwrap_or_default()
                        .as_secs_f64(),
                    6,
                ),
            })
            .collect();
        RunFacts {
            bksim_version: BKSIM_VERSION.to_string(),
            started_at: rfc3339_utc(started_at),
            wall_seconds,
            machine,
            threads,
            events,
            events_per_second: per_second(events, wall),
            simulated_requests,
            simulated_requests_per_second: per_second(simulated_requests, wall),
            variants,
            calibration_profile: None,
        }
    }
}

#[derive(Serialize)]
struct RunDoc<'a> {
    schema: &'static str,
    #[serde(flatten)]
    facts: &'a RunFacts,
}

/// The text of `run.json`: pretty-printed, final newline.
pub fn run_json(facts: &RunFacts) -> String {
    to_json_text(&RunDoc {
        schema: RUN_SCHEMA,
        facts,
    })
}

/// Parses `run.json` text (its schema tag is not checked: the report only shows these
/// facts); `path` is for messages. Every number must pass
/// [`plausible::run_quantity`]'s bound.
pub fn parse_run(path: &Path, text: &str) -> Result<RunFacts, LoadError> {
    check_numbers(path, text, plausible::run_quantity)?;
    parse_json(path, text)
}

/// `2024-05-01T12:34:56.789Z`.
pub fn rfc3339_utc(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

fn per_second(n: u64, wall: Duration) -> f64 {
    let s = wall.as_secs_f64();
    if s > 0.0 {
        round_to(n as f64 / s, 1)
    } else {
        0.0
    }
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .chain(std::env::var("HOSTNAME").ok())
        .chain(std::env::var("COMPUTERNAME").ok())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The first `model name` in `/proc/cpuinfo` text (x86), or `Model`/`cpu model` elsewhere.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    ["model name", "Model", "cpu model", "Processor"]
        .iter()
        .find_map(|key| {
            cpuinfo.lines().find_map(|line| {
                let (k, v) = line.split_once(':')?;
                (k.trim() == *key).then(|| v.trim().to_string())
            })
        })
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn sample() -> RunFacts {
        RunFacts {
            bksim_version: BKSIM_VERSION.to_string(),
            started_at: "2024-05-01T12:34:56.789Z".into(),
            wall_seconds: 1.234567,
            machine: MachineFacts {
                hostname: "host".into(),
                os: "linux".into(),
                arch: "x86_64".into(),
                cpu_model: Some("Some CPU @ 2.50GHz".into()),
                logical_cpus: 8,
            },
            threads: 2,
            events: 1_000_000,
            events_per_second: 810_000.5,
            simulated_requests: 40_000,
            simulated_requests_per_second: 32_400.1,
            variants: vec![VariantFacts {
                name: "per-object".into(),
                events: 1_000_000,
                wall_seconds: 1.2,
            }],
            calibration_profile: Some("reference".into()),
        }
    }

    #[test]
    fn written_then_read_is_the_same_facts() {
        let f = sample();
        let text = run_json(&f);
        assert!(
            text.starts_with("{\n  \"schema\": \"bksim.run.v1\",\n"),
            "{text}"
        );
        assert_eq!(parse_run(Path::new("run.json"), &text).unwrap(), f);
        let none = RunFacts {
            calibration_profile: None,
            machine: MachineFacts {
                cpu_model: None,
                ..f.machine.clone()
            },
            ..f
        };
        assert_eq!(
            parse_run(Path::new("run.json"), &run_json(&none)).unwrap(),
            none
        );
    }

    #[test]
    fn only_the_facts_the_report_shows_are_required() {
        let text = r#"{"bksim_version": "0.1.0", "started_at": "x", "wall_seconds": 1.5,
            "threads": 1, "events_per_second": 10.0, "simulated_requests_per_second": 2.0,
            "machine": {"hostname": "h", "os": "linux", "arch": "x86_64", "cpu_model": null,
            "logical_cpus": 1}}"#;
        let f = parse_run(Path::new("run.json"), text).unwrap();
        assert_eq!((f.events, f.variants.len(), f.wall_seconds), (0, 0, 1.5));
        let e = parse_run(Path::new("d/run.json"), &text.replace("1.5", "-1")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("d/run.json, line 1: implausible value: wall_seconds"),
            "{e}"
        );
    }

    #[test]
    fn rfc3339() {
        let t = UNIX_EPOCH + Duration::from_millis(1_714_566_896_789);
        assert_eq!(rfc3339_utc(t), "2024-05-01T12:34:56.789Z");
    }

    #[test]
    fn cpu_model_from_cpuinfo() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\n\
                   model name\t: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz\n";
        assert_eq!(
            cpu_model(x86).as_deref(),
            Some("Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz")
        );
        assert_eq!(cpu_model("processor : 0\n"), None);
    }

    #[test]
    fn machine_is_collected() {
        let m = MachineFacts::collect();
        assert!(!m.hostname.is_empty());
        assert_eq!(m.os, std::env::consts::OS);
        assert!(m.logical_cpus >= 1);
    }
}
