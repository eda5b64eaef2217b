//! `summary.json`: the deterministic results of a run, schema `bksim.summary.v1`:
//! [`SummaryFile`], its writer ([`summary_json`], [`SummaryFile::to_json`]) and its reader
//! ([`parse_summary`]).
//!
//! Byte-identical for the same scenario, seed and bksim version: the document is built from
//! structs (fields in declaration order, no hash maps), floats are printed by serde_json's
//! shortest round-trip formatting, and nothing from the wall clock or the machine goes in
//! (that is `run.json`'s job). Pretty-printed with two-space indentation and a final newline.
//!
//! The per-variant block is [`VariantSummary`], the type the collector fills. Fields added
//! after a release carry `#[serde(default)]` so that files written before still read
//! (`drain_limit_seconds` here, `unfinished` in [`OpCounts`](crate::metrics::results::OpCounts)).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{BKSIM_VERSION, LoadError, check_numbers, line_of, parse_json, to_json_text};
use crate::metrics::results::{RunResults, VariantSummary};
use crate::report::plausible::{self, MAX_VARIANTS};
use crate::scenario::Expectation;

/// Schema tag written into `summary.json`.
pub const SUMMARY_SCHEMA: &str = "bksim.summary.v1";

/// `summary.json`, written and read. Fields are written in declaration order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SummaryFile {
    pub schema: String,
    pub bksim_version: String,
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub simulated_seconds: f64,
    pub warmup_seconds: f64,
    /// How long requests in flight at `simulated_seconds` could still drain; those still in
    /// flight after it are each variant's `unfinished` (absent, 0, in files from before it).
    #[serde(default)]
    pub drain_limit_seconds: f64,
    pub variants: Vec<VariantSummary>,
    /// The scenario's measured values (`[[expect]]`); left out of the file when there are
    /// none, so runs without any write what they wrote before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<Expectation>,
    /// What each replayed log held (absent when no workload replays a log).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<crate::replay::facts::TraceFacts>,
}

impl SummaryFile {
    /// The summary of a run, with this bksim's schema and version.
    pub fn from_results(r: &RunResults) -> SummaryFile {
        SummaryFile {
            schema: SUMMARY_SCHEMA.to_string(),
            bksim_version: BKSIM_VERSION.to_string(),
            scenario: r.scenario.clone(),
            description: r.description.clone(),
            seed: r.seed,
            simulated_seconds: r.simulated_seconds,
            warmup_seconds: r.warmup_seconds,
            drain_limit_seconds: crate::engine::time::to_secs(
                crate::metrics::collector::DRAIN_LIMIT,
            ),
            variants: r.variants.iter().map(|v| v.summary.clone()).collect(),
            expectations: r.expectations.clone(),
            traces: r.traces.clone(),
        }
    }

    /// The text of the file: pretty-printed, final newline.
    pub fn to_json(&self) -> String {
        to_json_text(self)
    }
}

/// The text of `summary.json` for a run.
pub fn summary_json(r: &RunResults) -> String {
    SummaryFile::from_results(r).to_json()
}

/// Parses `summary.json` text; `path` is for messages.
pub fn parse_summary(path: &Path, text: &str) -> Result<SummaryFile, LoadError> {
    // Check the schema first, so a summary of another version says so rather than naming the
    // first field that changed.
    #[derive(Deserialize)]
    struct Tag {
        schema: Option<String>,
    }
    let tag: Tag = parse_json(path, text)?;
    match tag.schema.as_deref() {
        Some(SUMMARY_SCHEMA) => {}
        Some(other) => {
            return Err(LoadError::corrupt(
                path,
                0,
                format!("schema is '{other}', this bksim reads '{SUMMARY_SCHEMA}'"),
            ));
        }
        None => {
            return Err(LoadError::corrupt(
                path,
                0,
                format!("no \"schema\" field (expected '{SUMMARY_SCHEMA}')"),
            ));
        }
    }
    check_numbers(path, text, plausible::summary_quantity)?;
    let s: SummaryFile = parse_json(path, text)?;
    check_summary(path, text, &s)?;
    Ok(s)
}

