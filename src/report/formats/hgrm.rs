//! `latency-<variant>-<op>.hgrm`: a latency histogram as HdrHistogram's percentile
//! distribution text, byte for byte what the Java reference implementation prints with
//! `histogram.outputPercentileDistribution(out, 5, 1000.0)` for a histogram recorded in
//! microseconds, i.e. values in milliseconds. HdrHistogram's online plotter and
//! `HistogramLogAnalyzer` read it.
//!
//! ```text
//!        Value     Percentile TotalCount 1/(1-Percentile)
//!
//!        0.001 0.000000000000          1           1.00
//!        1.000 0.100000000000       1000           1.11
//! ...
//!       10.007 1.000000000000      10000
//! #[Mean    =        5.001, StdDeviation   =        2.887]
//! #[Max     =       10.007, Total count    =        10000]
//! #[Buckets =           27, SubBuckets     =         2048]
//! ```
//!
//! Mirroring Java exactly takes three things the Rust crate does differently, so this file
//! does them itself rather than use `Histogram::iter_quantiles`:
//! - Java's `PercentileIterator` steps in *percent* (`level += 100 / ticks`), which is exact
//!   in binary for the usual levels (10, 20, ... 55, 77.5 ...), and compares
//!   `100 * count / total >= level`; stepping in fractions (0.1 + 0.1 + 0.1 ...) accumulates
//!   rounding error and can land a row one bucket later;
//! - Java's mean and standard deviation sum first and divide once, over bucket middles;
//! - Java's `%f` rounds half-up on the shortest decimal representation of the double, where
//!   Rust rounds the exact binary value (`0.0105` is `0.011` in Java, `0.010` in Rust).
//!
//! An empty histogram prints the header and the footer with zeros and no rows, as Java does.
//! The fixture in `tests/fixtures/hgrm/` was produced by HdrHistogram 2.1.11 (Java) and the
//! integration tests compare against it.
//!
//! The file is written from the histogram ([`hgrm`]) and read back as the
//! [`PercentileCurve`] it prints ([`parse_hgrm`]): a histogram cannot be rebuilt from its
//! percentiles, so the curve, not the histogram, is the type the report reads.

use std::path::Path;

use hdrhistogram::Histogram;

use super::{LoadError, truncate};
use crate::report::plausible::{HGRM_COUNT, HGRM_VALUE, MAX_HGRM_ROWS, Quantity};

/// Percentile ticks per half distance to 100%, as in Java's default output.
pub const TICKS_PER_HALF_DISTANCE: u32 = 5;
/// Histograms record microseconds; the file shows milliseconds.
pub const US_PER_MS: f64 = 1000.0;

/// One row of an HdrHistogram percentile distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentilePoint {
    /// Latency in milliseconds.
    pub value_ms: f64,
    /// 0 … 1.
    pub percentile: f64,
    pub total_count: u64,
}

/// A `.hgrm` file: its rows and footer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PercentileCurve {
    pub points: Vec<PercentilePoint>,
    pub total_count: u64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// The `.hgrm` text of a latency histogram recorded in microseconds (values in milliseconds).
pub fn hgrm(h: &Histogram<u64>) -> String {
    percentile_distribution(h, TICKS_PER_HALF_DISTANCE, US_PER_MS)
}

