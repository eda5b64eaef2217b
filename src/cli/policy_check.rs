//! `bksim policy-check`: will turning S3 Bucket Keys on break a key policy or IAM policy?
//! Reads the policies, builds the requests S3 makes for each principal and operation, and
//! prints the before/after decisions (table or `--json`, schema [`SCHEMA`]). Exit 0 when no
//! decision changes, 3 when one does, 2 on bad input.

use super::CommandError;
use crate::policy::check::{self, CheckSpec, Operation, Report, Status};
use crate::policy::evaluate::{self, Caller, IdentityPolicy, Outcome, PolicySet, StatementRef};
use crate::policy::{PolicyKind, Truth};
use crate::scenario::region_name_problem;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// The `--json` output's schema name.
pub const SCHEMA: &str = "bksim.policy-check.v1";
/// Exit code when a decision changes with bucket keys.
pub const EXIT_CHANGES: i32 = 3;
/// The region assumed without `--region` or `--kms-key`.
pub const DEFAULT_REGION: &str = "us-east-1";
/// At most this many principals are checked (each is a row per operation).
pub const MAX_PRINCIPALS: usize = 256;
/// The key id of the key ARN assumed without `--kms-key`.
pub const PLACEHOLDER_KEY_ID: &str = "00000000-0000-0000-0000-000000000000";

#[derive(Debug, clap::Args)]
pub struct PolicyCheckArgs {
    /// The KMS key policy (JSON as `aws kms get-key-policy` prints it, or the policy itself).
    #[arg(long, value_name = "FILE")]
    pub key_policy: PathBuf,
    /// An IAM identity policy (repeatable): FILE applies to every principal checked,
    /// PRINCIPAL_ARN=FILE to that principal only (a role's policies also apply to its
    /// sessions).
    #[arg(long, value_name = "[ARN=]FILE")]
    pub iam_policy: Vec<PathBuf>,
    /// The bucket: name or ARN (arn:aws:s3:::NAME).
    #[arg(long, value_name = "ARN_OR_NAME")]
    pub bucket: String,
    /// A principal that uses the key through S3 (repeatable) [default: every role and user
    /// ARN the key policy names, and those of --iam-policy ARN=FILE].
    #[arg(long, value_name = "ARN")]
    pub principal: Vec<String>,
    /// The KMS key's ARN [default: a key in the first principal's account and --region].
    #[arg(long, value_name = "ARN")]
    pub kms_key: Option<String>,
    /// The bucket's region, for kms:ViaService = s3.REGION.amazonaws.com [default: the
    /// key's region, else us-east-1].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Object key for the context without bucket keys (repeatable) [default: example-object,
    /// plus one key under each object-ARN pattern of the bucket in the policies].
    #[arg(long, value_name = "KEY")]
    pub object_key: Vec<String>,
    /// Also check kms:Encrypt, which replication uses to write replicas into the bucket.
    #[arg(long)]
    pub replication: bool,
    /// Print the result as JSON (schema bksim.policy-check.v1).
    #[arg(long)]
    pub json: bool,
}

/// Runs the command: `Ok(0)` no decision changes, `Ok(3)` one does.
pub fn policy_check(args: &PolicyCheckArgs, out: &mut dyn Write) -> Result<i32, CommandError> {
    let input = |e: crate::policy::PolicyError| CommandError::Input(e.to_string());
    let key = crate::policy::load(&args.key_policy, PolicyKind::Key).map_err(input)?;
    let mut identity = Vec::new();
    for p in &args.iam_policy {
        let (attached_to, path) = attachment(p);
        identity.push(IdentityPolicy {
            policy: crate::policy::load(&path, PolicyKind::Identity).map_err(input)?,
            attached_to,
        });
    }
    let set = PolicySet { key, identity };
    let (spec, mut notes) = spec(args, &set)?;
    let mut report = check::check(&set, &spec);
    notes.append(&mut report.notes);
    report.notes = notes;
    let code = if report.changes() {
        EXIT_CHANGES
    } else {
        super::EXIT_OK
    };
    let w = |e: std::io::Error| CommandError::Failure(format!("writing to stdout: {e}"));
    if args.json {
        let v = to_json(&set, &spec, &report, code);
        let text = serde_json::to_string_pretty(&v)
            .map_err(|e| CommandError::Failure(format!("encoding JSON: {e}")))?;
        writeln!(out, "{text}").map_err(w)?;
    } else {
        out.write_all(human(&set, &spec, &report).as_bytes())
            .map_err(w)?;
    }
    Ok(code)
}

