//! What the sweep charts read from a [`SweepResults`]: the first parameter as the x axis
//! (linear, logarithmic or categorical, decided from its values), the second as panels, the
//! others fixed at their first value, and each (point, variant)'s headline metrics.

use std::collections::HashMap;
use std::ops::Range;

use crate::chart::{LOG_RATIO, fmt_count, fmt_number, nice_step, sig3};
use crate::sweep::grid::{GridValue, Param};
use crate::sweep::output::SweepResults;
use crate::sweep::row::Headline;

/// At most this many panels; a second parameter with more values is shown at this many of
/// them, evenly spread, first and last included (and the subtitle says so).
pub(crate) const MAX_PANELS: usize = 12;

/// How a parameter's values are placed along an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AxisKind {
    Linear,
    Log,
    /// Evenly spaced in listed order: some value is not a number (`"5m"`, `fixed-window`).
    Categorical,
}

/// A swept parameter as an axis.
#[derive(Debug, Clone)]
pub(crate) struct ParamAxis<'a> {
    pub param: &'a Param,
    pub kind: AxisKind,
    /// Plotted coordinate of each value, by its index in the grid.
    pub pos: Vec<f64>,
    /// Value indices in axis order (ascending coordinate).
    pub order: Vec<usize>,
}

/// The factor between the largest and smallest gap.
fn unevenness(gaps: impl Iterator<Item = f64>) -> f64 {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for g in gaps {
        lo = lo.min(g);
        hi = hi.max(g);
    }
    if lo > 0.0 { hi / lo } else { f64::INFINITY }
}

/// Whether positive values read better on a log axis: two values [`LOG_RATIO`] or more
/// apart; three or more spanning at least a factor of 4 whose ratios are more even than
/// their differences (`1000..64000:x2`, `1000,2000,5000,10000`; not `5000..40000:5000`).
pub(crate) fn is_geometric(values: &[f64]) -> bool {
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    if v.len() < 2 || v[0] <= 0.0 {
        return false;
    }
    let span = v[v.len() - 1] / v[0];
    if v.len() == 2 {
        return span >= LOG_RATIO;
    }
    if span < 4.0 {
        return false;
    }
    let lin = unevenness(v.windows(2).map(|w| w[1] - w[0]));
    let log = unevenness(v.windows(2).map(|w| (w[1] / w[0]).ln()));
    log < lin
}

/// The unit of well-known parameters, for axis descriptions.
fn unit(path: &str) -> Option<&'static str> {
    if path.ends_with("arrival.rate") || path.ends_with("_rps") {
        Some("requests/s")
    } else {
        None
    }
}

impl<'a> ParamAxis<'a> {
    pub fn new(param: &'a Param) -> ParamAxis<'a> {
        let numbers: Option<Vec<f64>> = param
            .values
            .iter()
            .map(|v| v.number.filter(|x| x.is_finite()))
            .collect();
        let (kind, pos) = match numbers {
            Some(n) if is_geometric(&n) => (AxisKind::Log, n.iter().map(|x| x.log10()).collect()),
            Some(n) => (AxisKind::Linear, n),
            None => (
                AxisKind::Categorical,
                (0..param.values.len()).map(|i| i as f64).collect(),
            ),
        };
        let mut order: Vec<usize> = (0..pos.len()).collect();
        order.sort_by(|a, b| pos[*a].total_cmp(&pos[*b]).then(a.cmp(b)));
        ParamAxis {
            param,
            kind,
            pos,
            order,
        }
    }

    /// The same values as equal slots in axis order (coordinate = rank), as heatmap rows
    /// and columns are.
    pub fn as_slots(&self) -> ParamAxis<'a> {
        let mut pos = vec![0.0; self.pos.len()];
        for (rank, &i) in self.order.iter().enumerate() {
            pos[i] = rank as f64;
        }
        ParamAxis {
            param: self.param,
            kind: AxisKind::Categorical,
            pos,
            order: self.order.clone(),
        }
    }

    pub fn len(&self) -> usize {
        self.pos.len()
    }

    pub fn path(&self) -> &str {
        &self.param.path
    }

    /// Value `i` as a label: numbers grouped (`5,000`), everything else as listed.
    pub fn label(&self, i: usize) -> String {
        label(&self.param.values[i])
    }

    /// The axis description: the path, its unit when known, and whether the scale is log.
    pub fn desc(&self) -> String {
        let mut s = self.param.path.clone();
        if let Some(u) = unit(&self.param.path) {
            s.push_str(&format!(" ({u})"));
        }
        if self.kind == AxisKind::Log {
            s.push_str(", log scale");
        }
        s
    }

