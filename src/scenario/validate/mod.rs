//! Validation: the raw document (overrides already applied) becomes a [`Scenario`], every key
//! checked (unknown keys rejected with a "did you mean"), every default filled in, every value
//! converted to internal units, and the provenance of each model parameter recorded (file
//! line, override, published fact or labelled assumption).
//!
//! Every key is defined once, in its section's table of [`keys::KeyDef`]s: `top.rs`, `kms.rs`,
//! `s3.rs`, `client.rs`, `crypto.rs`, `bucket.rs`, `workload.rs`, `arrival.rs` and
//! `expect.rs`. The context is in `ctx.rs`, the value parsers and limits in `values.rs`.

use std::path::Path;

use super::model::*;
use super::raw::RawTable;
use ctx::{Ctx, P, R, Tbl, problem};
use values::{QUOTE_MAX, string};

mod arrival;
mod bucket;
mod cache_bound;
mod client;
mod copy;
mod crypto;
mod ctx;
mod expect;
mod head;
mod key_list;
mod keys;
mod kms;
mod kms_keys;
mod layer;
mod policies;
mod regions;
mod replication;
mod s3;
mod top;
pub mod trace;
mod values;
mod workload;
mod workload_links;

pub use expect::{Expect, Expectation, MAX_MEASURED, Tolerance};
pub use key_list::{KeyInfo, key_table};
pub use trace::{MAX_SPEED, MIN_SPEED, check_speed};
pub use values::{MAX_CONCURRENCY, MAX_RUN};

/// The longest name (of a scenario, variant, workload or bucket): names become parts of file
/// names (`latency-<variant>-put.hgrm`, `<scenario>-sweep/`), which most filesystems cap at
/// 255 bytes.
pub const MAX_NAME_LEN: usize = 64;

/// What is wrong with a name used in file names and paths, if anything: it must be 1 to
/// [`MAX_NAME_LEN`] characters of `[A-Za-z0-9_-]`. The one rule for names, wherever they
/// come from (a scenario, a shard or a results file).
pub fn name_problem(s: &str) -> Option<String> {
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Some(format!(
            "'{}' is not a valid name: use only letters, digits, '_' and '-'",
            crate::input::clip(s, QUOTE_MAX)
        ));
    }
    if s.len() > MAX_NAME_LEN {
        return Some(format!(
            "a name of {} characters is too long: at most {MAX_NAME_LEN}",
            s.len()
        ));
    }
    None
}

/// What is wrong with a scenario string that holds a control character, if it does.
pub fn control_character_problem(s: &str) -> Option<String> {
    s.chars().find(|c| c.is_control()).map(|c| {
        format!(
            "'{}' holds a control character ({}): strings must be one line of printable text",
            crate::input::escape_controls(&crate::input::clip(s, 48)),
            c.escape_unicode()
        )
    })
}

/// A name used in file names and paths (see [`name_problem`]).
pub(crate) fn identifier(v: &super::raw::RawValue) -> P<String> {
    let s = string(v)?;
    if let Some(msg) = name_problem(&s) {
        return Err(problem(msg).hint("names are used in file names and override paths"));
    }
    Ok(s)
}

/// The scenario name, checked (required, `[A-Za-z0-9_-]+`).
pub(crate) fn scenario_name(file: &Path, root: &RawTable) -> R<String> {
    let ctx = Ctx {
        file,
        notes: Vec::new(),
        prov: Vec::new(),
    };
    let tbl = Tbl {
        t: root,
        path: String::new(),
        origin: None,
    };
    top::name(&ctx, &tbl)
}

/// Validates a raw document (overrides applied) into a [`Scenario`]; `base` is the document
/// before overrides (where the history of the objects already in a bucket is read).
pub(crate) fn validate(file: &Path, root: &RawTable, base: &RawTable) -> R<Scenario> {
    let mut ctx = Ctx {
        file,
        notes: Vec::new(),
        prov: Vec::new(),
    };
    let top = Tbl {
        t: root,
        path: String::new(),
        origin: None,
    };
    let run = top::run(&mut ctx, &top)?;
    let kms = kms::kms_config(&mut ctx, &top)?;
    let s3 = s3::s3_config(&mut ctx, &top)?;
    let client = client::client_config(&mut ctx, &top)?;
    let crypto = crypto::crypto_config(&mut ctx, &top)?;
    let mut bucket_regions = regions::BucketRegions::new(&kms.region);
    let buckets = bucket::buckets(&mut ctx, &top, &kms, base, &mut bucket_regions)?;
    let replication = replication::rules(&mut ctx, &top, &buckets)?;
    let regions = regions::region_configs(
        &mut ctx,
        &top,
        &kms,
        &bucket_regions,
        !replication.is_empty(),
    )?;
    s3::dsse_default(&mut ctx, &top, &buckets)?;
    let replicated: Vec<usize> = replication.iter().map(|r| r.to).collect();
    let (workloads, traces) =
        workload::workloads(&mut ctx, &top, &buckets, &s3, &kms.region, &replicated)?;
    cache_bound::check(&ctx, &top, &buckets, &workloads, &s3, run.duration)?;
    replication::check_pending(
        &ctx,
        &top,
        &replication,
        &workloads,
        &buckets,
        &s3.latency,
        run.duration,
    )?;
    let expect = expect::expectations(&ctx, &top, root)?;

    if client.data_key_cache.is_some()
        && !buckets
            .iter()
            .any(|b| b.encryption.client_calls_kms() || b.client_layer.is_some())
        && !workloads.iter().any(|w| w.client_layer.is_some())
    {
        ctx.note(
            "client.data_key_cache has no effect: no bucket uses cse-kms (client-side encryption)"
                .into(),
        );
    }

    let mut provenance = ctx.prov;
    provenance.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Scenario {
        name: run.name,
        description: run.description,
        seed: run.seed,
        duration: run.duration,
        warmup: run.warmup,
        kms,
        regions,
        replication,
        s3,
        client,
        crypto,
        buckets,
        workloads,
        expect,
        traces,
        notes: ctx.notes,
        provenance,
    })
}

#[cfg(test)]
mod tests {
    use super::super::raw::{Origin, RawKind, RawValue};
    use super::*;

    fn v(kind: RawKind) -> RawValue {
        RawValue {
            kind,
            origin: Origin::File { line: 1, column: 1 },
        }
    }

    #[test]
    fn identifiers() {
        assert!(identifier(&v(RawKind::String("per-object_2".into()))).is_ok());
        for bad in ["", "a b", "a.b", "a/b", "é"] {
            assert!(
                identifier(&v(RawKind::String(bad.into()))).is_err(),
                "{bad}"
            );
        }
    }
}
