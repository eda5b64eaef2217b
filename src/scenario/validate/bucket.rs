//! `[[bucket]]`: a bucket's encryption mode, bucket key, KMS key and prefixes, and
//! `[bucket.existing]`, the population of objects already in it.

use std::collections::HashMap;

use super::super::model::*;
use super::super::presets::*;
use super::super::raw::{Origin, RawKind, RawTable, RawValue};
use super::ctx::{Ctx, R, Tbl, problem};
use super::identifier;
use super::keys::{Assumption, KeyDef, Required, Source, Special, Text};
use super::top;
use super::values::{
    MAX_PREFIXES, boolean, count_u32, duration, found, number, one_of, positive_duration, string,
    whole, within_total,
};
use crate::engine::time::Nanos;
use crate::mode::Mode;

/// The name of a `[[bucket]]` or a `[[workload]]`.
pub(super) const NAME: KeyDef = KeyDef::new("name", Required, "name, unique", Source::None);
const ENCRYPTION: KeyDef = KeyDef::new(
    "encryption",
    Required,
    r#"`"none"` | `"sse-s3"` | `"sse-c"` | `"sse-kms"` | `"dsse-kms"` | `"cse-kms"`"#,
    Source::None,
);
const BUCKET_KEY: KeyDef = KeyDef::new(
    "bucket_key",
    Text("false"),
    "boolean",
    Assumption(NOTE_BUCKET_KEY),
);
/// Special: a made-up key in `kms.region`.
const KMS_KEY: KeyDef = KeyDef::new(
    "kms_key",
    Special(r#"`"arn:aws:kms:<kms.region>:111122223333:key/bksim-default"`"#),
    "KMS key ARN or alias ARN",
    Assumption(NOTE_KMS_KEY),
);
/// Special: `kms.region`. Its provenance is recorded only when the scenario uses several
/// Regions or replication ([`super::regions`]), so single-Region outputs stay as they were.
pub(super) const REGION: KeyDef = KeyDef::new(
    "region",
    Special("`kms.region`"),
    "AWS Region name",
    Assumption(NOTE_BUCKET_REGION),
);
const PREFIXES: KeyDef = KeyDef::new(
    "prefixes",
    Text("1"),
    "integer ≥ 1; at most 100,000 over all buckets",
    Assumption(NOTE_PREFIXES),
);
const EXISTING: KeyDef = KeyDef::new("existing", Special("none"), "table", Source::None);
/// Special: the bucket's `name`.
const S3_NAME: KeyDef = KeyDef::new(
    "s3_name",
    Special("the bucket's `name`"),
    "S3 bucket name, unique",
    Source::None,
);

pub(super) const KEYS: &[KeyDef] = &[
    NAME,
    S3_NAME,
    ENCRYPTION,
    BUCKET_KEY,
    KMS_KEY,
    super::kms_keys::KMS_KEY_CHANGE,
    REGION,
    super::layer::CLIENT_ENCRYPTION,
    super::layer::CLIENT_KMS_KEY,
    PREFIXES,
    EXISTING,
    super::policies::KEY_POLICY,
    super::policies::IAM_POLICIES,
];

const OBJECTS: KeyDef = KeyDef::new("objects", Required, "integer ≥ 1", Source::None);
const WRITTEN_OVER: KeyDef = KeyDef::new("written_over", Required, "duration > 0", Source::None);
const WRITER_SESSIONS: KeyDef = KeyDef::new(
    "writer_sessions",
    Text("1"),
    "integer ≥ 1",
    Assumption(NOTE_WRITER_SESSIONS),
);
/// Special: the bucket's `bucket_key` as the file writes it, before any override.
const EXISTING_BUCKET_KEY: KeyDef = KeyDef::new(
    "bucket_key",
    Special(
        "the bucket's `bucket_key` as written in the file, before variant and `--set` overrides",
    ),
    "boolean",
    Assumption(NOTE_EXISTING_BUCKET_KEY),
);
/// The newest share of the population was written with a bucket key.
const EXISTING_BUCKET_KEY_SHARE: KeyDef = KeyDef::new(
    "bucket_key_share",
    Special("none"),
    "number from 0 to 1",
    Source::None,
);
/// Bucket keys were enabled this long before the run.
const EXISTING_BUCKET_KEY_SINCE: KeyDef = KeyDef::new(
    "bucket_key_since",
    Special("none"),
    "duration ≤ `written_over`",
    Source::None,
);
const EXISTING_SIZE: KeyDef = KeyDef::new(
    "size",
    Text(r#""1MiB""#),
    "object size",
    Assumption(NOTE_EXISTING_SIZE),
);

/// `[bucket.existing]`.
pub(super) const EXISTING_KEYS: &[KeyDef] = &[
    OBJECTS,
    WRITTEN_OVER,
    WRITER_SESSIONS,
    EXISTING_BUCKET_KEY,
    EXISTING_BUCKET_KEY_SHARE,
    EXISTING_BUCKET_KEY_SINCE,
    EXISTING_SIZE,
];

/// Reads the `name` of the `index`-th element of `[[kind]]`, checks it and that it is unique.
pub(super) fn element_name(
    ctx: &Ctx,
    kind: &str,
    name_key: &KeyDef,
    index: usize,
    item: &RawValue,
    seen: &mut HashMap<String, Option<usize>>,
) -> R<String> {
    let tbl = Tbl {
        t: item.as_table().expect("checked by array_of_tables"),
        path: format!("{kind}[{index}]"),
        origin: Some(&item.origin),
    };
    let name = ctx.req_quiet(&tbl, name_key.name, None, identifier)?;
    let line = match &item.origin {
        Origin::File { line, .. } => Some(*line),
        Origin::Override { line, .. } => *line,
    };
    if let Some(first) = seen.get(&name) {
        let v = tbl.get(name_key.name).expect("present");
        let at = first
            .map(|l| format!(" (the first is at line {l})"))
            .unwrap_or_default();
        return Err(ctx.error(
            Some(&v.origin),
            &format!("{kind}.{name}.{}", name_key.name),
            problem(format!("two [[{kind}]] are named '{name}'{at}")),
        ));
    }
    seen.insert(name.clone(), line);
    Ok(name)
}

/// `base` is the document before variant and `--set` overrides: the population's default
/// `bucket_key` is read there (objects written before the run keep their encryption).
/// `regions` gets the Regions the buckets use (`kms.region` first), which each bucket's
/// `region` indexes.
pub(super) fn buckets(
    ctx: &mut Ctx,
    top: &Tbl,
    kms: &KmsConfig,
    base: &RawTable,
    regions: &mut super::regions::BucketRegions,
) -> R<Vec<Bucket>> {
    let items = ctx.array_of_tables(
        top,
        top::BUCKET.name,
        "add a [[bucket]] with a name and an encryption mode",
    )?;
    let mut prefixes_before = 0u64;
    let mut seen = HashMap::new();
    let mut s3_names: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let name = element_name(ctx, top::BUCKET.name, &NAME, i, item, &mut seen)?;
        let t = Tbl {
            t: item.as_table().expect("a table"),
            path: format!("{}.{name}", top::BUCKET.name),
            origin: Some(&item.origin),
        };
        ctx.check_keys(&t, KEYS, |_| None)?;
        let s3_name = ctx.opt(&t, S3_NAME.name, |v| {
            let s = string(v)?;
            s3_name_problem(&s).map_or(Ok(s), |p| Err(problem(p)))
        })?;
        let s3_name = s3_name.unwrap_or_else(|| name.clone());
        if let Some(other) = s3_names.insert(s3_name.clone(), name.clone()) {
            return Err(ctx.error(
                t.get(S3_NAME.name).map(|v| &v.origin).or(t.origin),
                &t.key_path(S3_NAME.name),
                problem(format!(
                    "buckets '{other}' and '{name}' are both the S3 bucket '{s3_name}'"
                )),
            ));
        }
        let encryption = ctx.req(
            &t,
            ENCRYPTION.name,
            Some(&format!("one of {}", Mode::NAMES.join(", "))),
            |v| one_of(v, &Mode::NAMES),
        )?;
        let encryption = Mode::from_name(&encryption).expect("one of Mode::NAMES");
        let asked = ctx.value(&t, &BUCKET_KEY, boolean)?;
        let bucket_key = asked && encryption.supports_bucket_key();
        if asked && !bucket_key {
            ctx.note(match encryption {
                Mode::DsseKms => format!(
                    "S3 Bucket Keys are not supported with DSSE-KMS: bucket_key is ignored for bucket '{name}'"
                ),
                other => format!(
                    "bucket_key has no effect for bucket '{name}': it uses {}, and S3 Bucket Keys apply only to sse-kms",
                    other.name()
                ),
            });
        }
        let layered = super::layer::layered(ctx, &t, &name, encryption)?;
        // A client-side layer uses the bucket's key unless it names its own.
        let uses_kms = encryption.calls_kms() || layered;
        let (region, region_set) = regions.bucket(ctx, &t, &REGION, &kms.region)?;
        let region_name = regions.names[region as usize].clone();
        let default_key = format!("arn:aws:kms:{region_name}:{DEFAULT_ACCOUNT}:key/bksim-default");
        let kms_key = if uses_kms {
            match ctx.opt(&t, KMS_KEY.name, string)? {
                Some(k) => k,
                None => {
                    ctx.record_computed(&t, &KMS_KEY, default_key.clone());
                    default_key
                }
            }
        } else {
            let k = ctx.opt_quiet(&t, KMS_KEY.name, string)?;
            if k.is_some() {
                ctx.note(format!(
                    "kms_key has no effect for bucket '{name}': it uses {}, which makes no KMS calls",
                    encryption.name()
                ));
            }
            k.unwrap_or(default_key)
        };
        match kms_key_region(&kms_key) {
            None => {
                let v = t.get(KMS_KEY.name).expect("the default key is well formed");
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path(KMS_KEY.name),
                    problem(format!("'{kms_key}' is not a KMS key ARN")).hint(
                        "write arn:aws:kms:REGION:ACCOUNT:key/KEY-ID or arn:aws:kms:REGION:ACCOUNT:alias/NAME",
                    ),
                ));
            }
            // S3 requires the key in the bucket's Region (aws-facts §3.9): a bucket whose
            // `region` is written must match its key.
            Some(r) if r != region_name && uses_kms && region_set => {
                let v = t.get(KMS_KEY.name).or(t.get(REGION.name)).expect("set");
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path(KMS_KEY.name),
                    problem(format!(
                        "bucket '{name}' is in {region_name} but its kms_key is in {r}; S3 requires the KMS key in the bucket's Region"
                    ))
                    .hint(format!("use a key ARN in {region_name}, or set the bucket's region to {r}")),
                ));
            }
            Some(r) if r != region_name && uses_kms => ctx.note(format!(
                "bucket '{name}': kms_key is in {r}, not in kms.region {}; S3 requires the key in the bucket's Region, and the simulation charges its calls to kms.region",
                kms.region
            )),
            Some(_) => {}
        }
        let kms_key_change =
            super::kms_keys::key_change(ctx, &t, &name, encryption, &kms_key, &region_name)?;
        let client_layer =
            super::layer::client_layer(ctx, &t, &name, layered, &kms_key, &region_name)?;
        // Only a value set counts against the limit: the default (1) is not checked.
        let given = t.get(PREFIXES.name).is_some();
        let prefixes = ctx.value(&t, &PREFIXES, |v| {
            let n = count_u32(v, "prefixes", 1)?;
            if !given {
                return Ok(n);
            }
            within_total(prefixes_before, n, MAX_PREFIXES, "prefixes", "buckets")
        })?;
        prefixes_before += prefixes as u64;
        let existing = match ctx.sub(&t, EXISTING.name)? {
            None => None,
            Some(e) => {
                ctx.check_keys(&e, EXISTING_KEYS, |_| None)?;
                let objects = ctx.req(&e, OBJECTS.name, Some("e.g. objects = 1000000"), |v| {
                    whole(v, "objects", 1, u64::MAX)
                })?;
                let written_over = ctx.req(
                    &e,
                    WRITTEN_OVER.name,
                    Some("e.g. written_over = \"30d\""),
                    positive_duration,
                )?;
                let writer_sessions =
                    ctx.value(&e, &WRITER_SESSIONS, |v| count_u32(v, "sessions", 1))?;
                let since = existing_bucket_key_since(ctx, &e, base, &name, written_over)?;
                if since > 0 && !encryption.supports_bucket_key() {
                    ctx.note(format!(
                        "existing.bucket_key is ignored for bucket '{name}': S3 Bucket Keys apply only to sse-kms"
                    ));
                }
                let size =
                    ctx.value_with(&e, &EXISTING_SIZE, |ctx, v, path| ctx.size_dist(v, path))?;
                let population = Population {
                    objects,
                    written_over,
                    writer_sessions,
                    bucket_key_since: if encryption.supports_bucket_key() {
                        since
                    } else {
                        0
                    },
                    size,
                };
                if bucket_key && population.without_bucket_key() > 0 {
                    ctx.note(old_objects_note(&name, &population));
                }
                Some(population)
            }
        };
        let history_bucket_key =
            encryption.supports_bucket_key() && written_bucket_key(ctx, base, &name)?;
        let policies = super::policies::bucket_policies(ctx, &t)?;
        if policies.is_some() && !uses_kms {
            ctx.note(format!(
                "bucket '{name}': key_policy has no effect: {} makes no KMS call",
                encryption.name()
            ));
        }
        out.push(Bucket {
            history_bucket_key,
            policies,
            name,
            s3_name,
            encryption,
            bucket_key,
            kms_key,
            kms_key_change,
            prefixes,
            region,
            existing,
            client_layer,
        });
    }
    Ok(out)
}

