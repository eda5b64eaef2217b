//! Client-side encryption in the live harness (`cse-kms` buckets, and `client_encryption`
//! layered over a server-side bucket), as the simulation runs it ([`crate::model::sim`]'s
//! `cse.rs`, `layer.rs`): before a PUT the client calls KMS GenerateDataKey itself, after a
//! GET it calls Decrypt, each through its session's data-key cache (the AWS Encryption SDK's
//! thresholds: `max_age` from KMS's answer, `max_messages` and `max_bytes`, the first use of
//! a key not counted) and with the session's own KMS client (retry quota, adaptive limiter,
//! ThrottlingException retried with backoff), no S3 connection. The object is then really
//! encrypted (or decrypted and checked) in the S3 Encryption Client v2 layout
//! ([`crate::crypto::cse`]) on the worker thread, and the session's CPU cores are modelled.
//!
//! CPU time. The simulation charges a session's cores (`client.cpu_cores`, first come first
//! served) the calibration profile's cost of the *whole* object: `per_object_ns + size /
//! gcm_bytes_per_sec`. Live really encrypts the object's payload, capped by `--max-payload`,
//! and measures how long that took on this machine; the part not encrypted (`size - payload`
//! bytes) is charged at the same calibration rate as a timer delay. The job on the session's
//! cores therefore lasts `measured + (size - payload) / gcm_bytes_per_sec` and queues on the
//! session's cores exactly as the simulation's job does (the real work is done when the job
//! is submitted; the modelled core decides when the job ends). With `cpu_cores = 0` the
//! simulation charges nothing, and live adds nothing beyond the real work's own time.
//!
//! What is stored. S3's own layer is unchanged: a `cse-kms` bucket's object gets S3's default
//! encryption (SSE-S3, applied to every new object since January 2023:
//! https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html), a
//! layered bucket's its SSE-KMS or bucket key, each sealed and checked as for any object.
//! The client's envelope of the same payload is kept with the object ([`ClientSealed`]) and
//! checked on every read after the client's own Decrypt: in S3 the server layer would encrypt
//! the client's ciphertext, which is the payload's length plus a 16-byte tag, so the work is
//! the same.

use super::cse_cache::{Entry, KeyCaches};
use super::envelope;
use super::harness::Shared;
use super::kms::Work;
use super::lock;
use super::request::{Phase, Req};
use super::worker::{self, Task};
use crate::crypto::cse::{CseObject, context_for, encrypt_with_key, envelope_parts, open_with_key};
use crate::crypto::{CryptoError, DataKey, EncryptionContext};
use crate::engine::rng::Stream;
use crate::engine::time::{Nanos, from_secs};
use crate::metrics::collector::{Context, KmsOpKind};
use crate::mode::Mode;
use crate::model::client::{Client, RetryPolicy};
use crate::model::sim::cse::Cores;
use crate::model::sim::trail::Subject;
pub use crate::report::formats::live::ClientStats;
use crate::scenario::{CseCost, DataKeyCache, Scenario};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The client's envelope of one stored object, and its data key's identity (the read cache's key).
pub struct ClientSealed {
    pub key_id: u64,
    pub obj: CseObject,
}

/// What a timer entry of the client-side steps carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// An attempt of the client's KMS call (first try, or after backoff).
    Attempt,
    /// KMS's answer reaches the client: served, ThrottlingException, or (`denied`) the
    /// bucket's policies' AccessDeniedException, which the client does not retry.
    Answer { ok: bool, denied: bool },
    /// The session's core finished decrypting: the GET is done.
    CpuDone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Generate,
    Decrypt,
}

/// A request's client-side state.
pub struct ClientSide {
    step: Step,
    /// The S3 call the client's GenerateDataKey precedes (PUT or multipart create).
    after: Phase,
    key_id: u64,
    /// The data key of the current step (wiped when the last holder drops it).
    key: Option<Arc<DataKey>>,
    blob: Arc<Vec<u8>>,
    /// A write: the envelope the client made; a read: the object's envelope.
    pub sealed: Option<Arc<ClientSealed>>,
}

/// One session's client-side encryption client.
struct Session {
    kms: Client,
    token_wait: VecDeque<Box<Req>>,
    cores: Cores,
    caches: KeyCaches,
}

