//! What the verdict says about KMS calls for objects that were in a bucket before the run:
//! how many of the scenario's calls they are, and how their rate changes from the start of
//! the measured window to its end (it falls as a copy job or the workload rewrites them).

use crate::metrics::results::{KmsSummary, SecondRow};
use crate::report::table::group;

/// Longest stretch compared at each end of the measured window, in seconds.
const WINDOW_SECS: u64 = 60;

/// The sentence, or `None` when no KMS call was for an old object. `v` gives the measured
/// totals; `rows` are time-series rows of `step` seconds, the measured window rows
/// `warm..end`.
pub fn sentence(
    v: &KmsSummary,
    rows: &[SecondRow],
    step: u64,
    warm: u64,
    end: u64,
) -> Option<String> {
    let old = v.for_existing_objects;
    if old == 0 || v.requests == 0 {
        return None;
    }
    let mut s = format!(
        "Reads of objects written before the run made {} of the {} KMS calls ({})",
        group(old),
        group(v.requests),
        share(old, v.requests)
    );
    let measured: Vec<&SecondRow> = rows
        .iter()
        .filter(|r| (warm..end).contains(&(r.second / step.max(1))))
        .collect();
    // At most a quarter of the window at each end, whole rows, at least one.
    let n = ((WINDOW_SECS / step.max(1)).max(1) as usize).min(measured.len() / 4);
    if n > 0 {
        let secs = n as u64 * step.max(1);
        let rate = |rs: &[&SecondRow]| {
            let old: u64 = rs.iter().map(|r| r.kms_for_existing).sum();
            let all: u64 = rs.iter().map(|r| r.kms_requests).sum();
            (old as f64 / secs as f64, share(old, all))
        };
        let (first, first_share) = rate(&measured[..n]);
        let (last, last_share) = rate(&measured[measured.len() - n..]);
        s.push_str(&format!(
            ": {}/s ({first_share} of the calls) over the first {} of the measured time, {}/s \
             ({last_share}) over the last",
            per_second(first),
            span(secs),
            per_second(last)
        ));
    }
    s.push('.');
    Some(s)
}

fn share(part: u64, all: u64) -> String {
    if all == 0 {
        return "none".to_string();
    }
    let p = 100.0 * part as f64 / all as f64;
    if p > 0.0 && p < 0.05 {
        "<0.1%".to_string()
    } else {
        format!("{p:.1}%")
    }
}

fn per_second(x: f64) -> String {
    if x >= 100.0 {
        group(x.round() as u64)
    } else {
        format!("{x:.1}")
    }
}

fn span(secs: u64) -> String {
    if secs.is_multiple_of(60) {
        let m = secs / 60;
        if m == 1 {
            "minute".to_string()
        } else {
            format!("{m} minutes")
        }
    } else {
        format!("{secs} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(old: &[u64], all: &[u64]) -> Vec<SecondRow> {
        old.iter()
            .zip(all)
            .enumerate()
            .map(|(i, (&o, &a))| SecondRow {
                second: i as u64,
                kms_for_existing: o,
                kms_requests: a,
                generate_data_key: a,
                ..SecondRow::default()
            })
            .collect()
    }

    #[test]
    fn first_and_last_stretch_of_the_measured_window() {
        // 8 measured seconds after 2 of warm-up: two-second ends (a quarter of 8).
        let old = [9, 9, 10, 10, 8, 6, 4, 4, 2, 2];
        let all = [20, 20, 20, 20, 20, 20, 20, 20, 20, 20];
        let v = KmsSummary {
            for_existing_objects: old[2..].iter().sum(),
            requests: all[2..].iter().sum(),
            ..KmsSummary::default()
        };
        let s = sentence(&v, &rows(&old, &all), 1, 2, 10).unwrap();
        assert_eq!(
            s,
            "Reads of objects written before the run made 46 of the 160 KMS calls (28.8%): \
             10.0/s (50.0% of the calls) over the first 2 s of the measured time, 2.0/s \
             (10.0%) over the last."
        );
    }

    #[test]
    fn nothing_said_without_calls_for_old_objects_and_no_ends_for_a_short_window() {
        let mut v = KmsSummary {
            requests: 10,
            ..KmsSummary::default()
        };
        assert_eq!(sentence(&v, &rows(&[0; 3], &[5; 3]), 1, 0, 3), None);
        v.for_existing_objects = 5;
        assert_eq!(
            sentence(&v, &rows(&[2, 2, 1], &[5; 3]), 1, 0, 3).unwrap(),
            "Reads of objects written before the run made 5 of the 10 KMS calls (50.0%)."
        );
    }
}
