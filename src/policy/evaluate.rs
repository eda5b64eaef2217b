//! Whether a KMS request is allowed: a key policy and the caller's IAM identity policies,
//! combined as AWS KMS documents it. This is the library API for one KMS call (principal,
//! action, key, encryption context, via-service, caller account → allowed, implicitly denied
//! or explicitly denied, with the deciding statement); it allocates nothing on the common
//! path, so a simulation can call it per request (or cache it per distinct request).
//!
//! The logic, from "Determining access to a KMS key"
//! (<https://docs.aws.amazon.com/kms/latest/developerguide/determining-access.html>), the
//! default key policy's "Enable IAM User Permissions" statement
//! (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam>)
//! and IAM's policy evaluation logic
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>):
//! 1. an applicable `Deny` in the key policy or in the caller's IAM policies denies
//!    (explicit deny wins);
//! 2. otherwise the key policy must allow: either the caller itself (its ARN, its role for a
//!    role session, or `*`), which is enough within the key's account; or the caller's
//!    account (`arn:aws:iam::111122223333:root` or `111122223333`), which delegates to IAM:
//!    then an IAM policy of the caller must allow too. An IAM allow without the key policy's
//!    is no allow (<https://docs.aws.amazon.com/kms/latest/developerguide/iam-policies.html>);
//! 3. a caller from another account needs both: the key policy allowing it (or its account)
//!    and its own IAM policy allowing;
//! 4. nothing allows: implicit deny.
//!
//! Grants, SCPs, permission boundaries, session policies and VPC endpoint policies are not
//! modelled. A condition bksim cannot evaluate ([`Truth::Unknown`]) is resolved
//! conservatively: an `Allow` it guards does not allow, a `Deny` it guards denies, and the
//! outcome lists the statement as uncertain.

use super::condition::Truth;
use super::document::{Condition, Effect, Policy, PolicyKind, Principals, Statement};

/// The principal making the request (on whose behalf S3 calls KMS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// As given: a role, user, role session (`arn:aws:sts::…:assumed-role/R/S`) or root ARN.
    pub arn: String,
    /// Its 12-digit account.
    pub account: String,
    /// For a role session, the role's ARN (`arn:aws:iam::…:role/R`); for the others, `arn`.
    pub principal_arn: String,
    /// The account's root user.
    pub is_root: bool,
}

impl Caller {
    /// Parses an IAM principal ARN: `arn:PARTITION:iam::ACCOUNT:(role|user|root)…` or
    /// `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub fn parse(arn: &str) -> Result<Caller, String> {
        let bad = || {
            format!(
                "`{arn}`: expected an IAM principal ARN such as arn:aws:iam::111122223333:role/NAME, arn:aws:iam::111122223333:user/NAME or arn:aws:sts::111122223333:assumed-role/NAME/SESSION"
            )
        };
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[1].is_empty() || !parts[3].is_empty() {
            return Err(bad());
        }
        let account = parts[4];
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let res = parts[5];
        let (principal_arn, is_root) = match parts[2] {
            "iam" if res == "root" => (arn.to_string(), true),
            "iam" if (res.starts_with("role/") || res.starts_with("user/")) && res.len() > 5 => {
                (arn.to_string(), false)
            }
            "sts" => {
                let mut it = res.split('/');
                match (it.next(), it.next(), it.next()) {
                    (Some("assumed-role"), Some(role), Some(_)) if !role.is_empty() => (
                        format!("arn:{}:iam::{account}:role/{role}", parts[1]),
                        false,
                    ),
                    _ => return Err(bad()),
                }
            }
            _ => return Err(bad()),
        };
        Ok(Caller {
            arn: arn.to_string(),
            account: account.to_string(),
            principal_arn,
            is_root,
        })
    }
}

/// One KMS request as KMS sees it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub caller: &'a Caller,
    /// `kms:GenerateDataKey`, `kms:Decrypt`, `kms:Encrypt`...
    pub action: &'a str,
    pub key_arn: &'a str,
    /// The account that owns the key.
    pub key_account: &'a str,
    /// `kms:ViaService` (`s3.us-east-1.amazonaws.com` when S3 calls for the caller).
    pub via_service: Option<&'a str>,
    /// The encryption context pairs (`aws:s3:arn` → object or bucket ARN for S3).
    pub context: &'a [(&'a str, &'a str)],
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Allow,
    ImplicitDeny,
    ExplicitDeny,
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }

    pub fn name(self) -> &'static str {
        match self {
            Decision::Allow => "allowed",
            Decision::ImplicitDeny => "denied (implicit)",
            Decision::ExplicitDeny => "denied (explicit deny)",
        }
    }
}

/// Which policy of a [`PolicySet`] a statement is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyRef {
    Key,
    /// Index into [`PolicySet::identity`].
    Identity(usize),
}

/// A statement of a [`PolicySet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatementRef {
    pub policy: PolicyRef,
    pub index: usize,
}