/// Java's `outputPercentileDistribution(out, ticks_per_half_distance, scaling)` in its plain
/// text form: values divided by `scaling` and printed with as many decimals as the histogram
/// has significant digits.
pub fn percentile_distribution(
    h: &Histogram<u64>,
    ticks_per_half_distance: u32,
    scaling: f64,
) -> String {
    let digits = usize::from(h.sigfig());
    let mut out = String::with_capacity(4096);
    out.push_str(&format!(
        "{:>12} {:>14} {:>10} {:>14}\n\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    ));

    for row in java_percentiles(h, ticks_per_half_distance.max(1)) {
        let value = pad(&java_fixed(row.value as f64 / scaling, digits), 12);
        let quantile = row.level / 100.0;
        let quantile_text = pad(&java_fixed(quantile, 12), 2);
        if row.level != 100.0 {
            let inverse = pad(&java_fixed(1.0 / (1.0 - quantile), 2), 14);
            out.push_str(&format!(
                "{value} {quantile_text} {:>10} {inverse}\n",
                row.total
            ));
        } else {
            out.push_str(&format!("{value} {quantile_text} {:>10}\n", row.total));
        }
    }

    let (mean, stdev) = java_mean_stdev(h);
    let max = if h.is_empty() { 0 } else { h.max() };
    out.push_str(&format!(
        "#[Mean    = {}, StdDeviation   = {}]\n",
        pad(&java_fixed(mean / scaling, digits), 12),
        pad(&java_fixed(stdev / scaling, digits), 12)
    ));
    out.push_str(&format!(
        "#[Max     = {}, Total count    = {:>12}]\n",
        pad(&java_fixed(max as f64 / scaling, digits), 12),
        h.len()
    ));
    out.push_str(&format!(
        "#[Buckets = {:>12}, SubBuckets     = {:>12}]\n",
        h.buckets(),
        sub_bucket_count(h)
    ));
    out
}

/// Parses the text of a `.hgrm` file (HdrHistogram's percentile output, values in ms).
pub fn parse_hgrm(path: &Path, text: &str) -> Result<PercentileCurve, LoadError> {
    let mut curve = PercentileCurve::default();
    let mut saw_header = false;
    let (mut saw_max, mut saw_mean) = (false, false);
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if !saw_header {
            if t.split_whitespace().collect::<Vec<_>>()
                == ["Value", "Percentile", "TotalCount", "1/(1-Percentile)"]
            {
                saw_header = true;
                continue;
            }
            return Err(LoadError::corrupt(
                path,
                n,
                "expected the HdrHistogram header 'Value Percentile TotalCount 1/(1-Percentile)'",
            ));
        }
        if let Some(footer) = t.strip_prefix("#[") {
            // `#[Mean    =       67.608, StdDeviation   =      161.346]`
            for pair in footer.trim_end_matches(']').split(',') {
                let Some((k, v)) = pair.split_once('=') else {
                    return Err(LoadError::corrupt(path, n, "malformed footer"));
                };
                let (k, v) = (k.trim(), v.trim());
                let num = |q: Quantity| -> Result<f64, LoadError> {
                    q.check_text(v).map_err(|e| {
                        LoadError::corrupt(path, n, format!("footer {}: {e}", truncate(k, 30)))
                    })
                };
                match k {
                    "Mean" => {
                        curve.mean_ms = num(HGRM_VALUE)?;
                        saw_mean = true;
                    }
                    "StdDeviation" => {
                        num(HGRM_VALUE)?;
                    }
                    "Max" => {
                        curve.max_ms = num(HGRM_VALUE)?;
                        saw_max = true;
                    }
                    "Total count" => curve.total_count = num(HGRM_COUNT)? as u64,
                    _ => {}
                }
            }
            continue;
        }
        if saw_max || saw_mean {
            return Err(LoadError::corrupt(path, n, "data after the footer"));
        }
        let f: Vec<&str> = t.split_whitespace().collect();
        if f.len() != 3 && f.len() != 4 {
            return Err(LoadError::corrupt(
                path,
                n,
                format!("{} columns, expected 3 or 4", f.len()),
            ));
        }
        let bad = |what: &str, s: &str| {
            LoadError::corrupt(
                path,
                n,
                format!("{what} '{}' is not a number", truncate(s, 30)),
            )
        };
        let value_ms: f64 = f[0].parse().map_err(|_| bad("value", f[0]))?;
        let percentile: f64 = f[1].parse().map_err(|_| bad("percentile", f[1]))?;
        let total_count: u64 = f[2].parse().map_err(|_| bad("count", f[2]))?;
        for (column, q, x) in [
            ("Value", HGRM_VALUE, value_ms),
            ("Percentile", Quantity::Fraction, percentile),
            ("TotalCount", HGRM_COUNT, total_count as f64),
        ] {
            q.check(x).map_err(|e| {
                LoadError::corrupt(path, n, format!("implausible value: column {column} = {e}"))
            })?;
        }
        if let Some(last) = curve.points.last() {
            if percentile < last.percentile {
                return Err(LoadError::corrupt(path, n, "percentiles out of order"));
            }
            if value_ms < last.value_ms || total_count < last.total_count {
                return Err(LoadError::corrupt(
                    path,
                    n,
                    "values or counts decrease from the row before",
                ));
            }
        }
        if curve.points.len() >= MAX_HGRM_ROWS {
            return Err(LoadError::corrupt(
                path,
                n,
                format!("more than {MAX_HGRM_ROWS} rows"),
            ));
        }
        curve.points.push(PercentilePoint {
            value_ms,
            percentile,
            total_count,
        });
    }
    if !saw_header {
        return Err(LoadError::corrupt(path, 0, "empty file"));
    }
    if !(saw_max && saw_mean) {
        return Err(LoadError::corrupt(
            path,
            0,
            "truncated: no '#[Mean' / '#[Max' footer",
        ));
    }
    Ok(curve)
}

/// One printed row: highest value equivalent to the bucket, percent level iterated to,
/// count of values up to and including the bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Row {
    value: u64,
    level: f64,
    total: u64,
}

