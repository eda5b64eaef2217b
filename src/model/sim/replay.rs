//! Replayed logs in the simulation: each trace workload's requests, read in order and offered
//! at their logged times (divided by the replay speed), and the objects they write, read and
//! delete, identified by (bucket, key): a read of an object written earlier in the replay
//! uses the key that wrote it; a read of any other object reads the bucket's pre-existing
//! population.

use super::super::objects::{KeyRef, ObjectRecord};
use super::request::{Phase, Request};
use crate::engine::time::Nanos;
use crate::replay::entry::LogOp;
use crate::replay::order::StoreReader;
use crate::replay::record::{NO_SIZE, NO_SOURCE, Rec};
use crate::scenario::TraceWorkload;
use rustc_hash::FxHashMap;

/// One trace workload being replayed.
/// One trace workload's log, read in order (the live harness replays with it too).
pub(crate) struct Source {
    reader: StoreReader,
    start_ns: i64,
    speed: f64,
    /// The scenario bucket of each trace bucket.
    pub(crate) buckets: Vec<u32>,
    /// Global index of the trace's first session.
    pub(crate) first_session: u32,
    /// Index of the workload slot its requests carry.
    pub(crate) workload: u32,
    /// Requests in the log, and those offered before the end of the run.
    total: u64,
    offered: u64,
    next: Option<(Nanos, Rec)>,
}

/// What a replayed request in flight is about (by request slot).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ReqInfo {
    pub(super) obj: u128,
    /// For a copy whose source is read first: the destination bucket.
    pub(super) dst_bucket: u32,
    pub(super) op: Option<LogOp>,
}

/// Every trace workload of a run and the objects they touched.
pub(super) struct Replay {
    pub(super) sources: Vec<Source>,
    /// Objects written in the replay and not deleted since.
    objects: FxHashMap<u128, ObjectRecord>,
    /// Multipart uploads created in the replay and not completed: the key chosen at create.
    uploads: FxHashMap<u128, KeyRef>,
    /// By request slot.
    info: Vec<ReqInfo>,
    /// Why reading a trace failed, if it did.
    pub(super) error: Option<String>,
}

/// A replayed request, ready to be inserted: its request and what it is about.
pub(super) struct Start {
    pub(super) req: Request,
    pub(super) info: ReqInfo,
    /// Counted with HEAD, DELETE, multipart calls and copy sources rather than PUT or GET.
    pub(super) other: bool,
}

impl Replay {
    /// The trace workloads of a run; `first_session` and `workload` give the global indices
    /// of each one's first session and of its workload slot.
    pub(super) fn new(traces: &[TraceWorkload], slots: &[(u32, u32)], duration: Nanos) -> Replay {
        let mut sources = Vec::new();
        for (tw, &(first_session, workload)) in traces.iter().zip(slots) {
            sources.extend(Source::new(tw, first_session, workload, duration));
        }
        Replay {
            sources,
            objects: FxHashMap::default(),
            uploads: FxHashMap::default(),
            info: Vec::new(),
            error: None,
        }
    }

    /// Requests of trace `i` never offered because the run ended first.
    pub(super) fn cut(&self, i: usize) -> u64 {
        self.sources[i].cut()
    }

    /// When trace `i`'s next request is offered, if before the end of the run.
    pub(super) fn next_time(&self, i: usize) -> Option<Nanos> {
        self.sources[i].next_time()
    }

    /// Takes trace `i`'s next request and reads the one after it.
    pub(super) fn take(&mut self, i: usize, duration: Nanos) -> Option<Rec> {
        let r = self.sources[i].take(duration)?;
        if let Some(e) = self.sources[i].error()
            && self.error.is_none()
        {
            self.error = Some(e.to_string());
        }
        Some(r)
    }

