//! The live harness (`bksim live`): a scenario's workloads run in wall-clock time on real
//! threads, with real AES-256-GCM envelope encryption, an in-process KMS whose quota is
//! enforced per real second and an in-process S3 front end.

pub mod cache;
pub mod clock;
pub mod compare;
pub mod cse;
pub mod cse_cache;
pub mod envelope;
pub mod front;
pub mod harness;
pub mod kms;
pub mod output;
pub mod request;
pub mod scale;
pub mod store;
pub mod timer;
pub mod worker;
