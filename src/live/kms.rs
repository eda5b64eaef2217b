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
use crate::model::sim::regions::{RegionCounts, Regions};
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
    pub at: Nanos,
    pub key: Option<DataKey>,
    pub blob: Vec<u8>,
}

struct Inner {
    regions: Regions,
    crypto: ModelledKms,
}

pub struct LiveKms {
    inner: Mutex<Inner>,
}

impl LiveKms {
    /// Every Region of `sc`, with key material for every bucket's KMS key (from the OS's
    /// random generator: these keys protect the run's data, if only for its duration).
    pub fn new(sc: &Scenario) -> LiveKms {
        let mut crypto = ModelledKms::from_entropy();
        for b in &sc.buckets {
            crypto.ensure_key(&b.kms_key);
        }
        for k in super::cse::client_keys(sc) {
            crypto.ensure_key(k);
        }
        LiveKms {
            inner: Mutex::new(Inner {
                regions: Regions::new(sc),
                crypto,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One call to the KMS of bucket `bucket`'s Region at `now`, for a request first sent at
    /// `first_send`, counted in `m` as the simulation counts it.
    #[allow(clippy::too_many_arguments)]
    pub fn call(
        &self,
        m: &Mutex<Collector>,
        bucket: usize,
        now: Nanos,
        first_send: Nanos,
        op: KmsOpKind,
        ctx: Context,
        work: Work,
    ) -> Result<Answer, CryptoError> {
        let mut g = self.lock();
        let inner = &mut *g;
        let region = inner.regions.of_bucket[bucket] as usize;
        let mut c = m.lock().unwrap_or_else(|e| e.into_inner());
        catch_up(&mut inner.regions, &mut c, region, now);
        inner.regions.before_call(region, now);
        let (admitted, at) = inner.regions.kms[region].call(now);
        let measured = c.measured(first_send);
        c.kms_call(now, first_send, op, ctx, !admitted);
        drop(c);
        inner.regions.counts[region].call(now, op, !admitted, measured);
        if !admitted {
            return Ok(Answer {
                ok: false,
                at,
                key: None,
                blob: Vec::new(),
            });
        }
        let (key, blob) = match work {
            Work::Generate { key_arn, arn } => {
                let g = inner.crypto.generate_data_key(key_arn, &s3_context(arn))?;
                (g.plaintext, g.ciphertext_blob)
            }
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
            at,
            key: Some(key),
            blob,
        })
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
        let mut c = m.lock().unwrap_or_else(|e| e.into_inner());
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
