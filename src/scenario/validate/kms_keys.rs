//! Several KMS keys in one bucket: `[[bucket]] kms_key_change = { at, to }` (the bucket's
//! default key changes during the run) and a put workload's own `kms_key` and `bucket_key`
//! (the SSE-KMS request headers).

use super::super::model::*;
use super::bucket::kms_key_region;
use super::ctx::{Ctx, R, Tbl, problem};
use super::keys::{KeyDef, Required, Source, Special};
use super::values::{boolean, duration, string};
use crate::mode::Mode;

/// `[[bucket]] kms_key_change`.
pub(super) const KMS_KEY_CHANGE: KeyDef =
    KeyDef::new("kms_key_change", Special("none"), "table", Source::None);
const AT: KeyDef = KeyDef::new("at", Required, "duration ≥ 0", Source::None);
const TO: KeyDef = KeyDef::new("to", Required, "KMS key ARN or alias ARN", Source::None);
const CHANGE_KEYS: &[KeyDef] = &[AT, TO];

/// `[[workload]] kms_key` (PUT only): the `x-amz-server-side-encryption-aws-kms-key-id` header.
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
pub(super) const WORKLOAD_KMS_KEY: KeyDef = KeyDef::new(
    "kms_key",
    Special("the bucket's key"),
    "KMS key ARN or alias ARN",
    Source::None,
);
/// `[[workload]] bucket_key` (PUT only): the `x-amz-server-side-encryption-bucket-key-enabled`
/// header (aws-facts §3.6).
pub(super) const WORKLOAD_BUCKET_KEY: KeyDef = KeyDef::new(
    "bucket_key",
    Special("the bucket's `bucket_key`"),
    "boolean",
    Source::None,
);

/// A KMS key ARN, with the same checks and Region note as the bucket's `kms_key`.
fn key_arn(ctx: &mut Ctx, t: &Tbl, key: &str, who: &str, region: &str) -> R<Option<String>> {
    let Some(k) = ctx.opt(t, key, string)? else {
        return Ok(None);
    };
    match kms_key_region(&k) {
        None => {
            let v = t.get(key).expect("present");
            Err(ctx.error(
                Some(&v.origin),
                &t.key_path(key),
                problem(format!("'{k}' is not a KMS key ARN")).hint(
                    "write arn:aws:kms:REGION:ACCOUNT:key/KEY-ID or arn:aws:kms:REGION:ACCOUNT:alias/NAME",
                ),
            ))
        }
        Some(r) if r != region => {
            ctx.note(format!(
                "{who}: {key} is in {r}, not in kms.region {region}; S3 requires the key in the bucket's Region, and the simulation charges its calls to kms.region"
            ));
            Ok(Some(k))
        }
        Some(_) => Ok(Some(k)),
    }
}

/// `kms_key_change` of bucket `name` (table `t`), whose default key is `kms_key`.
pub(super) fn key_change(
    ctx: &mut Ctx,
    t: &Tbl,
    name: &str,
    encryption: Mode,
    kms_key: &str,
    region: &str,
) -> R<Option<KeyChange>> {
    let Some(c) = ctx.sub(t, KMS_KEY_CHANGE.name)? else {
        return Ok(None);
    };
    ctx.check_keys(&c, CHANGE_KEYS, |_| None)?;
    let at = ctx.req(&c, AT.name, Some("e.g. at = \"10m\""), duration)?;
    let who = format!("bucket '{name}'");
    let Some(to) = key_arn(ctx, &c, TO.name, &who, region)? else {
        return Err(ctx.missing(&c, TO.name, Some("the new KMS key's ARN")));
    };
    if to == kms_key {
        let v = c.get(TO.name).expect("present");
        return Err(ctx.error(
            Some(&v.origin),
            &c.key_path(TO.name),
            problem(format!("bucket '{name}' already uses '{to}' (its kms_key)"))
                .hint("name another key, or remove kms_key_change"),
        ));
    }
    if !encryption.s3_calls_kms() {
        ctx.note(format!(
            "kms_key_change has no effect for bucket '{name}': it uses {}, and S3 chooses no KMS key for it",
            encryption.name()
        ));
        return Ok(None);
    }
    Ok(Some(KeyChange { at, to }))
}

/// A put workload's `kms_key` and `bucket_key` on `bucket`; an error on a get workload.
pub(super) fn workload_keys(
    ctx: &mut Ctx,
    t: &Tbl,
    name: &str,
    op: Op,
    bucket: &Bucket,
    region: &str,
) -> R<(Option<String>, Option<bool>)> {
    for key in [&WORKLOAD_KMS_KEY, &WORKLOAD_BUCKET_KEY] {
        if op == Op::Get
            && let Some(v) = t.get(key.name)
        {
            return Err(ctx.error(
                Some(&v.origin),
                &t.key_path(key.name),
                problem(format!(
                    "{} applies only to put workloads: a GET reads an object with the key that wrote it",
                    key.name
                )),
            ));
        }
    }
    let who = format!("workload '{name}'");
    let kms_key = key_arn(ctx, t, WORKLOAD_KMS_KEY.name, &who, region)?;
    let bucket_key = ctx.opt(t, WORKLOAD_BUCKET_KEY.name, boolean)?;
    let enc = bucket.encryption;
    let kms_key = match kms_key {
        Some(_) if !enc.s3_calls_kms() => {
            ctx.note(format!(
                "kms_key has no effect for workload '{name}': bucket '{}' uses {}, and S3 chooses no KMS key for it",
                bucket.name,
                enc.name()
            ));
            None
        }
        k => k,
    };
    let bucket_key = match bucket_key {
        Some(true) if !enc.supports_bucket_key() => {
            ctx.note(format!(
                "bucket_key is ignored for workload '{name}': bucket '{}' uses {}, and S3 Bucket Keys apply only to sse-kms",
                bucket.name,
                enc.name()
            ));
            None
        }
        Some(false) if !enc.supports_bucket_key() => None,
        b => b,
    };
    Ok((kms_key, bucket_key))
}
