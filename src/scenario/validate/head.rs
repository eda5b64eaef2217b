//! HEAD requests of planned workloads: `op = "head"` and a get workload's `head_before_get`.

use super::super::model::{HeadCall, Op};
use super::ctx::{Ctx, R, Tbl, problem};
use super::keys::KeyDef;
use super::values::boolean;

/// A workload's operation and its HEAD requests, from `op` (already checked to be "put",
/// "get" or "head") and `head_before_get` (get workloads only).
pub(super) fn op(ctx: &mut Ctx, t: &Tbl, op: &str, before: &KeyDef) -> R<(Op, HeadCall)> {
    let (op, only) = match op {
        "put" => (Op::Put, false),
        "copy" => (Op::Copy, false),
        "head" => (Op::Get, true),
        _ => (Op::Get, false),
    };
    if op == Op::Get && !only {
        // Recorded only when set: a get workload's provenance stays as it was.
        let b = ctx.opt(t, before.name, boolean)?.unwrap_or(false);
        return Ok((
            op,
            if b {
                HeadCall::BeforeGet
            } else {
                HeadCall::None
            },
        ));
    }
    if let Some(v) = t.get(before.name) {
        return Err(ctx.error(
            Some(&v.origin),
            &t.key_path(before.name),
            problem(format!(
                "{} applies only to get workloads (op = \"get\")",
                before.name
            )),
        ));
    }
    Ok((op, if only { HeadCall::Only } else { HeadCall::None }))
}
