//! `[s3]`: the S3 front end (hosts, bucket-key lifetime, latency, per-prefix rates,
//! multipart, transfer rate).

use super::super::model::*;
use super::super::presets::*;
use super::super::raw::RawKind;
use super::super::units::{self, format_size};
use super::ctx::{Ctx, R, Tbl, problem};
use super::keys::{Assumption, Fact, KeyDef, Text};
use super::top;
use super::values::{
    MAX_PART, MIN_PART, boolean, count_u32, positive_duration, positive_number, size, whole,
};

const FRONTEND_HOSTS: KeyDef = KeyDef::new(
    "frontend_hosts",
    Text("100"),
    "integer ≥ 1",
    Assumption(NOTE_FRONTEND_HOSTS),
);
const BUCKET_KEY_TTL: KeyDef = KeyDef::new(
    "bucket_key_ttl",
    Text(r#""5m""#),
    "duration > 0",
    Assumption(NOTE_BUCKET_KEY_TTL),
);
const LATENCY: KeyDef = KeyDef::new(
    "latency",
    Text(r#"{ median = "20ms", p99 = "120ms" }"#),
    "latency",
    Assumption(NOTE_S3_LATENCY),
);
const PREFIX_PUT_RPS: KeyDef = KeyDef::new(
    "prefix_put_rps",
    Text("3500"),
    "integer ≥ 0",
    Fact(REF_PREFIX_RATES),
);
const PREFIX_GET_RPS: KeyDef = KeyDef::new(
    "prefix_get_rps",
    Text("5500"),
    "integer ≥ 0",
    Fact(REF_PREFIX_RATES),
);
const SINGLE_FLIGHT: KeyDef = KeyDef::new(
    "single_flight",
    Text("true"),
    "boolean",
    Assumption(NOTE_SINGLE_FLIGHT),
);
const MULTIPART_THRESHOLD: KeyDef = KeyDef::new(
    "multipart_threshold",
    Text(r#""8MiB""#),
    "size > 0",
    Assumption(NOTE_MULTIPART_THRESHOLD),
);
const MULTIPART_PART_SIZE: KeyDef = KeyDef::new(
    "multipart_part_size",
    Text(r#""8MiB""#),
    "size, 5MiB..5GiB",
    Assumption(NOTE_PART_SIZE),
);
const TRANSFER_RATE: KeyDef = KeyDef::new(
    "transfer_rate",
    Text(r#""unlimited""#),
    r#"`"unlimited"` or a rate (`"100MiB/s"`, or a number of bytes/s)"#,
    Assumption(NOTE_TRANSFER_RATE),
);

/// Recorded when set, or (default) when a bucket uses dsse-kms: see [`dsse_default`].
const DSSE_KMS_CALLS_PER_OBJECT: KeyDef = KeyDef::new(
    "dsse_kms_calls_per_object",
    Text("1"),
    "integer 1..16",
    Assumption(NOTE_DSSE_KMS_CALLS),
);

pub(super) const KEYS: &[KeyDef] = &[
    FRONTEND_HOSTS,
    BUCKET_KEY_TTL,
    LATENCY,
    PREFIX_PUT_RPS,
    PREFIX_GET_RPS,
    SINGLE_FLIGHT,
    MULTIPART_THRESHOLD,
    MULTIPART_PART_SIZE,
    TRANSFER_RATE,
    DSSE_KMS_CALLS_PER_OBJECT,
];

pub(super) fn s3_config(ctx: &mut Ctx, top: &Tbl) -> R<S3Config> {
    let t = ctx.sub_or_empty(top, top::S3.name)?;
    ctx.check_keys(&t, KEYS, |_| None)?;
    let frontend_hosts = ctx.value(&t, &FRONTEND_HOSTS, |v| count_u32(v, "hosts", 1))?;
    let bucket_key_ttl = ctx.value(&t, &BUCKET_KEY_TTL, positive_duration)?;
    let latency = ctx.value_with(&t, &LATENCY, |ctx, v, path| ctx.latency(v, path))?;
    let prefix_put_rps = ctx.value(&t, &PREFIX_PUT_RPS, |v| {
        whole(v, "requests per second", 0, u64::MAX)
    })?;
    let prefix_get_rps = ctx.value(&t, &PREFIX_GET_RPS, |v| {
        whole(v, "requests per second", 0, u64::MAX)
    })?;
    let single_flight = ctx.value(&t, &SINGLE_FLIGHT, boolean)?;
    let multipart_threshold = ctx.value(&t, &MULTIPART_THRESHOLD, |v| {
        let s = size(v)?;
        if s == 0 {
            return Err(problem("must be greater than 0"));
        }
        Ok(s)
    })?;
    let multipart_part_size = ctx.value(&t, &MULTIPART_PART_SIZE, |v| {
        let s = size(v)?;
        if s < MIN_PART {
            return Err(problem(format!(
                "{} is below S3's minimum part size of 5MiB",
                format_size(s)
            )));
        }
        if s > MAX_PART {
            return Err(problem(format!(
                "{} is above S3's maximum part size of 5GiB",
                format_size(s)
            )));
        }
        Ok(s)
    })?;
    let transfer_rate = ctx.value(&t, &TRANSFER_RATE, |v| match &v.kind {
        RawKind::String(s) => Ok(units::parse_byte_rate(s)?),
        _ => Ok(Some(positive_number(v, "bytes per second")?)),
    })?;
    let dsse_kms_calls_per_object = ctx
        .opt(&t, DSSE_KMS_CALLS_PER_OBJECT.name, |v| {
            whole(v, "calls", 1, 16).map(|n| n as u32)
        })?
        .unwrap_or(1);
    Ok(S3Config {
        dsse_kms_calls_per_object,
        frontend_hosts,
        bucket_key_ttl,
        latency,
        prefix_put_rps,
        prefix_get_rps,
        single_flight,
        multipart_threshold,
        multipart_part_size,
        transfer_rate,
    })
}

/// Records `s3.dsse_kms_calls_per_object`'s default when a bucket uses dsse-kms and the key
/// is not set (other scenarios' provenance stays as it was).
pub(super) fn dsse_default(ctx: &mut Ctx, top: &Tbl, buckets: &[Bucket]) -> R<()> {
    let t = ctx.sub_or_empty(top, top::S3.name)?;
    if t.get(DSSE_KMS_CALLS_PER_OBJECT.name).is_none()
        && buckets
            .iter()
            .any(|b| b.encryption == crate::mode::Mode::DsseKms)
    {
        ctx.record_default(
            t.key_path(DSSE_KMS_CALLS_PER_OBJECT.name),
            "1",
            super::ctx::assume(NOTE_DSSE_KMS_CALLS),
        );
    }
    Ok(())
}
