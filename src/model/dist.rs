//! Sampling the scenario's distributions: latencies, object sizes and open-loop arrival
//! times (including time-varying rate profiles, by thinning).

use crate::engine::rng::Stream;
use crate::engine::time::{Nanos, from_secs, to_secs};
use crate::scenario::{LatencyDist, RateProfile, SizeDist};

pub use crate::scenario::Z99;

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
                (x.min(crate::scenario::MAX_DRAWN_LATENCY as f64) + 0.5) as Nanos
            }
            LatencySampler::Exponential { mean } => (mean * rng.exp1() + 0.5) as Nanos,
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

/// Ramps and diurnal curves are followed in steps of this many nanoseconds (1 ms).
const CURVE_STEP: Nanos = crate::scenario::PROFILE_STEP;

/// The next instant after `t` (nanoseconds) at which a profile's rate may change: the edges
/// of piecewise-constant profiles, and 1 ms steps through ramps and diurnal curves. `None`
/// when the rate never changes again.
fn next_change(profile: &RateProfile, t: Nanos) -> Option<Nanos> {
    match profile {
        RateProfile::Flat => None,
        // `at` is strictly ascending: a search, not a scan (constant arrivals ask once per
        // step, so a scan made a long profile quadratic).
        RateProfile::Steps { at, .. } => at.get(at.partition_point(|&a| a <= t)).copied(),
        RateProfile::Ramp { start, end, .. } => {
            if t < *start {
                Some(*start)
            } else if t < *end {
                Some(t.saturating_add(CURVE_STEP).min(*end))
            } else {
                None
            }
        }
        RateProfile::Burst {
            at, length, every, ..
        } => {
            if t < *at {
                return Some(*at);
            }
            match every {
                Some(p) if *p > 0 => {
                    let start = at + (t - at) / p * p;
                    let off = start.saturating_add(*length);
                    Some(if t < off && *length < *p {
                        off
                    } else {
                        start.saturating_add(*p)
                    })
                }
                _ => {
                    let off = at.saturating_add(*length);
                    (t < off).then_some(off)
                }
            }
        }
        RateProfile::Diurnal { .. } => Some(t.saturating_add(CURVE_STEP)),
    }
}

/// Open-loop arrival times, one after another, each compared with the end of the window in
/// integer nanoseconds. Poisson times are carried in float seconds between arrivals (rounded
/// to nanoseconds only when handed out), so high rates keep their rate. Constant arrivals are
/// computed afresh from the start of the profile's current constant-rate piece: arrival `j`
/// of a piece starting at `s` with rate `r` is at `s + (m + j) / r`, `m` being the mass still
/// owed from earlier pieces, so no floating-point error accumulates (a flat profile puts
/// arrival `k` at exactly `k / rate`).
#[derive(Debug, Clone)]
pub struct ArrivalProcess {
    kind: ArrivalKind,
    base: f64,
    max_rate: f64,
    profile: RateProfile,
    /// Poisson: the last arrival in seconds (0 before the first).
    t: f64,
    /// Constant: the current piece.
    piece: Piece,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ArrivalKind {
    Poisson,
    Constant,
}

/// A constant-rate piece of a profile and the arrivals already handed out in it.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: Nanos,
    /// Where the next piece starts (`None`: the rate never changes again).
    end: Option<Nanos>,
    rate: f64,
    /// Integrated rate the first arrival in this piece still needs (0 at the very start).
    owed: f64,
    /// Arrivals handed out in this piece.
    j: u64,
}

impl ArrivalProcess {
    pub fn poisson(rate: f64, profile: RateProfile) -> Self {
        Self::build(ArrivalKind::Poisson, rate, profile)
    }

    pub fn constant(rate: f64, profile: RateProfile) -> Self {
        Self::build(ArrivalKind::Constant, rate, profile)
    }

    fn build(kind: ArrivalKind, base: f64, profile: RateProfile) -> Self {
        let max_rate = profile.peak(base);
        let piece = Piece {
            start: 0,
            end: next_change(&profile, 0),
            rate: profile_rate(base, &profile, 0),
            owed: 0.0,
            j: 0,
        };
        ArrivalProcess {
            kind,
            base,
            max_rate,
            profile,
            t: 0.0,
            piece,
        }
    }

    fn rate_at(&self, t: f64) -> f64 {
        profile_rate(self.base, &self.profile, from_secs(t))
    }