    /// The plotted range: the values with `pad_px` pixels to spare on each side of a
    /// `width_px` wide axis (half a slot for categories).
    pub fn range(&self, width_px: f64, pad_px: f64) -> Range<f64> {
        let lo = self.order.first().map(|i| self.pos[*i]).unwrap_or(0.0);
        let hi = self.order.last().map(|i| self.pos[*i]).unwrap_or(1.0);
        if self.kind == AxisKind::Categorical {
            return lo - 0.5..hi + 0.5;
        }
        if hi - lo <= 0.0 {
            let d = if self.kind == AxisKind::Log {
                0.5
            } else {
                lo.abs().max(1.0) * 0.5
            };
            return lo - d..hi + d;
        }
        let inner = (width_px - 2.0 * pad_px).max(width_px * 0.5);
        let p = (hi - lo) * pad_px / inner;
        lo - p..hi + p
    }

    /// Ticks `(coordinate, label)` whose labels, `measure`d in pixels, do not overlap on an
    /// axis `width_px` wide over `range`: every value when they fit; else round numbers
    /// (numeric axes) or every k-th value (categories); at worst the first and last values.
    pub fn ticks(
        &self,
        range: &Range<f64>,
        width_px: f64,
        measure: &dyn Fn(&str) -> f64,
    ) -> Vec<(f64, String)> {
        let fits = |t: &[(f64, String)]| {
            let span = range.end - range.start;
            let px = |c: f64| (c - range.start) / span * width_px;
            t.windows(2).all(|w| {
                px(w[1].0) - px(w[0].0) >= (measure(&w[0].1) + measure(&w[1].1)) / 2.0 + 10.0
            })
        };
        let values: Vec<(f64, String)> = self
            .order
            .iter()
            .map(|&i| (self.pos[i], self.label(i)))
            .collect();
        if fits(&values) {
            return values;
        }
        let lo = values.first().map(|v| v.0).unwrap_or(0.0);
        let hi = values.last().map(|v| v.0).unwrap_or(0.0);
        let mut candidates: Vec<Vec<(f64, String)>> = Vec::new();
        match self.kind {
            AxisKind::Categorical => {
                for k in 2..values.len() {
                    candidates.push(values.iter().step_by(k).cloned().collect());
                }
            }
            AxisKind::Linear => {
                for parts in (2..=10).rev() {
                    let step = nice_step((hi - lo) / parts as f64);
                    let first = (lo / step).ceil() as i64;
                    let last = (hi / step).floor() as i64;
                    candidates.push(
                        (first..=last)
                            .map(|k| {
                                let v = k as f64 * step;
                                (v, fmt_number(v))
                            })
                            .collect(),
                    );
                }
            }
            AxisKind::Log => {
                let (d0, d1) = (lo.ceil() as i32, hi.floor() as i32);
                for subs in [&[1.0, 2.0, 5.0][..], &[1.0][..]] {
                    let mut t = Vec::new();
                    for d in (lo.floor() as i32)..=d1 {
                        for m in subs {
                            let v = 10f64.powi(d) * m;
                            let c = v.log10();
                            if c >= lo - 1e-9 && c <= hi + 1e-9 {
                                t.push((c, fmt_number(v)));
                            }
                        }
                    }
                    candidates.push(t);
                }
                for every in 2..=4 {
                    candidates.push(
                        (d0..=d1)
                            .filter(|d| (d - d0) % every == 0)
                            .map(|d| (d as f64, fmt_number(10f64.powi(d))))
                            .collect(),
                    );
                }
            }
        }
        for c in candidates {
            if c.len() >= 2 && fits(&c) {
                return c;
            }
        }
        let mut ends = vec![values[0].clone()];
        if values.len() > 1 {
            let last = values[values.len() - 1].clone();
            if fits(&[ends[0].clone(), last.clone()]) {
                ends.push(last);
            }
        }
        ends
    }
}

/// A swept value as a label.
pub(crate) fn label(v: &GridValue) -> String {
    match v.number {
        Some(n) if n.fract() == 0.0 && n.abs() >= 1000.0 => fmt_count(n),
        _ => v.display(),
    }
}

/// The sweep as charts see it.
pub(crate) struct SweepView<'a> {
    pub r: &'a SweepResults,
    /// The first parameter.
    pub x: ParamAxis<'a>,
    /// The second parameter, when there is one.
    pub panel: Option<ParamAxis<'a>>,
    /// Value indices of the second parameter that get a panel, in axis order (`[0]` without
    /// a second parameter).
    pub panels: Vec<usize>,
    metrics: HashMap<(usize, usize), &'a Headline>,
    strides: Vec<usize>,
}

