//! `bksim policy-check`'s analysis: every principal and every KMS operation S3 performs for
//! it, evaluated with the encryption context S3 sends without S3 Bucket Keys (the object's
//! ARN) and with them (the bucket's ARN); for each decision that changes, the statements and
//! conditions responsible and a corrected condition that allows both, checked by evaluating
//! the corrected policies again.
//!
//! The contexts: "When an S3 Bucket Key is enabled for the source or destination bucket, the
//! encryption context will be the bucket Amazon Resource Name (ARN) and not the object ARN"
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-bucket-key.html>);
//! without one, S3 uses the object ARN as `aws:s3:arn`
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context>).
//! S3 calls KMS for the caller with `kms:ViaService` = `s3.<region>.amazonaws.com` and
//! `kms:CallerAccount` = the caller's account
//! (<https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service>).

use super::condition::{BaseOp, Truth, arn_like};
use super::document::{Condition, Effect};
use super::evaluate::{self, Caller, Outcome, PolicyRef, PolicySet, Request, StatementRef};

/// The object key used for the "before" context when the policies name no object pattern of
/// the bucket and `--object-key` is not given.
pub const DEFAULT_OBJECT_KEY: &str = "example-object";
/// At most this many representative object keys are derived from the policies.
pub const MAX_OBJECT_KEYS: usize = 16;
/// Longest S3 object key: 1,024 bytes of UTF-8 (Amazon S3 User Guide, "Naming Amazon S3
/// objects"). A policy pattern that only longer keys match names no object.
pub const MAX_S3_KEY_BYTES: usize = 1024;

/// A KMS operation S3 performs for a principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Operation {
    /// PUT (and the parts of a multipart upload): a new data key.
    GenerateDataKey,
    /// GET of an object (and completing a multipart upload).
    Decrypt,
    /// Replication writing a replica into the bucket.
    Encrypt,
}

impl Operation {
    pub fn action(self) -> &'static str {
        match self {
            Operation::GenerateDataKey => "kms:GenerateDataKey",
            Operation::Decrypt => "kms:Decrypt",
            Operation::Encrypt => "kms:Encrypt",
        }
    }

    pub fn name(self) -> &'static str {
        &self.action()[4..]
    }

    /// What S3 does that makes the call.
    pub fn why(self) -> &'static str {
        match self {
            Operation::GenerateDataKey => "PUT / multipart upload",
            Operation::Decrypt => "GET, multipart upload",
            Operation::Encrypt => "replication writes",
        }
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckSpec {
    /// `arn:aws:s3:::bucket`.
    pub bucket_arn: String,
    pub key_arn: String,
    pub key_account: String,
    pub region: String,
    pub principals: Vec<Caller>,
    pub operations: Vec<Operation>,
    /// Object keys for the "before" context (see [`object_keys`]).
    pub object_keys: Vec<String>,
}

impl CheckSpec {
    pub fn via_service(&self) -> String {
        format!("s3.{}.amazonaws.com", self.region)
    }

    pub fn object_arn(&self, key: &str) -> String {
        format!("{}/{key}", self.bucket_arn)
    }
}

/// Representative object keys for the "before" context: one per object-ARN pattern of the
/// bucket in an `aws:s3:arn` condition of the policies (`arn:aws:s3:::bucket/logs/*` gives
/// `logs/example-object`), and [`DEFAULT_OBJECT_KEY`] for every other object; at most
/// [`MAX_OBJECT_KEYS`], in order of appearance.
pub fn object_keys(set: &PolicySet, bucket_arn: &str) -> Vec<String> {
    let mut keys = vec![DEFAULT_OBJECT_KEY.to_string()];
    let policies = std::iter::once(&set.key).chain(set.identity.iter().map(|i| &i.policy));
    for p in policies {
        for s in &p.statements {
            for c in s.conditions.iter().filter(|c| c.key_lc == S3_ARN_KEY) {
                for v in &c.values {
                    let Some((bucket_part, key_pat)) = v.split_once('/') else {
                        continue;
                    };
                    if !arn_like(bucket_part, bucket_arn) || key_pat.is_empty() {
                        continue;
                    }
                    let k = key_pat.replace('*', DEFAULT_OBJECT_KEY).replace('?', "x");
                    if k.len() <= MAX_S3_KEY_BYTES
                        && !keys.contains(&k)
                        && keys.len() < MAX_OBJECT_KEYS
                    {
                        keys.push(k);
                    }
                }
            }
        }
    }
    keys
}

const S3_ARN_KEY: &str = "kms:encryptioncontext:aws:s3:arn";

/// The decision for one object key without bucket keys.
#[derive(Debug, Clone)]
pub struct Before {
    pub object_key: String,
    pub outcome: Outcome,
}

/// How a decision changes when bucket keys are turned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Unchanged,
    /// Allowed before (for some object key), denied after.
    Breaks,
    /// Denied before (for some object key), allowed after.
    Widens,
}

