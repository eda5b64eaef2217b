//! `bksim policy-check` through the real binary: the bundled example policies with their
//! hand-worked before/after results and exit codes, the `--json` schema, bad input (exit 2,
//! file and JSON path in the message), the size caps, the README's example output, and
//! arbitrary JSON never making the parser or the analysis panic.

use super::common::{bksim, repo, text};
use bksim::policy::check::{self, CheckSpec, Operation};
use bksim::policy::document::{PolicyKind, parse};
use bksim::policy::evaluate::{Caller, IdentityPolicy, PolicySet};
use proptest::prelude::*;
use serde_json::Value;

const BUCKET: &str = "amzn-s3-demo-bucket";
const ROLE: &str = "arn:aws:iam::111122223333:role/uploader";

fn check(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["policy-check"];
    all.extend_from_slice(args);
    let out = bksim(&all);
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

fn example(name: &str) -> String {
    format!("scenarios/policies/{name}.json")
}

fn json_of(args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.push("--json");
    let (code, out, err) = check(&a);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v)
}

#[test]
fn object_arn_wildcard_breaks_and_its_fix_does_not() {
    // The role is allowed only when aws:s3:arn is like bucket/*: the bucket ARN is not.
    let kp = example("object-arn-wildcard");
    let (code, v) = json_of(&["--key-policy", &kp, "--bucket", BUCKET]);
    assert_eq!(code, 3);
    assert_eq!(v["schema"], "bksim.policy-check.v1");
    assert_eq!(v["exit_code"], 3);
    assert_eq!(v["via_service"], "s3.us-east-1.amazonaws.com");
    assert_eq!(v["context_after"], "arn:aws:s3:::amzn-s3-demo-bucket");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (r, op) in results.iter().zip(["GenerateDataKey", "Decrypt"]) {
        assert_eq!(r["principal"], ROLE);
        assert_eq!(r["operation"], op);
        assert_eq!(r["status"], "breaks");
        assert_eq!(r["before"][0]["decision"], "allow");
        assert_eq!(
            r["before"][0]["statement"]["sid"],
            "AllowUploaderObjectsOnly"
        );
        assert_eq!(r["after"]["decision"], "implicit-deny");
        // The account statement delegates to IAM, but no IAM policy was given.
        assert_eq!(r["after"]["delegation"]["statement_index"], 0);
        let c = &r["changes"][0]["conditions"][0];
        assert_eq!(
            c["path"],
            "Statement[1].Condition.StringLike.kms:EncryptionContext:aws:s3:arn"
        );
        assert_eq!(
            (c["before"].as_str(), c["after"].as_str()),
            (Some("true"), Some("false"))
        );
        assert_eq!(
            c["corrected_values"],
            serde_json::json!([
                "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "arn:aws:s3:::amzn-s3-demo-bucket"
            ])
        );
    }
    assert_eq!(v["corrections"], 1);
    assert_eq!(v["still_changing_after_corrections"], serde_json::json!([]));

    let (code, out, _) = check(&[
        "--key-policy",
        &example("object-arn-wildcard-fixed"),
        "--bucket",
        BUCKET,
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("result: nothing changes when bucket keys are turned on (2 checks)"),
        "{out}"
    );
}

#[test]
fn via_service_only_keeps_working() {
    let (code, v) = json_of(&[
        "--key-policy",
        &example("via-service-only"),
        "--bucket",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        "--kms-key",
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "--replication",
    ]);
    assert_eq!(code, 0);
    // GenerateDataKey* covers GenerateDataKey; Encrypt (replication) is not in the statement:
    // implicitly denied before and after alike.
    let st: Vec<(&str, &str, &str)> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["operation"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
                r["after"]["decision"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        st,
        vec![
            ("GenerateDataKey", "unchanged", "allow"),
            ("Decrypt", "unchanged", "allow"),
            ("Encrypt", "unchanged", "implicit-deny")
        ]
    );
    // In another region, kms:ViaService no longer matches: denied before and after.
    let (code, v) = json_of(&[
        "--key-policy",
        &example("via-service-only"),
        "--bucket",
        BUCKET,
        "--region",
        "eu-west-1",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["results"][0]["before"][0]["decision"], "implicit-deny");
    // The schema name comes first.
    let (_, out, _) = check(&[
        "--key-policy",
        &example("via-service-only"),
        "--bucket",
        BUCKET,
        "--json",
    ]);
    assert!(
        out.starts_with("{\n  \"schema\": \"bksim.policy-check.v1\",\n  \"bucket_arn\""),
        "{out}"
    );
}

#[test]
fn explicit_deny_after_the_switch() {
    let (code, out, _) = check(&[
        "--key-policy",
        &example("explicit-deny"),
        "--bucket",
        BUCKET,
    ]);
    assert_eq!(code, 3);
    assert!(
        out.contains("  before: allowed; after: denied (explicit deny)   BREAKS\n"),
        "{out}"
    );
    assert!(
        out.contains("  after: denied (explicit deny), by scenarios/policies/explicit-deny.json Sid \"DenyOtherBuckets\" (Statement[2])\n"),
        "{out}"
    );
    assert!(out.contains(
        "    corrected: \"StringNotLike\": {\"kms:EncryptionContext:aws:s3:arn\": [\"arn:aws:s3:::amzn-s3-demo-bucket/*\",\"arn:aws:s3:::amzn-s3-demo-bucket\"]}\n"
    ), "{out}");
    assert!(
        out.contains("with the 1 corrected condition(s) above: nothing changes\n"),
        "{out}"
    );
}

#[test]
fn iam_prefix_policy_breaks_under_the_prefix_only() {
    let (code, v) = json_of(&[
        "--key-policy",
        &example("default-key-policy"),
        "--iam-policy",
        &example("iam-uploads-prefix"),
        "--bucket",
        BUCKET,
        "--principal",
        "arn:aws:sts::111122223333:assumed-role/uploader/session-1",
    ]);
    assert_eq!(code, 3);
    assert_eq!(
        v["object_keys"],
        serde_json::json!(["example-object", "uploads/example-object"])
    );
    let r = &v["results"][0];
    assert_eq!(r["before"][0]["decision"], "implicit-deny");
    assert_eq!(r["before"][1]["decision"], "allow");
    assert_eq!(
        r["before"][1]["statement"]["file"],
        example("iam-uploads-prefix")
    );
    assert_eq!(r["after"]["decision"], "implicit-deny");
    assert_eq!(
        r["changes"][0]["conditions"][0]["scope_lost"],
        serde_json::json!(["arn:aws:s3:::amzn-s3-demo-bucket/uploads/*"])
    );
    // With the correction nothing is denied, but objects outside uploads/ become allowed.
    let still = v["still_changing_after_corrections"].as_array().unwrap();
    assert_eq!(still.len(), 2);
    assert!(still.iter().all(|s| s["status"] == "widens"));
    // --object-key outside the prefix only: denied before and after, nothing changes.
    let (code, _, _) = check(&[
        "--key-policy",
        &example("default-key-policy"),
        "--iam-policy",
        &example("iam-uploads-prefix"),
        "--bucket",
        BUCKET,
        "--principal",
        ROLE,
        "--object-key",
        "logs/2026/x.gz",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn readme_shows_the_real_output() {
    let (code, out, _) = check(&[
        "--key-policy",
        &example("object-arn-wildcard"),
        "--bucket",
        BUCKET,
    ]);
    assert_eq!(code, 3);
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    assert!(readme.contains("## Checking policies before turning bucket keys on"));
    assert!(
        readme.contains(&format!("```text\n{out}```")),
        "README's policy-check example output is stale; it is now:\n{out}"
    );
}

fn write(dir: &std::path::Path, name: &str, content: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.display().to_string()
}

#[test]
fn bad_input_names_file_and_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let bad_cond = write(
        dir.path(),
        "key.json",
        r#"{"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/r"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*",
             "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": {"x": 1}}}}]}"#,
    );
    let good = example("via-service-only");
    let not_json = write(
        dir.path(),
        "broken.json",
        "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}",
    );
    let iam_with_principal = write(
        dir.path(),
        "iam.json",
        r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}}"#,
    );
    let twice = write(
        dir.path(),
        "twice.json",
        "{\"Statement\": [\n  {\"Effect\": \"Allow\", \"Principal\": \"*\",\n   \"Effect\": \"Deny\", \"Action\": \"kms:*\", \"Resource\": \"*\"}]}",
    );
    let only_root = example("default-key-policy");
    let d = dir.path().display().to_string();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["--key-policy", &bad_cond, "--bucket", BUCKET],
         format!("{bad_cond}: Statement[2].Condition.StringLike.kms:EncryptionContext:aws:s3:arn: expected a string or an array of strings")),
        (vec!["--key-policy", &not_json, "--bucket", BUCKET],
         format!("{not_json}: line 3 column 24: not valid JSON: trailing comma")),
        (vec!["--key-policy", &twice, "--bucket", BUCKET],
         format!("{twice}: line 3 column 11: Statement[0].Effect: the key appears twice in one object (IAM and KMS refuse such a document; keep one)")),
        (vec!["--key-policy", &good, "--iam-policy", &twice, "--bucket", BUCKET],
         format!("{twice}: line 3 column 11: Statement[0].Effect: the key appears twice in one object (IAM and KMS refuse such a document; keep one)")),
        (vec!["--key-policy", &good, "--iam-policy", &iam_with_principal, "--bucket", BUCKET],
         format!("{iam_with_principal}: Statement.Principal: an IAM identity policy has no Principal (is this the key policy? give it with --key-policy)")),
        (vec!["--key-policy", &d, "--bucket", BUCKET], format!("{d}: is not a regular file")),
        (vec!["--key-policy", "scenarios/policies/none.json", "--bucket", BUCKET],
         "scenarios/policies/none.json: cannot read: No such file or directory (os error 2)".into()),
        (vec!["--key-policy", &good, "--bucket", "Not_A_Bucket"],
         "--bucket Not_A_Bucket: not a bucket name (3 to 63 characters of a-z, 0-9, '.', '-')".into()),
        (vec!["--key-policy", &good, "--bucket", "arn:aws:s3:::b/k"],
         "--bucket arn:aws:s3:::b/k: not a bucket name (3 to 63 characters of a-z, 0-9, '.', '-')".into()),
        (vec!["--key-policy", &good, "--bucket", BUCKET, "--principal", "uploader"],
         "--principal `uploader`: expected an IAM principal ARN such as arn:aws:iam::111122223333:role/NAME, arn:aws:iam::111122223333:user/NAME or arn:aws:sts::111122223333:assumed-role/NAME/SESSION".into()),
        (vec!["--key-policy", &good, "--bucket", BUCKET, "--kms-key", "alias/aws/s3"],
         "--kms-key alias/aws/s3: expected a key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()),
        (vec!["--key-policy", &good, "--bucket", BUCKET, "--kms-key", "arn:aws:kms:us-east-1:111122223333:key/k", "--region", "eu-west-1"],
         "--region eu-west-1 differs from the region of --kms-key (us-east-1): S3 uses a KMS key of the bucket's region".into()),
        // Region names are checked by the rule a scenario's Regions are (`kms.region`).
        (vec!["--key-policy", &good, "--bucket", BUCKET, "--region", "x"],
         "--region x: 'x' is not an AWS Region name (Region names look like us-east-1, eu-central-1 or us-gov-west-1)".into()),
        (vec!["--key-policy", &good, "--bucket", BUCKET, "--region", "us-east"],
         "--region us-east: 'us-east' is not an AWS Region name (Region names look like us-east-1, eu-central-1 or us-gov-west-1)".into()),
        (vec!["--key-policy", &good, "--bucket", BUCKET, "--kms-key", "arn:aws:kms:x:111122223333:key/k"],
         "--kms-key arn:aws:kms:x:111122223333:key/k: 'x' is not an AWS Region name (Region names look like us-east-1, eu-central-1 or us-gov-west-1)".into()),
        (vec!["--key-policy", &only_root, "--bucket", BUCKET],
         format!("{only_root}: names no role or user (only accounts, \"*\" or services), nor does any --iam-policy ARN=FILE: give the principals that use the key through S3 with --principal ARN")),
    ];
    for (args, want) in cases {
        let (code, out, err) = check(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert_eq!(err, format!("error: {want}\n"), "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
    }
}

#[test]
fn files_past_the_cap_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Valid JSON, padded with whitespace past 128 KiB.
    let big = format!(
        "{}{}",
        " ".repeat(128 * 1024),
        std::fs::read_to_string(repo(&example("via-service-only"))).unwrap()
    );
    let kp = write(dir.path(), "big.json", &big);
    let (code, _, err) = check(&["--key-policy", &kp, "--bucket", BUCKET]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "error: {kp}: is {} bytes, more than bksim reads for a key policy (KMS accepts 32,768 bytes): 131072 bytes\n",
            big.len()
        )
    );
    let iam = write(dir.path(), "iam.json", &" ".repeat(64 * 1024 + 1));
    let (code, _, err) = check(&[
        "--key-policy",
        &example("via-service-only"),
        "--iam-policy",
        &iam,
        "--bucket",
        BUCKET,
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "error: {iam}: is 65537 bytes, more than bksim reads for an IAM policy (IAM accepts 10,240 characters): 65536 bytes\n"
        )
    );
}