    /// The request for `rec` of trace `i` at `now`. `lookup` gives the key and prefix of an
    /// object the replay has not written (bucket, object id, size).
    pub(super) fn start(
        &self,
        i: usize,
        rec: &Rec,
        now: Nanos,
        prefixes: impl Fn(u32) -> u32,
        lookup: impl Fn(u32, u128, u64) -> ObjectRecord,
    ) -> Start {
        let s = &self.sources[i];
        let bucket = s.buckets[rec.bucket as usize];
        let logged = (rec.size != NO_SIZE).then_some(rec.size);
        let known = |b: u32, obj: u128| -> ObjectRecord {
            match self.objects.get(&obj) {
                Some(o) => *o,
                None => lookup(b, obj, logged.unwrap_or(0)),
            }
        };
        let prefix = (rec.obj as u64 % prefixes(bucket).max(1) as u64) as u32;
        let upload_key = || {
            self.uploads
                .get(&rec.obj)
                .copied()
                .unwrap_or_else(|| lookup(bucket, rec.obj, 0).key)
        };
        let info = ReqInfo {
            obj: rec.obj,
            dst_bucket: bucket,
            op: Some(rec.op),
        };
        // A read of an object the replay has not written reads a pre-existing one (its KMS
        // calls are counted apart).
        let existing = match rec.op {
            LogOp::Get | LogOp::CopySource => !self.objects.contains_key(&rec.obj),
            LogOp::Copy if rec.src != NO_SOURCE => !self.objects.contains_key(&rec.src),
            _ => false,
        };
        // (phase, bucket of the first call, get class, other class, size, key)
        let (phase, first_bucket, get, other, size, key) = match rec.op {
            LogOp::Put => (
                Phase::Put,
                bucket,
                false,
                false,
                logged.unwrap_or(0),
                KeyRef::NoKms,
            ),
            LogOp::Copy if rec.src != NO_SOURCE => {
                let src_bucket = s.buckets[rec.src_bucket as usize];
                let o = known(src_bucket, rec.src);
                let size = logged.unwrap_or(o.size);
                (Phase::CopyRead, src_bucket, true, false, size, o.key)
            }
            LogOp::Copy => (
                Phase::CopyWrite,
                bucket,
                false,
                false,
                logged.unwrap_or(0),
                KeyRef::NoKms,
            ),
            LogOp::CopySource => {
                let o = known(bucket, rec.obj);
                (
                    Phase::CopyRead,
                    bucket,
                    true,
                    true,
                    logged.unwrap_or(o.size),
                    o.key,
                )
            }
            LogOp::MpuCreate => (Phase::MpuCreate, bucket, false, true, 0, KeyRef::NoKms),
            LogOp::MpuPart => (
                Phase::MpuPart,
                bucket,
                false,
                true,
                logged.unwrap_or(0),
                upload_key(),
            ),
            LogOp::MpuComplete => (
                Phase::MpuComplete,
                bucket,
                false,
                true,
                logged.unwrap_or(0),
                upload_key(),
            ),
            LogOp::Get => {
                let o = known(bucket, rec.obj);
                (
                    Phase::Get,
                    bucket,
                    true,
                    false,
                    logged.unwrap_or(o.size),
                    o.key,
                )
            }
            LogOp::Head => (Phase::Head, bucket, true, true, 0, KeyRef::NoKms),
            LogOp::Delete => (Phase::Delete, bucket, false, true, 0, KeyRef::NoKms),
        };
        let req = Request {
            workload: s.workload,
            session: s.first_session + rec.session,
            client: super::request::NONE,
            bucket: first_bucket,
            get,
            replay: true,
            other,
            first_send: now,
            size,
            prefix,
            key,
            client_key: 0,
            existing,
            denied: false,
            phase,
            part: 0,
            parts: 0,
            attempt: 0,
            retries: 0,
            host: super::request::NONE,
            sent: now,
        };
        Start { req, info, other }
    }

    /// Remembers what the request in `slot` is about.
    pub(super) fn set_info(&mut self, slot: u32, info: ReqInfo) {
        let i = slot as usize;
        if self.info.len() <= i {
            self.info.resize(i + 1, ReqInfo::default());
        }
        self.info[i] = info;
    }

    pub(super) fn info(&self, slot: u32) -> ReqInfo {
        self.info.get(slot as usize).copied().unwrap_or_default()
    }

    /// The replayed request in `slot` succeeded: the objects and uploads it changed. Returns
    /// the object a write created, for the bucket's sample of written objects.
    pub(super) fn succeeded(&mut self, slot: u32, r: &Request) -> Option<ObjectRecord> {
        let info = self.info(slot);
        let written = ObjectRecord {
            key: r.key,
            size: r.size,
            prefix: r.prefix,
            client_key: 0,
        };
        match info.op? {
            LogOp::Put | LogOp::Copy | LogOp::MpuComplete => {
                if info.op == Some(LogOp::MpuComplete) {
                    self.uploads.remove(&info.obj);
                }
                self.objects.insert(info.obj, written);
                Some(written)
            }
            LogOp::MpuCreate => {
                self.uploads.insert(info.obj, r.key);
                None
            }
            LogOp::Delete => {
                self.objects.remove(&info.obj);
                None
            }
            LogOp::MpuPart | LogOp::Get | LogOp::Head | LogOp::CopySource => None,
        }
    }
}

impl Source {
    /// Trace workload `tw`'s log, its first request read (None when the log is not loaded).
    pub(crate) fn new(
        tw: &TraceWorkload,
        first_session: u32,
        workload: u32,
        duration: Nanos,
    ) -> Option<Source> {
        let t = tw.trace.as_ref()?;
        let mut s = Source {
            reader: t.store.reader(),
            start_ns: t.start_ns,
            speed: tw.speed,
            buckets: tw.buckets.iter().map(|&b| b as u32).collect(),
            first_session,
            workload,
            total: t.store.len(),
            offered: 0,
            next: None,
        };
        s.advance(duration);
        Some(s)
    }

    /// When the next request is offered, if before the end of the run.
    pub(crate) fn next_time(&self) -> Option<Nanos> {
        self.next.map(|(t, _)| t)
    }

    /// Takes the next request and reads the one after it.
    pub(crate) fn take(&mut self, duration: Nanos) -> Option<Rec> {
        let (_, r) = self.next.take()?;
        self.offered += 1;
        self.advance(duration);
        Some(r)
    }