/// `--iam-policy ARN=FILE`: the principal and the file (the first `=` after which the text
/// before is a principal ARN); anything else is a file for every principal.
fn attachment(p: &std::path::Path) -> (Option<String>, PathBuf) {
    if let Some(t) = p.to_str().filter(|t| t.starts_with("arn:")) {
        for (i, _) in t.match_indices('=') {
            if Caller::parse(&t[..i]).is_ok() && i + 1 < t.len() {
                return (Some(t[..i].to_string()), PathBuf::from(&t[i + 1..]));
            }
        }
    }
    (None, p.to_path_buf())
}

fn bad(msg: String) -> CommandError {
    CommandError::Input(crate::input::escape_controls(&msg))
}

/// The checked requests' parameters from the flags, and notes on what was assumed.
fn spec(args: &PolicyCheckArgs, set: &PolicySet) -> Result<(CheckSpec, Vec<String>), CommandError> {
    let mut notes = Vec::new();
    // arn:PARTITION:kms:REGION:ACCOUNT:key/ID
    let key = match &args.kms_key {
        None => None,
        Some(k) => {
            let p: Vec<&str> = k.splitn(6, ':').collect();
            let ok = p.len() == 6
                && p[0] == "arn"
                && p[2] == "kms"
                && !p[3].is_empty()
                && evaluate::account_of(p[4]).is_some()
                && p[5].strip_prefix("key/").is_some_and(|id| !id.is_empty());
            if !ok {
                return Err(bad(format!(
                    "--kms-key {k}: expected a key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                )));
            }
            Some((
                k.clone(),
                p[1].to_string(),
                p[3].to_string(),
                p[4].to_string(),
            ))
        }
    };
    // A Region name is checked by the rule scenarios use, for the flag that gave it.
    let region_of = |flag: &str, given: &str, region: &str| match region_name_problem(region) {
        None => Ok(region.to_string()),
        Some((message, hint)) => Err(bad(format!("{flag} {given}: {message} ({hint})"))),
    };
    let given = args
        .region
        .as_ref()
        .map(|r| region_of("--region", r, r))
        .transpose()?;
    let region = match &key {
        Some((k, _, kr, _)) => {
            let kr = region_of("--kms-key", k, kr)?;
            match given {
                Some(r) if r != kr => {
                    return Err(bad(format!(
                        "--region {r} differs from the region of --kms-key ({kr}): S3 uses a KMS key of the bucket's region"
                    )));
                }
                _ => kr,
            }
        }
        None => given.unwrap_or_else(|| DEFAULT_REGION.to_string()),
    };
    let partition = key.as_ref().map_or("aws".to_string(), |k| k.1.clone());
    let bucket_arn = bucket_arn(&args.bucket, &partition)?;
    let mut principals = Vec::new();
    if args.principal.is_empty() {
        let mut named = evaluate::named_principals(&set.key);
        for ip in &set.identity {
            if let Some(a) = &ip.attached_to
                && !named.contains(a)
            {
                named.push(a.clone());
            }
        }
        if named.len() > MAX_PRINCIPALS {
            notes.push(format!(
                "{}: names {} principals: the first {MAX_PRINCIPALS} are checked (give others with --principal)",
                set.key.source,
                named.len()
            ));
        }
        for a in named.into_iter().take(MAX_PRINCIPALS) {
            match Caller::parse(&a) {
                Ok(c) => principals.push(c),
                Err(_) => notes.push(format!(
                    "{}: principal {a} is not a role, user or root ARN: not checked",
                    set.key.source
                )),
            }
        }
        if principals.is_empty() {
            return Err(bad(format!(
                "{}: names no role or user (only accounts, \"*\" or services), nor does any --iam-policy ARN=FILE: give the principals that use the key through S3 with --principal ARN",
                set.key.source
            )));
        }
    } else {
        if args.principal.len() > MAX_PRINCIPALS {
            return Err(bad(format!(
                "{} --principal flags: at most {MAX_PRINCIPALS} per run",
                args.principal.len()
            )));
        }
        for a in &args.principal {
            let c = Caller::parse(a).map_err(|e| bad(format!("--principal {e}")))?;
            if !principals.contains(&c) {
                principals.push(c);
            }
        }
    }
    let (key_arn, key_account) = match key {
        Some((arn, _, _, acct)) => (arn, acct),
        None => {
            let acct = principals[0].account.clone();
            let arn = format!("arn:{partition}:kms:{region}:{acct}:key/{PLACEHOLDER_KEY_ID}");
            notes.push(format!(
                "no --kms-key: assumed a key in account {acct} (the first principal's), {arn}"
            ));
            for ip in &set.identity {
                for st in &ip.policy.statements {
                    let specific = st.resource.as_ref().is_some_and(|r| {
                        !r.not
                            && r.values.iter().any(|v| {
                                v.split_once(":key/")
                                    .is_some_and(|(_, id)| !id.contains('*'))
                            })
                    });
                    if specific {
                        notes.push(format!(
                            "{}: {}: Resource names specific KMS keys, which the assumed key ARN does not match: give --kms-key",
                            ip.policy.source,
                            st.label()
                        ));
                    }
                }
            }
            (arn, acct)
        }
    };
    for k in &args.object_key {
        if k.is_empty() || k.len() > 1024 {
            return Err(bad(format!("--object-key {k:?}: expected 1 to 1024 bytes")));
        }
    }
    let mut operations = vec![Operation::GenerateDataKey, Operation::Decrypt];
    if args.replication {
        operations.push(Operation::Encrypt);
    }
    let mut spec = CheckSpec {
        bucket_arn,
        key_arn,
        key_account,
        region,
        principals,
        operations,
        object_keys: args.object_key.clone(),
    };
    if spec.object_keys.is_empty() {
        spec.object_keys = check::object_keys(set, &spec.bucket_arn);
    }
    Ok((spec, notes))
}

/// `arn:PARTITION:s3:::NAME` from a bucket name or ARN.
fn bucket_arn(b: &str, partition: &str) -> Result<String, CommandError> {
    let name = match b.strip_prefix("arn:") {
        Some(rest) => {
            let p: Vec<&str> = rest.splitn(5, ':').collect();
            if p.len() != 5 || p[1] != "s3" || !p[2].is_empty() || !p[3].is_empty() {
                return Err(bad(format!(
                    "--bucket {b}: expected a bucket name or ARN (arn:aws:s3:::NAME)"
                )));
            }
            return valid_name(p[4], b).map(|_| format!("arn:{}:s3:::{}", p[0], p[4]));
        }
        None => b,
    };
    valid_name(name, b)?;
    Ok(format!("arn:{partition}:s3:::{name}"))
}

/// Bucket naming rules (3 to 63 of a-z, 0-9, '.', '-'):
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html>.
fn valid_name(name: &str, given: &str) -> Result<(), CommandError> {
    let ok = (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "--bucket {given}: not a bucket name (3 to 63 characters of a-z, 0-9, '.', '-')"
        )))
    }
}

