//! The client-side encryption client (`cse-kms`): the client's own KMS calls (GenerateDataKey
//! before a PUT, Decrypt after a GET) through its data-key cache, and the sessions' CPU cores
//! that encrypt and decrypt the objects.

use super::super::key_cache::{KeyCache, Lookup};
use super::kms_calls::KmsCalls;
use super::layer;
use super::request::{Phase, Request};
use super::trail::Subject;
use crate::engine::time::{Nanos, from_secs};
use crate::metrics::collector::{Collector, Context, KmsOpKind};
use crate::scenario::{CseCost, DataKeyCache, Scenario};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub(super) struct CseClient {
    /// The data-key cache's limits; None when the client has no cache.
    cache: Option<DataKeyCache>,
    /// Data keys for writes: (session, bucket).
    write: KeyCache<(u32, u32)>,
    /// Objects and bytes encrypted under each session's cached data key.
    usage: rustc_hash::FxHashMap<(u32, u32), (u64, u64)>,
    /// Data keys decrypted for reads: (session, data key id).
    read: KeyCache<(u32, u64)>,
    /// Each session's cores; empty when encryption takes no simulated time.
    cores: Vec<Cores>,
    cost: Option<CseCost>,
    /// CPU time spent for requests that arrived in the measurement window.
    pub(super) busy: Nanos,
    warmup: Nanos,
    duration: Nanos,
    /// By bucket: whether the client's data key is kept apart from S3's (not `cse-kms`).
    apart: Vec<bool>,
    /// By workload: whether its PUTs get a client-side layer (`client_encryption`).
    layered_writes: Vec<bool>,
}

impl CseClient {
    pub(super) fn new(sc: &Scenario, sessions: usize) -> CseClient {
        let cache = sc.client.data_key_cache;
        // Without a cache nothing is inserted: the TTL only paces the (empty) caches' sweeps.
        let ttl = cache.map(|c| c.max_age).unwrap_or(sc.s3.bucket_key_ttl);
        let cores = sc.client.cpu_cores;
        CseClient {
            cache,
            write: KeyCache::new(false, ttl),
            usage: Default::default(),
            read: KeyCache::new(false, ttl),
            cores: if cores == 0 {
                Vec::new()
            } else {
                (0..sessions).map(|_| Cores::new(cores)).collect()
            },
            cost: sc.crypto.cse_cost,
            busy: 0,
            warmup: sc.warmup,
            duration: sc.duration,
            apart: layer::keys_apart(sc),
            layered_writes: layer::layered_writes(sc),
        }
    }

    /// Whether PUTs of planned workload `w` get a client-side layer over their bucket's mode.
    #[inline]
    pub(super) fn layered(&self, w: u32) -> bool {
        self.layered_writes
            .get(w as usize)
            .copied()
            .unwrap_or(false)
    }

    /// Whether the current step of `r` (to bucket `bi`) is served from the data-key cache
    /// (no KMS call, so no token, no quota and no limiter measurement). A GenerateDataKey hit
    /// must stay within the cache's message and byte limits (AWS Encryption SDK: the first use
    /// of a key is not counted; later uses count, the current message included).
    #[inline]
    pub(super) fn cache_hit(&mut self, now: Nanos, r: &mut Request, bi: u32) -> bool {
        let Some(c) = self.cache else {
            return false;
        };
        match r.phase {
            Phase::ClientGenerate => {
                let ck = (r.session, bi);
                match self.write.lookup(&ck, now) {
                    Lookup::Hit(e) => {
                        let usage = self.usage.entry(ck).or_insert((0, 0));
                        if usage.0 < c.max_messages && usage.1.saturating_add(r.size) <= c.max_bytes
                        {
                            usage.0 += 1;
                            usage.1 = usage.1.saturating_add(r.size);
                            layer::set_client_key(r, self.apart[bi as usize], e.key_id);
                            true
                        } else {
                            self.write.evict(&ck);
                            false
                        }
                    }
                    _ => false,
                }
            }
            Phase::ClientDecrypt => {
                let id = layer::client_key(r);
                matches!(self.read.lookup(&(r.session, id), now), Lookup::Hit(_))
            }
            _ => false,
        }
    }

