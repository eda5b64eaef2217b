//! The live S3 front end: one attempt of a request reaches front-end host `r.host` at `now`.
//! Prefix limits and the KMS calls follow the simulation's front end
//! ([`crate::model::sim`]'s `front_end.rs`): a 503 SlowDown for a prefix over its limit;
//! otherwise the key the bucket's mode needs, from KMS (GenerateDataKey for a write,
//! Decrypt for a read) or from the bucket-key caches, which are per host, session, bucket
//! and KMS key (writes) or host, session and bucket key (reads). The object's bytes are
//! then really sealed or opened ([`super::worker`] does that when the key has arrived).

use super::cache::{Called, Entry, Got, SharedCache};
use super::envelope;
use super::harness::Shared;
use super::kms::Work;
use super::lock;
use super::request::{Phase, Req};
use super::store::{BucketStore, ObjKey, arn_of};
use crate::crypto::sse_kms::bucket_arn;
use crate::crypto::{CryptoError, DataKey};
use crate::engine::rng::Stream;
use crate::engine::time::{Nanos, from_secs};
use crate::metrics::collector::{Context, KmsOpKind};
use crate::mode::Mode;
use crate::model::dist::LatencySampler;
use crate::model::limiter::{FixedWindow, Limiter};
use crate::model::objects::KeyRef;
use crate::model::sim::kms_keys::{KeySelect, slots};
use crate::model::sim::trail::Subject;
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What S3 answers to an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    SlowdownKms,
    SlowdownPrefix,
    /// The bucket's policies denied the KMS call: 403 AccessDenied, not retried.
    AccessDenied,
    /// The harness's own crypto failed (a bug, or tampering): the request fails, unretried.
    Broken,
}

/// What happens next to an attempt S3 handled.
pub enum Next {
    /// S3 answers at this time.
    Respond(Nanos, Outcome),
    /// The key arrives at this time (held in the request): then the bytes are sealed or
    /// opened and S3 answers.
    KeyAt(Nanos),
}

pub struct FrontBucket {
    pub mode: Mode,
    /// The KMS keys the bucket can use, by slot (`model::sim::kms_keys::slots`): its
    /// `kms_key` first, then its key change's, then its put workloads' own.
    pub kms_keys: Vec<String>,
    pub prefixes: u32,
    limiter_base: usize,
    pub store: BucketStore,
}

pub struct Front {
    pub buckets: Vec<FrontBucket>,
    prefix: Vec<Mutex<Limiter>>,
    bk_write: SharedCache,
    bk_read: SharedCache,
    s3_latency: LatencySampler,
    transfer_rate: Option<f64>,
    /// Which KMS key and bucket-key setting each write uses (the simulation's rules).
    keys: KeySelect,
    /// The S3-managed root key (sse-s3 objects' keys are derived from it).
    pub s3_root: DataKey,
    next_key_id: AtomicU64,
}

impl Front {
    pub fn new(sc: &Scenario, store_capacity: usize) -> Front {
        let hosts = sc.s3.frontend_hosts.max(1);
        let mut prefix = Vec::new();
        let mut buckets = Vec::new();
        for (bi, b) in sc.buckets.iter().enumerate() {
            let limiter_base = prefix.len();
            for _ in 0..b.prefixes.max(1) {
                for rps in [sc.s3.prefix_put_rps, sc.s3.prefix_get_rps] {
                    prefix.push(Mutex::new(if rps == 0 {
                        Limiter::Unlimited
                    } else {
                        Limiter::FixedWindow(FixedWindow::new(rps))
                    }));
                }
            }
            let population = b.existing.as_ref().map(|p| {
                use crate::model::objects::{Population, PopulationKeys};
                let kind = if !b.encryption.s3_calls_kms() {
                    PopulationKeys::NoKms
                } else if b.encryption.supports_bucket_key() && p.bucket_key_since > 0 {
                    PopulationKeys::BucketKey {
                        ttl: sc.s3.bucket_key_ttl,
                    }
                } else {
                    PopulationKeys::PerObject
                };
                (
                    Population::new(&b.name, p, hosts, b.prefixes, kind),
                    crate::model::dist::SizeSampler::new(&p.size),
                )
            });
            buckets.push(FrontBucket {
                mode: b.encryption,
                kms_keys: slots(sc, bi).into_iter().map(str::to_string).collect(),
                prefixes: b.prefixes.max(1),
                limiter_base,
                store: BucketStore::new(&b.name, sc.seed, store_capacity, population),
            });
        }
        Front {
            buckets,
            prefix,
            bk_write: SharedCache::new(sc.s3.single_flight, sc.s3.bucket_key_ttl),
            bk_read: SharedCache::new(sc.s3.single_flight, sc.s3.bucket_key_ttl),
            s3_latency: LatencySampler::new(&sc.s3.latency),
            transfer_rate: sc.s3.transfer_rate,
            keys: KeySelect::new(sc),
            s3_root: DataKey::generate(&mut rand::rng()),
            next_key_id: AtomicU64::new(1),
        }
    }