impl<'a> SweepView<'a> {
    pub fn new(r: &'a SweepResults) -> SweepView<'a> {
        let params = &r.header.grid.params;
        let x = ParamAxis::new(&params[0]);
        let panel = params.get(1).map(ParamAxis::new);
        let panels = match &panel {
            None => vec![0],
            Some(p) if p.len() <= MAX_PANELS => p.order.clone(),
            Some(p) => {
                let n = p.len();
                (0..MAX_PANELS)
                    .map(|k| p.order[(k * (n - 1) + (MAX_PANELS - 1) / 2) / (MAX_PANELS - 1)])
                    .collect()
            }
        };
        let mut strides = vec![1; params.len()];
        for k in (0..params.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * params[k + 1].values.len();
        }
        let mut metrics = HashMap::new();
        for row in &r.rows {
            if let Some(v) = r.header.variants.iter().position(|n| *n == row.variant) {
                metrics.insert((row.point, v), &row.metrics);
            }
        }
        SweepView {
            r,
            x,
            panel,
            panels,
            metrics,
            strides,
        }
    }

    pub fn scenario(&self) -> &str {
        &self.r.header.scenario
    }

    pub fn variants(&self) -> &[String] {
        &self.r.header.variants
    }

    /// The metrics of `variant` at value `x` of the first parameter and value `y` of the
    /// second, the others at their first value.
    pub fn get(&self, x: usize, y: usize, variant: usize) -> Option<&'a Headline> {
        let mut point = x * self.strides[0];
        if self.strides.len() > 1 {
            point += y * self.strides[1];
        }
        self.metrics.get(&(point, variant)).copied()
    }

    /// How the grid was run: points, variants, simulated time and seed.
    pub fn run_note(&self) -> String {
        let h = &self.r.header;
        format!(
            "{} point{} × {} variant{}, {} s simulated per run, seed {}.",
            h.grid.points(),
            if h.grid.points() == 1 { "" } else { "s" },
            h.variants.len(),
            if h.variants.len() == 1 { "" } else { "s" },
            sig3(h.simulated_seconds),
            h.seed
        )
    }

    /// Which panels there are and what is held fixed, for subtitles ("" with one parameter).
    pub fn panel_note(&self) -> String {
        let Some(p) = &self.panel else {
            return String::new();
        };
        let mut s = if self.panels.len() < p.len() {
            format!(
                " One panel per value of {} ({} of its {} values, evenly spread).",
                p.path(),
                self.panels.len(),
                p.len()
            )
        } else {
            format!(" One panel per value of {}.", p.path())
        };
        s.push_str(&self.fixed_note());
        s
    }

    /// " Other parameters fixed at their first value: a = 1, b = x." ("" with two or fewer).
    pub fn fixed_note(&self) -> String {
        let params = &self.r.header.grid.params;
        if params.len() <= 2 {
            return String::new();
        }
        let fixed: Vec<String> = params[2..]
            .iter()
            .map(|p| format!("{} = {}", p.path, label(&p.values[0])))
            .collect();
        format!(
            " Other parameters fixed at their first value: {}.",
            fixed.join(", ")
        )
    }

    /// The title of panel `y` (value index of the second parameter), or "" with one
    /// parameter; `short` gives the value alone.
    pub fn panel_title(&self, y: usize, short: bool) -> String {
        match &self.panel {
            None => String::new(),
            Some(p) if short => p.label(y),
            Some(p) => format!("{} = {}", p.path(), p.label(y)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::grid::parse_param;

    #[test]
    fn geometric_values_get_a_log_axis() {
        assert!(!is_geometric(&[5000.0, 10000.0, 15000.0, 20000.0, 25000.0]));
        assert!(is_geometric(&[1000.0, 2000.0, 4000.0, 8000.0, 16000.0]));
        assert!(is_geometric(&[1000.0, 2000.0, 5000.0, 10000.0]));
        assert!(is_geometric(&[10.0, 1000.0]));
        assert!(!is_geometric(&[10.0, 100.0]));
        assert!(!is_geometric(&[1.0, 1.5, 2.25, 3.375]), "span under 4");
        assert!(!is_geometric(&[0.0, 10.0, 100.0]));
        let p = parse_param("a=1000..64000:x2").unwrap();
        assert_eq!(ParamAxis::new(&p).kind, AxisKind::Log);
        let p = parse_param("a=5m,1m,1h").unwrap();
        let a = ParamAxis::new(&p);
        assert_eq!(a.kind, AxisKind::Categorical);
        assert_eq!(a.order, [0, 1, 2], "categories keep their listed order");
        let p = parse_param("a=3,1,2").unwrap();
        assert_eq!(ParamAxis::new(&p).order, [1, 2, 0], "numbers are sorted");
    }

    #[test]
    fn labels_and_formats() {
        let p = parse_param("a=5000,\"5m\",0.25").unwrap();
        let a = ParamAxis::new(&p);
        assert_eq!(
            [a.label(0), a.label(1), a.label(2)],
            ["5,000", "5m", "0.25"]
        );
    }

    #[test]
    fn ticks_thin_out_when_labels_would_overlap() {
        let p = parse_param("a=1000..40000:1000").unwrap();
        let a = ParamAxis::new(&p);
        let r = a.range(400.0, 20.0);
        let measure = |s: &str| s.len() as f64 * 10.0;
        let t = a.ticks(&r, 400.0, &measure);
        assert!(t.len() >= 2 && t.len() < 40, "{t:?}");
        let wide = a.ticks(&r, 1e6, &measure);
        assert_eq!(wide.len(), 40);
        let p = parse_param("a=x,y,z").unwrap();
        let a = ParamAxis::new(&p);
        assert_eq!(a.range(100.0, 10.0), -0.5..2.5);
    }
}