/// What [`PolicySet::evaluate`] decided and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub decision: Decision,
    /// The deny that applies, or the allow that grants (IAM's when the key policy delegates).
    pub deciding: Option<StatementRef>,
    /// The key policy statement allowing the caller's account (the delegation to IAM), when
    /// the decision needed one.
    pub delegation: Option<StatementRef>,
    /// Statements bksim could not evaluate (unknown operator or condition key), resolved
    /// conservatively.
    pub uncertain: Vec<StatementRef>,
}

/// An IAM identity policy and whom it is attached to.
#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    pub policy: Policy,
    /// The principal ARN it is attached to; `None`: every principal checked.
    pub attached_to: Option<String>,
}

/// A key policy and IAM identity policies.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub key: Policy,
    pub identity: Vec<IdentityPolicy>,
}

/// How a key policy statement's principal element covers the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Covers {
    No,
    /// The caller itself (or everyone).
    Direct,
    /// The caller's account: delegation to IAM.
    Account,
}

impl PolicySet {
    /// The policy a reference points to.
    pub fn policy(&self, r: PolicyRef) -> &Policy {
        match r {
            PolicyRef::Key => &self.key,
            PolicyRef::Identity(i) => &self.identity[i].policy,
        }
    }

    /// The statement a reference points to.
    pub fn statement(&self, r: StatementRef) -> &Statement {
        &self.policy(r.policy).statements[r.index]
    }

    /// Whether a statement's principal element covers the caller (key policy), or its policy
    /// is attached to the caller (IAM).
    pub fn covers(&self, r: StatementRef, caller: &Caller) -> bool {
        match r.policy {
            PolicyRef::Key => self.key.statements[r.index]
                .principal
                .as_ref()
                .is_some_and(|p| principal_covers(p, caller) != Covers::No),
            PolicyRef::Identity(i) => attached(&self.identity[i], caller),
        }
    }

    /// Evaluates one request.
    pub fn evaluate(&self, req: &Request) -> Outcome {
        let mut out = Outcome {
            decision: Decision::ImplicitDeny,
            deciding: None,
            delegation: None,
            uncertain: Vec::new(),
        };
        let mut direct = None;
        let mut delegation = None;
        let mut iam_allow = None;
        let mut deny = None;
        let mut visit = |r: StatementRef, s: &Statement, covers: Covers| {
            if covers == Covers::No {
                return;
            }
            let t = statement_truth(s, req);
            if t == Truth::Unknown {
                out.uncertain.push(r);
            }
            match (s.effect, t) {
                (Effect::Deny, Truth::True | Truth::Unknown) => {
                    deny = deny.or(Some(r));
                }
                (Effect::Allow, Truth::True) => {
                    let slot = match (r.policy, covers) {
                        (PolicyRef::Identity(_), _) => &mut iam_allow,
                        (PolicyRef::Key, Covers::Account) => &mut delegation,
                        _ => &mut direct,
                    };
                    if slot.is_none() {
                        *slot = Some(r);
                    }
                }
                _ => {}
            }
        };
        for (i, s) in self.key.statements.iter().enumerate() {
            let covers = match &s.principal {
                Some(p) => principal_covers(p, req.caller),
                None => Covers::No,
            };
            visit(
                StatementRef {
                    policy: PolicyRef::Key,
                    index: i,
                },
                s,
                covers,
            );
        }
        for (pi, ip) in self.identity.iter().enumerate() {
            if !attached(ip, req.caller) {
                continue;
            }
            for (i, s) in ip.policy.statements.iter().enumerate() {
                let r = StatementRef {
                    policy: PolicyRef::Identity(pi),
                    index: i,
                };
                visit(r, s, Covers::Direct);
            }
        }
        if let Some(d) = deny {
            out.decision = Decision::ExplicitDeny;
            out.deciding = Some(d);
            return out;
        }
        let same_account = req.caller.account == req.key_account;
        match (direct, delegation, iam_allow) {
            (Some(d), _, _) if same_account => {
                out.decision = Decision::Allow;
                out.deciding = Some(d);
            }
            (Some(d), _, Some(i)) => {
                out.decision = Decision::Allow;
                out.deciding = Some(i);
                out.delegation = Some(d);
            }
            (None, Some(d), Some(i)) => {
                out.decision = Decision::Allow;
                out.deciding = Some(i);
                out.delegation = Some(d);
            }
            (_, d, _) => {
                out.delegation = d.or(direct);
            }
        }
        out
    }
}

fn attached(ip: &IdentityPolicy, caller: &Caller) -> bool {
    match &ip.attached_to {
        None => true,
        Some(a) => a == &caller.arn || same_principal(a, &caller.principal_arn),
    }
}

/// Two principal ARNs name the same user or role: equal, or both roles (or users) of the same
/// account with the same name (an assumed-role session's role ARN carries no path).
fn same_principal(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let split = |s: &str| -> Option<(String, String, String)> {
        let p: Vec<&str> = s.splitn(6, ':').collect();
        if p.len() != 6 || p[2] != "iam" {
            return None;
        }
        let (kind, rest) = p[5].split_once('/')?;
        Some((
            p[4].to_string(),
            kind.to_string(),
            rest.rsplit('/').next()?.to_string(),
        ))
    };
    matches!((split(a), split(b)), (Some(x), Some(y)) if x == y)
}

