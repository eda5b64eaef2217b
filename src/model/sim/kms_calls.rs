//! KMS as the simulation calls it: every call (from S3 or from a client) goes through
//! [`KmsCalls::call`], to the KMS of the Region of the bucket it serves
//! ([`super::regions`]): it first lets that Region's background traffic catch up and then
//! measures the call; new data keys and bucket keys get their ids here.

use super::regions::Regions;
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
}

impl KmsCalls {
    pub(super) fn new(regions: Regions) -> KmsCalls {
        KmsCalls {
            regions,
            next_key_id: 1,
            replication: false,
            replica_encrypt: false,
        }
    }

    /// A KMS call at `now` for bucket `bucket`, for the request that arrived at `first_send`:
    /// whether it is served, and when its answer arrives.
    #[inline]
    pub(super) fn call(
        &mut self,
        m: &mut Collector,
        bucket: u32,
        now: Nanos,
        first_send: Nanos,
        op: KmsOpKind,
        ctx: Context,
    ) -> (bool, Nanos) {
        let op = match (op, ctx) {
            (KmsOpKind::GenerateDataKey, Context::ObjectArn) if self.replica_encrypt => {
                KmsOpKind::Encrypt
            }
            _ => op,
        };
        let region = self.regions.of_bucket[bucket as usize] as usize;
        self.catch_up(m, region, now);
        self.regions.before_call(region, now);
        let (ok, at) = self.regions.kms[region].call(now);
        m.kms_call(now, first_send, op, ctx, !ok);
        let measured = m.measured(first_send);
        let c = &mut self.regions.counts[region];
        c.call(now, op, !ok, measured);
        if self.replication && measured {
            c.replication += 1;
        }
        (ok, at)
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
