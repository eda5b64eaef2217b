//! Integration tests of the crypto library and the `bksim crypto` commands: published
//! vectors, OpenSSL interoperability, round trips of every mode, tamper and wrong-key
//! refusals, per-object key uniqueness, malformed inputs, and a scan of every output and
//! error message for the key bytes used.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bksim::cli::crypto::{CryptoCommand, run};
use bksim::crypto::ctr::Aes256Ctr;
use bksim::crypto::gcm::Aes256Gcm;
use bksim::crypto::kms_keys::s3_context;
use bksim::crypto::sse_kms::{BucketKey, object_arn};
use bksim::crypto::vectors::{self, Outcome};
use bksim::crypto::{
    Backend, CryptoError, DataKey, EncryptionContext, ModelledKms, ObjectContext, Profile, cse,
    sse_c, verify_object,
};
use bksim::mode::Mode;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const KMS_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's published vectors (`vectors/`).
fn repo_vectors() -> PathBuf {
    manifest().join("vectors")
}

fn fixtures() -> PathBuf {
    manifest().join("tests/fixtures/crypto")
}

fn run_cmd(cmd: &CryptoCommand) -> (Result<i32, CryptoError>, String) {
    let mut out = Vec::new();
    let r = run(cmd, &mut out);
    (r, String::from_utf8(out).expect("utf-8 output"))
}

#[test]
fn every_repository_vector_file_passes_on_every_backend() {
    let files = vectors::load_dir(&repo_vectors()).expect("repository vectors load");
    assert_eq!(files.len(), 10, "vector files in vectors/");
    let mut passed = 0;
    for f in &files {
        for t in &f.tests {
            for b in Backend::available() {
                match vectors::run_with_backend(&t.case, b) {
                    Outcome::Pass => passed += 1,
                    Outcome::Skip(why) => {
                        assert!(
                            f.algorithm == "AES-256-GCM" && why.contains("nonce"),
                            "{why}"
                        );
                    }
                    Outcome::Fail(why) => {
                        panic!("{} tcId {} on {b}: {why}", f.path.display(), t.tc_id)
                    }
                }
            }
        }
    }
    assert!(passed >= 2 * 16);
}

/// With no flag, the selftest runs every published vector file of the repository (embedded in
/// the binary): one line per file, the GCM nonce skips, and nothing failed.
#[test]
fn selftest_without_flags_runs_every_repository_vector_file() {
    let (r, out) = run_cmd(&CryptoCommand::Selftest { vectors: vec![] });
    assert_eq!(r.unwrap(), 0, "{out}");
    let mut names: Vec<String> = std::fs::read_dir(repo_vectors())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 10);
    for name in &names {
        let tag = format!("builtin:{name}");
        assert!(
            out.lines().any(|l| l.contains(&tag)),
            "no line for {tag}:\n{out}"
        );
    }
    assert!(
        out.contains("skipped tcId 17") && out.contains("skipped tcId 18"),
        "{out}"
    );
    // 35 cases in the ten files; the two non-96-bit GCM nonces are skipped.
    assert_eq!(
        out.lines().last(),
        Some("33 passed, 0 failed, 2 skipped"),
        "{out}"
    );
}

#[test]
fn selftest_over_repository_and_fixture_vectors() {
    let cmd = CryptoCommand::Selftest {
        vectors: vec![repo_vectors(), fixtures().join("vectors_extra")],
    };
    let (r, out) = run_cmd(&cmd);
    assert_eq!(r.unwrap(), 0, "{out}");
    for name in [
        "aes256_ctr_sp800_38a.json",
        "aes256_gcm_nist.json",
        "aes_kw_rfc3394.json",
        "hkdf_sha256_rfc5869.json",
        "gcm_lengths.json",
    ] {
        assert!(
            out.lines().any(|l| l.contains(name)),
            "no line for {name}:\n{out}"
        );
    }
    assert!(
        out.contains("skipped tcId 17") && out.contains("skipped tcId 18"),
        "{out}"
    );
    let last = out.lines().last().unwrap();
    let re_ok = last.starts_with(|c: char| c.is_ascii_digit())
        && last.contains(" passed, 0 failed, ")
        && last.ends_with(" skipped");
    assert!(re_ok, "last line: {last:?}");
}

