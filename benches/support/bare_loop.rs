//! The engine bench's model written by hand as a bare loop: the floor under `run_variant`.
//!
//! Poisson PUTs routed over sessions, one fixed-window KMS quota decided at send time,
//! lognormal KMS and S3 latencies, a transfer time, and standard retries (full-jitter backoff,
//! `max_attempts`, a per-session retry quota), with latencies recorded in an HDR histogram and
//! completions counted per second: what a capacity planner would write for this one model,
//! with nothing bksim adds (prefix limits, connection pools, bucket-key caches, Regions, policy
//! gates, replication, CloudTrail, warm-up windows, GETs, adaptive mode, multipart). Every
//! parameter comes from the scenario, so it simulates the same system as the bench's
//! `run_variant`; [`Counts`] lets the bench check that.
//!
//! Generic over the pending-event structure and the random generator, so one bench run shows
//! what each costs: bksim's timing wheel or `std`'s binary heap; bksim's ChaCha8 streams or
//! SplitMix64.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use bksim::engine::queue::EventQueue;
use bksim::engine::rng::{Stream, mix64};
use bksim::engine::time::{NANOS_PER_MICRO, NANOS_PER_SEC, Nanos, from_secs};
use bksim::metrics::results::new_latency_histogram;
use bksim::model::client::RetryPolicy;
use bksim::model::dist::LatencySampler;
use bksim::model::limiter::FixedWindow;
use bksim::scenario::{Arrival, LatencyDist, MAX_DRAWN_LATENCY, Scenario};

/// A pending-event structure popping in (time, insertion order).
pub trait Pending {
    fn schedule(&mut self, at: Nanos, event: Ev);
    fn pop(&mut self) -> Option<(Nanos, Ev)>;
}

/// An event: the request it is for and what happens.
#[derive(Clone, Copy)]
pub struct Ev {
    req: u32,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Arrival,
    Attempt,
    Ok,
    Throttled,
}

impl Pending for EventQueue<Ev> {
    #[inline]
    fn schedule(&mut self, at: Nanos, event: Ev) {
        EventQueue::schedule(self, at, event)
    }
    #[inline]
    fn pop(&mut self) -> Option<(Nanos, Ev)> {
        EventQueue::pop(self)
    }
}

/// `std`'s binary heap on the key `(time << 64) | sequence`.
#[derive(Default)]
pub struct Heap {
    heap: BinaryHeap<Reverse<(u128, u32, u8)>>,
    seq: u64,
}

impl Pending for Heap {
    #[inline]
    fn schedule(&mut self, at: Nanos, e: Ev) {
        let key = ((at as u128) << 64) | self.seq as u128;
        self.seq += 1;
        self.heap.push(Reverse((key, e.req, e.kind as u8)));
    }
    #[inline]
    fn pop(&mut self) -> Option<(Nanos, Ev)> {
        const KINDS: [Kind; 4] = [Kind::Arrival, Kind::Attempt, Kind::Ok, Kind::Throttled];
        let Reverse((key, req, kind)) = self.heap.pop()?;
        Some((
            (key >> 64) as Nanos,
            Ev {
                req,
                kind: KINDS[kind as usize],
            },
        ))
    }
}

/// A source of random numbers, one per stream.
pub trait Draws {
    fn named(seed: u64, name: &str) -> Self;
    fn next_u64(&mut self) -> u64;
    /// Standard normal.
    fn normal(&mut self) -> f64;

    /// Uniform in (0, 1].
    #[inline]
    fn uniform_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in [0, 1).
    #[inline]
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform integer in [0, n).
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
}

/// bksim's ChaCha8 streams.
impl Draws for Stream {
    fn named(seed: u64, name: &str) -> Self {
        Stream::new(seed, name)
    }
    #[inline]
    fn next_u64(&mut self) -> u64 {
        Stream::next_u64(self)
    }
    #[inline]
    fn normal(&mut self) -> f64 {
        Stream::normal(self)
    }
}

/// SplitMix64: a non-cryptographic generator of 8 bytes of state, drawn through the same
/// ziggurat normal as the ChaCha streams.
pub struct SplitMix64(u64);

impl rand::TryRng for SplitMix64 {
    type Error = std::convert::Infallible;
    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }
    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        // SplitMix64: `mix64` adds the golden-ratio increment to the state and mixes it.
        let z = mix64(self.0);
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        Ok(z)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dest.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

impl Draws for SplitMix64 {
    fn named(seed: u64, name: &str) -> Self {
        SplitMix64(seed ^ bksim::engine::rng::stable_hash(&[name.as_bytes()]))
    }
    #[inline]
    fn next_u64(&mut self) -> u64 {
        use rand::Rng;
        Rng::next_u64(self)
    }
    #[inline]
    fn normal(&mut self) -> f64 {
        use rand_distr::Distribution;
        rand_distr::StandardNormal.sample(self)
    }
}

/// A lognormal latency in nanoseconds, with the parameters and the cap bksim draws it with.
#[derive(Clone, Copy)]
struct Latency {
    mu: f64,
    sigma: f64,
}

impl Latency {
    fn new(d: &LatencyDist) -> Latency {
        match LatencySampler::new(d) {
            LatencySampler::LogNormal { mu, sigma } => Latency { mu, sigma },
            _ => panic!("the bare loop models lognormal latencies only"),
        }
    }

