//! The worker threads' tasks: a request's life from its arrival to its end, as the
//! simulation's event loop runs it (sessions, connection pools, adaptive limiters, SDK
//! retries with backoff, multipart uploads, HEAD before GET, closed-loop clients), but in
//! real time: every wait is a timer entry, and the objects' bytes are really sealed and
//! opened when their key has arrived.

use super::cse;
use super::envelope;
use super::front::{self, Next, Outcome};
use super::harness::{Session, Shared};
use super::lock;
use super::request::{NONE, Phase, Req};
use super::store::{ObjKey, StoredObject, arn_of};
use crate::crypto::CryptoError;
use crate::engine::rng::Stream;
use crate::engine::time::{NANOS_PER_MICRO, Nanos};
use crate::metrics::collector::{Collector, SlowdownCause};
use crate::model::objects::ObjectRecord;
use crate::model::sim::pool::UNOPENED;
use crate::scenario::{HeadCall, ReadFrom};
use hdrhistogram::Histogram;
use std::sync::atomic::Ordering;

/// What the timer hands a worker.
pub enum Task {
    /// The next open-loop arrival of a workload.
    Arrival { workload: u32 },
    /// A closed-loop client sends its next request.
    ClientNext { workload: u32, client: u32 },
    /// An attempt of the request's current call (first try or after backoff).
    Attempt(Box<Req>),
    /// The key of the request's current call has arrived at S3.
    KeyReady(Box<Req>),
    /// S3's answer reaches the client.
    Respond(Box<Req>, Outcome),
    /// A token may be there for the first request waiting on a session's adaptive limiter.
    TokenWake { session: u32, generation: u32 },
    /// The next step of a replication ([`super::replication`]).
    Replicate(Box<super::replication::Step>),
    /// The next request of a replayed log is offered.
    Trace { source: u32 },
    /// A step of client-side encryption (the client's KMS call, its CPU): [`cse`].
    Client(Box<Req>, cse::Event),
    /// A token may be there for the first request waiting on a session's KMS client.
    ClientTokenWake { session: u32, generation: u32 },
}

impl Task {
    /// The request this task carries, if any.
    pub fn request(&self) -> Option<&Req> {
        match self {
            Task::Attempt(r) | Task::KeyReady(r) | Task::Respond(r, _) | Task::Client(r, _) => {
                Some(r)
            }
            _ => None,
        }
    }
}

/// One worker thread's own state: its random stream and what it measured.
pub struct Worker {
    rng: Stream,
    /// How late tasks started, µs.
    pub lag_us: Histogram<u64>,
    /// Time spent handling tasks.
    pub busy: Nanos,
}

impl Worker {
    pub fn new(seed: u64, i: usize) -> Worker {
        Worker {
            rng: Stream::new(seed, &format!("live/worker/{i}")),
            lag_us: crate::metrics::results::new_latency_histogram(),
            busy: 0,
        }
    }

    pub fn handle(&mut self, sh: &Shared, due: Nanos, task: Task) {
        let now = sh.clock.now();
        self.lag_us
            .saturating_record((now.saturating_sub(due) / NANOS_PER_MICRO).max(1));
        let rng = &mut self.rng;
        match task {
            Task::Arrival { workload } => arrival(sh, rng, now, workload),
            Task::ClientNext { workload, client } => {
                if now < sh.sc.duration && sh.seq.offer(workload).is_some() {
                    start_request(sh, rng, now, workload, client);
                }
            }
            Task::Attempt(r) => attempt(sh, rng, now, r),
            Task::KeyReady(r) => key_ready(sh, rng, now, r),
            Task::Respond(r, o) => respond(sh, rng, now, r, o),
            Task::TokenWake {
                session,
                generation,
            } => token_wake(sh, rng, now, session, generation),
            Task::Replicate(s) => super::replication::step(sh, rng, now, s),
            Task::Trace { source } => {
                if let Some(r) = super::replay::request(sh, now, source) {
                    let first_send = r.first_send;
                    attempt(sh, rng, first_send, r);
                }
            }
            Task::Client(r, e) => cse::handle(sh, rng, now, r, e),
            Task::ClientTokenWake {
                session,
                generation,
            } => cse::token_wake(sh, rng, now, session, generation),
        }
        self.busy += sh.clock.now().saturating_sub(now);
    }
}

