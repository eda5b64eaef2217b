//! `timeseries.csv`: one row per variant per simulated second, variants in the order they
//! were declared, seconds ascending. The columns are `variant`, then every field of
//! [`SecondRow`] in declaration order. Counts cover all traffic of the second, warm-up and
//! drain included; `in_flight` is the number of requests not yet finished at the end of the
//! second. Long runs keep one row per `step` seconds ([`timeseries_step`]): the second column
//! is then named `second_step_<step>s` (e.g. `second_step_60s`), each row starts at the
//! second it names and its counts are totals over its `step` seconds.
//! RFC 4180: comma separated, `\n` line ends, a variant name is quoted only if it needs to be.
//!
//! Rows are [`SecondRow`]s both ways: [`timeseries_csv`] writes them, [`parse_timeseries`]
//! reads them back (checking the header, every count's bound and that the KMS columns add
//! up).
//!
//! [`timeseries_step`]: crate::metrics::collector::timeseries_step

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use super::{LoadError, csv_field, split_csv, truncate};
use crate::metrics::results::{RunResults, SecondRow};
use crate::report::SUMMARY_FILE;
use crate::report::plausible::{self, Quantity};

/// Column names, in order.
pub const TIMESERIES_COLUMNS: [&str; 17] = [
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
    "kms_for_existing",
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

/// Columns a file written before they existed may lack (read as zeros).
const ADDED_COLUMNS: [&str; 1] = ["kms_for_existing"];

/// The step and the indices (into [`TIMESERIES_COLUMNS`]) of the columns after `variant` that
/// a header line names: today's header, or one written before [`ADDED_COLUMNS`] existed.
fn columns_of(line: &str) -> Option<(u64, Vec<usize>)> {
    let names: Vec<&str> = line.split(',').collect();
    let step = step_of_column(names.get(1)?)?;
    let all = 1..TIMESERIES_COLUMNS.len();
    if line == header(step) {
        return Some((step, all.collect()));
    }
    let older: Vec<usize> = all
        .filter(|&i| !ADDED_COLUMNS.contains(&TIMESERIES_COLUMNS[i]))
        .collect();
    let matches = names.len() == older.len() + 1
        && names[0] == TIMESERIES_COLUMNS[0]
        && older
            .iter()
            .zip(&names[1..])
            .all(|(&i, n)| i == 1 || TIMESERIES_COLUMNS[i] == *n);
    matches.then_some((step, older))
}

/// The header line (without its line end) for rows of `step` seconds.
pub fn header(step: u64) -> String {
    let mut cols: Vec<String> = TIMESERIES_COLUMNS.iter().map(|c| c.to_string()).collect();
    cols[1] = second_column(step);
    cols.join(",")
}

/// The text of `timeseries.csv` for a run.
pub fn timeseries_csv(r: &RunResults) -> String {
    let step = r.variants.first().map_or(1, |v| v.timeseries_step);
    write_timeseries(
        step,
        r.variants
            .iter()
            .map(|v| (v.summary.name.as_str(), v.timeseries.as_slice())),
    )
}

/// The text of `timeseries.csv` for rows of `step` seconds: each variant's name with its
/// rows, in the order given.
pub fn write_timeseries<'a>(
    step: u64,
    variants: impl IntoIterator<Item = (&'a str, &'a [SecondRow])> + Clone,
) -> String {
    let rows: usize = variants.clone().into_iter().map(|(_, r)| r.len()).sum();
    let mut out = String::with_capacity(64 * (rows + 1));
    out.push_str(&header(step));
    out.push('\n');
    for (name, rows) in variants {
        let name = csv_field(name);
        for row in rows {
            out.push_str(&name);
            for n in row_values(row) {
                let _ = write!(out, ",{n}");
            }
            out.push('\n');
        }
    }
    out
}

fn row_values(r: &SecondRow) -> [u64; 16] {
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
        r.kms_for_existing,
        r.background_requests,
        r.slowdown_kms,
        r.slowdown_prefix,
        r.in_flight,
    ]
}

