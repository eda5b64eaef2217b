//! The highest safe value of a target parameter (an arrival rate, a session count): for each
//! variant, bracket the boundary by doubling or halving from the scenario's value, then bisect
//! to 1%, and report the constraint that binds just above it.
//!
//! It assumes the constraints get worse as the target grows (more load, more throttling). All
//! runs of a search use the scenario's seed, so the answer is deterministic.

use super::row::Headline;
use crate::model::run_variant;
use crate::prepare;
use crate::scenario::{Override, Scenario, ScenarioError, ScenarioFile};
use serde::Serialize;

pub const CAPACITY_SCHEMA: &str = "bksim.capacity.v1";

/// What "safe" means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constraints {
    /// Largest acceptable fraction of KMS calls throttled, and of S3 attempts answered 503 for
    /// a prefix limit.
    pub max_throttle: f64,
    /// Largest acceptable p99 latency (ms) of any operation, if constrained.
    pub max_p99_ms: Option<f64>,
    /// Largest acceptable number (or, with `failed_is_fraction`, fraction) of failed requests.
    pub max_failed: f64,
    pub failed_is_fraction: bool,
}

/// The constraint that binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Binding {
    KmsQuota,
    S3Prefix,
    Latency,
    Failures,
    None,
}

impl Binding {
    pub fn as_str(self) -> &'static str {
        match self {
            Binding::KmsQuota => "kms-quota",
            Binding::S3Prefix => "s3-prefix",
            Binding::Latency => "latency",
            Binding::Failures => "failures",
            Binding::None => "none",
        }
    }
}

impl Constraints {
    /// The first constraint a run violates, in the order KMS quota, S3 prefix, latency,
    /// failures (a throttle is the cause when failures and latency follow from it).
    pub fn violated(&self, h: &Headline) -> Option<Binding> {
        // Compare the counts, not the rounded rates: one throttle in millions still counts.
        if h.kms_throttled as f64 > self.max_throttle * h.kms_requests as f64 {
            return Some(Binding::KmsQuota);
        }
        let attempts = h.put_offered + h.get_offered + h.put_retries + h.get_retries;
        if h.slowdown_prefix as f64 > self.max_throttle * attempts as f64 {
            return Some(Binding::S3Prefix);
        }
        if let Some(p) = self.max_p99_ms
            && h.p99_ms() > p
        {
            return Some(Binding::Latency);
        }
        let failed = if self.failed_is_fraction {
            h.failed_rate
        } else {
            h.failed() as f64
        };
        if failed > self.max_failed {
            return Some(Binding::Failures);
        }
        None
    }
}

/// One evaluation of the search.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub value: f64,
    pub passed: bool,
    pub violated: Option<Binding>,
    pub throttle_rate: f64,
    pub p99_ms: f64,
    pub failed: u64,
}

/// The answer for one variant.
#[derive(Debug, Clone, Serialize)]
pub struct VariantCapacity {
    pub name: String,
    /// Largest value found that meets every constraint (None when even the smallest tried
    /// fails).
    pub max_value: Option<f64>,
    /// The constraint violated just above `max_value`; `none` when the search range held no
    /// limit.
    pub binding: Binding,
    /// The value the search could not exceed (the top of the range) when `binding` is none.
    pub searched_up_to: f64,
    pub probes: Vec<Probe>,
}

/// The search's knobs.
#[derive(Debug, Clone, Copy)]
pub struct Search {
    /// Relative precision of the answer.
    pub precision: f64,
    /// Search range around the starting value: [start / range, start · range].
    pub range: f64,
    /// Whether the target takes whole numbers only (sessions, concurrency).
    pub integer: bool,
}

impl Default for Search {
    fn default() -> Self {
        Search {
            precision: 0.01,
            range: 1024.0,
            integer: false,
        }
    }
}

/// The override setting the target to `v` (a whole number when `integer`).
pub fn value_override(target: &str, v: f64, integer: bool) -> Override {
    if integer {
        Override::new(target, v.round() as i64, "capacity search")
    } else {
        Override::new(target, v, "capacity search")
    }
}

/// Evaluates the target at `v` for one variant.
fn probe(
    file: &ScenarioFile,
    variant: &str,
    base: &[Override],
    target: &str,
    v: f64,
    s: &Search,
    c: &Constraints,
) -> Result<Probe, ScenarioError> {
    let mut o = base.to_vec();
    o.push(value_override(target, v, s.integer));
    let sc: Scenario = prepare::variant(file, Some(variant), &o)?;
    let h = Headline::from_summary(&run_variant(variant, &sc, None).summary);
    let violated = c.violated(&h);
    Ok(Probe {
        value: v,
        passed: violated.is_none(),
        violated,
        throttle_rate: h.throttle_rate,
        p99_ms: h.p99_ms(),
        failed: h.failed(),
    })
}

