//! The generated traffic: a time-ordered stream of requests, whatever the format that writes
//! them. Each arrival is an *action* of one or more requests (a HEAD then its GET, a multipart
//! upload, a PUT then its DELETE...); the requests of an action that happen later wait in a
//! small time-ordered queue, so memory is bounded by the rate, not by the request count.

use std::collections::BTreeMap;

use super::GenOptions;
use crate::engine::rng::{Stream, mix64};

/// What a request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    Put,
    Get,
    /// A GET with a `Range` header (206 Partial Content).
    RangeGet,
    Head,
    MpuCreate,
    MpuPart,
    MpuComplete,
    /// CopyObject; `copy_source` names the source.
    Copy,
    Delete,
    /// ListObjectsV2 (`REST.GET.BUCKET`): not an object operation.
    List,
}

/// One request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When S3 received it, milliseconds since the Unix epoch.
    pub time_ms: i64,
    pub kind: EventKind,
    pub status: u16,
    /// The S3 error code of a failed request (`NoSuchKey`, `SlowDown`).
    pub error: Option<&'static str>,
    /// Index of the bucket ([`super::bucket_name`]).
    pub bucket: usize,
    /// The object key, not encoded; empty for a listing.
    pub key: String,
    /// Index of the requester ([`Requester::new`]).
    pub requester: usize,
    /// The object's size (0 when the request has no object: a listing, a failure).
    pub size: u64,
    /// Bytes of request body (PUT, part) and of response body.
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// First and last byte of a range GET.
    pub range: Option<(u64, u64)>,
    /// Multipart: the part number (from 1) and the upload's id.
    pub part: u32,
    pub upload_id: u64,
    /// A copy's source bucket and key.
    pub copy_source: Option<(usize, String)>,
    /// A random 64-bit id: the request id, host id and event id derive from it.
    pub id: u64,
    /// A GET that an SDK download issued after a HEAD of the same key by the same requester.
    pub after_head: bool,
    pub total_ms: u32,
    pub turnaround_ms: u32,
}

/// A requester: an IAM role session (most) or an IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub arn: String,
    /// `AssumedRole` or `IAMUser` (CloudTrail's `userIdentity.type`).
    pub kind: &'static str,
    /// The role's or user's name.
    pub name: String,
    pub principal_id: String,
    pub access_key_id: String,
    pub ip: String,
    pub user_agent: &'static str,
}

const USER_AGENTS: [&str; 4] = [
    "aws-sdk-java/2.29.15 Linux/6.1.115-126.197.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard",
    "Boto3/1.35.68 md/Botocore#1.35.68 ua/2.0 os/linux#6.1.115 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.68",
    "aws-sdk-go-v2/1.32.5 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/s3#1.69.0 m/E,Z",
    "aws-cli/2.22.4 md/awscrt#0.23.0 ua/2.0 os/linux#6.1.115 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2023 md/prompt#off md/command#s3.cp",
];

const USERS: [&str; 5] = ["deploy-bot", "analytics", "alice", "bob", "backup-agent"];

impl Requester {
    /// Requester `i` of a log generated with `seed`: three role sessions out of four.
    pub fn new(seed: u64, i: usize) -> Requester {
        let h = mix64(seed ^ mix64(i as u64 + 0x5151));
        let h2 = mix64(h);
        let acct = super::ACCOUNT;
        if i % 4 == 3 {
            let name = format!("{}-{}", USERS[(i / 4) % USERS.len()], i / 4 / USERS.len());
            let name = name.trim_end_matches("-0").to_string();
            Requester {
                arn: format!("arn:aws:iam::{acct}:user/{name}"),
                kind: "IAMUser",
                principal_id: format!("AIDA{}", upper_alnum(h, 17)),
                access_key_id: format!("AKIA{}", upper_alnum(h2, 16)),
                ip: format!("203.0.113.{}", 1 + h % 250),
                user_agent: USER_AGENTS[3 - (i / 4) % 2],
                name,
            }
        } else {
            let (role, session) = match i % 4 {
                0 | 1 => ("app-role", format!("i-0{:016x}", h2 >> 4)),
                _ => ("thumbnail-lambda-role", format!("thumbnailer-{}", i / 4)),
            };
            Requester {
                arn: format!("arn:aws:sts::{acct}:assumed-role/{role}/{session}"),
                kind: "AssumedRole",
                principal_id: format!(
                    "AROA{}:{session}",
                    upper_alnum(mix64(role.len() as u64), 17)
                ),
                access_key_id: format!("ASIA{}", upper_alnum(h2, 16)),
                ip: format!(
                    "10.{}.{}.{}",
                    10 + i % 4,
                    (h >> 8) % 256,
                    1 + (h >> 16) % 250
                ),
                user_agent: USER_AGENTS[i % 3],
                name: role.to_string(),
            }
        }
    }
}

