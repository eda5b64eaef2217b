//! Whether KMS allows a call, for buckets with policies (`key_policy`, `iam_policies`): the
//! call's principal (its workload's `principal`), action, key, `kms:ViaService` (S3's calls)
//! and encryption context (`aws:s3:arn`: the object's ARN, or the bucket's with a bucket key;
//! the S3 Encryption Client's context for client-side calls), evaluated with
//! [`crate::policy::PolicySet::evaluate`]. A call KMS admits under its quota is then denied or
//! served; a denied call is S3's 403 AccessDenied to the client, which does not retry.
//!
//! The model does not name objects: an object ARN is evaluated as
//! `arn:aws:s3:::<bucket>/example-object` (as `bksim policy-check` does by default), so a
//! policy that allows only some prefixes of a bucket is evaluated for an object outside them.
//! Decisions are cached per workload, bucket, key, operation and context kind.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::principals::{KeyName, key_names};
use super::trail::Subject;
use crate::metrics::collector::{Context, KmsOpKind};
use crate::metrics::results::DeniedCalls;
use crate::policy::{Caller, Decision, PolicySet, Request};
use crate::scenario::{DEFAULT_ACCOUNT, Scenario, default_principal};

/// The object key an object ARN is evaluated with.
pub const OBJECT_KEY: &str = crate::policy::check::DEFAULT_OBJECT_KEY;

struct BucketGate {
    set: Arc<PolicySet>,
    /// The policy files as the scenario names them (key policy first, then IAM policies).
    files: Vec<String>,
    s3_name: String,
    /// KMS key ARNs by slot, with their account.
    keys: Vec<KeyName>,
    via: String,
}

/// What the gate decided for one kind of call, and why.
#[derive(Debug, Clone)]
struct Verdict {
    allowed: bool,
    decision: Decision,
    /// The deciding statement (`Sid "X" (Statement[2])` in key.json), if any.
    statement: Option<String>,
}

pub(crate) struct PolicyGate {
    buckets: Vec<Option<BucketGate>>,
    /// By workload index (planned workloads, then trace workloads): name and caller.
    callers: Vec<(String, Caller)>,
    /// By caller: the key of its client-side calls (see [`super::principals::client_keys`]).
    client_keys: Vec<Option<String>>,
    cache: FxHashMap<(u32, u32, u32, u8, u8), Verdict>,
    /// Measured denied calls by (workload, operation).
    denied: BTreeMap<(u32, u8), (u64, Verdict)>,
}

impl PolicyGate {
    /// The gate of `sc`, or `None` when no bucket has policies.
    pub(crate) fn new(sc: &Scenario) -> Option<PolicyGate> {
        sc.buckets.iter().find(|b| b.policies.is_some())?;
        let buckets = sc
            .buckets
            .iter()
            .enumerate()
            .map(|(bi, b)| {
                let p = b.policies.as_ref()?;
                let keys = key_names(sc, bi);
                // S3's calls come through the bucket's Region: its key's.
                let via = format!("s3.{}.amazonaws.com", keys[0].region);
                Some(BucketGate {
                    set: p.set.clone(),
                    files: p.files.clone(),
                    s3_name: b.s3_name.clone(),
                    keys,
                    via,
                })
            })
            .collect();
        let callers = super::principals::principals(sc)
            .into_iter()
            .map(|(name, arn)| {
                // Validation checked every principal and role.
                let c = Caller::parse(&arn).unwrap_or_else(|_| {
                    Caller::parse(&default_principal("unknown", DEFAULT_ACCOUNT)).expect("valid")
                });
                (name, c)
            })
            .collect();
        Some(PolicyGate {
            client_keys: super::principals::client_keys(sc),
            buckets,
            callers,
            cache: FxHashMap::default(),
            denied: BTreeMap::new(),
        })
    }

    /// Whether KMS allows the call; `measured` counts a denial in the summary.
    pub(crate) fn allows(
        &mut self,
        about: Subject,
        op: KmsOpKind,
        ctx: Context,
        measured: bool,
    ) -> bool {
        let Some(Some(b)) = self.buckets.get(about.bucket as usize) else {
            return true;
        };
        // A client-side call under another key than the bucket's: the bucket's key policy is
        // not that key's, and bksim has no policy for it.
        if ctx == Context::Client
            && let Some(Some(k)) = self.client_keys.get(about.workload as usize)
            && b.keys.first().is_none_or(|bucket_key| &bucket_key.arn != k)
        {
            return true;
        }
        let key = (
            about.workload,
            about.bucket,
            about.slot,
            op as u8,
            ctx as u8,
        );
        let caller = &self.callers[about.workload as usize].1;
        let verdict = self
            .cache
            .entry(key)
            .or_insert_with(|| evaluate(b, caller, about, op, ctx));
        if !verdict.allowed && measured {
            self.denied
                .entry((about.workload, op as u8))
                .or_insert_with(|| (0, verdict.clone()))
                .0 += 1;
        }
        verdict.allowed
    }

    /// The measured denied calls, by workload and operation.
    pub(crate) fn denied(&self) -> Vec<DeniedCalls> {
        self.denied
            .iter()
            .map(|(&(w, op), (calls, v))| DeniedCalls {
                workload: self.callers[w as usize].0.clone(),
                principal: self.callers[w as usize].1.arn.clone(),
                operation: action(op)["kms:".len()..].to_string(),
                calls: *calls,
                decision: v.decision.name().to_string(),
                statement: v.statement.clone(),
            })
            .collect()
    }
}

/// The IAM action of operation `op` (a [`KmsOpKind`] as `u8`).
fn action(op: u8) -> &'static str {
    match op {
        x if x == KmsOpKind::GenerateDataKey as u8 => "kms:GenerateDataKey",
        x if x == KmsOpKind::Encrypt as u8 => "kms:Encrypt",
        _ => "kms:Decrypt",
    }
}

fn evaluate(
    b: &BucketGate,
    caller: &Caller,
    about: Subject,
    op: KmsOpKind,
    ctx: Context,
) -> Verdict {
    let key = &b.keys[(about.slot as usize).min(b.keys.len() - 1)];
    let arn = match ctx {
        Context::ObjectArn => format!("arn:aws:s3:::{}/{OBJECT_KEY}", b.s3_name),
        _ => format!("arn:aws:s3:::{}", b.s3_name),
    };
    let pairs: [(&str, &str); 1] = match ctx {
        Context::Client => [crate::cloudtrail::record::CSE_CONTEXT],
        _ => [(crate::cloudtrail::record::S3_CONTEXT_KEY, arn.as_str())],
    };
    let out = b.set.evaluate(&Request {
        caller,
        action: action(op as u8),
        key_arn: &key.arn,
        key_account: &key.account,
        via_service: (ctx != Context::Client).then_some(b.via.as_str()),
        context: &pairs,
    });
    let statement = out.deciding.map(|r| {
        let s = b.set.statement(r);
        let file = match r.policy {
            crate::policy::evaluate::PolicyRef::Key => 0,
            crate::policy::evaluate::PolicyRef::Identity(i) => i + 1,
        };
        format!(
            "{} of {}",
            s.label(),
            b.files.get(file).map_or("?", |f| f.as_str())
        )
    });
    Verdict {
        allowed: out.decision.allowed(),
        decision: out.decision,
        statement,
    }
}