/// Far more rows than any real histogram prints (5 ticks per halving: about 5 x 64 + 5).
const MAX_ROWS: usize = 100_000;

/// Java's `PercentileIterator` over the non-empty buckets (Java skips empty ones too).
fn java_percentiles(h: &Histogram<u64>, ticks_per_half_distance: u32) -> Vec<Row> {
    let total = h.len();
    let mut rows = Vec::new();
    if total == 0 {
        return rows;
    }
    let buckets: Vec<(u64, u64)> = h
        .iter_recorded()
        .map(|v| (v.value_iterated_to(), v.count_at_value()))
        .collect();

    let mut level = 0.0_f64;
    let mut reached_last = false;
    let mut cum = 0_u64;
    // Index of the bucket the iterator stands on, and whether its count has been added.
    let mut at = 0_usize;
    let mut fresh = true;
    loop {
        if rows.len() >= MAX_ROWS && !reached_last {
            // Only reachable past ~10^15 counts, where the level steps drop below one ulp of
            // 100 and Java would never finish: go straight to the last bucket and 100%.
            at = buckets.len() - 1;
            fresh = false;
            cum = total;
        }
        // hasNext(): more counts ahead, or one last step to 100%.
        if cum >= total {
            if reached_last {
                break;
            }
            level = 100.0;
            reached_last = true;
        }
        // next(): walk buckets until the current one reaches the level.
        let mut emitted = false;
        while at < buckets.len() {
            let (value, count) = buckets[at];
            if fresh {
                cum = cum.saturating_add(count);
                fresh = false;
            }
            let current = (100.0 * cum as f64) / total as f64;
            if count != 0 && current >= level {
                rows.push(Row {
                    value,
                    level,
                    total: cum,
                });
                if !reached_last {
                    level += 100.0 / reporting_ticks(level, ticks_per_half_distance) as f64;
                }
                emitted = true;
                break;
            }
            at += 1;
            fresh = true;
        }
        if !emitted {
            // Only reachable with inconsistent counts (Java throws here).
            break;
        }
    }
    rows
}

/// Ticks in the whole 0-100% range at the scale of `level`: Java's
/// `ticks * (long) Math.pow(2, (long) (Math.log(100 / (100 - level)) / Math.log(2)) + 1)`.
fn reporting_ticks(level: f64, ticks_per_half_distance: u32) -> i64 {
    let halvings = ((100.0 / (100.0 - level)).ln() / 2f64.ln()) as i64;
    let slices = 2f64.powf(halvings.saturating_add(1) as f64) as i64;
    i64::from(ticks_per_half_distance)
        .saturating_mul(slices)
        .max(1)
}