/// `n` characters of `A-Z2-7` from `h` (the alphabet of AWS access key ids).
fn upper_alnum(seed: u64, n: usize) -> String {
    const A: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut s = String::with_capacity(n);
    let mut h = 0;
    for i in 0..n as u64 {
        if i % 12 == 0 {
            h = mix64(seed ^ mix64(i));
        }
        s.push(A[(h & 31) as usize] as char);
        h >>= 5;
    }
    s
}

/// Objects that existed before the log starts, per bucket (keys `assets/v1/N.png`).
pub const PRE_EXISTING: u64 = 2000;
/// Large objects that existed before the log starts, per bucket (range GETs read them).
pub const PRE_EXISTING_LARGE: u64 = 200;
const MIB: u64 = 1 << 20;

/// The kinds of action and their weights (percent of actions).
#[derive(Clone, Copy)]
enum Action {
    PutNew,
    PutHot,
    Download,
    Get,
    RangeGet,
    Head,
    Multipart,
    Copy,
    PutThenDelete,
    List,
    GetMissing,
    PutSlowDown,
}

const ACTIONS: [(Action, f64); 12] = [
    (Action::PutNew, 20.0),
    (Action::PutHot, 6.0),
    (Action::Download, 18.0),
    (Action::Get, 22.0),
    (Action::RangeGet, 5.0),
    (Action::Head, 5.0),
    (Action::Multipart, 1.2),
    (Action::Copy, 2.0),
    (Action::PutThenDelete, 4.0),
    (Action::List, 5.0),
    (Action::GetMissing, 1.5),
    (Action::PutSlowDown, 1.0),
];

/// The request stream of a set of options, in time order.
pub struct Events {
    rng: Stream,
    seed: u64,
    start_ms: i64,
    span_ms: u64,
    total: u64,
    /// Records scheduled so far (those of staged actions).
    scheduled: u64,
    /// A copy is two access-log lines (destination and source bucket).
    copy_records: u64,
    buckets: usize,
    requesters: usize,
    /// The time of the latest staged action: no later action is earlier.
    frontier: i64,
    pending: BTreeMap<(i64, u64), Event>,
    seq: u64,
    /// Per bucket: objects `obj/...` written so far (ids 0..written are readable).
    written: Vec<u64>,
    /// Per bucket: ids of other new keys (temporary, multipart, copies, retried PUTs).
    other: Vec<u64>,
    depth: f64,
    /// The last solution of [`Events::time_at`].
    last_x: f64,
    peak_pending: usize,
}

impl Events {
    pub fn new(opts: &GenOptions) -> Events {
        let t = opts.trough.clamp(1e-6, 1.0);
        Events {
            rng: Stream::new(opts.seed, "replay-generate"),
            seed: opts.seed,
            start_ms: opts.start_unix_s * 1000,
            span_ms: opts.span_ms,
            total: opts.requests,
            scheduled: 0,
            copy_records: match opts.format {
                super::GenFormat::S3AccessLog => 2,
                _ => 1,
            },
            buckets: opts.buckets,
            requesters: opts.requesters,
            frontier: i64::MIN,
            pending: BTreeMap::new(),
            seq: 0,
            written: vec![0; opts.buckets],
            other: vec![0; opts.buckets],
            // rate ∝ 1 − depth·cos(2πx); trough/peak = (1 − depth)/(1 + depth)
            depth: (1.0 - t) / (1.0 + t),
            last_x: 0.0,
            peak_pending: 0,
        }
    }

