//! Sampling the scenario's distributions: latencies, object sizes and open-loop arrival
//! times (including time-varying rate profiles, by thinning).

use crate::engine::rng::Stream;
use crate::engine::time::{Nanos, from_secs, to_secs};
use crate::scenario::{LatencyDist, RateProfile, SizeDist};

/// z such that P(Z <= z) = 0.99 for a standard normal.
pub const Z99: f64 = 2.326_347_874_040_841;

/// A latency distribution ready to sample, in nanoseconds.
#[derive(Debug, Clone, Copy)]
pub enum LatencySampler {
    Fixed(Nanos),
    LogNormal { mu: f64, sigma: f64 },
    Exponential { mean: f64 },
}

impl LatencySampler {
    pub fn new(d: &LatencyDist) -> Self {
        match *d {
            LatencyDist::Fixed(t) => LatencySampler::Fixed(t),
            LatencyDist::LogNormal { median, p99 } if p99 <= median || median == 0 => {
                LatencySampler::Fixed(median)
            }
            LatencyDist::LogNormal { median, p99 } => {
                let mu = (median as f64).ln();
                let sigma = ((p99 as f64).ln() - mu) / Z99;
                LatencySampler::LogNormal { mu, sigma }
            }
            LatencyDist::Exponential { mean } => LatencySampler::Exponential { mean: mean as f64 },
        }
    }

    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> Nanos {
        match *self {
            LatencySampler::Fixed(t) => t,
            LatencySampler::LogNormal { mu, sigma } => {
                let x = (mu + sigma * rng.normal()).exp();
                // Cap at one simulated hour: a lognormal tail must not stall the run.
                (x.min(3.6e12) + 0.5) as Nanos
            }
            LatencySampler::Exponential { mean } => (mean * rng.exp1() + 0.5) as Nanos,
        }
    }

    /// The distribution's mean in nanoseconds.
    pub fn mean(&self) -> f64 {
        match *self {
            LatencySampler::Fixed(t) => t as f64,
            LatencySampler::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            LatencySampler::Exponential { mean } => mean,
        }
    }
}

/// An object-size distribution ready to sample, in bytes (at least 1).
#[derive(Debug, Clone, Copy)]
pub enum SizeSampler {
    Fixed(u64),
    LogNormal { mu: f64, sigma: f64 },
}

/// Largest object S3 accepts: 5 TiB.
pub const MAX_OBJECT_BYTES: f64 = 5.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0;

impl SizeSampler {
    pub fn new(d: &SizeDist) -> Self {
        match *d {
            SizeDist::Fixed(b) => SizeSampler::Fixed(b),
            SizeDist::LogNormal { median, p99 } if p99 <= median || median == 0 => {
                SizeSampler::Fixed(median)
            }
            SizeDist::LogNormal { median, p99 } => {
                let mu = (median as f64).ln();
                let sigma = ((p99 as f64).ln() - mu) / Z99;
                SizeSampler::LogNormal { mu, sigma }
            }
        }
    }

    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> u64 {
        match *self {
            SizeSampler::Fixed(b) => b,
            SizeSampler::LogNormal { mu, sigma } => {
                let x = (mu + sigma * rng.normal()).exp();
                x.clamp(1.0, MAX_OBJECT_BYTES).round() as u64
            }
        }
    }
}

