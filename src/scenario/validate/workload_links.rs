//! `[[workload]]` keys that make a workload finite and link it to others: `requests` (it stops
//! after that many), `after` (it starts when another has ended), `sessions_of` (it sends from
//! another's sessions) and `read_from` naming a put workload, with the `objects` it reads.

use super::super::error::did_you_mean;
use super::super::model::*;
use super::super::presets::*;
use super::ctx::{Ctx, P, Problem, R, Tbl, problem};
use super::keys::{Assumption, KeyDef, Special};
use super::values::{found, string, whole};

pub(super) const REQUESTS: KeyDef = KeyDef::new(
    "requests",
    Special("unlimited"),
    "integer 1 to 1,000,000,000",
    Assumption(NOTE_REQUESTS),
);
pub(super) const AFTER: KeyDef = KeyDef::new(
    "after",
    Special("none (starts at time 0)"),
    "a workload's name (one with `requests`)",
    Assumption(NOTE_AFTER),
);
pub(super) const SESSIONS_OF: KeyDef = KeyDef::new(
    "sessions_of",
    Special("none (sessions of its own)"),
    "a workload's name",
    Assumption(NOTE_SESSIONS_OF),
);
/// GET workloads whose `read_from` names a put workload only.
pub(super) const OBJECTS: KeyDef = KeyDef::new(
    "objects",
    Special("every object it wrote (`requests` ≤ 1,000,000 needed)"),
    r#"`"A..B"`, 1 ≤ A ≤ B ≤ 1,000,000"#,
    Assumption(NOTE_OBJECTS),
);

/// The most requests a finite workload may offer.
pub(crate) const MAX_REQUESTS: u64 = 1_000_000_000;
/// The last position `objects` may name: the run keeps every object of the range.
pub(crate) const MAX_READ_POSITION: u64 = 1_000_000;

/// `requests`, when set.
pub(super) fn requests(ctx: &mut Ctx, t: &Tbl) -> R<Option<u64>> {
    ctx.opt(t, REQUESTS.name, |v| {
        whole(v, "requests", 1, MAX_REQUESTS).map_err(|p| {
            p.hint("a workload without `requests` sends for the whole run; at most 1,000,000,000")
        })
    })
}

/// The index of the workload `v` names, with a "did you mean" over `names`.
fn workload_named(v: &super::super::raw::RawValue, names: &[&str]) -> P<usize> {
    let s = string(v)?;
    names.iter().position(|n| *n == s).ok_or_else(|| Problem {
        msg: format!("no [[workload]] named '{s}' (known: {})", names.join(", ")),
        hint: did_you_mean(&s, names.iter().copied()),
    })
}

/// The chain `start → next(start) → ...`, or the cycle it runs into ("a → b → a").
fn cycle(start: usize, next: &[Option<usize>], names: &[&str]) -> Option<String> {
    let mut path = vec![start];
    let mut at = start;
    while let Some(n) = next[at] {
        if let Some(i) = path.iter().position(|&p| p == n) {
            let mut c: Vec<&str> = path[i..].iter().map(|&p| names[p]).collect();
            c.push(names[n]);
            return Some(c.join(" → "));
        }
        path.push(n);
        at = n;
    }
    None
}

