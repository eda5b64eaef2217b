//! One variant's simulation: requests from the workloads go through their session's client
//! (retries, adaptive rate limiting, connection pool) to the S3 front end, which checks the
//! prefix limits, calls KMS as the bucket's encryption mode prescribes (through the bucket-key
//! cache when enabled) and answers success or 503 SlowDown.
//!
//! Timing of one S3 attempt sent at `t` on a connection bound to host `h`:
//! - prefix limit exceeded: 503 at `t + s3_latency`;
//! - KMS call needed: the limiter decides at `t`; KMS answers at `t + kms_latency`; S3 answers
//!   at that time `+ s3_latency` (success, plus transfer time) or 503 SlowDown (throttled);
//! - bucket key cached: S3 answers at `t + s3_latency + transfer`; a call for the same entry
//!   still in flight is joined (single-flight): S3 answers after that call's answer.
//!
//! Client-side encryption (`cse-kms`) calls KMS from the client, before the PUT and after the
//! GET, with its own retries; those calls use no S3 connection.

use super::client::{Client, RetryPolicy};
use super::dist::{ArrivalProcess, LatencySampler, SizeSampler};
use super::key_cache::{KeyCache, Lookup};
use super::kms::Kms;
use super::limiter::{FixedWindow, Limiter};
use super::objects::{
    KeyRef, ObjectRecord, Population, PopulationKeys, WRITTEN_SAMPLE_CAPACITY, WrittenObjects,
};
use crate::engine::queue::EventQueue;
use crate::engine::rng::Stream;
use crate::engine::time::{NANOS_PER_MICRO, Nanos, from_secs};
use crate::metrics::collector::{Collector, Context, DRAIN_LIMIT, KmsOpKind, SlowdownCause};
use crate::mode::Mode;
use crate::scenario::{Arrival, Op, PoolPolicy, ReadFrom, Scenario};
use std::collections::VecDeque;

const NONE: u32 = u32::MAX;

/// A closed-loop client never starts more than one request per this interval, so a
/// zero-latency loop cannot stall simulated time.
const MIN_CLOSED_LOOP_CYCLE: Nanos = NANOS_PER_MICRO;

#[derive(Debug, Clone, Copy)]
enum Ev {
    /// The next open-loop arrival of a workload.
    Arrival { workload: u32 },
    /// A closed-loop client starts its next request.
    ClientNext { workload: u32, client: u32 },
    /// A request begins an attempt of its current call (first try or after backoff).
    Attempt { req: u32 },
    /// A token may be there for the first request waiting on a client's adaptive limiter.
    TokenWake {
        session: u32,
        kms_client: bool,
        generation: u32,
    },
    /// The session's CPU finished decrypting a client-side encrypted object: the GET is done.
    CpuDone { req: u32 },
    /// S3's (or, client-side, KMS's) answer to the current attempt.
    Response { req: u32, outcome: Outcome },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    SlowdownKms,
    SlowdownPrefix,
    /// KMS ThrottlingException to a client-side call.
    KmsThrottled,
}

/// Which call of a request is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// cse-kms: the client's GenerateDataKey before the PUT.
    ClientGenerate,
    Put,
    MpuCreate,
    MpuPart,
    MpuComplete,
    Get,
    /// cse-kms: the client's Decrypt after the GET.
    ClientDecrypt,
}

#[derive(Debug, Clone, Copy)]
struct Request {
    workload: u32,
    session: u32,
    client: u32,
    get: bool,
    first_send: Nanos,
    size: u64,
    prefix: u32,
    key: KeyRef,
    phase: Phase,
    part: u32,
    parts: u32,
    /// Attempts made of the current call.
    attempt: u32,
    retries: u32,
    /// Front-end host of the connection the current S3 attempt uses (NONE when none).
    host: u32,
    /// When S3 (or KMS, client-side) received the current attempt.
    sent: Nanos,
}

/// A pool slot that has never held a connection: taking it opens a new one.
const UNOPENED: u32 = u32::MAX;

struct Session {
    /// Idle pool entries, most recently used last (urllib3's pool is a LIFO queue of at most
    /// `connections_per_session` entries, initially all unopened).
    idle: Pool,
    /// Requests waiting for a connection (pool policy `wait`), FIFO.
    waiting: VecDeque<u32>,
    s3: Client,
    kms: Client,
    /// The session's CPU cores (client-side encryption).
    cpu: Cores,
}

/// A connection pool's idle entries: a LIFO stack whose bottom holds the never-opened
/// entries (returned connections are always pushed on top, bound to their host), so it is
/// kept as a count of unopened entries under a stack of hosts. Memory follows the
/// connections actually opened, not `connections_per_session`.
struct Pool {
    unopened: u32,
    hosts: Vec<u32>,
}

impl Pool {
    fn new(size: u32) -> Pool {
        Pool {
            unopened: size,
            hosts: Vec::new(),
        }
    }