/// Arbitrary JSON values, nested a few levels, with the element names policies use.
fn json_value() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "Version",
        "Statement",
        "Sid",
        "Effect",
        "Allow",
        "Deny",
        "Principal",
        "NotPrincipal",
        "AWS",
        "Service",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "StringLike",
        "ForAllValues:StringEquals",
        "ForAnyValue:ArnLike",
        "StringNotLikeIfExists",
        "Null",
        "kms:EncryptionContext:aws:s3:arn",
        "kms:EncryptionContextKeys",
        "kms:ViaService",
        "kms:CallerAccount",
        "*",
        "kms:*",
        "Policy",
        "PolicyDocument",
        "PolicyVersion",
        "Document",
        "arn:aws:iam::111122223333:root",
        ROLE,
        "arn:aws:s3:::amzn-s3-demo-bucket/*",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        "%7B",
        "${aws:username}",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        names.clone().prop_map(|s| Value::String(s.to_string())),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..6).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

fn analyse(key: &str, iam: Option<&str>) {
    let Ok(key) = parse("key.json", key, PolicyKind::Key) else {
        return;
    };
    let mut identity = Vec::new();
    if let Some(Ok(p)) = iam.map(|i| parse("iam.json", i, PolicyKind::Identity)) {
        identity.push(IdentityPolicy {
            policy: p,
            attached_to: None,
        });
    }
    let set = PolicySet { key, identity };
    let bucket = "arn:aws:s3:::amzn-s3-demo-bucket".to_string();
    let spec = CheckSpec {
        object_keys: check::object_keys(&set, &bucket),
        bucket_arn: bucket,
        key_arn: "arn:aws:kms:us-east-1:111122223333:key/k".into(),
        key_account: "111122223333".into(),
        region: "us-east-1".into(),
        principals: vec![
            Caller::parse(ROLE).unwrap(),
            Caller::parse("arn:aws:iam::111122223333:root").unwrap(),
        ],
        operations: vec![
            Operation::GenerateDataKey,
            Operation::Decrypt,
            Operation::Encrypt,
        ],
    };
    let r = check::check(&set, &spec);
    assert_eq!(r.rows.len(), 6);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary JSON, whole or as any statement of a bundled policy, never panics the parser
    /// or the analysis; as a key policy and as an IAM policy.
    #[test]
    fn arbitrary_json_never_panics(v in json_value(), at in 0usize..8, text in ".{0,64}") {
        let s = v.to_string();
        analyse(&s, Some(&s));
        let _ = parse("x.json", &text, PolicyKind::Key);
        // The value spliced into a real policy: as a statement, a condition block, a value.
        let base: Value = serde_json::from_str(&std::fs::read_to_string(repo(&example("explicit-deny"))).unwrap()).unwrap();
        let mut m = base.clone();
        let stmt = &mut m["Statement"][at % 3];
        match at / 3 {
            0 => *stmt = v.clone(),
            1 => stmt["Condition"] = v.clone(),
            _ => stmt["Condition"]["StringNotLike"]["kms:EncryptionContext:aws:s3:arn"] = v.clone(),
        }
        analyse(&m.to_string(), Some(&serde_json::json!({"Statement": [m["Statement"][at % 3].clone()]}).to_string()));
    }
}

