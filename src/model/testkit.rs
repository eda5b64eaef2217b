//! A scenario builder for model tests and benchmarks: a minimal scenario file validated the
//! normal way, so every default is the one the scenario file documents (defined once, in
//! `scenario::validate`'s key tables); tests then change the fields they care about.

use std::path::Path;

use crate::engine::time::{NANOS_PER_MILLI, NANOS_PER_SEC, Nanos};
use crate::scenario::*;

/// One sse-kms bucket over 16 prefixes and one Poisson PUT workload of 10 sessions; the
/// rate, quota and duration come from [`simple`]'s arguments.
const SIMPLE: &str = r#"
name = "test"
seed = 42
duration = "1s"
[kms]
region = "eu-central-1"
[[bucket]]
name = "b"
encryption = "sse-kms"
kms_key = "arn:aws:kms:eu-central-1:111122223333:key/test"
prefixes = 16
[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "poisson", rate = 1 }
sessions = 10
"#;

/// A one-bucket, one-workload scenario: Poisson PUTs at `rate` against `quota_rps`, for
/// `duration_s` seconds, every other setting at its default.
pub fn simple(rate: f64, quota_rps: u64, duration_s: u64) -> Scenario {
    let file = ScenarioFile::parse(Path::new("testkit.toml"), SIMPLE).expect("testkit scenario");
    let set = [
        Override::new("workload.w.arrival.rate", rate, "testkit"),
        Override::new("kms.quota_rps", quota_rps as i64, "testkit"),
        Override::new("duration", format!("{duration_s}s"), "testkit"),
    ];
    let mut sc = file
        .resolve(None, &set)
        .unwrap_or_else(|e| panic!("testkit scenario: {e}"));
    // The reference calibration profile, as every command loads it.
    crate::prepare::load_profile(&mut sc).unwrap_or_else(|e| panic!("testkit profile: {e}"));
    sc
}

/// Fixed latency helper.
pub fn fixed(ms: u64) -> LatencyDist {
    LatencyDist::Fixed(ms * NANOS_PER_MILLI)
}

/// Nanoseconds from seconds.
pub fn secs(s: u64) -> Nanos {
    s * NANOS_PER_SEC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_sets_its_arguments_and_records_them() {
        let sc = simple(250.5, 7, 90);
        assert_eq!(sc.duration, secs(90));
        assert_eq!(sc.kms.quota_rps, 7);
        assert_eq!(
            sc.workloads[0].arrival,
            Arrival::Poisson {
                rate: 250.5,
                profile: RateProfile::Flat
            }
        );
        let quota = sc.provenance.iter().find(|p| p.path == "kms.quota_rps");
        assert_eq!(quota.map(|p| p.value.as_str()), Some("7"));
        assert!(sc.notes.is_empty(), "{:?}", sc.notes);
    }
}