    #[inline]
    fn sample(&self, r: &mut impl Draws) -> Nanos {
        let x = (self.mu + self.sigma * r.normal()).exp();
        (x.min(MAX_DRAWN_LATENCY as f64) + 0.5) as Nanos
    }
}

/// What a run did: enough to check that it simulated the same system as `run_variant`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub offered: u64,
    pub completed: u64,
    pub failed: u64,
    pub kms_requests: u64,
    pub kms_throttled: u64,
    /// Median PUT latency in microseconds.
    pub median_us: u64,
}

#[derive(Clone, Copy, Default)]
struct Req {
    first_send: Nanos,
    session: u32,
    attempt: u32,
}

/// Simulates the scenario's first workload as the bare model, with queue `Q` and
/// generator `R`.
pub fn run<Q: Pending, R: Draws>(sc: &Scenario, mut q: Q) -> Counts {
    let w = &sc.workloads[0];
    let rate = match w.arrival {
        Arrival::Poisson { rate, .. } => rate,
        _ => panic!("the bare loop models Poisson arrivals only"),
    };
    let retry = RetryPolicy::new(&sc.client);
    let sessions = w.sessions.max(1) as u64;
    let prefixes = sc.buckets[0].prefixes.max(1) as u64;
    let size = match w.size {
        bksim::scenario::SizeDist::Fixed(b) => b,
        _ => panic!("the bare loop models fixed sizes only"),
    };
    let transfer = match sc.s3.transfer_rate {
        Some(r) if r > 0.0 => from_secs(size as f64 / r),
        _ => 0,
    };
    let (kms, s3) = (Latency::new(&sc.kms.latency), Latency::new(&sc.s3.latency));
    let seed = sc.seed;
    let mut arrivals = R::named(seed, "arrivals");
    let mut routing = R::named(seed, "routing");
    let mut objects = R::named(seed, "objects");
    let mut kms_rng = R::named(seed, "kms/latency");
    let mut s3_rng = R::named(seed, "s3/latency");
    let mut jitter = R::named(seed, "client/retry-jitter");

    let mut quota = FixedWindow::new(sc.kms.quota_rps);
    let mut retry_left = vec![retry.quota; sessions as usize];
    let mut reqs: Vec<Req> = Vec::new();
    let mut free: Vec<u32> = Vec::new();
    let mut latency = new_latency_histogram();
    let secs = sc.duration.div_ceil(NANOS_PER_SEC) as usize;
    let mut per_second = vec![0u64; secs + 601];
    let mut c = Counts::default();

    let end = sc.duration;
    let mut t_secs = -arrivals.uniform_open0().ln() / rate;
    let first = from_secs(t_secs);
    if first < end {
        q.schedule(
            first,
            Ev {
                req: 0,
                kind: Kind::Arrival,
            },
        );
    }
    while let Some((now, ev)) = q.pop() {
        let req = match ev.kind {
            Kind::Arrival => {
                c.offered += 1;
                t_secs += -arrivals.uniform_open0().ln() / rate;
                let next = from_secs(t_secs);
                if next < end {
                    q.schedule(next, ev);
                }
                let r = Req {
                    first_send: now,
                    session: routing.below(sessions) as u32,
                    attempt: 0,
                };
                // The object's prefix: drawn, as bksim draws it, though nothing here limits it.
                std::hint::black_box(objects.below(prefixes));
                match free.pop() {
                    Some(i) => {
                        reqs[i as usize] = r;
                        i
                    }
                    None => {
                        reqs.push(r);
                        reqs.len() as u32 - 1
                    }
                }
            }
            Kind::Attempt => ev.req,
            Kind::Ok | Kind::Throttled => {
                let r = reqs[ev.req as usize];
                let s = r.session as usize;
                if ev.kind == Kind::Ok {
                    let refund = if r.attempt == 1 { 1 } else { retry.cost };
                    retry_left[s] = (retry_left[s] + refund).min(retry.quota);
                    latency.saturating_record(((now - r.first_send) / NANOS_PER_MICRO).max(1));
                    c.completed += 1;
                } else if r.attempt < retry.max_attempts && retry_left[s] >= retry.cost {
                    retry_left[s] -= retry.cost;
                    let cap =
                        (retry.base_delay * 2f64.powi(r.attempt as i32 - 1)).min(retry.max_backoff);
                    let delay = from_secs(jitter.uniform() * cap);
                    q.schedule(
                        now + delay,
                        Ev {
                            req: ev.req,
                            kind: Kind::Attempt,
                        },
                    );
                    continue;
                } else {
                    c.failed += 1;
                }
                per_second[((now / NANOS_PER_SEC) as usize).min(secs + 600)] += 1;
                free.push(ev.req);
                continue;
            }
        };
        let r = &mut reqs[req as usize];
        r.attempt += 1;
        // KMS decides at the send and answers after its latency; S3 answers after its own,
        // with the transfer when the key came.
        let admitted = quota.admit(now);
        c.kms_requests += 1;
        c.kms_throttled += !admitted as u64;
        let at = now + kms.sample(&mut kms_rng) + s3.sample(&mut s3_rng);
        let (at, kind) = match admitted {
            true => (at + transfer, Kind::Ok),
            false => (at, Kind::Throttled),
        };
        q.schedule(at, Ev { req, kind });
    }
    c.median_us = latency.value_at_quantile(0.5);
    std::hint::black_box(&per_second);
    c
}