    /// S3's own time for one answer.
    pub fn s3_time(&self, rng: &mut Stream) -> Nanos {
        self.s3_latency.sample(rng)
    }

    /// Time to move `bytes` over one connection.
    pub fn transfer_time(&self, bytes: u64) -> Nanos {
        match self.transfer_rate {
            Some(rate) if rate > 0.0 => from_secs(bytes as f64 / rate),
            _ => 0,
        }
    }
}

/// Handles attempt `r` arriving at `now`.
pub fn handle(sh: &Shared, rng: &mut Stream, now: Nanos, r: &mut Req) -> Result<Next, CryptoError> {
    let f = &sh.front;
    let bi = r.bucket as usize;
    let b = &f.buckets[bi];
    let class = usize::from(r.get);
    let lim = b.limiter_base + r.prefix as usize * 2 + class;
    let admitted = super::lock(&f.prefix[lim]).admit(now);
    if !admitted {
        return Ok(Next::Respond(now + f.s3_time(rng), Outcome::SlowdownPrefix));
    }
    let kms = b.mode.s3_calls_kms();
    let arn = arn_of(&b.store.name, r.object);
    let writing = matches!(r.phase, Phase::Put | Phase::MpuCreate | Phase::CopyWrite);
    let wk = f.keys.for_write(r.bucket, Some(r.workload), now);
    let (slot, bucket_key) = if kms && writing {
        (wk.slot, wk.bucket_key)
    } else {
        (0, false)
    };
    let kms_key = &b.kms_keys[slot as usize];
    let key = match r.phase {
        Phase::Head | Phase::MpuComplete | Phase::Delete => None,
        Phase::Put | Phase::MpuCreate | Phase::CopyWrite if !kms => {
            r.obj_key = if b.mode == Mode::None {
                ObjKey::Plain
            } else {
                ObjKey::S3Managed {
                    salt: envelope::salt(r.object, r.session),
                }
            };
            None
        }
        Phase::Put | Phase::MpuCreate | Phase::CopyWrite if bucket_key => {
            let about = subject(sh, r, slot, 0);
            let ck = write_key(r.host, r.session, r.bucket, slot);
            let got = f.bk_write.get_or_call(ck, now, || {
                let a = sh.kms.call(
                    &sh.m,
                    about,
                    now,
                    r.first_send,
                    KmsOpKind::GenerateDataKey,
                    Context::BucketArn,
                    Work::Generate {
                        key_arn: kms_key,
                        arn: &bucket_arn(&b.store.name),
                    },
                )?;
                if a.ok {
                    lock(&sh.m).bucket_key_issued(r.first_send);
                }
                Ok::<_, CryptoError>(Called {
                    key_id: f.next_key_id.fetch_add(1, Ordering::Relaxed),
                    ready_at: a.at,
                    key: a.key,
                    blob: a.blob,
                    denied: a.denied,
                })
            })?;
            let e = entry(sh, got, about, KmsOpKind::GenerateDataKey);
            r.obj_key = ObjKey::BucketKey {
                id: e.0.key_id,
                slot,
                blob: e.0.blob.clone(),
                salt: envelope::salt(r.object, r.session),
            };
            r.key = e.0.key.clone();
            Some((e.0.ready_at.max(now), e.1))
        }
        Phase::Put | Phase::MpuCreate | Phase::CopyWrite => {
            let a = sh.kms.call(
                &sh.m,
                subject(sh, r, slot, r.object),
                now,
                r.first_send,
                KmsOpKind::GenerateDataKey,
                Context::ObjectArn,
                Work::Generate {
                    key_arn: kms_key,
                    arn: &arn,
                },
            )?;
            r.obj_key = ObjKey::PerObject {
                blob: Arc::new(a.blob),
            };
            r.key = a.key.map(Arc::new);
            r.kms_left = if a.ok { calls_per_object(sh, b) - 1 } else { 0 };
            Some((a.at, state(a.ok, a.denied)))
        }
        Phase::MpuPart | Phase::Get | Phase::CopyRead => read_key(sh, now, r, &arn)?,
    };
    Ok(match key {
        None => Next::KeyAt(now),
        Some((at, KeyState::Ready)) => Next::KeyAt(at),
        Some((at, KeyState::Throttled)) => Next::Respond(at + f.s3_time(rng), Outcome::SlowdownKms),
        Some((at, KeyState::Denied)) => Next::Respond(at + f.s3_time(rng), Outcome::AccessDenied),
    })
}

