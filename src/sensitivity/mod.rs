//! Sensitivity analysis (`bksim sensitivity`): which assumptions a verdict rests on. Each
//! assumption-labelled parameter is run at a plausible low and high ([`ranges`]), one at a
//! time with the same seed, and the metrics ([`metrics`]) are written as
//! `sensitivity.json` ([`output`]).

pub mod ranges;
pub mod runner;
pub mod shard;
pub mod values;

/// The results' format, metrics and tornado charts, which the report reads too.
pub use crate::report::sensitivity::{metrics, output, tornado};

pub use output::SensitivityResults;
pub use runner::Sensitivity;

#[cfg(test)]
mod key_tests;
#[cfg(test)]
mod tests;
