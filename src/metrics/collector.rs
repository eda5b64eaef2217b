//! What the model counts while it runs: per-operation request outcomes and latencies (only
//! for requests sent after warm-up), KMS calls by operation and encryption context, S3
//! SlowDowns, and the per-second time series (every second, warm-up included).

use super::results::{OpCounts, SecondRow, new_latency_histogram};
use crate::engine::time::{NANOS_PER_MICRO, NANOS_PER_SEC, Nanos};
use hdrhistogram::Histogram;

/// The encryption context a KMS call carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    ObjectArn,
    BucketArn,
    Client,
}

/// Which S3 limit produced a 503 SlowDown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlowdownCause {
    Kms,
    Prefix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KmsOpKind {
    GenerateDataKey,
    Decrypt,
}

/// Counters for one variant. Request outcomes and latency count requests first sent in the
/// measured window [warmup, duration); KMS calls, background calls, SlowDowns and bucket keys
/// count what happened in that window (drain-time traffic after `duration` is left out), so
/// rates divided by the window's length are steady-state rates. The time series keeps every
/// second, warm-up and drain included.
pub struct Collector {
    warmup: Nanos,
    end: Nanos,
    pub put: OpCounts,
    pub get: OpCounts,
    pub latency_put: Histogram<u64>,
    pub latency_get: Histogram<u64>,
    pub kms_requests: u64,
    pub kms_throttled: u64,
    pub generate_data_key: u64,
    pub decrypt: u64,
    pub ctx_object: u64,
    pub ctx_bucket: u64,
    pub ctx_client: u64,
    pub background_requests: u64,
    pub background_throttled: u64,
    pub bucket_keys_issued: u64,
    pub bucket_keys_decrypted: u64,
    pub slowdown_kms: u64,
    pub slowdown_prefix: u64,
    pub rows: Vec<SecondRow>,
    in_flight: u64,
    /// Seconds before this one have their in-flight gauge filled in.
    gauge_second: u64,
}

impl Collector {
    pub fn new(warmup: Nanos, duration: Nanos) -> Self {
        let seconds = duration.div_ceil(NANOS_PER_SEC) as usize + 1;
        Collector {
            warmup,
            end: duration,
            put: OpCounts::default(),
            get: OpCounts::default(),
            latency_put: new_latency_histogram(),
            latency_get: new_latency_histogram(),
            kms_requests: 0,
            kms_throttled: 0,
            generate_data_key: 0,
            decrypt: 0,
            ctx_object: 0,
            ctx_bucket: 0,
            ctx_client: 0,
            background_requests: 0,
            background_throttled: 0,
            bucket_keys_issued: 0,
            bucket_keys_decrypted: 0,
            slowdown_kms: 0,
            slowdown_prefix: 0,
            rows: Vec::with_capacity(seconds),
            in_flight: 0,
            gauge_second: 0,
        }
    }

    #[inline]
    fn row(&mut self, t: Nanos) -> &mut SecondRow {
        let s = (t / NANOS_PER_SEC) as usize;
        if s >= self.rows.len() {
            let from = self.rows.len();
            self.rows.extend((from..=s).map(|i| SecondRow {
                second: i as u64,
                ..SecondRow::default()
            }));
        }
        &mut self.rows[s]
    }

    /// Whether an instant falls in the measured window [warmup, duration).
    #[inline]
    pub fn measured(&self, t: Nanos) -> bool {
        t >= self.warmup && t < self.end
    }

    /// Advances the in-flight gauge: every second that ended at or before `t` records the
    /// number of requests in flight at its end. Call before handling an event at `t`.
    #[inline]
    pub fn advance(&mut self, t: Nanos) {
        let s = t / NANOS_PER_SEC;
        if s > self.gauge_second {
            let in_flight = self.in_flight;
            for sec in self.gauge_second..s {
                self.row(sec * NANOS_PER_SEC).in_flight = in_flight;
            }
            self.gauge_second = s;
        }
    }