/// One principal and operation.
#[derive(Debug, Clone)]
pub struct Row {
    pub principal: String,
    pub operation: Operation,
    pub before: Vec<Before>,
    pub after: Outcome,
    pub status: Status,
    pub changes: Vec<Change>,
}

/// A statement whose result differs between the two contexts.
#[derive(Debug, Clone)]
pub struct Change {
    pub statement: StatementRef,
    /// The object key whose "before" request was compared.
    pub object_key: String,
    pub conditions: Vec<ConditionChange>,
}

/// A condition whose result differs, and its correction.
#[derive(Debug, Clone)]
pub struct ConditionChange {
    pub condition: Condition,
    pub before: Truth,
    pub after: Truth,
    /// Values that give the same result with and without bucket keys, or `None` when no edit
    /// of the values can (the context no longer tells objects apart).
    pub fixed_values: Option<Vec<String>>,
    /// Object-ARN patterns narrower than the whole bucket, which the bucket ARN cannot keep.
    pub lost_scope: Vec<String>,
}

/// The whole analysis.
#[derive(Debug, Clone)]
pub struct Report {
    pub rows: Vec<Row>,
    pub object_keys: Vec<String>,
    pub notes: Vec<String>,
    /// With every correction applied, the rows that still change (principal, operation, how).
    pub still_changing_after_fix: Vec<(String, Operation, Status)>,
    /// Number of corrections.
    pub corrections: usize,
}

impl Report {
    pub fn breaks(&self) -> bool {
        self.rows.iter().any(|r| r.status == Status::Breaks)
    }

    pub fn changes(&self) -> bool {
        self.rows.iter().any(|r| r.status != Status::Unchanged)
    }
}

/// Runs the analysis.
pub fn check(set: &PolicySet, spec: &CheckSpec) -> Report {
    let rows = rows(set, spec);
    let mut notes: Vec<String> = set.key.notes.clone();
    for ip in &set.identity {
        notes.extend(ip.policy.notes.iter().cloned());
    }
    let mut uncertain: Vec<StatementRef> = Vec::new();
    for r in &rows {
        for o in r.before.iter().map(|b| &b.outcome).chain([&r.after]) {
            for u in &o.uncertain {
                if !uncertain.contains(u) {
                    uncertain.push(*u);
                }
            }
        }
    }
    uncertain.sort();
    for u in uncertain {
        let s = set.statement(u);
        let what: Vec<String> = s
            .conditions
            .iter()
            .filter(|c| {
                c.op.base == BaseOp::Other
                    || !evaluate::is_modelled(&c.key_lc)
                    || c.values.iter().any(|v| v.contains("${"))
            })
            .map(|c| format!("{} on {}", c.op.name, c.key))
            .collect();
        let assumed = match s.effect {
            Effect::Allow => "assumed not to allow",
            Effect::Deny => "assumed to deny",
        };
        notes.push(format!(
            "{}: {}: not evaluated ({}): {assumed} (conservative); check it by hand",
            set.policy(u.policy).source,
            s.label(),
            what.join(", ")
        ));
    }
    // Corrections: applied together to a copy of the policies, then everything is evaluated
    // again.
    let mut fixed = set.clone();
    let mut corrections = 0;
    let mut done: Vec<(StatementRef, String)> = Vec::new();
    for r in &rows {
        for ch in &r.changes {
            for cc in &ch.conditions {
                let Some(values) = &cc.fixed_values else {
                    continue;
                };
                let id = (ch.statement, cc.condition.path.clone());
                if done.contains(&id) {
                    continue;
                }
                let policy = match ch.statement.policy {
                    PolicyRef::Key => &mut fixed.key,
                    PolicyRef::Identity(i) => &mut fixed.identity[i].policy,
                };
                if let Some(c) = policy.statements[ch.statement.index]
                    .conditions
                    .iter_mut()
                    .find(|c| c.path == cc.condition.path)
                {
                    c.values = values.clone();
                    corrections += 1;
                }
                done.push(id);
            }
        }
    }
    let still_changing_after_fix = if corrections == 0 {
        rows.iter()
            .filter(|r| r.status != Status::Unchanged)
            .map(|r| (r.principal.clone(), r.operation, r.status))
            .collect()
    } else {
        self::rows(&fixed, spec)
            .into_iter()
            .filter(|r| r.status != Status::Unchanged)
            .map(|r| (r.principal, r.operation, r.status))
            .collect()
    };
    Report {
        rows,
        object_keys: spec.object_keys.clone(),
        notes,
        still_changing_after_fix,
        corrections,
    }
}