/// Finds the highest value of `target` meeting `c` for `variant`, starting from `start`.
pub fn search(
    file: &ScenarioFile,
    variant: &str,
    base: &[Override],
    target: &str,
    start: f64,
    s: &Search,
    c: &Constraints,
) -> Result<VariantCapacity, ScenarioError> {
    let mut probes = Vec::new();
    let eval = |v: f64, probes: &mut Vec<Probe>| -> Result<Probe, ScenarioError> {
        let p = probe(file, variant, base, target, v, s, c)?;
        probes.push(p.clone());
        Ok(p)
    };
    let norm = |v: f64| if s.integer { v.round().max(1.0) } else { v };
    let (lo_limit, hi_limit) = (norm(start / s.range), norm(start * s.range));
    let first = eval(norm(start), &mut probes)?;
    // Bracket: lo passes, hi fails.
    let (mut lo, mut hi, mut binding);
    if first.passed {
        lo = first.value;
        loop {
            let v = norm(lo * 2.0).min(hi_limit);
            if v <= lo {
                return Ok(VariantCapacity {
                    name: variant.into(),
                    max_value: Some(lo),
                    binding: Binding::None,
                    searched_up_to: hi_limit,
                    probes,
                });
            }
            let p = eval(v, &mut probes)?;
            if p.passed {
                lo = v;
            } else {
                hi = v;
                binding = p.violated.unwrap_or(Binding::None);
                break;
            }
        }
    } else {
        hi = first.value;
        binding = first.violated.unwrap_or(Binding::None);
        loop {
            let v = norm(hi / 2.0).max(lo_limit);
            if v >= hi {
                return Ok(VariantCapacity {
                    name: variant.into(),
                    max_value: None,
                    binding,
                    searched_up_to: hi_limit,
                    probes,
                });
            }
            let p = eval(v, &mut probes)?;
            if p.passed {
                lo = v;
                break;
            }
            hi = v;
            binding = p.violated.unwrap_or(Binding::None);
        }
    }
    // Bisect until the bracket is within the precision.
    loop {
        let close = (hi - lo) <= (s.precision * lo).max(if s.integer { 1.0 } else { 0.0 });
        if close {
            break;
        }
        let mid = norm((lo + hi) / 2.0);
        if mid <= lo || mid >= hi {
            break;
        }
        let p = eval(mid, &mut probes)?;
        if p.passed {
            lo = mid;
        } else {
            hi = mid;
            binding = p.violated.unwrap_or(Binding::None);
        }
    }
    Ok(VariantCapacity {
        name: variant.into(),
        max_value: Some(lo),
        binding,
        searched_up_to: hi_limit,
        probes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headline() -> Headline {
        Headline {
            put_offered: 1000,
            put_completed: 1000,
            kms_requests: 1000,
            kms_peak_rps: 10,
            quota_rps: 100,
            put_p50_ms: 10.0,
            put_p99_ms: 100.0,
            get_p99_ms: 900.0,
            ..Headline::default()
        }
    }

    #[test]
    fn constraints_name_the_cause_first() {
        let c = Constraints {
            max_throttle: 0.001,
            max_p99_ms: Some(250.0),
            max_failed: 0.0,
            failed_is_fraction: false,
        };
        let mut h = headline();
        assert_eq!(c.violated(&h), None, "GET p99 ignored without GETs");
        h.put_p99_ms = 300.0;
        assert_eq!(c.violated(&h), Some(Binding::Latency));
        h.put_failed = 1;
        assert_eq!(c.violated(&h), Some(Binding::Latency));
        h.put_p99_ms = 10.0;
        assert_eq!(c.violated(&h), Some(Binding::Failures));
        h.slowdown_prefix = 10;
        assert_eq!(c.violated(&h), Some(Binding::S3Prefix));
        h.kms_throttled = 2;
        assert_eq!(c.violated(&h), Some(Binding::KmsQuota));
        // One throttled call in millions violates a zero limit even though the rounded rate
        // prints as 0.
        let zero = Constraints {
            max_throttle: 0.0,
            ..c
        };
        let mut h = headline();
        h.kms_requests = 3_940_099;
        h.kms_throttled = 1;
        assert_eq!(c.violated(&h), None);
        assert_eq!(zero.violated(&h), Some(Binding::KmsQuota));
    }
}
