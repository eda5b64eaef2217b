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

//!
//! The state is in named parts, all driven by the one event loop here (no dynamic dispatch):
//! [`front_end`] (S3: buckets, prefix limits, bucket-key caches), [`cse`] (the client-side
//! encryption client: its data-key cache and the sessions' CPU cores), [`pool`] (connection
//! pools), [`multipart`] (how uploads are split), [`kms_calls`] (every KMS call, measured),
//! [`request`] (requests in flight) and [`sequence`] (workloads' `requests` budgets, the order
//! in which they start, and reads of a put workload's objects by position).

mod copy;
pub(crate) mod cse;
mod denied;
mod finish;
mod front_end;
mod head;
mod kms_calls;
pub mod kms_keys;
mod layer;
mod multipart;
pub(crate) mod policy_gate;
pub(crate) mod pool;
mod principals;
pub mod regions;
pub(crate) mod replay;
pub mod replication;
mod request;
pub(crate) mod sequence;
mod tokens;
pub mod trail;

use super::client::{Client, RetryPolicy};
use super::dist::{ArrivalProcess, SizeSampler};
use super::objects::{KeyRef, ObjectRecord};
use crate::engine::queue::EventQueue;
use crate::engine::rng::Stream;
use crate::engine::time::{NANOS_PER_MICRO, Nanos};
use crate::metrics::collector::{Collector, DRAIN_LIMIT, SlowdownCause};
use crate::scenario::{Arrival, Op, ReadFrom, Scenario};
use cse::CseClient;
use front_end::FrontEnd;
use kms_calls::KmsCalls;
use multipart::Multipart;
use pool::{Connections, UNOPENED};
use replay::Replay;
use request::{NONE, Outcome, Phase, Request, Requests};
use sequence::Sequence;

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
    /// The next request of a replayed log is offered.
    Trace { source: u32 },
    /// The session's CPU finished decrypting a client-side encrypted object: the GET is done.
    CpuDone { req: u32 },
    /// S3's (or, client-side, KMS's) answer to the current attempt.
    Response { req: u32, outcome: Outcome },
    /// The next step of a replication (its source read, or its replica's write).
    Replicate { task: u32 },
}

/// A session: its connection pool and its two SDK clients (S3, and KMS for client-side
/// encryption), each with its retry quota and adaptive limiter.
struct Session {
    conns: Connections,
    s3: Client,
    kms: Client,
}

impl Session {
    #[inline]
    fn client(&mut self, kms_client: bool) -> &mut Client {
        if kms_client {
            &mut self.kms
        } else {
            &mut self.s3
        }
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
    /// Copy workloads: the source bucket (reads it first, then writes `bucket`).
    copy: Option<u32>,
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
    /// What the run's course adds to the scenario's notes (workloads that did not offer all
    /// their `requests`, or never started).
    pub notes: Vec<String>,
    /// Requests of each trace workload not offered because the run ended first.
    pub trace_cut: Vec<u64>,
    /// Why reading a trace failed, if it did (the results are then incomplete).
    pub trace_error: Option<String>,
    /// The CloudTrail records' figures, or why writing them failed (`--cloudtrail`).
    pub trail: Option<std::io::Result<crate::cloudtrail::TrailStats>>,
    /// KMS calls the buckets' policies denied (measured), by workload and operation.
    pub denied: Vec<crate::metrics::results::DeniedCalls>,
    /// What each Region's KMS saw, by index in `Scenario::regions`.
    pub regions: Vec<regions::RegionCounts>,
    /// What replication did (all zero without `[[replication]]`).
    pub replication: replication::ReplicationCounts,
}

/// Progress callback: called every so many events with the simulated time reached.
pub type Progress<'a> = &'a mut dyn FnMut(Nanos);

/// A variant's simulation, built from a validated scenario.
pub struct Simulation<'a> {
    sc: &'a Scenario,
    q: EventQueue<Ev>,
    kms: KmsCalls,
    front: FrontEnd,
    cse: CseClient,
    uploads: Multipart,
    retry: RetryPolicy,
    retry_rng: Stream,
    workloads: Vec<WorkloadState>,
    sessions: Vec<Session>,
    reqs: Requests,
    m: Collector,
    verifier: Option<super::verify::Verifier>,
    /// Objects written so far (names objects for verification).
    objects_written: u64,
    /// Request budgets, workloads that start after others, reads by position.
    seq: Sequence,
    /// Replayed logs and the objects their requests touch.
    replay: Replay,
    /// Copy workloads: population objects rewritten in place, copy jobs' positions.
    copies: copy::Copies,
    /// `[[replication]]` rules and the replications in progress.
    replication: replication::Replication,
}

