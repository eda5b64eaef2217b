//! Simulated time: an integer count of nanoseconds, so event order never depends on float
//! rounding. Helpers convert to and from seconds only at the edges (input and output).

/// Simulated time or duration in nanoseconds.
pub type Nanos = u64;

pub const NANOS_PER_MICRO: Nanos = 1_000;
pub const NANOS_PER_MILLI: Nanos = 1_000_000;
pub const NANOS_PER_SEC: Nanos = 1_000_000_000;

/// Seconds as a float, for output and rate arithmetic.
pub fn to_secs(t: Nanos) -> f64 {
    t as f64 / NANOS_PER_SEC as f64
}

/// Nanoseconds from float seconds, rounded to the nearest nanosecond and saturating.
pub fn from_secs(s: f64) -> Nanos {
    if s <= 0.0 || s.is_nan() {
        0
    } else if s >= (u64::MAX / NANOS_PER_SEC) as f64 {
        u64::MAX
    } else {
        // Adding 0.5 and truncating rounds a positive value (cheaper than f64::round).
        (s * NANOS_PER_SEC as f64 + 0.5) as Nanos
    }
}
