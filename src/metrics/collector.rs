//! What the model counts while it runs: per-operation request outcomes and latencies, KMS
//! calls by operation and encryption context, S3 SlowDowns (all for requests that arrived in
//! the measured window), and the time series (every second, or every [`timeseries_step`]
//! seconds for long runs, warm-up and drain included).

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
    /// S3 re-encrypting a replica's data key under the destination's KMS key (replication).
    Encrypt,
}

/// Seconds per time-series row: the smallest of these that keeps a run within
/// [`MAX_TIMESERIES_ROWS`] rows per variant.
pub const TIMESERIES_STEPS: [u64; 5] = [1, 10, 60, 300, 3600];
/// Most time-series rows one variant keeps (a day and more at one row per second).
pub const MAX_TIMESERIES_ROWS: u64 = 100_000;
/// How long the run goes on after `duration` for requests still in flight to finish
/// (simulated time). Requests not finished by then are counted as `unfinished`.
pub const DRAIN_LIMIT: Nanos = 60 * NANOS_PER_SEC;

/// Seconds per time-series row for a run of `duration`: the smallest of [`TIMESERIES_STEPS`]
/// whose rows cover the run and its drain (at most `duration + DRAIN_LIMIT`, both ends
/// included) within [`MAX_TIMESERIES_ROWS`].
pub fn timeseries_step(duration: Nanos) -> u64 {
    let last = duration.saturating_add(DRAIN_LIMIT) / NANOS_PER_SEC;
    TIMESERIES_STEPS
        .into_iter()
        .find(|&step| last / step < MAX_TIMESERIES_ROWS)
        .unwrap_or(TIMESERIES_STEPS[TIMESERIES_STEPS.len() - 1])
}

/// Counters for one variant. Everything in the summary belongs to the measured window
/// [warmup, duration), attributed consistently: a request and everything it causes (its
/// outcome and latency, its KMS calls and their throttles, its SlowDowns, the bucket keys it
/// obtained) count when the request arrived in the window, whenever during the run or its
/// drain they happen; background calls count when they are made in the window. So with
/// per-object keys and no retries, KMS calls equal uploads offered exactly. The time series
/// counts every event in the row of the time it happened, warm-up and drain included.
pub struct Collector {
    warmup: Nanos,
    end: Nanos,
    /// Seconds per time-series row.
    step: u64,
    pub put: OpCounts,
    pub get: OpCounts,
    /// Replayed requests that are neither PUTs nor GETs (HEAD, DELETE, multipart calls, copy
    /// sources): counted, without latency, and not in the time series' offered columns.
    pub other: OpCounts,
    pub latency_put: Histogram<u64>,
    pub latency_get: Histogram<u64>,
    pub kms_requests: u64,
    pub kms_throttled: u64,
    pub generate_data_key: u64,
    pub decrypt: u64,
    pub encrypt: u64,
    pub ctx_object: u64,
    pub ctx_bucket: u64,
    pub ctx_client: u64,
    /// Of the client-side calls (`ctx_client`): throttled, and by operation (S3's are the
    /// totals less these).
    pub client_throttled: u64,
    pub client_generate_data_key: u64,
    pub client_decrypt: u64,
    pub background_requests: u64,
    pub background_throttled: u64,
    pub bucket_keys_issued: u64,
    pub bucket_keys_decrypted: u64,
    /// Of `kms_requests`, those made to read objects that were in the bucket before the run.
    pub kms_for_existing: u64,
    /// Every KMS call of the run (warm-up and drain included), for counting a request's calls.
    pub kms_calls: u64,
    pub slowdown_kms: u64,
    pub slowdown_prefix: u64,
    pub rows: Vec<SecondRow>,
    in_flight: u64,
    /// Rows before this one have their in-flight gauge filled in, and when the next row
    /// starts (nanoseconds): events before then need no gauge work.
    gauge_row: u64,
    gauge_next: Nanos,
    /// The current second of KMS calls (all traffic, by when they were made), when it ends
    /// (nanoseconds) and its count.
    kms_second: u64,
    kms_second_end: Nanos,
    kms_in_second: u64,
    /// Most KMS calls in one whole second inside the measured window.
    pub peak_kms_rps: u64,
}