/// Starts workload `wi` at `now`: its closed-loop clients send, or its arrival process
/// begins (its time 0 at `now`).
pub fn start_workload(sh: &Shared, now: Nanos, wi: u32) {
    sh.seq.start(wi, now);
    match sh.sc.workloads[wi as usize].arrival {
        crate::scenario::Arrival::Closed { concurrency, .. } => {
            for client in 0..concurrency {
                sh.at(
                    now,
                    Task::ClientNext {
                        workload: wi,
                        client,
                    },
                );
            }
        }
        _ => schedule_arrival(sh, wi),
    }
}

/// Schedules the next open-loop arrival of workload `wi`, if there is one before the end.
fn schedule_arrival(sh: &Shared, wi: u32) {
    let start = sh.seq.started(wi).unwrap_or(0);
    let until = sh.sc.duration.saturating_sub(start);
    let mut a = lock(&sh.workloads[wi as usize].arrivals);
    if let Some((p, rng)) = a.as_mut()
        && let Some(t) = p.next(until, rng)
    {
        sh.at(start.saturating_add(t), Task::Arrival { workload: wi });
    }
}

fn arrival(sh: &Shared, rng: &mut Stream, now: Nanos, wi: u32) {
    let Some(more) = sh.seq.offer(wi) else {
        return;
    };
    if more {
        schedule_arrival(sh, wi);
    }
    start_request(sh, rng, now, wi, NONE);
}

/// A request of workload `wi` is over: when it was the workload's last, its followers start.
fn request_over(sh: &Shared, now: Nanos, wi: u32, was_sent: bool) {
    for f in sh.seq.request_over(wi, was_sent) {
        start_workload(sh, now, f);
    }
}

/// A read of workload `wi` found no object: counted as such, its closed-loop client sends
/// its next request after its think time, and the request is over without being sent (so
/// workloads that follow a budgeted one still start; the simulation's `start_request`).
pub(super) fn no_object(sh: &Shared, now: Nanos, wi: u32, client: u32) {
    lock(&sh.m).no_object(now);
    let next = now + sh.workloads[wi as usize].think.max(NANOS_PER_MICRO);
    if client != NONE && next < sh.sc.duration {
        sh.at(
            next,
            Task::ClientNext {
                workload: wi,
                client,
            },
        );
    }
    request_over(sh, now, wi, false);
}

