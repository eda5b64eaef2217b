//! KMS as the simulation calls it: every call (from S3 or from a client) goes through
//! [`KmsCalls::call`], to the KMS of the Region of the bucket it serves
//! ([`super::regions`]): it first lets that Region's background traffic catch up and then
//! measures the call; new data keys and bucket keys get their ids here.

use super::policy_gate::PolicyGate;
use super::regions::Regions;
use super::trail::{Subject, Trail};
use crate::engine::time::Nanos;
use crate::metrics::collector::{Collector, Context, KmsOpKind};

pub(super) struct KmsCalls {
    pub(super) regions: Regions,
    next_key_id: u64,
    /// The calls being made are the replication role's (counted apart per Region).
    pub(super) replication: bool,
    /// The replica being written re-encrypts its SSE-KMS source's data key: S3's per-object
    /// call is `Encrypt` rather than `GenerateDataKey` ([`super::replication`]).
    pub(super) replica_encrypt: bool,
    /// Every call as a CloudTrail record (`--cloudtrail`).
    pub(super) trail: Option<Trail>,
    /// The buckets' policies, when some bucket has them.
    pub(super) gate: Option<PolicyGate>,
    /// Whether the last call was denied by policy (rather than throttled or served).
    denied: bool,
}

impl KmsCalls {
    pub(super) fn new(regions: Regions, gate: Option<PolicyGate>) -> KmsCalls {
        KmsCalls {
            regions,
            next_key_id: 1,
            replication: false,
            replica_encrypt: false,
            trail: None,
            gate,
            denied: false,
        }
    }

    /// A KMS call at `now` about `about` (its bucket decides the Region), for the request
    /// that arrived at `first_send`: whether it is served, and when its answer arrives. KMS
    /// admits the call under its Region's quota, then checks the bucket's policies.
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
        let bucket = about.bucket;
        let op = match (op, ctx) {
            (KmsOpKind::GenerateDataKey, Context::ObjectArn) if self.replica_encrypt => {
                KmsOpKind::Encrypt
            }
            _ => op,
        };
        let region = self.regions.of_bucket[bucket as usize] as usize;
        self.catch_up(m, region, now);
        self.regions.before_call(region, now);
        let (admitted, at) = self.regions.kms[region].call(now);
        let measured = m.measured(first_send);
        let denied = admitted
            && self
                .gate
                .as_mut()
                .is_some_and(|g| !g.allows(about, op, ctx, measured));
        self.denied = denied;
        m.kms_call(now, first_send, op, ctx, !admitted);
        let c = &mut self.regions.counts[region];
        c.call(now, op, !admitted, measured);
        if self.replication && measured {
            c.replication += 1;
        }
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

    /// Applies Region `region`'s background calls up to `t`.
    #[inline]
    fn catch_up(&mut self, m: &mut Collector, region: usize, t: Nanos) {
        let c = &mut self.regions.counts[region];
        self.regions.kms[region].catch_up_background(t, |b| {
            m.background_call(b.at, b.throttled);
            if m.measured(b.at) {
                c.background_requests += 1;
                c.background_throttled += b.throttled as u64;
            }
        });
    }

    /// At the end of the run: every Region's background calls up to `end`, and the last
    /// second of each Region's peak.
    pub(super) fn finish(&mut self, m: &mut Collector, end: Nanos) {
        for region in 0..self.regions.kms.len() {
            self.catch_up(m, region, end);
        }
        self.regions.finish();
    }

    /// A new key's id (unique in the run).
    #[inline]
    pub(super) fn new_key_id(&mut self) -> u64 {
        let id = self.next_key_id;
        self.next_key_id += 1;
        id
    }
}