impl Collector {
    pub fn new(warmup: Nanos, duration: Nanos) -> Self {
        let step = timeseries_step(duration);
        let rows = duration.div_ceil(NANOS_PER_SEC * step) as usize + 1;
        Collector {
            warmup,
            end: duration,
            step,
            put: OpCounts::default(),
            get: OpCounts::default(),
            other: OpCounts::default(),
            latency_put: new_latency_histogram(),
            latency_get: new_latency_histogram(),
            kms_requests: 0,
            kms_throttled: 0,
            generate_data_key: 0,
            decrypt: 0,
            encrypt: 0,
            ctx_object: 0,
            ctx_bucket: 0,
            ctx_client: 0,
            client_throttled: 0,
            client_generate_data_key: 0,
            client_decrypt: 0,
            background_requests: 0,
            background_throttled: 0,
            bucket_keys_issued: 0,
            bucket_keys_decrypted: 0,
            kms_for_existing: 0,
            kms_calls: 0,
            slowdown_kms: 0,
            slowdown_prefix: 0,
            rows: Vec::with_capacity(rows),
            in_flight: 0,
            gauge_row: 0,
            gauge_next: NANOS_PER_SEC * step,
            kms_second: 0,
            kms_second_end: NANOS_PER_SEC,
            kms_in_second: 0,
            peak_kms_rps: 0,
        }
    }

    /// Seconds per time-series row.
    pub fn step(&self) -> u64 {
        self.step
    }

    #[inline]
    fn row_index(&self, t: Nanos) -> u64 {
        // Most runs have 1-s rows: keep their division by a constant.
        if self.step == 1 {
            t / NANOS_PER_SEC
        } else {
            t / NANOS_PER_SEC / self.step
        }
    }

