//! Value scales and axes: linear or logarithmic [`Scale`]s with their tick positions and
//! labels, round ("nice") steps, and the plotters axis with explicit ticks ([`Axis`]).

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// A value axis, linear or logarithmic. Charts plot `map(value)`; on a log axis that is
/// `log10(value)`, with values at or below `lo` (zeros included) drawn at `lo`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scale {
    pub log: bool,
    /// Lowest value shown (0 on a linear axis).
    pub lo: f64,
    /// Highest value shown.
    pub hi: f64,
    /// Log axis only: zeros are drawn at `lo`, which is labelled "0".
    pub zero_floor: bool,
}

/// Peaks differing by this factor or more get a log axis.
pub(crate) const LOG_RATIO: f64 = 20.0;

impl Scale {
    /// A linear axis from 0 to a round number at or above `max` (plus `pad`, a fraction).
    pub fn linear(max: f64, pad: f64) -> Scale {
        let max = if max > 0.0 && max.is_finite() {
            max
        } else {
            1.0
        };
        let step = nice_step(max * (1.0 + pad) / 5.0);
        Scale {
            log: false,
            lo: 0.0,
            hi: (max * (1.0 + pad) / step).ceil() * step,
            zero_floor: false,
        }
    }

    /// A log axis from the decade at or below `min_pos` to the round number (1, 2 or 5 times
    /// a power of ten) at or above `max` times `1 + pad`. With `zero_floor`, one more half decade below takes the zeros.
    pub fn log(min_pos: f64, max: f64, pad: f64, zero_floor: bool) -> Scale {
        let min_pos = if min_pos > 0.0 { min_pos } else { 1.0 };
        let max = max.max(min_pos);
        let mut lo = 10f64.powf(min_pos.log10().floor());
        if zero_floor {
            lo /= 3.0;
        }
        let hi = nice_ceil(max * (1.0 + pad));
        Scale {
            log: true,
            lo,
            hi,
            zero_floor,
        }
    }

    /// For lines with the given `peaks` (each line's maximum) and `floor` (the smallest
    /// positive value of any line): log when the largest peak is [`LOG_RATIO`] times the
    /// smallest positive one or more, reaching down to `floor` so no positive value is drawn
    /// as zero; else linear. `extra` values (a quota line) must fit but do not decide.
    pub fn auto(peaks: &[f64], floor: f64, extra: &[f64], pad: f64, zero_floor: bool) -> Scale {
        let max = peaks
            .iter()
            .chain(extra)
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let min_peak = peaks
            .iter()
            .copied()
            .filter(|v| *v > 0.0 && v.is_finite())
            .fold(f64::INFINITY, f64::min);
        let top = peaks.iter().copied().fold(0.0, f64::max);
        if min_peak.is_finite() && top / min_peak >= LOG_RATIO {
            let floor = if floor > 0.0 {
                floor.min(min_peak)
            } else {
                min_peak
            };
            Scale::log(floor, max, pad, zero_floor)
        } else {
            Scale::linear(max, pad)
        }
    }

