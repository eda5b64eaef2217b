//! Differential tests of the AES backends: random lengths, counters, block offsets, nonces
//! and AAD through every backend this CPU runs, compared byte for byte with aws-lc-rs in
//! both directions (and GCM refusing a flipped bit everywhere); and the
//! `BKSIM_CRYPTO_BACKEND` switch of the `bksim` binary (choices, refusals, exit code 2).

use std::process::Command;

use bksim::crypto::backend::{Backend, Mode};
use bksim::crypto::ctr::Aes256Ctr;
use bksim::crypto::gcm::Aes256Gcm;
use bksim::crypto::{BACKEND_ENV, CryptoError};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    ChaCha20Rng::seed_from_u64(seed).fill(&mut v[..]);
    v
}

/// Every backend but aws-lc-rs that implements `mode` here (at least one: `rustcrypto` or
/// `software`).
fn others(mode: Mode) -> Vec<Backend> {
    let v: Vec<Backend> = Backend::available()
        .into_iter()
        .filter(|b| *b != Backend::AwsLc && b.implements(mode))
        .collect();
    assert!(!v.is_empty());
    v
}

/// Lengths 0 to a few KiB, and now and then a large one (past the kernels' 512-byte loops
/// and aws-lc-rs's internal batching).
fn length() -> impl Strategy<Value = usize> {
    prop_oneof![
        8 => 0usize..=4200,
        1 => (0usize..64).prop_map(|x| (1 << 20) + x),
        1 => (0usize..4096).prop_map(|x| 65536 - 2048 + x),
    ]
}

