//! The entry point the simulation calls to prove, object by object, that the mode it
//! models is the real one: [`verify_object`] encrypts and decrypts a buffer with keys
//! obtained exactly as the mode prescribes, and checks the round trip and the refusals
//! that make the mode secure.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::cse;
use super::error::CryptoError;
use super::keys::DataKey;
use super::kms_keys::{EncryptionContext, ModelledKms, s3_context};
use super::sse_c::{self, SseCHeaders};
use super::sse_kms::{self, BucketKey, bucket_arn, object_arn};
use super::sse_s3::S3ManagedRoot;

use crate::mode::Mode;

/// Largest buffer [`verify_object`] encrypts; larger objects are checked on a prefix of
/// this size (the cipher does not change with the length).
pub const VERIFY_MAX_BYTES: u64 = 64 * 1024;

/// The object being verified.
#[derive(Debug, Clone, Copy)]
pub struct ObjectContext<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    /// KMS key ARN for `sse-kms`, `dsse-kms`, `cse-kms` (ignored by the other modes).
    pub kms_key_arn: &'a str,
    /// Object size in bytes (the buffer is `min(size, VERIFY_MAX_BYTES)`).
    pub size: u64,
    /// Seed of the bucket's S3-managed root key (SSE-S3, DSSE-KMS's second layer): one per
    /// run and bucket, so every object of a bucket is wrapped under the same root.
    pub s3_root_seed: u64,
}

