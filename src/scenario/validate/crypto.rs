//! `[crypto]`: the calibration profile of client-side encryption and the verification
//! sample.

use std::path::Path;

use super::super::model::*;
use super::super::presets::*;
use super::ctx::{Ctx, R, Tbl, problem};
use super::keys::{Assumption, KeyDef, Text};
use super::top;
use super::values::{boolean, string, whole};

const PROFILE: KeyDef = KeyDef::new(
    "profile",
    Text(r#""reference""#),
    r#"`"reference"` or a file path"#,
    Assumption(NOTE_PROFILE),
);
const VERIFY: KeyDef = KeyDef::new("verify", Text("false"), "boolean", Assumption(NOTE_VERIFY));
const VERIFY_OBJECTS: KeyDef = KeyDef::new(
    "verify_objects",
    Text("100"),
    "integer 1..100000",
    Assumption(NOTE_VERIFY),
);

pub(super) const KEYS: &[KeyDef] = &[PROFILE, VERIFY, VERIFY_OBJECTS];

/// `[crypto]`: the calibration profile (loaded and checked here, relative paths against the
/// scenario file's folder) and the verification sample.
pub(super) fn crypto_config(ctx: &mut Ctx, top: &Tbl) -> R<CryptoConfig> {
    let t = ctx.sub_or_empty(top, top::CRYPTO.name)?;
    ctx.check_keys(&t, KEYS, |_| None)?;
    let profile = ctx.value(&t, &PROFILE, string)?;
    let loaded = if profile == "reference" {
        crate::crypto::calibration::Profile::reference()
    } else {
        let base = ctx.file.parent().unwrap_or(Path::new("."));
        let path = base.join(&profile);
        crate::crypto::calibration::Profile::load(&path).map_err(|e| {
            ctx.error(
                t.get(PROFILE.name).map(|v| &v.origin),
                &t.key_path(PROFILE.name),
                problem(format!("{e}")),
            )
        })?
    };
    let verify = ctx.value(&t, &VERIFY, boolean)?;
    let verify_objects = ctx.value(&t, &VERIFY_OBJECTS, |v| {
        whole(v, "objects", 1, 100_000).map(|n| n as u32)
    })?;
    Ok(CryptoConfig {
        profile,
        cse_per_object_ns: loaded.per_object(Encryption::CseKms, false),
        cse_bytes_per_sec: loaded.gcm_bytes_per_sec,
        verify,
        verify_objects,
    })
}
