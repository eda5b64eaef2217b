//! The S3 front end: the buckets (their encryption, the objects written and already there),
//! the per-prefix request-rate limits, and the bucket-key caches. It answers one attempt at a
//! time: 503 SlowDown for a prefix over its limit, otherwise after the KMS call the bucket's
//! encryption mode prescribes (through the bucket-key cache when enabled).

use super::super::dist::{LatencySampler, SizeSampler};
use super::super::key_cache::{KeyCache, Lookup};
use super::super::limiter::{FixedWindow, Limiter};
use super::super::objects::{
    KeyRef, Population, PopulationKeys, WRITTEN_SAMPLE_CAPACITY, WrittenObjects,
};
use super::kms_calls::KmsCalls;
use super::kms_keys::{self, KeySelect};
use super::request::{Outcome, Phase, Request};
use super::trail::Subject;
use crate::engine::rng::Stream;
use crate::engine::time::{Nanos, from_secs};
use crate::metrics::collector::{Collector, Context, KmsOpKind};
use crate::mode::{KmsCaller, Mode};
use crate::scenario::{Op, ReadFrom, Scenario};

pub(super) struct BucketState {
    pub(super) encryption: Mode,
    /// KMS calls per object where SSE-KMS makes one: `s3.dsse_kms_calls_per_object` for
    /// dsse-kms, else 1 (aws-facts §7).
    calls_per_object: u32,
    pub(super) prefixes: u32,
    /// Index of this bucket's first prefix limiter (PUT class; GET class follows).
    limiter_base: usize,
    pub(super) written: WrittenObjects,
    pub(super) population: Option<(Population, SizeSampler)>,
}

pub(super) struct FrontEnd {
    pub(super) buckets: Vec<BucketState>,
    prefix_limiters: Vec<Limiter>,
    /// Bucket keys for writes, by [`write_key`] (host, session, bucket, the bucket's slot of
    /// the KMS key).
    bk_write: KeyCache<u128>,
    /// The KMS key and bucket-key setting of each write.
    keys: KeySelect,
    /// Bucket keys unwrapped for reads, by [`read_key`] (host, session, bucket key id; ids are
    /// unique across buckets).
    bk_read: KeyCache<u128, ()>,
    s3_latency: LatencySampler,
    s3_rng: Stream,
    transfer_rate: Option<f64>,
}

/// Whether a workload reads objects written during the run from bucket `bucket`: a GET or
/// HEAD of it, or a copy from it, with `read_from = "written"` (what `Simulation`'s requests
/// pick from [`WrittenObjects`]).
fn reads_written(sc: &Scenario, bucket: usize) -> bool {
    sc.workloads.iter().any(|w| {
        w.op != Op::Put
            && w.read_from == ReadFrom::Written
            && w.copy_from.unwrap_or(w.bucket) == bucket
    })
}

impl FrontEnd {
    pub(super) fn new(sc: &Scenario) -> FrontEnd {
        let seed = sc.seed;
        let hosts = sc.s3.frontend_hosts.max(1);
        let mut prefix_limiters = Vec::new();
        let mut buckets = Vec::new();
        for (bi, b) in sc.buckets.iter().enumerate() {
            let limiter_base = prefix_limiters.len();
            for _ in 0..b.prefixes {
                for rps in [sc.s3.prefix_put_rps, sc.s3.prefix_get_rps] {
                    prefix_limiters.push(if rps == 0 {
                        Limiter::Unlimited
                    } else {
                        Limiter::FixedWindow(FixedWindow::new(rps))
                    });
                }
            }
            let bucket_key = b.encryption.supports_bucket_key();
            let population = b.existing.as_ref().map(|p| {
                let kind = match b.encryption.kms_caller() {
                    None => PopulationKeys::NoKms,
                    Some(KmsCaller::S3) if bucket_key && p.bucket_key_since > 0 => {
                        PopulationKeys::BucketKey {
                            ttl: sc.s3.bucket_key_ttl,
                        }
                    }
                    Some(KmsCaller::S3) => PopulationKeys::PerObject,
                    Some(KmsCaller::Client) => PopulationKeys::ClientKey {
                        reuse: sc.client.data_key_cache.map(|c| c.max_age),
                    },
                };
                let mut pop = Population::new(&b.name, p, hosts, b.prefixes, kind);
                pop.client_layer = super::layer::population_layer(sc, buckets.len());
                (pop, SizeSampler::new(&p.size))
            });
            buckets.push(BucketState {
                encryption: b.encryption,
                calls_per_object: if b.encryption == Mode::DsseKms {
                    sc.s3.dsse_kms_calls_per_object.max(1)
                } else {
                    1
                },
                prefixes: b.prefixes.max(1),
                limiter_base,
                // A bucket no workload reads by `written` keeps no sample (its stream is its
                // own, so nothing else changes).
                written: WrittenObjects::new(
                    seed,
                    &b.name,
                    if reads_written(sc, bi) {
                        WRITTEN_SAMPLE_CAPACITY
                    } else {
                        0
                    },
                ),
                population,
            });
        }
        let ttl = sc.s3.bucket_key_ttl;
        FrontEnd {
            buckets,
            prefix_limiters,
            bk_write: KeyCache::new(sc.s3.single_flight, ttl),
            bk_read: KeyCache::new(sc.s3.single_flight, ttl),
            keys: KeySelect::new(sc),
            s3_latency: LatencySampler::new(&sc.s3.latency),
            s3_rng: Stream::new(seed, "s3/latency"),
            transfer_rate: sc.s3.transfer_rate,
        }
    }

