//! Units in the file format: durations (`"250ms"`, `"1.5s"`, `"5m"`), sizes (`"256KiB"`,
//! `"100KB"`, or an integer number of bytes) and byte rates (`"100MiB/s"`). Parsed exactly
//! (decimal arithmetic, no float rounding) into nanoseconds and bytes.

use crate::engine::time::Nanos;

/// Why a string is not a valid quantity: a message and, when useful, a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitError {
    pub message: String,
    pub hint: Option<String>,
}

const DURATION_UNITS: &str = "use ns, us, ms, s, m, h, d";
const SIZE_UNITS: &str = "use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, or an integer number of bytes";

/// Splits `"1.5 ms"` into the decimal number and the unit (trimmed). Errors name `what`.
fn split_number<'a>(s: &'a str, what: &str) -> Result<(&'a str, &'a str), UnitError> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(UnitError {
            message: format!("'{s}' is not {what}: negative values are not allowed"),
            hint: None,
        });
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(end);
    let valid = !num.is_empty()
        && num.matches('.').count() <= 1
        && !num.starts_with('.')
        && !num.ends_with('.')
        && !num.starts_with('_')
        && !num.ends_with('_')
        && !num.contains("__")
        && !num.contains("._")
        && !num.contains("_.");
    if !valid {
        return Err(UnitError {
            message: format!("'{s}' is not {what}: expected a number followed by a unit"),
            hint: None,
        });
    }
    Ok((num, unit.trim()))
}

/// `num` (digits, optional `.` and fraction) times `scale`, rounded to the nearest integer.
fn scale_decimal(num: &str, scale: u128) -> Option<u128> {
    let num: String = num.chars().filter(|c| *c != '_').collect();
    let (int, frac) = num.split_once('.').unwrap_or((&num, ""));
    let int: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut value = int.checked_mul(scale)?;
    if !frac.is_empty() {
        // Digits past the 20th cannot change the result at nanosecond or byte precision.
        let frac = &frac[..frac.len().min(20)];
        let digits: u128 = frac.parse().ok()?;
        let denom = 10u128.checked_pow(frac.len() as u32)?;
        let scaled = digits.checked_mul(scale)?;
        value = value.checked_add((scaled + denom / 2) / denom)?;
    }
    Some(value)
}

/// Parses a duration string into nanoseconds: `"250ms"`, `"1.5s"`, `"5m"`, `"5min"`, `"2h"`,
/// `"30d"`, `"100us"`, `"100µs"`, `"10ns"` and `"0"`.
pub fn parse_duration(s: &str) -> Result<Nanos, UnitError> {
    const WHAT: &str = "a duration";
    let (num, unit) = split_number(s, WHAT)?;
    let scale: u128 = match unit {
        "ns" => 1,
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "d" => 86_400_000_000_000,
        "" => {
            if scale_decimal(num, 1) == Some(0) {
                return Ok(0);
            }
            return Err(UnitError {
                message: format!("'{s}' is not {WHAT}: the unit is missing"),
                hint: Some(DURATION_UNITS.to_string()),
            });
        }
        other => {
            return Err(UnitError {
                message: format!("'{s}' is not {WHAT}: unknown unit '{other}'"),
                hint: Some(DURATION_UNITS.to_string()),
            });
        }
    };
    scale_decimal(num, scale)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| UnitError {
            message: format!("'{s}' is too long a duration"),
            hint: None,
        })
}

/// Parses a size string into bytes: `"256KiB"`, `"8MiB"`, `"1GiB"`, `"1TiB"`, `"100KB"`
/// (decimal), `"1MB"`, `"512B"`, or a bare number of bytes (`"4096"`). Units are not case
/// sensitive. Fractions (`"1.5KiB"`) are rounded to the nearest byte.
pub fn parse_size(s: &str) -> Result<u64, UnitError> {
    const WHAT: &str = "a size";
    let (num, unit) = split_number(s, WHAT)?;
    let scale: u128 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => {
            return Err(UnitError {
                message: format!("'{s}' is not {WHAT}: unknown unit '{unit}'"),
                hint: Some(SIZE_UNITS.to_string()),
            });
        }
    };
    scale_decimal(num, scale)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| UnitError {
            message: format!("'{s}' is too large a size"),
            hint: None,
        })
}

