//! Policies the model evaluates for each KMS call: a bucket's `key_policy` (the KMS key
//! policy, JSON exactly as `aws kms get-key-policy` returns it) and `iam_policies` (IAM
//! identity policies of the principals that use the bucket), read and checked here so a bad
//! file is an input error before any work; and a workload's `principal`, the IAM principal on
//! whose behalf S3 (or the client) calls KMS.

use std::path::Path;
use std::sync::Arc;

use super::super::model::BucketPolicies;
use super::super::presets::NOTE_PRINCIPAL;
use super::super::raw::{RawKind, RawValue};
use super::ctx::{Ctx, P, Problem, R, Tbl, problem};
use super::keys::{Assumption, KeyDef, Special};
use super::values::string;
use crate::policy::{IdentityPolicy, PolicyKind, PolicySet};

pub(super) const KEY_POLICY: KeyDef = KeyDef::new(
    "key_policy",
    Special("none: KMS calls are not checked against policies"),
    "path of a JSON key policy",
    super::keys::Source::None,
);
pub(super) const IAM_POLICIES: KeyDef = KeyDef::new(
    "iam_policies",
    Special("none"),
    "path or array of paths of JSON IAM policies (needs `key_policy`)",
    super::keys::Source::None,
);
pub(super) const PRINCIPAL: KeyDef = KeyDef::new(
    "principal",
    Special("arn:aws:iam::<the bucket key's account>:role/<workload name>"),
    "IAM role, user or role-session ARN",
    Assumption(NOTE_PRINCIPAL),
);
/// Most IAM policy files one bucket may list.
const MAX_IAM_POLICIES: usize = 20;

/// Reads `key_policy` and `iam_policies` of a bucket table, relative to the scenario file's
/// folder; `None` when the bucket has no key policy.
pub(super) fn bucket_policies(ctx: &mut Ctx, t: &Tbl) -> R<Option<BucketPolicies>> {
    let base = ctx.file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let key = ctx.opt(t, KEY_POLICY.name, |v| {
        let (written, path) = one_path(v, &base)?;
        let policy = crate::policy::load(&path, PolicyKind::Key).map_err(policy_problem)?;
        Ok((written, policy))
    })?;
    let iam = ctx.opt(t, IAM_POLICIES.name, |v| {
        let items: Vec<&RawValue> = match &v.kind {
            RawKind::Array(items) if !items.is_empty() && items.len() <= MAX_IAM_POLICIES => {
                items.iter().collect()
            }
            RawKind::Array(items) => {
                return Err(problem(format!(
                    "expected 1 to {MAX_IAM_POLICIES} paths, found {}",
                    items.len()
                )));
            }
            _ => vec![v],
        };
        items
            .into_iter()
            .map(|v| {
                let (written, path) = one_path(v, &base)?;
                let policy =
                    crate::policy::load(&path, PolicyKind::Identity).map_err(policy_problem)?;
                Ok((written, policy))
            })
            .collect::<P<Vec<_>>>()
    })?;
    match (key, iam) {
        (None, None) => Ok(None),
        (None, Some(_)) => {
            let v = t.get(IAM_POLICIES.name).expect("read above");
            Err(ctx.error(
                Some(&v.origin),
                &t.key_path(IAM_POLICIES.name),
                problem("IAM policies are checked together with the KMS key policy, and there is none")
                    .hint("add key_policy = \"<file>\": the key policy decides whether IAM policies count at all"),
            ))
        }
        (Some((key_file, key)), iam) => {
            let iam = iam.unwrap_or_default();
            let mut files = vec![key_file];
            files.extend(iam.iter().map(|(f, _)| f.clone()));
            Ok(Some(BucketPolicies {
                set: Arc::new(PolicySet {
                    key,
                    identity: iam
                        .into_iter()
                        .map(|(_, policy)| IdentityPolicy {
                            policy,
                            attached_to: None,
                        })
                        .collect(),
                }),
                files,
            }))
        }
    }
}

/// A workload's `principal`, or the default for `workload` in `account`. The default is
/// recorded in the parameters only when `checked` (some bucket has policies): elsewhere it
/// decides nothing but the names in `--cloudtrail` records.
pub(super) fn principal(
    ctx: &mut Ctx,
    t: &Tbl,
    workload: &str,
    account: &str,
    checked: bool,
) -> R<String> {
    if let Some(p) = ctx.opt(t, PRINCIPAL.name, |v| {
        let s = string(v)?;
        crate::policy::Caller::parse(&s).map_err(problem)?;
        Ok(s)
    })? {
        return Ok(p);
    }
    let p = super::super::model::default_principal(workload, account);
    if checked {
        ctx.record_computed(t, &PRINCIPAL, p.clone());
    }
    Ok(p)
}

fn one_path(v: &RawValue, base: &Path) -> P<(String, std::path::PathBuf)> {
    let s = string(v)?;
    if s.is_empty() {
        return Err(problem("an empty path").hint("name a JSON policy file"));
    }
    Ok((s.clone(), base.join(s)))
}

fn policy_problem(e: crate::policy::PolicyError) -> Problem {
    problem(e.to_string())
}
