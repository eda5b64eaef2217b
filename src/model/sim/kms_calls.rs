//! KMS as the simulation calls it: every call (from S3 or from a client) goes through
//! [`KmsCalls::call`], which first lets the background traffic catch up and then measures the
//! call; new data keys and bucket keys get their ids here.

use super::super::kms::Kms;
use super::policy_gate::PolicyGate;
use super::trail::{Subject, Trail};
use crate::engine::time::Nanos;
use crate::metrics::collector::{Collector, Context, KmsOpKind};

pub(super) struct KmsCalls {
    pub(super) kms: Kms,
    next_key_id: u64,
    /// Every call as a CloudTrail record (`--cloudtrail`).
    pub(super) trail: Option<Trail>,
    /// The buckets' policies, when some bucket has them.
    pub(super) gate: Option<PolicyGate>,
    /// Whether the last call that failed was denied (rather than throttled).
    denied: bool,
}

impl KmsCalls {
    pub(super) fn new(kms: Kms, gate: Option<PolicyGate>) -> KmsCalls {
        KmsCalls {
            kms,
            next_key_id: 1,
            trail: None,
            gate,
            denied: false,
        }
    }

    /// A KMS call at `now` for the request that arrived at `first_send`, about `about`:
    /// whether it is served, and when its answer arrives.
    #[inline]
    pub(super) fn call(
        &mut self,
        m: &mut Collector,
        now: Nanos,
        first_send: Nanos,
        op: KmsOpKind,
        ctx: Context,
        about: Subject,
    ) -> (bool, Nanos) {
        self.kms
            .catch_up_background(now, |b| m.background_call(b.at, b.throttled));
        let (admitted, at) = self.kms.call(now);
        // KMS admits the call under its quota, then checks its policies.
        let denied = admitted
            && self
                .gate
                .as_mut()
                .is_some_and(|g| !g.allows(about, op, ctx, m.measured(first_send)));
        self.denied = denied;
        m.kms_call(now, first_send, op, ctx, !admitted);
        if let Some(t) = self.trail.as_mut() {
            t.record(now, op, ctx, about, !admitted, denied);
        }
        (admitted && !denied, at)
    }

    /// Whether the last call was denied by policy (AccessDenied), not throttled or served.
    #[inline]
    pub(super) fn last_denied(&self) -> bool {
        self.denied
    }

    /// Forgets the last call's denial (at the start of each request's handling).
    #[inline]
    pub(super) fn clear_denied(&mut self) {
        self.denied = false;
    }

    /// A request that waited on another request's call for the same key (single-flight) and
    /// got its failure: denied if the policies deny this request's call too (it would have
    /// been the same call), else throttled.
    #[inline]
    pub(super) fn joined_failure(&mut self, about: Subject, op: KmsOpKind, ctx: Context) {
        self.denied = self
            .gate
            .as_mut()
            .is_some_and(|g| !g.allows(about, op, ctx, false));
    }

    /// A new key's id (unique in the run).
    #[inline]
    pub(super) fn new_key_id(&mut self) -> u64 {
        let id = self.next_key_id;
        self.next_key_id += 1;
        id
    }
}