/// Parses a byte rate: `"100MiB/s"` (any size unit, then `/s`), or `"unlimited"` (`None`).
pub fn parse_byte_rate(s: &str) -> Result<Option<f64>, UnitError> {
    let t = s.trim();
    if t == "unlimited" {
        return Ok(None);
    }
    let Some(size) = t.strip_suffix("/s") else {
        return Err(UnitError {
            message: format!("'{s}' is not a transfer rate"),
            hint: Some("write a size per second such as \"100MiB/s\", or \"unlimited\"".into()),
        });
    };
    let bytes = parse_size(size).map_err(|e| UnitError {
        message: format!("'{s}' is not a transfer rate: {}", e.message),
        hint: e.hint,
    })?;
    if bytes == 0 {
        return Err(UnitError {
            message: format!("'{s}' is not a usable transfer rate: it must be greater than 0"),
            hint: Some("use \"unlimited\" for no transfer time".into()),
        });
    }
    Ok(Some(bytes as f64))
}

/// Formats nanoseconds in the largest unit that keeps it exact (`"5m"`, `"250ms"`).
pub fn format_duration(ns: Nanos) -> String {
    const UNITS: [(u64, &str); 7] = [
        (86_400_000_000_000, "d"),
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ];
    if ns == 0 {
        return "0s".into();
    }
    for (scale, unit) in UNITS {
        if ns.is_multiple_of(scale) {
            return format!("{}{unit}", ns / scale);
        }
    }
    unreachable!("1 divides everything")
}

/// Formats bytes in the largest binary unit that keeps it exact (`"256KiB"`, `"1000B"`).
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    for (scale, unit) in UNITS {
        if bytes != 0 && bytes.is_multiple_of(scale) {
            return format!("{}{unit}", bytes / scale);
        }
    }
    format!("{bytes}B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(250_000_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_duration("5m"), Ok(300_000_000_000));
        assert_eq!(parse_duration("5min"), Ok(300_000_000_000));
        assert_eq!(parse_duration("2h"), Ok(7_200_000_000_000));
        assert_eq!(parse_duration("30d"), Ok(2_592_000_000_000_000));
        assert_eq!(parse_duration("100us"), Ok(100_000));
        assert_eq!(parse_duration("100µs"), Ok(100_000));
        assert_eq!(parse_duration("10ns"), Ok(10));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("0ms"), Ok(0));
        assert_eq!(parse_duration(" 2 s "), Ok(2_000_000_000));
        assert_eq!(parse_duration("0.0000000015s"), Ok(2)); // rounded to the nearest ns
        assert_eq!(parse_duration("1_000ms"), Ok(1_000_000_000));
    }

    #[test]
    fn bad_durations() {
        let e = parse_duration("5 parsecs").unwrap_err();
        assert_eq!(
            e.message,
            "'5 parsecs' is not a duration: unknown unit 'parsecs'"
        );
        assert_eq!(e.hint.as_deref(), Some("use ns, us, ms, s, m, h, d"));
        assert!(
            parse_duration("5")
                .unwrap_err()
                .message
                .contains("unit is missing")
        );
        assert!(
            parse_duration("-5s")
                .unwrap_err()
                .message
                .contains("negative")
        );
        for bad in [
            "", "s", ".5s", "5.s", "1.2.3s", "ms5", "1e3s", "nan", "inf", "_1s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(
            parse_duration("300000d")
                .unwrap_err()
                .message
                .contains("too long")
        );
        assert!(parse_duration("99999999999999999999999999999999999999999s").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("256KiB"), Ok(262_144));
        assert_eq!(parse_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("1TiB"), Ok(1 << 40));
        assert_eq!(parse_size("100KB"), Ok(100_000));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("512B"), Ok(512));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1.5KiB"), Ok(1536));
        assert_eq!(parse_size("8mib"), Ok(8 << 20));
        assert_eq!(parse_size("0B"), Ok(0));
        let e = parse_size("5 furlongs").unwrap_err();
        assert!(e.message.contains("unknown unit 'furlongs'"));
        assert!(parse_size("-1KiB").is_err());
        assert!(parse_size("20000000TiB").is_err());
    }

    #[test]
    fn byte_rates() {
        assert_eq!(parse_byte_rate("unlimited"), Ok(None));
        assert_eq!(parse_byte_rate("100MiB/s"), Ok(Some(104_857_600.0)));
        assert_eq!(parse_byte_rate("1GB/s"), Ok(Some(1e9)));
        assert!(parse_byte_rate("100MiB").is_err());
        assert!(parse_byte_rate("0MiB/s").is_err());
        assert!(parse_byte_rate("fast/s").is_err());
    }

    #[test]
    fn formatting_round_trips() {
        for s in [
            "5m", "250ms", "1s", "23h", "30d", "100us", "7ns", "0s", "90s",
        ] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
        for s in ["256KiB", "8MiB", "1GiB", "1TiB", "1000B", "0B"] {
            assert_eq!(format_size(parse_size(s).unwrap()), s);
        }
    }
}