#[derive(Default)]
struct Counts {
    hits_generate: AtomicU64,
    hits_decrypt: AtomicU64,
    sealed: AtomicU64,
    opened: AtomicU64,
    delay: AtomicU64,
}

pub struct CseLive {
    cache: Option<DataKeyCache>,
    cost: Option<CseCost>,
    cpu_cores: u32,
    sessions: Vec<Mutex<Session>>,
    /// By workload: the KMS key its PUTs' client-side data keys are generated under.
    write_key: Vec<Option<String>>,
    /// The client's encryption context (an empty material description plus the reserved
    /// `aws:x-amz-cek-alg` entry).
    ctx: EncryptionContext,
    next_key_id: AtomicU64,
    warmup: Nanos,
    duration: Nanos,
    /// CPU time of jobs for requests first sent in the measurement window.
    busy: AtomicU64,
    counts: Counts,
    active: bool,
}

/// The KMS key the client-side data keys of workload `w`'s PUTs are generated under: its
/// bucket's for a `cse-kms` bucket, its layer's (`client_kms_key`) for a layered PUT.
fn write_key(sc: &Scenario, w: &crate::scenario::Workload) -> Option<String> {
    let b = &sc.buckets[w.bucket];
    if w.op != crate::scenario::Op::Put {
        return None;
    }
    if b.encryption == Mode::CseKms {
        return Some(b.kms_key.clone());
    }
    w.client_layer.as_ref().map(|l| l.kms_key.clone())
}

/// Every KMS key client-side encryption uses in `sc` (the in-process KMS makes them).
pub fn client_keys(sc: &Scenario) -> Vec<&str> {
    let mut out: Vec<&str> = sc
        .buckets
        .iter()
        .filter_map(|b| b.client_layer.as_ref().map(|l| l.kms_key.as_str()))
        .collect();
    out.extend(
        sc.workloads
            .iter()
            .filter_map(|w| w.client_layer.as_ref().map(|l| l.kms_key.as_str())),
    );
    out
}

impl CseLive {
    pub fn new(sc: &Scenario, retry: &RetryPolicy) -> CseLive {
        let sessions: u32 = sc.workloads.iter().map(|w| w.sessions.max(1)).sum();
        let write_key: Vec<_> = sc.workloads.iter().map(|w| write_key(sc, w)).collect();
        let active = write_key.iter().any(Option::is_some)
            || sc
                .buckets
                .iter()
                .any(|b| b.encryption == Mode::CseKms || b.client_layer.is_some());
        CseLive {
            cache: sc.client.data_key_cache,
            cost: sc.crypto.cse_cost,
            cpu_cores: sc.client.cpu_cores,
            sessions: (0..if active { sessions } else { 0 })
                .map(|_| {
                    Mutex::new(Session {
                        kms: Client::new(retry),
                        token_wait: VecDeque::new(),
                        cores: Cores::new(sc.client.cpu_cores),
                        caches: KeyCaches::new(sc.client.data_key_cache.map_or(0, |d| d.max_age)),
                    })
                })
                .collect(),
            write_key,
            ctx: context_for(&EncryptionContext::new()).expect("no reserved entry"),
            next_key_id: AtomicU64::new(1),
            warmup: sc.warmup,
            duration: sc.duration,
            busy: AtomicU64::new(0),
            counts: Counts::default(),
            active,
        }
    }

    /// CPU time the sessions' cores spent for requests sent in the measurement window.
    pub fn busy(&self) -> Nanos {
        self.busy.load(Ordering::Relaxed)
    }

    /// What client-side encryption did; None when the scenario has none.
    pub fn stats(&self) -> Option<ClientStats> {
        let c = &self.counts;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        self.active.then(|| ClientStats {
            cache_hits_generate: l(&c.hits_generate),
            cache_hits_decrypt: l(&c.hits_decrypt),
            objects_sealed: l(&c.sealed),
            objects_opened: l(&c.opened),
            cpu_delay_seconds: crate::metrics::summary::round6(crate::engine::time::to_secs(l(
                &c.delay
            ))),
        })
    }

    /// The requests still waiting for a token of a session's KMS client.
    pub fn waiting(&self, f: &mut dyn FnMut(&Req)) {
        for s in &self.sessions {
            lock(s).token_wait.iter().for_each(|r| f(r));
        }
    }
}

