//! Turns a latency histogram (microseconds) into the `latency_ms` block of `summary.json`:
//! count, p50/p90/p99/p99.9, max and mean in milliseconds, rounded to 3 decimals.
//!
//! Rounding is deterministic: every figure is first brought to a whole number of microseconds
//! (quantiles and max already are; the mean is rounded half away from zero), then divided by
//! 1000, so the same histogram always gives the same `f64`s and the same JSON text.

use hdrhistogram::Histogram;

use crate::metrics::results::LatencySummary;

/// Summarises a latency histogram recorded in microseconds; all zeros when it is empty.
///
/// Quantiles are HdrHistogram's `value_at_quantile` (the highest value equivalent to the
/// recorded one, so within the histogram's 3 significant digits), `max` is the highest
/// equivalent of the largest recorded value.
/// Six decimals: stable, readable output for money, ratios and seconds.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

pub fn latency_summary(h: &Histogram<u64>) -> LatencySummary {
    if h.is_empty() {
        return LatencySummary::default();
    }
    LatencySummary {
        count: h.len(),
        p50: us_to_ms(h.value_at_quantile(0.5)),
        p90: us_to_ms(h.value_at_quantile(0.9)),
        p99: us_to_ms(h.value_at_quantile(0.99)),
        p999: us_to_ms(h.value_at_quantile(0.999)),
        max: us_to_ms(h.max()),
        mean: round_us_to_ms(h.mean()),
    }
}

/// Whole microseconds to milliseconds: the nearest `f64` to `us / 1000`, exact to 3 decimals.
fn us_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Fractional microseconds to milliseconds rounded to 3 decimals (half away from zero).
fn round_us_to_ms(us: f64) -> f64 {
    if us.is_finite() {
        us.round() / 1000.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::results::new_latency_histogram;

    #[test]
    fn empty_histogram_gives_zeros() {
        let h = new_latency_histogram();
        assert_eq!(latency_summary(&h), LatencySummary::default());
    }

    #[test]
    fn uniform_1_to_10000_us() {
        let mut h = new_latency_histogram();
        for v in 1..=10_000u64 {
            h.record(v).unwrap();
        }
        let s = latency_summary(&h);
        assert_eq!(s.count, 10_000);
        // Values up to 2047 are exact; 2048..4095 in steps of 2; 4096..8191 in steps of 4;
        // 8192.. in steps of 8. Quantiles report the highest equivalent value.
        assert_eq!(s.p50, 5.003); // 5000 lies in [5000, 5003]
        assert_eq!(s.p90, 9.007); // 9000 lies in [9000, 9007]
        assert_eq!(s.p99, 9.903); // 9900 lies in [9896, 9903]
        assert_eq!(s.p999, 9.991); // 9990 lies in [9984, 9991]
        assert_eq!(s.max, 10.007); // 10000 lies in [10000, 10007]
        // HdrHistogram's mean uses the middle of each bucket: close to 5000.5 µs.
        assert!((s.mean - 5.001).abs() < 0.0015, "mean {}", s.mean);
        assert_eq!(s.mean, (s.mean * 1000.0).round() / 1000.0);
    }

    #[test]
    fn single_value() {
        let mut h = new_latency_histogram();
        h.record_n(1234, 7).unwrap();
        let s = latency_summary(&h);
        assert_eq!(s.count, 7);
        for q in [s.p50, s.p90, s.p99, s.p999, s.max, s.mean] {
            assert_eq!(q, 1.234);
        }
    }

    #[test]
    fn two_modes_and_rounding() {
        let mut h = new_latency_histogram();
        h.record_n(1_000, 99).unwrap(); // 1 ms
        h.record_n(250_000, 1).unwrap(); // 250 ms, in the bucket [249984, 250111]
        let s = latency_summary(&h);
        assert_eq!(s.p50, 1.0);
        assert_eq!(s.p90, 1.0);
        assert_eq!(s.p99, 1.0);
        assert_eq!(s.p999, 250.111);
        assert_eq!(s.max, 250.111);
        // mean of bucket middles: (99 * 1000 + 250048) / 100 = 3490.48 µs -> 3.490 ms
        assert_eq!(s.mean, 3.49);
    }

    #[test]
    fn rounding_helper() {
        assert_eq!(round_us_to_ms(1234.5), 1.235);
        assert_eq!(round_us_to_ms(1234.49), 1.234);
        assert_eq!(round_us_to_ms(f64::NAN), 0.0);
    }
}
