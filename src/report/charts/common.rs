//! What the run charts share beyond the chart toolkit ([`crate::chart`]): the time axis with
//! its binning of long time series, and the facts of a results directory ([`RunView`]) that
//! titles, subtitles and legends use.

use crate::chart::nice_step;
use crate::report::load::LoadedRun;

/// The time axis: seconds, or minutes for runs longer than 30 minutes.
pub(crate) struct TimeAxis {
    /// Seconds per axis unit.
    pub unit: f64,
    pub desc: &'static str,
    /// Seconds per plotted point (1 unless the run is long enough to bin); a multiple of
    /// `step`.
    pub bin: u64,
    /// Seconds per time-series row (1 unless the run was long).
    pub step: u64,
}

/// At most this many points per line; longer series are averaged over bins.
pub(crate) const MAX_POINTS: usize = 1500;

impl TimeAxis {
    /// The axis for `n` seconds of rows of `step` seconds each.
    pub fn for_seconds(n: u64, step: u64) -> TimeAxis {
        let step = step.max(1);
        let bin = ((n as usize).div_ceil(MAX_POINTS).max(1) as u64).next_multiple_of(step);
        if n > 1800 {
            TimeAxis {
                unit: 60.0,
                desc: "simulated time (min)",
                bin,
                step,
            }
        } else {
            TimeAxis {
                unit: 1.0,
                desc: "simulated time (s)",
                bin,
                step,
            }
        }
    }

    /// `(x, mean value per second)` over bins of `self.bin` seconds. `rows` must be sorted
    /// by second (each row a total over `self.step` seconds); missing seconds count as zero.
    pub fn points<T>(
        &self,
        rows: &[T],
        second: fn(&T) -> u64,
        value: impl Fn(&T) -> f64,
    ) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        let mut cur: Option<(u64, f64)> = None;
        for r in rows {
            let b = second(r) / self.bin;
            match &mut cur {
                Some((cb, sum)) if *cb == b => *sum += value(r),
                _ => {
                    if let Some((cb, sum)) = cur.take() {
                        out.push(((cb * self.bin) as f64 / self.unit, sum / self.bin as f64));
                    }
                    cur = Some((b, value(r)));
                }
            }
        }
        if let Some((cb, sum)) = cur {
            out.push(((cb * self.bin) as f64 / self.unit, sum / self.bin as f64));
        }
        out
    }

    /// Ticks for an axis from 0 to `end` (axis units).
    pub fn ticks(&self, end: f64) -> Vec<f64> {
        let step = nice_step(end / 8.0);
        let n = (end / step).floor() as i64;
        (0..=n).map(|i| i as f64 * step).collect()
    }

    /// Per-second rates are averaged when binned; say so, and say when the time series
    /// itself has rows of more than a second.
    pub fn rate_note(&self) -> String {
        if self.step > 1 {
            format!(
                ", time series in {}-s rows, mean per {}-s bin",
                self.step, self.bin
            )
        } else if self.bin > 1 {
            format!(", mean per {}-s bin", self.bin)
        } else {
            String::new()
        }
    }
}

/// Facts every chart's subtitle or legend may use.
pub(crate) struct RunView<'a> {
    pub run: &'a LoadedRun,
    /// The end of the last row in any variant's time series, in seconds.
    pub end_second: u64,
}

impl<'a> RunView<'a> {
    pub fn new(run: &'a LoadedRun) -> RunView<'a> {
        let end_second = run
            .timeseries
            .iter()
            .filter_map(|rows| rows.last().map(|r| r.second + run.timeseries_step.max(1)))
            .max()
            .unwrap_or(1);
        RunView { run, end_second }
    }

    pub fn scenario(&self) -> &str {
        &self.run.summary.scenario
    }

    /// The scenario's description, or its name when it has none.
    pub fn description(&self) -> String {
        let d = self.run.summary.description.trim();
        if d.is_empty() {
            format!("scenario {}", self.scenario())
        } else {
            d.to_string()
        }
    }

    /// A parameter's value in the first variant that has it.
    pub fn parameter(&self, path: &str) -> Option<&str> {
        self.run
            .summary
            .variants
            .iter()
            .flat_map(|v| &v.parameters)
            .find(|p| p.path == path)
            .map(|p| p.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binning_averages() {
        let t = TimeAxis {
            unit: 1.0,
            desc: "",
            bin: 2,
            step: 1,
        };
        let rows = [(0u64, 2.0), (1, 4.0), (2, 6.0)];
        let p = t.points(&rows, |r| r.0, |r| r.1);
        assert_eq!(p, vec![(0.0, 3.0), (2.0, 3.0)]);
        // Rows of 60 s holding totals: a 3-day run bins them by 180 s (a multiple of 60), and
        // a bin's point is its mean per second: (600 + 1200 + 1800) / 180 = 20.
        let t = TimeAxis::for_seconds(3 * 86_400, 60);
        assert_eq!((t.bin, t.step), (180, 60));
        let rows = [(0u64, 600.0), (60, 1200.0), (120, 1800.0), (180, 60.0)];
        let p = t.points(&rows, |r| r.0, |r| r.1);
        assert_eq!(p, vec![(0.0, 20.0), (3.0, 60.0 / 180.0)]);
        assert!(t.rate_note().contains("60-s rows"), "{}", t.rate_note());
    }
}