/// Java's `getMean()` and `getStdDeviation()`: over bucket middles, sum first, divide once.
fn java_mean_stdev(h: &Histogram<u64>) -> (f64, f64) {
    let total = h.len();
    if total == 0 {
        return (0.0, 0.0);
    }
    let mut sum = 0.0_f64;
    for v in h.iter_recorded() {
        sum += h.median_equivalent(v.value_iterated_to()) as f64 * v.count_at_value() as f64;
    }
    let mean = sum / total as f64;
    let mut dev_sum = 0.0_f64;
    for v in h.iter_recorded() {
        let dev = h.median_equivalent(v.value_iterated_to()) as f64 - mean;
        dev_sum += (dev * dev) * v.count_at_value() as f64;
    }
    (mean, (dev_sum / total as f64).sqrt())
}

/// Sub-buckets per bucket: the counts array holds `(buckets + 1) * sub_bucket_count / 2`.
fn sub_bucket_count(h: &Histogram<u64>) -> usize {
    2 * h.distinct_values() / (usize::from(h.buckets()) + 1)
}

fn pad(s: &str, width: usize) -> String {
    format!("{s:>width$}")
}

/// Java's `String.format(Locale.US, "%.{decimals}f", x)`: round half-up on the shortest
/// decimal representation of `x`.
fn java_fixed(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    // Java: Double.compare(x, 0.0) == -1, which is true for -0.0 as well.
    let negative = x.is_sign_negative();
    let sci = format!("{:e}", x.abs()); // shortest round-trip digits, e.g. "1.2345e-3"
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i64 = exp.parse().expect("`{:e}` exponent is an integer");
    let digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();

    // Value = 0.d0 d1 d2 ... x 10^(exp + 1): lay the digits out on a fixed decimal grid with
    // `int_len` integer digits (at least one) and `decimals` fraction digits, plus one more
    // to decide the rounding.
    let point = exp + 1; // digits before the decimal point (may be <= 0)
    let int_len = point.max(1) as usize;
    let grid_len = int_len + decimals;
    let mut grid = vec![0u8; grid_len + 1];
    for (i, &d) in digits.iter().enumerate() {
        // Position of digit i on the grid: grid index 0 is 10^(int_len - 1).
        let pos = int_len as i64 - point + i as i64;
        if pos >= 0 && (pos as usize) <= grid_len {
            grid[pos as usize] = d;
        }
    }
    let round_up = grid[grid_len] >= 5;
    grid.truncate(grid_len);
    if round_up {
        let mut i = grid_len;
        loop {
            if i == 0 {
                grid.insert(0, 1);
                break;
            }
            i -= 1;
            if grid[i] == 9 {
                grid[i] = 0;
            } else {
                grid[i] += 1;
                break;
            }
        }
    }
    let int_digits = grid.len() - decimals;
    let mut s = String::with_capacity(grid.len() + 2);
    if negative {
        s.push('-');
    }
    for (i, d) in grid.iter().enumerate() {
        if i == int_digits {
            s.push('.');
        }
        s.push(char::from(b'0' + d));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::results::new_latency_histogram;

    const HGRM: &str = "       Value     Percentile TotalCount 1/(1-Percentile)

       1.000 0.000000000000          1           1.00
       2.000 0.500000000000          2           2.00
       4.000 1.000000000000          4
#[Mean    =        2.250, StdDeviation   =        1.090]
#[Max     =        4.000, Total count    =            4]
#[Buckets =           27, SubBuckets     =         2048]
";

    #[test]
    fn hgrm_rows_and_footer() {
        let c = parse_hgrm(Path::new("x.hgrm"), HGRM).unwrap();
        assert_eq!(c.points.len(), 3);
        assert_eq!(c.points[1].value_ms, 2.0);
        assert_eq!(c.points[1].percentile, 0.5);
        assert_eq!(c.total_count, 4);
        assert_eq!(c.max_ms, 4.0);
        assert_eq!(c.mean_ms, 2.25);
    }

    #[test]
    fn hgrm_errors_name_file_and_line() {
        let p = Path::new("dir/latency-a-put.hgrm");
        let e = parse_hgrm(p, &HGRM.replace("0.500000000000", "zero")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dir/latency-a-put.hgrm, line 4: percentile 'zero' is not a number"
        );
        let cut: String = HGRM.lines().take(4).collect::<Vec<_>>().join("\n");
        let e = parse_hgrm(p, &cut).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        assert!(parse_hgrm(p, "").unwrap_err().to_string().contains("empty"));
        let e = parse_hgrm(p, "hello\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn java_fixed_rounds_half_up_on_shortest_digits() {
        assert_eq!(java_fixed(0.0105, 3), "0.011"); // Rust's {:.3} gives 0.010
        assert_eq!(java_fixed(0.0125, 3), "0.013");
        assert_eq!(java_fixed(1.0, 2), "1.00");
        assert_eq!(java_fixed(10.000000000000002, 2), "10.00");
        assert_eq!(java_fixed(9.995, 2), "10.00");
        assert_eq!(java_fixed(999.9996, 3), "1000.000");
        assert_eq!(java_fixed(0.0, 12), "0.000000000000");
        assert_eq!(java_fixed(0.9990234375, 12), "0.999023437500");
        assert_eq!(java_fixed(0.99951171875, 12), "0.999511718750");
        assert_eq!(java_fixed(0.0004, 3), "0.000");
        assert_eq!(java_fixed(0.0005, 3), "0.001");
        assert_eq!(java_fixed(123456789.0, 3), "123456789.000");
        assert_eq!(java_fixed(1e21, 1), "1000000000000000000000.0");
        assert_eq!(java_fixed(1.5e-20, 3), "0.000");
        assert_eq!(java_fixed(-2.5, 0), "-3");
        assert_eq!(java_fixed(-0.0, 1), "-0.0");
        assert_eq!(java_fixed(f64::INFINITY, 2), "Infinity");
    }

    #[test]
    fn empty_histogram_has_header_and_footer_only() {
        let h = new_latency_histogram();
        let text = hgrm(&h);
        let expected = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n\
                        #[Mean    =        0.000, StdDeviation   =        0.000]\n\
                        #[Max     =        0.000, Total count    =            0]\n\
                        #[Buckets =           27, SubBuckets     =         2048]\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn single_value_has_two_rows() {
        let mut h = new_latency_histogram();
        h.record_n(1500, 3).unwrap();
        let text = hgrm(&h);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[2],
            "       1.500 0.000000000000          3           1.00"
        );
        assert_eq!(lines[3], "       1.500 1.000000000000          3");
        assert_eq!(
            lines[4],
            "#[Mean    =        1.500, StdDeviation   =        0.000]"
        );
        assert_eq!(lines.len(), 7);
    }

    #[test]
    fn levels_follow_the_java_sequence() {
        let mut h = new_latency_histogram();
        for v in 1..=100_000u64 {
            h.record(v).unwrap();
        }
        let levels: Vec<f64> = java_percentiles(&h, 5).iter().map(|r| r.level).collect();
        let expected = [
            0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0, 77.5, 80.0, 82.5,
            85.0, 87.5, 88.75, 90.0, 91.25, 92.5, 93.75, 94.375, 95.0, 95.625, 96.25, 96.875,
        ];
        assert_eq!(&levels[..expected.len()], &expected);
        assert_eq!(*levels.last().unwrap(), 100.0);
        // Levels strictly increase; totals never decrease.
        let rows = java_percentiles(&h, 5);
        assert!(
            rows.windows(2)
                .all(|w| w[0].level < w[1].level && w[0].total <= w[1].total)
        );
        assert_eq!(rows.last().unwrap().total, 100_000);
    }

    #[test]
    fn astronomical_counts_terminate() {
        let mut h = new_latency_histogram();
        h.record_n(1, 1 << 60).unwrap();
        h.record(2).unwrap();
        let rows = java_percentiles(&h, 5);
        assert!(rows.len() <= MAX_ROWS + 1);
        let last = rows.last().unwrap();
        assert_eq!(
            (last.value, last.level, last.total),
            (2, 100.0, (1 << 60) + 1)
        );
    }

    #[test]
    fn sub_buckets_match_sigfig() {
        let h = new_latency_histogram();
        assert_eq!(sub_bucket_count(&h), 2048);
        let h2 = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 2).unwrap();
        assert_eq!(sub_bucket_count(&h2), 256);
    }

    #[test]
    fn hgrm_values_are_bounded_and_monotone() {
        let p = Path::new("x.hgrm");
        let e = parse_hgrm(p, &HGRM.replace("       2.000 0.5", "       1e308 0.5")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.hgrm, line 4: implausible value: column Value = 1e308"),
            "{e}"
        );
        let e = parse_hgrm(p, &HGRM.replace("       2.000 0.5", "      -2.000 0.5")).unwrap_err();
        assert!(e.to_string().contains("line 4: implausible value"), "{e}");
        let e = parse_hgrm(p, &HGRM.replace("       2.000 0.5", "       0.500 0.5")).unwrap_err();
        assert!(
            e.to_string().contains("line 4: values or counts decrease"),
            "{e}"
        );
        let e = parse_hgrm(
            p,
            &HGRM.replace("          2           2.00", "  18446744073709551615 2.00"),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("line 4: implausible value: column TotalCount"),
            "{e}"
        );
        let e = parse_hgrm(p, &HGRM.replace("=            4]", "= 1e19]")).unwrap_err();
        assert!(e.to_string().contains("line 7: footer Total count"), "{e}");
        let e = parse_hgrm(p, &HGRM.replace("Mean    =        2.250", "Mean = NaN")).unwrap_err();
        assert!(e.to_string().contains("line 6: footer Mean"), "{e}");
        let many: String = (0..=MAX_HGRM_ROWS).map(|_| "1.000 0.5 1 2.00\n").collect();
        let e = parse_hgrm(
            p,
            &format!("Value Percentile TotalCount 1/(1-Percentile)\n{many}"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("more than 100000 rows"), "{e}");
    }

    #[test]
    fn written_then_read_gives_the_printed_curve() {
        let mut h = new_latency_histogram();
        for v in 1..=20_000u64 {
            h.record((v * 37) % 90_000 + 500).unwrap();
        }
        h.record_n(250_000, 3).unwrap();
        let text = hgrm(&h);
        let c = parse_hgrm(Path::new("x.hgrm"), &text).unwrap();
        let rows = java_percentiles(&h, TICKS_PER_HALF_DISTANCE);
        assert_eq!(c.points.len(), rows.len());
        for (p, r) in c.points.iter().zip(&rows) {
            // Values are whole microseconds, printed in ms with 3 decimals: exact.
            assert_eq!(p.value_ms, r.value as f64 / US_PER_MS);
            assert_eq!(p.total_count, r.total);
            assert!((p.percentile - r.level / 100.0).abs() < 1e-12);
        }
        assert_eq!(c.total_count, h.len());
        assert_eq!(c.max_ms, h.max() as f64 / US_PER_MS);
        let (mean, _) = java_mean_stdev(&h);
        assert!(
            (c.mean_ms - mean / US_PER_MS).abs() <= 0.0005,
            "{}",
            c.mean_ms
        );

        let empty = parse_hgrm(Path::new("x.hgrm"), &hgrm(&new_latency_histogram())).unwrap();
        assert_eq!(empty, PercentileCurve::default());
    }
}
