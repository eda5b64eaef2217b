//! Sensitivity analysis (`bksim sensitivity`): which assumptions a verdict rests on. Each
//! assumption-labelled parameter is run at a plausible low and high ([`ranges`]), one at a
//! time with the same seed, and the metrics ([`metrics`]) are written as
//! `sensitivity.json` ([`output`]).

pub mod metrics;
pub mod output;
pub mod ranges;
pub mod runner;
pub mod shard;
pub mod tornado;
pub mod values;

pub use output::SensitivityResults;
pub use runner::Sensitivity;

#[cfg(test)]
mod key_tests;
#[cfg(test)]
mod tests;
