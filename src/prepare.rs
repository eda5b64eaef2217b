//! Turns a scenario file's variant into a scenario ready to simulate: resolved and validated
//! ([`ScenarioFile::resolve`]), then priced with its calibration profile (which validation
//! only locates). Sits above `scenario` and `crypto` so that neither depends on the other;
//! every command, the test kit and the benches go through it.

use crate::crypto::calibration::Profile;
use crate::mode::Mode;
use crate::replay::facts::BucketFacts;
use crate::replay::load::{Trace, TraceSpec, load};
use crate::scenario::{CseCost, Override, Scenario, ScenarioError, ScenarioFile};
use std::sync::{Arc, Mutex};

/// The variant `variant` (the base document when None) of `file` with `extra` applied,
/// validated and with its calibration profile loaded.
pub fn variant(
    file: &ScenarioFile,
    variant: Option<&str>,
    extra: &[Override],
) -> Result<Scenario, ScenarioError> {
    let mut sc = file.resolve(variant, extra)?;
    load_profile(&mut sc)?;
    // `[[expect]]` metrics name numbers of the summary, whose type validation cannot see.
    let known = crate::report::expect::metric_paths();
    sc.expect.iter().try_for_each(|e| e.check_metric(&known))?;
    load_traces(&mut sc)?;
    Ok(sc)
}

/// Logs already read in this process: every variant, sweep point and capacity probe of a
/// command replays the same log, which is read and ordered once.
static TRACES: Mutex<Vec<(TraceSpec, Arc<Trace>)>> = Mutex::new(Vec::new());

/// The log `spec` names, read once per process.
pub fn trace(spec: &TraceSpec) -> Result<Arc<Trace>, crate::replay::load::LoadError> {
    let mut cache = TRACES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, t)) = cache.iter().find(|(s, _)| s == spec) {
        return Ok(t.clone());
    }
    let t = Arc::new(load(spec)?);
    cache.push((spec.clone(), t.clone()));
    Ok(t)
}

