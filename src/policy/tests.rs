//! Hand-worked evaluations of the documented KMS key policy patterns, and of the before/after
//! analysis: each expected decision is reasoned out in the comment beside it.

use super::Truth;
use super::check::{self, CheckSpec, Operation, Status};
use super::document::{PolicyKind, parse};
use super::evaluate::{
    Caller, Decision, IdentityPolicy, PolicyRef, PolicySet, Request, StatementRef,
};

const ACCT: &str = "111122223333";
const OTHER: &str = "444455556666";
const ROLE: &str = "arn:aws:iam::111122223333:role/uploader";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BUCKET: &str = "arn:aws:s3:::amzn-s3-demo-bucket";
const VIA: &str = "s3.us-east-1.amazonaws.com";

const ROOT_STATEMENT: &str = r#"{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}"#;

fn key_policy(statements: &[&str]) -> super::Policy {
    let text = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{}]}}",
        statements.join(",")
    );
    parse("key.json", &text, PolicyKind::Key).unwrap()
}

fn iam(statements: &[&str]) -> IdentityPolicy {
    let text = format!("{{\"Statement\": [{}]}}", statements.join(","));
    IdentityPolicy {
        policy: parse("iam.json", &text, PolicyKind::Identity).unwrap(),
        attached_to: None,
    }
}

fn eval(set: &PolicySet, caller: &str, action: &str, s3_arn: Option<&str>) -> super::Outcome {
    let caller = Caller::parse(caller).unwrap();
    let ctx_owned: Vec<(&str, &str)> = s3_arn.map(|a| ("aws:s3:arn", a)).into_iter().collect();
    set.evaluate(&Request {
        caller: &caller,
        action,
        key_arn: KEY,
        key_account: ACCT,
        via_service: Some(VIA),
        context: &ctx_owned,
    })
}

fn key_ref(i: usize) -> Option<StatementRef> {
    Some(StatementRef {
        policy: PolicyRef::Key,
        index: i,
    })
}

fn iam_ref(p: usize, i: usize) -> Option<StatementRef> {
    Some(StatementRef {
        policy: PolicyRef::Identity(p),
        index: i,
    })
}

const OBJ: &str = "arn:aws:s3:::amzn-s3-demo-bucket/a/b.txt";

#[test]
fn default_key_policy_delegates_to_iam() {
    // The default key policy allows only the account: a role needs an IAM allow as well.
    let mut set = PolicySet {
        key: key_policy(&[ROOT_STATEMENT]),
        identity: vec![],
    };
    let o = eval(&set, ROLE, "kms:GenerateDataKey", Some(OBJ));
    assert_eq!(o.decision, Decision::ImplicitDeny);
    assert_eq!(o.delegation, key_ref(0));
    set.identity.push(iam(&[
        r#"{"Effect": "Allow", "Action": "kms:GenerateDataKey*", "Resource": "*"}"#,
    ]));
    let o = eval(&set, ROLE, "kms:GenerateDataKey", Some(OBJ));
    assert_eq!(
        (o.decision, o.deciding, o.delegation),
        (Decision::Allow, iam_ref(0, 0), key_ref(0))
    );
    // The IAM policy does not cover Decrypt.
    assert_eq!(
        eval(&set, ROLE, "kms:Decrypt", Some(OBJ)).decision,
        Decision::ImplicitDeny
    );
    // The account's root user is the principal the statement names: allowed directly.
    let o = eval(
        &set,
        "arn:aws:iam::111122223333:root",
        "kms:Decrypt",
        Some(OBJ),
    );
    assert_eq!((o.decision, o.deciding), (Decision::Allow, key_ref(0)));
}

#[test]
fn an_iam_allow_without_the_key_policy_is_no_allow() {
    // The key policy names another role only: no delegation to IAM.
    let set = PolicySet {
        key: key_policy(&[
            r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "kms:*", "Resource": "*"}"#,
        ]),
        identity: vec![iam(&[
            r#"{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}"#,
        ])],
    };
    let o = eval(&set, ROLE, "kms:Decrypt", Some(OBJ));
    assert_eq!(
        (o.decision, o.deciding, o.delegation),
        (Decision::ImplicitDeny, None, None)
    );
    // The named role is allowed by the key policy alone.
    assert_eq!(
        eval(
            &set,
            "arn:aws:iam::111122223333:role/admin",
            "kms:Decrypt",
            None
        )
        .decision,
        Decision::Allow
    );
}