#[test]
fn what_is_not_evaluated_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let kp = write(
        dir.path(),
        "key.json",
        &format!(
            r#"{{"Statement": [{{"Sid": "FromTheOffice", "Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:*", "Resource": "*",
                "Condition": {{"IpAddress": {{"aws:SourceIp": "192.0.2.0/24"}}, "StringLike": {{"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket/*"}}}}}}]}}"#
        ),
    );
    let iam = write(
        dir.path(),
        "iam.json",
        r#"{"Statement": {"Sid": "K", "Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234"}}"#,
    );
    let (code, out, _) = check(&[
        "--key-policy",
        &kp,
        "--iam-policy",
        &iam,
        "--bucket",
        BUCKET,
    ]);
    // The allow cannot be evaluated (aws:SourceIp is not in these requests): assumed not to
    // allow, before and after alike, so nothing changes, and the note says so.
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!(
        "note: {kp}: Sid \"FromTheOffice\" (Statement[0]): not evaluated (IpAddress on aws:SourceIp): assumed not to allow (conservative); check it by hand\n"
    )), "{out}");
    assert!(out.contains(&format!(
        "note: {iam}: Sid \"K\" (Statement): Resource names specific KMS keys, which the assumed key ARN does not match: give --kms-key\n"
    )), "{out}");
}