fn start_request(sh: &Shared, rng: &mut Stream, now: Nanos, wi: u32, client: u32) {
    if super::copy::is_copy(sh, wi) {
        if let Some(r) = super::copy::start(sh, rng, now, wi, client) {
            attempt(sh, rng, r.first_send, r);
        }
        return;
    }
    let ws = &sh.workloads[wi as usize];
    let session = ws.first_session + rng.below(ws.sessions as u64) as u32;
    let bi = ws.bucket as usize;
    let fb = &sh.front.buckets[bi];
    let cap = sh.settings.max_payload;
    let object = sh.next_object.fetch_add(1, Ordering::Relaxed);
    let (size, prefix, read, obj_key) = if ws.get {
        let obj = match ws.read_from {
            ReadFrom::Existing => existing(sh, rng, bi, object),
            ReadFrom::Workload { .. } => Ok(sh.seq.read(wi)),
            ReadFrom::Written => Ok(fb.store.pick(rng)),
        };
        match obj {
            Ok(Some(o)) => (
                o.record.size,
                o.record.prefix,
                Some(o.clone()),
                o.key.clone(),
            ),
            Ok(None) => return no_object(sh, now, wi, client),
            Err(e) => {
                sh.fail(format!(
                    "making an existing object of bucket {}: {e}",
                    fb.store.name
                ));
                return;
            }
        }
    } else {
        let size = ws.size.sample(rng);
        let prefix = rng.below(fb.prefixes as u64) as u32;
        (size, prefix, None, ObjKey::Plain)
    };
    let (phase, other, parts) = if ws.get {
        match ws.head {
            HeadCall::None => (Phase::Get, false, 0),
            HeadCall::Only => (Phase::Head, true, 0),
            HeadCall::BeforeGet => (Phase::Head, false, 0),
        }
    } else if size >= sh.mpu_threshold {
        let parts = size.div_ceil(sh.mpu_part).max(1) as u32;
        (Phase::MpuCreate, false, parts)
    } else {
        (Phase::Put, false, 0)
    };
    // Making an existing object took the harness time: the request is sent now.
    let first_send = sh.clock.now().max(now);
    {
        let mut m = lock(&sh.m);
        m.advance(first_send);
        if ws.head != HeadCall::Only {
            m.arrived(first_send, ws.get);
        }
        if ws.get && ws.head != HeadCall::None {
            m.arrived_other(first_send);
        }
    }
    sh.in_flight.fetch_add(1, Ordering::AcqRel);
    sh.seq.sent(wi);
    let payload = read
        .as_ref()
        .map_or(size.min(cap) as usize, |o| o.sealed.body.len());
    let r = Box::new(Req {
        workload: wi,
        session,
        client,
        bucket: bi as u32,
        get: ws.get,
        other,
        first_send,
        size,
        payload,
        prefix,
        object: read.as_ref().map_or(object, |o| o.id),
        existing: ws.get && ws.read_from == ReadFrom::Existing,
        phase,
        part: 0,
        parts,
        attempt: 0,
        retries: 0,
        denied: false,
        kms_left: 0,
        host: NONE,
        obj_key,
        key: None,
        read,
        sealed: None,
        trace: None,
        cse: None,
    });
    // Client-side encryption: the client's GenerateDataKey and CPU come first.
    if let Some(r) = cse::start(sh, first_send, r) {
        attempt(sh, rng, first_send, r);
    }
}

/// A population object for a read: chosen uniformly, made as its writer made it.
fn existing(
    sh: &Shared,
    rng: &mut Stream,
    bi: usize,
    id: u64,
) -> Result<Option<std::sync::Arc<StoredObject>>, CryptoError> {
    let fb = &sh.front.buckets[bi];
    let Some(p) = fb.store.population() else {
        return Ok(None);
    };
    let i = p.pick_index(rng);
    let Some(size) = fb.store.population_size(rng) else {
        return Ok(None);
    };
    let payload = size.min(sh.settings.max_payload) as usize;
    // As written before the run, or as a copy in place rewrote it.
    let o = super::copy::existing(sh, bi, i, size, payload, id)?;
    Ok(Some(std::sync::Arc::new(o)))
}

pub(super) fn attempt(sh: &Shared, rng: &mut Stream, now: Nanos, mut r: Box<Req>) {
    r.attempt += 1;
    {
        let mut guard = lock(&sh.sessions[r.session as usize]);
        let s = &mut *guard;
        let go = match s.s3.adaptive.as_mut() {
            None => true,
            Some(_) if !s.token_wait.is_empty() => false,
            Some(a) => a.try_acquire(now),
        };
        if !go {
            let session = r.session;
            s.token_wait.push_back(r);
            if s.token_wait.len() == 1 {
                schedule_token_wake(sh, s, now, session);
            }
            return;
        }
    }
    send(sh, rng, now, r);
}

fn schedule_token_wake(sh: &Shared, s: &mut Session, now: Nanos, session: u32) {
    s.s3.wake_generation = s.s3.wake_generation.wrapping_add(1);
    let generation = s.s3.wake_generation;
    let wait = s.s3.adaptive.as_mut().map_or(1, |a| a.next_token_in(now));
    sh.at(
        now + wait,
        Task::TokenWake {
            session,
            generation,
        },
    );
}