/// A new request: a write with a client-side layer starts with the client's GenerateDataKey
/// (the request is taken: None); a read of an object with a client envelope will be
/// decrypted by the client after its GET. Others go on as they are.
pub fn start(sh: &Shared, now: Nanos, mut r: Box<Req>) -> Option<Box<Req>> {
    if !r.get && sh.cse.write_key[r.workload as usize].is_some() {
        r.cse = Some(Box::new(ClientSide {
            step: Step::Generate,
            after: r.phase,
            key_id: 0,
            key: None,
            blob: Arc::new(Vec::new()),
            sealed: None,
        }));
        sh.at(now, Task::Client(r, Event::Attempt));
        return None;
    }
    if let Some(c) = r.read.as_ref().and_then(|o| o.client.clone()) {
        r.cse = Some(Box::new(ClientSide {
            step: Step::Decrypt,
            after: Phase::Get,
            key_id: c.key_id,
            key: None,
            blob: Arc::new(Vec::new()),
            sealed: Some(c),
        }));
    }
    Some(r)
}

/// Whether a request whose S3 calls are done is followed by the client's Decrypt.
pub fn decrypts_after(r: &Req) -> bool {
    r.phase == Phase::Get && r.cse.as_ref().is_some_and(|c| c.step == Step::Decrypt)
}

/// The GET is done: the client's Decrypt (through its cache), then its CPU.
pub fn decrypt(sh: &Shared, rng: &mut Stream, now: Nanos, mut r: Box<Req>) {
    r.attempt = 0;
    attempt(sh, rng, now, r);
}

/// A timer entry of a client-side step.
pub fn handle(sh: &Shared, rng: &mut Stream, now: Nanos, r: Box<Req>, e: Event) {
    match e {
        Event::Attempt => attempt(sh, rng, now, r),
        Event::Answer { ok, denied } => answer(sh, rng, now, r, ok, denied),
        Event::CpuDone => worker::finish(sh, now, r, true),
    }
}

fn side(r: &mut Req) -> &mut ClientSide {
    r.cse.as_mut().expect("a client-side step has its state")
}