fn statement_text(set: &PolicySet, r: StatementRef) -> String {
    format!(
        "{} {}",
        set.policy(r.policy).source,
        set.statement(r).label()
    )
}

fn truth(t: Truth) -> &'static str {
    match t {
        Truth::True => "true",
        Truth::False => "false",
        Truth::Unknown => "unknown",
    }
}

fn why(set: &PolicySet, o: &Outcome) -> String {
    match (o.decision, o.deciding, o.delegation) {
        (evaluate::Decision::ExplicitDeny, Some(d), _) => format!("by {}", statement_text(set, d)),
        (evaluate::Decision::Allow, Some(d), Some(k)) => format!(
            "by {}, which {} delegates to IAM",
            statement_text(set, d),
            statement_text(set, k)
        ),
        (evaluate::Decision::Allow, Some(d), None) => format!("by {}", statement_text(set, d)),
        (_, _, Some(k)) => format!(
            "{} delegates to IAM, and no IAM policy allows",
            statement_text(set, k)
        ),
        _ => "no statement allows".to_string(),
    }
}

fn human(set: &PolicySet, spec: &CheckSpec, r: &Report) -> String {
    let mut s = String::new();
    let mut line = |t: String| {
        s.push_str(&t);
        s.push('\n');
    };
    line(format!("bucket   {}", spec.bucket_arn));
    line(format!("KMS key  {}", spec.key_arn));
    line(format!(
        "before   aws:s3:arn = {}/<object key> (object keys: {})",
        spec.bucket_arn,
        spec.object_keys.join(", ")
    ));
    line(format!(
        "after    aws:s3:arn = {} (bucket keys on)",
        spec.bucket_arn
    ));
    line(format!(
        "both     kms:ViaService = {}, kms:CallerAccount = the principal's account, kms:EncryptionContextKeys = [aws:s3:arn]",
        spec.via_service()
    ));
    for row in &r.rows {
        line(String::new());
        line(format!(
            "{} {} ({})",
            row.principal,
            row.operation.name(),
            row.operation.why()
        ));
        let allowed: Vec<&str> = row
            .before
            .iter()
            .filter(|b| b.outcome.decision.allowed())
            .map(|b| b.object_key.as_str())
            .collect();
        let before = if allowed.len() == row.before.len() {
            "allowed".to_string()
        } else if allowed.is_empty() {
            row.before[0].outcome.decision.name().to_string()
        } else {
            format!("allowed for {} only", allowed.join(", "))
        };
        let status = match row.status {
            Status::Unchanged => "unchanged",
            Status::Breaks => "BREAKS",
            Status::Widens => "WIDENS (denied before, allowed after)",
        };
        line(format!(
            "  before: {before}; after: {}   {status}",
            row.after.decision.name()
        ));
        if row.status == Status::Unchanged {
            line(format!("  {}", why(set, &row.after)));
            continue;
        }
        for b in &row.before {
            line(format!(
                "  before, {}: {}, {}",
                b.object_key,
                b.outcome.decision.name(),
                why(set, &b.outcome)
            ));
        }
        line(format!(
            "  after: {}, {}",
            row.after.decision.name(),
            why(set, &row.after)
        ));
        for ch in &row.changes {
            let st = set.statement(ch.statement);
            let verb = match st.effect {
                evaluate_effect::Allow => "Allow",
                evaluate_effect::Deny => "Deny",
            };
            line(format!(
                "  changed: {} ({verb}), object key {}",
                statement_text(set, ch.statement),
                ch.object_key
            ));
            for cc in &ch.conditions {
                let c = &cc.condition;
                line(format!(
                    "    {} = {}: {} before, {} after",
                    c.path,
                    json!(c.values),
                    truth(cc.before),
                    truth(cc.after)
                ));
                match &cc.fixed_values {
                    Some(v) => line(format!(
                        "    corrected: \"{}\": {{\"{}\": {}}}",
                        c.op.name,
                        c.key,
                        json!(v)
                    )),
                    None => line("    no correction of this condition's values gives the same result with and without bucket keys".into()),
                }
                for l in &cc.lost_scope {
                    line(format!(
                        "    note: with bucket keys the context names only the bucket: the restriction to {l} cannot be kept on kms:EncryptionContext; keep it in the S3 permissions (s3:PutObject, s3:GetObject on {l})"
                    ));
                }
            }
        }
    }
    line(String::new());
    let n = r.rows.len();
    let breaking = r.rows.iter().filter(|x| x.status == Status::Breaks).count();
    let widening = r.rows.iter().filter(|x| x.status == Status::Widens).count();
    if !r.changes() {
        line(format!(
            "result: nothing changes when bucket keys are turned on ({n} checks)"
        ));
    } else {
        line(format!(
            "result: {breaking} of {n} checks denied after bucket keys are turned on, {widening} newly allowed"
        ));
        if r.corrections > 0 && r.still_changing_after_fix.is_empty() {
            line(format!(
                "with the {} corrected condition(s) above: nothing changes",
                r.corrections
            ));
        } else if r.corrections > 0 {
            let list = |st: Status| {
                r.still_changing_after_fix
                    .iter()
                    .filter(|x| x.2 == st)
                    .map(|(p, o, _)| format!("{p} {}", o.name()))
                    .collect::<Vec<_>>()
            };
            let (denied, widened) = (list(Status::Breaks), list(Status::Widens));
            if denied.is_empty() {
                line(format!(
                    "with the {} corrected condition(s) above: nothing is denied after the switch",
                    r.corrections
                ));
            } else {
                line(format!(
                    "with the {} corrected condition(s) above, still denied after the switch: {}",
                    r.corrections,
                    denied.join(", ")
                ));
            }
            if !widened.is_empty() {
                line(format!(
                    "  and newly allowed (the bucket ARN cannot tell objects apart): {}",
                    widened.join(", ")
                ));
            }
        }
    }
    line(
        "note: objects written before the switch keep their object-ARN context when they are read"
            .into(),
    );
    for n in &r.notes {
        line(format!("note: {n}"));
    }
    s
}

