//! `[client]`: the SDK clients (retries, backoff, retry quota, connection pool, CPU cores)
//! and `[client.data_key_cache]`.

use super::super::model::*;
use super::super::presets::*;
use super::ctx::{Ctx, R, Tbl, assume, fact, problem};
use super::keys::{Assumption, Fact, KeyDef, Required, Source, Special, Text};
use super::top;
use super::values::{count_u32, delay, one_of, positive_duration, size, whole};

const RETRY: KeyDef = KeyDef::new(
    "retry",
    Text(r#""standard""#),
    r#"`"none"` | `"standard"` | `"adaptive"` | `"legacy"`"#,
    Fact(REF_RETRY_MODE),
);
/// Special when `retry = "none"`: one attempt, whatever is set.
const MAX_ATTEMPTS: KeyDef = KeyDef::new(
    "max_attempts",
    Text("3"),
    "integer ≥ 1",
    Fact(REF_BOTOCORE_STANDARD),
);
const BASE_DELAY: KeyDef = KeyDef::new(
    "base_delay",
    Text(r#""1s""#),
    "duration",
    Fact(REF_BOTOCORE_STANDARD),
);
const MAX_BACKOFF: KeyDef = KeyDef::new(
    "max_backoff",
    Text(r#""20s""#),
    "duration",
    Fact(REF_BOTOCORE_STANDARD),
);
const RETRY_QUOTA: KeyDef = KeyDef::new(
    "retry_quota",
    Text("500"),
    "integer ≥ 0",
    Fact(REF_BOTOCORE_STANDARD),
);
const RETRY_COST: KeyDef = KeyDef::new(
    "retry_cost",
    Text("5"),
    "integer ≥ 0",
    Fact(REF_BOTOCORE_STANDARD),
);
const CONNECTIONS_PER_SESSION: KeyDef = KeyDef::new(
    "connections_per_session",
    Text("10"),
    "integer ≥ 1 (no limit: memory follows the connections opened)",
    Assumption(NOTE_CONNECTIONS),
);
const POOL: KeyDef = KeyDef::new(
    "pool",
    Text(r#""grow""#),
    r#"`"grow"` | `"wait"`"#,
    Assumption(NOTE_POOL),
);
const CPU_CORES: KeyDef = KeyDef::new(
    "cpu_cores",
    Text("0"),
    "integer ≥ 0 (no limit: memory follows the cores busy at once)",
    Assumption(NOTE_CPU_CORES),
);
const DATA_KEY_CACHE: KeyDef = KeyDef::new(
    "data_key_cache",
    Special("none (no cache)"),
    "table",
    Source::None,
);

pub(super) const KEYS: &[KeyDef] = &[
    CPU_CORES,
    RETRY,
    MAX_ATTEMPTS,
    BASE_DELAY,
    MAX_BACKOFF,
    RETRY_QUOTA,
    RETRY_COST,
    CONNECTIONS_PER_SESSION,
    POOL,
    DATA_KEY_CACHE,
];

const MAX_AGE: KeyDef = KeyDef::new("max_age", Required, "duration > 0", Source::None);
const MAX_MESSAGES: KeyDef = KeyDef::new(
    "max_messages",
    Text("4294967296"),
    "integer 1..4294967296",
    Fact(REF_ESDK_CACHE),
);
const MAX_BYTES: KeyDef = KeyDef::new(
    "max_bytes",
    Text("9223372036854775807"),
    "size 0..2^63−1",
    Fact(REF_ESDK_CACHE),
);

/// `[client.data_key_cache]`.
pub(super) const CACHE_KEYS: &[KeyDef] = &[MAX_AGE, MAX_MESSAGES, MAX_BYTES];

pub(super) fn client_config(ctx: &mut Ctx, top: &Tbl) -> R<ClientConfig> {
    let t = ctx.sub_or_empty(top, top::CLIENT.name)?;
    ctx.check_keys(&t, KEYS, |_| None)?;
    let retry = ctx.value(&t, &RETRY, |v| {
        one_of(v, &["none", "standard", "adaptive", "legacy"])
    })?;
    let retry = match retry.as_str() {
        "none" => RetryMode::None,
        "adaptive" => RetryMode::Adaptive,
        "legacy" => RetryMode::Legacy,
        _ => RetryMode::Standard,
    };
    if retry == RetryMode::Legacy {
        return legacy_config(ctx, &t);
    }
    let attempts = |v: &_| whole(v, "attempts", 1, 100).map(|n| n as u32);
    let max_attempts = if retry == RetryMode::None {
        match ctx.opt(&t, MAX_ATTEMPTS.name, attempts)? {
            Some(n) => {
                if n > 1 {
                    ctx.note(format!(
                        "client.max_attempts = {n} is ignored: retry = \"none\" makes one attempt"
                    ));
                }
            }
            None => ctx.record_default(
                t.key_path(MAX_ATTEMPTS.name),
                "1",
                assume("retry = \"none\": one attempt"),
            ),
        }
        1
    } else {
        ctx.value(&t, &MAX_ATTEMPTS, attempts)?
    };
    let base_delay = ctx.value(&t, &BASE_DELAY, delay)?;
    let max_backoff = ctx.value(&t, &MAX_BACKOFF, delay)?;
    let retry_quota = ctx.value(&t, &RETRY_QUOTA, |v| count_u32(v, "tokens", 0))?;
    let retry_cost = ctx.value(&t, &RETRY_COST, |v| count_u32(v, "tokens", 0))?;
    let connections_per_session = ctx.value(&t, &CONNECTIONS_PER_SESSION, |v| {
        count_u32(v, "connections", 1)
    })?;
    let pool = ctx.value(&t, &POOL, |v| one_of(v, &["grow", "wait"]))?;
    let pool = if pool == "wait" {
        PoolPolicy::Wait
    } else {
        PoolPolicy::Grow
    };
    let data_key_cache = data_key_cache(ctx, &t)?;
    let cpu_cores = ctx.value(&t, &CPU_CORES, |v| count_u32(v, "cores", 0))?;
    Ok(ClientConfig {
        cpu_cores,
        retry,
        max_attempts,
        base_delay,
        max_backoff,
        retry_quota,
        retry_cost,
        connections_per_session,
        pool,
        data_key_cache,
    })
}

/// `[client.data_key_cache]`, if there is one.
fn data_key_cache(ctx: &mut Ctx, t: &Tbl) -> R<Option<DataKeyCache>> {
    Ok(match ctx.sub(t, DATA_KEY_CACHE.name)? {
        None => None,
        Some(c) => {
            ctx.check_keys(&c, CACHE_KEYS, |_| None)?;
            let max_age = ctx.req(
                &c,
                MAX_AGE.name,
                Some("e.g. max_age = \"5m\""),
                positive_duration,
            )?;
            let max_messages =
                ctx.value(&c, &MAX_MESSAGES, |v| whole(v, "messages", 1, 1 << 32))?;
            let max_bytes = ctx.value(&c, &MAX_BYTES, |v| {
                let s = size(v)?;
                if s > i64::MAX as u64 {
                    return Err(problem("must be at most 2^63 - 1 bytes"));
                }
                Ok(s)
            })?;
            Some(DataKeyCache {
                max_age,
                max_messages,
                max_bytes,
            })
        }
    })
}

/// `retry = "legacy"`: botocore's legacy (v1) retry handler (aws-facts §9.4). Its attempts
/// default to `_retry.json`'s 5; its backoff is uncapped and it has no retry quota, so
/// `max_backoff`, `retry_quota` and `retry_cost` are checked, noted if set, and not used.
fn legacy_config(ctx: &mut Ctx, t: &Tbl) -> R<ClientConfig> {
    let attempts = |v: &_| whole(v, "attempts", 1, 100).map(|n| n as u32);
    let max_attempts = match ctx.opt(t, MAX_ATTEMPTS.name, attempts)? {
        Some(n) => n,
        None => {
            ctx.record_default(
                t.key_path(MAX_ATTEMPTS.name),
                "5",
                fact(REF_BOTOCORE_LEGACY),
            );
            5
        }
    };
    let base_delay = match ctx.opt(t, BASE_DELAY.name, delay)? {
        Some(d) => d,
        None => {
            ctx.record_default(
                t.key_path(BASE_DELAY.name),
                "\"1s\"",
                fact(REF_BOTOCORE_LEGACY),
            );
            crate::engine::time::NANOS_PER_SEC
        }
    };
    let ignored: [(&KeyDef, fn(&_) -> _); 3] = [
        (&MAX_BACKOFF, |v| delay(v).map(|_| ())),
        (&RETRY_QUOTA, |v| count_u32(v, "tokens", 0).map(|_| ())),
        (&RETRY_COST, |v| count_u32(v, "tokens", 0).map(|_| ())),
    ];
    for (key, parse) in ignored {
        if ctx.opt(t, key.name, parse)?.is_some() {
            ctx.note(format!(
                "client.{} is ignored: retry = \"legacy\" has no {} (aws-facts §9.4)",
                key.name,
                if key.name == MAX_BACKOFF.name {
                    "backoff cap"
                } else {
                    "retry quota"
                }
            ));
        } else {
            ctx.record_default(t.key_path(key.name), "none", fact(REF_BOTOCORE_LEGACY));
        }
    }
    let connections_per_session = ctx.value(t, &CONNECTIONS_PER_SESSION, |v| {
        count_u32(v, "connections", 1)
    })?;
    let pool = ctx.value(t, &POOL, |v| one_of(v, &["grow", "wait"]))?;
    let pool = if pool == "wait" {
        PoolPolicy::Wait
    } else {
        PoolPolicy::Grow
    };
    let data_key_cache = data_key_cache(ctx, t)?;
    let cpu_cores = ctx.value(t, &CPU_CORES, |v| count_u32(v, "cores", 0))?;
    Ok(ClientConfig {
        cpu_cores,
        retry: RetryMode::Legacy,
        max_attempts,
        base_delay,
        max_backoff: 0,
        retry_quota: 0,
        retry_cost: 0,
        connections_per_session,
        pool,
        data_key_cache,
    })
}