    /// A KMS call the cache could not serve, for `r` to bucket `bi`: GenerateDataKey before a
    /// PUT, Decrypt after a GET. The answer is cached when the client has a cache.
    #[inline]
    pub(super) fn kms_call(
        &mut self,
        kms: &mut KmsCalls,
        m: &mut Collector,
        now: Nanos,
        r: &mut Request,
        bi: u32,
    ) -> (bool, Nanos) {
        match r.phase {
            Phase::ClientGenerate => {
                let ck = (r.session, bi);
                let (ok, at) = kms.call(
                    m,
                    now,
                    r.first_send,
                    KmsOpKind::GenerateDataKey,
                    Context::Client,
                    Subject::of(r, bi, 0),
                );
                let id = kms.new_key_id();
                if self.cache.is_some() {
                    self.write.insert(ck, now, id, at, ok);
                    // The first use of a data key does not count (Encryption SDK).
                    self.usage.insert(ck, (0, 0));
                }
                layer::set_client_key(r, self.apart[bi as usize], id);
                (ok, at)
            }
            _ => {
                let id = layer::client_key(r);
                let (ok, at) = kms.call(
                    m,
                    now,
                    r.first_send,
                    KmsOpKind::Decrypt,
                    Context::Client,
                    Subject::of(r, bi, 0),
                );
                if self.cache.is_some() {
                    self.read.insert((r.session, id), now, id, at, ok);
                }
                (ok, at)
            }
        }
    }

    /// Encryption after the client's GenerateDataKey, or decryption after its Decrypt, of
    /// `bytes` on `session`'s cores (first come, first served): when it is done, or None when
    /// the step takes no CPU time (`cpu_cores = 0`, or not a client-side step).
    #[inline]
    pub(super) fn cpu(
        &mut self,
        now: Nanos,
        step: Phase,
        session: u32,
        bytes: u64,
        first_send: Nanos,
    ) -> Option<Nanos> {
        if !step.is_client_kms() || self.cores.is_empty() {
            return None;
        }
        let c = self
            .cost
            .expect("calibration profile loaded (prepare::variant)");
        let cost_s = c.per_object_ns / 1e9 + bytes as f64 / c.bytes_per_sec;
        let cost = from_secs(cost_s).max(1);
        let start = self.cores[session as usize].run(now, cost)?;
        if first_send >= self.warmup && first_send < self.duration {
            self.busy += cost;
        }
        Some(start.saturating_add(cost))
    }
}

/// A session's identical CPU cores, first come first served: the times at which busy cores
/// become free (a min-heap) and how many cores have never been used. A core free before
/// `now` is as good as an unused one, so memory follows the cores busy at once (at most the
/// session's requests in flight), not `cpu_cores`.
pub(crate) struct Cores {
    unused: u32,
    busy: BinaryHeap<Reverse<Nanos>>,
}

impl Cores {
    pub(crate) fn new(cores: u32) -> Cores {
        Cores {
            unused: cores,
            busy: Default::default(),
        }
    }

    /// Runs a job of `cost` arriving at `now` on the earliest free core: when it starts, or
    /// None when the session has no cores.
    pub(crate) fn run(&mut self, now: Nanos, cost: Nanos) -> Option<Nanos> {
        let start = match self.busy.peek() {
            Some(&Reverse(t)) if t <= now => {
                self.busy.pop();
                now
            }
            _ if self.unused > 0 => {
                self.unused -= 1;
                now
            }
            Some(&Reverse(t)) => {
                self.busy.pop();
                t
            }
            None => return None,
        };
        self.busy.push(Reverse(start.saturating_add(cost)));
        Some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_serve_first_come_first_served() {
        let mut c = Cores::new(2);
        assert_eq!(c.run(0, 10), Some(0));
        assert_eq!(c.run(0, 10), Some(0));
        // Both busy until 10: the third job waits for the first free core.
        assert_eq!(c.run(5, 10), Some(10));
        // A core free before `now` starts the job at once.
        assert_eq!(c.run(30, 1), Some(30));
        assert_eq!(Cores::new(0).run(0, 1), None);
    }
}
