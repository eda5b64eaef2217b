//! The SDK-like client of one requester session: retry decisions with full-jitter
//! exponential backoff, the retry quota, and adaptive mode's CUBIC client-side rate limiter,
//! after botocore's `retries/standard.py`, `quota.py`, `adaptive.py`, `throttling.py` and
//! `bucket.py` (aws-facts §9), and legacy mode after botocore's `retryhandler.py` with the
//! `__default__` policy of `data/_retry.json` (aws-facts §9.4).

use crate::engine::rng::Stream;
use crate::engine::time::{Nanos, from_secs, to_secs};
use crate::scenario::{ClientConfig, RetryMode};

/// The longest backoff the model schedules (about 73 years): legacy mode's uncapped delay
/// with many attempts would otherwise overflow simulated time.
const MAX_BACKOFF_NANOS: Nanos = u64::MAX / 8;

/// Retry settings shared by every client of a run.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub mode: RetryMode,
    pub max_attempts: u32,
    pub base_delay: f64,
    pub max_backoff: f64,
    pub quota: u32,
    pub cost: u32,
}

impl RetryPolicy {
    pub fn new(c: &ClientConfig) -> Self {
        let legacy = c.retry == RetryMode::Legacy;
        RetryPolicy {
            mode: c.retry,
            max_attempts: if c.retry == RetryMode::None {
                1
            } else {
                c.max_attempts.max(1)
            },
            base_delay: to_secs(c.base_delay),
            // Legacy mode: `delay_exponential` has no cap (aws-facts §9.4).
            max_backoff: if legacy {
                f64::INFINITY
            } else {
                to_secs(c.max_backoff)
            },
            // Legacy mode has no retry quota (aws-facts §9.4): 0 disables it.
            quota: if legacy { 0 } else { c.retry_quota },
            cost: c.retry_cost,
        }
    }

    /// Backoff after the `attempt`-th attempt failed (1-based):
    /// U(0,1) · min(base · 2^(attempt−1), max_backoff).
    ///
    /// - standard and adaptive: full jitter, capped (botocore `retries/standard.py`,
    ///   aws-facts §9.1);
    /// - legacy: botocore `retryhandler.delay_exponential(base, growth_factor, attempts)` =
    ///   `base · growth_factor^(attempts − 1)` with `base = "rand"` (`random.random()`, in
    ///   [0, 1)) and `growth_factor = 2` from `data/_retry.json` `__default__`, uncapped
    ///   (aws-facts §9.4). With `base_delay` = 1 s that is the same draw without the cap.
    ///
    /// Saturates far below `Nanos::MAX`, so `now + backoff` cannot overflow.
    #[inline]
    pub fn backoff(&self, attempt: u32, rng: &mut Stream) -> Nanos {
        let exp = 2f64.powi(attempt.saturating_sub(1).min(62) as i32);
        let cap = (self.base_delay * exp).min(self.max_backoff);
        from_secs(rng.uniform() * cap).min(MAX_BACKOFF_NANOS)
    }
}

/// One client: its retry quota and (adaptive mode) its rate limiter with the sends waiting
/// for a token, in order.
#[derive(Debug, Clone)]
pub struct Client {
    quota_left: u32,
    quota_max: u32,
    pub adaptive: Option<AdaptiveLimiter>,
    /// Requests waiting for a token, FIFO.
    pub waiting: std::collections::VecDeque<u32>,
    /// Generation of the pending token wake-up: a rate change schedules a new one and makes
    /// the older one stale.
    pub wake_generation: u32,
}

impl Client {
    pub fn new(p: &RetryPolicy) -> Client {
        Client {
            quota_left: p.quota,
            quota_max: p.quota,
            adaptive: (p.mode == RetryMode::Adaptive).then(AdaptiveLimiter::new),
            waiting: std::collections::VecDeque::new(),
            wake_generation: 0,
        }
    }

    /// Takes `cost` tokens for a retry; false when the quota is exhausted (no retry).
    /// With the quota disabled (0), retries are always allowed.
    #[inline]
    pub fn take_retry_quota(&mut self, cost: u32) -> bool {
        if self.quota_max == 0 {
            return true;
        }
        if self.quota_left >= cost {
            self.quota_left -= cost;
            true
        } else {
            false
        }
    }