fn rows(set: &PolicySet, spec: &CheckSpec) -> Vec<Row> {
    let via = spec.via_service();
    let bucket = spec.bucket_arn.as_str();
    let mut out = Vec::new();
    for caller in &spec.principals {
        for &op in &spec.operations {
            let request =
                |context: &[(&str, &str)]| set.evaluate(&req(caller, op, spec, &via, context));
            let after_ctx = [("aws:s3:arn", bucket)];
            let after = request(&after_ctx);
            let mut before = Vec::new();
            let mut status = Status::Unchanged;
            let mut changes: Vec<Change> = Vec::new();
            for k in &spec.object_keys {
                let object = spec.object_arn(k);
                let before_ctx = [("aws:s3:arn", object.as_str())];
                let b = request(&before_ctx);
                let this = match (b.decision.allowed(), after.decision.allowed()) {
                    (true, false) => Status::Breaks,
                    (false, true) => Status::Widens,
                    _ => Status::Unchanged,
                };
                if this != Status::Unchanged {
                    if status != Status::Breaks {
                        status = this;
                    }
                    let (rb, ra) = (
                        req(caller, op, spec, &via, &before_ctx),
                        req(caller, op, spec, &via, &after_ctx),
                    );
                    for c in responsible(set, &rb, &ra, k, bucket) {
                        if !changes.iter().any(|x| x.statement == c.statement) {
                            changes.push(c);
                        }
                    }
                }
                before.push(Before {
                    object_key: k.clone(),
                    outcome: b,
                });
            }
            out.push(Row {
                principal: caller.arn.clone(),
                operation: op,
                before,
                after,
                status,
                changes,
            });
        }
    }
    out
}

fn req<'a>(
    caller: &'a Caller,
    op: Operation,
    spec: &'a CheckSpec,
    via: &'a str,
    context: &'a [(&'a str, &'a str)],
) -> Request<'a> {
    Request {
        caller,
        action: op.action(),
        key_arn: &spec.key_arn,
        key_account: &spec.key_account,
        via_service: Some(via),
        context,
    }
}

/// The statements (that cover the caller) whose result differs between the two requests, with
/// the conditions that differ and their corrections.
fn responsible(
    set: &PolicySet,
    before: &Request,
    after: &Request,
    object_key: &str,
    bucket_arn: &str,
) -> Vec<Change> {
    let mut out = Vec::new();
    let refs = (0..set.key.statements.len())
        .map(|i| StatementRef {
            policy: PolicyRef::Key,
            index: i,
        })
        .chain(set.identity.iter().enumerate().flat_map(|(p, ip)| {
            (0..ip.policy.statements.len()).map(move |i| StatementRef {
                policy: PolicyRef::Identity(p),
                index: i,
            })
        }));
    for r in refs {
        if !set.covers(r, before.caller) {
            continue;
        }
        let s = set.statement(r);
        if evaluate::statement_truth(s, before) == evaluate::statement_truth(s, after) {
            continue;
        }
        let mut conditions = Vec::new();
        for c in &s.conditions {
            let (b, a) = (
                evaluate::condition_truth(c, before),
                evaluate::condition_truth(c, after),
            );
            if b == a {
                continue;
            }
            conditions.push(ConditionChange {
                condition: c.clone(),
                before: b,
                after: a,
                fixed_values: fix(c, b, before, after),
                lost_scope: c
                    .values
                    .iter()
                    .filter(|v| {
                        v.split_once('/').is_some_and(|(bp, kp)| {
                            arn_like(bp, bucket_arn) && !kp.is_empty() && kp != "*"
                        })
                    })
                    .cloned()
                    .collect(),
            });
        }
        out.push(Change {
            statement: r,
            object_key: object_key.to_string(),
            conditions,
        });
    }
    out
}

/// Values for `c` that give `want` for both requests: the bucket ARN added (or the values
/// matching it removed), checked by evaluating the corrected condition on both requests.
fn fix(c: &Condition, want: Truth, before: &Request, after: &Request) -> Option<Vec<String>> {
    if want == Truth::Unknown {
        return None;
    }
    let bucket = after
        .context
        .iter()
        .find(|(k, _)| *k == "aws:s3:arn")
        .map(|(_, v)| *v)?;
    // The positive sense of the operator must hold for `want` = True with a positive
    // operator, or `want` = False with a negated one.
    let add = (want == Truth::True) != c.op.base.negated();
    let mut values = c.values.clone();
    if add {
        values.push(bucket.to_string());
    } else {
        let probe = |v: &String| {
            let one = Condition {
                values: vec![v.clone()],
                op: super::condition::Operator::parse(match c.op.base {
                    BaseOp::StringNotLike | BaseOp::StringLike => "StringLike",
                    BaseOp::ArnLike
                    | BaseOp::ArnNotLike
                    | BaseOp::ArnEquals
                    | BaseOp::ArnNotEquals => "ArnLike",
                    BaseOp::StringEqualsIgnoreCase | BaseOp::StringNotEqualsIgnoreCase => {
                        "StringEqualsIgnoreCase"
                    }
                    _ => "StringEquals",
                }),
                ..c.clone()
            };
            evaluate::condition_truth(&one, after) == Truth::True
        };
        values.retain(|v| !probe(v));
        if values.is_empty() {
            return None;
        }
    }
    let fixed = Condition {
        values: values.clone(),
        ..c.clone()
    };
    (evaluate::condition_truth(&fixed, before) == want
        && evaluate::condition_truth(&fixed, after) == want)
        .then_some(values)
}