/// An attempt of the client's KMS call: served from the session's cache (no call, no token),
/// or sent when the session's KMS client has a token.
fn attempt(sh: &Shared, rng: &mut Stream, now: Nanos, mut r: Box<Req>) {
    r.attempt += 1;
    let c = &sh.cse;
    let mut guard = lock(&c.sessions[r.session as usize]);
    let s = &mut *guard;
    if let Some(limits) = c.cache {
        let (bucket, size) = (r.bucket, r.size);
        let cs = side(&mut r);
        let (hit, count) = match cs.step {
            Step::Generate => (
                s.caches.write_hit(bucket, now, size, &limits),
                &c.counts.hits_generate,
            ),
            Step::Decrypt => (s.caches.read_hit(cs.key_id, now), &c.counts.hits_decrypt),
        };
        if let Some(e) = hit {
            // Served from the data-key cache: nothing is sent.
            if cs.step == Step::Generate {
                (cs.key_id, cs.blob) = (e.key_id, e.blob);
            }
            cs.key = e.key;
            drop(guard);
            count.fetch_add(1, Ordering::Relaxed);
            return cpu(sh, rng, now, r);
        }
    }
    let go = match s.kms.adaptive.as_mut() {
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
    drop(guard);
    send(sh, now, r);
}

fn schedule_token_wake(sh: &Shared, s: &mut Session, now: Nanos, session: u32) {
    s.kms.wake_generation = s.kms.wake_generation.wrapping_add(1);
    let generation = s.kms.wake_generation;
    let wait = s.kms.adaptive.as_mut().map_or(1, |a| a.next_token_in(now));
    sh.at(
        now + wait,
        Task::ClientTokenWake {
            session,
            generation,
        },
    );
}

/// A token may be there for the requests waiting on session `session`'s KMS client.
pub fn token_wake(sh: &Shared, _rng: &mut Stream, now: Nanos, session: u32, generation: u32) {
    let mut ready = Vec::new();
    {
        let mut s = lock(&sh.cse.sessions[session as usize]);
        if s.kms.wake_generation != generation {
            return;
        }
        while !s.token_wait.is_empty() {
            if !s.kms.adaptive.as_mut().is_none_or(|a| a.try_acquire(now)) {
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
        send(sh, now, r);
    }
}

/// The client's call to KMS (no S3 connection): its answer is cached when the client has a
/// cache, and reaches the client after KMS's latency.
fn send(sh: &Shared, now: Nanos, mut r: Box<Req>) {
    let c = &sh.cse;
    let first_send = r.first_send;
    let about = Subject {
        workload: super::replication::caller(sh, &r),
        bucket: r.bucket,
        session: r.session,
        slot: 0,
        object: r.object,
    };
    let out = match side(&mut r).step {
        Step::Generate => {
            let key_arn = c.write_key[r.workload as usize]
                .as_deref()
                .expect("a client-side write has a key");
            let work = Work::ClientGenerate {
                key_arn,
                ctx: &c.ctx,
            };
            sh.kms
                .call(
                    &sh.m,
                    about,
                    now,
                    first_send,
                    KmsOpKind::GenerateDataKey,
                    Context::Client,
                    work,
                )
                .map(|a| {
                    let id = c.next_key_id.fetch_add(1, Ordering::Relaxed);
                    let key = a.key.map(Arc::new);
                    let blob = Arc::new(a.blob);
                    if c.cache.is_some() {
                        let mut s = lock(&c.sessions[r.session as usize]);
                        let e = Entry {
                            key_id: id,
                            ready_at: a.at,
                            expires_at: 0,
                            key: key.clone(),
                            blob: blob.clone(),
                        };
                        s.caches.insert_write(r.bucket, now, e);
                    }
                    let cs = side(&mut r);
                    (cs.key_id, cs.key, cs.blob) = (id, key, blob);
                    (a.ok, a.denied, a.at)
                })
        }
        Step::Decrypt => {
            let sealed = side(&mut r)
                .sealed
                .clone()
                .expect("a read has the envelope");
            envelope_parts(&sealed.obj).and_then(|(blob, ctx, _)| {
                let work = Work::ClientDecrypt {
                    blob: &blob,
                    ctx: &ctx,
                };
                let a = sh.kms.call(
                    &sh.m,
                    about,
                    now,
                    first_send,
                    KmsOpKind::Decrypt,
                    Context::Client,
                    work,
                )?;
                let key = a.key.map(Arc::new);
                if c.cache.is_some() {
                    let mut s = lock(&c.sessions[r.session as usize]);
                    let e = Entry {
                        key_id: sealed.key_id,
                        ready_at: a.at,
                        expires_at: 0,
                        key: key.clone(),
                        blob: Arc::new(Vec::new()),
                    };
                    s.caches.insert_read(now, e);
                }
                side(&mut r).key = key;
                Ok((a.ok, a.denied, a.at))
            })
        }
    };
    match out {
        Ok((ok, denied, at)) => sh.at(at, Task::Client(r, Event::Answer { ok, denied })),
        Err(e) => broken(sh, now, r, e),
    }
}

/// KMS's answer to the client (the simulation's `response` for a client-side call): the
/// session's KMS client learns from it; a ThrottlingException is retried with backoff while
/// attempts and the retry quota last.
fn answer(sh: &Shared, rng: &mut Stream, now: Nanos, mut r: Box<Req>, ok: bool, denied: bool) {
    if denied {
        r.denied = true;
        worker::finish(sh, now, r, false);
        return;
    }
    {
        let mut s = lock(&sh.cse.sessions[r.session as usize]);
        if let Some(a) = s.kms.adaptive.as_mut() {
            a.on_response(now, !ok);
            if !s.token_wait.is_empty() {
                let session = r.session;
                schedule_token_wake(sh, &mut s, now, session);
            }
        }
        if ok {
            s.kms.refund(r.attempt == 1, sh.retry.cost);
        }
    }
    if ok {
        return cpu(sh, rng, now, r);
    }
    let may_retry = r.attempt < sh.retry.max_attempts
        && lock(&sh.cse.sessions[r.session as usize])
            .kms
            .take_retry_quota(sh.retry.cost);
    if may_retry {
        r.retries += 1;
        let delay = sh.retry.backoff(r.attempt, rng);
        sh.at(now + delay, Task::Client(r, Event::Attempt));
    } else {
        worker::finish(sh, now, r, false);
    }
}

/// The client has its data key: it really encrypts the payload (a write) or decrypts and
/// checks it (a read), on the session's modelled cores (see the module's note on CPU time);
/// then the PUT starts, or the GET is done.
fn cpu(sh: &Shared, rng: &mut Stream, now: Nanos, mut r: Box<Req>) {
    let c = &sh.cse;
    let t0 = sh.clock.now().max(now);
    let (id, payload, bucket) = (r.object, r.payload, r.bucket);
    let cs = side(&mut r);
    let step = cs.step;
    let done_real = match step {
        Step::Generate => seal(&c.ctx, cs, id, payload),
        Step::Decrypt => open(cs, id),
    };
    cs.key = None;
    let real = sh.clock.now().saturating_sub(t0);
    sh.crypto.busy.fetch_add(real, Ordering::Relaxed);
    let bytes = match done_real {
        Ok(b) => b,
        Err(e) => {
            let arn = super::store::arn_of(&sh.front.buckets[bucket as usize].store.name, id);
            return broken(sh, now, r, CryptoError::InvalidInput(format!("{arn}: {e}")));
        }
    };
    match step {
        Step::Generate => c.counts.sealed.fetch_add(1, Ordering::Relaxed),
        Step::Decrypt => c.counts.opened.fetch_add(1, Ordering::Relaxed),
    };
    let mut done = t0 + real;
    if let Some(cost) = c.cost.filter(|_| c.cpu_cores > 0) {
        let rest = r.size.saturating_sub(bytes as u64);
        let delay = from_secs(rest as f64 / cost.bytes_per_sec);
        let job = (real + delay).max(1);
        let start = lock(&c.sessions[r.session as usize])
            .cores
            .run(t0, job)
            .unwrap_or(t0);
        done = start.saturating_add(job);
        c.counts.delay.fetch_add(delay, Ordering::Relaxed);
        if r.first_send >= c.warmup && r.first_send < c.duration {
            c.busy.fetch_add(job, Ordering::Relaxed);
        }
    }
    let late = done > sh.clock.now();
    match step {
        Step::Generate => {
            let cs = side(&mut r);
            r.phase = cs.after;
            r.attempt = 0;
            if late {
                sh.at(done, Task::Attempt(r));
            } else {
                worker::attempt(sh, rng, done, r);
            }
        }
        Step::Decrypt if late => sh.at(done, Task::Client(r, Event::CpuDone)),
        Step::Decrypt => worker::finish(sh, done, r, true),
    }
}

/// Encrypts object `id`'s payload (`len` bytes) under the client's data key in the S3
/// Encryption Client v2 layout; the bytes encrypted.
fn seal(
    ctx: &EncryptionContext,
    cs: &mut ClientSide,
    id: u64,
    len: usize,
) -> Result<usize, CryptoError> {
    let key = cs
        .key
        .as_ref()
        .ok_or_else(|| CryptoError::InvalidInput("no client data key".into()))?;
    let obj = encrypt_with_key(
        key,
        &cs.blob,
        ctx,
        &mut rand::rng(),
        &envelope::payload(id, len),
    )?;
    cs.sealed = Some(Arc::new(ClientSealed {
        key_id: cs.key_id,
        obj,
    }));
    Ok(len)
}

/// Decrypts the object's client envelope with the data key the client got and checks it is
/// object `id`'s payload, whole; the bytes decrypted.
fn open(cs: &ClientSide, id: u64) -> Result<usize, CryptoError> {
    let (Some(key), Some(sealed)) = (cs.key.as_ref(), cs.sealed.as_ref()) else {
        return Err(CryptoError::InvalidInput("no client data key".into()));
    };
    let (_, _, iv) = envelope_parts(&sealed.obj)?;
    let plain = open_with_key(key, &iv, &sealed.obj)?;
    if plain != envelope::payload(id, plain.len()) {
        return Err(CryptoError::InvalidInput(
            "client-side decrypted bytes are not the payload written".into(),
        ));
    }
    Ok(plain.len())
}

fn broken(sh: &Shared, now: Nanos, r: Box<Req>, e: CryptoError) {
    sh.fail(format!("object {} (client-side): {e}", r.object));
    worker::finish(sh, now, r, false);
}

#[cfg(test)]
#[path = "cse_tests.rs"]
mod tests;