/// Really encrypts and decrypts one object of `ctx.size` bytes (capped at
/// [`VERIFY_MAX_BYTES`]) as `mode` prescribes, and checks:
///
/// - `none`: nothing to check.
/// - `sse-s3`: a random per-object key wrapped (RFC 3394) under the bucket's S3-managed
///   root (derived from `ctx.s3_root_seed` and the bucket name); round trip.
/// - `sse-c`: a random customer key; round trip with it; a different key gets HTTP 403
///   and no key gets HTTP 400.
/// - `sse-kms` without `bucket_key`: GenerateDataKey with the object ARN as context;
///   round trip through Decrypt; Decrypt with the bucket ARN as context is refused.
/// - `sse-kms` with `bucket_key`: per-object key derived by HKDF-SHA256 (random salt,
///   object ARN); GET recovers the bucket key from its blob through KMS Decrypt (a cache
///   miss), derives again and decrypts; the derived key differs from the bucket key's
///   derivation for another object name.
/// - `dsse-kms`: two layers (KMS data key, then S3-managed key); `bucket_key` is ignored,
///   as S3 ignores it for DSSE-KMS.
/// - `cse-kms`: S3 Encryption Client v2 envelope; round trip; altered content refused.
///
/// `kms` must hold `ctx.kms_key_arn` for the KMS modes (it is created if missing).
/// `seed` drives the object's contents, IVs, salts and customer keys, so a run is
/// reproducible. Errors: [`CryptoError::RoundTripMismatch`] when a check fails, or the
/// error of the step that failed.
pub fn verify_object(
    mode: Mode,
    ctx: &ObjectContext<'_>,
    kms: &mut ModelledKms,
    bucket_key: Option<&BucketKey>,
    seed: u64,
) -> Result<(), CryptoError> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let len = ctx.size.min(VERIFY_MAX_BYTES) as usize;
    let mut plaintext = vec![0u8; len];
    rng.fill_bytes(&mut plaintext);
    let mismatch = |detail: &str| CryptoError::RoundTripMismatch {
        mode: mode.name().to_string(),
        object: object_arn(ctx.bucket, ctx.key),
        detail: detail.to_string(),
    };
    let expect_same = |got: &[u8], what: &str| {
        if got == plaintext.as_slice() {
            Ok(())
        } else {
            Err(mismatch(what))
        }
    };
    let expect_changed = |body: &[u8]| {
        if len >= 16 && body[..16] == plaintext[..16] {
            Err(mismatch("ciphertext equals plaintext"))
        } else {
            Ok(())
        }
    };

    match mode {
        Mode::None => Ok(()),
        Mode::SseS3 => {
            let root = S3ManagedRoot::for_bucket(ctx.bucket, ctx.s3_root_seed);
            let obj = root.seal_object(&mut rng, &plaintext)?;
            expect_changed(&obj.body)?;
            expect_same(&root.open_object(&obj)?, "SSE-S3 decrypt")
        }
        Mode::SseC => {
            let key = DataKey::generate(&mut rng);
            let h = SseCHeaders::for_key(&key);
            let obj = sse_c::put_object(&mut rng, &h, &plaintext)?;
            expect_changed(&obj.body)?;
            expect_same(&sse_c::get_object(&obj, Some(&h))?, "SSE-C decrypt")?;
            let other = SseCHeaders::for_key(&DataKey::generate(&mut rng));
            match sse_c::get_object(&obj, Some(&other)) {
                Err(CryptoError::SseC { status: 403, .. }) => {}
                _ => return Err(mismatch("a different SSE-C key was not refused with 403")),
            }
            match sse_c::get_object(&obj, None) {
                Err(CryptoError::SseC { status: 400, .. }) => Ok(()),
                _ => Err(mismatch(
                    "a GET without the SSE-C key was not refused with 400",
                )),
            }
        }
        Mode::SseKms => {
            kms.ensure_key(ctx.kms_key_arn);
            let obj = sse_kms::put_object(
                kms,
                ctx.kms_key_arn,
                ctx.bucket,
                ctx.key,
                bucket_key,
                &mut rng,
                &plaintext,
            )?;
            expect_changed(&obj.body)?;
            // GET with no cached bucket key: the KMS Decrypt path.
            expect_same(
                &sse_kms::get_object(kms, &obj, ctx.bucket, ctx.key, None)?,
                "SSE-KMS decrypt",
            )?;
            match &obj.key_source {
                sse_kms::KeySource::PerObject { ciphertext_blob } => {
                    if kms
                        .decrypt(ciphertext_blob, &s3_context(&bucket_arn(ctx.bucket)))
                        .is_ok()
                    {
                        return Err(mismatch(
                            "KMS Decrypt accepted the wrong encryption context",
                        ));
                    }
                    Ok(())
                }
                sse_kms::KeySource::BucketKey { salt, .. } => {
                    let bk = bucket_key.expect("bucket-key source only with a bucket key");
                    expect_same(
                        &sse_kms::get_object(kms, &obj, ctx.bucket, ctx.key, Some(bk))?,
                        "SSE-KMS decrypt with the cached bucket key",
                    )?;
                    let mine = bk.derive_object_key(salt, &object_arn(ctx.bucket, ctx.key));
                    let other_name = format!("{}\u{0}other", ctx.key);
                    let theirs = bk.derive_object_key(salt, &object_arn(ctx.bucket, &other_name));
                    if crate::crypto::gcm::ct_eq(mine.expose_secret(), theirs.expose_secret()) {
                        return Err(mismatch("two objects derived the same data key"));
                    }
                    Ok(())
                }
            }
        }
        Mode::DsseKms => {
            kms.ensure_key(ctx.kms_key_arn);
            let root = S3ManagedRoot::for_bucket(ctx.bucket, ctx.s3_root_seed);
            let obj = sse_kms::dsse_put_object(
                kms,
                &root,
                ctx.kms_key_arn,
                ctx.bucket,
                ctx.key,
                &mut rng,
                &plaintext,
            )?;
            expect_changed(&obj.outer.body)?;
            expect_same(
                &sse_kms::dsse_get_object(kms, &root, &obj, ctx.bucket, ctx.key)?,
                "DSSE-KMS decrypt",
            )
        }
        Mode::CseKms => {
            kms.ensure_key(ctx.kms_key_arn);
            let mut matdesc = EncryptionContext::new();
            matdesc.insert("bucket".to_string(), ctx.bucket.to_string());
            let obj = cse::encrypt_object(
                kms,
                ctx.kms_key_arn,
                &matdesc,
                None,
                0,
                &mut rng,
                &plaintext,
            )?;
            expect_changed(&obj.body)?;
            expect_same(&cse::decrypt_object(kms, &obj)?, "client-side decrypt")?;
            let mut bad = obj.clone();
            let last = bad.body.len() - 1;
            bad.body[last] ^= 1;
            if cse::decrypt_object(kms, &bad).is_ok() {
                return Err(mismatch("altered client-side ciphertext was accepted"));
            }
            Ok(())
        }
    }
}