    /// The smallest positive value of `lines` (infinity when there is none).
    pub fn min_positive(lines: &[Vec<(f64, f64)>]) -> f64 {
        lines
            .iter()
            .flatten()
            .map(|p| p.1)
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min)
    }

    /// The plotted coordinate of `v`.
    pub fn map(&self, v: f64) -> f64 {
        if self.log { v.max(self.lo).log10() } else { v }
    }

    /// The coordinate range of the axis.
    pub fn range(&self) -> Range<f64> {
        self.map(self.lo)..self.map(self.hi)
    }

    /// Tick positions (plotted coordinates).
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let mut t: Vec<f64> = Vec::new();
            if self.zero_floor {
                t.push(self.lo.log10());
            }
            let first = self.lo.log10().ceil() as i32;
            let last = self.hi.log10().floor() as i32;
            let decades = last - first;
            for d in first..=last {
                t.push(d as f64);
                if decades <= 2 {
                    for m in [2.0f64, 5.0] {
                        let v = 10f64.powi(d) * m;
                        if v <= self.hi * (1.0 + 1e-9) {
                            t.push(v.log10());
                        }
                    }
                }
            }
            // The top of the axis, when it is not a decade, gets its own tick.
            let top = self.hi.log10();
            if t.last().is_none_or(|l| top - l > 1e-9) {
                t.push(top);
            }
            t
        } else {
            let step = nice_step(self.hi / 5.0);
            let n = (self.hi / step).round() as i64;
            (0..=n).map(|i| i as f64 * step).collect()
        }
    }

    /// The label of a tick at plotted coordinate `t`, using `fmt` for values.
    pub fn label(&self, t: f64, fmt: fn(f64) -> String) -> String {
        if self.log {
            if self.zero_floor && (t - self.lo.log10()).abs() < 1e-9 {
                "0".to_string()
            } else {
                fmt(10f64.powf(t))
            }
        } else {
            fmt(t)
        }
    }

    /// Appended to an axis description: " (log scale)" or "".
    pub fn suffix(&self) -> &'static str {
        if self.log { " (log scale)" } else { "" }
    }
}

/// The smallest of 1, 2 or 5 times a power of ten at or above `v` (> 0).
pub(crate) fn nice_ceil(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    let f = v / mag;
    let m = if f <= 1.0 + 1e-9 {
        1.0
    } else if f <= 2.0 + 1e-9 {
        2.0
    } else if f <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// A round step (1, 2 or 5 times a power of ten) near `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// A linear f64 axis with explicit tick positions (plotters' own f64 axis picks its ticks
/// itself and cannot take a custom label formatter together with chosen key points).
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

/// The axis from `range` with ticks at `ticks` (those outside the range are dropped).
pub(crate) fn axis(range: Range<f64>, ticks: Vec<f64>) -> Axis {
    let (lo, hi) = (range.start, range.end);
    let eps = (hi - lo).abs() * 1e-9;
    let ticks = ticks
        .into_iter()
        .filter(|t| *t >= lo - eps && *t <= hi + eps)
        .collect();
    Axis { lo, hi, ticks }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        if self.hi == self.lo {
            return (limit.0 + limit.1) / 2;
        }
        let f = ((v - self.lo) / (self.hi - self.lo)).clamp(-1.0, 2.0);
        let len = (limit.1 - limit.0) as f64;
        limit.0 + (len * f).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() || hint.max_num_points() == 0 {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::format::fmt_count;

    #[test]
    fn scales() {
        let s = Scale::linear(32_322.0, 0.1);
        assert_eq!(s.hi, 40_000.0);
        assert_eq!(s.ticks(), vec![0.0, 10_000.0, 20_000.0, 30_000.0, 40_000.0]);
        let l = Scale::auto(&[32_322.0, 529.0], 1.0, &[20_000.0], 0.2, true);
        assert!(l.lo < 1.0, "{l:?}");
        assert!(l.log, "peaks 61x apart: {l:?}");
        assert!(!Scale::auto(&[32_322.0, 5_000.0], 1.0, &[], 0.1, false).log);
    }

    #[test]
    fn log_scale_ticks_and_labels() {
        let l = Scale::log(3.0, 32_322.0, 0.2, true);
        assert!(l.log);
        assert_eq!(l.hi, 50_000.0);
        assert_eq!(nice_ceil(1_110_000.0), 2_000_000.0);
        assert_eq!(nice_ceil(1_000.0), 1_000.0);
        let t = l.ticks();
        assert_eq!(l.label(t[0], fmt_count), "0");
        assert_eq!(l.label(t[1], fmt_count), "1");
        assert_eq!(l.label(*t.last().unwrap(), fmt_count), "50,000");
        assert_eq!(l.label(t[t.len() - 2], fmt_count), "10,000");
        assert_eq!(l.map(0.0), l.lo.log10());
    }
}
