//! bksim: a capacity-planning simulator and benchmark harness for Amazon S3 encryption with
//! AWS KMS.
//!
//! Data flows one way. A scenario file is parsed into a raw document ([`scenario`]); overrides
//! (a variant's `set` table, a sweep point, the command line's `--set`) are applied to that
//! raw document as dotted paths, and the result is validated into a [`scenario::Scenario`]
//! with every value in internal units. For each variant, the [`model`] builds a discrete-event
//! simulation on the [`engine`] (integer nanosecond clock, FIFO tie-breaks, one ChaCha stream
//! per source of randomness) out of workloads, SDK-like clients with retry policies, the S3
//! front end with its bucket-key cache and prefix limits, and a quota-limited KMS. The model
//! fills [`metrics`], which become plain serde [`metrics::results`] structs; the [`report`]
//! exporters turn those into `summary.json`, `timeseries.csv`, HdrHistogram files and the
//! terminal table. [`crypto`] is a real envelope-encryption library used to measure and verify
//! what the modelled encryption costs. [`outdir`] makes each results directory one complete
//! set: written into a staging directory and swapped in whole.

pub mod atomic;
pub mod chart;
pub mod cli;
pub mod cloudtrail;
pub mod crypto;
pub mod engine;
pub mod input;
pub mod layout;
pub mod live;
pub mod metrics;
pub mod mode;
pub mod model;
pub mod outdir;
pub mod policy;
pub mod prepare;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod sweep;