fn token_wake(sh: &Shared, rng: &mut Stream, now: Nanos, session: u32, generation: u32) {
    let mut ready = Vec::new();
    {
        let mut s = lock(&sh.sessions[session as usize]);
        if s.s3.wake_generation != generation {
            return;
        }
        while !s.token_wait.is_empty() {
            let ok = s.s3.adaptive.as_mut().is_none_or(|a| a.try_acquire(now));
            if !ok {
                break;
            }
            ready.extend(s.token_wait.pop_front());
        }
        // Nobody left waiting: no wake-up (the simulation's `token_wake` stops here too).
        if !s.token_wait.is_empty() {
            schedule_token_wake(sh, &mut s, now, session);
        }
    }
    for r in ready {
        send(sh, rng, now, r);
    }
}

/// Takes a pooled connection (or opens one to a random front-end host), or waits for one.
fn send(sh: &Shared, rng: &mut Stream, now: Nanos, r: Box<Req>) {
    let mut s = lock(&sh.sessions[r.session as usize]);
    match s.conns.take(0, sh.sc.client.pool) {
        Some(e) => {
            drop(s);
            let host = if e == UNOPENED {
                rng.below(sh.sc.s3.frontend_hosts.max(1) as u64) as u32
            } else {
                e
            };
            dispatch(sh, rng, now, r, host);
        }
        None => s.pool_wait.push_back(r),
    }
}

fn dispatch(sh: &Shared, rng: &mut Stream, now: Nanos, mut r: Box<Req>, host: u32) {
    r.host = host;
    match front::handle(sh, rng, now, &mut r) {
        Ok(Next::Respond(at, o)) => sh.at(at, Task::Respond(r, o)),
        Ok(Next::KeyAt(at)) if at <= now => key_ready(sh, rng, now, r),
        Ok(Next::KeyAt(at)) => sh.at(at, Task::KeyReady(r)),
        Err(e) => {
            sh.fail(format!("object {}: {e}", r.object));
            sh.at(now, Task::Respond(r, Outcome::Broken));
        }
    }
}

/// The key is at S3: the bytes of this call are sealed (a write) or opened and checked (a
/// read), then S3 answers after its own time and the transfer.
fn key_ready(sh: &Shared, rng: &mut Stream, now: Nanos, mut r: Box<Req>) {
    // DSSE-KMS: S3's further KMS calls for this object, one after the other.
    if r.kms_left > 0 {
        match front::extra_call(sh, rng, now, &mut r) {
            Ok(Next::KeyAt(at)) if at <= now => key_ready(sh, rng, now, r),
            Ok(Next::KeyAt(at)) => sh.at(at, Task::KeyReady(r)),
            Ok(Next::Respond(at, o)) => sh.at(at, Task::Respond(r, o)),
            Err(e) => {
                sh.fail(format!("object {}: {e}", r.object));
                sh.at(now, Task::Respond(r, Outcome::Broken));
            }
        }
        return;
    }
    let t0 = sh.clock.now();
    let outcome = match crypto(sh, &mut r) {
        Ok(()) => Outcome::Ok,
        Err(e) => {
            sh.fail(format!("object {}: {e}", r.object));
            Outcome::Broken
        }
    };
    let done = sh.clock.now();
    sh.crypto.busy.fetch_add(done - t0, Ordering::Relaxed);
    let bytes = match r.phase {
        Phase::Put | Phase::Get => r.size,
        // A replayed part is one logged call: its size is the part's.
        Phase::MpuPart if r.trace.is_some() => r.size,
        Phase::MpuPart => r
            .size
            .saturating_sub(r.part as u64 * sh.mpu_part)
            .min(sh.mpu_part),
        _ => 0,
    };
    let at = done.max(now) + sh.front.s3_time(rng) + sh.front.transfer_time(bytes);
    sh.at(at, Task::Respond(r, outcome));
}

