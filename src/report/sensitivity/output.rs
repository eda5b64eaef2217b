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

impl SensitivityResults {
    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("results serialize");
        s.push('\n');
        s
    }
}
