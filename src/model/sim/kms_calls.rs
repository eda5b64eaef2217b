//! KMS as the simulation calls it: every call (from S3 or from a client) goes through
//! [`KmsCalls::call`], which first lets the background traffic catch up and then measures the
//! call; new data keys and bucket keys get their ids here.

use super::super::kms::Kms;
use super::trail::{Subject, Trail};
use crate::engine::time::Nanos;
use crate::metrics::collector::{Collector, Context, KmsOpKind};

pub(super) struct KmsCalls {
    pub(super) kms: Kms,
    next_key_id: u64,
    /// Every call as a CloudTrail record (`--cloudtrail`).
    pub(super) trail: Option<Trail>,
}

impl KmsCalls {
    pub(super) fn new(kms: Kms) -> KmsCalls {
        KmsCalls {
            kms,
            next_key_id: 1,
            trail: None,
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
        let (ok, at) = self.kms.call(now);
        m.kms_call(now, first_send, op, ctx, !ok);
        if let Some(t) = self.trail.as_mut() {
            t.record(now, op, ctx, about, !ok);
        }
        (ok, at)
    }

    /// A new key's id (unique in the run).
    #[inline]
    pub(super) fn new_key_id(&mut self) -> u64 {
        let id = self.next_key_id;
        self.next_key_id += 1;
        id
    }
}
