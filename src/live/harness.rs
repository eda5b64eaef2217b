//! One live run of one variant: the shared state (KMS, S3 front end, sessions, workloads,
//! the collector the simulation uses), the timer thread and the worker threads (crossbeam
//! scoped threads; the timer hands due tasks to the workers over a crossbeam channel), and
//! the end of the run: arrivals stop at the duration, requests in flight drain for at most
//! `drain`, what is left is counted unfinished, and the results are summarised as a
//! simulation's are.

use super::clock::Clock;
use super::front::Front;
use super::kms::LiveKms;
use super::lock;
use super::request::Req;
use super::sequence::Sequence;
use super::timer::Timer;
use super::worker::{self, Task, Worker};
use crate::engine::rng::Stream;
use crate::engine::time::{NANOS_PER_MILLI, NANOS_PER_SEC, Nanos, to_secs};
use crate::metrics::collector::Collector;
use crate::metrics::results::VariantResults;
use crate::model::client::{Client, RetryPolicy};
use crate::model::dist::{ArrivalProcess, SizeSampler};
use crate::model::sim::pool::Connections;
pub use crate::report::formats::live::HarnessStats;
use crate::scenario::{Arrival, HeadCall, Op, ReadFrom, Scenario};
use hdrhistogram::Histogram;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes of each object really encrypted when `--max-payload` is not given.
pub const DEFAULT_MAX_PAYLOAD: u64 = 64 * 1024;
/// Memory for the bodies of written objects kept for reads, all buckets together.
pub const STORE_BUDGET: u64 = 256 * 1024 * 1024;
/// Most written objects kept per bucket (the simulation's sample size).
const STORE_MAX_OBJECTS: u64 = crate::model::objects::WRITTEN_SAMPLE_CAPACITY as u64;
/// How long requests in flight at the end may take to finish when `--drain` is not given.
pub const DEFAULT_DRAIN: Nanos = 10 * NANOS_PER_SEC;

/// How the harness runs (not part of the scenario).
#[derive(Debug, Clone)]
pub struct Settings {
    pub threads: usize,
    pub max_payload: u64,
    pub drain: Nanos,
}

/// A session: its connection pool, its S3 client (retry quota, adaptive limiter) and the
/// requests waiting for a connection or a token.
pub(crate) struct Session {
    pub conns: Connections,
    pub s3: Client,
    pub pool_wait: VecDeque<Box<Req>>,
    pub token_wait: VecDeque<Box<Req>>,
}

pub struct WorkloadState {
    pub arrivals: Mutex<Option<(ArrivalProcess, Stream)>>,
    pub think: Nanos,
    pub first_session: u32,
    pub sessions: u32,
    pub bucket: u32,
    pub get: bool,
    pub head: HeadCall,
    pub read_from: ReadFrom,
    pub size: SizeSampler,
}

/// Crypto work the harness really did, and what failed.
#[derive(Default)]
pub struct CryptoCounts {
    pub sealed: AtomicU64,
    pub sealed_bytes: AtomicU64,
    pub opened: AtomicU64,
    pub opened_bytes: AtomicU64,
    /// Nanoseconds spent sealing and opening, all threads.
    pub busy: AtomicU64,
}

pub struct Shared<'a> {
    pub sc: &'a Scenario,
    pub settings: &'a Settings,
    pub clock: Clock,
    pub timer: Timer<(Nanos, Task)>,
    pub kms: LiveKms,
    pub m: Mutex<Collector>,
    pub front: Front,
    pub(crate) sessions: Vec<Mutex<Session>>,
    pub workloads: Vec<WorkloadState>,
    pub seq: Sequence,
    pub retry: RetryPolicy,
    pub mpu_threshold: u64,
    pub mpu_part: u64,
    pub in_flight: AtomicU64,
    pub next_object: AtomicU64,
    pub crypto: CryptoCounts,
    pub failures: Mutex<Vec<String>>,
    /// Copy workloads ([`super::copy`]) and `[[replication]]` rules ([`super::replication`]).
    pub copies: super::copy::Copies,
    /// Trace workloads (replayed logs).
    pub replay: super::replay::Replayer,
    pub replication: super::replication::Replicator,
    /// Client-side encryption: the sessions' KMS clients, data-key caches and cores.
    pub cse: super::cse::CseLive,
}

impl Shared<'_> {
    /// Hands `task` to the workers at `at`.
    pub fn at(&self, at: Nanos, task: Task) {
        self.timer.schedule(at, (at, task));
    }

    pub fn fail(&self, what: String) {
        let mut f = lock(&self.failures);
        if f.len() < 100 {
            f.push(what);
        }
    }
}

