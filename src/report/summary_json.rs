//! `summary.json`: the deterministic results of a run, schema `bksim.summary.v1`.
//!
//! Byte-identical for the same scenario, seed and bksim version: the document is built from
//! structs (fields in declaration order, no hash maps), floats are printed by serde_json's
//! shortest round-trip formatting, and nothing from the wall clock or the machine goes in
//! (that is `run.json`'s job). Pretty-printed with two-space indentation and a final newline.

use serde::Serialize;

use crate::metrics::results::{RunResults, SUMMARY_SCHEMA, VariantSummary};

/// The version of bksim that produced a file.
pub const BKSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Serialize)]
struct SummaryDoc<'a> {
    schema: &'static str,
    bksim_version: &'static str,
    scenario: &'a str,
    description: &'a str,
    seed: u64,
    simulated_seconds: f64,
    warmup_seconds: f64,
    /// How long requests in flight at `simulated_seconds` could still drain; those still in
    /// flight after it are each variant's `unfinished`.
    drain_limit_seconds: f64,
    variants: Vec<&'a VariantSummary>,
}

/// The text of `summary.json` for a run.
pub fn summary_json(r: &RunResults) -> String {
    let doc = SummaryDoc {
        schema: SUMMARY_SCHEMA,
        bksim_version: BKSIM_VERSION,
        scenario: &r.scenario,
        description: &r.description,
        seed: r.seed,
        simulated_seconds: r.simulated_seconds,
        warmup_seconds: r.warmup_seconds,
        drain_limit_seconds: crate::engine::time::to_secs(crate::metrics::collector::DRAIN_LIMIT),
        variants: r.variants.iter().map(|v| &v.summary).collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("plain structs always serialize");
    s.push('\n');
    s
}