    /// The top entry: a host, UNOPENED, or None when the pool is empty.
    fn pop(&mut self) -> Option<u32> {
        match self.hosts.pop() {
            Some(h) => Some(h),
            None if self.unopened > 0 => {
                self.unopened -= 1;
                Some(UNOPENED)
            }
            None => None,
        }
    }

    fn len(&self) -> usize {
        self.unopened as usize + self.hosts.len()
    }

    fn push(&mut self, host: u32) {
        self.hosts.push(host);
    }
}

/// A session's identical CPU cores, first come first served: the times at which busy cores
/// become free (a min-heap) and how many cores have never been used. A core free before
/// `now` is as good as an unused one, so memory follows the cores busy at once (at most the
/// session's requests in flight), not `cpu_cores`.
struct Cores {
    unused: u32,
    busy: std::collections::BinaryHeap<std::cmp::Reverse<Nanos>>,
}

impl Cores {
    fn new(cores: u32) -> Cores {
        Cores {
            unused: cores,
            busy: Default::default(),
        }
    }

    /// Runs a job of `cost` arriving at `now` on the earliest free core: when it starts, or
    /// None when the session has no cores.
    fn run(&mut self, now: Nanos, cost: Nanos) -> Option<Nanos> {
        let start = match self.busy.peek() {
            Some(&std::cmp::Reverse(t)) if t <= now => {
                self.busy.pop();
                now
            }
            _ if self.unused > 0 => {
                self.unused -= 1;
                now
            }
            Some(&std::cmp::Reverse(t)) => {
                self.busy.pop();
                t
            }
            None => return None,
        };
        self.busy
            .push(std::cmp::Reverse(start.saturating_add(cost)));
        Some(start)
    }
}

struct WorkloadState {
    arrivals: Option<ArrivalProcess>,
    think: Nanos,
    arrival_rng: Stream,
    routing_rng: Stream,
    /// Front-end host of each newly opened connection.
    host_rng: Stream,
    object_rng: Stream,
    size: SizeSampler,
    /// Global index of this workload's first session.
    first_session: u32,
    sessions: u32,
    bucket: u32,
    get: bool,
    read_from: ReadFrom,
}

struct BucketState {
    encryption: Mode,
    bucket_key: bool,
    prefixes: u32,
    /// Index of this bucket's first prefix limiter (PUT class; GET class follows).
    limiter_base: usize,
    written: WrittenObjects,
    population: Option<(Population, SizeSampler)>,
}

/// Slab of in-flight requests: indices are reused, so memory follows the in-flight count.
struct Requests {
    slots: Vec<Request>,
    free: Vec<u32>,
}

impl Requests {
    fn insert(&mut self, r: Request) -> u32 {
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = r;
            i
        } else {
            self.slots.push(r);
            (self.slots.len() - 1) as u32
        }
    }
    fn remove(&mut self, i: u32) {
        self.free.push(i);
    }
}

/// The result of simulating one variant.
pub struct Finished {
    pub metrics: Collector,
    pub events: u64,
    pub end: Nanos,
    /// CPU time sessions spent on client-side encryption for requests sent after warm-up.
    pub client_cpu_busy: Nanos,
    /// Objects really encrypted and decrypted by `crypto.verify`, and what failed.
    pub verified_objects: u64,
    pub verify_failures: Vec<String>,
}

/// Progress callback: called every so many events with the simulated time reached.
pub type Progress<'a> = &'a mut dyn FnMut(Nanos);

/// A variant's simulation, built from a validated scenario.
pub struct Simulation<'a> {
    sc: &'a Scenario,
    q: EventQueue<Ev>,
    kms: Kms,
    s3_latency: LatencySampler,
    s3_rng: Stream,
    retry: RetryPolicy,
    retry_rng: Stream,
    workloads: Vec<WorkloadState>,
    sessions: Vec<Session>,
    buckets: Vec<BucketState>,
    reqs: Requests,
    prefix_limiters: Vec<Limiter>,
    /// Bucket keys for writes, by [`write_key`] (host, session, bucket; the bucket fixes the
    /// KMS key).
    bk_write: KeyCache<u128>,
    /// Bucket keys unwrapped for reads, by [`read_key`] (host, session, bucket key id; ids are
    /// unique across buckets).
    bk_read: KeyCache<u128, ()>,
    /// Client-side data keys for writes: (session, bucket).
    cse_write: KeyCache<(u32, u32)>,
    /// Objects and bytes encrypted under each session's cached client-side data key.
    cse_usage: rustc_hash::FxHashMap<(u32, u32), (u64, u64)>,
    /// Client-side data keys decrypted for reads: (session, data key id).
    cse_read: KeyCache<(u32, u64)>,
    next_key_id: u64,
    m: Collector,
    transfer_rate: Option<f64>,
    verifier: Option<super::verify::Verifier>,
    /// Objects written so far (names objects for verification).
    objects_written: u64,
    client_cpu_busy: Nanos,
}

