//! Planned HEAD requests: a workload's `op = "head"` (HEADs only, counted with the "other"
//! requests) and `head_before_get` (a HEAD, then the GET, in one request of the same
//! session, as SDK downloads do). A HEAD is `Phase::Head`: GET class at the prefix limiter,
//! no KMS call (`front_end.rs`), nothing moved (`multipart.rs`).

use super::Simulation;
use super::request::{Phase, Request};
use crate::engine::time::Nanos;
use crate::metrics::collector::Collector;
use crate::scenario::HeadCall;

/// The first call of a planned read, and whether the request is counted with the "other"
/// requests (a HEAD-only workload's).
#[inline]
pub(super) fn first_call(head: HeadCall) -> (Phase, bool) {
    match head {
        HeadCall::None => (Phase::Get, false),
        HeadCall::Only => (Phase::Head, true),
        HeadCall::BeforeGet => (Phase::Head, false),
    }
}

/// Counts a planned request's arrival: a GET, a PUT, a HEAD, or a HEAD and the GET after it.
#[inline]
pub(super) fn arrived(m: &mut Collector, now: Nanos, get: bool, head: HeadCall) {
    if head != HeadCall::Only {
        m.arrived(now, get);
    }
    if get && head != HeadCall::None {
        m.arrived_other(now);
    }
}

/// A planned HEAD succeeded: a `head_before_get` read counts it and goes on to its GET (with
/// its own retry count); a HEAD-only request is over.
#[inline]
pub(super) fn after_head(m: &mut Collector, r: &mut Request) -> Option<Phase> {
    if r.other {
        return None;
    }
    m.finished_other(r.first_send, true, r.retries);
    r.retries = 0;
    Some(Phase::Get)
}

/// A planned request is over (`ok` or failed): counts a HEAD still under way with the "other"
/// requests, and returns the retries to count the GET or PUT with, or None when there is no
/// GET to count (a HEAD-only request). A download whose HEAD failed fails with no GET retry.
#[inline]
pub(super) fn finished(m: &mut Collector, r: &Request, ok: bool) -> Option<u32> {
    if r.phase != Phase::Head {
        return Some(r.retries);
    }
    m.finished_other(r.first_send, ok, r.retries);
    (!r.other).then_some(0)
}

impl Simulation<'_> {
    /// Counts the requests still in the slab when the run stopped at its drain limit.
    pub(super) fn count_unfinished(&mut self) {
        for r in self.reqs.in_flight() {
            if r.other {
                self.m.unfinished_other(r.first_send);
            } else {
                if r.phase == Phase::Head {
                    self.m.unfinished_other(r.first_send); // a HEAD before a GET
                }
                // A copy (planned or replayed) reading its source is a write.
                let copying = self.workloads[r.workload as usize].copy.is_some() || r.replay;
                let copy = copying && r.phase == Phase::CopyRead;
                self.m.unfinished(r.first_send, r.get && !copy);
            }
        }
    }
}