/// The account a principal value names, when it is an account (`111122223333` or
/// `arn:aws:iam::111122223333:root`).
pub fn account_of(v: &str) -> Option<&str> {
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(v);
    }
    let p: Vec<&str> = v.splitn(6, ':').collect();
    // `then`, not `then_some`: the index must not be evaluated when there are fewer parts.
    (p.len() == 6 && p[0] == "arn" && p[2] == "iam" && p[5] == "root").then(|| p[4])
}

fn principal_covers(p: &Principals, caller: &Caller) -> Covers {
    if p.not {
        // NotPrincipal: exact matches only (an account entry stands for its root user).
        let listed = p.any
            || p.aws.iter().any(|v| {
                v == &caller.arn
                    || same_principal(v, &caller.principal_arn)
                    || (caller.is_root && account_of(v) == Some(caller.account.as_str()))
            });
        return if listed { Covers::No } else { Covers::Direct };
    }
    if p.any {
        return Covers::Direct;
    }
    let mut covers = Covers::No;
    for v in &p.aws {
        if let Some(acct) = account_of(v) {
            if acct == caller.account {
                if caller.is_root {
                    return Covers::Direct;
                }
                covers = Covers::Account;
            }
        } else if v == &caller.arn || same_principal(v, &caller.principal_arn) {
            return Covers::Direct;
        }
    }
    covers
}

/// Whether a statement applies to the request (action, resource, conditions; not principal).
pub fn statement_truth(s: &Statement, req: &Request) -> Truth {
    let (Some(action), Some(resource)) = (&s.action, &s.resource) else {
        return Truth::False;
    };
    let act = action
        .values
        .iter()
        .any(|p| glob_ignore_case(p, req.action));
    if act == action.not {
        return Truth::False;
    }
    let res = resource
        .values
        .iter()
        .any(|p| super::condition::arn_like(p, req.key_arn));
    if res == resource.not {
        return Truth::False;
    }
    let mut t = Truth::True;
    for c in &s.conditions {
        match condition_truth(c, req) {
            Truth::False => return Truth::False,
            Truth::Unknown => t = Truth::Unknown,
            Truth::True => {}
        }
    }
    t
}

fn glob_ignore_case(pattern: &str, text: &str) -> bool {
    super::condition::glob_folded(pattern, text)
}

/// A request's values for a condition key.
enum Lookup<'a> {
    One(&'a str),
    Keys,
    Missing,
    /// A key bksim does not model: its value in a real request is not known.
    Unmodelled,
}

fn lookup<'a>(key_lc: &str, req: &Request<'a>) -> Lookup<'a> {
    if let Some(ctx_key) = key_lc.strip_prefix("kms:encryptioncontext:") {
        return match req
            .context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(ctx_key))
        {
            Some((_, v)) => Lookup::One(v),
            None => Lookup::Missing,
        };
    }
    match key_lc {
        "kms:encryptioncontextkeys" => Lookup::Keys,
        "kms:viaservice" => req.via_service.map_or(Lookup::Missing, Lookup::One),
        "kms:calleraccount" | "aws:principalaccount" => Lookup::One(&req.caller.account),
        "aws:principalarn" => Lookup::One(&req.caller.principal_arn),
        "aws:resourceaccount" => Lookup::One(req.key_account),
        _ => Lookup::Unmodelled,
    }
}

/// Whether the key is one bksim knows the value of in the requests it builds.
pub fn is_modelled(key_lc: &str) -> bool {
    key_lc.starts_with("kms:encryptioncontext:")
        || matches!(
            key_lc,
            "kms:encryptioncontextkeys"
                | "kms:viaservice"
                | "kms:calleraccount"
                | "aws:principalaccount"
                | "aws:principalarn"
                | "aws:resourceaccount"
        )
}

/// One condition's result for a request.
pub fn condition_truth(c: &Condition, req: &Request) -> Truth {
    match lookup(&c.key_lc, req) {
        Lookup::One(v) => c.op.eval(Some(&[v]), &c.values),
        Lookup::Missing => c.op.eval(None, &c.values),
        Lookup::Keys => {
            let keys: Vec<&str> = req.context.iter().map(|(k, _)| *k).collect();
            c.op.eval(if keys.is_empty() { None } else { Some(&keys) }, &c.values)
        }
        Lookup::Unmodelled => Truth::Unknown,
    }
}

/// Every principal ARN a policy names in `Principal` (not `*`, not accounts, not services),
/// in order of first appearance.
pub fn named_principals(p: &Policy) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if p.kind != PolicyKind::Key {
        return out;
    }
    for s in &p.statements {
        if let Some(pr) = &s.principal {
            for v in &pr.aws {
                if account_of(v).is_none() && !out.contains(v) {
                    out.push(v.clone());
                }
            }
        }
    }
    out
}