    /// The most requests ever waiting in the queue: bounded by the rate, not the count.
    pub fn peak_pending(&self) -> usize {
        self.peak_pending
    }

    /// The time at fraction `u` of the requests: the inverse of the cumulative rate
    /// x − depth·sin(2πx)/(2π), by Newton's method (its derivative is ≥ 1 − depth > 0).
    /// Starts from the previous solution: successive fractions are close.
    fn time_at(&mut self, u: f64) -> i64 {
        let tau = std::f64::consts::TAU;
        let mut x = self.last_x;
        for _ in 0..30 {
            let (sin, cos) = (tau * x).sin_cos();
            let g = x - self.depth * sin / tau - u;
            x = (x - g / (1.0 - self.depth * cos)).clamp(0.0, 1.0);
            if g.abs() < 1e-13 {
                break;
            }
        }
        self.last_x = x;
        let ms = ((x * self.span_ms as f64) as i64).min(self.span_ms as i64 - 1);
        self.start_ms + ms
    }

    /// log-uniform in [0, n): a Zipf-like popularity, id 0 the hottest.
    fn zipf(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        let v = (n as f64).powf(self.rng.uniform()) as u64;
        v.saturating_sub(1).min(n - 1)
    }

    fn ev(
        &mut self,
        time_ms: i64,
        kind: EventKind,
        bucket: usize,
        key: String,
        req: usize,
    ) -> Event {
        Event {
            time_ms,
            kind,
            status: 200,
            error: None,
            bucket,
            key,
            requester: req,
            size: 0,
            bytes_in: 0,
            bytes_out: 0,
            range: None,
            part: 0,
            upload_id: 0,
            copy_source: None,
            id: self.rng.next_u64(),
            after_head: false,
            total_ms: 0,
            turnaround_ms: 0,
        }
    }

    /// Service times: a turn-around of a few ms and a transfer at ~80 MB/s.
    fn timing(&mut self, e: &mut Event) {
        let turn = 4 + self.rng.below(25) as u32;
        let xfer = ((e.bytes_in + e.bytes_out) / 80_000) as u32;
        e.turnaround_ms = turn;
        e.total_ms = turn + xfer + self.rng.below(6) as u32;
    }

    fn push(&mut self, mut e: Event) {
        self.timing(&mut e);
        self.seq += 1;
        self.pending.insert((e.time_ms, self.seq), e);
        self.peak_pending = self.peak_pending.max(self.pending.len());
    }

    fn new_put(&mut self, t: i64, b: usize, req: usize) -> Event {
        let id = self.written[b];
        self.written[b] += 1;
        let (key, size) = (obj_key(id), obj_size(self.seed, b, id));
        let mut e = self.ev(t, EventKind::Put, b, key, req);
        e.size = size;
        e.bytes_in = size;
        e
    }

    /// A readable object of bucket `b`: a hot or recent one written earlier, or a
    /// pre-existing one.
    fn readable(&mut self, b: usize) -> (String, u64) {
        let w = self.written[b];
        if w == 0 || self.rng.uniform() < 0.35 {
            let id = self.zipf(PRE_EXISTING);
            return (format!("assets/v1/{id}.png"), obj_size(self.seed, b, !id));
        }
        let id = if self.rng.uniform() < 0.5 {
            self.zipf(w.min(200))
        } else {
            w - 1 - self.zipf(w)
        };
        (obj_key(id), obj_size(self.seed, b, id))
    }