/// Counters anywhere, and near the wraps of the low 32 and 64 bits and of all 128 bits.
fn counter() -> impl Strategy<Value = u128> {
    prop_oneof![
        any::<u128>(),
        (any::<u128>(), 0u128..300).prop_map(|(h, d)| (h & !0xffff_ffff) | (0xffff_ffff - d)),
        (any::<u64>(), 0u128..300).prop_map(|(h, d)| ((h as u128) << 64) | (u64::MAX as u128 - d)),
        (0u128..300).prop_map(|d| u128::MAX - d),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// CTR: every backend gives aws-lc-rs's bytes, in one call and split at a random block
    /// boundary (the second part starting at the advanced counter), and decrypting
    /// (the same operation) gives the plaintext back.
    #[test]
    fn ctr_matches_aws_lc(seed in any::<u64>(), len in length(), ctr in counter(), split in any::<usize>()) {
        let key: [u8; 32] = bytes(seed, 32).try_into().unwrap();
        let pt = bytes(seed ^ 1, len);
        let iv = ctr.to_be_bytes();
        let mut reference = pt.clone();
        Aes256Ctr::with_backend(&key, Backend::AwsLc).apply_keystream(&iv, &mut reference);
        let blocks = len.div_ceil(16);
        let at = if blocks == 0 { 0 } else { 16 * (split % (blocks + 1)) }.min(len);
        for b in others(Mode::Ctr) {
            let c = Aes256Ctr::with_backend(&key, b);
            prop_assert_eq!(c.backend(), b);
            let mut whole = pt.clone();
            c.apply_keystream(&iv, &mut whole);
            prop_assert!(whole == reference, "{} len {} ctr {:x}", b, len, ctr);
            let mut parts = pt.clone();
            let (first, second) = parts.split_at_mut(at);
            c.apply_keystream(&iv, first);
            let next = ctr.wrapping_add((at / 16) as u128).to_be_bytes();
            c.apply_keystream(&next, second);
            prop_assert!(parts == reference, "{} split at {} len {}", b, at, len);
            // Decrypt aws-lc-rs's ciphertext with this backend and the reverse.
            let mut back = reference.clone();
            c.apply_keystream(&iv, &mut back);
            prop_assert!(back == pt);
            let mut theirs = whole.clone();
            Aes256Ctr::with_backend(&key, Backend::AwsLc).apply_keystream(&iv, &mut theirs);
            prop_assert!(theirs == pt);
        }
    }

    /// GCM: every backend seals to aws-lc-rs's ciphertext and tag, opens aws-lc-rs's output,
    /// aws-lc-rs opens its output, and a flipped bit of ciphertext, tag, AAD or nonce is
    /// refused by every backend with the buffer wiped.
    #[test]
    fn gcm_matches_aws_lc(
        seed in any::<u64>(),
        len in length(),
        aad_len in prop_oneof![3 => 0usize..64, 1 => 64usize..700],
        nonce in any::<[u8; 12]>(),
        flip in any::<(u8, usize, u8)>(),
    ) {
        let key: [u8; 32] = bytes(seed, 32).try_into().unwrap();
        let pt = bytes(seed ^ 2, len);
        let aad = bytes(seed ^ 3, aad_len);
        let aws = Aes256Gcm::with_backend(&key, Backend::AwsLc);
        prop_assert_eq!(aws.backend(), Backend::AwsLc);
        let mut reference = pt.clone();
        let tag = aws.seal_in_place(&nonce, &aad, &mut reference).unwrap();
        for b in others(Mode::Gcm) {
            let g = Aes256Gcm::with_backend(&key, b);
            prop_assert_eq!(g.backend(), b);
            let mut ct = pt.clone();
            let t = g.seal_in_place(&nonce, &aad, &mut ct).unwrap();
            prop_assert!(ct == reference && t == tag, "{} len {} aad {}", b, len, aad_len);
            let mut back = reference.clone();
            g.open_in_place(&nonce, &aad, &mut back, &tag).unwrap();
            prop_assert!(back == pt);
            let mut back = ct.clone();
            aws.open_in_place(&nonce, &aad, &mut back, &t).unwrap();
            prop_assert!(back == pt);
        }
        // One bit flipped in one of the four inputs.
        let (what, pos, bit) = flip;
        let mask = 1u8 << (bit % 8);
        let (mut ct, mut t, mut a, mut n) = (reference.clone(), tag, aad.clone(), nonce);
        match what % 4 {
            0 if !ct.is_empty() => { let i = pos % ct.len(); ct[i] ^= mask }
            1 if !a.is_empty() => { let i = pos % a.len(); a[i] ^= mask }
            2 => n[pos % 12] ^= mask,
            _ => t[pos % 16] ^= mask,
        }
        for b in std::iter::once(Backend::AwsLc).chain(others(Mode::Gcm)) {
            let g = Aes256Gcm::with_backend(&key, b);
            let mut buf = ct.clone();
            let r = g.open_in_place(&n, &a, &mut buf, &t);
            prop_assert!(matches!(r, Err(CryptoError::AuthenticationFailed)), "{} accepted a flipped bit", b);
            prop_assert!(buf.iter().all(|&x| x == 0), "{} released plaintext", b);
        }
    }
}

fn bksim(backend: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_bksim"))
        .env(BACKEND_ENV, backend)
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every backend this CPU runs passes the selftest when forced, and says so on its first
/// line; an unknown name and a backend the CPU cannot run are refused with exit code 2 by
/// every command, naming the value and the choices.
#[test]
fn backend_env_selects_and_refuses() {
    for b in Backend::available() {
        let (code, out, err) = bksim(b.name(), &["crypto", "selftest"]);
        assert_eq!(code, Some(0), "{b}: {out}{err}");
        let gcm = if b.implements(Mode::Gcm) {
            b
        } else {
            Backend::AwsLc
        };
        let label = if gcm == b {
            b.name().to_string()
        } else {
            format!("aes-256-ctr={b},aes-256-gcm={gcm}")
        };
        let first = out.lines().next().unwrap();
        assert_eq!(first, format!("backend: {label} (cases run on: {b})"));
        assert!(out.ends_with(" passed, 0 failed, 2 skipped\n"), "{out}");
    }
    let (code, out, err) = bksim("openssl", &["crypto", "selftest"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        err.starts_with(
            "error: BKSIM_CRYPTO_BACKEND=\"openssl\" is not a backend; choices: auto, \
             aws-lc-rs, vaes512, rustcrypto, software (this CPU runs: aws-lc-rs"
        ),
        "{err}"
    );
    let refused = ["vaes512", "rustcrypto", "software"]
        .into_iter()
        .find(|n| !Backend::from_name(n).unwrap().is_available())
        .expect("rustcrypto and software never both run");
    for args in [
        &["crypto", "bench", "--sizes", "1KiB"][..],
        &["validate", "scenarios/quickstart.toml"][..],
    ] {
        let (code, _, err) = bksim(refused, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "BKSIM_CRYPTO_BACKEND=\"{refused}\": backend {refused} cannot run here"
            )),
            "{err}"
        );
    }
    // `auto` and empty are the default.
    let (code, out, _) = bksim("auto", &["crypto", "selftest"]);
    assert_eq!(code, Some(0));
    let all: Vec<&str> = Backend::available().iter().map(|b| b.name()).collect();
    assert!(
        out.lines()
            .next()
            .unwrap()
            .ends_with(&format!("(cases run on: {})", all.join(", "))),
        "{out}"
    );
}