impl<'a> Simulation<'a> {
    pub fn new(sc: &'a Scenario) -> Self {
        let seed = sc.seed;
        let retry = RetryPolicy::new(&sc.client);
        let conns = sc.client.connections_per_session.max(1);

        let mut sessions = Vec::new();
        let mut workloads = Vec::new();
        for w in &sc.workloads {
            let first_session = sessions.len() as u32;
            for _ in 0..w.sessions {
                sessions.push(Session {
                    conns: Connections::new(conns),
                    s3: Client::new(&retry),
                    kms: Client::new(&retry),
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
                // A copy reads its source first.
                get: w.op != Op::Put,
                read_from: w.read_from,
                copy: w.copy_from.map(|b| b as u32),
            });
        }
        // A workload sending from another's sessions (resolved to their owner) routes its
        // requests over the owner's sessions.
        for (i, w) in sc.workloads.iter().enumerate() {
            if let Some(owner) = w.sessions_of {
                workloads[i].first_session = workloads[owner].first_session;
                workloads[i].sessions = workloads[owner].sessions;
            }
        }

        // Each trace workload: its sessions (one per requester) and a workload slot after the
        // planned workloads (for its new connections' front-end hosts).
        let mut slots = Vec::new();
        for tw in &sc.traces {
            let first_session = sessions.len() as u32;
            let n = tw.trace.as_ref().map_or(0, |t| t.sessions);
            for _ in 0..n {
                sessions.push(Session {
                    conns: Connections::new(conns),
                    s3: Client::new(&retry),
                    kms: Client::new(&retry),
                });
            }
            slots.push((first_session, workloads.len() as u32));
            workloads.push(WorkloadState {
                arrivals: None,
                think: 0,
                arrival_rng: Stream::new(seed, &format!("arrivals/{}", tw.name)),
                routing_rng: Stream::new(seed, &format!("routing/{}", tw.name)),
                host_rng: Stream::new(seed, &format!("hosts/{}", tw.name)),
                object_rng: Stream::new(seed, &format!("objects/{}", tw.name)),
                size: SizeSampler::new(&crate::scenario::SizeDist::Fixed(0)),
                first_session,
                sessions: n.max(1),
                bucket: 0,
                get: false,
                read_from: ReadFrom::Written,
                copy: None,
            });
        }
        let replay = Replay::new(&sc.traces, &slots, sc.duration);
        let sessions_len = sessions.len() as u32;

        Simulation {
            sc,
            q: EventQueue::new(),
            kms: KmsCalls::new(regions::Regions::new(sc), policy_gate::PolicyGate::new(sc)),
            front: FrontEnd::new(sc),
            cse: CseClient::new(sc, sessions.len()),
            uploads: Multipart::new(&sc.s3),
            retry,
            retry_rng: Stream::new(seed, "client/retry-jitter"),
            workloads,
            sessions,
            reqs: Requests::new(),
            m: Collector::new(sc.warmup, sc.duration),
            verifier: super::verify::Verifier::new(sc),
            objects_written: 0,
            seq: Sequence::new(sc),
            replay,
            copies: copy::Copies::new(sc.buckets.len(), sc.workloads.len()),
            replication: replication::Replication::new(sc, sessions_len),
        }
    }

    /// Runs the scenario: arrivals stop at its duration, then requests in flight drain for at
    /// most [`DRAIN_LIMIT`] of simulated time; those still unfinished then are counted as such.
    pub fn run(mut self, progress: Option<Progress>) -> Finished {
        let duration = self.sc.duration;
        let stop = duration.saturating_add(DRAIN_LIMIT);
        for wi in 0..self.sc.workloads.len() {
            // Workloads that follow another start when it ends.
            if self.sc.workloads[wi].after.is_none() {
                self.start_workload(0, wi);
            }
        }
        for source in 0..self.replay.sources.len() {
            self.schedule_trace(source as u32);
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
                    self.seq.offer(workload);
                    // Arrivals stop once the workload's `requests` are offered.
                    if self.seq.may_offer(workload) {
                        self.schedule_arrival(workload);
                    }
                    self.start_request(now, workload, NONE);
                }
                Ev::ClientNext { workload, client } => {
                    if now < duration && self.seq.may_offer(workload) {
                        self.seq.offer(workload);
                        self.start_request(now, workload, client);
                    }
                }
                Ev::Trace { source } => self.trace_request(now, source),
                Ev::Attempt { req } => self.attempt(now, req),
                Ev::TokenWake {
                    session,
                    kms_client,
                    generation,
                } => self.token_wake(now, session, kms_client, generation),
                Ev::Response { req, outcome } => self.response(now, req, outcome),
                Ev::CpuDone { req } => self.finish(now, req, true),
                Ev::Replicate { task } => self.replication_step(now, task),
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
        self.kms.finish(&mut self.m, end);
        if stopped {
            self.count_unfinished();
        }
        self.m.finish(end);
        if let Some(p) = progress.as_mut()
            && last < end
        {
            p(end);
        }
        let notes = self.sequence_notes();
        let (trace_cut, trace_error) = self.replay_outcome();
        let (verified_objects, verify_failures) = match self.verifier {
            Some(v) => (v.checked, v.failures),
            None => (0, Vec::new()),
        };
        let mut replication = self.replication.counts.clone();
        replication.pending = self.replication.pending();
        Finished {
            regions: self.kms.regions.counts.clone(),
            replication,
            events: self.q.events_processed(),
            metrics: self.m,
            end,
            client_cpu_busy: self.cse.busy,
            verified_objects,
            verify_failures,
            notes,
            trace_cut,
            trace_error,
            trail: self.kms.trail.take().map(trail::Trail::finish),
            denied: self
                .kms
                .gate
                .as_ref()
                .map(|g| g.denied())
                .unwrap_or_default(),
        }
    }

    /// Writes every KMS call of the run to `trail` as it happens.
    pub fn with_trail(mut self, trail: trail::Trail) -> Self {
        self.kms.trail = Some(trail);
        self
    }

    fn start_request(&mut self, now: Nanos, workload: u32, client: u32) {
        let ws = &mut self.workloads[workload as usize];
        let session = ws.first_session + ws.routing_rng.below(ws.sessions as u64) as u32;
        // A copy reads its source bucket first.
        let (src, copy, copies) = (
            ws.copy.unwrap_or(ws.bucket),
            ws.copy.is_some(),
            &mut self.copies,
        );
        let bucket = &self.front.buckets[src as usize];
        let get = ws.get;
        let (size, prefix, key, client_key) = if get {
            let obj = match ws.read_from {
                ReadFrom::Written => bucket.written.pick(&mut ws.object_rng),
                ReadFrom::Existing => bucket.population.as_ref().map(|(p, sizes)| {
                    copies.pick(copy, workload, src, p, sizes, &mut ws.object_rng)
                }),
                ReadFrom::Workload { .. } => self.seq.read(workload),
            };
            match obj {
                Some(o) => (o.size, o.prefix, o.key, o.client_key),
                None => {
                    self.m.no_object(now);
                    let next = now + ws.think.max(MIN_CLOSED_LOOP_CYCLE);
                    if client != NONE && next < self.sc.duration {
                        self.q.schedule(next, Ev::ClientNext { workload, client });
                    }
                    self.request_over(now, workload, false);
                    return;
                }
            }
        } else {
            let size = ws.size.sample(&mut ws.object_rng);
            let prefix = ws.object_rng.below(bucket.prefixes as u64) as u32;
            (size, prefix, KeyRef::NoKms, 0)
        };
        let enc = bucket.encryption;
        let (first, other) = head::first_call(self.sc.workloads[workload as usize].head);
        let (phase, parts) = if copy {
            (Phase::CopyRead, 0)
        } else if get {
            (first, 0)
        } else if enc.client_calls_kms() || self.cse.layered(workload) {
            (Phase::ClientGenerate, 0)
        } else {
            self.uploads.first_call(size)
        };
        let req = self.reqs.insert(Request {
            workload,
            session,
            client,
            bucket: src,
            get,
            replay: false,
            other,
            first_send: now,
            size,
            prefix,
            key,
            client_key,
            existing: get && ws.read_from == ReadFrom::Existing,
            denied: false,
            phase,
            part: 0,
            parts,
            attempt: 0,
            retries: 0,
            host: NONE,
            sent: now,
        });
        self.copies.set_index(req);
        let head = self.sc.workloads[workload as usize].head;
        // A copy counts as a write.
        head::arrived(&mut self.m, now, get && !copy, head);
        self.seq.sent(workload);
        self.attempt(now, req);
    }

    /// Begins an attempt of the request's current call.
    fn attempt(&mut self, now: Nanos, req: u32) {
        let r = &mut self.reqs.slots[req as usize];
        r.attempt += 1;
        let kms_client = r.phase.is_client_kms();
        if kms_client {
            let bi = r.bucket;
            if self.cse.cache_hit(now, r, bi) {
                // Served from the client's data-key cache: nothing is sent.
                self.next_phase(now, req);
                return;
            }
        }
        let r = *r;
        let client = self.sessions[r.session as usize].client(kms_client);
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

    /// Sends the attempt: client-side KMS calls go straight to KMS; S3 calls take a pooled
    /// connection or wait for one.
    fn send(&mut self, now: Nanos, req: u32) {
        let r = &mut self.reqs.slots[req as usize];
        if r.phase.is_client_kms() {
            r.sent = now;
            let bi = r.bucket;
            self.kms.clear_denied();
            let (ok, at) = self.cse.kms_call(&mut self.kms, &mut self.m, now, r, bi);
            let outcome = if ok {
                Outcome::Ok
            } else if self.kms.last_denied() {
                Outcome::AccessDenied
            } else {
                Outcome::KmsThrottled
            };
            self.q.schedule(at, Ev::Response { req, outcome });
            return;
        }
        let (session, workload) = (r.session, r.workload);
        let pool = self.sc.client.pool;
        if let Some(e) = self.sessions[session as usize].conns.take(req, pool) {
            let host = if e == UNOPENED {
                let hosts = self.sc.s3.frontend_hosts.max(1) as u64;
                self.workloads[workload as usize].host_rng.below(hosts) as u32
            } else {
                e
            };
            self.dispatch(now, req, host);
        }
    }

    /// The S3 front end `host` handles an attempt arriving at `now`.
    #[inline]
    fn dispatch(&mut self, now: Nanos, req: u32, host: u32) {
        let r = &mut self.reqs.slots[req as usize];
        r.host = host;
        r.sent = now;
        let bi = r.bucket;
        let bytes = self.uploads.call_bytes(r);
        let (at, outcome) = self
            .front
            .handle(&mut self.kms, &mut self.m, now, r, bi, bytes);
        self.q.schedule(at, Ev::Response { req, outcome });
    }

    fn response(&mut self, now: Nanos, req: u32, outcome: Outcome) {
        let mut r = self.reqs.slots[req as usize];
        let client_kms = r.phase.is_client_kms();
        // Free the connection: the next waiting request of the session takes it.
        if r.host != NONE {
            let host = r.host;
            r.host = NONE;
            self.reqs.slots[req as usize] = r;
            let pool_size = self.sc.client.connections_per_session.max(1) as usize;
            if let Some(next) = self.sessions[r.session as usize]
                .conns
                .release(host, pool_size)
            {
                self.dispatch(now, next, host);
            }
        }
        if outcome == Outcome::AccessDenied {
            self.access_denied(now, req, r);
            return;
        }
        let throttled = outcome != Outcome::Ok;
        {
            let client = self.sessions[r.session as usize].client(client_kms);
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
            self.sessions[r.session as usize]
                .client(client_kms)
                .refund(first_try, cost);
            self.reqs.slots[req as usize] = r;
            self.next_phase(now, req);
            return;
        }
        // Every failure the model produces is a throttle (retryable).
        let cost = self.retry.cost;
        let may_retry = r.attempt < self.retry.max_attempts
            && self.sessions[r.session as usize]
                .client(client_kms)
                .take_retry_quota(cost);
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
}
