//! Issue 11's SDK keys in scenario files: `client.retry = "legacy"`, `op = "head"`,
//! `head_before_get` and `s3.dsse_kms_calls_per_object`: their errors (file, line, key),
//! notes, defaults and provenance.

use std::path::Path;

use bksim::scenario::*;

fn resolve(text: &str) -> Result<Scenario, ScenarioError> {
    ScenarioFile::parse(Path::new("scenarios/x.toml"), text)?.resolve(None, &[])
}

fn scenario(top: &str, encryption: &str, workload: &str) -> String {
    format!(
        r#"name = "m"
duration = "1m"
{top}
[[bucket]]
name = "b"
encryption = "{encryption}"
existing = {{ objects = 10, written_over = "1h" }}
[[workload]]
name = "w"
bucket = "b"
arrival = {{ kind = "poisson", rate = 10 }}
{workload}
"#
    )
}

fn provenance<'a>(sc: &'a Scenario, path: &str) -> Option<&'a Provenance> {
    sc.provenance.iter().find(|p| p.path == path)
}

#[test]
fn legacy_retry_defaults_come_from_botocores_retry_json() {
    let sc = resolve(&scenario(
        "[client]\nretry = \"legacy\"",
        "sse-kms",
        "op = \"put\"",
    ))
    .unwrap();
    assert_eq!(sc.client.retry, RetryMode::Legacy);
    assert_eq!(sc.client.max_attempts, 5);
    assert_eq!(sc.client.retry_quota, 0);
    let p = provenance(&sc, "client.max_attempts").unwrap();
    assert_eq!(p.value, "5");
    assert!(
        matches!(&p.source, ValueSource::Fact { reference } if reference.starts_with("aws-facts §9.4")),
        "{p:?}"
    );
    assert_eq!(provenance(&sc, "client.retry_quota").unwrap().value, "none");
    assert!(sc.notes.is_empty(), "{:?}", sc.notes);
    // Settings legacy mode has no use for are checked, then noted.
    let sc = resolve(&scenario(
        "[client]\nretry = \"legacy\"\nmax_attempts = 8\nretry_quota = 100\nmax_backoff = \"5s\"",
        "sse-kms",
        "op = \"put\"",
    ))
    .unwrap();
    assert_eq!(sc.client.max_attempts, 8);
    assert_eq!(sc.client.retry_quota, 0);
    assert!(sc.notes.contains(
        &"client.retry_quota is ignored: retry = \"legacy\" has no retry quota (aws-facts §9.4)"
            .to_string()
    ));
    assert!(sc.notes.contains(
        &"client.max_backoff is ignored: retry = \"legacy\" has no backoff cap (aws-facts §9.4)"
            .to_string()
    ));
    let e = resolve(&scenario(
        "[client]\nretry = \"legacy\"\nretry_cost = -1",
        "sse-kms",
        "op = \"put\"",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("x.toml:5:14: client.retry_cost: expected a whole number of tokens, found -1"),
        "{e}"
    );
    let e = resolve(&scenario(
        "[client]\nretry = \"legasy\"",
        "sse-kms",
        "op = \"put\"",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("client.retry") && e.contains("did you mean `legacy`?"),
        "{e}"
    );
}

#[test]
fn the_default_retry_modes_label_says_what_it_is_based_on() {
    let sc = resolve(&scenario("", "sse-kms", "op = \"put\"")).unwrap();
    let p = provenance(&sc, "client.retry").unwrap();
    let ValueSource::Fact { reference } = &p.source else {
        panic!("{p:?}")
    };
    assert!(reference.contains("botocore standard mode"), "{reference}");
    assert!(
        reference.contains("boto3's own default is legacy"),
        "{reference}"
    );
}

#[test]
fn head_workloads_and_head_before_get() {
    let sc = resolve(&scenario("", "sse-kms", "op = \"head\"")).unwrap();
    assert_eq!(sc.workloads[0].op, Op::Get);
    assert_eq!(sc.workloads[0].head, HeadCall::Only);
    let sc = resolve(&scenario(
        "",
        "sse-kms",
        "op = \"get\"\nhead_before_get = true",
    ))
    .unwrap();
    assert_eq!(sc.workloads[0].head, HeadCall::BeforeGet);
    // Not set: GETs only, and nothing recorded (a get workload's provenance is unchanged).
    let sc = resolve(&scenario("", "sse-kms", "op = \"get\"")).unwrap();
    assert_eq!(sc.workloads[0].head, HeadCall::None);
    assert!(provenance(&sc, "workload.w.head_before_get").is_none());
    for (op, line) in [("put", 13), ("head", 13)] {
        let e = resolve(&scenario(
            "",
            "sse-kms",
            &format!("op = \"{op}\"\nhead_before_get = true"),
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(&format!("x.toml:{line}:"))
                && e.contains(
                    "workload.w.head_before_get: head_before_get applies only to get workloads (op = \"get\")"
                ),
            "{e}"
        );
    }
    let e = resolve(&scenario(
        "",
        "sse-kms",
        "op = \"get\"\nhead_before_get = 1",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("workload.w.head_before_get: expected true or false"),
        "{e}"
    );
    let e = resolve(&scenario("", "sse-kms", "op = \"haed\""))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("workload.w.op") && e.contains("did you mean `head`?"),
        "{e}"
    );
}

#[test]
fn dsse_kms_calls_per_object_is_a_labelled_assumption() {
    let sc = resolve(&scenario("", "dsse-kms", "op = \"put\"")).unwrap();
    assert_eq!(sc.s3.dsse_kms_calls_per_object, 1);
    let p = provenance(&sc, "s3.dsse_kms_calls_per_object").unwrap();
    assert_eq!(p.value, "1");
    assert!(
        matches!(&p.source, ValueSource::Assumption { note } if note.contains("\"additional\" KMS API calls")),
        "{p:?}"
    );
    // Not recorded when no bucket uses dsse-kms.
    let sc = resolve(&scenario("", "sse-kms", "op = \"put\"")).unwrap();
    assert!(provenance(&sc, "s3.dsse_kms_calls_per_object").is_none());
    let sc = resolve(&scenario(
        "[s3]\ndsse_kms_calls_per_object = 2",
        "dsse-kms",
        "op = \"put\"",
    ))
    .unwrap();
    assert_eq!(sc.s3.dsse_kms_calls_per_object, 2);
    let e = resolve(&scenario(
        "[s3]\ndsse_kms_calls_per_object = 0",
        "dsse-kms",
        "op = \"put\"",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("x.toml:4:") && e.contains("s3.dsse_kms_calls_per_object"),
        "{e}"
    );
}