#[test]
fn malformed_vector_file_is_an_error_naming_file_and_tcid() {
    let cmd = CryptoCommand::Selftest {
        vectors: vec![fixtures().join("malformed")],
    };
    let (r, _) = run_cmd(&cmd);
    let e = r.unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let m = e.to_string();
    assert!(
        m.contains("bad_hex.json") && m.contains("tcId 2") && m.contains("`ct`"),
        "{m}"
    );
    assert!(!m.contains("603deb1015ca71be"), "key bytes in error: {m}");
}

#[test]
fn missing_vector_dir_is_exit_2() {
    let (r, _) = run_cmd(&CryptoCommand::Selftest {
        vectors: vec![PathBuf::from("/definitely/not/here")],
    });
    let e = r.unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("/definitely/not/here"));
}

/// AES-256-CTR output decrypts with `openssl enc -d -aes-256-ctr`, and OpenSSL's output
/// decrypts with bksim, across lengths and counter wraps.
#[test]
fn ctr_interoperates_with_openssl() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("SKIPPED ctr_interoperates_with_openssl: `openssl` is not on PATH");
        return;
    }
    let key: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(7).wrapping_add(1));
    let ivs = [
        "00000000000000000000000000000001",
        "0000000000000000fffffffffffffff0",
        "fffffffffffffffffffffffffffffffe",
        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
    ];
    for iv_hex in ivs {
        let iv: [u8; 16] = hex::decode(iv_hex).unwrap().try_into().unwrap();
        for len in [0usize, 1, 15, 16, 17, 511, 4096 + 9, 100_003] {
            let pt: Vec<u8> = (0..len).map(|i| (i * 131 % 251) as u8).collect();
            for b in Backend::available() {
                let mut ct = pt.clone();
                Aes256Ctr::with_backend(&key, b).apply_keystream(&iv, &mut ct);
                let dec = openssl_ctr(&key, iv_hex, true, &ct);
                assert_eq!(
                    dec, pt,
                    "openssl decrypt, iv {iv_hex} len {len} backend {b}"
                );
                let theirs = openssl_ctr(&key, iv_hex, false, &pt);
                assert_eq!(
                    theirs, ct,
                    "openssl encrypt, iv {iv_hex} len {len} backend {b}"
                );
            }
        }
    }
}

