//! The modelled AWS KMS: one shared symmetric-operation quota per account and Region, a
//! latency distribution, other applications' background calls, and pricing.

use super::dist::LatencySampler;
use super::limiter::{FixedWindow, Limiter, TokenBucket};
use crate::engine::rng::Stream;
use crate::engine::time::{Nanos, from_secs};
use crate::scenario::{KmsConfig, LimiterKind};

/// Free requests per month when `free_tier` is on (all Regions combined).
pub const FREE_TIER_REQUESTS_PER_MONTH: f64 = 20_000.0;
/// Seconds in the 30-day month costs are scaled to.
pub const SECONDS_PER_MONTH: f64 = 30.0 * 86_400.0;

/// The quota, latency and background traffic of one account and Region.
pub struct Kms {
    limiter: Limiter,
    latency: LatencySampler,
    latency_rng: Stream,
    background_rate: f64,
    background_rng: Stream,
    /// Time of the next background call not yet applied to the limiter, and the same in
    /// float seconds (carried between calls so high rates keep their rate).
    background_next: Nanos,
    background_next_secs: f64,
}

/// What became of background calls while catching up to a foreground call.
#[derive(Debug, Default, Clone, Copy)]
pub struct BackgroundTick {
    pub at: Nanos,
    pub throttled: bool,
}

impl Kms {
    /// A Region's KMS whose random streams are named `<streams>/background` and
    /// `<streams>/latency` (`kms` for the first Region, so single-Region runs keep theirs).
    pub fn named(cfg: &KmsConfig, seed: u64, streams: &str) -> Kms {
        let limiter = match cfg.limiter {
            LimiterKind::FixedWindow => Limiter::FixedWindow(FixedWindow::new(cfg.quota_rps)),
            LimiterKind::TokenBucket { burst } => {
                Limiter::TokenBucket(TokenBucket::new(cfg.quota_rps, burst))
            }
        };
        let mut background_rng = Stream::new(seed, &format!("{streams}/background"));
        let background_next_secs = if cfg.background_rps > 0.0 {
            background_rng.exp1() / cfg.background_rps
        } else {
            f64::INFINITY
        };
        let background_next = if background_next_secs.is_finite() {
            from_secs(background_next_secs)
        } else {
            Nanos::MAX
        };
        Kms {
            limiter,
            latency: LatencySampler::new(&cfg.latency),
            latency_rng: Stream::new(seed, &format!("{streams}/latency")),
            background_rate: cfg.background_rps,
            background_rng,
            background_next,
            background_next_secs,
        }
    }

    /// Applies every background call at or before `t` to the quota, in time order, calling
    /// `each` for each one. Background calls are generated lazily rather than as events: the
    /// limiter only needs them in time order before the next foreground decision.
    #[inline]
    pub fn catch_up_background(&mut self, t: Nanos, mut each: impl FnMut(BackgroundTick)) {
        while self.background_next <= t {
            let at = self.background_next;
            let admitted = self.limiter.admit(at);
            each(BackgroundTick {
                at,
                throttled: !admitted,
            });
            self.background_next_secs += self.background_rng.exp1() / self.background_rate;
            self.background_next = from_secs(self.background_next_secs).max(at);
        }
    }

    /// One call from the scenario's traffic reaching KMS at `t`: whether the quota admits it
    /// and when the answer (success or ThrottlingException) is back.
    #[inline]
    pub fn call(&mut self, t: Nanos) -> (bool, Nanos) {
        let admitted = self.limiter.admit(t);
        let answered = t + self.latency.sample(&mut self.latency_rng);
        (admitted, answered)
    }
}

/// Cost in USD of `requests` at `price_per_10k`.
pub fn request_cost(requests: f64, price_per_10k: f64) -> f64 {
    requests * price_per_10k / 10_000.0
}

/// Monthly request cost of `served` calls made over `measured_seconds`, scaled to 30 days,
/// with the free tier subtracted when enabled.
pub fn monthly_cost(
    served: u64,
    measured_seconds: f64,
    price_per_10k: f64,
    free_tier: bool,
) -> f64 {
    if measured_seconds <= 0.0 {
        return 0.0;
    }
    let per_month = served as f64 * SECONDS_PER_MONTH / measured_seconds;
    let billable = if free_tier {
        (per_month - FREE_TIER_REQUESTS_PER_MONTH).max(0.0)
    } else {
        per_month
    };
    request_cost(billable, price_per_10k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pricing_matches_the_fact_sheet_example() {
        // aws-facts §2: 100,000 requests in a month with the free tier → $0.24.
        let c = monthly_cost(100_000, SECONDS_PER_MONTH, 0.03, true);
        assert!((c - 0.24).abs() < 1e-9, "{c}");
        // Without the free tier: $0.30; a one-day run is scaled ×30.
        assert!((monthly_cost(100_000, SECONDS_PER_MONTH, 0.03, false) - 0.30).abs() < 1e-9);
        assert!((monthly_cost(1_000, 86_400.0, 0.03, false) - 0.09).abs() < 1e-9);
    }
}