impl<'a> Simulation<'a> {
    pub fn new(sc: &'a Scenario) -> Self {
        let seed = sc.seed;
        let hosts = sc.s3.frontend_hosts.max(1);
        let retry = RetryPolicy::new(&sc.client);
        let conns = sc.client.connections_per_session.max(1);

        let mut prefix_limiters = Vec::new();
        let mut buckets = Vec::new();
        for b in &sc.buckets {
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
            let population = b.existing.as_ref().map(|p| {
                let kind = match b.encryption {
                    Mode::None | Mode::SseS3 | Mode::SseC => PopulationKeys::NoKms,
                    Mode::SseKms if p.bucket_key => PopulationKeys::BucketKey {
                        ttl: sc.s3.bucket_key_ttl,
                    },
                    Mode::SseKms | Mode::DsseKms => PopulationKeys::PerObject,
                    Mode::CseKms => PopulationKeys::ClientKey {
                        reuse: sc.client.data_key_cache.map(|c| c.max_age),
                    },
                };
                (
                    Population::new(&b.name, p, hosts, b.prefixes, kind),
                    SizeSampler::new(&p.size),
                )
            });
            buckets.push(BucketState {
                encryption: b.encryption,
                bucket_key: b.bucket_key && b.encryption == Mode::SseKms,
                prefixes: b.prefixes.max(1),
                limiter_base,
                written: WrittenObjects::new(seed, &b.name, WRITTEN_SAMPLE_CAPACITY),
                population,
            });
        }

        let mut sessions = Vec::new();
        let mut workloads = Vec::new();
        for w in &sc.workloads {
            let first_session = sessions.len() as u32;
            for _ in 0..w.sessions {
                sessions.push(Session {
                    idle: Pool::new(conns),
                    waiting: VecDeque::new(),
                    s3: Client::new(&retry),
                    kms: Client::new(&retry),
                    cpu: Cores::new(sc.client.cpu_cores),
                });
            }
            let (arrivals, think) = match &w.arrival {
                Arrival::Poisson { rate, profile } => {
                    (Some(ArrivalProcess::poisson(*rate, profile.clone())), 0)
                }
                Arrival::Constant { rate, profile } => {
                    (Some(ArrivalProcess::constant(*rate, profile.clone())), 0)
                }
                Arrival::Closed { think, .. } => (None, *think),
            };
            workloads.push(WorkloadState {
                arrivals,
                think,
                arrival_rng: Stream::new(seed, &format!("arrivals/{}", w.name)),
                routing_rng: Stream::new(seed, &format!("routing/{}", w.name)),
                host_rng: Stream::new(seed, &format!("hosts/{}", w.name)),
                object_rng: Stream::new(seed, &format!("objects/{}", w.name)),
                size: SizeSampler::new(&w.size),
                first_session,
                sessions: w.sessions.max(1),
                bucket: w.bucket as u32,
                get: w.op == Op::Get,
                read_from: w.read_from,
            });
        }

        let ttl = sc.s3.bucket_key_ttl;
        let cse_age = sc.client.data_key_cache.map(|c| c.max_age).unwrap_or(ttl);
        Simulation {
            sc,
            q: EventQueue::new(),
            kms: Kms::new(&sc.kms, seed),
            s3_latency: LatencySampler::new(&sc.s3.latency),
            s3_rng: Stream::new(seed, "s3/latency"),
            retry,
            retry_rng: Stream::new(seed, "client/retry-jitter"),
            workloads,
            sessions,
            buckets,
            reqs: Requests {
                slots: Vec::new(),
                free: Vec::new(),
            },
            prefix_limiters,
            bk_write: KeyCache::new(sc.s3.single_flight, ttl),
            bk_read: KeyCache::new(sc.s3.single_flight, ttl),
            cse_write: KeyCache::new(false, cse_age),
            cse_usage: Default::default(),
            cse_read: KeyCache::new(false, cse_age),
            next_key_id: 1,
            m: Collector::new(sc.warmup, sc.duration),
            transfer_rate: sc.s3.transfer_rate,
            verifier: super::verify::Verifier::new(sc),
            objects_written: 0,
            client_cpu_busy: 0,
        }
    }

