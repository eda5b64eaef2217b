//! The live harness (`bksim live`): a scenario's workloads run in wall-clock time on real
//! threads, with real AES-256-GCM envelope encryption, an in-process KMS whose quota is
//! enforced per real second and an in-process S3 front end; then compared with the
//! simulation of the same scaled scenario.
//!
//! - The scenario it plays: [`scale`] (rates × `--scale`, what it does not run) and
//!   [`capacity`] (what a call costs here, so a load beyond the machine is refused).
//! - The run: [`harness`] (threads, shared state, the end), [`timer`] and [`clock`],
//!   [`worker`] (a request's life), [`sequence`] (workloads after workloads), [`request`].
//! - The services: [`kms`] (quota, latency, real key work), [`front`] (S3: prefix limits,
//!   the KMS calls a mode needs, bucket-key caches in [`cache`]), [`store`] (objects kept
//!   for reads), [`envelope`] (sealing and checking an object's bytes).
//! - The outputs: [`compare`] (live beside simulated), [`output`] (`live.json`),
//!   [`throughput`] (this machine's envelope-encryption throughput per mode).

pub mod cache;
pub mod capacity;
pub mod clock;
pub mod compare;
pub mod copy;
pub mod cse;
pub mod cse_cache;
pub mod envelope;
pub mod front;
pub mod harness;
pub mod kms;
pub mod output;
pub mod replay;
pub mod replication;
pub mod request;
pub mod scale;
pub mod sequence;
pub mod store;
pub mod throughput;
pub mod timer;
pub mod worker;

/// Locks `m`; a thread that panicked while holding it has already failed the run (the
/// harness reports it), so its data is used as it is.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