#[test]
fn explicit_deny_wins_over_a_direct_allow() {
    let set = PolicySet {
        key: key_policy(&[&format!(
            r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:*", "Resource": "*"}}"#
        )]),
        identity: vec![iam(&[
            r#"{"Sid": "NoDecrypt", "Effect": "Deny", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:111122223333:key/*"}"#,
        ])],
    };
    let o = eval(&set, ROLE, "kms:Decrypt", Some(OBJ));
    assert_eq!(
        (o.decision, o.deciding),
        (Decision::ExplicitDeny, iam_ref(0, 0))
    );
    // GenerateDataKey is not denied and the key policy allows the role directly.
    let o = eval(&set, ROLE, "kms:GenerateDataKey", Some(OBJ));
    assert_eq!((o.decision, o.deciding), (Decision::Allow, key_ref(0)));
}

#[test]
fn role_sessions_match_their_role() {
    let set = PolicySet {
        key: key_policy(&[
            r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/app/uploader"}, "Action": "kms:Decrypt", "Resource": "*"}"#,
        ]),
        identity: vec![],
    };
    // A session of role "uploader" (its role ARN has a path; the session ARN does not).
    let o = eval(
        &set,
        "arn:aws:sts::111122223333:assumed-role/uploader/s1",
        "kms:Decrypt",
        None,
    );
    assert_eq!(o.decision, Decision::Allow);
    assert_eq!(
        eval(
            &set,
            "arn:aws:iam::111122223333:role/other",
            "kms:Decrypt",
            None
        )
        .decision,
        Decision::ImplicitDeny
    );
}

/// A principal that is not an ARN of five or more parts (the unique ID AWS shows in place of a
/// deleted role, or a stray word) names nobody: the other statements decide, nothing panics.
#[test]
fn principals_that_are_not_arns_match_no_caller() {
    for odd in [
        "AROAEXAMPLEID1234567",
        "arn",
        "arn:aws",
        "arn:aws:iam",
        "123",
    ] {
        assert_eq!(super::evaluate::account_of(odd), None, "{odd}");
        let allow = format!(
            r#"{{"Effect": "Allow", "Principal": {{"AWS": "{odd}"}}, "Action": "kms:Decrypt", "Resource": "*"}}"#
        );
        let deny = format!(
            r#"{{"Effect": "Deny", "NotPrincipal": {{"AWS": "{odd}"}}, "Action": "kms:Encrypt", "Resource": "*"}}"#
        );
        let set = PolicySet {
            key: key_policy(&[&allow, &deny]),
            identity: vec![],
        };
        // Not allowed by the odd principal; denied Encrypt by NotPrincipal (it lists nobody).
        assert_eq!(
            eval(&set, ROLE, "kms:Decrypt", None).decision,
            Decision::ImplicitDeny,
            "{odd}"
        );
        assert_eq!(
            eval(&set, ROLE, "kms:Encrypt", None).decision,
            Decision::ExplicitDeny,
            "{odd}"
        );
    }
}