    /// Requests of the log not offered (yet, or because the run ended first).
    pub(crate) fn cut(&self) -> u64 {
        self.total - self.offered
    }

    /// Why reading the log failed, if it did.
    pub(crate) fn error(&self) -> Option<&str> {
        self.reader.error()
    }

    /// Reads the next request offered before `duration` into `next`.
    fn advance(&mut self, duration: Nanos) {
        let (start_ns, speed) = (self.start_ns, self.speed);
        self.next = self
            .reader
            .next_rec()
            .and_then(|r| offered_at(r.t, start_ns, speed, duration).map(|t| (t, r)));
    }
}

/// When a request logged at `t` (ns since the epoch) is offered in a replay of a log that
/// starts at `start_ns`, at `speed`: None when that is not before `duration`.
fn offered_at(t: i64, start_ns: i64, speed: f64, duration: Nanos) -> Option<Nanos> {
    let since = t.saturating_sub(start_ns).max(0) as u64;
    let at = if speed == 1.0 {
        since
    } else {
        crate::engine::time::from_secs(since as f64 / 1e9 / speed)
    };
    (at < duration).then_some(at)
}

impl super::Simulation<'_> {
    /// Schedules trace `source`'s next request, if it has one before the end of the run.
    pub(super) fn schedule_trace(&mut self, source: u32) {
        if let Some(t) = self.replay.next_time(source as usize) {
            self.q.schedule(t, super::Ev::Trace { source });
        }
    }

    /// Offers trace `source`'s next request at `now` and schedules the one after it.
    pub(super) fn trace_request(&mut self, now: Nanos, source: u32) {
        let i = source as usize;
        let Some(rec) = self.replay.take(i, self.sc.duration) else {
            return;
        };
        self.schedule_trace(source);
        let front = &self.front;
        let start = self.replay.start(
            i,
            &rec,
            now,
            |b| front.buckets[b as usize].prefixes,
            |b, obj, size| existing(front, b, obj, size),
        );
        let slot = self.reqs.insert(start.req);
        self.replay.set_info(slot, start.info);
        if start.other {
            self.m.arrived_other(now);
        } else {
            self.m.arrived(now, counted_as_get(&start.info));
        }
        self.attempt(now, slot);
    }

    /// A replayed call succeeded: a copy that read its source goes on to write its
    /// destination; every other replayed request is done.
    pub(super) fn next_replayed(&mut self, now: Nanos, req: u32) {
        let info = self.replay.info(req);
        let r = &mut self.reqs.slots[req as usize];
        r.attempt = 0;
        if r.phase == Phase::CopyRead && info.op == Some(LogOp::Copy) {
            let prefixes = self.front.buckets[info.dst_bucket as usize].prefixes.max(1);
            let prefix = (info.obj as u64 % prefixes as u64) as u32;
            super::copy::to_write(r, info.dst_bucket, prefix);
            self.attempt(now, req);
        } else {
            self.finish(now, req, true);
        }
    }

    /// A replayed request is over: what it changed, and its count.
    pub(super) fn finish_replayed(&mut self, now: Nanos, req: u32, ok: bool) {
        let r = self.reqs.slots[req as usize];
        if ok && let Some(mut o) = self.replay.succeeded(req, &r) {
            let b = &mut self.front.buckets[r.bucket as usize];
            if !b.encryption.calls_kms() {
                o.key = KeyRef::NoKms;
            }
            b.written.record(o);
        }
        if r.other {
            self.m.finished_other(r.first_send, ok, r.retries);
        } else {
            let get = counted_as_get(&self.replay.info(req));
            self.m.finished(now, r.first_send, get, ok, r.retries);
            if r.denied {
                self.m.access_denied(r.first_send, get);
            }
        }
        self.reqs.remove(req);
    }

    /// Requests of each trace never offered because the run ended first, and why reading a
    /// trace failed, if it did.
    pub(super) fn replay_outcome(&self) -> (Vec<u64>, Option<String>) {
        let cut = (0..self.replay.sources.len())
            .map(|i| self.replay.cut(i))
            .collect();
        (cut, self.replay.error.clone())
    }
}

/// Whether a replayed PUT-or-GET request counts as a GET (a copy is a write, though it reads
/// its source first).
fn counted_as_get(info: &ReqInfo) -> bool {
    info.op == Some(LogOp::Get)
}

/// Object `obj` of bucket `b` that the replay has not written: one of the bucket's
/// pre-existing objects (its index is the identity's low bits modulo their number).
fn existing(front: &super::front_end::FrontEnd, b: u32, obj: u128, size: u64) -> ObjectRecord {
    let bucket = &front.buckets[b as usize];
    match bucket.population.as_ref() {
        Some((p, _)) => p.object(obj as u64 % p.objects.max(1), size),
        None => ObjectRecord {
            key: if bucket.encryption.calls_kms() {
                KeyRef::PerObject
            } else {
                KeyRef::NoKms
            },
            size,
            prefix: (obj as u64 % bucket.prefixes.max(1) as u64) as u32,
            client_key: 0,
        },
    }
}