    /// Runs the scenario: arrivals stop at its duration, then requests in flight drain for at
    /// most [`DRAIN_LIMIT`] of simulated time; those still unfinished then are counted as such.
    pub fn run(mut self, progress: Option<Progress>) -> Finished {
        let duration = self.sc.duration;
        let stop = duration.saturating_add(DRAIN_LIMIT);
        for (wi, w) in self.sc.workloads.iter().enumerate() {
            match w.arrival {
                Arrival::Closed { concurrency, .. } => {
                    for c in 0..concurrency {
                        self.q.schedule(
                            0,
                            Ev::ClientNext {
                                workload: wi as u32,
                                client: c,
                            },
                        );
                    }
                }
                _ => {
                    let ws = &mut self.workloads[wi];
                    if let Some(a) = ws.arrivals.as_mut()
                        && let Some(t) = a.next(duration, &mut ws.arrival_rng)
                    {
                        self.q.schedule(
                            t,
                            Ev::Arrival {
                                workload: wi as u32,
                            },
                        );
                    }
                }
            }
        }

        let mut progress = progress;
        let mut last = 0;
        let mut stopped = false;
        while let Some((now, ev)) = self.q.pop() {
            if now > stop {
                stopped = true;
                break;
            }
            self.m.advance(now);
            match ev {
                Ev::Arrival { workload } => {
                    let ws = &mut self.workloads[workload as usize];
                    if let Some(a) = ws.arrivals.as_mut()
                        && let Some(t) = a.next(duration, &mut ws.arrival_rng)
                    {
                        self.q.schedule(t, Ev::Arrival { workload });
                    }
                    self.start_request(now, workload, NONE);
                }
                Ev::ClientNext { workload, client } => {
                    if now < duration {
                        self.start_request(now, workload, client);
                    }
                }
                Ev::Attempt { req } => self.attempt(now, req),
                Ev::TokenWake {
                    session,
                    kms_client,
                    generation,
                } => self.token_wake(now, session, kms_client, generation),
                Ev::Response { req, outcome } => self.response(now, req, outcome),
                Ev::CpuDone { req } => self.finish(now, req, true),
            }
            if let Some(p) = progress.as_mut()
                && self.q.events_processed() & 0xffff == 0
            {
                p(now);
                last = now;
            }
        }
        let end = if stopped {
            stop
        } else {
            self.q.now().max(duration)
        };
        self.kms
            .catch_up_background(end, |b| self.m.background_call(b.at, b.throttled));
        if stopped {
            self.count_unfinished();
        }
        self.m.finish(end);
        if let Some(p) = progress.as_mut()
            && last < end
        {
            p(end);
        }
        let (verified_objects, verify_failures) = match self.verifier {
            Some(v) => (v.checked, v.failures),
            None => (0, Vec::new()),
        };
        Finished {
            events: self.q.events_processed(),
            metrics: self.m,
            end,
            client_cpu_busy: self.client_cpu_busy,
            verified_objects,
            verify_failures,
        }
    }

    /// Counts the requests still in the slab when the run stopped at its drain limit.
    fn count_unfinished(&mut self) {
        let mut free = vec![false; self.reqs.slots.len()];
        for &i in &self.reqs.free {
            free[i as usize] = true;
        }
        for (r, _) in self.reqs.slots.iter().zip(&free).filter(|(_, f)| !**f) {
            self.m.unfinished(r.first_send, r.get);
        }
    }

    fn start_request(&mut self, now: Nanos, workload: u32, client: u32) {
        let ws = &mut self.workloads[workload as usize];
        let session = ws.first_session + ws.routing_rng.below(ws.sessions as u64) as u32;
        let bucket = &self.buckets[ws.bucket as usize];
        let get = ws.get;
        let (size, prefix, key) = if get {
            let obj = match ws.read_from {
                ReadFrom::Written => bucket.written.pick(&mut ws.object_rng),
                ReadFrom::Existing => bucket.population.as_ref().map(|(p, sizes)| {
                    let i = p.pick_index(&mut ws.object_rng);
                    p.object(i, sizes.sample(&mut ws.object_rng))
                }),
            };
            match obj {
                Some(o) => (o.size, o.prefix, o.key),
                None => {
                    self.m.no_object(now);
                    let next = now + ws.think.max(MIN_CLOSED_LOOP_CYCLE);
                    if client != NONE && next < self.sc.duration {
                        self.q.schedule(next, Ev::ClientNext { workload, client });
                    }
                    return;
                }
            }
        } else {
            let size = ws.size.sample(&mut ws.object_rng);
            let prefix = ws.object_rng.below(bucket.prefixes as u64) as u32;
            (size, prefix, KeyRef::NoKms)
        };
        let enc = bucket.encryption;
        let (phase, parts) = if get {
            (Phase::Get, 0)
        } else if enc == Mode::CseKms {
            (Phase::ClientGenerate, 0)
        } else {
            self.put_phase(size)
        };
        let req = self.reqs.insert(Request {
            workload,
            session,
            client,
            get,
            first_send: now,
            size,
            prefix,
            key,
            phase,
            part: 0,
            parts,
            attempt: 0,
            retries: 0,
            host: NONE,
            sent: now,
        });
        self.m.arrived(now, get);
        self.attempt(now, req);
    }

    /// The first S3 call of an upload of `size` bytes, and its part count if multipart.
    fn put_phase(&self, size: u64) -> (Phase, u32) {
        if size >= self.sc.s3.multipart_threshold {
            let parts = size.div_ceil(self.sc.s3.multipart_part_size.max(1)).max(1) as u32;
            (Phase::MpuCreate, parts)
        } else {
            (Phase::Put, 0)
        }
    }

    fn is_client_kms(phase: Phase) -> bool {
        matches!(phase, Phase::ClientGenerate | Phase::ClientDecrypt)
    }