/// Resolves `after` and `sessions_of` of every workload (`tables[i]` is workload `i`'s
/// table): names must exist, chains must not loop, `after` must name a finite workload, and
/// `sessions_of` resolves to the workload that owns the sessions.
pub(super) fn links(ctx: &mut Ctx, tables: &[Tbl], out: &mut [Workload]) -> R<()> {
    let names: Vec<String> = out.iter().map(|w| w.name.clone()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    for key in [&AFTER, &SESSIONS_OF] {
        let mut next = vec![None; out.len()];
        for (i, t) in tables.iter().enumerate() {
            next[i] = ctx.opt(t, key.name, |v| workload_named(v, &names))?;
        }
        for (i, t) in tables.iter().enumerate() {
            let Some(n) = next[i] else { continue };
            let origin = t.get(key.name).map(|v| &v.origin);
            if let Some(c) = cycle(i, &next, &names) {
                let what = if key.name == AFTER.name {
                    "starts after"
                } else {
                    "sends from the sessions of"
                };
                return Err(ctx.error(
                    origin,
                    &t.key_path(key.name),
                    problem(format!("a cycle of `{}`: {c}", key.name)).hint(format!(
                        "each workload {what} the next one in the cycle; one of them must not"
                    )),
                ));
            }
            if key.name == AFTER.name {
                if out[n].requests.is_none() {
                    return Err(ctx.error(
                        origin,
                        &t.key_path(key.name),
                        problem(format!(
                            "workload '{}' never ends: it has no `requests`",
                            names[n]
                        ))
                        .hint(format!(
                            "set `requests` on workload '{}' (a workload ends when the last of its requests has finished)",
                            names[n]
                        )),
                    ));
                }
                out[i].after = Some(n);
            } else {
                let mut root = n;
                while let Some(r) = next[root] {
                    root = r;
                }
                out[i].sessions_of = Some(root);
                out[i].sessions = 0;
            }
        }
    }
    Ok(())
}

/// `objects = "A..B"`: 1-based, inclusive positions, B ≤ [`MAX_READ_POSITION`].
fn range(v: &super::super::raw::RawValue) -> P<(u64, u64)> {
    let hint = r#"write it as "2..10": the second to the tenth object written, in the order the PUTs completed"#;
    let s = string(v)?;
    let parsed = s.split_once("..").and_then(|(a, b)| {
        let a = a.trim().parse::<u64>().ok()?;
        let b = b.trim().parse::<u64>().ok()?;
        Some((a, b))
    });
    let Some((a, b)) = parsed else {
        return Err(problem(format!("expected a range \"A..B\", found {}", found(v))).hint(hint));
    };
    if a == 0 {
        return Err(problem("positions start at 1, found 0").hint(hint));
    }
    if b < a {
        return Err(problem(format!("the range {a}..{b} is empty (end before start)")).hint(hint));
    }
    if b > MAX_READ_POSITION {
        return Err(
            problem(format!("the range may end at 1,000,000 at most, found {b}"))
                .hint("the run keeps every object of the range; read a smaller one"),
        );
    }
    Ok((a, b))
}

/// `read_from` naming put workload `writer` for get workload `reader`: the positions read.
pub(super) fn read_from_workload(
    ctx: &mut Ctx,
    t: &Tbl,
    out: &[Workload],
    reader: usize,
    writer: usize,
    buckets: &[Bucket],
) -> R<ReadFrom> {
    let rf_key = t.key_path("read_from");
    let rf_origin = t.get("read_from").map(|v| &v.origin);
    let (r, w) = (&out[reader], &out[writer]);
    if w.op != Op::Put {
        return Err(ctx.error(
            rf_origin,
            &rf_key,
            problem(format!(
                "workload '{}' is a {} workload: `read_from` may name a put workload only",
                w.name,
                w.op.as_str()
            )),
        ));
    }
    if w.bucket != r.bucket {
        return Err(ctx.error(
            rf_origin,
            &rf_key,
            problem(format!(
                "workload '{}' writes to bucket '{}', not to '{}' which '{}' reads",
                w.name, buckets[w.bucket].name, buckets[r.bucket].name, r.name
            ))
            .hint("read from a put workload on the same bucket"),
        ));
    }
    let (first, last) = match ctx.opt(t, OBJECTS.name, range)? {
        Some((a, b)) => {
            if let Some(n) = w.requests
                && b > n
            {
                return Err(ctx.error(
                    t.get(OBJECTS.name).map(|v| &v.origin),
                    &t.key_path(OBJECTS.name),
                    problem(format!(
                        "the range {a}..{b} goes past what workload '{}' writes: at most {n} objects (requests = {n})",
                        w.name
                    ))
                    .hint(format!("end the range at {n} or before")),
                ));
            }
            (a, b)
        }
        None => match w.requests {
            Some(n) if n <= MAX_READ_POSITION => {
                ctx.record_computed(t, &OBJECTS, format!("1..{n}"));
                (1, n)
            }
            n => {
                let why = match n {
                    None => "it has no `requests`".to_string(),
                    Some(n) => format!("requests = {n}, above 1,000,000"),
                };
                return Err(ctx.error(
                    rf_origin,
                    &rf_key,
                    problem(format!(
                        "reading every object workload '{}' writes would keep them all: {why}",
                        w.name
                    ))
                    .hint(format!(
                        "add `objects = \"1..N\"` (N ≤ 1,000,000) to read some of them, or set `requests` ≤ 1,000,000 on workload '{}'",
                        w.name
                    )),
                ));
            }
        },
    };
    Ok(ReadFrom::Workload {
        writer,
        first,
        last,
    })
}
