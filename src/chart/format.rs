//! Number formatting for charts, the one place for it: counts and rates (`150,000`, `1.5M`),
//! milliseconds, US dollars, percentages, numbers in words for bar labels, three significant
//! digits, and thousands grouping.

/// Axis tick text for counts and rates: `0`, `500`, `150,000` up to a million, then `1.5M`,
/// `2B`, `1T`.
pub(crate) fn fmt_count(v: f64) -> String {
    let a = v.abs();
    if a >= 1e12 {
        format!("{}T", trim(v / 1e12))
    } else if a >= 1e9 {
        format!("{}B", trim(v / 1e9))
    } else if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if v.fract() == 0.0 || a >= 100.0 {
        group_float(v)
    } else {
        trim(v)
    }
}

/// `$` and [`fmt_count`].
pub(crate) fn fmt_usd_tick(v: f64) -> String {
    format!("${}", fmt_count(v))
}

/// Milliseconds on a latency axis.
pub(crate) fn fmt_ms(v: f64) -> String {
    if v >= 1.0 { group_float(v) } else { trim(v) }
}

/// Up to 2 decimals, trailing zeros removed.
fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Rounded to a whole number with thousands separators.
fn group_float(v: f64) -> String {
    let r = v.round();
    if r < 0.0 {
        format!("-{}", group((-r) as u64))
    } else {
        group(r as u64)
    }
}

/// Large counts in words for bar labels: `88,560`, `51.0 million`, `2.72 billion`.
pub(crate) fn fmt_words(v: f64) -> String {
    let sig3 = |x: f64| {
        if x >= 100.0 {
            format!("{x:.0}")
        } else if x >= 10.0 {
            format!("{x:.1}")
        } else {
            format!("{x:.2}")
        }
    };
    if v >= 1e12 {
        format!("{} trillion", sig3(v / 1e12))
    } else if v >= 1e9 {
        format!("{} billion", sig3(v / 1e9))
    } else if v >= 1e6 {
        format!("{} million", sig3(v / 1e6))
    } else {
        group_float(v)
    }
}

/// A number as a tick label: `5,000`, `1.5M`, `0.25`, `0.001`.
pub(crate) fn fmt_number(v: f64) -> String {
    if v.abs() >= 1.0 || v == 0.0 {
        fmt_count(v)
    } else {
        sig3(v)
    }
}

/// Three significant digits, trailing zeros removed: `0.00123`, `0.05`, `1.5`, `52.3`, `100`.
pub(crate) fn sig3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let decimals = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A percentage tick or cell label: `0%`, `0.001%`, `2.5%`, `52.3%`, `100%`.
pub(crate) fn fmt_pct(v: f64) -> String {
    format!("{}%", sig3(v))
}

/// `$1`, `$150,000`, `$0.05`.
pub(crate) fn fmt_usd(v: f64) -> String {
    if v >= 1.0 || v == 0.0 {
        fmt_usd_tick(v)
    } else {
        format!("${}", sig3(v))
    }
}

/// `1234567` -> `1,234,567` (defined with the other message helpers in [`crate::input`]).
pub use crate::input::group;

/// A non-negative float with `decimals` decimals and a grouped integer part:
/// `1234.5678, 3` -> `1,234.568`. Negative or non-finite values print as they are.
pub fn group_f64(x: f64, decimals: usize) -> String {
    if !x.is_finite() || x < 0.0 {
        return format!("{x:.decimals$}");
    }
    let s = format!("{x:.decimals$}");
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let grouped = match int.parse::<u64>() {
        Ok(n) => group(n),
        Err(_) => int.to_string(),
    };
    match frac {
        Some(f) => format!("{grouped}.{f}"),
        None => grouped,
    }
}

/// `12,345 (6.2%)`; the share is left out when the whole is zero or the part is zero.
pub(crate) fn count_pct(part: u64, whole: u64) -> String {
    if part == 0 || whole == 0 {
        return group(part);
    }
    let pct = 100.0 * part as f64 / whole as f64;
    if pct < 0.05 {
        format!("{} (<0.1%)", group(part))
    } else {
        format!("{} ({:.1}%)", group(part), pct)
    }
}

/// `$1,234.56`; amounts under a cent but above zero show as `<$0.01`.
pub(crate) fn usd(x: f64) -> String {
    if x > 0.0 && x < 0.005 {
        "<$0.01".to_string()
    } else {
        format!("${}", group_f64(x, 2))
    }
}

/// `120` for whole numbers, else up to three decimals without trailing zeros.
pub(crate) fn plain_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(fmt_count(0.0), "0");
        assert_eq!(fmt_count(20_000.0), "20,000");
        assert_eq!(fmt_count(1_500_000.0), "1.5M");
        assert_eq!(fmt_count(0.5), "0.5");
        assert_eq!(fmt_count(1.5), "1.5");
        assert_eq!(fmt_count(2_500.0), "2,500");
        assert_eq!(fmt_words(88_560.0), "88,560");
        assert_eq!(fmt_words(51_025_485.0), "51.0 million");
        assert_eq!(fmt_words(2_721_359_200.0), "2.72 billion");
    }

    #[test]
    fn significant_digits_percentages_and_dollars() {
        assert_eq!(sig3(0.00123456), "0.00123");
        assert_eq!(sig3(0.05), "0.05");
        assert_eq!(sig3(52.34), "52.3");
        assert_eq!(sig3(100.0), "100");
        assert_eq!(sig3(10f64.powf(-3.0)), "0.001");
        assert_eq!(fmt_pct(0.0), "0%");
        assert_eq!(fmt_pct(2.5), "2.5%");
        assert_eq!(fmt_number(5_000.0), "5,000");
        assert_eq!(fmt_number(0.25), "0.25");
        assert_eq!(fmt_usd(150_000.0), "$150,000");
        assert_eq!(fmt_usd(0.05), "$0.05");
        assert_eq!(fmt_usd(0.0), "$0");
        assert_eq!(fmt_ms(1234.4), "1,234");
        assert_eq!(fmt_ms(0.25), "0.25");
    }

    #[test]
    fn grouping() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(group(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(group_f64(1234.5678, 3), "1,234.568");
        assert_eq!(group_f64(0.5, 0), "0");
        assert_eq!(group_f64(1_000_000.0, 0), "1,000,000");
        assert_eq!(group_f64(12.0, 3), "12.000");
    }

    #[test]
    fn money_and_shares() {
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.001), "<$0.01");
        assert_eq!(usd(77_760.0), "$77,760.00");
        assert_eq!(count_pct(0, 10), "0");
        assert_eq!(count_pct(5, 0), "5");
        assert_eq!(count_pct(1, 1_000_000), "1 (<0.1%)");
        assert_eq!(count_pct(1_200_000, 2_400_000), "1,200,000 (50.0%)");
    }

    #[test]
    fn plain_numbers() {
        assert_eq!(plain_number(120.0), "120");
        assert_eq!(plain_number(0.5), "0.5");
        assert_eq!(plain_number(1.25), "1.25");
    }
}
