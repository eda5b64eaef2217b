//! A workload's `arrival`: open loop (`poisson`, `constant`, with an optional rate
//! `profile`) or closed loop (`closed`), and the rate profiles.

use super::super::model::*;
use super::super::presets::*;
use super::super::raw::{RawKind, RawValue};
use super::super::units::format_duration;
use super::ctx::{Ctx, R, Tbl, problem};
use super::keys::{Assumption, KeyDef, Required, Source, Special, Text};
use super::values::{
    MAX_CONCURRENCY, MAX_THINK, at_most, count_u32, duration, found, number, one_of,
    positive_duration, positive_number, rate_value, within_total,
};

const KIND: KeyDef = KeyDef::new(
    "kind",
    Required,
    r#"`"poisson"` | `"constant"` | `"closed"`"#,
    Source::None,
);
const RATE: KeyDef = KeyDef::new("rate", Required, "number > 0, requests/s", Source::None);
const PROFILE: KeyDef = KeyDef::new("profile", Special("none"), "table", Source::None);
const CONCURRENCY: KeyDef = KeyDef::new(
    "concurrency",
    Required,
    "integer ≥ 1, at most 100,000 over all workloads",
    Source::None,
);
const THINK: KeyDef = KeyDef::new("think", Text(r#""0s""#), "duration", Assumption(NOTE_THINK));

/// `kind = "poisson"` or `"constant"`.
pub(super) const OPEN_KEYS: &[KeyDef] = &[KIND, RATE, PROFILE];
/// `kind = "closed"`.
pub(super) const CLOSED_KEYS: &[KeyDef] = &[KIND, CONCURRENCY, THINK];

// Rate profiles, by `kind`. Their defaults are not recorded: the profile is, as a whole.
const PROFILE_KIND: KeyDef = KeyDef::new(
    "kind",
    Required,
    r#"`"steps"` | `"ramp"` | `"burst"` | `"diurnal"`"#,
    Source::None,
);
const STEPS_AT: KeyDef = KeyDef::new(
    "at",
    Required,
    "durations, strictly ascending",
    Source::None,
);
const STEPS_RATE: KeyDef = KeyDef::new("rate", Required, "numbers", Source::None);
const TO: KeyDef = KeyDef::new("to", Required, "number", Source::None);
const START: KeyDef = KeyDef::new("start", Text(r#""0s""#), "duration", Source::None);
const END: KeyDef = KeyDef::new("end", Required, "duration > start", Source::None);
const BURST_RATE: KeyDef = KeyDef::new("rate", Required, "number", Source::None);
const BURST_AT: KeyDef = KeyDef::new("at", Required, "duration", Source::None);
const LENGTH: KeyDef = KeyDef::new("length", Required, "duration > 0", Source::None);
const EVERY: KeyDef = KeyDef::new(
    "every",
    Special("none"),
    "duration > length, at least 1ms",
    Source::None,
);
const PERIOD: KeyDef = KeyDef::new("period", Text(r#""24h""#), "duration > 0", Source::None);
const TROUGH: KeyDef = KeyDef::new("trough", Text("0.25"), "0..1", Source::None);
const PEAK_AT: KeyDef = KeyDef::new("peak_at", Text(r#""14h""#), "duration", Source::None);

pub(super) const STEPS_KEYS: &[KeyDef] = &[PROFILE_KIND, STEPS_AT, STEPS_RATE];
pub(super) const RAMP_KEYS: &[KeyDef] = &[PROFILE_KIND, TO, START, END];
pub(super) const BURST_KEYS: &[KeyDef] = &[PROFILE_KIND, BURST_RATE, BURST_AT, LENGTH, EVERY];
pub(super) const DIURNAL_KEYS: &[KeyDef] = &[PROFILE_KIND, PERIOD, TROUGH, PEAK_AT];

/// A workload's arrival process; `clients_before` closed-loop clients are in earlier
/// workloads.
pub(super) fn arrival(ctx: &mut Ctx, w: &Tbl, key: &KeyDef, clients_before: u64) -> R<Arrival> {
    let Some(t) = ctx.sub(w, key.name)? else {
        return Err(ctx.missing(
            w,
            key.name,
            Some("e.g. arrival = { kind = \"poisson\", rate = 1000 }"),
        ));
    };
    let kind = ctx.req(
        &t,
        KIND.name,
        Some("\"poisson\", \"constant\" or \"closed\""),
        |v| one_of(v, &["poisson", "constant", "closed"]),
    )?;
    if kind == "closed" {
        ctx.check_keys(&t, CLOSED_KEYS, |k| {
            OPEN_KEYS
                .iter()
                .any(|d| d.name == k)
                .then(|| format!("`{k}` applies only to kind = \"poisson\" or \"constant\""))
        })?;
        let concurrency = ctx.req(&t, CONCURRENCY.name, Some("e.g. concurrency = 100"), |v| {
            let n = count_u32(v, "clients", 1)?;
            within_total(clients_before, n, MAX_CONCURRENCY, "clients", "workloads")
        })?;
        let think = ctx.value(&t, &THINK, |v| {
            at_most(duration(v)?, MAX_THINK, "a think time")
        })?;
        return Ok(Arrival::Closed { concurrency, think });
    }
    ctx.check_keys(&t, OPEN_KEYS, |k| {
        CLOSED_KEYS
            .iter()
            .any(|d| d.name == k)
            .then(|| format!("`{k}` applies only to kind = \"closed\""))
    })?;
    let rate = ctx.req(
        &t,
        RATE.name,
        Some("requests per second, e.g. rate = 1000"),
        |v| {
            positive_number(v, "requests per second")?;
            rate_value(v)
        },
    )?;
    let profile = match ctx.sub(&t, PROFILE.name)? {
        None => RateProfile::Flat,
        Some(p) => {
            let profile = rate_profile(ctx, &p)?;
            ctx.record(
                t.key_path(PROFILE.name),
                t.get(PROFILE.name).expect("present"),
            );
            profile
        }
    };
    Ok(if kind == "poisson" {
        Arrival::Poisson { rate, profile }
    } else {
        Arrival::Constant { rate, profile }
    })
}

pub(super) fn rate_profile(ctx: &mut Ctx, t: &Tbl) -> R<RateProfile> {
    let kind = ctx.req_quiet(
        t,
        PROFILE_KIND.name,
        Some("\"steps\", \"ramp\", \"burst\" or \"diurnal\""),
        |v| one_of(v, &["steps", "ramp", "burst", "diurnal"]),
    )?;
    let rate = rate_value;
    match kind.as_str() {
        "steps" => {
            ctx.check_keys(t, STEPS_KEYS, |_| None)?;
            let hint = Some("e.g. at = [\"0s\", \"60s\"], rate = [1000, 5000]");
            let at_v = t
                .get(STEPS_AT.name)
                .ok_or_else(|| ctx.missing(t, STEPS_AT.name, hint))?;
            let rate_v = t
                .get(STEPS_RATE.name)
                .ok_or_else(|| ctx.missing(t, STEPS_RATE.name, hint))?;
            fn list<'v>(ctx: &Ctx, v: &'v RawValue, path: String) -> R<Vec<&'v RawValue>> {
                match &v.kind {
                    RawKind::Array(items) if !items.is_empty() => Ok(items.iter().collect()),
                    _ => Err(ctx.error(
                        Some(&v.origin),
                        &path,
                        problem(format!("expected a non-empty array, found {}", found(v))),
                    )),
                }
            }
            let ats = list(ctx, at_v, t.key_path(STEPS_AT.name))?;
            let rates = list(ctx, rate_v, t.key_path(STEPS_RATE.name))?;
            if ats.len() != rates.len() {
                return Err(ctx.error(
                    Some(&rate_v.origin),
                    &t.key_path(STEPS_RATE.name),
                    problem(format!(
                        "`at` has {} entries and `rate` {}: they must pair up",
                        ats.len(),
                        rates.len()
                    )),
                ));
            }
            let mut at = Vec::new();
            for v in ats {
                let d = duration(v)
                    .map_err(|p| ctx.error(Some(&v.origin), &t.key_path(STEPS_AT.name), p))?;
                if at.last().is_some_and(|&prev| d <= prev) {
                    return Err(ctx.error(
                        Some(&v.origin),
                        &t.key_path(STEPS_AT.name),
                        problem("the times in `at` must be strictly ascending"),
                    ));
                }
                at.push(d);
            }
            let rate = rates
                .into_iter()
                .map(|v| {
                    rate(v).map_err(|p| ctx.error(Some(&v.origin), &t.key_path(STEPS_RATE.name), p))
                })
                .collect::<R<Vec<f64>>>()?;
            Ok(RateProfile::Steps { at, rate })
        }
        "ramp" => {
            ctx.check_keys(t, RAMP_KEYS, |_| None)?;
            let to = ctx.req_quiet(t, TO.name, Some("the rate at the end of the ramp"), rate)?;
            let start = ctx.value_quiet(t, &START, duration)?;
            let end = ctx.req_quiet(t, END.name, Some("e.g. end = \"10m\""), duration)?;
            if end <= start {
                let v = t.get(END.name).expect("present");
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path(END.name),
                    problem(format!(
                        "end ({}) must be after start ({})",
                        format_duration(end),
                        format_duration(start)
                    )),
                ));
            }
            Ok(RateProfile::Ramp { to, start, end })
        }
        "burst" => {
            ctx.check_keys(t, BURST_KEYS, |_| None)?;
            let rate =
                ctx.req_quiet(t, BURST_RATE.name, Some("the rate during the burst"), rate)?;
            let at = ctx.req_quiet(
                t,
                BURST_AT.name,
                Some("when the burst starts, e.g. at = \"60s\""),
                duration,
            )?;
            let length = ctx.req_quiet(
                t,
                LENGTH.name,
                Some("e.g. length = \"10s\""),
                positive_duration,
            )?;
            let every = ctx.opt_quiet(t, EVERY.name, positive_duration)?;
            if let Some(every) = every
                && every < PROFILE_STEP
            {
                let v = t.get(EVERY.name).expect("present");
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path(EVERY.name),
                    problem(format!(
                        "every ({}) is shorter than {}, the finest step bksim follows a rate profile in",
                        format_duration(every),
                        format_duration(PROFILE_STEP)
                    )),
                ));
            }
            if let Some(every) = every
                && every <= length
            {
                let v = t.get(EVERY.name).expect("present");
                return Err(ctx.error(
                    Some(&v.origin),
                    &t.key_path(EVERY.name),
                    problem(format!(
                        "every ({}) must be longer than length ({})",
                        format_duration(every),
                        format_duration(length)
                    )),
                ));
            }
            Ok(RateProfile::Burst {
                rate,
                at,
                length,
                every,
            })
        }
        _ => {
            ctx.check_keys(t, DIURNAL_KEYS, |_| None)?;
            let period = ctx.value_quiet(t, &PERIOD, positive_duration)?;
            let trough = ctx.value_quiet(t, &TROUGH, |v| {
                let x = number(v, "fraction of the base rate")?;
                if x > 1.0 {
                    return Err(problem(format!(
                        "must be between 0 and 1, found {}",
                        found(v)
                    )));
                }
                Ok(x)
            })?;
            let peak_at = ctx.value_quiet(t, &PEAK_AT, duration)?;
            Ok(RateProfile::Diurnal {
                period,
                trough,
                peak_at,
            })
        }
    }
}