    /// A success refunds 1 token after a first-try success, or what the last retry took.
    #[inline]
    pub fn refund(&mut self, first_try: bool, cost: u32) {
        if self.quota_max == 0 {
            return;
        }
        let r = if first_try { 1 } else { cost };
        self.quota_left = (self.quota_left + r).min(self.quota_max);
    }

    pub fn quota_left(&self) -> u32 {
        self.quota_left
    }
}

/// botocore's adaptive `ClientRateLimiter`: off until the first throttling response, then
/// every send takes a token from a bucket whose fill rate follows CUBIC.
#[derive(Debug, Clone)]
pub struct AdaptiveLimiter {
    enabled: bool,
    // TokenBucket
    fill_rate: f64,
    max_capacity: f64,
    capacity: f64,
    last_refill: Option<f64>,
    // CubicCalculator
    w_max: f64,
    k: f64,
    last_fail: f64,
    // RateClocker
    measured_rate: f64,
    last_bucket: f64,
    count: f64,
}

const CUBIC_C: f64 = 0.4;
const CUBIC_BETA: f64 = 0.7;
const MIN_FILL_RATE: f64 = 0.5;
const MAX_RATE_ADJUST_SCALE: f64 = 2.0;
const SMOOTHING: f64 = 0.8;
const TIME_BUCKET: f64 = 0.5;

