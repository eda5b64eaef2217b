//! What a replayed log held, for the report: its files and formats, time span, requests by
//! operation, sessions, buckets, and what was skipped or unreadable and why. Stored in
//! `summary.json` (`traces`) so that `bksim report` rebuilds the same report.

use serde::{Deserialize, Serialize};

/// One trace workload's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TraceFacts {
    /// The workload's name.
    pub workload: String,
    /// The LOG paths as given.
    pub paths: Vec<String>,
    /// Files read, by format.
    pub files: Vec<NameCount>,
    /// Lines (or CloudTrail records) read, replayed or not.
    pub lines: u64,
    /// Requests replayed.
    pub requests: u64,
    /// Requests replayed, by S3 operation (in a fixed order; absent when 0).
    pub by_operation: Vec<NameCount>,
    /// Records of operations replay does not model (or failed requests), by name as logged,
    /// most frequent first.
    pub skipped: Vec<NameCount>,
    /// Lines that could not be read.
    pub bad_lines: u64,
    /// The first few of them.
    pub bad_examples: Vec<BadLineFact>,
    /// First and last request, RFC 3339 UTC (empty when none).
    pub first: String,
    pub last: String,
    /// From the start of the first request's second to the end of the last one's, seconds.
    pub span_seconds: f64,
    /// Replay speed: logged time divided by this is simulated time.
    pub speed: f64,
    /// Distinct requesters (simulated sessions).
    pub sessions: u64,
    /// Requests by bucket, as named in the log (the scenario's name when it differs).
    pub buckets: Vec<BucketFacts>,
    /// Requests beyond the run's duration, not offered.
    #[serde(default)]
    pub cut: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameCount {
    pub name: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BadLineFact {
    pub file: String,
    pub line: u64,
    pub reason: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketFacts {
    /// The bucket's name in the log.
    pub log_name: String,
    /// The scenario bucket it is replayed as.
    pub bucket: String,
    pub requests: u64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count from [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Nanoseconds since the Unix epoch as RFC 3339 UTC, with milliseconds when not whole.
pub fn rfc3339(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    if frac == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{:03}Z", frac / 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip_and_match_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2019, 2, 6), 17_933);
        for z in [
            -800_000, -1, 0, 1, 59, 60, 11_016, 17_933, 20_000, 2_000_000,
        ] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn rfc3339_shows_milliseconds_only_when_there_are_some() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(1_549_411_238 * 1_000_000_000),
            "2019-02-06T00:00:38Z"
        );
        assert_eq!(rfc3339(1_500_000_000), "1970-01-01T00:00:01.500Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.000Z");
    }
}