/// The checks of a parsed summary beyond each number's own bound: names, the number of
/// variants, and the counts that must agree with each other.
fn check_summary(path: &Path, text: &str, s: &SummaryFile) -> Result<(), LoadError> {
    let at = |key: &str, message: String| LoadError::corrupt(path, line_of(text, key), message);
    plausible::check_name(&s.scenario)
        .map_err(|e| LoadError::corrupt(path, 0, format!("scenario: {e}")))?;
    if s.variants.is_empty() {
        return Err(LoadError::corrupt(path, 0, "no variants"));
    }
    if s.variants.len() > MAX_VARIANTS {
        return Err(LoadError::corrupt(
            path,
            0,
            format!("{} variants, more than {MAX_VARIANTS}", s.variants.len()),
        ));
    }
    if s.warmup_seconds > s.simulated_seconds {
        return Err(at(
            "warmup_seconds",
            format!(
                "warmup_seconds {} is past simulated_seconds {}",
                s.warmup_seconds, s.simulated_seconds
            ),
        ));
    }
    for (i, v) in s.variants.iter().enumerate() {
        plausible::check_name(&v.name)
            .map_err(|e| LoadError::corrupt(path, 0, format!("variants[{i}].name: {e}")))?;
        if s.variants[..i].iter().any(|w| w.name == v.name) {
            return Err(LoadError::corrupt(
                path,
                0,
                format!("variant '{}' appears twice", v.name),
            ));
        }
        let key = |k: &str| format!("variants[{i}].{k}");
        if v.kms.for_existing_objects > v.kms.requests {
            let k = key("kms.for_existing_objects");
            return Err(at(
                &k,
                format!(
                    "{k} = {} is more than kms.requests = {}",
                    v.kms.for_existing_objects, v.kms.requests
                ),
            ));
        }
        for (op, counts, lat) in [
            ("put", &v.requests.put, &v.latency_ms.put),
            ("get", &v.requests.get, &v.latency_ms.get),
        ] {
            if lat.count != counts.completed {
                let k = key(&format!("latency_ms.{op}.count"));
                return Err(at(
                    &k,
                    format!(
                        "{k} = {} does not match requests.{op}.completed = {}",
                        lat.count, counts.completed
                    ),
                ));
            }
            if counts.no_object > counts.offered {
                let k = key(&format!("requests.{op}.no_object"));
                return Err(at(
                    &k,
                    format!(
                        "{k} = {} is more than offered ({})",
                        counts.no_object, counts.offered
                    ),
                ));
            }
            let order = [
                ("p50", lat.p50),
                ("p90", lat.p90),
                ("p99", lat.p99),
                ("p999", lat.p999),
                ("max", lat.max),
            ];
            for w in order.windows(2) {
                if w[1].1 < w[0].1 {
                    let k = key(&format!("latency_ms.{op}.{}", w[1].0));
                    return Err(at(
                        &k,
                        format!("{k} = {} is below {} = {}", w[1].1, w[0].0, w[0].1),
                    ));
                }
            }
        }
        let kms = &v.kms;
        let ops =
            kms.by_operation.GenerateDataKey + kms.by_operation.Decrypt + kms.by_operation.Encrypt;
        if kms.throttled > kms.requests || ops != kms.requests {
            let k = key("kms.requests");
            return Err(at(
                &k,
                format!(
                    "{k} = {} does not add up: {} throttled, GenerateDataKey + Decrypt + Encrypt = {ops}",
                    kms.requests, kms.throttled
                ),
            ));
        }
        if kms.background_throttled > kms.background_requests {
            let k = key("kms.background_throttled");
            return Err(at(
                &k,
                format!(
                    "{k} = {} is more than background_requests",
                    kms.background_throttled
                ),
            ));
        }
        let ct = &v.cloudtrail;
        let contexts = ct.object_arn_context + ct.bucket_arn_context + ct.client_context;
        if contexts != ct.kms_events {
            let k = key("cloudtrail.kms_events");
            return Err(at(
                &k,
                format!(
                    "{k} = {} does not add up: its contexts sum to {contexts}",
                    ct.kms_events
                ),
            ));
        }
        if let Some(c) = &kms.by_caller {
            let (s3, client) = (&c.s3, &c.client);
            // The client calls GenerateDataKey and Decrypt only; S3's other calls are the
            // replication role's Encrypts (not broken down by caller), so S3's requests are
            // its GenerateDataKey and Decrypt plus at most every Encrypt of the variant.
            let within = |x: &crate::metrics::results::CallerCalls, encrypts: u64| {
                let ops = x.GenerateDataKey + x.Decrypt;
                x.throttled <= x.requests && ops <= x.requests && x.requests - ops <= encrypts
            };
            if s3.requests + client.requests != kms.requests
                || s3.throttled + client.throttled != kms.throttled
                || client.requests != ct.client_context
                || !within(s3, kms.by_operation.Encrypt)
                || !within(client, 0)
            {
                let k = key("kms.by_caller");
                return Err(at(
                    &k,
                    format!(
                        "{k} does not add up: S3's {} and the client's {} requests against {} (client context {})",
                        s3.requests, client.requests, kms.requests, ct.client_context
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chart tests' synthetic summary, with its KMS calls split by operation so that
    /// it passes the reader's checks.
    fn sample() -> SummaryFile {
        let run =
            crate::report::charts::tests::synthetic(&["per-object", "bucket-key"], 5, 100, true);
        let mut s = run.summary;
        for v in &mut s.variants {
            v.kms.by_operation.GenerateDataKey = v.kms.requests / 3;
            v.kms.by_operation.Decrypt = v.kms.requests - v.kms.requests / 3;
        }
        s
    }

    #[test]
    fn written_then_read_is_the_same_summary() {
        let s = sample();
        let text = s.to_json();
        assert!(text.ends_with("}\n"));
        let back = parse_summary(Path::new("summary.json"), &text).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.to_json(), text);
    }

    #[test]
    fn fields_are_written_in_declaration_order() {
        let text = sample().to_json();
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "schema",
                "bksim_version",
                "scenario",
                "description",
                "seed",
                "simulated_seconds",
                "warmup_seconds",
                "drain_limit_seconds",
                "variants"
            ]
        );
    }

    #[test]
    fn files_from_before_the_drain_limit_still_read() {
        let s = sample();
        // Drop both keys; a key left last in its object loses its trailing comma.
        let text = s.to_json();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.contains("\"drain_limit_seconds\"") && !l.contains("\"unfinished\""))
            .collect();
        let mut old = String::new();
        for (i, l) in lines.iter().enumerate() {
            let closes = lines
                .get(i + 1)
                .is_some_and(|n| n.trim_start().starts_with('}'));
            old.push_str(if closes { l.trim_end_matches(',') } else { l });
            old.push('\n');
        }
        assert!(!old.contains("unfinished") && !old.contains("drain_limit"));
        let back = parse_summary(Path::new("summary.json"), &old).unwrap();
        assert_eq!(back.drain_limit_seconds, 0.0);
        assert!(back.variants.iter().all(|v| v.requests.put.unfinished == 0));
        assert_eq!(
            back.variants[0].requests.put.offered,
            s.variants[0].requests.put.offered
        );
    }

    #[test]
    fn summary_schema_and_syntax_errors() {
        let p = Path::new("summary.json");
        let e = parse_summary(p, "{\"schema\": \"bksim.summary.v9\"}").unwrap_err();
        assert!(e.to_string().contains("bksim.summary.v9"), "{e}");
        let e = parse_summary(p, "{\n\"schema\": \"bksim.summary.v1\",\n}").unwrap_err();
        assert!(e.to_string().starts_with("summary.json, line 3: "), "{e}");
        let e = parse_summary(p, "{\"schema\": \"bksim.summary.v1\"}").unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
    }
}
