//! `timeseries.csv`: one row per variant per simulated second, variants in the order they
//! were declared, seconds ascending. The columns are `variant`, then every field of
//! [`SecondRow`] in declaration order. Counts cover all traffic of the second, warm-up and
//! drain included; `in_flight` is the number of requests not yet finished at the end of the
//! second. Long runs keep one row per `step` seconds ([`timeseries_step`]): the second column
//! is then named `second_step_<step>s` (e.g. `second_step_60s`), each row starts at the
//! second it names and its counts are totals over its `step` seconds.
//! RFC 4180: comma separated, `\n` line ends, a variant name is quoted only if it needs to be.
//!
//! [`timeseries_step`]: crate::metrics::collector::timeseries_step

use std::fmt::Write;

use crate::metrics::results::{RunResults, SecondRow};

/// Column names, in order.
pub const TIMESERIES_COLUMNS: [&str; 16] = [
    "variant",
    "second",
    "put_offered",
    "put_completed",
    "put_failed",
    "get_offered",
    "get_completed",
    "get_failed",
    "kms_requests",
    "kms_throttled",
    "generate_data_key",
    "decrypt",
    "background_requests",
    "slowdown_kms",
    "slowdown_prefix",
    "in_flight",
];

/// The name of the second column for rows of `step` seconds.
pub fn second_column(step: u64) -> String {
    if step == 1 {
        TIMESERIES_COLUMNS[1].to_string()
    } else {
        format!("second_step_{step}s")
    }
}

/// The step a second column's name gives (`second` is 1), or `None` if it is not one.
pub fn step_of_column(name: &str) -> Option<u64> {
    if name == TIMESERIES_COLUMNS[1] {
        return Some(1);
    }
    let n = name.strip_prefix("second_step_")?.strip_suffix('s')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok().filter(|&s| s > 0)
}

/// The header line (without its line end) for rows of `step` seconds.
pub fn header(step: u64) -> String {
    let mut cols: Vec<String> = TIMESERIES_COLUMNS.iter().map(|c| c.to_string()).collect();
    cols[1] = second_column(step);
    cols.join(",")
}

/// The text of `timeseries.csv` for a run.
pub fn timeseries_csv(r: &RunResults) -> String {
    let rows: usize = r.variants.iter().map(|v| v.timeseries.len()).sum();
    let step = r.variants.first().map_or(1, |v| v.timeseries_step);
    let mut out = String::with_capacity(64 * (rows + 1));
    out.push_str(&header(step));
    out.push('\n');
    for v in &r.variants {
        let name = csv_field(&v.summary.name);
        for row in &v.timeseries {
            out.push_str(&name);
            for n in row_values(row) {
                let _ = write!(out, ",{n}");
            }
            out.push('\n');
        }
    }
    out
}

fn row_values(r: &SecondRow) -> [u64; 15] {
    [
        r.second,
        r.put_offered,
        r.put_completed,
        r.put_failed,
        r.get_offered,
        r.get_completed,
        r.get_failed,
        r.kms_requests,
        r.kms_throttled,
        r.generate_data_key,
        r.decrypt,
        r.background_requests,
        r.slowdown_kms,
        r.slowdown_prefix,
        r.in_flight,
    ]
}

/// Quotes a field if it contains a comma, a quote or a line break (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_every_second_row_field_in_order() {
        // A struct serialises its fields in declaration order (all values are plain numbers),
        // so a field added to the contract without a column fails here.
        let json = serde_json::to_string(&SecondRow::default()).unwrap();
        let declared: Vec<&str> = json
            .trim_matches(|c| c == '{' || c == '}')
            .split(',')
            .map(|kv| kv.split(':').next().unwrap().trim_matches('"'))
            .collect();
        assert_eq!(&TIMESERIES_COLUMNS[1..], declared.as_slice());
    }

    #[test]
    fn values_follow_columns() {
        let row = SecondRow {
            second: 1,
            put_offered: 2,
            put_completed: 3,
            put_failed: 4,
            get_offered: 5,
            get_completed: 6,
            get_failed: 7,
            kms_requests: 8,
            kms_throttled: 9,
            generate_data_key: 10,
            decrypt: 11,
            background_requests: 12,
            slowdown_kms: 13,
            slowdown_prefix: 14,
            in_flight: 15,
        };
        let v = serde_json::to_value(row).unwrap();
        for (i, n) in row_values(&row).iter().enumerate() {
            assert_eq!(
                v[TIMESERIES_COLUMNS[i + 1]],
                *n,
                "{}",
                TIMESERIES_COLUMNS[i + 1]
            );
        }
    }

    #[test]
    fn step_is_in_the_second_column_name() {
        assert_eq!(header(1), TIMESERIES_COLUMNS.join(","));
        assert!(header(60).starts_with("variant,second_step_60s,put_offered,"));
        for step in [1, 10, 60, 300, 3600] {
            assert_eq!(step_of_column(&second_column(step)), Some(step));
        }
        for bad in [
            "seconds",
            "second_step_s",
            "second_step_0s",
            "second_step_6x0s",
        ] {
            assert_eq!(step_of_column(bad), None, "{bad}");
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(csv_field("per-object"), "per-object");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
