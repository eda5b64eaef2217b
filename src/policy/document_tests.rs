//! Tests of the policy parser: every shape AWS returns, the CLI wrappers, and errors with
//! JSON paths.

use super::*;

fn key(text: &str) -> Result<Policy, String> {
    parse("kp.json", text, PolicyKind::Key).map_err(|e| e.to_string())
}

#[test]
fn statement_as_object_or_array_and_strings_or_arrays() {
    let one = key(r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}}"#).unwrap();
    assert_eq!(one.statements.len(), 1);
    assert_eq!(one.statements[0].path, "Statement");
    assert!(one.statements[0].principal.as_ref().unwrap().any);
    let arr = key(r#"{"Version": "2012-10-17", "Statement": [{"Sid": "a", "Effect": "Deny",
        "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:role/r", "111122223333"], "Service": "s3.amazonaws.com"},
        "NotAction": ["kms:Decrypt"], "NotResource": "arn:aws:kms:*"}]}"#)
    .unwrap();
    let s = &arr.statements[0];
    assert_eq!(s.path, "Statement[0]");
    assert_eq!(s.effect, Effect::Deny);
    let p = s.principal.as_ref().unwrap();
    assert!(p.not && !p.any);
    assert_eq!(p.aws.len(), 2);
    assert_eq!(p.other, vec!["Service:s3.amazonaws.com"]);
    assert!(s.action.as_ref().unwrap().not);
    assert!(s.resource.as_ref().unwrap().not);
    assert_eq!(s.label(), "Sid \"a\" (Statement[0])");
}

#[test]
fn condition_values_of_every_shape() {
    let p = key(r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ["1", "2"]},
                      "Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"x": 3}}}]}"#)
    .unwrap();
    let c = &p.statements[0].conditions;
    assert_eq!(c.len(), 4);
    let by_key = |k: &str| c.iter().find(|x| x.key == k).unwrap();
    assert_eq!(by_key("kms:CallerAccount").values, vec!["1", "2"]);
    assert_eq!(by_key("aws:SecureTransport").values, vec!["true"]);
    assert_eq!(by_key("x").values, vec!["3"]);
    assert_eq!(by_key("kms:ViaService").key_lc, "kms:viaservice");
    assert_eq!(
        by_key("kms:ViaService").path,
        "Statement[0].Condition.StringEquals.kms:ViaService"
    );
}

#[test]
fn cli_wrappers_and_url_encoding() {
    let inner = r#"{"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}"#;
    let kms = serde_json::json!({"Policy": r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}"#, "PolicyName": "default"});
    assert_eq!(key(&kms.to_string()).unwrap().statements.len(), 1);
    let role = serde_json::json!({"RoleName": "r", "PolicyName": "p", "PolicyDocument": serde_json::from_str::<Value>(inner).unwrap()});
    assert_eq!(
        parse("i.json", &role.to_string(), PolicyKind::Identity)
            .unwrap()
            .statements
            .len(),
        1
    );
    let encoded: String = inner
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let version = serde_json::json!({"PolicyVersion": {"Document": encoded, "VersionId": "v1"}});
    let p = parse("i.json", &version.to_string(), PolicyKind::Identity).unwrap();
    assert_eq!(
        p.statements[0].action.as_ref().unwrap().values,
        vec!["kms:Decrypt"]
    );
    // Errors inside a wrapper name the wrapper in the path.
    let bad = serde_json::json!({"Policy": r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": 5, "Resource": "*"}]}"#});
    assert_eq!(
        key(&bad.to_string()).unwrap_err(),
        "kp.json: Policy->Statement[0].Action: expected a string or an array of strings"
    );
}

#[test]
fn errors_name_the_json_path() {
    let cases = [
        (
            r#"[1]"#,
            "kp.json: expected a JSON object (a policy document), found an array",
        ),
        (
            r#"{"Statement": 3}"#,
            "kp.json: Statement: expected an object or an array of objects, found a number",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "a", "Resource": "*"}, 7]}"#,
            "kp.json: Statement[1]: expected an object, found a number",
        ),
        (
            r#"{"Statement": [{"Effect": "allow", "Principal": "*"}]}"#,
            "kp.json: Statement[0].Effect: \"allow\": expected \"Allow\" or \"Deny\"",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Action": "a", "Resource": "*"}]}"#,
            "kp.json: Statement[0]: a key policy statement needs a Principal or NotPrincipal",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Conditon": {}}]}"#,
            "kp.json: Statement[0].Conditon: unknown element (did you mean Condition?)",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "a", "Resource": "*", "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": {"a": 1}}}}]}"#,
            "kp.json: Statement[0].Condition.StringLike.kms:EncryptionContext:aws:s3:arn: expected a string or an array of strings",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "a", "Resource": "*", "Condition": {"StringLike": ["x"]}}]}"#,
            "kp.json: Statement[0].Condition.StringLike: expected an object of condition keys, found an array",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWZ": "x"}}]}"#,
            "kp.json: Statement[0].Principal.AWZ: unknown principal type (did you mean AWS?)",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "x"}]}"#,
            "kp.json: Statement[0].Principal: expected \"*\" or an object such as {\"AWS\": \"arn:aws:iam::111122223333:root\"}",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "a", "NotAction": "b"}]}"#,
            "kp.json: Statement[0]: has both Action and NotAction",
        ),
        (
            "{\"Statement\": [\n  {\"Effect\": }]}",
            "kp.json: line 2 column 14: not valid JSON: expected value",
        ),
        (
            "{\"Statement\": [{\"Effect\": \"Allow\",\n \"Effect\": \"Deny\", \"Principal\": \"*\"}]}",
            "kp.json: line 2 column 9: Statement[0].Effect: the key appears twice in one object \
             (IAM and KMS refuse such a document; keep one)",
        ),
        (
            r#"{"Policy": "{\"Statement\": [], \"Version\": \"2012-10-17\", \"Statement\": []}"}"#,
            "kp.json: Policy: the embedded policy, line 1 column 54 of the string: Statement: the \
             key appears twice in one object (IAM and KMS refuse such a document; keep one)",
        ),
        (
            r#"{"Foo": 1}"#,
            "kp.json: no Statement: expected a policy document, or the output of `aws kms get-key-policy`, `aws iam get-role-policy` or `aws iam get-policy-version`",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(key(text).unwrap_err(), want, "{text}");
    }
    let e = parse(
        "iam.json",
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "a", "Resource": "*"}]}"#,
        PolicyKind::Identity,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("iam.json: Statement[0].Principal: an IAM identity policy has no Principal"),
        "{e}"
    );
}

#[test]
fn statement_without_resource_is_noted() {
    let p = key(
        r#"{"Statement": [{"Sid": "x", "Effect": "Allow", "Principal": "*", "Action": "kms:*"}]}"#,
    )
    .unwrap();
    assert_eq!(
        p.notes,
        vec!["kp.json: Sid \"x\" (Statement[0]): no Resource, so the statement has no effect"]
    );
}
