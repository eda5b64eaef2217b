//! `[kms]`: the account's KMS in one Region (quota preset, limiter, latency, prices); the
//! same keys in `[kms.regions."<region>"]` describe the KMS of another Region
//! ([`super::regions`]).

use super::super::model::*;
use super::super::presets::*;
use super::super::raw::RawValue;
use super::ctx::{Ctx, P, Problem, R, Tbl, problem};
use super::keys::{Assumption, Fact, KeyDef, Source, Special, Text};
use super::top;
use super::values::{boolean, number, one_of, rate_value, string, whole};

const REGION: KeyDef = KeyDef::new(
    "region",
    Text(r#""us-east-1""#),
    "string",
    Assumption(NOTE_REGION),
);
/// Special: the default is the Region preset's quota, and its source the preset's table
/// (`REF_QUOTA_CURRENT` or a legacy one).
const QUOTA_RPS: KeyDef = KeyDef::new(
    "quota_rps",
    Special("from `region`"),
    "integer > 0",
    Fact(REF_QUOTA_CURRENT),
);
const LIMITER: KeyDef = KeyDef::new(
    "limiter",
    Text(r#""fixed-window""#),
    r#"`"fixed-window"` | `"token-bucket"`"#,
    Assumption(NOTE_LIMITER),
);
/// Special: the default is `quota_rps` (one second of quota), used only by a token bucket.
const BURST: KeyDef = KeyDef::new(
    "burst",
    Special("`quota_rps`"),
    "integer ≥ 1",
    Assumption(NOTE_BURST),
);
const LATENCY: KeyDef = KeyDef::new(
    "latency",
    Text(r#"{ median = "10ms", p99 = "50ms" }"#),
    "latency",
    Assumption(NOTE_KMS_LATENCY),
);
const BACKGROUND_RPS: KeyDef = KeyDef::new(
    "background_rps",
    Text("0"),
    "number ≥ 0",
    Assumption(NOTE_BACKGROUND),
);
const PRICE_PER_10K: KeyDef = KeyDef::new(
    "price_per_10k",
    Text("0.03"),
    "number 0 to 1000 (USD)",
    Fact(REF_PRICE),
);
const FREE_TIER: KeyDef = KeyDef::new(
    "free_tier",
    Text("false"),
    "boolean",
    Assumption(NOTE_FREE_TIER),
);
const KEY_PRICE_PER_MONTH: KeyDef = KeyDef::new(
    "key_price_per_month",
    Text("1.0"),
    "number 0 to 1000 (USD)",
    Fact(REF_KEY_PRICE),
);

/// `[kms.regions."<region>"]`: read by [`super::regions`].
pub(super) const REGIONS: KeyDef = KeyDef::new(
    "regions",
    Special("none"),
    r#"table of `[kms.regions."<region>"]` tables"#,
    Source::None,
);

pub(super) const KEYS: &[KeyDef] = &[
    REGION,
    REGIONS,
    QUOTA_RPS,
    LIMITER,
    BURST,
    LATENCY,
    BACKGROUND_RPS,
    PRICE_PER_10K,
    FREE_TIER,
    KEY_PRICE_PER_MONTH,
];

/// The keys of `[kms.regions."<region>"]`: those of `[kms]` but the Region, which is the
/// table's name.
pub(super) const REGION_KEYS: &[KeyDef] = &[
    QUOTA_RPS,
    LIMITER,
    BURST,
    LATENCY,
    BACKGROUND_RPS,
    PRICE_PER_10K,
    FREE_TIER,
    KEY_PRICE_PER_MONTH,
];

pub(super) fn kms_config(ctx: &mut Ctx, top: &Tbl) -> R<KmsConfig> {
    let t = ctx.sub_or_empty(top, top::KMS.name)?;
    ctx.check_keys(&t, KEYS, |_| None)?;
    let region_spec = ctx.value(&t, &REGION, string)?;
    let preset = region_preset(&region_spec).map_err(|(msg, hint)| {
        ctx.error(
            t.get(REGION.name).map(|v| &v.origin),
            &t.key_path(REGION.name),
            Problem { msg, hint },
        )
    })?;
    region_kms(ctx, &t, &preset)
}

/// The KMS of the Region `preset` describes, from the keys of table `t` (`[kms]`, or
/// `[kms.regions."<region>"]`), each defaulting as in `[kms]`.
pub(super) fn region_kms(ctx: &mut Ctx, t: &Tbl, preset: &RegionPreset) -> R<KmsConfig> {
    let t = t.clone();
    let quota_parse = |v: &_| whole(v, "requests per second", 1, u64::MAX);
    let quota_rps = match ctx.opt(&t, QUOTA_RPS.name, quota_parse)? {
        Some(q) => q,
        None => {
            ctx.record_default(
                t.key_path(QUOTA_RPS.name),
                preset.quota_rps.to_string(),
                super::ctx::fact(preset.reference),
            );
            preset.quota_rps
        }
    };
    let limiter = ctx.value(&t, &LIMITER, |v| {
        one_of(v, &["fixed-window", "token-bucket"])
    })?;
    let burst = ctx.opt_quiet(&t, BURST.name, |v| whole(v, "requests", 1, u64::MAX))?;
    let limiter = if limiter == "token-bucket" {
        match burst {
            Some(b) => {
                ctx.record(t.key_path(BURST.name), t.get(BURST.name).expect("present"));
                LimiterKind::TokenBucket { burst: b }
            }
            None => {
                ctx.record_computed(&t, &BURST, quota_rps.to_string());
                LimiterKind::TokenBucket { burst: quota_rps }
            }
        }
    } else {
        if burst.is_some() {
            ctx.note("kms.burst is ignored: it applies only to limiter = \"token-bucket\"".into());
        }
        LimiterKind::FixedWindow
    };
    let latency = ctx.value_with(&t, &LATENCY, |ctx, v, path| ctx.latency(v, path))?;
    let background_rps = ctx.value(&t, &BACKGROUND_RPS, rate_value)?;
    let price_per_10k = ctx.value(&t, &PRICE_PER_10K, price)?;
    let free_tier = ctx.value(&t, &FREE_TIER, boolean)?;
    let key_price_per_month = ctx.value(&t, &KEY_PRICE_PER_MONTH, price)?;
    Ok(KmsConfig {
        region: preset.region.clone(),
        quota_table: preset.quota_table.to_string(),
        quota_rps,
        limiter,
        latency,
        background_rps,
        price_per_10k,
        free_tier,
        key_price_per_month,
    })
}

/// Highest price bksim takes, in USD (per 10,000 requests, or per key and month; KMS charges
/// cents): with the largest rates and runs, costs stay within what its results may hold
/// ([`crate::report::plausible::MAX_COST_USD`]), so a run's report can read them back.
const MAX_PRICE_USD: f64 = 1_000.0;

fn price(v: &RawValue) -> P<f64> {
    let x = number(v, "USD")?;
    if x > MAX_PRICE_USD {
        let shown = if x < 1e15 {
            format!("{x}")
        } else {
            format!("{x:e}")
        };
        return Err(problem(format!(
            "{shown} USD is more than bksim prices: at most {MAX_PRICE_USD} USD"
        )));
    }
    Ok(x)
}