pub struct LiveRun {
    pub results: VariantResults,
    pub harness: HarnessStats,
    /// Objects whose real encryption round trip failed.
    pub failures: Vec<String>,
}

fn percentiles(h: &Histogram<u64>) -> [u64; 3] {
    if h.is_empty() {
        return [0; 3];
    }
    [h.value_at_quantile(0.5), h.value_at_quantile(0.99), h.max()]
}

/// Runs scenario `sc` (already scaled) live as variant `name`.
pub fn run(name: &str, sc: &Scenario, settings: &Settings) -> Result<LiveRun, String> {
    let retry = RetryPolicy::new(&sc.client);
    let conns = sc.client.connections_per_session.max(1);
    let new_session = || {
        Mutex::new(Session {
            conns: Connections::new(conns),
            s3: Client::new(&retry),
            pool_wait: VecDeque::new(),
            token_wait: VecDeque::new(),
        })
    };
    let mut sessions = Vec::new();
    let mut workloads = Vec::new();
    for w in &sc.workloads {
        let first_session = sessions.len() as u32;
        // A workload sending from another's sessions has none of its own.
        let own = if w.sessions_of.is_some() {
            0
        } else {
            w.sessions.max(1)
        };
        for _ in 0..own {
            sessions.push(new_session());
        }
        // The simulation's own arrival stream: the live run offers the requests at the times the
        // simulation with the same seed does (while the harness keeps up).
        let stream = Stream::new(sc.seed, &format!("arrivals/{}", w.name));
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
            arrivals: Mutex::new(arrivals.map(|a| (a, stream))),
            think,
            first_session,
            sessions: w.sessions.max(1),
            bucket: w.bucket as u32,
            get: w.op != Op::Put,
            head: w.head,
            read_from: w.read_from,
            size: SizeSampler::new(&w.size),
        });
    }
    for (i, w) in sc.workloads.iter().enumerate() {
        if let Some(owner) = w.sessions_of {
            workloads[i].first_session = workloads[owner].first_session;
            workloads[i].sessions = workloads[owner].sessions;
        }
    }
    // Each trace workload's sessions (one per requester), after the planned workloads'.
    let trace_first = sessions.len() as u32;
    for _ in 0..super::replay::Replayer::sessions(sc) {
        sessions.push(new_session());
    }
    let sessions_len = sessions.len();
    let per_bucket = STORE_BUDGET / sc.buckets.len().max(1) as u64;
    let capacity = (per_bucket / settings.max_payload.max(1)).clamp(1, STORE_MAX_OBJECTS);
    let cse = super::cse::CseLive::new(sc, &retry);
    let sh = Shared {
        sc,
        settings,
        clock: Clock::start(),
        timer: Timer::new(),
        kms: LiveKms::new(sc),
        m: Mutex::new(Collector::new(sc.warmup, sc.duration)),
        front: Front::new(sc, capacity as usize),
        sessions,
        workloads,
        seq: Sequence::new(sc),
        retry,
        mpu_threshold: sc.s3.multipart_threshold,
        mpu_part: sc.s3.multipart_part_size.max(1),
        in_flight: AtomicU64::new(0),
        next_object: AtomicU64::new(1),
        crypto: CryptoCounts::default(),
        failures: Mutex::new(Vec::new()),
        copies: super::copy::Copies::new(sc.buckets.len(), sc.workloads.len()),
        replay: super::replay::Replayer::new(sc, trace_first, capacity),
        replication: super::replication::Replicator::new(sc, sessions_len),
        cse,
    };
    // Workloads that follow another start when it ends.
    for (wi, w) in sc.workloads.iter().enumerate() {
        if w.after.is_none() {
            worker::start_workload(&sh, 0, wi as u32);
        }
    }
    super::replay::start(&sh);
    let threads = settings.threads.max(1);
    let (tx, rx) = crossbeam::channel::unbounded::<(Nanos, Task)>();
    let spawned = crossbeam::scope(|s| {
        // Threads the system refuses (a memory or process limit) end the run with an error;
        // those already started stop: the timer's end closes the channel the workers read.
        let timer = s.builder().spawn(|_| {
            let out = tx;
            sh.timer.run(&sh.clock, &out)
        });
        let mut handles = Vec::with_capacity(threads);
        let mut refused = timer.as_ref().err().map(|e| e.to_string());
        for i in 0..threads {
            if refused.is_some() {
                break;
            }
            let rx = rx.clone();
            let sh = &sh;
            match s.builder().spawn(move |_| {
                let mut w = Worker::new(sc.seed, i);
                while let Ok((due, task)) = rx.recv() {
                    w.handle(sh, due, task);
                }
                w
            }) {
                Ok(h) => handles.push(h),
                Err(e) => refused = Some(e.to_string()),
            }
        }
        drop(rx);
        if refused.is_none() {
            wait_for_end(&sh);
        }
        sh.timer.stop();
        let timer = timer.map(|t| t.join().expect("the timer thread does not panic"));
        let workers: Vec<Worker> = handles
            .into_iter()
            .map(|h| h.join().expect("worker threads do not panic"))
            .collect();
        match (refused, timer) {
            (None, Ok((lag, leftover))) => Ok((lag, leftover, workers)),
            (Some(e), _) => Err(e),
            (None, Err(e)) => Err(e.to_string()),
        }
    })
    .expect("harness threads do not panic");
    let (lag, leftover, workers) =
        spawned.map_err(|e| format!("cannot start the harness's {} threads: {e}", threads + 1))?;
    let end = sh.clock.now();
    Ok(finish(
        name, sh, end, lag.lag_us, leftover, workers, threads,
    ))
}