fn crypto(sh: &Shared, r: &mut Req) -> Result<(), CryptoError> {
    let name = &sh.front.buckets[r.bucket as usize].store.name;
    let arn = arn_of(name, r.object);
    let c = &sh.crypto;
    match r.phase {
        Phase::Put | Phase::CopyWrite => {
            r.sealed = Some(seal(sh, r, &arn, r.object, r.payload)?);
        }
        Phase::MpuPart => {
            // The part's bytes, then (last part) the object's body as S3 keeps it.
            let part = r
                .size
                .saturating_sub(r.part as u64 * sh.mpu_part)
                .min(sh.mpu_part);
            let len = part.min(sh.settings.max_payload) as usize;
            seal(sh, r, &arn, r.object ^ ((r.part as u64 + 1) << 48), len)?;
            if r.part + 1 == r.parts {
                r.sealed = Some(seal(sh, r, &arn, r.object, r.payload)?);
            }
        }
        Phase::Get | Phase::CopyRead => {
            let Some(o) = r.read.clone() else {
                return Ok(());
            };
            let len = o.sealed.body.len() as u64;
            match front::object_key(sh, r, &arn) {
                Some(k) if o.sealed.outer.is_some() => {
                    let outer = front::outer_key(sh, o.id, &arn);
                    envelope::open_double_and_check(&k, &outer, &o.sealed, o.id, &arn)?
                }
                Some(k) => envelope::open_and_check(&k, &o.sealed, o.id, &arn)?,
                None if o.sealed.body == envelope::payload(o.id, o.sealed.body.len()) => {}
                None => {
                    return Err(CryptoError::InvalidInput(format!(
                        "{arn}: stored bytes are not the payload written"
                    )));
                }
            }
            c.opened.fetch_add(1, Ordering::Relaxed);
            c.opened_bytes.fetch_add(len, Ordering::Relaxed);
            r.key = None;
        }
        _ => {}
    }
    Ok(())
}

fn seal(
    sh: &Shared,
    r: &Req,
    arn: &str,
    id: u64,
    len: usize,
) -> Result<envelope::Sealed, CryptoError> {
    let c = &sh.crypto;
    let dsse = sh.front.buckets[r.bucket as usize].mode == crate::mode::Mode::DsseKms;
    let sealed = match front::object_key(sh, r, arn) {
        Some(k) if dsse => envelope::seal_double(&k, &front::outer_key(sh, id, arn), id, len, arn)?,
        Some(k) => envelope::seal(&k, id, len, arn)?,
        None => envelope::Sealed::plain(id, len),
    };
    c.sealed.fetch_add(1, Ordering::Relaxed);
    c.sealed_bytes.fetch_add(len as u64, Ordering::Relaxed);
    Ok(sealed)
}

fn respond(sh: &Shared, rng: &mut Stream, now: Nanos, mut r: Box<Req>, outcome: Outcome) {
    // Free the connection: the next request waiting in the session takes it.
    if r.host != NONE {
        let host = r.host;
        r.host = NONE;
        let pool_size = sh.sc.client.connections_per_session.max(1) as usize;
        let mut s = lock(&sh.sessions[r.session as usize]);
        let next = s
            .conns
            .release(host, pool_size)
            .and_then(|_| s.pool_wait.pop_front());
        drop(s);
        if let Some(next) = next {
            dispatch(sh, rng, now, next, host);
        }
    }
    if outcome == Outcome::Broken {
        finish(sh, now, r, false);
        return;
    }
    if outcome == Outcome::AccessDenied {
        r.denied = true;
        finish(sh, now, r, false);
        return;
    }
    let throttled = outcome != Outcome::Ok;
    {
        let mut s = lock(&sh.sessions[r.session as usize]);
        if let Some(a) = s.s3.adaptive.as_mut() {
            a.on_response(now, throttled);
            if !s.token_wait.is_empty() {
                let session = r.session;
                schedule_token_wake(sh, &mut s, now, session);
            }
        }
        if !throttled {
            s.s3.refund(r.attempt == 1, sh.retry.cost);
        }
    }
    match outcome {
        Outcome::SlowdownKms => lock(&sh.m).slowdown(now, r.first_send, SlowdownCause::Kms),
        Outcome::SlowdownPrefix => lock(&sh.m).slowdown(now, r.first_send, SlowdownCause::Prefix),
        _ => {}
    }
    if !throttled {
        next_phase(sh, rng, now, r);
        return;
    }
    let may_retry = r.attempt < sh.retry.max_attempts
        && lock(&sh.sessions[r.session as usize])
            .s3
            .take_retry_quota(sh.retry.cost);
    if may_retry {
        r.retries += 1;
        let delay = sh.retry.backoff(r.attempt, rng);
        sh.at(now + delay, Task::Attempt(r));
    } else {
        finish(sh, now, r, false);
    }
}

