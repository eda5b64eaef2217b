//! The in-process KMS: each Region's quota (the simulation's own limiter and background
//! calls, [`crate::model::kms::Kms`]) decides at the real instant of the call, its latency is
//! drawn as the simulation draws it and applied by the caller with a timer, and the key work
//! is real (a fresh data key wrapped under the KMS key's material, or a blob unwrapped and
//! checked against its encryption context). One lock: KMS is one service with one quota per
//! Region, and a call holds it for about a microsecond.

use crate::crypto::kms_keys::s3_context;
use crate::crypto::{CryptoError, DataKey, EncryptionContext, ModelledKms};
use crate::engine::time::Nanos;
use crate::metrics::collector::{Collector, Context, KmsOpKind};
use crate::metrics::results::DeniedCalls;
use crate::model::sim::policy_gate::PolicyGate;
use crate::model::sim::regions::{RegionCounts, Regions};
use crate::model::sim::trail::Subject;
use crate::scenario::Scenario;
use std::sync::Mutex;

/// The key work of one call.
pub enum Work<'a> {
    /// GenerateDataKey under `key_arn` with `{"aws:s3:arn": arn}` as context.
    Generate { key_arn: &'a str, arn: &'a str },
    /// Decrypt `blob` with `{"aws:s3:arn": arn}` as context.
    Decrypt { blob: &'a [u8], arn: &'a str },
    /// The client's own calls (client-side encryption, [`super::cse`]): its context.
    ClientGenerate {
        key_arn: &'a str,
        ctx: &'a EncryptionContext,
    },
    ClientDecrypt {
        blob: &'a [u8],
        ctx: &'a EncryptionContext,
    },
}

/// KMS's answer: whether the quota admitted the call, when the answer reaches the caller,
/// and (admitted) the plaintext key and, for GenerateDataKey, its wrapped form.
pub struct Answer {
    pub ok: bool,
    /// The bucket's policies denied the call (it was within the quota).
    pub denied: bool,
    pub at: Nanos,
    pub key: Option<DataKey>,
    pub blob: Vec<u8>,
}

struct Inner {
    regions: Regions,
    crypto: ModelledKms,
    /// The buckets' key and IAM policies, when some bucket has them (the simulation's gate).
    gate: Option<PolicyGate>,
}

pub struct LiveKms {
    inner: Mutex<Inner>,
}