/// What reads of objects written without a bucket key cost once the bucket uses bucket keys,
/// and how that decays as they are rewritten (the run models it only for copies in place: its
/// PUTs write new keys).
fn old_objects_note(bucket: &str, p: &Population) -> String {
    let old = p.without_bucket_key();
    format!(
        "bucket '{bucket}': {old} of the {} objects already there ({:.1}%) were written without a bucket key; each GET of one costs a Decrypt (object-ARN context) that no cache saves, until the object is rewritten. PUTs of new keys do not rewrite them; a copy in place (op = \"copy\" without from) does. Rewritten at R objects/s spread evenly over the bucket's keys, a share e^(-R·t/{}) of them is left after t seconds",
        p.objects,
        100.0 * old as f64 / p.objects.max(1) as f64,
        p.objects
    )
}

/// How long before the run the population's writers used bucket keys (0: never;
/// `written_over`: always), from whichever of `bucket_key`, `bucket_key_share` and
/// `bucket_key_since` is set (at most one may be), else from the bucket's `bucket_key` in the
/// base document: a variant or `--set` that turns bucket keys on changes the run's writes, not
/// the history of the objects already there.
fn existing_bucket_key_since(
    ctx: &mut Ctx,
    e: &Tbl,
    base: &RawTable,
    bucket: &str,
    written_over: Nanos,
) -> R<Nanos> {
    let set: Vec<&str> = [
        &EXISTING_BUCKET_KEY,
        &EXISTING_BUCKET_KEY_SHARE,
        &EXISTING_BUCKET_KEY_SINCE,
    ]
    .iter()
    .map(|k| k.name)
    .filter(|k| e.get(k).is_some())
    .collect();
    if let [first, second, ..] = set.as_slice() {
        let v = e.get(second).expect("present");
        return Err(ctx.error(
            Some(&v.origin),
            &e.key_path(second),
            problem(format!(
                "existing.{first} and existing.{second} both say which objects were written with a bucket key"
            ))
            .hint("set only one of bucket_key, bucket_key_share and bucket_key_since"),
        ));
    }
    if let Some(all) = ctx.opt(e, EXISTING_BUCKET_KEY.name, boolean)? {
        return Ok(if all { written_over } else { 0 });
    }
    if let Some(share) = ctx.opt(e, EXISTING_BUCKET_KEY_SHARE.name, |v| {
        let x = number(v, "objects")?;
        if x > 1.0 {
            return Err(
                problem(format!("expected a share from 0 to 1, found {}", found(v)))
                    .hint("0.3 means the newest 30% of the objects were written with a bucket key"),
            );
        }
        Ok(x)
    })? {
        return Ok((share * written_over as f64).round() as Nanos);
    }
    if let Some(since) = ctx.opt(e, EXISTING_BUCKET_KEY_SINCE.name, |v| {
        let d = duration(v)?;
        if d > written_over {
            return Err(problem(format!(
                "bucket_key_since ({}) is longer than written_over ({}): every object would have a bucket key",
                v.to_display(),
                super::super::units::format_duration(written_over)
            ))
            .hint("write existing.bucket_key = true instead"));
        }
        Ok(d)
    })? {
        return Ok(since);
    }
    let written = written_bucket_key(ctx, base, bucket)?;
    ctx.record_computed(e, &EXISTING_BUCKET_KEY, written.to_string());
    Ok(if written { written_over } else { 0 })
}