impl Default for AdaptiveLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl AdaptiveLimiter {
    pub fn new() -> Self {
        let mut l = AdaptiveLimiter {
            enabled: false,
            fill_rate: 0.0,
            max_capacity: 1.0,
            capacity: 0.0,
            last_refill: None,
            w_max: 0.0,
            k: 0.0,
            last_fail: 0.0,
            measured_rate: 0.0,
            last_bucket: 0.0,
            count: 0.0,
        };
        l.k = l.zero_point();
        l.set_max_rate(1.0, 0.0);
        l
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn fill_rate(&self) -> f64 {
        self.fill_rate
    }

    fn zero_point(&self) -> f64 {
        (self.w_max * (1.0 - CUBIC_BETA) / CUBIC_C).cbrt()
    }

    fn refill(&mut self, now: f64) {
        match self.last_refill {
            None => self.last_refill = Some(now),
            Some(last) => {
                if now > last {
                    let fill = (now - last) * self.fill_rate;
                    self.capacity = (self.capacity + fill).min(self.max_capacity);
                    self.last_refill = Some(now);
                }
            }
        }
    }

    fn set_max_rate(&mut self, value: f64, now: f64) {
        self.refill(now);
        self.fill_rate = value.max(MIN_FILL_RATE);
        self.max_capacity = if value >= 1.0 { value } else { 1.0 };
        self.capacity = self.capacity.min(self.max_capacity);
    }

    /// Takes a token for a send at `now` if one is there (always, while the limiter is
    /// off). botocore blocks the sending thread until a token is there; the simulation queues
    /// the send instead and asks [`AdaptiveLimiter::next_token_in`] when to try again.
    pub fn try_acquire(&mut self, now_ns: Nanos) -> bool {
        if !self.enabled {
            return true;
        }
        self.refill(to_secs(now_ns));
        if self.capacity >= 1.0 {
            self.capacity -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until one token is there at the current fill rate (botocore's
    /// `_sleep_amount`), at least 1 ns.
    pub fn next_token_in(&mut self, now_ns: Nanos) -> Nanos {
        self.refill(to_secs(now_ns));
        // Rounded up (plus a nanosecond against float error), so the token is there then.
        let secs = (1.0 - self.capacity).max(0.0) / self.fill_rate;
        (secs * 1e9).ceil().min(u64::MAX as f64 / 2.0) as Nanos + 1
    }

    /// `RateClocker.record()`: the smoothed rate of responses in 0.5 s buckets.
    fn record(&mut self, now: f64) -> f64 {
        let bucket = (now / TIME_BUCKET).floor() * TIME_BUCKET;
        self.count += 1.0;
        if bucket > self.last_bucket {
            let current = self.count / (bucket - self.last_bucket);
            self.measured_rate = current * SMOOTHING + self.measured_rate * (1.0 - SMOOTHING);
            self.count = 0.0;
            self.last_bucket = bucket;
        }
        self.measured_rate
    }

    /// `on_receiving_response`: updates CUBIC and the bucket's fill rate after a response.
    pub fn on_response(&mut self, now_ns: Nanos, throttled: bool) {
        let now = to_secs(now_ns);
        let measured = self.record(now);
        let new_rate = if !throttled {
            let dt = now - self.last_fail;
            CUBIC_C * (dt - self.k).powi(3) + self.w_max
        } else {
            let rate_to_use = if self.enabled {
                measured.min(self.fill_rate)
            } else {
                measured
            };
            self.w_max = rate_to_use;
            self.k = self.zero_point();
            self.last_fail = now;
            self.enabled = true;
            rate_to_use * CUBIC_BETA
        };
        self.set_max_rate(new_rate.min(MAX_RATE_ADJUST_SCALE * measured), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::NANOS_PER_SEC;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            mode: RetryMode::Standard,
            max_attempts: 3,
            base_delay: 1.0,
            max_backoff: 20.0,
            quota: 500,
            cost: 5,
        }
    }

    #[test]
    fn backoff_is_full_jitter_capped() {
        let p = policy();
        let mut rng = Stream::new(1, "b");
        for attempt in 1..=8u32 {
            let cap = (2f64.powi(attempt as i32 - 1)).min(20.0);
            let n = 20_000;
            let mut sum = 0.0;
            for _ in 0..n {
                let d = to_secs(p.backoff(attempt, &mut rng));
                assert!(d >= 0.0 && d <= cap);
                sum += d;
            }
            let mean = sum / n as f64;
            assert!(
                (mean / (cap / 2.0) - 1.0).abs() < 0.03,
                "attempt {attempt}: {mean}"
            );
        }
    }

    #[test]
    fn retry_quota_drains_by_cost_and_refunds() {
        let p = policy();
        let mut c = Client::new(&p);
        let mut retries = 0;
        while c.take_retry_quota(5) {
            retries += 1;
        }
        assert_eq!(retries, 100);
        c.refund(true, 5);
        assert_eq!(c.quota_left(), 1);
        c.refund(false, 5);
        assert_eq!(c.quota_left(), 6);
        for _ in 0..1000 {
            c.refund(false, 5);
        }
        assert_eq!(c.quota_left(), 500);
        let mut unlimited = Client::new(&RetryPolicy { quota: 0, ..p });
        assert!((0..10_000).all(|_| unlimited.take_retry_quota(5)));
    }

    #[test]
    fn cubic_cuts_to_beta_then_recovers_to_w_max_at_k() {
        let mut l = AdaptiveLimiter::new();
        // Responses at 100/s for 5 s: measured rate converges near 100.
        let mut t = 0;
        for _ in 0..500 {
            t += NANOS_PER_SEC / 100;
            l.on_response(t, false);
        }
        assert!(!l.enabled());
        let measured = l.measured_rate;
        assert!((measured - 100.0).abs() < 5.0, "{measured}");
        l.on_response(t, true);
        assert!(l.enabled());
        // new rate = measured·β (and ≤ 2·measured).
        assert!((l.fill_rate() - 0.7 * l.w_max).abs() < 1e-9);
        // At t = last_fail + K the CUBIC curve is back at W_max.
        let k = l.k;
        let back = to_secs(t) + k;
        let rate = CUBIC_C * (back - l.last_fail - k).powi(3) + l.w_max;
        assert!((rate - l.w_max).abs() < 1e-9);
        // Tokens left in the bucket go at once; then one every 1/fill_rate.
        let mut immediate = 0;
        while l.try_acquire(t) {
            immediate += 1;
        }
        assert!((1..=200).contains(&immediate), "{immediate}");
        let wait = l.next_token_in(t);
        let expect = NANOS_PER_SEC as f64 / l.fill_rate();
        assert!(wait as f64 <= expect + 1.0, "{wait} vs {expect}");
        assert!(l.try_acquire(t + wait));
        assert!(!l.try_acquire(t + wait));
    }
}
