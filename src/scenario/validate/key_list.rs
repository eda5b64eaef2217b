//! Every scenario key as a dotted-path pattern (`*`: an element's name) with its default
//! text and whether that default is uncertain (an assumption, or a fact marked UNCERTAIN):
//! what the sensitivity range table of `bksim sensitivity` is checked against.

use super::keys::{DefaultValue, KeyDef, Source};
use super::{arrival, bucket, client, crypto, expect, kms, replication, s3, top, trace, workload};

/// One scenario key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyInfo {
    /// Dotted path, `*` for an element's name: `bucket.*.prefixes`.
    pub path: String,
    /// The default as written in a scenario file, when it has one in that syntax.
    pub default: Option<&'static str>,
    /// Whether the default is an assumption or a fact marked UNCERTAIN.
    pub uncertain: bool,
}

/// Every key table, with the dotted-path prefix of its keys (`*`: an element's name).
const TABLES: &[(&str, &[KeyDef])] = &[
    ("", top::KEYS),
    ("kms.", kms::KEYS),
    ("kms.regions.*.", kms::REGION_KEYS),
    ("s3.", s3::KEYS),
    ("client.", client::KEYS),
    ("client.data_key_cache.", client::CACHE_KEYS),
    ("crypto.", crypto::KEYS),
    ("bucket.*.", bucket::KEYS),
    ("bucket.*.existing.", bucket::EXISTING_KEYS),
    ("workload.*.", workload::KEYS),
    ("workload.*.", trace::KEYS),
    ("workload.*.arrival.", arrival::OPEN_KEYS),
    ("workload.*.arrival.", arrival::CLOSED_KEYS),
    ("replication.*.", replication::KEYS),
    ("expect.*.", expect::KEYS),
];

/// Every key of every table.
pub fn key_table() -> Vec<KeyInfo> {
    TABLES
        .iter()
        .flat_map(|(prefix, keys)| {
            keys.iter().map(move |k| KeyInfo {
                path: format!("{prefix}{}", k.name),
                default: match k.default {
                    DefaultValue::Text(t) => Some(t),
                    _ => None,
                },
                uncertain: match k.source {
                    Source::Assumption(_) => true,
                    Source::Fact(reference) => reference.contains("UNCERTAIN"),
                    Source::None => false,
                },
            })
        })
        .collect()
}
