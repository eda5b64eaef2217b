//! Regions: each bucket's `region` (default `kms.region`), and `[kms.regions."<region>"]`,
//! the KMS of another Region (its quota, latency, background and prices, each key defaulting
//! as in `[kms]`, the quota from that Region's preset). The simulation keeps one KMS per
//! Region in use and sends every KMS call to the Region of the bucket it serves.

use super::super::model::*;
use super::super::presets::*;
use super::ctx::{Ctx, Problem, R, Tbl, assume, problem};
use super::keys::KeyDef;
use super::kms::{REGION_KEYS, REGIONS, region_kms};
use super::top;
use super::values::string;

/// The Regions the buckets use, in order of first use (`kms.region` first), and the buckets
/// whose `region` was left to its default.
#[derive(Debug, Default)]
pub(super) struct BucketRegions {
    pub(super) names: Vec<String>,
    /// (bucket path, e.g. `bucket.logs`) of the buckets without `region`.
    defaulted: Vec<String>,
}

impl BucketRegions {
    pub(super) fn new(kms_region: &str) -> BucketRegions {
        BucketRegions {
            names: vec![kms_region.to_string()],
            defaulted: Vec::new(),
        }
    }

    /// Reads bucket table `t`'s `region` (`key`): its index in [`BucketRegions::names`], and
    /// whether the file (or an override) set it.
    pub(super) fn bucket(
        &mut self,
        ctx: &mut Ctx,
        t: &Tbl,
        key: &KeyDef,
        kms_region: &str,
    ) -> R<(u32, bool)> {
        let given = ctx.opt(t, key.name, |v| {
            let r = string(v)?;
            match region_name_problem(&r) {
                None => Ok(r),
                Some((message, hint)) => Err(problem(message).hint(hint)),
            }
        })?;
        let set = given.is_some();
        let name = given.unwrap_or_else(|| {
            self.defaulted.push(t.key_path(key.name));
            kms_region.to_string()
        });
        let i = match self.names.iter().position(|n| *n == name) {
            Some(i) => i,
            None => {
                self.names.push(name);
                self.names.len() - 1
            }
        };
        Ok((i as u32, set))
    }
}

/// The KMS of every Region in use (`kms` first), from `[kms.regions."<region>"]` where given.
/// `replicated`: the scenario has replication rules (the buckets' Regions then matter, and
/// the defaulted ones are recorded as such).
pub(super) fn region_configs(
    ctx: &mut Ctx,
    top_tbl: &Tbl,
    kms: &KmsConfig,
    regions: &BucketRegions,
    replicated: bool,
) -> R<Vec<KmsConfig>> {
    let kms_t = ctx.sub_or_empty(top_tbl, top::KMS.name)?;
    let tables = ctx.sub_or_empty(&kms_t, REGIONS.name)?;
    // Each table names a Region in use, and not `kms.region` (whose KMS is `[kms]`).
    for e in &tables.t.entries {
        let (spec, v) = (&e.key, &e.value);
        let path = tables.key_path(spec);
        let preset = region_preset(spec)
            .map_err(|(msg, hint)| ctx.error(Some(&v.origin), &path, Problem { msg, hint }))?;
        if preset.region == kms.region {
            return Err(ctx.error(
                Some(&v.origin),
                &path,
                problem(format!("{} is kms.region: its KMS is [kms]", kms.region))
                    .hint("set its keys in [kms], or name another Region"),
            ));
        }
        if !regions.names.contains(&preset.region) {
            ctx.note(format!(
                "kms.regions.{spec} has no effect: no bucket is in {}",
                preset.region
            ));
        }
    }
    let mut out = vec![kms.clone()];
    for name in &regions.names[1..] {
        // The table for this Region, under its plain name or a `legacy-…:` spec.
        let found = tables
            .t
            .entries
            .iter()
            .find(|e| region_preset(&e.key).is_ok_and(|p| p.region == *name));
        let (spec, t) = match found {
            Some(e) => (e.key.clone(), ctx.sub_or_empty(&tables, &e.key)?),
            None => (name.clone(), ctx.sub_or_empty(&tables, name)?),
        };
        ctx.check_keys(&t, REGION_KEYS, |_| None)?;
        let preset = region_preset(&spec)
            .map_err(|(msg, hint)| ctx.error(t.origin, &t.path, Problem { msg, hint }))?;
        out.push(region_kms(ctx, &t, &preset)?);
    }
    if out.len() > 1 || replicated {
        for path in &regions.defaulted {
            ctx.record_default(path.clone(), kms.region.clone(), assume(NOTE_BUCKET_REGION));
        }
    }
    Ok(out)
}