/// Parses `timeseries.csv` text into its step (seconds per row, from the second column's
/// name) and rows per variant name; `path` is for messages. A
/// variant not in `variants`, a row past `last_second`, a count outside
/// [`plausible::timeseries_quantity`]'s bound or KMS columns that do not add up is an error naming the
/// line and column (so rows are at most `variants.len() × (last_second + 1)`).
pub fn parse_timeseries(
    path: &Path,
    text: &str,
    variants: &[&str],
    last_second: u64,
) -> Result<(u64, BTreeMap<String, Vec<SecondRow>>), LoadError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let expected = TIMESERIES_COLUMNS.join(",");
    let (step, columns) = match lines.next().map(|(n, l)| (n, l, columns_of(l))) {
        Some((_, _, Some(found))) => found,
        Some((n, l, None)) => {
            return Err(LoadError::corrupt(
                path,
                n,
                format!("header is '{}', expected '{expected}'", truncate(l, 80)),
            ));
        }
        None => return Err(LoadError::corrupt(path, 0, "empty file")),
    };
    let mut out: BTreeMap<String, Vec<SecondRow>> = BTreeMap::new();
    for (n, line) in lines {
        if line.is_empty() {
            continue;
        }
        let fields = split_csv(line).map_err(|m| LoadError::corrupt(path, n, m))?;
        if fields.len() != columns.len() + 1 {
            return Err(LoadError::corrupt(
                path,
                n,
                format!("{} fields, expected {}", fields.len(), columns.len() + 1),
            ));
        }
        let mut nums = [0u64; 16];
        for (&c, f) in columns.iter().zip(&fields[1..]) {
            let i = c - 1;
            let column = TIMESERIES_COLUMNS[c];
            nums[i] = f.parse().map_err(|_| {
                LoadError::corrupt(
                    path,
                    n,
                    format!(
                        "column '{column}': '{}' is not a whole number",
                        truncate(f, 40)
                    ),
                )
            })?;
            let bound = if i == 0 {
                Quantity::Whole(last_second as f64)
            } else {
                plausible::timeseries_quantity(step)
            };
            bound.check(nums[i] as f64).map_err(|e| {
                LoadError::corrupt(
                    path,
                    n,
                    format!("implausible value: column '{column}' = {e}"),
                )
            })?;
        }
        let row = SecondRow {
            second: nums[0],
            put_offered: nums[1],
            put_completed: nums[2],
            put_failed: nums[3],
            get_offered: nums[4],
            get_completed: nums[5],
            get_failed: nums[6],
            kms_requests: nums[7],
            kms_throttled: nums[8],
            generate_data_key: nums[9],
            decrypt: nums[10],
            kms_for_existing: nums[11],
            background_requests: nums[12],
            slowdown_kms: nums[13],
            slowdown_prefix: nums[14],
            in_flight: nums[15],
        };
        if row.kms_throttled > row.kms_requests
            || row.kms_for_existing > row.kms_requests
            || row.generate_data_key + row.decrypt != row.kms_requests
        {
            return Err(LoadError::corrupt(
                path,
                n,
                format!(
                    "column 'kms_requests' = {} does not add up: {} throttled, {} for existing \
                     objects, generate_data_key + decrypt = {}",
                    row.kms_requests,
                    row.kms_throttled,
                    row.kms_for_existing,
                    row.generate_data_key + row.decrypt
                ),
            ));
        }
        if !variants.contains(&fields[0].as_str()) {
            return Err(LoadError::corrupt(
                path,
                n,
                format!(
                    "column 'variant': '{}' is not a variant of {SUMMARY_FILE}",
                    crate::input::escape_controls(&truncate(&fields[0], 60))
                ),
            ));
        }
        let rows = out.entry(fields[0].clone()).or_default();
        if let Some(last) = rows.last()
            && row.second <= last.second
        {
            return Err(LoadError::corrupt(
                path,
                n,
                format!(
                    "second {} of variant '{}' follows second {}",
                    row.second, fields[0], last.second
                ),
            ));
        }
        rows.push(row);
    }
    Ok((step, out))
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
            kms_for_existing: 12,
            background_requests: 13,
            slowdown_kms: 14,
            slowdown_prefix: 15,
            in_flight: 16,
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
    fn timeseries_errors_name_file_and_line() {
        let p = Path::new("timeseries.csv");
        let head = TIMESERIES_COLUMNS.join(",");
        let row = "v,0,1,1,0,0,0,0,1,0,1,0,0,0,0,0,0";
        let (step, ok) = parse_timeseries(p, &format!("{head}\n{row}\n"), &["v"], 100).unwrap();
        assert_eq!((step, ok["v"].len()), (1, 1));
        let coarse = header(60);
        let row60 = "v,60,1,1,0,0,0,0,1,0,1,0,0,0,0,0,0";
        let (step, ok) =
            parse_timeseries(p, &format!("{coarse}\n{row}\n{row60}\n"), &["v"], 100).unwrap();
        assert_eq!((step, ok["v"][1].second), (60, 60));
        let e = parse_timeseries(p, &format!("{head}\n{row}\nv,1,2\n"), &["v"], 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "timeseries.csv, line 3: 3 fields, expected 17"
        );
        let e = parse_timeseries(p, &format!("{head}\n{row}\n{row}\n"), &["v"], 100).unwrap_err();
        assert!(e.to_string().contains("line 3: second 0"), "{e}");
        let e = parse_timeseries(p, "a,b\n", &["v"], 100).unwrap_err();
        assert!(e.to_string().contains("line 1: header"), "{e}");
        let e = parse_timeseries(
            p,
            &format!("{head}\n{}", row.replace(",1,0,1,", ",x,0,1,")),
            &["v"],
            100,
        )
        .unwrap_err();
        assert!(e.to_string().contains("'x' is not a whole number"), "{e}");
        // Rows of an unknown variant, past the last second, or with KMS columns that do not
        // add up, are refused at their line.
        let e = parse_timeseries(
            p,
            &format!("{head}\n{row}\nw,0,1,1,0,0,0,0,1,0,1,0,0,0,0,0,0\n"),
            &["v"],
            100,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("timeseries.csv, line 3: column 'variant': 'w' is not a variant"),
            "{e}"
        );
        let e = parse_timeseries(
            p,
            &format!("{head}\n{}", row.replacen(",0,", ",101,", 1)),
            &["v"],
            100,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: implausible value: column 'second' = 101"),
            "{e}"
        );
        let e = parse_timeseries(
            p,
            &format!("{head}\n{}", row.replace(",1,0,1,0,", ",1,2,1,0,")),
            &["v"],
            100,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: column 'kms_requests' = 1 does not add up"),
            "{e}"
        );
        // More calls for old objects than calls.
        let e = parse_timeseries(
            p,
            &format!("{head}\n{}", row.replace(",1,0,1,0,0,", ",1,0,1,0,2,")),
            &["v"],
            100,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains(
                "line 2: column 'kms_requests' = 1 does not add up: 0 throttled, 2 for existing"
            ),
            "{e}"
        );
    }

    #[test]
    fn files_written_before_kms_for_existing_read_it_as_zero() {
        let p = Path::new("timeseries.csv");
        let old_head: Vec<&str> = TIMESERIES_COLUMNS
            .iter()
            .copied()
            .filter(|c| *c != "kms_for_existing")
            .collect();
        let old_row = "v,0,1,1,0,0,0,0,1,0,1,0,0,0,0,7";
        let (_, rows) = parse_timeseries(
            p,
            &format!("{}\n{old_row}\n", old_head.join(",")),
            &["v"],
            100,
        )
        .unwrap();
        let r = rows["v"][0];
        assert_eq!((r.kms_requests, r.kms_for_existing, r.in_flight), (1, 0, 7));
        // The same with 60-second rows; a row of today's length under the old header is not.
        let coarse = old_head.join(",").replace(",second,", ",second_step_60s,");
        assert!(parse_timeseries(p, &format!("{coarse}\n{old_row}\n"), &["v"], 100).is_ok());
        let e = parse_timeseries(
            p,
            &format!(
                "{}\nv,0,1,1,0,0,0,0,1,0,1,0,0,0,0,0,0\n",
                old_head.join(",")
            ),
            &["v"],
            100,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "timeseries.csv, line 2: 17 fields, expected 16"
        );
    }

    #[test]
    fn written_then_read_are_the_same_rows() {
        let run = crate::report::charts::tests::synthetic(&["per-object", "a,\"b\""], 5, 100, true);
        let names: Vec<&str> = run
            .summary
            .variants
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        for step in [1, 60] {
            let text = write_timeseries(
                step,
                names
                    .iter()
                    .copied()
                    .zip(run.timeseries.iter().map(Vec::as_slice)),
            );
            let (back_step, mut back) =
                parse_timeseries(Path::new("timeseries.csv"), &text, &names, 100).unwrap();
            assert_eq!(back_step, step);
            for (name, rows) in names.iter().zip(&run.timeseries) {
                assert_eq!(back.remove(*name).as_ref(), Some(rows), "{name}");
            }
            assert!(back.is_empty());
        }
    }
}
