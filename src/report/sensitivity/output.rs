//! `sensitivity.json` (schema `bksim.sensitivity.v1`): per variant, the base metrics and,
//! per parameter ordered by the spread it causes, the metrics and verdict at its low and
//! high, and where bisection found the verdict to flip.

use super::metrics::{Values, Verdict};
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "bksim.sensitivity.v1";
pub const FILE: &str = crate::layout::SENSITIVITY_FILE;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityResults {
    pub schema: String,
    pub scenario: String,
    pub seed: u64,
    /// How close the flip values are (see [`Flip`]).
    pub bisection_precision: String,
    pub variants: Vec<VariantResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub name: String,
    /// The verdict at the base values.
    pub verdict: Verdict,
    pub base: Values,
    pub parameters: Vec<ParamResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamResult {
    pub path: String,
    /// Where the base value comes from: assumption, fact (UNCERTAIN), scenario line N...
    pub source: String,
    pub reason: String,
    pub low: String,
    pub high: String,
    pub at_low: Values,
    pub at_high: Values,
    pub verdict_at_low: Verdict,
    pub verdict_at_high: Verdict,
    /// Present when an end changes the verdict and the values between are numeric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flip: Option<Flip>,
}

/// Where the verdict flips between the base value and an end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flip {
    /// The value closest to the flip that keeps the base verdict.
    pub keeps: String,
    /// The value closest to the flip that changes it.
    pub flips: String,
    /// The verdict at `flips`.
    pub verdict: Verdict,
}

/// Most parameters a variant's results may list (bksim varies a few dozen).
pub const MAX_PARAMETERS: usize = 1_000;

impl SensitivityResults {
    /// What the numbers' bounds ([`crate::report::plausible::sensitivity_quantity`]) do not
    /// cover, for a file read back: variant names that are names, metrics bksim computes,
    /// texts it could have written, and no more variants or parameters than it runs. The
    /// error names the key.
    pub fn check_contents(&self) -> Result<(), String> {
        use crate::report::plausible::{check_free_text, check_variant_names};
        let texts = [
            ("scenario", &self.scenario),
            ("bisection_precision", &self.bisection_precision),
        ];
        for (key, text) in texts {
            check_free_text(text).map_err(|e| format!("{key}: {e}"))?;
        }
        check_variant_names(self.variants.iter().map(|v| v.name.as_str()))?;
        for (i, v) in self.variants.iter().enumerate() {
            let at = |key: &str| format!("variants[{i}].{key}");
            check_metrics(&v.base).map_err(|e| format!("{}: {e}", at("base")))?;
            if v.parameters.len() > MAX_PARAMETERS {
                return Err(format!(
                    "{}: {} of them, more than {MAX_PARAMETERS}",
                    at("parameters"),
                    v.parameters.len()
                ));
            }
            for (j, p) in v.parameters.iter().enumerate() {
                let at = |key: &str| at(&format!("parameters[{j}].{key}"));
                let flip = p.flip.as_ref();
                let texts = [
                    ("path", Some(&p.path)),
                    ("source", Some(&p.source)),
                    ("reason", Some(&p.reason)),
                    ("low", Some(&p.low)),
                    ("high", Some(&p.high)),
                    ("flip.keeps", flip.map(|f| &f.keeps)),
                    ("flip.flips", flip.map(|f| &f.flips)),
                ];
                for (key, text) in texts {
                    if let Some(text) = text {
                        check_free_text(text).map_err(|e| format!("{}: {e}", at(key)))?;
                    }
                }
                check_same_metrics(&p.at_low, &v.base)
                    .map_err(|e| format!("{}: {e}", at("at_low")))?;
                check_same_metrics(&p.at_high, &v.base)
                    .map_err(|e| format!("{}: {e}", at("at_high")))?;
            }
        }
        Ok(())
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("results serialize");
        s.push('\n');
        s
    }
}

/// A run's metrics read back: every one bksim computes, and no other.
fn check_metrics(values: &Values) -> Result<(), String> {
    use super::metrics::NAMES;
    if let Some(k) = values.keys().find(|k| !NAMES.contains(&k.as_str())) {
        return Err(format!(
            "'{}' is not a metric bksim computes ({})",
            crate::input::escape_controls(&crate::input::clip(k, 60)),
            NAMES.join(", ")
        ));
    }
    Ok(())
}

/// A parameter's metrics at one end: those of its variant's base, no more, no fewer.
fn check_same_metrics(values: &Values, base: &Values) -> Result<(), String> {
    check_metrics(values)?;
    if let Some(k) = base.keys().find(|k| !values.contains_key(*k)) {
        return Err(format!("the metric '{k}' of the base is missing"));
    }
    if let Some(k) = values.keys().find(|k| !base.contains_key(*k)) {
        return Err(format!("the metric '{k}' is not one of the base's"));
    }
    Ok(())
}