/// Reads the logs of `sc`'s trace workloads and matches each bucket of a log to the
/// scenario's bucket of that S3 name. A log that cannot be replayed, or a bucket the scenario
/// does not declare, is an invalid `trace`, reported where it was written.
pub fn load_traces(sc: &mut Scenario) -> Result<(), ScenarioError> {
    for tw in &mut sc.traces {
        let key = format!("workload.{}.trace", tw.name);
        let t = trace(&tw.spec).map_err(|e| tw.site.invalid(&key, e.to_string()))?;
        let mut missing = Vec::new();
        tw.buckets = t
            .buckets
            .iter()
            .map(|name| {
                sc.buckets
                    .iter()
                    .position(|b| &b.s3_name == name)
                    .unwrap_or_else(|| {
                        missing.push(name.clone());
                        0
                    })
            })
            .collect();
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(5).map(|m| format!("'{m}'")).collect();
            let more = if missing.len() > 5 {
                format!(" and {} more", missing.len() - 5)
            } else {
                String::new()
            };
            return Err(tw.site.invalid(
                &key,
                format!(
                    "the log names bucket(s) {}{more} that no [[bucket]] of the scenario is (by name or s3_name); declare each with its encryption",
                    shown.join(", ")
                ),
            ));
        }
        if let Some(&bi) = tw.buckets.iter().find(|&&bi| {
            sc.buckets[bi].encryption.client_calls_kms() || sc.buckets[bi].client_layer.is_some()
        }) {
            return Err(tw.site.invalid(
                &key,
                format!(
                    "bucket '{}' uses cse-kms{}: a log of S3 requests does not show the client's own KMS calls, so replay models only server-side encryption and none",
                    sc.buckets[bi].name,
                    if sc.buckets[bi].client_layer.is_some() {
                        " (client_encryption)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        tw.trace = Some(t);
    }
    let read: Vec<usize> = sc.traces.iter().flat_map(|tw| tw.buckets.clone()).collect();
    for bi in read {
        assume_existing(sc, bi);
    }
    Ok(())
}

/// Objects a replayed log reads but never writes were in the bucket before it: when the
/// scenario does not describe them (`[bucket.existing]`), they are taken as written
/// [`REPLAY_WRITTEN_OVER_DAYS`] days before by one session, with the bucket's own encryption
/// and the bucket-key setting of the scenario file (a variant that turns bucket keys on does
/// not rewrite them: see [`Bucket::history_bucket_key`](crate::scenario::Bucket)), and the
/// scenario says so.
fn assume_existing(sc: &mut Scenario, bi: usize) {
    use crate::scenario::{Population, Provenance, SizeDist, ValueSource};
    let b = &mut sc.buckets[bi];
    if b.existing.is_some() {
        return;
    }
    let written_over = REPLAY_WRITTEN_OVER_DAYS * 86_400 * crate::engine::time::NANOS_PER_SEC;
    b.existing = Some(Population {
        objects: REPLAY_EXISTING_OBJECTS,
        written_over,
        writer_sessions: 1,
        bucket_key_since: if b.history_bucket_key {
            written_over
        } else {
            0
        },
        size: SizeDist::Fixed(0),
    });
    let path = format!("bucket.{}.existing", b.name);
    sc.notes.push(format!(
        "bucket '{}': objects the log reads but never writes are taken as written over the {REPLAY_WRITTEN_OVER_DAYS} days before, by one session, {} (describe them with [bucket.existing])",
        b.name,
        if b.history_bucket_key {
            "with a bucket key"
        } else {
            "each with its own data key"
        }
    ));
    let at = sc.provenance.partition_point(|p| p.path < path);
    sc.provenance.insert(
        at,
        Provenance {
            path,
            value: format!(
                "{{ objects = {REPLAY_EXISTING_OBJECTS}, written_over = \"{REPLAY_WRITTEN_OVER_DAYS}d\", writer_sessions = 1 }}"
            ),
            source: ValueSource::Assumption {
                note: crate::scenario::presets::NOTE_REPLAY_EXISTING.to_string(),
            },
        },
    );
}

/// Pre-existing objects assumed for a replayed bucket without `[bucket.existing]` (an
/// object's index is its hashed identity modulo this: effectively every object distinct).
pub const REPLAY_EXISTING_OBJECTS: u64 = 1 << 40;
/// Over how many days before the log they were written.
pub const REPLAY_WRITTEN_OVER_DAYS: u64 = 30;

/// What the report says about a trace workload's log: its facts with the workload's name,
/// speed and bucket mapping.
pub fn trace_facts(sc: &Scenario) -> Vec<crate::replay::facts::TraceFacts> {
    sc.traces
        .iter()
        .filter_map(|tw| {
            let t = tw.trace.as_ref()?;
            let mut f = t.facts.clone();
            f.workload = tw.name.clone();
            f.paths = tw.written.clone();
            f.speed = tw.speed;
            f.buckets = t
                .buckets
                .iter()
                .zip(&tw.buckets)
                .zip(&t.bucket_requests)
                .map(|((log_name, &bi), &requests)| BucketFacts {
                    log_name: log_name.clone(),
                    bucket: sc.buckets[bi].name.clone(),
                    requests,
                })
                .collect();
            Some(f)
        })
        .collect()
}

/// Loads `sc`'s calibration profile (`crypto.profile`) and sets what client-side encryption
/// costs. A profile that cannot be loaded is an invalid `crypto.profile`, reported at the
/// place it was written.
pub fn load_profile(sc: &mut Scenario) -> Result<(), ScenarioError> {
    let c = &mut sc.crypto;
    let profile = match &c.profile_path {
        None => Profile::reference(),
        Some(path) => Profile::load(path)
            .map_err(|e| c.profile_site.invalid("crypto.profile", e.to_string()))?,
    };
    c.cse_cost = Some(CseCost {
        per_object_ns: profile.per_object(Mode::CseKms, false),
        bytes_per_sec: profile.gcm_bytes_per_sec,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const TEXT: &str = r#"name = "m"
duration = "1m"
[crypto]
profile = "no-such-profile.json"
[[bucket]]
name = "ingest"
encryption = "cse-kms"
[[workload]]
name = "uploads"
bucket = "ingest"
op = "put"
arrival = { kind = "poisson", rate = 1000 }
"#;

    #[test]
    fn an_unloadable_profile_is_an_invalid_crypto_profile_where_it_was_written() {
        let file = ScenarioFile::parse(Path::new("scenarios/x.toml"), TEXT).unwrap();
        // Validation only locates the profile.
        let sc = file.resolve(None, &[]).unwrap();
        assert_eq!(sc.crypto.cse_cost, None);
        assert_eq!(
            sc.crypto.profile_path.as_deref(),
            Some(Path::new("scenarios/no-such-profile.json"))
        );
        let e = variant(&file, None, &[]).unwrap_err();
        assert_eq!(e.kind(), crate::scenario::ErrorKind::Invalid);
        let shown = e.to_string();
        assert!(
            shown.starts_with("scenarios/x.toml:4:") && shown.contains("crypto.profile: "),
            "{shown}"
        );
        assert!(shown.contains("no-such-profile.json"), "{shown}");
    }

    #[test]
    fn the_reference_profile_prices_client_side_encryption() {
        let text = TEXT.replace("no-such-profile.json", "reference");
        let file = ScenarioFile::parse(Path::new("scenarios/x.toml"), &text).unwrap();
        let sc = variant(&file, None, &[]).unwrap();
        let reference = Profile::reference();
        assert_eq!(
            sc.crypto.cse_cost,
            Some(CseCost {
                per_object_ns: reference.per_object(Mode::CseKms, false),
                bytes_per_sec: reference.gcm_bytes_per_sec,
            })
        );
    }
}