/// The `bucket_key` the base document gives bucket `name` (its default when it gives none, or
/// when the bucket is not in the base document at all, e.g. added by an override).
fn written_bucket_key(ctx: &Ctx, base: &RawTable, name: &str) -> R<bool> {
    let value = base
        .get(top::BUCKET.name)
        .and_then(|b| match &b.value.kind {
            RawKind::Array(items) => items.iter().find_map(|item| {
                let t = item.as_table()?;
                (t.get(NAME.name)?.value.as_str()? == name).then_some(t)
            }),
            _ => None,
        })
        .and_then(|t| t.get(BUCKET_KEY.name));
    match value {
        None => Ok(false),
        Some(entry) => boolean(&entry.value).map_err(|p| {
            ctx.error(
                Some(&entry.value.origin),
                &format!("{}.{name}.{}", top::BUCKET.name, BUCKET_KEY.name),
                p,
            )
        }),
    }
}

/// What is wrong with `s` as the name of an S3 bucket in a log, if anything. Lenient: legacy
/// bucket names may hold capitals and underscores; only what no log can hold is refused.
pub(super) fn s3_name_problem(s: &str) -> Option<String> {
    if s.is_empty() || s.len() > 255 {
        return Some(format!(
            "an S3 bucket name has 1 to 255 characters, '{s}' has {}",
            s.len()
        ));
    }
    s.chars()
        .find(|c| c.is_whitespace() || c.is_control() || *c == '/')
        .map(|c| format!("an S3 bucket name holds no {c:?} ('{}')", s.escape_debug()))
}

/// `true` when `s` looks like a KMS key ARN or alias ARN; returns its Region.
pub(super) fn kms_key_region(s: &str) -> Option<&str> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    let ok = *arn == "arn"
        && matches!(*partition, "aws" | "aws-cn" | "aws-us-gov")
        && *service == "kms"
        && is_region_name(region)
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && (resource
            .strip_prefix("key/")
            .or_else(|| resource.strip_prefix("alias/"))
            .is_some_and(|id| {
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_/".contains(c))
            }));
    ok.then_some(*region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kms_key_arns() {
        assert_eq!(
            kms_key_region(
                "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            ),
            Some("eu-west-1")
        );
        assert_eq!(
            kms_key_region("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/app/logs"),
            Some("us-gov-west-1")
        );
        for bad in [
            "alias/logs",
            "arn:aws:s3:::bucket",
            "arn:aws:kms:eu-west-1:1111:key/k",
            "arn:aws:kms:nowhere:111122223333:key/k",
            "arn:aws:kms:eu-west-1:111122223333:key/",
            "arn:aws:kms:eu-west-1:111122223333:grant/k",
        ] {
            assert_eq!(kms_key_region(bad), None, "{bad}");
        }
    }
}