fn next_phase(sh: &Shared, rng: &mut Stream, now: Nanos, mut r: Box<Req>) {
    r.attempt = 0;
    if r.trace.is_some() {
        // A replayed copy writes its destination after reading its source; every other
        // replayed request is one call.
        if super::replay::next(sh, &mut r) {
            attempt(sh, rng, now, r);
        } else {
            finish(sh, now, r, true);
        }
        return;
    }
    let next = match r.phase {
        Phase::Put | Phase::MpuComplete | Phase::Get | Phase::CopyWrite | Phase::Delete => None,
        Phase::CopyRead => {
            super::copy::to_write(sh, &mut r);
            Some(Phase::CopyWrite)
        }
        Phase::MpuCreate => Some(Phase::MpuPart),
        Phase::MpuPart => {
            r.part += 1;
            Some(if r.part < r.parts {
                Phase::MpuPart
            } else {
                Phase::MpuComplete
            })
        }
        Phase::Head if r.other => None,
        Phase::Head => {
            lock(&sh.m).finished_other(r.first_send, true, r.retries);
            r.retries = 0;
            Some(Phase::Get)
        }
    };
    match next {
        Some(p) => {
            r.phase = p;
            attempt(sh, rng, now, r);
        }
        None if cse::decrypts_after(&r) => cse::decrypt(sh, rng, now, r),
        None => finish(sh, now, r, true),
    }
}

#[allow(clippy::boxed_local)] // requests travel boxed; this is where one ends
pub(super) fn finish(sh: &Shared, now: Nanos, r: Box<Req>, ok: bool) {
    let r = *r;
    if r.trace.is_some() {
        super::replay::finish(sh, now, r, ok);
        sh.in_flight.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    if ok && !r.get {
        super::copy::succeeded(sh, &r);
        let key = r.obj_key.clone();
        let stored = sh.front.buckets[r.bucket as usize]
            .store
            .record(StoredObject {
                id: r.object,
                record: ObjectRecord {
                    key: front::key_ref(&key),
                    size: r.size,
                    prefix: r.prefix,
                    client_key: 0,
                },
                key,
                client: r.cse.as_ref().and_then(|c| c.sealed.clone()),
                sealed: r.sealed.unwrap_or_else(envelope::Sealed::empty),
            });
        sh.seq.written(r.workload, &stored);
        super::replication::written(sh, now, r.bucket, stored);
    }
    {
        let mut m = lock(&sh.m);
        m.advance(now);
        let retries = if r.phase == Phase::Head {
            m.finished_other(r.first_send, ok, r.retries);
            (!r.other).then_some(0)
        } else {
            Some(r.retries)
        };
        if let Some(retries) = retries {
            let get = super::copy::counts_as_get(r.get, r.phase);
            m.finished(now, r.first_send, get, ok, retries);
            if r.denied {
                m.access_denied(r.first_send, get);
            }
        }
    }
    sh.in_flight.fetch_sub(1, Ordering::AcqRel);
    if r.client != NONE {
        let think = sh.workloads[r.workload as usize].think;
        let next = (now + think).max(r.first_send + NANOS_PER_MICRO);
        if next < sh.sc.duration {
            sh.at(
                next,
                Task::ClientNext {
                    workload: r.workload,
                    client: r.client,
                },
            );
        }
    }
    request_over(sh, now, r.workload, true);
}

/// Counts a request still in flight when the drain ended.
pub fn count_unfinished(m: &mut Collector, r: &Req) {
    if let Some(info) = &r.trace {
        super::replay::count_unfinished(m, r, info);
    } else if r.other {
        m.unfinished_other(r.first_send);
    } else {
        if r.phase == Phase::Head {
            m.unfinished_other(r.first_send);
        }
        m.unfinished(r.first_send, super::copy::counts_as_get(r.get, r.phase));
    }
}