/// The instantaneous rate of a profile at time `t`, given the base rate.
pub fn profile_rate(base: f64, profile: &RateProfile, t: Nanos) -> f64 {
    match profile {
        RateProfile::Flat => base,
        RateProfile::Steps { at, rate } => {
            // Last step whose start is <= t.
            match at.partition_point(|&s| s <= t) {
                0 => base,
                i => rate[i - 1],
            }
        }
        RateProfile::Ramp { to, start, end } => {
            if t <= *start {
                base
            } else if t >= *end {
                *to
            } else {
                let f = (t - start) as f64 / (end - start) as f64;
                base + (to - base) * f
            }
        }
        RateProfile::Burst {
            rate,
            at,
            length,
            every,
        } => {
            if t < *at {
                return base;
            }
            let since = t - at;
            let phase = match every {
                Some(p) if *p > 0 => since % p,
                _ => since,
            };
            if phase < *length { *rate } else { base }
        }
        RateProfile::Diurnal {
            period,
            trough,
            peak_at,
        } => {
            let p = *period as f64;
            let x = (t as f64 - *peak_at as f64) / p;
            let c = (std::f64::consts::TAU * x).cos();
            base * (trough + (1.0 - trough) * (1.0 + c) / 2.0)
        }
    }
}

/// The highest rate a profile ever reaches (the thinning envelope).
pub fn profile_max_rate(base: f64, profile: &RateProfile) -> f64 {
    match profile {
        RateProfile::Flat | RateProfile::Diurnal { .. } => base,
        RateProfile::Steps { rate, .. } => rate.iter().copied().fold(base, f64::max),
        RateProfile::Ramp { to, .. } => base.max(*to),
        RateProfile::Burst { rate, .. } => base.max(*rate),
    }
}

/// Open-loop arrival times, one after another.
#[derive(Debug, Clone)]
pub struct ArrivalProcess {
    kind: ArrivalKind,
    base: f64,
    max_rate: f64,
    profile: RateProfile,
    /// Constant arrivals: the time of the next one, kept in float seconds to avoid drift.
    next_constant: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ArrivalKind {
    Poisson,
    Constant,
}

impl ArrivalProcess {
    pub fn poisson(rate: f64, profile: RateProfile) -> Self {
        Self::build(ArrivalKind::Poisson, rate, profile)
    }

    pub fn constant(rate: f64, profile: RateProfile) -> Self {
        Self::build(ArrivalKind::Constant, rate, profile)
    }

    fn build(kind: ArrivalKind, base: f64, profile: RateProfile) -> Self {
        let max_rate = profile_max_rate(base, &profile);
        ArrivalProcess {
            kind,
            base,
            max_rate,
            profile,
            next_constant: 0.0,
        }
    }