    #[inline]
    fn row(&mut self, t: Nanos) -> &mut SecondRow {
        let s = self.row_index(t) as usize;
        if s >= self.rows.len() {
            let from = self.rows.len();
            let step = self.step;
            self.rows.extend((from..=s).map(|i| SecondRow {
                second: i as u64 * step,
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

    /// Advances the in-flight gauge: every row that ended at or before `t` records the
    /// number of requests in flight at its end. Call before handling an event at `t`.
    #[inline]
    pub fn advance(&mut self, t: Nanos) {
        if t >= self.gauge_next {
            self.fill_gauge(t);
        }
    }

    #[cold]
    fn fill_gauge(&mut self, t: Nanos) {
        let s = self.row_index(t);
        let in_flight = self.in_flight;
        for row in self.gauge_row..s {
            self.row(row * self.step * NANOS_PER_SEC).in_flight = in_flight;
        }
        self.gauge_row = s;
        self.gauge_next = (s + 1).saturating_mul(self.step * NANOS_PER_SEC);
    }

    /// Closes the time series at the end of the run.
    pub fn finish(&mut self, end: Nanos) {
        self.advance(end);
        let in_flight = self.in_flight;
        self.row(end).in_flight = in_flight;
        self.close_kms_second();
    }

    /// A request that arrived at `first_send` was still in flight when the run stopped at its
    /// drain limit.
    pub fn unfinished(&mut self, first_send: Nanos, get: bool) {
        if self.measured(first_send) {
            if get {
                self.get.unfinished += 1;
            } else {
                self.put.unfinished += 1;
            }
        }
    }

    /// A replayed request of the "other" class arrived at `t`.
    pub fn arrived_other(&mut self, t: Nanos) {
        self.in_flight += 1;
        if self.measured(t) {
            self.other.offered += 1;
        }
    }

    /// A replayed request of the "other" class finished at `t`.
    pub fn finished_other(&mut self, first_send: Nanos, ok: bool, retries: u32) {
        self.in_flight -= 1;
        if !self.measured(first_send) {
            return;
        }
        self.other.retries += retries as u64;
        if ok {
            self.other.completed += 1;
        } else {
            self.other.failed += 1;
        }
    }

    /// A request that failed with AccessDenied (counted as failed by [`Self::finished`]).
    pub fn access_denied(&mut self, first_send: Nanos, get: bool) {
        if self.measured(first_send) {
            let counts = if get { &mut self.get } else { &mut self.put };
            counts.denied += 1;
        }
    }

    /// A replayed request of the "other" class was still in flight when the run stopped.
    pub fn unfinished_other(&mut self, first_send: Nanos) {
        if self.measured(first_send) {
            self.other.unfinished += 1;
        }
    }

    /// Counts a KMS call made at `t` towards the peak second.
    #[inline]
    fn kms_second_tick(&mut self, t: Nanos) {
        if t >= self.kms_second_end {
            self.next_kms_second(t);
        }
        self.kms_in_second += 1;
    }

    #[cold]
    fn next_kms_second(&mut self, t: Nanos) {
        self.close_kms_second();
        self.kms_second = t / NANOS_PER_SEC;
        self.kms_second_end = (self.kms_second + 1).saturating_mul(NANOS_PER_SEC);
    }

    /// The peak counts whole seconds inside the measured window only.
    fn close_kms_second(&mut self) {
        let start = self.kms_second * NANOS_PER_SEC;
        if start >= self.warmup && start.saturating_add(NANOS_PER_SEC) <= self.end {
            self.peak_kms_rps = self.peak_kms_rps.max(self.kms_in_second);
        }
        self.kms_in_second = 0;
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
        if self.measured(t) {
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
        if self.measured(t) {
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
        if !self.measured(first_send) {
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

    /// A KMS call made at `t` for a request that arrived at `first_send`.
    #[inline]
    pub fn kms_call(
        &mut self,
        t: Nanos,
        first_send: Nanos,
        op: KmsOpKind,
        ctx: Context,
        throttled: bool,
    ) {
        self.kms_second_tick(t);
        self.kms_calls += 1;
        let r = self.row(t);
        r.kms_requests += 1;
        if throttled {
            r.kms_throttled += 1;
        }
        match op {
            // The time series has no column for Encrypt (only replication makes it): it is
            // counted with GenerateDataKey, the other call that encrypts a data key.
            KmsOpKind::GenerateDataKey | KmsOpKind::Encrypt => r.generate_data_key += 1,
            KmsOpKind::Decrypt => r.decrypt += 1,
        }
        if !self.measured(first_send) {
            return;
        }
        self.kms_requests += 1;
        if throttled {
            self.kms_throttled += 1;
        }
        match op {
            KmsOpKind::GenerateDataKey => self.generate_data_key += 1,
            KmsOpKind::Decrypt => self.decrypt += 1,
            KmsOpKind::Encrypt => self.encrypt += 1,
        }
        match ctx {
            Context::ObjectArn => self.ctx_object += 1,
            Context::BucketArn => self.ctx_bucket += 1,
            Context::Client => {
                self.ctx_client += 1;
                self.client_throttled += throttled as u64;
                match op {
                    KmsOpKind::GenerateDataKey => self.client_generate_data_key += 1,
                    // A client never calls Encrypt (only replication does, through S3).
                    KmsOpKind::Decrypt | KmsOpKind::Encrypt => self.client_decrypt += 1,
                }
            }
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

    /// A 503 SlowDown the client received at `t` for a request that arrived at
    /// `first_send`: the time series counts it when received, the summary with its request.
    #[inline]
    pub fn slowdown(&mut self, t: Nanos, first_send: Nanos, cause: SlowdownCause) {
        let r = self.row(t);
        match cause {
            SlowdownCause::Kms => r.slowdown_kms += 1,
            SlowdownCause::Prefix => r.slowdown_prefix += 1,
        }
        if self.measured(first_send) {
            match cause {
                SlowdownCause::Kms => self.slowdown_kms += 1,
                SlowdownCause::Prefix => self.slowdown_prefix += 1,
            }
        }
    }

    /// A bucket key obtained for a request that arrived at `first_send`.
    pub fn bucket_key_issued(&mut self, first_send: Nanos) {
        if self.measured(first_send) {
            self.bucket_keys_issued += 1;
        }
    }

    /// `calls` KMS calls were made at `t` to read an object that was in the bucket before the
    /// run, for a request that arrived at `first_send`.
    pub fn kms_for_existing(&mut self, t: Nanos, first_send: Nanos, calls: u64) {
        if calls == 0 {
            return;
        }
        self.row(t).kms_for_existing += calls;
        if self.measured(first_send) {
            self.kms_for_existing += calls;
        }
    }

    /// A bucket key unwrapped for a request that arrived at `first_send`.
    pub fn bucket_key_decrypted(&mut self, first_send: Nanos) {
        if self.measured(first_send) {
            self.bucket_keys_decrypted += 1;
        }
    }
}
