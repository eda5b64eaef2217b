//! Who makes each request, for the checks and records that name principals (a bucket's
//! policies, CloudTrail records): one entry per caller index, which is a request's `workload`:
//! the planned workloads (their `principal`), then the trace workloads (a role named after
//! each), then the replication rules (their `role`).

use crate::scenario::{Scenario, default_principal};

/// (name, principal ARN) by caller index.
pub(super) fn principals(sc: &Scenario) -> Vec<(String, String)> {
    let account = sc
        .buckets
        .first()
        .and_then(|b| b.kms_key.split(':').nth(4))
        .filter(|a| !a.is_empty())
        .unwrap_or("111122223333");
    let mut out: Vec<(String, String)> = sc
        .workloads
        .iter()
        .map(|w| (w.name.clone(), w.principal.clone()))
        .collect();
    out.extend(
        sc.traces
            .iter()
            .map(|tw| (tw.name.clone(), default_principal(&tw.name, account))),
    );
    out.extend(sc.replication.iter().enumerate().map(|(i, r)| {
        (
            format!(
                "replication {}→{} (rule {})",
                sc.buckets[r.from].name,
                sc.buckets[r.to].name,
                i + 1
            ),
            r.role.clone(),
        )
    }));
    out
}

/// The caller index of replication rule `rule`'s requests.
pub(super) fn replication_caller(sc: &Scenario, rule: u32) -> u32 {
    (sc.workloads.len() + sc.traces.len()) as u32 + rule
}

/// The KMS key of each caller's client-side calls, by caller index: a put workload's
/// `client_kms_key`, else its bucket's layer key, else (a `cse-kms` bucket) the bucket's
/// `kms_key`; `None` for callers that make no client-side call (traces, replication).
pub(super) fn client_keys(sc: &Scenario) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = sc
        .workloads
        .iter()
        .map(|w| {
            let b = &sc.buckets[w.bucket];
            let key = w
                .client_layer
                .as_ref()
                .or(b.client_layer.as_ref())
                .map_or(b.kms_key.as_str(), |l| l.kms_key.as_str());
            Some(key.to_string())
        })
        .collect();
    out.resize(
        sc.workloads.len() + sc.traces.len() + sc.replication.len(),
        None,
    );
    out
}