    /// Begins an attempt of the request's current call.
    fn attempt(&mut self, now: Nanos, req: u32) {
        let r = &mut self.reqs.slots[req as usize];
        r.attempt += 1;
        let r = *r;
        if Self::is_client_kms(r.phase) && self.client_cache_hit(now, req) {
            // Served from the client's data-key cache: nothing is sent.
            self.next_phase(now, req);
            return;
        }
        let s = &mut self.sessions[r.session as usize];
        let client = if Self::is_client_kms(r.phase) {
            &mut s.kms
        } else {
            &mut s.s3
        };
        let kms_client = Self::is_client_kms(r.phase);
        let go = match client.adaptive.as_mut() {
            None => true,
            // Behind others already waiting for a token, or no token now: wait in line.
            Some(a) => client.waiting.is_empty() && a.try_acquire(now),
        };
        if go {
            self.send(now, req);
        } else {
            client.waiting.push_back(req);
            if client.waiting.len() == 1 {
                self.schedule_token_wake(now, r.session, kms_client);
            }
        }
    }

    fn client_mut(&mut self, session: u32, kms_client: bool) -> &mut Client {
        let s = &mut self.sessions[session as usize];
        if kms_client { &mut s.kms } else { &mut s.s3 }
    }

    /// Schedules the next token wake-up of a client at its current fill rate, making any
    /// earlier one stale.
    fn schedule_token_wake(&mut self, now: Nanos, session: u32, kms_client: bool) {
        let c = self.client_mut(session, kms_client);
        c.wake_generation = c.wake_generation.wrapping_add(1);
        let generation = c.wake_generation;
        let wait = c.adaptive.as_mut().map_or(1, |a| a.next_token_in(now));
        self.q.schedule(
            now + wait,
            Ev::TokenWake {
                session,
                kms_client,
                generation,
            },
        );
    }

    /// Sends as many waiting requests as there are tokens, in order.
    fn token_wake(&mut self, now: Nanos, session: u32, kms_client: bool, generation: u32) {
        if self.client_mut(session, kms_client).wake_generation != generation {
            return;
        }
        loop {
            let c = self.client_mut(session, kms_client);
            let Some(&req) = c.waiting.front() else {
                return;
            };
            let ok = c.adaptive.as_mut().is_none_or(|a| a.try_acquire(now));
            if !ok {
                break;
            }
            c.waiting.pop_front();
            self.send(now, req);
        }
        self.schedule_token_wake(now, session, kms_client);
    }

