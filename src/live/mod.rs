//! The live harness (`bksim live`): a scenario's workloads run in wall-clock time on real
//! threads, with real AES-256-GCM envelope encryption, an in-process KMS whose quota is
//! enforced per real second and an in-process S3 front end.

pub mod envelope;
pub mod throughput;
