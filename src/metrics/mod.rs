//! Counters, histograms and the per-second time series a run fills, and the result types.

pub mod collector;
pub mod results;
pub mod summary;