    #[inline]
    fn s3_time(&mut self) -> Nanos {
        self.s3_latency.sample(&mut self.s3_rng)
    }

    #[inline]
    fn transfer_time(&self, bytes: u64) -> Nanos {
        match self.transfer_rate {
            Some(rate) if rate > 0.0 => from_secs(bytes as f64 / rate),
            _ => 0,
        }
    }

    /// Handles attempt `r` of a request to bucket `bi`, arriving at `now` on front-end host
    /// `r.host` and moving `bytes`: when S3 answers and what. Sets the key the object is (or
    /// was) encrypted under in `r.key`.
    #[inline]
    pub(super) fn handle(
        &mut self,
        kms: &mut KmsCalls,
        m: &mut Collector,
        now: Nanos,
        r: &mut Request,
        bi: u32,
        bytes: u64,
    ) -> (Nanos, Outcome) {
        let host = r.host;
        let b = &self.buckets[bi as usize];
        let class = if r.get { 1 } else { 0 };
        let lim = b.limiter_base + r.prefix as usize * 2 + class;
        if !self.prefix_limiters[lim].admit(now) {
            return (now + self.s3_time(), Outcome::SlowdownPrefix);
        }
        let server_side_kms = b.encryption.s3_calls_kms();
        let calls = b.calls_per_object;
        kms.clear_denied();
        let writing = matches!(r.phase, Phase::Put | Phase::MpuCreate | Phase::CopyWrite);
        let wk = if server_side_kms && writing {
            let workload = (!r.replay).then_some(r.workload);
            self.keys.for_write(bi, workload, now)
        } else {
            kms_keys::WriteKey {
                slot: 0,
                bucket_key: false,
            }
        };
        let bucket_key = wk.bucket_key;
        // When the key S3 needs is available (or its KMS call answers), and whether it is.
        let (key_at, key_ok) = if !server_side_kms {
            (now, true)
        } else {
            match r.phase {
                Phase::Put | Phase::MpuCreate | Phase::CopyWrite if bucket_key => {
                    let ck = write_key(host, r.session, bi, wk.slot);
                    match self.bk_write.lookup(&ck, now) {
                        Lookup::Hit(e) => {
                            r.key = KeyRef::BucketKey(e.key_id);
                            (now, true)
                        }
                        Lookup::Join(e) => {
                            r.key = KeyRef::BucketKey(e.key_id);
                            if !e.ok {
                                let about = Subject::of(r, bi, wk.slot);
                                kms.joined_failure(
                                    about,
                                    KmsOpKind::GenerateDataKey,
                                    Context::BucketArn,
                                );
                            }
                            (e.ready_at, e.ok)
                        }
                        Lookup::Miss => {
                            let about = Subject {
                                object: 0,
                                ..Subject::of(r, bi, wk.slot)
                            };
                            let (ok, at) = kms.call(
                                m,
                                now,
                                r.first_send,
                                KmsOpKind::GenerateDataKey,
                                Context::BucketArn,
                                about,
                            );
                            let id = kms_keys::tag(kms.new_key_id(), wk.slot);
                            self.bk_write.insert(ck, now, id, at, ok);
                            if ok {
                                m.bucket_key_issued(r.first_send);
                            }
                            r.key = KeyRef::BucketKey(id);
                            (at, ok)
                        }
                    }
                }
                Phase::Put | Phase::MpuCreate | Phase::CopyWrite => {
                    r.key = KeyRef::PerObject;
                    let about = Subject::of(r, bi, wk.slot);
                    per_object(
                        kms,
                        m,
                        now,
                        r.first_send,
                        KmsOpKind::GenerateDataKey,
                        calls,
                        about,
                    )
                }
                Phase::MpuPart | Phase::Get | Phase::CopyRead => {
                    // The KMS calls this read makes (none, or Decrypts).
                    let before = m.kms_calls;
                    let answer = match r.key {
                        KeyRef::BucketKey(id) => {
                            let about = Subject {
                                object: 0,
                                ..Subject::of(r, bi, kms_keys::slot(id))
                            };
                            self.bucket_key_for_read(kms, m, now, r.first_send, host, about, id)
                        }
                        KeyRef::PerObject => {
                            // Which key wrote the object is not kept: its bucket's first.
                            let about = Subject::of(r, bi, 0);
                            per_object(kms, m, now, r.first_send, KmsOpKind::Decrypt, calls, about)
                        }
                        _ => (now, true),
                    };
                    if r.existing {
                        m.kms_for_existing(now, r.first_send, m.kms_calls - before);
                    }
                    answer
                }
                _ => (now, true),
            }
        };
        // A transfer at a tiny `transfer_rate` may end beyond the end of time: saturate (the
        // run stops at its drain limit anyway).
        if key_ok {
            let at = key_at
                .saturating_add(self.s3_time())
                .saturating_add(self.transfer_time(bytes));
            (at, Outcome::Ok)
        } else {
            let outcome = if kms.last_denied() {
                Outcome::AccessDenied
            } else {
                Outcome::SlowdownKms
            };
            (key_at.saturating_add(self.s3_time()), outcome)
        }
    }