/// Sleeps until the duration, then until no request is in flight or the drain ends.
fn wait_for_end(sh: &Shared) {
    let stop = sh.sc.duration.saturating_add(sh.settings.drain);
    loop {
        let now = sh.clock.now();
        if now >= stop || (now >= sh.sc.duration && sh.in_flight.load(Ordering::Acquire) == 0) {
            return;
        }
        let next = if now < sh.sc.duration {
            sh.sc.duration
        } else {
            now + 5 * NANOS_PER_MILLI
        };
        std::thread::sleep(std::time::Duration::from_nanos(
            (next - now).min(50 * NANOS_PER_MILLI),
        ));
    }
}

fn finish(
    name: &str,
    sh: Shared,
    end: Nanos,
    timer_lag: Histogram<u64>,
    leftover: Vec<(Nanos, Task)>,
    workers: Vec<Worker>,
    threads: usize,
) -> LiveRun {
    let end = end.max(sh.sc.duration);
    let regions = sh.kms.finish(&sh.m, end);
    let mut m = sh.m.into_inner().unwrap_or_else(|e| e.into_inner());
    // Requests left: in the timer, or waiting in a session for a connection or a token.
    let mut unfinished = 0;
    let mut count = |r: &Req| {
        unfinished += 1;
        worker::count_unfinished(&mut m, r);
    };
    for (_, t) in &leftover {
        if let Some(r) = t.request() {
            count(r);
        }
    }
    for s in &sh.sessions {
        let s = lock(s);
        s.pool_wait
            .iter()
            .chain(s.token_wait.iter())
            .for_each(|r| count(r));
    }
    sh.cse.waiting(&mut count);
    m.finish(end);
    let mut dispatch = crate::metrics::results::new_latency_histogram();
    let mut busy = 0;
    for w in &workers {
        dispatch.add(&w.lag_us).expect("same bounds");
        busy += w.busy;
    }
    let wall = to_secs(end);
    let c = &sh.crypto;
    let harness = HarnessStats {
        threads,
        wall_seconds: crate::metrics::summary::round6(wall),
        timer_lag_us: percentiles(&timer_lag),
        dispatch_lag_us: percentiles(&dispatch),
        worker_busy: crate::metrics::summary::round6(
            to_secs(busy) / (wall * threads as f64).max(1e-9),
        ),
        objects_sealed: c.sealed.load(Ordering::Relaxed),
        bytes_sealed: c.sealed_bytes.load(Ordering::Relaxed),
        objects_opened: c.opened.load(Ordering::Relaxed),
        bytes_opened: c.opened_bytes.load(Ordering::Relaxed),
        crypto_seconds: crate::metrics::summary::round6(to_secs(c.busy.load(Ordering::Relaxed))),
        max_payload: sh.settings.max_payload,
        unfinished,
        client_side: sh.cse.stats(),
    };
    let (trace_cut, trace_error) = sh.replay.outcome();
    let finished = crate::model::sim::Finished {
        metrics: m,
        events: 0,
        end,
        client_cpu_busy: sh.cse.busy(),
        verified_objects: c.opened.load(Ordering::Relaxed),
        verify_failures: Vec::new(),
        notes: sh.seq.notes(sh.sc),
        trace_cut,
        trace_error,
        trail: None,
        denied: sh.kms.denied(),
        regions,
        replication: sh.replication.finish(),
    };
    let results = crate::model::summarise(name, sh.sc, finished);
    LiveRun {
        results,
        harness,
        failures: sh.failures.into_inner().unwrap_or_else(|e| e.into_inner()),
    }
}