    /// Stages the next action: its requests go to the queue.
    fn stage(&mut self) {
        let left = self.total - self.scheduled;
        let total_w: f64 = ACTIONS.iter().map(|a| a.1).sum();
        let mut x = self.rng.uniform() * total_w;
        let mut action = Action::PutNew;
        for (a, w) in ACTIONS {
            if x < w {
                action = a;
                break;
            }
            x -= w;
        }
        let parts = 2 + self.rng.below(9);
        let records = match action {
            Action::Download | Action::PutThenDelete | Action::PutSlowDown => 2,
            Action::Copy => self.copy_records,
            Action::Multipart => parts + 2,
            _ => 1,
        };
        let end = self.start_ms + self.span_ms as i64;
        // Multi-request actions need room in the count and in the span (the multipart's
        // parts and the delete come seconds later); otherwise a single PUT.
        let u = (self.scheduled as f64 + self.rng.uniform() * records.min(left) as f64)
            / self.total as f64;
        let t = self.time_at(u);
        let later_ms = match action {
            Action::Multipart => 2000 * parts as i64 + 100,
            Action::PutThenDelete => 60_000,
            _ => 1000,
        };
        let (action, t) = if records > left || (records > 1 && t + later_ms >= end) {
            // The time of a one-record action, so that the next action is not earlier.
            let u = (self.scheduled as f64 + self.rng.uniform()) / self.total as f64;
            (Action::PutNew, self.time_at(u))
        } else {
            (action, t)
        };
        self.frontier = t;
        let b = self.rng.below(self.buckets as u64) as usize;
        let req = self.zipf(self.requesters as u64) as usize;
        self.scheduled += self.act(action, t, b, req, parts);
    }

    /// Queues the requests of `action` at `t`; returns how many records they make.
    fn act(&mut self, action: Action, t: i64, b: usize, req: usize, parts: u64) -> u64 {
        match action {
            Action::PutNew => {
                let e = self.new_put(t, b, req);
                self.push(e);
                1
            }
            Action::PutHot => {
                let w = self.written[b];
                if w == 0 {
                    return self.act(Action::PutNew, t, b, req, parts);
                }
                let id = self.zipf(w.min(200));
                let mut e = self.ev(t, EventKind::Put, b, obj_key(id), req);
                e.size = obj_size(self.seed, b, id);
                e.bytes_in = e.size;
                self.push(e);
                1
            }
            Action::Download | Action::Get | Action::Head => {
                let (key, size) = self.readable(b);
                let kind = if matches!(action, Action::Head) {
                    EventKind::Head
                } else {
                    EventKind::Get
                };
                let mut e = self.ev(t, kind, b, key, req);
                e.size = size;
                if let Action::Download = action {
                    let mut head = e.clone();
                    head.kind = EventKind::Head;
                    self.push(head);
                    e.id = self.rng.next_u64();
                    e.time_ms = t + 2 + self.rng.below(25) as i64;
                    e.after_head = true;
                }
                if e.kind == EventKind::Get {
                    e.bytes_out = size;
                }
                self.push(e);
                if let Action::Download = action { 2 } else { 1 }
            }
            Action::RangeGet => {
                let id = self.zipf(PRE_EXISTING_LARGE);
                let size = large_size(self.seed, b, !id);
                let chunk = 8 * MIB;
                let first = self.rng.below(size.div_ceil(chunk)) * chunk;
                let last = (first + chunk).min(size) - 1;
                let mut e = self.ev(
                    t,
                    EventKind::RangeGet,
                    b,
                    format!("media/archive/{id}.mp4"),
                    req,
                );
                e.status = 206;
                e.size = size;
                e.range = Some((first, last));
                e.bytes_out = last - first + 1;
                self.push(e);
                1
            }
            Action::Multipart => {
                let id = self.other_id(b);
                let key = format!("media/uploads/video-{id}.mp4");
                let part_size = 16 * MIB;
                let size = (parts - 1) * part_size + 1 + mix64(self.seed ^ id) % part_size;
                let upload = self.rng.next_u64();
                let mut e = self.ev(t, EventKind::MpuCreate, b, key.clone(), req);
                e.upload_id = upload;
                self.push(e);
                let mut at = t;
                for p in 1..=parts {
                    at += 100 + self.rng.below(1900) as i64;
                    let mut e = self.ev(at, EventKind::MpuPart, b, key.clone(), req);
                    e.part = p as u32;
                    e.upload_id = upload;
                    e.bytes_in = if p == parts {
                        size - (parts - 1) * part_size
                    } else {
                        part_size
                    };
                    self.push(e);
                }
                let done = at + 30 + self.rng.below(60) as i64;
                let mut e = self.ev(done, EventKind::MpuComplete, b, key, req);
                e.upload_id = upload;
                e.size = size;
                self.push(e);
                parts + 2
            }
            Action::Copy => {
                let src_b = self.rng.below(self.buckets as u64) as usize;
                let (src_key, size) = self.readable(src_b);
                let id = self.other_id(b);
                let mut e = self.ev(
                    t,
                    EventKind::Copy,
                    b,
                    format!("backup/copy-{id}/{src_key}"),
                    req,
                );
                e.size = size;
                e.bytes_out = 234;
                e.copy_source = Some((src_b, src_key));
                self.push(e);
                self.copy_records
            }
            Action::PutThenDelete => {
                let id = self.other_id(b);
                let key = format!("tmp/upload-{id}.part");
                let size = obj_size(self.seed, b, id ^ 0x7777);
                let mut e = self.ev(t, EventKind::Put, b, key.clone(), req);
                e.size = size;
                e.bytes_in = size;
                self.push(e);
                let at = t + 2000 + self.rng.below(55_000) as i64;
                let mut d = self.ev(at, EventKind::Delete, b, key, req);
                d.status = 204;
                self.push(d);
                2
            }
            Action::List => {
                let mut e = self.ev(t, EventKind::List, b, String::new(), req);
                e.bytes_out = 2000 + self.rng.below(30_000);
                self.push(e);
                1
            }
            Action::GetMissing => {
                let n = self.rng.below(1_000_000);
                let mut e = self.ev(
                    t,
                    EventKind::Get,
                    b,
                    format!("img/products/missing-{n}.jpg"),
                    req,
                );
                e.status = 404;
                e.error = Some("NoSuchKey");
                e.bytes_out = 243;
                self.push(e);
                1
            }
            Action::PutSlowDown => {
                // Throttled, then retried by the SDK after a backoff; the retried key is
                // never read (it would be readable only from the retry on).
                let id = self.other_id(b);
                let key = format!("uploads/retried/{id}.json");
                let size = obj_size(self.seed, b, id ^ 0x5555);
                let mut e = self.ev(t, EventKind::Put, b, key.clone(), req);
                e.status = 503;
                e.error = Some("SlowDown");
                e.bytes_in = size;
                e.bytes_out = 254;
                self.push(e);
                let at = t + 50 + self.rng.below(400) as i64;
                let mut r = self.ev(at, EventKind::Put, b, key, req);
                r.size = size;
                r.bytes_in = size;
                self.push(r);
                2
            }
        }
    }