use crate::policy::document::Effect as evaluate_effect;

// The `--json` output (schema `bksim.policy-check.v1`), fields in this order.

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    bucket_arn: &'a str,
    kms_key_arn: &'a str,
    key_account: &'a str,
    region: &'a str,
    via_service: String,
    context_before: String,
    context_after: &'a str,
    object_keys: &'a [String],
    results: Vec<JsonRow<'a>>,
    corrections: usize,
    still_changing_after_corrections: Vec<JsonStill<'a>>,
    notes: &'a [String],
    exit_code: i32,
}

#[derive(serde::Serialize)]
struct JsonRow<'a> {
    principal: &'a str,
    operation: &'static str,
    action: &'static str,
    status: Status,
    before: Vec<JsonOutcome<'a>>,
    after: JsonOutcome<'a>,
    changes: Vec<JsonChange<'a>>,
}

#[derive(serde::Serialize)]
struct JsonOutcome<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    object_key: Option<&'a str>,
    decision: evaluate::Decision,
    statement: Option<JsonStatement<'a>>,
    delegation: Option<JsonStatement<'a>>,
    uncertain: Vec<JsonStatement<'a>>,
}

#[derive(serde::Serialize)]
struct JsonStatement<'a> {
    file: &'a str,
    statement_index: usize,
    sid: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct JsonChange<'a> {
    #[serde(flatten)]
    statement: JsonStatement<'a>,
    effect: &'static str,
    object_key: &'a str,
    conditions: Vec<JsonCondition<'a>>,
}