    /// The next arrival, or `None` if there is none before `until` (nanoseconds, exclusive).
    /// Poisson arrivals use thinning against the profile's maximum rate, exact for any bounded
    /// rate function; constant arrivals are one unit of integrated rate apart (exact for
    /// piecewise-constant profiles, within 1 ms steps for ramps and diurnal curves), the first
    /// at the first instant the rate is above zero.
    pub fn next(&mut self, until: Nanos, rng: &mut Stream) -> Option<Nanos> {
        match self.kind {
            ArrivalKind::Poisson => {
                if self.max_rate <= 0.0 {
                    return None;
                }
                loop {
                    self.t += rng.exp1() / self.max_rate;
                    let at = from_secs(self.t);
                    if at >= until {
                        return None;
                    }
                    if matches!(self.profile, RateProfile::Flat)
                        || rng.uniform() * self.max_rate < self.rate_at(self.t)
                    {
                        return Some(at);
                    }
                }
            }
            ArrivalKind::Constant => loop {
                let p = &mut self.piece;
                if p.start >= until {
                    return None;
                }
                if p.rate > 0.0 {
                    let at = p
                        .start
                        .saturating_add(from_secs((p.owed + p.j as f64) / p.rate));
                    if p.end.is_none_or(|e| at < e) {
                        if at >= until {
                            return None;
                        }
                        p.j += 1;
                        return Some(at);
                    }
                }
                // The piece is used up: carry what the next arrival still needs.
                let end = p.end?;
                let len = to_secs(end - p.start);
                let owed = (p.owed + p.j as f64 - p.rate * len).max(0.0);
                self.piece = Piece {
                    start: end,
                    end: next_change(&self.profile, end),
                    rate: profile_rate(self.base, &self.profile, end),
                    owed,
                    j: 0,
                };
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
        while p.next(100 * NANOS_PER_SEC, &mut rng).is_some() {
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
        while let Some(a) = p.next(NANOS_PER_SEC, &mut rng) {
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
        while let Some(a) = p.next(100 * NANOS_PER_SEC, &mut rng) {
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

#[cfg(test)]
mod profile_tests {
    use super::*;
    use crate::engine::time::NANOS_PER_SEC;

    fn count(mut p: ArrivalProcess, secs: u64) -> Vec<Nanos> {
        let mut rng = Stream::new(1, "c");
        std::iter::from_fn(|| p.next(secs * NANOS_PER_SEC, &mut rng)).collect()
    }

    #[test]
    fn constant_arrivals_see_a_step_up_at_once() {
        let steps = RateProfile::Steps {
            at: vec![5 * NANOS_PER_SEC],
            rate: vec![1000.0],
        };
        let v = count(ArrivalProcess::constant(0.05, steps), 10);
        // One at 0 (rate 0.05/s), then 1000/s from 5 s: 5,000 more.
        // The second owes 1 - 0.05 × 5 = 0.75 of a unit at 5 s: 5 s + 0.75 ms, then every
        // 1 ms while 5.00075 + j/1000 < 10, j = 0..=4999.
        assert_eq!(v.len(), 5_001);
        assert_eq!(v[0], 0);
        assert_eq!(v[1], 5 * NANOS_PER_SEC + 750_000);
        assert_eq!(v[5_000], 9 * NANOS_PER_SEC + 999_750_000);
    }

    #[test]
    fn constant_flat_arrival_k_is_exactly_k_over_rate() {
        // 100/s for 600 s: 60,000 arrivals at k × 10 ms, the last at 599.99 s (no 60,001st
        // at 599.999999… from accumulated rounding).
        let v = count(ArrivalProcess::constant(100.0, RateProfile::Flat), 600);
        assert_eq!(v.len(), 60_000);
        for (k, &a) in v.iter().enumerate() {
            assert_eq!(a, from_secs(k as f64 / 100.0), "arrival {k}");
        }
        assert_eq!(*v.last().unwrap(), 599_990_000_000);
        // Rates whose period is not a whole number of nanoseconds: 3/s, 7/s, 0.1/s.
        for (rate, secs, n) in [(3.0, 100, 300), (7.0, 60, 420), (0.1, 600, 60)] {
            let v = count(ArrivalProcess::constant(rate, RateProfile::Flat), secs);
            assert_eq!(v.len(), n, "rate {rate}");
            assert_eq!(v[n - 1], from_secs((n - 1) as f64 / rate));
        }
    }

    #[test]
    fn constant_arrivals_have_no_fencepost_at_profile_edges() {
        // 100/s until 300 s, then 200/s: 30,000 + 60,000, one exactly at the step.
        let steps = RateProfile::Steps {
            at: vec![300 * NANOS_PER_SEC],
            rate: vec![200.0],
        };
        let v = count(ArrivalProcess::constant(100.0, steps), 600);
        assert_eq!(v.len(), 90_000);
        assert_eq!(v[29_999], 299_990_000_000);
        assert_eq!(v[30_000], 300 * NANOS_PER_SEC);
        assert_eq!(v[89_999], 599_995_000_000);
        // Bursts of 100/s in [1,2), [5,6), [9,10) over a 10/s base for 12 s: 9 s × 10 +
        // 3 s × 100 = 390, each burst starting on its edge.
        let burst = RateProfile::Burst {
            rate: 100.0,
            at: NANOS_PER_SEC,
            length: NANOS_PER_SEC,
            every: Some(4 * NANOS_PER_SEC),
        };
        let v = count(ArrivalProcess::constant(10.0, burst), 12);
        assert_eq!(v.len(), 390);
        assert_eq!(v[10], NANOS_PER_SEC);
        assert_eq!(v[110], 2 * NANOS_PER_SEC);
    }

    #[test]
    fn constant_arrivals_follow_ramps() {
        let ramp = RateProfile::Ramp {
            to: 200.0,
            start: 0,
            end: 10 * NANOS_PER_SEC,
        };
        // Integral of 0→200 over 10 s = 1000.
        let n = count(ArrivalProcess::constant(0.0, ramp), 10).len() as i64;
        assert!((n - 1000).abs() <= 3, "{n}");
    }

    #[test]
    fn very_high_poisson_rates_keep_their_rate() {
        // 10 ns apart on average: rounding each gap to a nanosecond would skew the rate.
        let mut p = ArrivalProcess::poisson(1e8, RateProfile::Flat);
        let mut rng = Stream::new(1, "c");
        let n = std::iter::from_fn(|| p.next(NANOS_PER_SEC / 20, &mut rng)).count() as f64;
        assert!((n / 5e6 - 1.0).abs() < 0.002, "{n}");
    }
}
