//! Unit tests of the live harness's client-side encryption (src/live/cse.rs): its real
//! envelopes and which scenarios it runs.

use super::*;
use crate::scenario::ScenarioFile;

/// The client's envelope really round-trips through the in-process KMS (its context
/// checked), and a wrong key, another object or a flipped bit is caught.
#[test]
fn envelopes_round_trip_and_catch_tampering() {
    let ctx = context_for(&EncryptionContext::new()).unwrap();
    let mut kms = crate::crypto::ModelledKms::from_entropy();
    let arn = "arn:aws:kms:us-east-1:111122223333:key/k";
    kms.ensure_key(arn);
    let g = kms.generate_data_key(arn, &ctx).unwrap();
    let mut cs = ClientSide {
        step: Step::Generate,
        after: Phase::Put,
        key_id: 9,
        key: Some(Arc::new(g.plaintext)),
        blob: Arc::new(g.ciphertext_blob),
        sealed: None,
    };
    assert_eq!(seal(&ctx, &mut cs, 42, 1000).unwrap(), 1000);
    let sealed = cs.sealed.clone().unwrap();
    assert_eq!(sealed.key_id, 9);
    let meta = sealed.obj.object_metadata();
    assert_eq!(meta["x-amz-meta-x-amz-wrap-alg"], "kms+context");
    assert_eq!(meta["x-amz-meta-x-amz-unencrypted-content-length"], "1000");
    // The reader unwraps the stored blob with the stored context, as KMS Decrypt would.
    let (blob, rctx, _) = envelope_parts(&sealed.obj).unwrap();
    cs.key = Some(Arc::new(kms.decrypt(&blob, &rctx).unwrap()));
    cs.step = Step::Decrypt;
    assert_eq!(open(&cs, 42).unwrap(), 1000);
    assert!(open(&cs, 43).is_err(), "another object's payload");
    cs.key = Some(Arc::new(DataKey::from_bytes([1; 32])));
    assert!(open(&cs, 42).is_err(), "wrong key");
    let mut bad = ClientSealed {
        key_id: 9,
        obj: sealed.obj.clone(),
    };
    bad.obj.body[10] ^= 1;
    cs.key = Some(Arc::new(kms.decrypt(&blob, &rctx).unwrap()));
    cs.sealed = Some(Arc::new(bad));
    assert!(open(&cs, 42).is_err(), "flipped bit");
}

fn parse(text: &str) -> Scenario {
    let file = ScenarioFile::parse(std::path::Path::new("t.toml"), text).expect("parses");
    file.resolve(None, &[]).expect("valid")
}

const BUCKETS: &str = r#"
name = "t"
duration = "1m"
[[bucket]]
name = "docs"
encryption = "cse-kms"
kms_key = "arn:aws:kms:us-east-1:111122223333:key/docs"
existing = { objects = 1000, written_over = "1d", writer_sessions = 2 }
[[bucket]]
name = "layered"
encryption = "sse-kms"
bucket_key = true
kms_key = "arn:aws:kms:us-east-1:111122223333:key/bucket"
client_encryption = "cse-kms"
client_kms_key = "arn:aws:kms:us-east-1:111122223333:key/client"
[[workload]]
name = "up"
bucket = "docs"
op = "put"
arrival = { kind = "poisson", rate = 10 }
[[workload]]
name = "lay"
bucket = "layered"
op = "put"
arrival = { kind = "poisson", rate = 10 }
"#;

#[test]
fn client_side_scenarios_run_live_but_not_reads_of_earlier_objects() {
    let sc = parse(BUCKETS);
    assert!(crate::live::scale::unsupported(&sc).is_empty());
    // Each PUT workload's data keys: the cse-kms bucket's key, the layer's own key.
    let keys: Vec<_> = sc
        .workloads
        .iter()
        .map(|w| super::write_key(&sc, w))
        .collect();
    assert_eq!(
        keys,
        [
            Some("arn:aws:kms:us-east-1:111122223333:key/docs".to_string()),
            Some("arn:aws:kms:us-east-1:111122223333:key/client".to_string())
        ]
    );
    assert!(client_keys(&sc).contains(&"arn:aws:kms:us-east-1:111122223333:key/client"));
    let reads = format!(
        "{BUCKETS}[[workload]]\nname = \"old\"\nbucket = \"docs\"\nop = \"get\"\nread_from = \"existing\"\narrival = {{ kind = \"poisson\", rate = 10 }}\n"
    );
    assert_eq!(
        crate::live::scale::unsupported(&parse(&reads)),
        [
            "workload 'old': reads of objects that were in client-side encrypted bucket 'docs' before the run"
        ]
    );
}
