//! `[[workload]]`: a workload's bucket, operation, sessions, object sizes and what its GETs
//! read (its arrival process is in `arrival.rs`).

use std::collections::HashMap;

use super::super::error::did_you_mean;
use super::super::model::*;
use super::super::presets::*;
use super::super::units::format_size;
use super::arrival;
use super::bucket::{NAME, element_name};
use super::copy;
use super::ctx::{Ctx, P, Problem, R, Tbl, problem};
use super::keys::{Assumption, KeyDef, Required, Source, Special, Text};
use super::kms_keys;
use super::top;
use super::trace;
use super::values::{MAX_PARTS, MAX_SESSIONS, count_u32, one_of, string, within_total};
use super::workload_links::{self as links, AFTER, OBJECTS, REQUESTS, SESSIONS_OF};

const BUCKET: KeyDef = KeyDef::new("bucket", Required, "a bucket's name", Source::None);
const OP: KeyDef = KeyDef::new(
    "op",
    Required,
    r#"`"put"` | `"get"` | `"head"` | `"copy"`"#,
    Source::None,
);
/// Get workloads only.
const HEAD_BEFORE_GET: KeyDef = KeyDef::new(
    "head_before_get",
    Text("false"),
    "boolean",
    Assumption(NOTE_HEAD_BEFORE_GET),
);
const ARRIVAL: KeyDef = KeyDef::new("arrival", Required, "table", Source::None);
const SESSIONS: KeyDef = KeyDef::new(
    "sessions",
    Text("1"),
    "integer ≥ 1; at most 100,000 over all workloads",
    Assumption(NOTE_SESSIONS),
);
/// Used and recorded for PUTs only.
const SIZE: KeyDef = KeyDef::new(
    "size",
    Text(r#""256KiB""#),
    "object size",
    Assumption(NOTE_SIZE),
);
/// Special: depends on the bucket (GET workloads only).
const READ_FROM: KeyDef = KeyDef::new(
    "read_from",
    Special(r#"`"existing"` if the bucket has `existing`, else `"written"`"#),
    r#"`"existing"` | `"written"` | a put workload's name"#,
    Assumption(NOTE_READ_FROM),
);

pub(super) const KEYS: &[KeyDef] = &[
    NAME,
    BUCKET,
    OP,
    ARRIVAL,
    SESSIONS,
    SIZE,
    READ_FROM,
    HEAD_BEFORE_GET,
    REQUESTS,
    AFTER,
    SESSIONS_OF,
    OBJECTS,
    kms_keys::WORKLOAD_KMS_KEY,
    kms_keys::WORKLOAD_BUCKET_KEY,
    super::layer::WORKLOAD_CLIENT_ENCRYPTION,
    super::layer::WORKLOAD_CLIENT_KMS_KEY,
    copy::FROM,
    super::policies::PRINCIPAL,
];

pub(super) fn workloads(
    ctx: &mut Ctx,
    top: &Tbl,
    buckets: &[Bucket],
    s3: &S3Config,
    region: &str,
    replicated: &[usize],
) -> R<(Vec<Workload>, Vec<TraceWorkload>)> {
    let items = ctx.array_of_tables(
        top,
        top::WORKLOAD.name,
        "add a [[workload]] with a name, a bucket, an op and an arrival",
    )?;
    let mut sessions_before = 0u64;
    let mut clients_before = 0u64;
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    // (workload index, table) of GET workloads, whose read_from needs every workload first.
    let mut gets = Vec::new();
    let mut traces = Vec::new();
    // Every workload's table, for the keys that name another workload.
    let mut tables = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let name = element_name(ctx, top::WORKLOAD.name, &NAME, i, item, &mut seen)?;
        let t = Tbl {
            t: item.as_table().expect("a table"),
            path: format!("{}.{name}", top::WORKLOAD.name),
            origin: Some(&item.origin),
        };
        if t.get(trace::TRACE.name).is_some() {
            traces.push(trace::trace_workload(ctx, &t, name)?);
            continue;
        }
        ctx.check_keys(&t, KEYS, |_| None)?;
        let known: Vec<&str> = buckets.iter().map(|b| b.name.as_str()).collect();
        let bucket = ctx.req(&t, BUCKET.name, Some("the name of a [[bucket]]"), |v| {
            let s = string(v)?;
            known.iter().position(|b| *b == s).ok_or_else(|| Problem {
                msg: format!("no [[bucket]] named '{s}' (known: {})", known.join(", ")),
                hint: did_you_mean(&s, known.iter().copied()),
            })
        })?;
        let op = ctx.req(
            &t,
            OP.name,
            Some("\"put\", \"get\", \"head\" or \"copy\""),
            |v| one_of(v, &["put", "get", "head", "copy"]),
        )?;
        let (op, head) = super::head::op(ctx, &t, &op, &HEAD_BEFORE_GET)?;
        let copy_from = copy::from(ctx, &t, op, &name, bucket, buckets)?;
        let arrival = arrival::arrival(ctx, &t, &ARRIVAL, clients_before)?;
        if let Arrival::Closed { concurrency, .. } = arrival {
            clients_before += concurrency as u64;
        }
        let requests = links::requests(ctx, &t)?;
        // Only a value set counts against the limit: the default (1) is not checked.
        let given = t.get(SESSIONS.name).is_some();
        let sessions = if t.get(SESSIONS_OF.name).is_some() {
            // It has no sessions of its own (resolved by `links::links`).
            if let Some(v) = t.get(SESSIONS.name) {
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path(SESSIONS.name),
                    problem(format!(
                        "`sessions` cannot be set with `sessions_of`: workload '{name}' sends from another workload's sessions"
                    ))
                    .hint("remove `sessions` here (the owner's `sessions` says how many there are)"),
                ));
            }
            0
        } else {
            ctx.value(&t, &SESSIONS, |v| {
                let n = count_u32(v, "sessions", 1)?;
                if !given {
                    return Ok(n);
                }
                within_total(sessions_before, n, MAX_SESSIONS, "sessions", "workloads")
            })?
        };
        sessions_before += sessions as u64;
        let size = if op == Op::Put {
            ctx.value_with(&t, &SIZE, |ctx, v, path| ctx.size_dist(v, path))?
        } else {
            // GETs (and copies) read objects at the size they were written: a size set is
            // checked, noted and not recorded.
            let default = SIZE.default_value();
            let given = t.get(SIZE.name);
            let s = ctx.size_dist(given.unwrap_or(&default), &t.key_path(SIZE.name))?;
            if given.is_some() {
                ctx.note(format!(
                    "workload '{name}': size has no effect on a {} workload (GETs read objects at the size they were written)",
                    op.as_str()
                ));
            }
            s
        };
        for key in [&READ_FROM, &OBJECTS] {
            if op == Op::Put
                && let Some(v) = t.get(key.name)
            {
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path(key.name),
                    problem(format!("{} applies only to get workloads", key.name)),
                ));
            }
        }
        if let SizeDist::Fixed(bytes) = size
            && op == Op::Put
            && bytes >= s3.multipart_threshold
        {
            let parts = bytes.div_ceil(s3.multipart_part_size);
            if parts > MAX_PARTS {
                return Err(ctx.error(
                    t.get(SIZE.name).map(|v| &v.origin).or(t.origin),
                    &t.key_path(SIZE.name),
                    problem(format!(
                        "{} in parts of {} is {parts} parts; S3 allows at most 10,000 per upload",
                        format_size(bytes),
                        format_size(s3.multipart_part_size)
                    ))
                    .hint("raise s3.multipart_part_size"),
                ));
            }
        }
        let (kms_key, bucket_key) =
            kms_keys::workload_keys(ctx, &t, &name, op, &buckets[bucket], region)?;
        let account = crate::scenario::arn_account(&buckets[bucket].kms_key);
        let checked = buckets.iter().any(|b| b.policies.is_some());
        let principal = super::policies::principal(ctx, &t, &name, account, checked)?;
        let client_layer =
            super::layer::workload_layer(ctx, &t, &name, op, &buckets[bucket], region)?;
        if op != Op::Put {
            gets.push((out.len(), t.clone()));
        }
        tables.push(t);
        out.push(Workload {
            name,
            bucket,
            op,
            arrival,
            sessions,
            size,
            read_from: ReadFrom::Written,
            requests,
            after: None,
            sessions_of: None,
            head,
            kms_key,
            bucket_key,
            copy_from,
            principal,
            client_layer,
        });
    }
    links::links(ctx, &tables, &mut out)?;
    let names: Vec<String> = out.iter().map(|w| w.name.clone()).collect();
    for (w, t) in gets {
        // A copy reads its source bucket.
        let source = out[w].copy_from.unwrap_or(out[w].bucket);
        let bucket = &buckets[source];
        let has_existing = bucket.existing.is_some();
        // Replication writes its destination buckets too.
        let writers = out.iter().any(|x| x.op == Op::Put && x.bucket == source)
            || replicated.contains(&source);
        let read_from = match ctx.opt(&t, READ_FROM.name, |v| read_from(v, &names))? {
            Some(r) => r,
            None => {
                let r = if has_existing { "existing" } else { "written" };
                ctx.record_computed(&t, &READ_FROM, r);
                r.to_string()
            }
        };
        let origin = t.get(READ_FROM.name).map(|v| &v.origin).or(t.origin);
        if let Some(writer) = names.iter().position(|n| *n == read_from)
            && read_from != "existing"
            && read_from != "written"
        {
            if out[w].op == Op::Copy {
                return Err(copy::refuse_workload_source(ctx, &t, &out[w]));
            }
            out[w].read_from = links::read_from_workload(ctx, &t, &out, w, writer, buckets)?;
            continue;
        }
        if let Some(v) = t.get(OBJECTS.name) {
            return Err(ctx.error(
                Some(&v.origin),
                &t.key_path(OBJECTS.name),
                problem(format!(
                    "objects applies only when read_from names a put workload (here it is \"{read_from}\")"
                ))
                .hint("set read_from to the name of the put workload whose objects are read"),
            ));
        }
        if read_from == "existing" {
            if !has_existing {
                return Err(ctx.error(
                    origin,
                    &t.key_path(READ_FROM.name),
                    problem(format!(
                        "{} workload '{}' reads existing objects, but bucket '{}' has no `existing` population",
                        out[w].op.as_str(), out[w].name, bucket.name
                    ))
                    .hint(format!("add [bucket.existing] (objects, written_over) to bucket '{}'", bucket.name)),
                ));
            }
            out[w].read_from = ReadFrom::Existing;
            if out[w].op == Op::Copy {
                copy::job_note(ctx, &out[w], buckets);
            }
        } else {
            if !writers {
                return Err(ctx.error(
                    origin,
                    &t.key_path(READ_FROM.name),
                    problem(format!(
                        "{} workload '{}' reads objects written in this run, but no put workload writes to bucket '{}'",
                        out[w].op.as_str(), out[w].name, bucket.name
                    ))
                    .hint(format!(
                        "add a put workload on bucket '{}', or an `existing` population to read",
                        bucket.name
                    )),
                ));
            }
            out[w].read_from = ReadFrom::Written;
        }
    }
    Ok((out, traces))
}

/// `read_from`: `"existing"`, `"written"` (these two win over workloads of those names) or a
/// workload's name.
fn read_from(v: &super::super::raw::RawValue, names: &[String]) -> P<String> {
    let s = string(v)?;
    if s == "existing" || s == "written" || names.contains(&s) {
        return Ok(s);
    }
    let all = ["existing", "written"]
        .into_iter()
        .chain(names.iter().map(String::as_str));
    Err(Problem {
        msg: format!(
            "expected \"existing\", \"written\" or a put workload's name, found {}",
            super::values::found(v)
        ),
        hint: did_you_mean(&s, all),
    })
}