#[derive(serde::Serialize)]
struct JsonCondition<'a> {
    path: &'a str,
    operator: &'a str,
    key: &'a str,
    values: &'a [String],
    before: &'static str,
    after: &'static str,
    corrected_values: Option<&'a [String]>,
    scope_lost: &'a [String],
}

#[derive(serde::Serialize)]
struct JsonStill<'a> {
    principal: &'a str,
    operation: &'static str,
    status: Status,
}

fn statement_json(set: &PolicySet, r: StatementRef) -> JsonStatement<'_> {
    JsonStatement {
        file: &set.policy(r.policy).source,
        statement_index: r.index,
        sid: set.statement(r).sid.as_deref(),
    }
}

fn outcome_json<'a>(
    set: &'a PolicySet,
    o: &Outcome,
    object_key: Option<&'a str>,
) -> JsonOutcome<'a> {
    JsonOutcome {
        object_key,
        decision: o.decision,
        statement: o.deciding.map(|r| statement_json(set, r)),
        delegation: o.delegation.map(|r| statement_json(set, r)),
        uncertain: o
            .uncertain
            .iter()
            .map(|r| statement_json(set, *r))
            .collect(),
    }
}

fn to_json<'a>(
    set: &'a PolicySet,
    spec: &'a CheckSpec,
    r: &'a Report,
    code: i32,
) -> JsonReport<'a> {
    let results = r
        .rows
        .iter()
        .map(|row| JsonRow {
            principal: &row.principal,
            operation: row.operation.name(),
            action: row.operation.action(),
            status: row.status,
            before: row
                .before
                .iter()
                .map(|b| outcome_json(set, &b.outcome, Some(&b.object_key)))
                .collect(),
            after: outcome_json(set, &row.after, None),
            changes: row
                .changes
                .iter()
                .map(|ch| JsonChange {
                    statement: statement_json(set, ch.statement),
                    effect: match set.statement(ch.statement).effect {
                        evaluate_effect::Allow => "Allow",
                        evaluate_effect::Deny => "Deny",
                    },
                    object_key: &ch.object_key,
                    conditions: ch
                        .conditions
                        .iter()
                        .map(|cc| JsonCondition {
                            path: &cc.condition.path,
                            operator: &cc.condition.op.name,
                            key: &cc.condition.key,
                            values: &cc.condition.values,
                            before: truth(cc.before),
                            after: truth(cc.after),
                            corrected_values: cc.fixed_values.as_deref(),
                            scope_lost: &cc.lost_scope,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    JsonReport {
        schema: SCHEMA,
        bucket_arn: &spec.bucket_arn,
        kms_key_arn: &spec.key_arn,
        key_account: &spec.key_account,
        region: &spec.region,
        via_service: spec.via_service(),
        context_before: format!("{}/<object key>", spec.bucket_arn),
        context_after: &spec.bucket_arn,
        object_keys: &spec.object_keys,
        results,
        corrections: r.corrections,
        still_changing_after_corrections: r
            .still_changing_after_fix
            .iter()
            .map(|(p, o, st)| JsonStill {
                principal: p,
                operation: o.name(),
                status: *st,
            })
            .collect(),
        notes: &r.notes,
        exit_code: code,
    }
}