impl LiveKms {
    /// Every Region of `sc`, with key material for every bucket's KMS key (from the OS's
    /// random generator: these keys protect the run's data, if only for its duration).
    pub fn new(sc: &Scenario) -> LiveKms {
        let mut crypto = ModelledKms::from_entropy();
        for bi in 0..sc.buckets.len() {
            for k in crate::model::sim::kms_keys::slots(sc, bi) {
                crypto.ensure_key(k);
            }
        }
        for k in super::cse::client_keys(sc) {
            crypto.ensure_key(k);
        }
        LiveKms {
            inner: Mutex::new(Inner {
                regions: Regions::new(sc),
                crypto,
                gate: PolicyGate::new(sc),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        super::lock(&self.inner)
    }

    /// One call to the KMS of the Region of `about`'s bucket at `now`, for a request first
    /// sent at `first_send`, counted in `m` as the simulation counts it. Admitted under the
    /// quota, then allowed or denied by the bucket's policies.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn call(
        &self,
        m: &Mutex<Collector>,
        about: Subject,
        now: Nanos,
        first_send: Nanos,
        op: KmsOpKind,
        ctx: Context,
        work: Work,
    ) -> Result<Answer, CryptoError> {
        // The replication role's calls: counted apart per Region, and a replica of an
        // SSE-KMS object re-encrypts its source's data key ([`super::replication`]).
        let role = super::replication::role_call();
        let op = super::replication::role_op(&role, op, ctx);
        let mut g = self.lock();
        let inner = &mut *g;
        let region = inner.regions.of_bucket[about.bucket as usize] as usize;
        let mut c = super::lock(m);
        catch_up(&mut inner.regions, &mut c, region, now);
        inner.regions.before_call(region, now);
        let (admitted, at) = inner.regions.kms[region].call(now);
        let measured = c.measured(first_send);
        c.kms_call(now, first_send, op, ctx, !admitted);
        drop(c);
        inner.regions.counts[region].call(now, op, !admitted, measured);
        if role.is_some() && measured {
            inner.regions.counts[region].replication += 1;
        }
        let denied = admitted
            && inner
                .gate
                .as_mut()
                .is_some_and(|g| !g.allows(about, op, ctx, measured));
        if !admitted || denied {
            return Ok(Answer {
                ok: false,
                denied,
                at,
                key: None,
                blob: Vec::new(),
            });
        }
        let (key, blob) = match work {
            Work::Generate { key_arn, arn } => match role.and_then(|r| r.replica_key) {
                Some(k) if op == KmsOpKind::Encrypt => {
                    let blob = inner.crypto.encrypt(key_arn, &k, &s3_context(arn))?;
                    (DataKey::from_bytes(*k.expose_secret()), blob)
                }
                _ => {
                    let g = inner.crypto.generate_data_key(key_arn, &s3_context(arn))?;
                    (g.plaintext, g.ciphertext_blob)
                }
            },
            Work::Decrypt { blob, arn } => {
                (inner.crypto.decrypt(blob, &s3_context(arn))?, Vec::new())
            }
            Work::ClientGenerate { key_arn, ctx } => {
                let g = inner.crypto.generate_data_key(key_arn, ctx)?;
                (g.plaintext, g.ciphertext_blob)
            }
            Work::ClientDecrypt { blob, ctx } => (inner.crypto.decrypt(blob, ctx)?, Vec::new()),
        };
        Ok(Answer {
            ok: true,
            denied: false,
            at,
            key: Some(key),
            blob,
        })
    }

    /// Whether the policies deny `about`'s call (a request that joined another's call for
    /// the same bucket key and got its failure: denied if its own call would be).
    pub(crate) fn would_deny(&self, about: Subject, op: KmsOpKind, ctx: Context) -> bool {
        self.lock()
            .gate
            .as_mut()
            .is_some_and(|g| !g.allows(about, op, ctx, false))
    }

    /// The measured denied calls, by workload and operation.
    pub fn denied(&self) -> Vec<DeniedCalls> {
        self.lock()
            .gate
            .as_ref()
            .map(|g| g.denied())
            .unwrap_or_default()
    }

    /// A wrapped key unwrapped outside the run's traffic (a replayed object whose body was not
    /// kept is sealed again under its own key): not counted, not limited.
    pub fn setup_decrypt(&self, blob: &[u8], arn: &str) -> Result<DataKey, CryptoError> {
        self.lock().crypto.decrypt(blob, &s3_context(arn))
    }

    /// A data key made outside the run's traffic (objects that were in a bucket before the
    /// run): not counted, not limited.
    pub fn setup_generate(
        &self,
        key_arn: &str,
        arn: &str,
    ) -> Result<(DataKey, Vec<u8>), CryptoError> {
        let g = self
            .lock()
            .crypto
            .generate_data_key(key_arn, &s3_context(arn))?;
        Ok((g.plaintext, g.ciphertext_blob))
    }

    /// At the end of the run: every Region's background calls up to `end` and the last
    /// second of each peak; the Regions' counts.
    pub fn finish(&self, m: &Mutex<Collector>, end: Nanos) -> Vec<RegionCounts> {
        let mut g = self.lock();
        let mut c = super::lock(m);
        for region in 0..g.regions.kms.len() {
            catch_up(&mut g.regions, &mut c, region, end);
        }
        g.regions.finish();
        g.regions.counts.clone()
    }
}

/// Applies Region `region`'s background calls up to `t` (as the simulation does).
fn catch_up(regions: &mut Regions, m: &mut Collector, region: usize, t: Nanos) {
    let c = &mut regions.counts[region];
    regions.kms[region].catch_up_background(t, |b| {
        m.background_call(b.at, b.throttled);
        if m.measured(b.at) {
            c.background_requests += 1;
            c.background_throttled += b.throttled as u64;
        }
    });
}
