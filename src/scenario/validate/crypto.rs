//! `[crypto]`: the calibration profile of client-side encryption and the verification
//! sample.

use std::path::Path;

use super::super::error::Site;
use super::super::model::*;
use super::super::presets::*;
use super::ctx::{Ctx, R, Tbl};
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

/// `[crypto]`: the calibration profile (its path, relative paths against the scenario file's
/// folder; the caller loads it, `prepare`) and the verification sample.
pub(super) fn crypto_config(ctx: &mut Ctx, top: &Tbl) -> R<CryptoConfig> {
    let t = ctx.sub_or_empty(top, top::CRYPTO.name)?;
    ctx.check_keys(&t, KEYS, |_| None)?;
    let profile = ctx.value(&t, &PROFILE, string)?;
    let profile_path = (profile != "reference")
        .then(|| ctx.file.parent().unwrap_or(Path::new(".")).join(&profile));
    let profile_site = Site::new(ctx.file, t.get(PROFILE.name).map(|v| v.origin.clone()));
    let verify = ctx.value(&t, &VERIFY, boolean)?;
    let verify_objects = ctx.value(&t, &VERIFY_OBJECTS, |v| {
        whole(v, "objects", 1, 100_000).map(|n| n as u32)
    })?;
    Ok(CryptoConfig {
        profile,
        profile_path,
        profile_site,
        cse_cost: None,
        verify,
        verify_objects,
    })
}
