//! Who makes each request, and under which KMS keys, for the checks and records that name them (a
//! bucket's policies, CloudTrail records): one entry per caller index, which is a request's `workload`:
//! the planned workloads (their `principal`), then the trace workloads (a role named after
//! each), then the replication rules (their `role`).

use crate::scenario::{DEFAULT_ACCOUNT, Scenario, arn_account, arn_region, default_principal};

/// (name, principal ARN) by caller index.
pub(super) fn principals(sc: &Scenario) -> Vec<(String, String)> {
    let account = sc
        .buckets
        .first()
        .map_or(DEFAULT_ACCOUNT, |b| arn_account(&b.kms_key));
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

/// A KMS key's ARN with its Region and account.
pub(super) struct KeyName {
    pub(super) arn: String,
    pub(super) region: String,
    pub(super) account: String,
}

impl KeyName {
    /// `arn:aws:kms:REGION:ACCOUNT:key/ID` (or `alias/NAME`), validated by the scenario.
    pub(super) fn new(arn: &str, default_region: &str) -> KeyName {
        KeyName {
            arn: arn.to_string(),
            region: arn_region(arn).unwrap_or(default_region).to_string(),
            account: arn_account(arn).to_string(),
        }
    }
}

/// The KMS keys bucket `bi` can use, by slot (see [`super::kms_keys`]), named.
pub(super) fn key_names(sc: &Scenario, bi: usize) -> Vec<KeyName> {
    super::kms_keys::slots(sc, bi)
        .into_iter()
        .map(|k| KeyName::new(k, &sc.kms.region))
        .collect()
}