/// KMS calls S3 makes per object where SSE-KMS makes one: `s3.dsse_kms_calls_per_object`
/// for DSSE-KMS (an assumption, aws-facts §7), else 1.
fn calls_per_object(sh: &Shared, b: &FrontBucket) -> u32 {
    if b.mode == Mode::DsseKms {
        sh.sc.s3.dsse_kms_calls_per_object.max(1)
    } else {
        1
    }
}

/// DSSE-KMS: S3's next KMS call for the object of `r`, made when the previous one answered
/// (as the simulation makes them, one after the other, each of the same operation with the
/// object's ARN as context); the first throttled or denied call ends the sequence.
pub fn extra_call(
    sh: &Shared,
    rng: &mut Stream,
    now: Nanos,
    r: &mut Req,
) -> Result<Next, CryptoError> {
    r.kms_left -= 1;
    let b = &sh.front.buckets[r.bucket as usize];
    let arn = arn_of(&b.store.name, r.object);
    let ObjKey::PerObject { blob } = r.obj_key.clone() else {
        return Ok(Next::KeyAt(now));
    };
    let key_arn = crate::crypto::kms_keys::blob_key_arn(&blob).unwrap_or(&b.kms_keys[0]);
    let writing = matches!(r.phase, Phase::Put | Phase::MpuCreate | Phase::CopyWrite);
    let slot = if writing {
        b.kms_keys.iter().position(|k| k == key_arn).unwrap_or(0) as u32
    } else {
        0
    };
    let (op, work) = if writing {
        (
            KmsOpKind::GenerateDataKey,
            Work::Generate { key_arn, arn: &arn },
        )
    } else {
        (
            KmsOpKind::Decrypt,
            Work::Decrypt {
                blob: &blob,
                arn: &arn,
            },
        )
    };
    let a = sh.kms.call(
        &sh.m,
        subject(sh, r, slot, r.object),
        now,
        r.first_send,
        op,
        Context::ObjectArn,
        work,
    )?;
    if r.existing {
        lock(&sh.m).kms_for_existing(now, r.first_send, 1);
    }
    if !a.ok {
        r.kms_left = 0;
    }
    Ok(match state(a.ok, a.denied) {
        KeyState::Ready => Next::KeyAt(a.at),
        KeyState::Throttled => Next::Respond(a.at + sh.front.s3_time(rng), Outcome::SlowdownKms),
        KeyState::Denied => Next::Respond(a.at + sh.front.s3_time(rng), Outcome::AccessDenied),
    })
}

/// DSSE-KMS: the S3-managed key of the outer layer of object `id`.
pub fn outer_key(sh: &Shared, id: u64, arn: &str) -> DataKey {
    envelope::derive(&sh.front.s3_root, &envelope::salt(id, u32::MAX - 1), arn)
}

/// Whether the key a call needs is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    Ready,
    Throttled,
    Denied,
}

fn state(ok: bool, denied: bool) -> KeyState {
    match (ok, denied) {
        (true, _) => KeyState::Ready,
        (false, true) => KeyState::Denied,
        (false, false) => KeyState::Throttled,
    }
}

/// What a KMS call for request `r` is about (its policies' subject): `object` 0 for a
/// bucket key.
fn subject(sh: &Shared, r: &Req, slot: u32, object: u64) -> Subject {
    Subject {
        workload: super::replication::caller(sh, r),
        bucket: r.bucket,
        session: r.session,
        slot,
        object,
    }
}

/// A cache entry and whether its key is there for this request: a request that joined
/// another's failed call is denied if its own call would be, else throttled (as the
/// simulation decides).
fn entry(sh: &Shared, got: Got, about: Subject, op: KmsOpKind) -> (Entry, KeyState) {
    match got {
        Got::Hit(e) => (e, KeyState::Ready),
        Got::Called(e) => {
            let st = state(e.ok, e.denied);
            (e, st)
        }
        Got::Join(e) => {
            let st = if e.ok {
                KeyState::Ready
            } else if sh.kms.would_deny(about, op, Context::BucketArn) {
                KeyState::Denied
            } else {
                KeyState::Throttled
            };
            (e, st)
        }
    }
}