#[test]
fn newly_allowed_is_a_change() {
    // Allowed only for the bucket ARN: denied before, allowed after (exit 3, "widens").
    let dir = tempfile::tempdir().unwrap();
    let kp = write(
        dir.path(),
        "key.json",
        &format!(
            r#"{{"Statement": {{"Effect": "Allow", "Principal": {{"AWS": "{ROLE}"}}, "Action": "kms:GenerateDataKey", "Resource": "*",
                "Condition": {{"ArnEquals": {{"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::amzn-s3-demo-bucket"}}}}}}}}"#
        ),
    );
    let (code, out, _) = check(&["--key-policy", &kp, "--bucket", BUCKET]);
    assert_eq!(code, 3);
    assert!(
        out.contains(
            "  before: denied (implicit); after: allowed   WIDENS (denied before, allowed after)\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "result: 0 of 2 checks denied after bucket keys are turned on, 1 newly allowed\n"
        ),
        "{out}"
    );
}

#[test]
fn iam_policies_attached_to_one_principal() {
    // The prefix policy is the uploader's only: the uploader breaks (under uploads/), the
    // other role has no IAM allow (denied before and after), and a session of the uploader
    // role gets the role's policy.
    let attached = format!("{ROLE}={}", example("iam-uploads-prefix"));
    let (code, v) = json_of(&[
        "--key-policy",
        &example("default-key-policy"),
        "--iam-policy",
        &attached,
        "--bucket",
        BUCKET,
        "--principal",
        "arn:aws:sts::111122223333:assumed-role/uploader/s1",
        "--principal",
        "arn:aws:iam::111122223333:role/other",
    ]);
    assert_eq!(code, 3);
    let st: Vec<(&str, &str)> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["principal"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        st,
        vec![
            (
                "arn:aws:sts::111122223333:assumed-role/uploader/s1",
                "breaks"
            ),
            (
                "arn:aws:sts::111122223333:assumed-role/uploader/s1",
                "breaks"
            ),
            ("arn:aws:iam::111122223333:role/other", "unchanged"),
            ("arn:aws:iam::111122223333:role/other", "unchanged"),
        ]
    );
    // Without --principal, the principal of ARN=FILE is checked.
    let (code, v) = json_of(&[
        "--key-policy",
        &example("default-key-policy"),
        "--iam-policy",
        &attached,
        "--bucket",
        BUCKET,
    ]);
    assert_eq!(code, 3);
    assert_eq!(v["results"][0]["principal"], ROLE);
}
