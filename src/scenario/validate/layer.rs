//! `[[bucket]] client_encryption` and `client_kms_key`: a client-side encryption layer
//! (today's `cse-kms`, with its data-key cache and CPU cost) on top of the bucket's
//! server-side `encryption`, under the bucket's KMS key or a key of its own.

use super::super::model::ClientLayer;
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
        let v = t.get(CLIENT_ENCRYPTION.name).expect("present");
        return Err(ctx.error(
            Some(&v.origin),
            &t.key_path(CLIENT_ENCRYPTION.name),
            problem(format!(
                "bucket '{name}' already encrypts on the client (encryption = \"cse-kms\"): client_encryption would add a second client-side layer"
            ))
            .hint(
                "for client-side over server-side encryption, set encryption to the server-side mode (e.g. \"sse-kms\") and keep client_encryption = \"cse-kms\"",
            ),
        ));
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
    let Some(key) = ctx.opt(t, CLIENT_KMS_KEY.name, string)? else {
        ctx.record_computed(t, &CLIENT_KMS_KEY, kms_key.to_string());
        return Ok(Some(ClientLayer {
            kms_key: kms_key.to_string(),
        }));
    };
    match kms_key_region(&key) {
        None => {
            let v = t.get(CLIENT_KMS_KEY.name).expect("present");
            return Err(ctx.error(
                Some(&v.origin),
                &t.key_path(CLIENT_KMS_KEY.name),
                problem(format!("'{key}' is not a KMS key ARN")).hint(
                    "write arn:aws:kms:REGION:ACCOUNT:key/KEY-ID or arn:aws:kms:REGION:ACCOUNT:alias/NAME",
                ),
            ));
        }
        Some(r) if r != region => ctx.note(format!(
            "bucket '{name}': client_kms_key is in {r}, not in kms.region {region}; the simulation charges the client's calls to kms.region"
        )),
        Some(_) => {}
    }
    Ok(Some(ClientLayer { kms_key: key }))
}