/// The key a read (or a multipart part) needs: None when no KMS is involved, else when it is
/// there and whether it is.
fn read_key(
    sh: &Shared,
    now: Nanos,
    r: &mut Req,
    arn: &str,
) -> Result<Option<(Nanos, KeyState)>, CryptoError> {
    let f = &sh.front;
    let b = &f.buckets[r.bucket as usize];
    let mut calls = 0;
    let out = match r.obj_key.clone() {
        ObjKey::Plain | ObjKey::S3Managed { .. } => None,
        ObjKey::PerObject { blob } => {
            // Which key wrote the object is not kept: its bucket's first (as the simulation).
            let a = sh.kms.call(
                &sh.m,
                subject(sh, r, 0, r.object),
                now,
                r.first_send,
                KmsOpKind::Decrypt,
                Context::ObjectArn,
                Work::Decrypt { blob: &blob, arn },
            )?;
            calls = 1;
            r.kms_left = if a.ok { calls_per_object(sh, b) - 1 } else { 0 };
            r.key = a.key.map(Arc::new);
            Some((a.at, state(a.ok, a.denied)))
        }
        ObjKey::BucketKey { id, slot, blob, .. } => {
            // Cached on this host for this session from writing, or unwrapped for reads.
            if let Some(Got::Hit(e) | Got::Join(e)) = f
                .bk_write
                .lookup(write_key(r.host, r.session, r.bucket, slot), now)
                && e.key_id == id
                && e.ok
            {
                r.key = e.key.clone();
                Some((e.ready_at.max(now), KeyState::Ready))
            } else {
                let about = subject(sh, r, slot, 0);
                let ck = read_cache_key(r.host, r.session, id);
                let got = f.bk_read.get_or_call(ck, now, || {
                    let a = sh.kms.call(
                        &sh.m,
                        about,
                        now,
                        r.first_send,
                        KmsOpKind::Decrypt,
                        Context::BucketArn,
                        Work::Decrypt {
                            blob: &blob,
                            arn: &bucket_arn(&b.store.name),
                        },
                    )?;
                    if a.ok {
                        lock(&sh.m).bucket_key_decrypted(r.first_send);
                    }
                    Ok::<_, CryptoError>(Called {
                        key_id: id,
                        ready_at: a.at,
                        key: a.key,
                        blob: blob.to_vec(),
                        denied: a.denied,
                    })
                })?;
                if matches!(got, Got::Called(_)) {
                    calls = 1;
                }
                let (e, st) = entry(sh, got, about, KmsOpKind::Decrypt);
                r.key = e.key.clone();
                Some((e.ready_at.max(now), st))
            }
        }
    };
    if r.existing && calls > 0 {
        lock(&sh.m).kms_for_existing(now, r.first_send, calls);
    }
    Ok(out)
}

/// The data key of object `r` once its key is there: the per-object key, derived from the
/// bucket key or the S3-managed root, or None (no encryption).
pub fn object_key(sh: &Shared, r: &Req, arn: &str) -> Option<DataKey> {
    match &r.obj_key {
        ObjKey::Plain => None,
        ObjKey::S3Managed { salt } => Some(envelope::derive(&sh.front.s3_root, salt, arn)),
        ObjKey::PerObject { .. } => r
            .key
            .as_ref()
            .map(|k| DataKey::from_bytes(*k.expose_secret())),
        ObjKey::BucketKey { salt, .. } => r.key.as_ref().map(|bk| envelope::derive(bk, salt, arn)),
    }
}

/// The population's key kind as the front end records it.
pub fn key_ref(k: &ObjKey) -> KeyRef {
    match k {
        ObjKey::Plain | ObjKey::S3Managed { .. } => KeyRef::NoKms,
        ObjKey::PerObject { .. } => KeyRef::PerObject,
        ObjKey::BucketKey { id, .. } => KeyRef::BucketKey(*id),
    }
}

/// Cache key of a bucket key for writes: host, session, bucket, KMS key slot.
fn write_key(host: u32, session: u32, bucket: u32, slot: u32) -> u128 {
    ((host as u128) << 96) | ((session as u128) << 64) | ((bucket as u128) << 32) | slot as u128
}

/// Cache key of a bucket key unwrapped for reads: host, session, key id.
fn read_cache_key(host: u32, session: u32, key_id: u64) -> u128 {
    ((host as u128) << 96) | ((session as u128) << 64) | key_id as u128
}