    /// The first arrival at or after `from`, or `None` if there is none before `until`.
    /// Poisson arrivals use thinning against the profile's maximum rate, which is exact for
    /// any bounded rate function; constant arrivals are spaced 1/rate(t) apart.
    pub fn next(&mut self, from: Nanos, until: Nanos, rng: &mut Stream) -> Option<Nanos> {
        match self.kind {
            ArrivalKind::Poisson => {
                if self.max_rate <= 0.0 {
                    return None;
                }
                let mut t = to_secs(from);
                let end = to_secs(until);
                loop {
                    t += rng.exp1() / self.max_rate;
                    if t >= end {
                        return None;
                    }
                    let at = from_secs(t);
                    if matches!(self.profile, RateProfile::Flat) {
                        return Some(at);
                    }
                    let r = profile_rate(self.base, &self.profile, at);
                    if rng.uniform() * self.max_rate < r {
                        return Some(at);
                    }
                }
            }
            ArrivalKind::Constant => loop {
                let t = self.next_constant;
                if t >= to_secs(until) {
                    return None;
                }
                let at = from_secs(t);
                let r = profile_rate(self.base, &self.profile, at);
                if r <= 0.0 {
                    // Skip ahead in small steps until the profile turns the rate back on.
                    self.next_constant = t + 0.001;
                    continue;
                }
                self.next_constant = t + 1.0 / r;
                return Some(at);
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::NANOS_PER_SEC;

    #[test]
    fn lognormal_median_and_p99_match_parameters() {
        let s = LatencySampler::new(&LatencyDist::LogNormal {
            median: 10_000_000,
            p99: 50_000_000,
        });
        let mut rng = Stream::new(7, "lat");
        let mut v: Vec<Nanos> = (0..200_000).map(|_| s.sample(&mut rng)).collect();
        v.sort_unstable();
        let med = v[v.len() / 2] as f64;
        let p99 = v[v.len() * 99 / 100] as f64;
        assert!((med / 10e6 - 1.0).abs() < 0.02, "median {med}");
        assert!((p99 / 50e6 - 1.0).abs() < 0.04, "p99 {p99}");
    }

    #[test]
    fn poisson_count_matches_rate() {
        let mut p = ArrivalProcess::poisson(1000.0, RateProfile::Flat);
        let mut rng = Stream::new(3, "arr");
        let mut n = 0u64;
        let mut t = 0;
        while let Some(a) = p.next(t, 100 * NANOS_PER_SEC, &mut rng) {
            t = a;
            n += 1;
        }
        // 100,000 expected; sd ≈ 316.
        assert!((n as f64 - 100_000.0).abs() < 1500.0, "n {n}");
    }

    #[test]
    fn constant_arrivals_are_evenly_spaced_from_zero() {
        let mut p = ArrivalProcess::constant(4.0, RateProfile::Flat);
        let mut rng = Stream::new(3, "arr");
        let mut v = vec![];
        let mut t = 0;
        while let Some(a) = p.next(t, NANOS_PER_SEC, &mut rng) {
            t = a;
            v.push(a);
        }
        assert_eq!(v, vec![0, 250_000_000, 500_000_000, 750_000_000]);
    }

    #[test]
    fn profiles_give_expected_rates() {
        let steps = RateProfile::Steps {
            at: vec![10 * NANOS_PER_SEC, 20 * NANOS_PER_SEC],
            rate: vec![5.0, 7.0],
        };
        assert_eq!(profile_rate(1.0, &steps, 0), 1.0);
        assert_eq!(profile_rate(1.0, &steps, 10 * NANOS_PER_SEC), 5.0);
        assert_eq!(profile_rate(1.0, &steps, 25 * NANOS_PER_SEC), 7.0);
        let ramp = RateProfile::Ramp {
            to: 3.0,
            start: 0,
            end: 10 * NANOS_PER_SEC,
        };
        assert!((profile_rate(1.0, &ramp, 5 * NANOS_PER_SEC) - 2.0).abs() < 1e-12);
        let burst = RateProfile::Burst {
            rate: 9.0,
            at: NANOS_PER_SEC,
            length: NANOS_PER_SEC,
            every: Some(10 * NANOS_PER_SEC),
        };
        assert_eq!(profile_rate(1.0, &burst, NANOS_PER_SEC / 2), 1.0);
        assert_eq!(profile_rate(1.0, &burst, 11 * NANOS_PER_SEC + 1), 9.0);
        assert_eq!(profile_rate(1.0, &burst, 12 * NANOS_PER_SEC + 1), 1.0);
        let d = RateProfile::Diurnal {
            period: 100,
            trough: 0.2,
            peak_at: 0,
        };
        assert!((profile_rate(10.0, &d, 0) - 10.0).abs() < 1e-9);
        assert!((profile_rate(10.0, &d, 50) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn thinned_poisson_follows_a_step_profile() {
        let steps = RateProfile::Steps {
            at: vec![50 * NANOS_PER_SEC],
            rate: vec![3000.0],
        };
        let mut p = ArrivalProcess::poisson(1000.0, steps);
        let mut rng = Stream::new(9, "arr");
        let (mut first, mut second) = (0u64, 0u64);
        let mut t = 0;
        while let Some(a) = p.next(t, 100 * NANOS_PER_SEC, &mut rng) {
            t = a;
            if a < 50 * NANOS_PER_SEC {
                first += 1
            } else {
                second += 1
            }
        }
        assert!((first as f64 - 50_000.0).abs() < 1200.0, "{first}");
        assert!((second as f64 - 150_000.0).abs() < 2000.0, "{second}");
    }
}