    /// Sends the attempt: client-side KMS calls go straight to KMS; S3 calls take a pooled
    /// connection or wait for one.
    fn send(&mut self, now: Nanos, req: u32) {
        let r = self.reqs.slots[req as usize];
        if Self::is_client_kms(r.phase) {
            self.client_kms_call(now, req);
            return;
        }
        let pool = self.sc.client.pool;
        let s = &mut self.sessions[r.session as usize];
        let entry = match (s.idle.pop(), pool) {
            (Some(e), _) => Some(e),
            (None, PoolPolicy::Grow) => Some(UNOPENED),
            (None, PoolPolicy::Wait) => None,
        };
        match entry {
            None => s.waiting.push_back(req),
            Some(e) => {
                let host = if e == UNOPENED {
                    let hosts = self.sc.s3.frontend_hosts.max(1) as u64;
                    self.workloads[r.workload as usize].host_rng.below(hosts) as u32
                } else {
                    e
                };
                self.dispatch(now, req, host);
            }
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

    /// Bytes the current call moves.
    fn call_bytes(&self, r: &Request) -> u64 {
        match r.phase {
            Phase::Put | Phase::Get => r.size,
            Phase::MpuPart => {
                let ps = self.sc.s3.multipart_part_size.max(1);
                let done = r.part as u64 * ps;
                r.size.saturating_sub(done).min(ps)
            }
            _ => 0,
        }
    }

    /// A KMS call at `now` for the request that arrived at `first_send`.
    #[inline]
    fn kms_call(
        &mut self,
        now: Nanos,
        first_send: Nanos,
        op: KmsOpKind,
        ctx: Context,
    ) -> (bool, Nanos) {
        let m = &mut self.m;
        self.kms
            .catch_up_background(now, |b| m.background_call(b.at, b.throttled));
        let (ok, at) = self.kms.call(now);
        self.m.kms_call(now, first_send, op, ctx, !ok);
        (ok, at)
    }

    fn new_key_id(&mut self) -> u64 {
        let id = self.next_key_id;
        self.next_key_id += 1;
        id
    }

    /// The S3 front end `host` handles an attempt arriving at `now`.
    fn dispatch(&mut self, now: Nanos, req: u32, host: u32) {
        let mut r = self.reqs.slots[req as usize];
        r.host = host;
        r.sent = now;
        let ws = &self.workloads[r.workload as usize];
        let bi = ws.bucket;
        let b = &self.buckets[bi as usize];
        let class = if r.get { 1 } else { 0 };
        let lim = b.limiter_base + r.prefix as usize * 2 + class;
        if !self.prefix_limiters[lim].admit(now) {
            let at = now + self.s3_time();
            self.reqs.slots[req as usize] = r;
            self.q.schedule(
                at,
                Ev::Response {
                    req,
                    outcome: Outcome::SlowdownPrefix,
                },
            );
            return;
        }
        let server_side_kms = matches!(b.encryption, Mode::SseKms | Mode::DsseKms);
        let bucket_key = b.bucket_key;
        let bytes = self.call_bytes(&r);
        // When the key S3 needs is available (or its KMS call answers), and whether it is.
        let (key_at, key_ok) = if !server_side_kms {
            (now, true)
        } else {
            match r.phase {
                Phase::Put | Phase::MpuCreate if bucket_key => {
                    let ck = write_key(host, r.session, bi);
                    match self.bk_write.lookup(&ck, now) {
                        Lookup::Hit(e) => {
                            r.key = KeyRef::BucketKey(e.key_id);
                            (now, true)
                        }
                        Lookup::Join(e) => {
                            r.key = KeyRef::BucketKey(e.key_id);
                            (e.ready_at, e.ok)
                        }
                        Lookup::Miss => {
                            let (ok, at) = self.kms_call(
                                now,
                                r.first_send,
                                KmsOpKind::GenerateDataKey,
                                Context::BucketArn,
                            );
                            let id = self.new_key_id();
                            let ttl = self.sc.s3.bucket_key_ttl;
                            self.bk_write.insert(ck, now, id, at, ok, ttl);
                            if ok {
                                self.m.bucket_key_issued(r.first_send);
                            }
                            r.key = KeyRef::BucketKey(id);
                            (at, ok)
                        }
                    }
                }
                Phase::Put | Phase::MpuCreate => {
                    r.key = KeyRef::PerObject;
                    let (ok, at) = self.kms_call(
                        now,
                        r.first_send,
                        KmsOpKind::GenerateDataKey,
                        Context::ObjectArn,
                    );
                    (at, ok)
                }
                Phase::MpuPart | Phase::Get => match r.key {
                    KeyRef::BucketKey(id) => {
                        self.bucket_key_for_read(now, r.first_send, host, r.session, bi, id)
                    }
                    KeyRef::PerObject => {
                        let (ok, at) = self.kms_call(
                            now,
                            r.first_send,
                            KmsOpKind::Decrypt,
                            Context::ObjectArn,
                        );
                        (at, ok)
                    }
                    _ => (now, true),
                },
                _ => (now, true),
            }
        };
        // A transfer at a tiny `transfer_rate` may end beyond the end of time: saturate (the
        // run stops at its drain limit anyway).
        let at = if key_ok {
            key_at
                .saturating_add(self.s3_time())
                .saturating_add(self.transfer_time(bytes))
        } else {
            key_at.saturating_add(self.s3_time())
        };
        let outcome = if key_ok {
            Outcome::Ok
        } else {
            Outcome::SlowdownKms
        };
        self.reqs.slots[req as usize] = r;
        self.q.schedule(at, Ev::Response { req, outcome });
    }

    /// S3 needs bucket key `id` to read an object (or a part): cached on this host for this
    /// session (from writing or an earlier read), or unwrapped with Decrypt.
    fn bucket_key_for_read(
        &mut self,
        now: Nanos,
        first_send: Nanos,
        host: u32,
        session: u32,
        bucket: u32,
        id: u64,
    ) -> (Nanos, bool) {
        if let Lookup::Hit(e) | Lookup::Join(e) =
            self.bk_write.lookup(&write_key(host, session, bucket), now)
            && e.key_id == id
            && e.ok
        {
            return (e.ready_at.max(now), true);
        }
        let ck = read_key(host, session, id);
        match self.bk_read.lookup(&ck, now) {
            Lookup::Hit(_) => (now, true),
            Lookup::Join(e) => (e.ready_at, e.ok),
            Lookup::Miss => {
                let (ok, at) =
                    self.kms_call(now, first_send, KmsOpKind::Decrypt, Context::BucketArn);
                let ttl = self.sc.s3.bucket_key_ttl;
                self.bk_read.insert(ck, now, (), at, ok, ttl);
                if ok {
                    self.m.bucket_key_decrypted(first_send);
                }
                (at, ok)
            }
        }
    }

    /// The client-side data-key cache (cse-kms): whether the current step is served from it
    /// (no KMS call, so no token, no quota and no limiter measurement). A GenerateDataKey hit
    /// must stay within the cache's message and byte limits (AWS Encryption SDK: the first use
    /// of a key is not counted; later uses count, the current message included).
    fn client_cache_hit(&mut self, now: Nanos, req: u32) -> bool {
        let Some(c) = self.sc.client.data_key_cache else {
            return false;
        };
        let mut r = self.reqs.slots[req as usize];
        let bi = self.workloads[r.workload as usize].bucket;
        let hit = match r.phase {
            Phase::ClientGenerate => {
                let ck = (r.session, bi);
                match self.cse_write.lookup(&ck, now) {
                    Lookup::Hit(e) => {
                        let usage = self.cse_usage.entry(ck).or_insert((0, 0));
                        if usage.0 < c.max_messages && usage.1.saturating_add(r.size) <= c.max_bytes
                        {
                            usage.0 += 1;
                            usage.1 = usage.1.saturating_add(r.size);
                            r.key = KeyRef::ClientKey(e.key_id);
                            true
                        } else {
                            self.cse_write.evict(&ck);
                            false
                        }
                    }
                    _ => false,
                }
            }
            Phase::ClientDecrypt => {
                let id = r.key.client_id();
                matches!(self.cse_read.lookup(&(r.session, id), now), Lookup::Hit(_))
            }
            _ => false,
        };
        self.reqs.slots[req as usize] = r;
        hit
    }

    /// A client-side (cse-kms) KMS call the cache could not serve: GenerateDataKey before a
    /// PUT, Decrypt after a GET. The answer is cached when the client has a cache.
    fn client_kms_call(&mut self, now: Nanos, req: u32) {
        let mut r = self.reqs.slots[req as usize];
        r.sent = now;
        let bi = self.workloads[r.workload as usize].bucket;
        let cache = self.sc.client.data_key_cache;
        let (ok, at) = match r.phase {
            Phase::ClientGenerate => {
                let ck = (r.session, bi);
                let (ok, at) = self.kms_call(
                    now,
                    r.first_send,
                    KmsOpKind::GenerateDataKey,
                    Context::Client,
                );
                let id = self.new_key_id();
                if let Some(c) = cache {
                    self.cse_write.insert(ck, now, id, at, ok, c.max_age);
                    // The first use of a data key does not count (Encryption SDK).
                    self.cse_usage.insert(ck, (0, 0));
                }
                r.key = KeyRef::ClientKey(id);
                (ok, at)
            }
            _ => {
                let id = r.key.client_id();
                let (ok, at) =
                    self.kms_call(now, r.first_send, KmsOpKind::Decrypt, Context::Client);
                if let Some(c) = cache {
                    self.cse_read
                        .insert((r.session, id), now, id, at, ok, c.max_age);
                }
                (ok, at)
            }
        };
        self.reqs.slots[req as usize] = r;
        let outcome = if ok {
            Outcome::Ok
        } else {
            Outcome::KmsThrottled
        };
        self.q.schedule(at, Ev::Response { req, outcome });
    }

    fn response(&mut self, now: Nanos, req: u32, outcome: Outcome) {
        let mut r = self.reqs.slots[req as usize];
        let client_kms = Self::is_client_kms(r.phase);
        // Free the connection: the next waiting request of the session takes it.
        if r.host != NONE {
            let host = r.host;
            r.host = NONE;
            self.reqs.slots[req as usize] = r;
            let pool_size = self.sc.client.connections_per_session.max(1) as usize;
            let s = &mut self.sessions[r.session as usize];
            match s.waiting.pop_front() {
                Some(next) => self.dispatch(now, next, host),
                // Keep it for reuse while the pool has room; otherwise it is closed.
                None if s.idle.len() < pool_size => s.idle.push(host),
                None => {}
            }
        }
        let throttled = outcome != Outcome::Ok;
        {
            let s = &mut self.sessions[r.session as usize];
            let client = if client_kms { &mut s.kms } else { &mut s.s3 };
            if let Some(a) = client.adaptive.as_mut() {
                a.on_response(now, throttled);
                // The fill rate changed: the first waiting sender's token comes at a new time.
                if !client.waiting.is_empty() {
                    self.schedule_token_wake(now, r.session, client_kms);
                }
            }
        }
        match outcome {
            Outcome::SlowdownKms => self.m.slowdown(now, r.first_send, SlowdownCause::Kms),
            Outcome::SlowdownPrefix => self.m.slowdown(now, r.first_send, SlowdownCause::Prefix),
            _ => {}
        }
        if !throttled {
            let first_try = r.attempt == 1;
            let cost = self.retry.cost;
            let s = &mut self.sessions[r.session as usize];
            let client = if client_kms { &mut s.kms } else { &mut s.s3 };
            client.refund(first_try, cost);
            self.reqs.slots[req as usize] = r;
            self.next_phase(now, req);
            return;
        }
        // Every failure the model produces is a throttle (retryable).
        let cost = self.retry.cost;
        let may_retry = r.attempt < self.retry.max_attempts && {
            let s = &mut self.sessions[r.session as usize];
            let client = if client_kms { &mut s.kms } else { &mut s.s3 };
            client.take_retry_quota(cost)
        };
        if may_retry {
            r.retries += 1;
            let delay = self.retry.backoff(r.attempt, &mut self.retry_rng);
            self.reqs.slots[req as usize] = r;
            self.q.schedule(now + delay, Ev::Attempt { req });
        } else {
            self.reqs.slots[req as usize] = r;
            self.finish(now, req, false);
        }
    }

    /// The current call succeeded: start the next one, or finish the request.
    fn next_phase(&mut self, now: Nanos, req: u32) {
        // After a client-side GenerateDataKey the upload starts as any other would.
        let (after_generate, parts) = self.put_phase(self.reqs.slots[req as usize].size);
        let r = &mut self.reqs.slots[req as usize];
        r.attempt = 0;
        let next = match r.phase {
            Phase::ClientGenerate => {
                r.parts = parts;
                Some(after_generate)
            }
            Phase::MpuCreate => Some(Phase::MpuPart),
            Phase::MpuPart => {
                r.part += 1;
                if r.part < r.parts {
                    Some(Phase::MpuPart)
                } else {
                    Some(Phase::MpuComplete)
                }
            }
            Phase::Get => {
                if matches!(r.key, KeyRef::ClientKey(_)) {
                    Some(Phase::ClientDecrypt)
                } else {
                    None
                }
            }
            Phase::Put | Phase::MpuComplete | Phase::ClientDecrypt => None,
        };
        let (from, session, size, first_send) = (r.phase, r.session, r.size, r.first_send);
        match next {
            Some(p) => {
                // A cse-kms upload keeps the client key; a server-side upload's parts use the
                // key chosen at create.
                r.phase = p;
                match self.client_cpu(now, from, session, size, first_send) {
                    // The client encrypts the object before it sends it.
                    Some(done) => self.q.schedule(done, Ev::Attempt { req }),
                    None => self.attempt(now, req),
                }
            }
            None => match self.client_cpu(now, from, session, size, first_send) {
                // The client decrypts the object it got.
                Some(done) => self.q.schedule(done, Ev::CpuDone { req }),
                None => self.finish(now, req, true),
            },
        }
    }

    /// Client-side encryption after the client's GenerateDataKey, or decryption after its
    /// Decrypt, on the session's cores (first come, first served): when it is done, or None
    /// when the step takes no CPU time (`cpu_cores = 0`, or not a client-side step).
    fn client_cpu(
        &mut self,
        now: Nanos,
        step: Phase,
        session: u32,
        bytes: u64,
        first_send: Nanos,
    ) -> Option<Nanos> {
        if step != Phase::ClientGenerate && step != Phase::ClientDecrypt {
            return None;
        }
        if self.sc.client.cpu_cores == 0 {
            return None;
        }
        let c = self
            .sc
            .crypto
            .cse_cost
            .expect("calibration profile loaded (prepare::variant)");
        let cost_s = c.per_object_ns / 1e9 + bytes as f64 / c.bytes_per_sec;
        let cost = from_secs(cost_s).max(1);
        let start = self.sessions[session as usize].cpu.run(now, cost)?;
        if first_send >= self.sc.warmup && first_send < self.sc.duration {
            self.client_cpu_busy += cost;
        }
        Some(start.saturating_add(cost))
    }

    fn finish(&mut self, now: Nanos, req: u32, ok: bool) {
        let r = self.reqs.slots[req as usize];
        if ok && !r.get {
            let bi = self.workloads[r.workload as usize].bucket as usize;
            let key = match self.buckets[bi].encryption {
                Mode::None | Mode::SseS3 | Mode::SseC => KeyRef::NoKms,
                _ => r.key,
            };
            self.objects_written += 1;
            if let Some(v) = self.verifier.as_mut() {
                let w = &self.sc.workloads[r.workload as usize];
                let name = format!(
                    "{}/p{:04}/obj-{:012}",
                    w.name, r.prefix, self.objects_written
                );
                v.written(&self.sc.buckets[bi], &name, r.key, r.size);
            }
            self.buckets[bi].written.record(ObjectRecord {
                key,
                size: r.size,
                prefix: r.prefix,
            });
        }
        self.m.finished(now, r.first_send, r.get, ok, r.retries);
        self.reqs.remove(req);
        if r.client != NONE {
            let think = self.workloads[r.workload as usize].think;
            let cycle_start = r.first_send + MIN_CLOSED_LOOP_CYCLE;
            let next = (now + think).max(cycle_start);
            // A client sends nothing at or after the end of the run.
            if next < self.sc.duration {
                self.q.schedule(
                    next,
                    Ev::ClientNext {
                        workload: r.workload,
                        client: r.client,
                    },
                );
            }
        }
    }
}

/// Cache key of a bucket key for writes: front-end host, requester session, bucket.
#[inline]
fn write_key(host: u32, session: u32, bucket: u32) -> u128 {
    ((host as u128) << 64) | ((session as u128) << 32) | bucket as u128
}

/// Cache key of a bucket key unwrapped for reads: front-end host, requester session, key id.
#[inline]
fn read_key(host: u32, session: u32, key_id: u64) -> u128 {
    ((host as u128) << 96) | ((session as u128) << 64) | key_id as u128
}
