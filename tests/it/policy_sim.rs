//! KMS calls checked against a bucket's policies in the simulation: hand-worked counts of
//! denied calls and AccessDenied requests with and without bucket keys, the deciding statement,
//! CloudTrail's AccessDenied records, and bad policy inputs refused before any work.

use std::path::Path;

use crate::common::{bksim, repo, text};

/// One front-end host, one uploader session, 10 PUT/s evenly spaced for 10 s (no two calls
/// overlap, so every request makes its own KMS call); no warm-up. `policy` is a file of
/// scenarios/policies/, `extra` more TOML.
fn scenario(dir: &Path, policy: &str, extra: &str) -> std::path::PathBuf {
    let policies = repo("scenarios/policies");
    let text = format!(
        r#"
name = "policy-sim"
seed = 5
duration = "10s"
warmup = "0s"
[kms]
region = "us-east-1"
[s3]
frontend_hosts = 1
[client]
retry = "standard"
[[bucket]]
name = "app"
s3_name = "amzn-s3-demo-bucket"
encryption = "sse-kms"
kms_key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
key_policy = "{}/{policy}"
[[workload]]
name = "uploads"
bucket = "app"
op = "put"
arrival = {{ kind = "constant", rate = 10 }}
principal = "arn:aws:iam::111122223333:role/uploader"
{extra}
"#,
        policies.display()
    );
    let p = dir.join("s.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn run(sc: &Path, args: &[&str]) -> serde_json::Value {
    let out = sc.parent().unwrap().join("out");
    let mut all = vec![
        "run",
        sc.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
        "--quiet",
    ];
    all.extend(args);
    let o = bksim(&all);
    assert!(o.status.success(), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn variant<'a>(s: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    s["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap()
}

#[test]
fn an_object_arn_policy_denies_every_bucket_key_call_and_the_fixed_one_none() {
    let d = tempfile::tempdir().unwrap();
    let s = run(&scenario(d.path(), "object-arn-wildcard.json", ""), &[]);
    // Per object: 100 PUTs, 100 GenerateDataKey with object ARNs, all allowed.
    let po = variant(&s, "per-object");
    assert_eq!(po["requests"]["put"]["completed"], 100);
    assert!(po["requests"]["put"].get("denied").is_none());
    assert!(po.get("access_denied").is_none());
    // Bucket keys: each PUT asks for a bucket key (a denied one is never cached), the bucket
    // ARN matches no allow: 100 GenerateDataKey denied, 100 PUTs fail with AccessDenied, no
    // retries (SDKs do not retry 403).
    let bk = variant(&s, "bucket-key");
    let put = &bk["requests"]["put"];
    assert_eq!(
        (put["offered"].as_u64(), put["failed"].as_u64()),
        (Some(100), Some(100))
    );
    assert_eq!(put["denied"], 100);
    assert_eq!(put["retries"], 0);
    assert_eq!(bk["kms"]["requests"], 100);
    assert_eq!(bk["kms"]["throttled"], 0);
    let d0 = &bk["access_denied"][0];
    assert_eq!(d0["workload"], "uploads");
    assert_eq!(d0["principal"], "arn:aws:iam::111122223333:role/uploader");
    assert_eq!(d0["operation"], "GenerateDataKey");
    assert_eq!(d0["calls"], 100);
    assert_eq!(d0["decision"], "denied (implicit)");
    assert!(d0.get("statement").is_none(), "{d0}");

    // The corrected policy allows the bucket ARN too: one bucket key, nothing denied.
    let d2 = tempfile::tempdir().unwrap();
    let s = run(
        &scenario(d2.path(), "object-arn-wildcard-fixed.json", ""),
        &["--variant", "bucket-key"],
    );
    let bk = variant(&s, "bucket-key");
    assert_eq!(bk["requests"]["put"]["completed"], 100);
    assert_eq!(bk["kms"]["requests"], 1);
    assert!(bk.get("access_denied").is_none());
}

#[test]
fn an_explicit_deny_names_its_statement_and_cloudtrail_records_access_denied() {
    let d = tempfile::tempdir().unwrap();
    // A second bucket under the same key: the policy's "DenyOtherBuckets" denies every call
    // for it, with or without bucket keys.
    let extra = r#"
[[bucket]]
name = "other"
encryption = "sse-kms"
kms_key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
key_policy = "POLICY"
[[workload]]
name = "other-uploads"
bucket = "other"
op = "put"
arrival = { kind = "constant", rate = 5 }
principal = "arn:aws:iam::111122223333:role/uploader"
"#
    .replace(
        "POLICY",
        &repo("scenarios/policies/explicit-deny.json")
            .display()
            .to_string(),
    );
    let sc = scenario(d.path(), "explicit-deny.json", &extra);
    let ct = d.path().join("ct");
    let s = run(
        &sc,
        &[
            "--variant",
            "per-object",
            "--cloudtrail",
            ct.to_str().unwrap(),
        ],
    );
    let v = variant(&s, "per-object");
    // 100 PUTs to app allowed, 50 to other denied.
    assert_eq!(v["requests"]["put"]["offered"], 150);
    assert_eq!(v["requests"]["put"]["completed"], 100);
    assert_eq!(v["requests"]["put"]["denied"], 50);
    let d0 = &v["access_denied"][0];
    assert_eq!(d0["workload"], "other-uploads");
    assert_eq!(d0["calls"], 50);
    assert_eq!(d0["decision"], "denied (explicit deny)");
    let statement = d0["statement"].as_str().unwrap();
    assert!(
        statement.starts_with("Sid \"DenyOtherBuckets\" (Statement[2]) of ")
            && statement.ends_with("explicit-deny.json"),
        "{statement}"
    );
    // The trail holds the 50 denied calls with AccessDenied, the 100 others without error.
    let mut denied = 0;
    let mut all = 0;
    for bytes in crate::common::gz_files(&ct).values() {
        let doc: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        for r in doc["Records"].as_array().unwrap() {
            all += 1;
            if r["errorCode"] == "AccessDenied" {
                denied += 1;
                assert!(
                    r["errorMessage"]
                        .as_str()
                        .unwrap()
                        .contains("is not authorized")
                );
            }
        }
    }
    assert_eq!((all, denied), (150, 50));
}

#[test]
fn bad_policies_are_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("bad.json"),
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"},
            {"Effect": "Maybe", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}"#,
    )
    .unwrap();
    std::fs::write(
        d.path().join("iam.json"),
        r#"{"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}"#,
    )
    .unwrap();
    // A key twice in one object: AWS refuses the document; serde_json alone keeps the last.
    std::fs::write(
        d.path().join("twice.json"),
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"kms:*\",\n\
         \"Resource\": \"*\", \"Effect\": \"Deny\"}]}",
    )
    .unwrap();
    let cases = [
        (
            "key_policy = \"bad.json\"",
            vec!["bucket.app.key_policy", "bad.json", "Statement[1].Effect"],
        ),
        (
            "key_policy = \"twice.json\"",
            vec![
                "bucket.app.key_policy",
                "twice.json: line 2 column 25: Statement[0].Effect: the key appears twice in \
                 one object",
            ],
        ),
        (
            "key_policy = \"missing.json\"",
            vec!["bucket.app.key_policy", "missing.json", "cannot read"],
        ),
        (
            "iam_policies = [\"iam.json\"]",
            vec!["bucket.app.iam_policies", "there is none"],
        ),
        (
            "key_policy = \"iam.json\"\niam_policies = \"bad.json\"",
            vec!["bucket.app.key_policy", "iam.json"],
        ),
    ];
    for (line, expect) in cases {
        let sc = d.path().join("s.toml");
        std::fs::write(
            &sc,
            format!(
                "name = \"p\"\nduration = \"1s\"\n[[bucket]]\nname = \"app\"\nencryption = \"sse-kms\"\n{line}\n\
                 [[workload]]\nname = \"w\"\nbucket = \"app\"\nop = \"put\"\narrival = {{ kind = \"constant\", rate = 1 }}\n"
            ),
        )
        .unwrap();
        let out = d.path().join("out");
        let o = bksim(&[
            "run",
            sc.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{line}: {err}");
        for e in &expect {
            assert!(err.contains(e), "{line}: expected {e:?} in {err}");
        }
        assert!(!out.exists());
    }
    // A principal that is not an IAM principal ARN.
    let sc = d.path().join("s.toml");
    std::fs::write(
        &sc,
        "name = \"p\"\nduration = \"1s\"\n[[bucket]]\nname = \"app\"\nencryption = \"sse-kms\"\n\
         [[workload]]\nname = \"w\"\nbucket = \"app\"\nop = \"put\"\narrival = { kind = \"constant\", rate = 1 }\nprincipal = \"uploader\"\n",
    )
    .unwrap();
    let o = bksim(&["validate", sc.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("workload.w.principal"),
        "{}",
        text(&o.stderr)
    );
}
