//! Request-rate limiters: the fixed one-second window the KMS documentation describes, and a
//! token bucket with a burst. Both use exact integer arithmetic so that admission decisions
//! never depend on float rounding. S3's per-prefix limits use the same types.

use crate::engine::time::{NANOS_PER_SEC, Nanos};

/// A rate limiter consulted once per request, in non-decreasing time order.
#[derive(Debug, Clone)]
pub enum Limiter {
    /// No limit.
    Unlimited,
    FixedWindow(FixedWindow),
    TokenBucket(TokenBucket),
}

impl Limiter {
    /// Admits (true) or rejects (false) one request at `t`.
    #[inline]
    pub fn admit(&mut self, t: Nanos) -> bool {
        match self {
            Limiter::Unlimited => true,
            Limiter::FixedWindow(w) => w.admit(t),
            Limiter::TokenBucket(b) => b.admit(t),
        }
    }
}

/// At most `limit` admissions in each aligned window [k·1s, (k+1)·1s).
#[derive(Debug, Clone)]
pub struct FixedWindow {
    limit: u64,
    window: u64,
    used: u64,
}

impl FixedWindow {
    pub fn new(limit_per_second: u64) -> Self {
        FixedWindow {
            limit: limit_per_second,
            window: 0,
            used: 0,
        }
    }

    #[inline]
    pub fn admit(&mut self, t: Nanos) -> bool {
        let w = t / NANOS_PER_SEC;
        if w != self.window {
            self.window = w;
            self.used = 0;
        }
        if self.used < self.limit {
            self.used += 1;
            true
        } else {
            false
        }
    }
}

/// Tokens refill continuously at `rate` per second up to `burst`; each admission takes one.
/// The bucket starts full. Token amounts are kept in token·nanoseconds (1 token = 10^9),
/// so refill is exact integer arithmetic.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: u128,
    capacity: u128,
    tokens: u128,
    last: Nanos,
}

const ONE_TOKEN: u128 = NANOS_PER_SEC as u128;

impl TokenBucket {
    pub fn new(rate_per_second: u64, burst: u64) -> Self {
        let capacity = burst.max(1) as u128 * ONE_TOKEN;
        TokenBucket {
            rate: rate_per_second as u128,
            capacity,
            tokens: capacity,
            last: 0,
        }
    }

    #[inline]
    pub fn admit(&mut self, t: Nanos) -> bool {
        if t > self.last {
            let refill = (t - self.last) as u128 * self.rate;
            self.tokens = (self.tokens + refill).min(self.capacity);
            self.last = t;
        }
        if self.tokens >= ONE_TOKEN {
            self.tokens -= ONE_TOKEN;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window_admits_limit_per_second() {
        let mut w = FixedWindow::new(3);
        let admitted: Vec<bool> = [0, 1, 2, 3, 999_999_999, NANOS_PER_SEC, NANOS_PER_SEC + 5]
            .iter()
            .map(|&t| w.admit(t))
            .collect();
        assert_eq!(admitted, vec![true, true, true, false, false, true, true]);
    }

    #[test]
    fn token_bucket_admits_burst_then_rate() {
        let mut b = TokenBucket::new(10, 5);
        let at_zero = (0..20).filter(|_| b.admit(0)).count();
        assert_eq!(at_zero, 5);
        // 100 ms refills exactly one token.
        assert!(!b.admit(99_999_999));
        assert!(b.admit(100_000_000));
        assert!(!b.admit(100_000_000));
        // Over 10 s of constant pressure: 10·10 more.
        let mut n = 0;
        let mut t = 100_000_000;
        while t <= 10_100_000_000 {
            if b.admit(t) {
                n += 1;
            }
            t += 1_000_000;
        }
        assert_eq!(n, 100);
    }
}