    /// Closes the time series at the end of the run.
    pub fn finish(&mut self, end: Nanos) {
        self.advance(end);
        let in_flight = self.in_flight;
        self.row(end).in_flight = in_flight;
    }

    #[inline]
    pub fn arrived(&mut self, t: Nanos, get: bool) {
        self.in_flight += 1;
        let r = self.row(t);
        if get {
            r.get_offered += 1;
        } else {
            r.put_offered += 1;
        }
        if t >= self.warmup {
            if get {
                self.get.offered += 1;
            } else {
                self.put.offered += 1;
            }
        }
    }

    /// A GET that found nothing to read: offered, never sent.
    pub fn no_object(&mut self, t: Nanos) {
        self.row(t).get_offered += 1;
        if t >= self.warmup {
            self.get.offered += 1;
            self.get.no_object += 1;
        }
    }

    /// A request finished at `t`: success (latency from `first_send`) or failure.
    #[inline]
    pub fn finished(&mut self, t: Nanos, first_send: Nanos, get: bool, ok: bool, retries: u32) {
        self.in_flight -= 1;
        let r = self.row(t);
        match (get, ok) {
            (false, true) => r.put_completed += 1,
            (false, false) => r.put_failed += 1,
            (true, true) => r.get_completed += 1,
            (true, false) => r.get_failed += 1,
        }
        if first_send < self.warmup {
            return;
        }
        let counts = if get { &mut self.get } else { &mut self.put };
        counts.retries += retries as u64;
        if ok {
            counts.completed += 1;
            let us = ((t - first_send) / NANOS_PER_MICRO).max(1);
            let h = if get {
                &mut self.latency_get
            } else {
                &mut self.latency_put
            };
            h.saturating_record(us);
        } else {
            counts.failed += 1;
        }
    }

    #[inline]
    pub fn kms_call(&mut self, t: Nanos, op: KmsOpKind, ctx: Context, throttled: bool) {
        let r = self.row(t);
        r.kms_requests += 1;
        if throttled {
            r.kms_throttled += 1;
        }
        match op {
            KmsOpKind::GenerateDataKey => r.generate_data_key += 1,
            KmsOpKind::Decrypt => r.decrypt += 1,
        }
        if !self.measured(t) {
            return;
        }
        self.kms_requests += 1;
        if throttled {
            self.kms_throttled += 1;
        }
        match op {
            KmsOpKind::GenerateDataKey => self.generate_data_key += 1,
            KmsOpKind::Decrypt => self.decrypt += 1,
        }
        match ctx {
            Context::ObjectArn => self.ctx_object += 1,
            Context::BucketArn => self.ctx_bucket += 1,
            Context::Client => self.ctx_client += 1,
        }
    }

    #[inline]
    pub fn background_call(&mut self, t: Nanos, throttled: bool) {
        self.row(t).background_requests += 1;
        if self.measured(t) {
            self.background_requests += 1;
            if throttled {
                self.background_throttled += 1;
            }
        }
    }

    /// A 503 SlowDown the client received at `t` for an attempt S3 received at `sent`: the
    /// time series counts it when received, the summary by when S3 decided it (the same
    /// instant as the KMS call it stems from).
    #[inline]
    pub fn slowdown(&mut self, t: Nanos, sent: Nanos, cause: SlowdownCause) {
        let r = self.row(t);
        match cause {
            SlowdownCause::Kms => r.slowdown_kms += 1,
            SlowdownCause::Prefix => r.slowdown_prefix += 1,
        }
        if self.measured(sent) {
            match cause {
                SlowdownCause::Kms => self.slowdown_kms += 1,
                SlowdownCause::Prefix => self.slowdown_prefix += 1,
            }
        }
    }

    pub fn bucket_key_issued(&mut self, t: Nanos) {
        if self.measured(t) {
            self.bucket_keys_issued += 1;
        }
    }

    pub fn bucket_key_decrypted(&mut self, t: Nanos) {
        if self.measured(t) {
            self.bucket_keys_decrypted += 1;
        }
    }
}
