//! `[[bucket]] client_encryption` and `client_kms_key`: a client-side encryption layer
//! (today's `cse-kms`, with its data-key cache and CPU cost) on top of the bucket's
//! server-side `encryption`, under the bucket's KMS key or a key of its own.

use super::super::model::{Bucket, ClientLayer, Op};
use super::super::presets::NOTE_CLIENT_KMS_KEY;
use super::bucket::kms_key_region;
use super::ctx::{Ctx, R, Tbl, problem};
use super::keys::{Assumption, KeyDef, Source, Special};
use super::values::{one_of, string};
use crate::mode::Mode;

/// The client-side layers a bucket can have: none, or the S3 Encryption Client under a KMS
/// key (`cse-kms`).
pub(crate) const LAYERS: [&str; 2] = ["none", "cse-kms"];

/// `[[bucket]] client_encryption`.
pub(super) const CLIENT_ENCRYPTION: KeyDef = KeyDef::new(
    "client_encryption",
    Special("`\"none\"`"),
    r#"`"none"` | `"cse-kms"`"#,
    Source::None,
);
/// `[[bucket]] client_kms_key`. Special: the bucket's `kms_key` (its default included).
pub(super) const CLIENT_KMS_KEY: KeyDef = KeyDef::new(
    "client_kms_key",
    Special("the bucket's `kms_key`"),
    "KMS key ARN or alias ARN",
    Assumption(NOTE_CLIENT_KMS_KEY),
);

/// `[[workload]] client_encryption` (PUT only).
pub(super) const WORKLOAD_CLIENT_ENCRYPTION: KeyDef = KeyDef::new(
    "client_encryption",
    Special("the bucket's `client_encryption`"),
    r#"`"none"` | `"cse-kms"`"#,
    Source::None,
);
/// `[[workload]] client_kms_key` (PUT only).
pub(super) const WORKLOAD_CLIENT_KMS_KEY: KeyDef = KeyDef::new(
    "client_kms_key",
    Special("the bucket's `client_kms_key`"),
    "KMS key ARN or alias ARN",
    Source::None,
);

/// The refusal of a second client-side layer over `cse-kms` bucket `name`, at `key` of `t`.
fn double_layer(ctx: &Ctx, t: &Tbl, key: &str, name: &str) -> super::super::error::ScenarioError {
    let v = t.get(key).expect("present");
    ctx.error(
        Some(&v.origin),
        &t.key_path(key),
        problem(format!(
            "bucket '{name}' already encrypts on the client (encryption = \"cse-kms\"): client_encryption would add a second client-side layer"
        ))
        .hint(
            "for client-side over server-side encryption, set encryption to the server-side mode (e.g. \"sse-kms\") and keep client_encryption = \"cse-kms\"",
        ),
    )
}

/// A KMS key ARN at `key` of `t` (`None` when absent), with a note when it is not in
/// `region`: the client may call any Region, the simulation charges `region`.
fn client_key_arn(ctx: &mut Ctx, t: &Tbl, key: &str, who: &str, region: &str) -> R<Option<String>> {
    let Some(k) = ctx.opt(t, key, string)? else {
        return Ok(None);
    };
    match kms_key_region(&k) {
        None => {
            let v = t.get(key).expect("present");
            return Err(ctx.error(
                Some(&v.origin),
                &t.key_path(key),
                problem(format!("'{k}' is not a KMS key ARN")).hint(
                    "write arn:aws:kms:REGION:ACCOUNT:key/KEY-ID or arn:aws:kms:REGION:ACCOUNT:alias/NAME",
                ),
            ));
        }
        Some(r) if r != region => ctx.note(format!(
            "{who}: {key} is in {r}, not in kms.region {region}; the simulation charges the client's calls to kms.region"
        )),
        Some(_) => {}
    }
    Ok(Some(k))
}

/// The client-side layer of put workload `name` (table `t`) on `bucket`: its own
/// `client_encryption` and `client_kms_key`, else the bucket's. Either key on a workload that
/// is not a PUT is an error.
pub(super) fn workload_layer(
    ctx: &mut Ctx,
    t: &Tbl,
    name: &str,
    op: Op,
    bucket: &Bucket,
    region: &str,
) -> R<Option<ClientLayer>> {
    if op != Op::Put {
        for key in [&WORKLOAD_CLIENT_ENCRYPTION, &WORKLOAD_CLIENT_KMS_KEY] {
            if let Some(v) = t.get(key.name) {
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path(key.name),
                    problem(format!(
                        "{} applies only to put workloads: a read (or a copy, which moves the client's ciphertext unchanged) uses the layers that wrote the object",
                        key.name
                    )),
                ));
            }
        }
        return Ok(None);
    }
    let layered = match ctx.opt(t, WORKLOAD_CLIENT_ENCRYPTION.name, |v| one_of(v, &LAYERS))? {
        Some(l) if l == "none" => false,
        Some(_) if bucket.encryption == Mode::CseKms => {
            return Err(double_layer(
                ctx,
                t,
                WORKLOAD_CLIENT_ENCRYPTION.name,
                &bucket.name,
            ));
        }
        Some(_) => true,
        None => bucket.client_layer.is_some(),
    };
    let who = format!("workload '{name}'");
    let key = client_key_arn(ctx, t, WORKLOAD_CLIENT_KMS_KEY.name, &who, region)?;
    if !layered {
        if key.is_some() {
            ctx.note(format!(
                "client_kms_key has no effect for workload '{name}': its objects get no client_encryption layer"
            ));
        }
        return Ok(None);
    }
    let kms_key = key
        .or_else(|| bucket.client_layer.as_ref().map(|l| l.kms_key.clone()))
        .unwrap_or_else(|| bucket.kms_key.clone());
    Ok(Some(ClientLayer { kms_key }))
}

/// Whether bucket `name` (table `t`, server-side mode `encryption`) has a client-side layer.
/// A layer on a `cse-kms` bucket is an error: the client would encrypt twice.
pub(super) fn layered(ctx: &mut Ctx, t: &Tbl, name: &str, encryption: Mode) -> R<bool> {
    let Some(layer) = ctx.opt(t, CLIENT_ENCRYPTION.name, |v| one_of(v, &LAYERS))? else {
        return Ok(false);
    };
    if layer == "none" {
        return Ok(false);
    }
    if encryption == Mode::CseKms {
        return Err(double_layer(ctx, t, CLIENT_ENCRYPTION.name, name));
    }
    Ok(true)
}

/// The layer of bucket `name` (table `t`) whose default KMS key is `kms_key`: `None` when
/// it has none (a `client_kms_key` set then gives a note).
pub(super) fn client_layer(
    ctx: &mut Ctx,
    t: &Tbl,
    name: &str,
    layered: bool,
    kms_key: &str,
    region: &str,
) -> R<Option<ClientLayer>> {
    if !layered {
        if ctx.opt_quiet(t, CLIENT_KMS_KEY.name, string)?.is_some() {
            ctx.note(format!(
                "client_kms_key has no effect for bucket '{name}': it has no client_encryption layer"
            ));
        }
        return Ok(None);
    }
    let who = format!("bucket '{name}'");
    let key = client_key_arn(ctx, t, CLIENT_KMS_KEY.name, &who, region)?;
    let Some(key) = key else {
        ctx.record_computed(t, &CLIENT_KMS_KEY, kms_key.to_string());
        return Ok(Some(ClientLayer {
            kms_key: kms_key.to_string(),
        }));
    };
    Ok(Some(ClientLayer { kms_key: key }))
}