    fn other_id(&mut self, b: usize) -> u64 {
        self.other[b] += 1;
        self.other[b]
    }
}

impl Iterator for Events {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            let done = self.scheduled >= self.total;
            if let Some((&(t, _), _)) = self.pending.first_key_value() {
                if t <= self.frontier || done {
                    return self.pending.pop_first().map(|(_, e)| e);
                }
            } else if done {
                return None;
            }
            self.stage();
        }
    }
}

/// Key of object `id` written in the log: mostly plain, some with a space, a `+` or a
/// non-ASCII character (access logs URL-encode them).
pub fn obj_key(id: u64) -> String {
    match mix64(id) % 20 {
        0 => format!("uploads/user {id}/photo.jpeg"),
        1 => format!("reports/r{id}+final.csv"),
        2 => format!("docs/café-{id}.pdf"),
        3..=8 => format!("static/js/app.{id:x}.js"),
        _ => format!("img/products/{id}.jpg"),
    }
}

/// The size of object `id` of bucket `b`: lognormal, median 48 KiB, capped at 8 MiB
/// (larger uploads go multipart). Rewrites of a key keep its size.
pub fn obj_size(seed: u64, b: usize, id: u64) -> u64 {
    let h = mix64(seed ^ mix64(id ^ ((b as u64) << 48)));
    let u1 = ((h >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let u2 = (mix64(h) >> 11) as f64 / (1u64 << 53) as f64;
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    ((48.0 * 1024.0 * (1.3 * z).exp()) as u64).clamp(64, 8 * MIB)
}

fn large_size(seed: u64, b: usize, id: u64) -> u64 {
    64 * MIB + mix64(seed ^ id ^ ((b as u64) << 40)) % (960 * MIB)
}
