//! `live.json` (schema `bksim.live.v1`), what `bksim live` writes beside a run's files: per
//! variant the live run against the simulation of the same scaled scenario (compared rows,
//! whether the harness kept up, its own figures) and the machine's envelope-encryption
//! throughput. The types here are the file's format, written by [`crate::live`] and read by
//! the report ([`crate::report::live`]).

use serde::{Deserialize, Serialize};

pub const LIVE_SCHEMA: &str = "bksim.live.v1";

/// Most rows of a variant's comparison (bksim compares a few dozen figures).
pub const MAX_ROWS: usize = 1_000;
/// The kinds of difference a row states: relative, or in percentage points.
pub const KINDS: &[&str] = &["relative", "points"];

/// Seeds the scaled scenario is simulated with (its seed and the next ones): a live run is one
/// draw, so it is compared with the model's median rather than with one draw of the model.
pub const SIM_SEEDS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveFile {
    pub schema: String,
    pub scenario: String,
    pub scale: f64,
    pub duration_seconds: f64,
    pub warmup_seconds: f64,
    pub threads: usize,
    pub cpu_model: Option<String>,
    pub logical_cpus: usize,
    pub variants: Vec<LiveVariant>,
    /// This machine's envelope-encryption throughput for uploads, per mode, on the run's
    /// threads and payload size (measured after the runs).
    pub throughput: Throughput,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveVariant {
    pub name: String,
    /// False when the harness could not keep up with the scaled rate: the comparison is then
    /// not evidence about the model.
    pub valid: bool,
    pub invalid_because: Vec<String>,
    /// Whether live and simulated agree within the validation tolerances.
    pub agrees: bool,
    pub disagreements: Vec<String>,
    pub comparison: Vec<Row>,
    pub harness: HarnessStats,
}

/// One compared figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Row {
    pub metric: String,
    pub live: f64,
    /// The median over the simulation's seeds (see [`SIM_SEEDS`]).
    pub simulated: f64,
    /// The lowest and highest value over those seeds: how much the model's own answer
    /// moves with the random draws.
    pub simulated_range: [f64; 2],
    /// (live − simulated) / simulated, or for a fraction live − simulated in percentage
    /// points; None when the simulated value is 0 and the live one is not.
    pub difference: Option<f64>,
    /// `relative` or `points`.
    pub kind: String,
}

/// What the harness measured about itself.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HarnessStats {
    pub threads: usize,
    pub wall_seconds: f64,
    /// How late the timer handed tasks over, µs: p50, p99, max.
    pub timer_lag_us: [u64; 3],
    /// How late workers started tasks (timer lag plus waiting in the workers' queue), µs.
    pub dispatch_lag_us: [u64; 3],
    /// Share of the workers' time spent handling tasks.
    pub worker_busy: f64,
    pub objects_sealed: u64,
    pub bytes_sealed: u64,
    pub objects_opened: u64,
    pub bytes_opened: u64,
    /// CPU seconds spent in AES-GCM and key derivation, all threads.
    pub crypto_seconds: f64,
    pub max_payload: u64,
    /// Requests still in flight when the drain ended.
    pub unfinished: u64,
    /// Client-side encryption's own work (absent without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_side: Option<ClientStats>,
}

/// Client-side encryption's own work in a live run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClientStats {
    /// Data keys served from the sessions' caches (no KMS call), for writes and for reads.
    pub cache_hits_generate: u64,
    pub cache_hits_decrypt: u64,
    /// Objects the client really encrypted, and decrypted and checked.
    pub objects_sealed: u64,
    pub objects_opened: u64,
    /// Seconds of timer delay charged for the bytes beyond `--max-payload` (calibration cost).
    pub cpu_delay_seconds: f64,
}

/// One mode's figures, all threads together.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ModeThroughput {
    /// `"per-object"` or `"bucket-key"`.
    pub mode: String,
    /// Objects encrypted, all threads.
    pub objects: u64,
    /// Payload bytes encrypted: `objects · payload_bytes`.
    pub bytes: u64,
    /// Wall-clock seconds the mode ran (the slowest thread, from the common start).
    pub seconds: f64,
    pub objects_per_s: f64,
    /// Decimal gigabytes (10⁹ bytes) of payload per second.
    pub gb_per_s: f64,
    /// CPU-microseconds per object: the threads' own CPU time (not wall time, so other
    /// programs on the machine do not count) over the objects.
    pub us_per_object: f64,
}

/// Both modes measured on the same threads and payload size.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Throughput {
    pub threads: usize,
    pub payload_bytes: usize,
    /// The GCM backend in use (`aws-lc-rs`, `rustcrypto`, ...).
    pub backend: String,
    pub per_object: ModeThroughput,
    pub bucket_key: ModeThroughput,
}

impl LiveFile {
    /// What the numbers' bounds ([`crate::report::plausible::live_quantity`]) do not cover,
    /// for a file read back: names that are names, texts bksim could have written, the kinds
    /// of difference it states, and no more variants or rows than it writes. The error names
    /// the key.
    pub fn check_contents(&self) -> Result<(), String> {
        use crate::report::plausible::{check_free_text, check_name, check_variant_names};
        let text = |key: &str, t: &str| check_free_text(t).map_err(|e| format!("{key}: {e}"));
        check_name(&self.scenario).map_err(|e| format!("scenario: {e}"))?;
        if let Some(m) = &self.cpu_model {
            text("cpu_model", m)?;
        }
        text("throughput.backend", &self.throughput.backend)?;
        text(
            "throughput.per_object.mode",
            &self.throughput.per_object.mode,
        )?;
        text(
            "throughput.bucket_key.mode",
            &self.throughput.bucket_key.mode,
        )?;
        check_variant_names(self.variants.iter().map(|v| v.name.as_str()))?;
        for (i, v) in self.variants.iter().enumerate() {
            let at = |key: &str| format!("variants[{i}].{key}");
            for (key, list) in [
                ("invalid_because", &v.invalid_because),
                ("disagreements", &v.disagreements),
            ] {
                if list.len() > MAX_ROWS {
                    return Err(format!("{}: more than {MAX_ROWS} entries", at(key)));
                }
                for (j, t) in list.iter().enumerate() {
                    text(&at(&format!("{key}[{j}]")), t)?;
                }
            }
            if v.comparison.len() > MAX_ROWS {
                return Err(format!("{}: more than {MAX_ROWS} rows", at("comparison")));
            }
            for (j, r) in v.comparison.iter().enumerate() {
                text(&at(&format!("comparison[{j}].metric")), &r.metric)?;
                if !KINDS.contains(&r.kind.as_str()) {
                    return Err(format!(
                        "{}: '{}', expected one of {}",
                        at(&format!("comparison[{j}].kind")),
                        crate::input::escape_controls(&crate::input::clip(&r.kind, 40)),
                        KINDS.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }
}