fn openssl_ctr(key: &[u8; 32], iv_hex: &str, decrypt: bool, input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut cmd = Command::new("openssl");
    cmd.arg("enc");
    if decrypt {
        cmd.arg("-d");
    }
    let mut child = cmd
        .args([
            "-aes-256-ctr",
            "-nopad",
            "-K",
            &hex::encode(key),
            "-iv",
            iv_hex,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn openssl");
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().expect("openssl runs");
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn every_mode_round_trips_through_verify_object() {
    let mut kms = ModelledKms::seeded(7);
    kms.ensure_key(KMS_ARN);
    let bk = BucketKey::generate(&mut kms, KMS_ARN, "my-bucket").unwrap();
    for (i, size) in [0u64, 1, 15, 16, 17, 1000, 70_000, 5 << 30]
        .into_iter()
        .enumerate()
    {
        for mode in Mode::ALL {
            let ctx = ObjectContext {
                bucket: "my-bucket",
                key: "data/part-0001",
                kms_key_arn: KMS_ARN,
                size,
                s3_root_seed: 7,
            };
            verify_object(mode, &ctx, &mut kms, None, i as u64)
                .unwrap_or_else(|e| panic!("{} size {size}: {e}", mode.name()));
            if mode.s3_calls_kms() {
                verify_object(mode, &ctx, &mut kms, Some(&bk), i as u64 + 100).unwrap_or_else(
                    |e| panic!("{} with bucket key, size {size}: {e}", mode.name()),
                );
            }
        }
    }
    // A bucket key of another bucket is refused, not silently used.
    let ctx = ObjectContext {
        bucket: "other-bucket",
        key: "k",
        kms_key_arn: KMS_ARN,
        size: 10,
        s3_root_seed: 7,
    };
    assert!(verify_object(Mode::SseKms, &ctx, &mut kms, Some(&bk), 1).is_err());
}

#[test]
fn tampered_gcm_ciphertext_tag_aad_and_context_are_rejected() {
    let g = Aes256Gcm::new(&[3u8; 32]);
    let nonce = [4u8; 12];
    let pt = vec![9u8; 1000];
    let sealed = g.seal(&nonce, b"aad", &pt).unwrap();
    assert_eq!(g.open(&nonce, b"aad", &sealed).unwrap(), pt);
    let mut ct = sealed.clone();
    ct[500] ^= 0x10;
    assert!(matches!(
        g.open(&nonce, b"aad", &ct),
        Err(CryptoError::AuthenticationFailed)
    ));
    let mut tag = sealed.clone();
    *tag.last_mut().unwrap() ^= 1;
    assert!(g.open(&nonce, b"aad", &tag).is_err());
    assert!(g.open(&nonce, b"aae", &sealed).is_err());
    assert!(g.open(&nonce, b"", &sealed).is_err());

    // Client-side: altered content, altered context (matdesc) and a reserved-entry mismatch.
    let mut kms = ModelledKms::seeded(11);
    kms.ensure_key(KMS_ARN);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut matdesc = EncryptionContext::new();
    matdesc.insert("department".into(), "finance".into());
    let obj = cse::encrypt_object(&mut kms, KMS_ARN, &matdesc, None, 0, &mut rng, &pt).unwrap();
    let map = obj.metadata.to_map(false);
    for k in [
        cse::KEY_V2,
        cse::IV,
        cse::CEK_ALG,
        cse::WRAP_ALG,
        cse::MATDESC,
        cse::TAG_LEN_KEY,
    ] {
        assert!(map.contains_key(k), "missing {k}");
    }
    assert_eq!(map[cse::CEK_ALG], "AES/GCM/NoPadding");
    assert_eq!(map[cse::WRAP_ALG], "kms+context");
    assert_eq!(map[cse::TAG_LEN_KEY], "128");
    assert!(map[cse::MATDESC].contains("\"aws:x-amz-cek-alg\":\"AES/GCM/NoPadding\""));
    assert!(
        obj.object_metadata()
            .contains_key("x-amz-meta-x-amz-key-v2")
    );
    assert_eq!(cse::decrypt_object(&kms, &obj).unwrap(), pt);
    let prefixed = cse::CseObject {
        metadata: cse::CseMetadata::from_map(&obj.object_metadata()).unwrap(),
        body: obj.body.clone(),
    };
    assert_eq!(cse::decrypt_object(&kms, &prefixed).unwrap(), pt);

    let mut bad = obj.clone();
    bad.body[0] ^= 1;
    assert!(cse::decrypt_object(&kms, &bad).is_err());
    let mut bad = obj.clone();
    bad.metadata.matdesc =
        r#"{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","department":"sales"}"#.into();
    assert!(matches!(
        cse::decrypt_object(&kms, &bad),
        Err(CryptoError::KmsInvalidCiphertext(_))
    ));
    let mut bad = obj.clone();
    bad.metadata.matdesc = r#"{"department":"finance"}"#.into();
    assert!(matches!(
        cse::decrypt_object(&kms, &bad),
        Err(CryptoError::CseMetadata(_))
    ));
    let mut reserved = matdesc.clone();
    reserved.insert("aws:x-amz-cek-alg".into(), "x".into());
    assert!(cse::encrypt_object(&mut kms, KMS_ARN, &reserved, None, 0, &mut rng, &pt).is_err());

    // SSE-KMS: Decrypt with another context is refused.
    let g = kms
        .generate_data_key(KMS_ARN, &s3_context("arn:aws:s3:::b/o1"))
        .unwrap();
    assert!(
        kms.decrypt(&g.ciphertext_blob, &s3_context("arn:aws:s3:::b/o2"))
            .is_err()
    );
}

#[test]
fn wrong_sse_c_key_is_refused_with_403() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let right = sse_c::SseCHeaders::for_key(&DataKey::generate(&mut rng));
    let wrong = sse_c::SseCHeaders::for_key(&DataKey::generate(&mut rng));
    let obj = sse_c::put_object(&mut rng, &right, b"payroll.csv contents").unwrap();
    match sse_c::get_object(&obj, Some(&wrong)) {
        Err(CryptoError::SseC { status: 403, .. }) => {}
        other => panic!("expected 403, got {other:?}"),
    }
    assert!(matches!(
        sse_c::get_object(&obj, None),
        Err(CryptoError::SseC { status: 400, .. })
    ));
    assert_eq!(
        sse_c::get_object(&obj, Some(&right)).unwrap(),
        b"payroll.csv contents"
    );
    // The stored object holds no copy of the key.
    let key = B64.decode(right.key_b64.as_bytes()).unwrap();
    let stored = format!("{obj:?}");
    assert!(!stored.contains(&format!("{:?}", &key[..8])));
}

/// With a bucket key, every object of a run gets its own data key: 100,000 objects, each
/// with its own ARN and random salt, plus re-uploads of one name, never share a key.
#[test]
fn bucket_key_derived_data_keys_differ_for_every_object() {
    let mut kms = ModelledKms::seeded(3);
    kms.ensure_key(KMS_ARN);
    let bk = BucketKey::generate(&mut kms, KMS_ARN, "analytics").unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let mut seen: HashSet<[u8; 32]> = HashSet::with_capacity(110_000);
    for i in 0..100_000u32 {
        let salt: [u8; 16] = bksim::crypto::keys::random16(&mut rng);
        let k = bk.derive_object_key(
            &salt,
            &object_arn("analytics", &format!("events/{i:08}.json")),
        );
        assert!(
            seen.insert(*k.expose_secret()),
            "object {i} reused a data key"
        );
    }
    for _ in 0..1000 {
        let salt: [u8; 16] = bksim::crypto::keys::random16(&mut rng);
        let k = bk.derive_object_key(&salt, &object_arn("analytics", "events/00000001.json"));
        assert!(
            seen.insert(*k.expose_secret()),
            "a re-upload reused a data key"
        );
    }
}

#[test]
fn calibration_profiles_with_bad_values_are_refused() {
    for (file, key) in [
        ("negative_ctr.json", "ctr_bytes_per_sec"),
        ("missing_gcm.json", "gcm_bytes_per_sec"),
        ("wrong_schema.json", "schema"),
        ("zero_per_object.json", "per_object_ns.sse-kms"),
    ] {
        let p = fixtures().join("profiles").join(file);
        let e = Profile::load(&p).unwrap_err();
        let m = e.to_string();
        assert!(m.contains(file) && m.contains(key), "{file}: {m}");
        assert_eq!(e.exit_code(), 2);
        let (r, _) = run_cmd(&CryptoCommand::Calibrate {
            out: None,
            seconds: 1.0,
            check: Some(p.clone()),
        });
        assert_eq!(r.unwrap_err().exit_code(), 2);
    }
    let shipped = manifest().join("calibration/reference.json");
    assert_eq!(Profile::load(&shipped).unwrap(), Profile::reference());
}

/// No key byte used by the commands or the library reaches an output or an error message.
#[test]
fn outputs_and_errors_never_contain_key_bytes() {
    let mut texts: Vec<String> = Vec::new();
    let mut keys: Vec<Vec<u8>> = Vec::new();

    // selftest over every vector file: every key in those files.
    let dirs = vec![repo_vectors(), fixtures().join("vectors_extra")];
    let (r, out) = run_cmd(&CryptoCommand::Selftest {
        vectors: dirs.clone(),
    });
    assert_eq!(r.unwrap(), 0);
    texts.push(out);
    let mut files = vectors::builtin();
    for d in &dirs {
        files.extend(vectors::load_dir(d).unwrap());
    }
    for f in &files {
        for t in &f.tests {
            match &t.case {
                vectors::Case::Ctr { key, .. } | vectors::Case::Gcm { key, .. } => {
                    keys.push(key.clone())
                }
                vectors::Case::Kw { kek, key_data, .. } => {
                    keys.push(kek.clone());
                    keys.push(key_data.clone());
                }
                vectors::Case::Hkdf { ikm, okm, .. } => {
                    keys.push(ikm.clone());
                    keys.push(okm.clone());
                }
                _ => {}
            }
        }
    }

    // bench and calibrate (short runs): the bench keys are 0x11 + thread index.
    let (r, out) = run_cmd(&CryptoCommand::Bench {
        sizes: vec!["4KiB".into()],
        threads: 2,
        json: true,
        seconds: 0.05,
    });
    assert_eq!(r.unwrap(), 0);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["schema"], "bksim.cryptobench.v2");
    texts.push(out);
    keys.push(vec![0x11; 32]);
    keys.push(vec![0x12; 32]);
    let dir = tempfile::tempdir().unwrap();
    let prof = dir.path().join("p.json");
    let (r, out) = run_cmd(&CryptoCommand::Calibrate {
        out: Some(prof.clone()),
        seconds: 0.05,
        check: None,
    });
    assert_eq!(r.unwrap(), 0);
    texts.push(out);
    texts.push(std::fs::read_to_string(&prof).unwrap());
    Profile::load(&prof).unwrap();

    // Error messages and Debug output of the library's key-holding types.
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    let ck = DataKey::generate(&mut rng);
    keys.push(ck.expose_secret().to_vec());
    let right = sse_c::SseCHeaders::for_key(&ck);
    let wrong_key = DataKey::generate(&mut rng);
    keys.push(wrong_key.expose_secret().to_vec());
    let obj = sse_c::put_object(&mut rng, &right, b"x").unwrap();
    texts.push(
        sse_c::get_object(&obj, Some(&sse_c::SseCHeaders::for_key(&wrong_key)))
            .unwrap_err()
            .to_string(),
    );
    texts.push(format!("{right:?} {ck:?}"));
    let mut kms = ModelledKms::seeded(1);
    kms.ensure_key(KMS_ARN);
    let g = kms
        .generate_data_key(KMS_ARN, &s3_context("arn:aws:s3:::b/k"))
        .unwrap();
    keys.push(g.plaintext.expose_secret().to_vec());
    texts.push(format!("{g:?}"));
    texts.push(
        kms.decrypt(&g.ciphertext_blob, &s3_context("arn:aws:s3:::b/x"))
            .unwrap_err()
            .to_string(),
    );
    let bk = BucketKey::generate(&mut kms, KMS_ARN, "b").unwrap();
    texts.push(format!("{bk:?} {kms:?}"));
    let (r, _) = run_cmd(&CryptoCommand::Selftest {
        vectors: vec![fixtures().join("malformed")],
    });
    texts.push(r.unwrap_err().to_string());

    // Also the binary's stderr for a malformed file, when the binary is built.
    let out = Command::new(env!("CARGO_BIN_EXE_bksim"))
        .args(["crypto", "selftest", "--vectors"])
        .arg(fixtures().join("malformed"))
        .output()
        .expect("run bksim");
    assert_eq!(out.status.code(), Some(2));
    texts.push(String::from_utf8_lossy(&out.stderr).into_owned());
    texts.push(String::from_utf8_lossy(&out.stdout).into_owned());

    let all = texts.join("\n");
    let lower = all.to_lowercase();
    for k in keys.iter().filter(|k| k.len() >= 16) {
        let h = hex::encode(k);
        assert!(!lower.contains(&h[..32]), "hex of a key found in output");
        let b = B64.encode(k);
        assert!(!all.contains(&b[..20]), "base64 of a key found in output");
        assert!(
            !all.contains(&format!("{:?}", &k[..12])),
            "byte list of a key found in output"
        );
    }
}

#[test]
fn binary_exit_codes() {
    let bin = env!("CARGO_BIN_EXE_bksim");
    let ok = Command::new(bin)
        .args(["crypto", "selftest", "--vectors"])
        .arg(repo_vectors())
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = Command::new(bin)
        .args(["crypto", "bench", "--sizes", "12parsecs"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let bad = Command::new(bin)
        .args(["crypto", "bench", "--threads", "0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let bad_profile = Command::new(bin)
        .args(["crypto", "calibrate", "--check"])
        .arg(fixtures().join("profiles/wrong_schema.json"))
        .output()
        .unwrap();
    assert_eq!(bad_profile.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_profile.stderr).contains("wrong_schema.json"));
}

#[test]
fn data_key_cache_reuses_keys_within_thresholds() {
    use bksim::crypto::data_key_cache::{CacheLimits, DataKeyCache};
    let mut kms = ModelledKms::seeded(5);
    kms.ensure_key(KMS_ARN);
    let mut cache = DataKeyCache::new(CacheLimits::new(1_000_000_000, Some(3), None).unwrap());
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let md = EncryptionContext::new();
    let objs: Vec<_> = (0..8)
        .map(|i| {
            cse::encrypt_object(
                &mut kms,
                KMS_ARN,
                &md,
                Some(&mut cache),
                i,
                &mut rng,
                b"abc",
            )
            .unwrap()
        })
        .collect();
    // First use + 3 cached uses per key: keys change after every 4 objects.
    let blobs: Vec<&String> = objs.iter().map(|o| &o.metadata.key_v2).collect();
    assert!(blobs[0] == blobs[3] && blobs[3] != blobs[4] && blobs[4] == blobs[7]);
    let ivs: HashSet<&String> = objs.iter().map(|o| &o.metadata.iv).collect();
    assert_eq!(ivs.len(), 8, "every object has its own IV");
    for o in &objs {
        assert_eq!(cse::decrypt_object(&kms, o).unwrap(), b"abc");
    }
    assert_eq!(cache.stats().hits, 6);
}
