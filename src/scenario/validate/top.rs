//! The top-level keys: the scenario's name, description, seed, duration and warm-up, and the
//! sections and arrays of tables below it.

use super::super::presets::*;
use super::super::units::format_duration;
use super::ctx::{Ctx, R, Tbl, problem};
use super::identifier;
use super::keys::{Assumption, KeyDef, Required, Source, Special, Text};
use super::values::{MAX_RUN, at_most, duration, positive_duration, string, whole};
use crate::engine::time::Nanos;

pub(super) const NAME: KeyDef = KeyDef::new("name", Required, "name", Source::None);
const DESCRIPTION: KeyDef = KeyDef::new("description", Text(r#""""#), "string", Source::None);
const SEED: KeyDef = KeyDef::new(
    "seed",
    Text("1"),
    "integer 0..2^63−1",
    Assumption(NOTE_SEED),
);
const DURATION: KeyDef = KeyDef::new(
    "duration",
    Required,
    r#"duration > 0, at most `"366d"`"#,
    Source::None,
);
const WARMUP: KeyDef = KeyDef::new(
    "warmup",
    Text(r#""0s""#),
    "duration < `duration`",
    Assumption(NOTE_WARMUP),
);
const SECTION: KeyDef = KeyDef::new("", Special("all defaults"), "tables", Source::None);
pub(super) const KMS: KeyDef = KeyDef {
    name: "kms",
    ..SECTION
};
pub(super) const S3: KeyDef = KeyDef {
    name: "s3",
    ..SECTION
};
pub(super) const CLIENT: KeyDef = KeyDef {
    name: "client",
    ..SECTION
};
pub(super) const CRYPTO: KeyDef = KeyDef {
    name: "crypto",
    ..SECTION
};
pub(super) const BUCKET: KeyDef = KeyDef::new(
    "bucket",
    Required,
    "array of tables, 1 to 100",
    Source::None,
);
pub(super) const WORKLOAD: KeyDef = KeyDef::new(
    "workload",
    Required,
    "array of tables, 1 to 100",
    Source::None,
);
/// Read by `ScenarioFile` (`super::super::declared_variants`), not by validation.
const VARIANT: KeyDef = KeyDef::new(
    "variant",
    Special("see [Variants](#variants)"),
    "array of tables, at most 32",
    Source::None,
);
/// Measured values beside the model: `expect.rs` reads them.
pub(super) const EXPECT: KeyDef = KeyDef::new(
    "expect",
    Special("none"),
    "array of tables, at most 100",
    Source::None,
);
/// Replication rules: `replication.rs` reads them.
pub(super) const REPLICATION: KeyDef = KeyDef::new(
    "replication",
    Special("none"),
    "array of tables, at most 100",
    Source::None,
);
/// A parameter grid, not the model: `ScenarioFile::sweep` reads it.
const SWEEP: KeyDef = KeyDef::new("sweep", Special("none"), "table", Source::None);
/// Sensitivity ranges, not the model: `ScenarioFile::sensitivity` reads it.
const SENSITIVITY: KeyDef = KeyDef::new("sensitivity", Special("none"), "table", Source::None);

pub(super) const KEYS: &[KeyDef] = &[
    NAME,
    DESCRIPTION,
    SEED,
    DURATION,
    WARMUP,
    KMS,
    S3,
    CLIENT,
    CRYPTO,
    BUCKET,
    WORKLOAD,
    REPLICATION,
    VARIANT,
    SWEEP,
    SENSITIVITY,
    EXPECT,
];

/// The top-level values of the run.
pub(super) struct Run {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub duration: Nanos,
    pub warmup: Nanos,
}

/// The scenario name, checked (required, `[A-Za-z0-9_-]+`).
pub(super) fn name(ctx: &Ctx, top: &Tbl) -> R<String> {
    ctx.req_quiet(
        top,
        NAME.name,
        Some("e.g. name = \"quickstart\""),
        identifier,
    )
}

/// Checks the top-level keys and reads the run's own values.
pub(super) fn run(ctx: &mut Ctx, top: &Tbl) -> R<Run> {
    ctx.check_keys(top, KEYS, |_| None)?;

    let name = name(ctx, top)?;
    let description = ctx.value_quiet(top, &DESCRIPTION, string)?;
    let seed = ctx.value(top, &SEED, |v| whole(v, "seed", 0, i64::MAX as u64))?;
    let duration = ctx.req(top, DURATION.name, Some("e.g. duration = \"2m\""), |v| {
        at_most(positive_duration(v)?, MAX_RUN, "a run")
    })?;
    let warmup = ctx.value(top, &WARMUP, self::duration)?;
    if warmup >= duration {
        let v = top
            .get(WARMUP.name)
            .expect("a default warmup of 0 is below any duration");
        return Err(ctx.error(
            Some(&v.origin),
            WARMUP.name,
            problem(format!(
                "warmup ({}) must be shorter than duration ({})",
                format_duration(warmup),
                format_duration(duration)
            )),
        ));
    }
    Ok(Run {
        name,
        description,
        seed,
        duration,
        warmup,
    })
}