    /// S3 needs bucket key `id` to read an object (or a part): cached on this host for this
    /// session (from writing or an earlier read), or unwrapped with Decrypt.
    #[allow(clippy::too_many_arguments)]
    fn bucket_key_for_read(
        &mut self,
        kms: &mut KmsCalls,
        m: &mut Collector,
        now: Nanos,
        first_send: Nanos,
        host: u32,
        about: Subject,
        id: u64,
    ) -> (Nanos, bool) {
        let (session, bucket) = (about.session, about.bucket);
        if let Lookup::Hit(e) | Lookup::Join(e) = self
            .bk_write
            .lookup(&write_key(host, session, bucket, kms_keys::slot(id)), now)
            && e.key_id == id
            && e.ok
        {
            return (e.ready_at.max(now), true);
        }
        let ck = read_key(host, session, id);
        match self.bk_read.lookup(&ck, now) {
            Lookup::Hit(_) => (now, true),
            Lookup::Join(e) => {
                if !e.ok {
                    kms.joined_failure(about, KmsOpKind::Decrypt, Context::BucketArn);
                }
                (e.ready_at, e.ok)
            }
            Lookup::Miss => {
                let (ok, at) = kms.call(
                    m,
                    now,
                    first_send,
                    KmsOpKind::Decrypt,
                    Context::BucketArn,
                    about,
                );
                self.bk_read.insert(ck, now, (), at, ok);
                if ok {
                    m.bucket_key_decrypted(first_send);
                }
                (at, ok)
            }
        }
    }
}

/// S3's per-object KMS calls for one request, one after the other, each with the object's
/// ARN as context: one for SSE-KMS, `s3.dsse_kms_calls_per_object` for DSSE-KMS (AWS
/// documents "additional KMS API calls" without a number, aws-facts §7; which operation the
/// extra calls are is not published either, so each is modelled as the first). When they
/// are over and whether all succeeded; the first throttled call ends the sequence.
#[inline]
fn per_object(
    kms: &mut KmsCalls,
    m: &mut Collector,
    now: Nanos,
    first_send: Nanos,
    op: KmsOpKind,
    calls: u32,
    about: Subject,
) -> (Nanos, bool) {
    let mut at = now;
    for _ in 0..calls {
        let (ok, done) = kms.call(m, at, first_send, op, Context::ObjectArn, about);
        at = done;
        if !ok {
            return (at, false);
        }
    }
    (at, true)
}

/// Cache key of a bucket key for writes: front-end host, requester session, bucket, and the
/// bucket's slot of the KMS key (S3 keeps a bucket key per KMS key, aws-facts §3.1).
#[inline]
fn write_key(host: u32, session: u32, bucket: u32, slot: u32) -> u128 {
    ((host as u128) << 96) | ((session as u128) << 64) | ((bucket as u128) << 32) | slot as u128
}

/// Cache key of a bucket key unwrapped for reads: front-end host, requester session, key id.
#[inline]
fn read_key(host: u32, session: u32, key_id: u64) -> u128 {
    ((host as u128) << 96) | ((session as u128) << 64) | key_id as u128
}