#[test]
fn cross_account_needs_key_policy_and_iam() {
    let ext = "arn:aws:iam::444455556666:role/reader";
    let key = key_policy(&[
        ROOT_STATEMENT,
        &format!(
            r#"{{"Sid": "External", "Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{OTHER}:root"}}, "Action": "kms:Decrypt", "Resource": "*"}}"#
        ),
    ]);
    let mut set = PolicySet {
        key,
        identity: vec![],
    };
    // The key policy allows the other account, but its IAM policy must allow too.
    let o = eval(&set, ext, "kms:Decrypt", Some(OBJ));
    assert_eq!(
        (o.decision, o.delegation),
        (Decision::ImplicitDeny, key_ref(1))
    );
    set.identity.push(iam(&[
        r#"{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}"#,
    ]));
    let o = eval(&set, ext, "kms:Decrypt", Some(OBJ));
    assert_eq!(
        (o.decision, o.deciding, o.delegation),
        (Decision::Allow, iam_ref(0, 0), key_ref(1))
    );
    // A direct allow of an external role still needs its IAM allow.
    let set = PolicySet {
        key: key_policy(&[&format!(
            r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ext}"}}, "Action": "kms:Decrypt", "Resource": "*"}}"#
        )]),
        identity: vec![],
    };
    assert_eq!(
        eval(&set, ext, "kms:Decrypt", None).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn aws_managed_s3_key_pattern_via_service_and_caller_account() {
    // The aws/s3 key policy: everyone, but only through S3 of this region and this account.
    let set = PolicySet {
        key: key_policy(&[
            r#"{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "s3.us-east-1.amazonaws.com"}}}"#,
        ]),
        identity: vec![],
    };
    assert_eq!(
        eval(&set, ROLE, "kms:GenerateDataKey", Some(OBJ)).decision,
        Decision::Allow
    );
    assert_eq!(
        eval(&set, ROLE, "kms:GenerateDataKey", Some(BUCKET)).decision,
        Decision::Allow
    );
    // Another account's caller: kms:CallerAccount differs.
    assert_eq!(
        eval(
            &set,
            "arn:aws:iam::444455556666:role/x",
            "kms:Decrypt",
            None
        )
        .decision,
        Decision::ImplicitDeny
    );
    // Not through S3: kms:ViaService is missing, StringEquals on a missing key is false.
    let caller = Caller::parse(ROLE).unwrap();
    let direct = Request {
        caller: &caller,
        action: "kms:Decrypt",
        key_arn: KEY,
        key_account: ACCT,
        via_service: None,
        context: &[],
    };
    assert_eq!(set.evaluate(&direct).decision, Decision::ImplicitDeny);
}

#[test]
fn not_elements() {
    let set = PolicySet {
        key: key_policy(&[
            ROOT_STATEMENT,
            // Everyone but the admin role is denied everything except Decrypt.
            r#"{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "NotAction": "kms:Decrypt", "Resource": "*"}"#,
            // Allowed for every key but one (NotResource).
            &format!(
                r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:*", "NotResource": "arn:aws:kms:us-east-1:111122223333:key/other"}}"#
            ),
        ]),
        identity: vec![],
    };
    assert_eq!(
        eval(&set, ROLE, "kms:Decrypt", None).decision,
        Decision::Allow
    );
    let o = eval(&set, ROLE, "kms:GenerateDataKey", None);
    assert_eq!(
        (o.decision, o.deciding),
        (Decision::ExplicitDeny, key_ref(1))
    );
    // The admin is not denied, but only the account statement covers it (delegation, no IAM).
    assert_eq!(
        eval(
            &set,
            "arn:aws:iam::111122223333:role/admin",
            "kms:GenerateDataKey",
            None
        )
        .decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn unknown_conditions_are_conservative() {
    let set = PolicySet {
        key: key_policy(&[
            &format!(
                r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {{"IpAddress": {{"aws:SourceIp": "10.0.0.0/8"}}}}}}"#
            ),
            &format!(
                r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:GenerateDataKey", "Resource": "*"}}"#
            ),
            r#"{"Effect": "Deny", "Principal": "*", "Action": "kms:GenerateDataKey", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}"#,
        ]),
        identity: vec![],
    };
    // An allow that cannot be evaluated does not allow.
    let o = eval(&set, ROLE, "kms:Decrypt", None);
    assert_eq!(
        (o.decision, o.uncertain.clone()),
        (Decision::ImplicitDeny, vec![key_ref(0).unwrap()])
    );
    // A deny that cannot be evaluated denies.
    let o = eval(&set, ROLE, "kms:GenerateDataKey", None);
    assert_eq!(
        (o.decision, o.deciding),
        (Decision::ExplicitDeny, key_ref(2))
    );
    assert_eq!(o.uncertain, vec![key_ref(2).unwrap()]);
}

#[test]
fn encryption_context_keys_with_set_operators() {
    let stmt = |cond: &str| {
        format!(
            r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:*", "Resource": "*", "Condition": {cond}}}"#
        )
    };
    let all = PolicySet {
        key: key_policy(&[&stmt(
            r#"{"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["aws:s3:arn"]}}"#,
        )]),
        identity: vec![],
    };
    // Every key in the request is aws:s3:arn: true; no context at all: also true (empty set).
    assert_eq!(
        eval(&all, ROLE, "kms:Decrypt", Some(OBJ)).decision,
        Decision::Allow
    );
    assert_eq!(
        eval(&all, ROLE, "kms:Decrypt", None).decision,
        Decision::Allow
    );
    let any = PolicySet {
        key: key_policy(&[&stmt(
            r#"{"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "aws:s3:arn"}}"#,
        )]),
        identity: vec![],
    };
    assert_eq!(
        eval(&any, ROLE, "kms:Decrypt", Some(OBJ)).decision,
        Decision::Allow
    );
    // ForAnyValue on an empty set is false.
    assert_eq!(
        eval(&any, ROLE, "kms:Decrypt", None).decision,
        Decision::ImplicitDeny
    );
    // IfExists on the missing aws:s3:arn: true.
    let ie = PolicySet {
        key: key_policy(&[&stmt(
            r#"{"StringLikeIfExists": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::other/*"}}"#,
        )]),
        identity: vec![],
    };
    assert_eq!(
        eval(&ie, ROLE, "kms:Decrypt", None).decision,
        Decision::Allow
    );
    assert_eq!(
        eval(&ie, ROLE, "kms:Decrypt", Some(OBJ)).decision,
        Decision::ImplicitDeny
    );
}

fn spec<S: AsRef<str>>(keys: &[S]) -> CheckSpec {
    CheckSpec {
        bucket_arn: BUCKET.into(),
        key_arn: KEY.into(),
        key_account: ACCT.into(),
        region: "us-east-1".into(),
        principals: vec![Caller::parse(ROLE).unwrap()],
        operations: vec![Operation::GenerateDataKey, Operation::Decrypt],
        object_keys: keys.iter().map(|s| s.as_ref().to_string()).collect(),
    }
}

fn s3_stmt(effect: &str, op: &str, values: &str) -> String {
    format!(
        r#"{{"Sid": "S", "Effect": "{effect}", "Principal": {{"AWS": "{ROLE}"}}, "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*", "Condition": {{"{op}": {{"kms:EncryptionContext:aws:s3:arn": {values}}}}}}}"#
    )
}

#[test]
fn object_arn_wildcard_breaks_and_the_bucket_arn_fixes_it() {
    // Allowed only for object ARNs: before (arn:aws:s3:::bucket/example-object) matches
    // bucket/*; after (arn:aws:s3:::bucket) does not, and nothing else allows: implicit deny.
    let set = PolicySet {
        key: key_policy(&[
            ROOT_STATEMENT,
            &s3_stmt(
                "Allow",
                "StringLike",
                r#""arn:aws:s3:::amzn-s3-demo-bucket/*""#,
            ),
        ]),
        identity: vec![],
    };
    let keys = check::object_keys(&set, BUCKET);
    assert_eq!(keys, vec!["example-object"]);
    let r = check::check(&set, &spec(&keys));
    assert_eq!(r.rows.len(), 2);
    for row in &r.rows {
        assert_eq!(row.status, Status::Breaks);
        assert_eq!(row.before[0].outcome.decision, Decision::Allow);
        assert_eq!(row.after.decision, Decision::ImplicitDeny);
        assert_eq!(row.changes.len(), 1);
        let cc = &row.changes[0].conditions[0];
        assert_eq!((cc.before, cc.after), (Truth::True, Truth::False));
        assert_eq!(
            cc.fixed_values,
            Some(vec![
                "arn:aws:s3:::amzn-s3-demo-bucket/*".to_string(),
                BUCKET.to_string()
            ])
        );
        assert!(cc.lost_scope.is_empty());
    }
    assert_eq!(r.corrections, 1);
    assert!(r.still_changing_after_fix.is_empty());
    assert!(r.breaks());
}

#[test]
fn exact_bucket_arn_condition_is_the_reverse() {
    // StringEquals on the bucket ARN: denied before (object ARN), allowed after: widens.
    let set = PolicySet {
        key: key_policy(&[&s3_stmt("Allow", "StringEquals", &format!("\"{BUCKET}\""))]),
        identity: vec![],
    };
    let r = check::check(&set, &spec(&["k"]));
    assert!(r.rows.iter().all(|x| x.status == Status::Widens));
    assert!(r.changes() && !r.breaks());
    // Both values: allowed both ways.
    let both = PolicySet {
        key: key_policy(&[&s3_stmt(
            "Allow",
            "ArnLike",
            &format!("[\"{BUCKET}\", \"{BUCKET}/*\"]"),
        )]),
        identity: vec![],
    };
    assert!(!check::check(&both, &spec(&["k"])).changes());
}

#[test]
fn prefix_policy_breaks_for_objects_under_the_prefix() {
    // Allowed for uploads/* only. Representative keys: example-object (denied before and
    // after: unchanged) and uploads/example-object (allowed before, denied after).
    let set = PolicySet {
        key: key_policy(&[ROOT_STATEMENT]),
        identity: vec![iam(&[
            r#"{"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Condition": {"ArnLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket/uploads/*"}}}"#,
        ])],
    };
    let keys = check::object_keys(&set, BUCKET);
    assert_eq!(keys, vec!["example-object", "uploads/example-object"]);
    // A pattern only keys over S3's 1,024 bytes match names no object: no such key is
    // tried (a 70,001-character one used to make the check run for minutes).
    let long = format!(
        r#"{{"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Condition": {{"StringLike": {{"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket/{}z"}}}}}}"#,
        "?".repeat(1024)
    );
    let set_long = PolicySet {
        key: key_policy(&[ROOT_STATEMENT]),
        identity: vec![iam(&[&long])],
    };
    assert_eq!(
        check::object_keys(&set_long, BUCKET),
        vec!["example-object"]
    );
    let r = check::check(&set, &spec(&keys));
    let row = &r.rows[0];
    assert_eq!(row.status, Status::Breaks);
    assert_eq!(row.before[0].outcome.decision, Decision::ImplicitDeny);
    assert_eq!(row.before[1].outcome.decision, Decision::Allow);
    assert_eq!(row.before[1].outcome.delegation, key_ref(0));
    let cc = &row.changes[0].conditions[0];
    assert_eq!(row.changes[0].statement, iam_ref(0, 0).unwrap());
    assert_eq!(
        cc.lost_scope,
        vec!["arn:aws:s3:::amzn-s3-demo-bucket/uploads/*"]
    );
    // The correction allows the bucket ARN, so nothing is denied after, but objects outside
    // uploads/ are newly allowed: the bucket ARN cannot tell them apart.
    assert_eq!(r.corrections, 1);
    assert!(
        r.still_changing_after_fix
            .iter()
            .all(|x| x.2 == Status::Widens)
    );
    assert_eq!(r.still_changing_after_fix.len(), 2);
}

#[test]
fn explicit_deny_on_other_objects_breaks() {
    // Deny StringNotLike bucket/*: the bucket ARN is "not like" bucket/*, so the deny now
    // applies. Correction: add the bucket ARN to the NotLike values.
    let set = PolicySet {
        key: key_policy(&[
            &format!(
                r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:*", "Resource": "*"}}"#
            ),
            &s3_stmt("Deny", "StringNotLike", &format!("\"{BUCKET}/*\"")),
        ]),
        identity: vec![],
    };
    let r = check::check(&set, &spec(&["x"]));
    let row = &r.rows[0];
    assert_eq!(
        (row.status, row.after.decision, row.after.deciding),
        (Status::Breaks, Decision::ExplicitDeny, key_ref(1))
    );
    let cc = &row.changes[0].conditions[0];
    assert_eq!((cc.before, cc.after), (Truth::False, Truth::True));
    assert_eq!(
        cc.fixed_values,
        Some(vec![format!("{BUCKET}/*"), BUCKET.to_string()])
    );
    assert!(r.still_changing_after_fix.is_empty());
}

#[test]
fn deny_on_a_prefix_stops_applying() {
    // Deny StringLike bucket/secret/*: for secret/x the deny applied before; with the bucket
    // ARN it no longer does: the role's access widens.
    let set = PolicySet {
        key: key_policy(&[
            &format!(
                r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:*", "Resource": "*"}}"#
            ),
            &s3_stmt("Deny", "StringLike", &format!("\"{BUCKET}/secret/*\"")),
        ]),
        identity: vec![],
    };
    let keys = check::object_keys(&set, BUCKET);
    assert_eq!(keys, vec!["example-object", "secret/example-object"]);
    let r = check::check(&set, &spec(&keys));
    let row = &r.rows[0];
    assert_eq!(row.status, Status::Widens);
    assert_eq!(row.before[1].outcome.decision, Decision::ExplicitDeny);
    assert_eq!(row.after.decision, Decision::Allow);
    // The only correction (deny the bucket ARN) denies every object after the switch.
    assert_eq!(r.corrections, 1);
    assert!(
        r.still_changing_after_fix
            .iter()
            .any(|x| x.2 == Status::Breaks)
    );
}
