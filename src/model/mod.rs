//! The simulation model: workloads, clients with retry policies, the S3 front end with its
//! bucket-key cache and prefix limits, and a quota-limited KMS. [`run_variant`] simulates one
//! validated scenario and returns its results.

pub mod client;
pub mod dist;
#[cfg(test)]
mod existing_tests;
pub mod key_cache;
pub mod kms;
pub mod limiter;
pub mod objects;
#[cfg(test)]
mod sdk_tests;
pub mod sim;
#[doc(hidden)]
pub mod testkit;
#[cfg(test)]
mod tests;
pub mod verify;

use crate::engine::time::to_secs;
use crate::metrics::results::{
    ByCaller, ByOperation, CallerCalls, CloudTrailSummary, CryptoSummary, KmsSummary, PerOp,
    Slowdown, VariantResults, VariantSummary,
};
use crate::metrics::summary::latency_summary;
use crate::metrics::summary::round6;
use crate::scenario::Scenario;
use kms::{monthly_cost, request_cost};

/// Simulates one variant (a scenario with its overrides applied) and summarises it.
/// `progress`, when given, is called from time to time with the simulated time reached.
pub fn run_variant(name: &str, sc: &Scenario, progress: Option<sim::Progress>) -> VariantResults {
    run_variant_traced(name, sc, progress, None).0
}

/// [`run_variant`], writing every KMS call to `trail` as a CloudTrail record: the results,
/// and the trail's figures (or why writing it failed) when there is one.
pub fn run_variant_traced(
    name: &str,
    sc: &Scenario,
    progress: Option<sim::Progress>,
    trail: Option<sim::trail::Trail>,
) -> (
    VariantResults,
    Option<std::io::Result<crate::cloudtrail::TrailStats>>,
) {
    let mut simulation = sim::Simulation::new(sc);
    if let Some(t) = trail {
        simulation = simulation.with_trail(t);
    }
    let mut finished = simulation.run(progress);
    let trail = finished.trail.take();
    (summarise(name, sc, finished), trail)
}

pub(crate) fn summarise(name: &str, sc: &Scenario, finished: sim::Finished) -> VariantResults {
    let measured = measured_seconds(sc);
    let (kms_regions, regions_cost, regions_monthly) =
        sim::regions::summaries(sc, &finished.regions, measured);
    let replication = sim::replication::summary(sc, &finished.replication, &kms_regions);
    let m = finished.metrics;
    let sessions: u64 = sc.workloads.iter().map(|w| w.sessions as u64).sum();
    let served = m.kms_requests - m.kms_throttled;
    // One Region: the cost as it always was computed; several: the sum over Regions.
    let (cost_usd, cost_usd_per_month) = if finished.regions.len() > 1 {
        (regions_cost, regions_monthly)
    } else {
        (
            request_cost(served as f64, sc.kms.price_per_10k),
            monthly_cost(served, measured, sc.kms.price_per_10k, sc.kms.free_tier),
        )
    };
    let peak_rps = m.peak_kms_rps;
    let step = m.step();
    let keys = distinct_kms_keys(sc);
    let per_day = if measured > 0.0 {
        m.kms_requests as f64 * 86_400.0 / measured
    } else {
        0.0
    };
    let summary = VariantSummary {
        name: name.to_string(),
        description: String::new(),
        requests: PerOp {
            put: m.put,
            get: m.get,
        },
        other_requests: m.other,
        latency_ms: PerOp {
            put: latency_summary(&m.latency_put),
            get: latency_summary(&m.latency_get),
        },
        kms: KmsSummary {
            quota_rps: sc.kms.quota_rps,
            requests: m.kms_requests,
            throttled: m.kms_throttled,
            by_operation: ByOperation {
                GenerateDataKey: m.generate_data_key,
                Decrypt: m.decrypt,
                Encrypt: m.encrypt,
            },
            by_caller: by_caller(sc, &m),
            for_existing_objects: m.kms_for_existing,
            peak_rps,
            background_requests: m.background_requests,
            background_throttled: m.background_throttled,
            cost_usd: round6(cost_usd),
            cost_usd_per_month: round6(cost_usd_per_month),
            keys,
            key_cost_usd_per_month: round6(keys as f64 * sc.kms.key_price_per_month),
        },
        kms_regions,
        replication,
        cloudtrail: CloudTrailSummary {
            kms_events: m.kms_requests,
            object_arn_context: m.ctx_object,
            bucket_arn_context: m.ctx_bucket,
            client_context: m.ctx_client,
            kms_events_per_day: per_day.round(),
        },
        bucket_keys_issued: m.bucket_keys_issued,
        bucket_keys_decrypted: m.bucket_keys_decrypted,
        s3_slowdown: Slowdown {
            kms: m.slowdown_kms,
            prefix: m.slowdown_prefix,
        },
        access_denied: finished.denied,
        crypto: CryptoSummary {
            profile: sc.crypto.profile.clone(),
            client_cpu_cores: sc.client.cpu_cores,
            client_cpu_seconds: round6(to_secs(finished.client_cpu_busy)),
            client_cpu_load: {
                let capacity = sessions as f64 * sc.client.cpu_cores as f64 * measured;
                if capacity > 0.0 {
                    round6(to_secs(finished.client_cpu_busy) / capacity)
                } else {
                    0.0
                }
            },
            verified_objects: finished.verified_objects,
        },
        notes: sc.notes.iter().cloned().chain(finished.notes).collect(),
        parameters: sc.provenance.clone(),
    };
    VariantResults {
        summary,
        latency_put: m.latency_put,
        latency_get: m.latency_get,
        timeseries_step: step,
        timeseries: m.rows,
        events: finished.events,
        verify_failures: finished.verify_failures,
        trace_cut: finished.trace_cut,
        trace_error: finished.trace_error,
    }
}

/// KMS calls split by caller, when a bucket has a client-side layer over its server-side mode
/// (`client_encryption`); `None` otherwise, so other scenarios' summaries are unchanged.
fn by_caller(sc: &Scenario, m: &crate::metrics::collector::Collector) -> Option<ByCaller> {
    let layered = sc.buckets.iter().any(|b| b.client_layer.is_some())
        || sc.workloads.iter().any(|w| w.client_layer.is_some());
    if !layered {
        return None;
    }
    let client = CallerCalls {
        requests: m.ctx_client,
        throttled: m.client_throttled,
        GenerateDataKey: m.client_generate_data_key,
        Decrypt: m.client_decrypt,
    };
    Some(ByCaller {
        s3: CallerCalls {
            requests: m.kms_requests - client.requests,
            throttled: m.kms_throttled - client.throttled,
            GenerateDataKey: m.generate_data_key - client.GenerateDataKey,
            Decrypt: m.decrypt - client.Decrypt,
        },
        client,
    })
}

/// KMS keys the scenario uses (each costs storage per month): see
/// [`sim::kms_keys::distinct_kms_keys`].
fn distinct_kms_keys(sc: &Scenario) -> u64 {
    sim::kms_keys::distinct_kms_keys(sc).len() as u64
}

/// Simulated seconds covered by a run's measurement window [warmup, duration).
pub fn measured_seconds(sc: &Scenario) -> f64 {
    to_secs(sc.duration.saturating_sub(sc.warmup))
}
