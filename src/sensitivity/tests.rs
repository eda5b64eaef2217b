//! Tests of the sensitivity analysis on small scenarios whose answers are known by hand.

use super::metrics::{KMS_RPS, Verdict};
use super::output::SensitivityResults;
use super::{Sensitivity, ranges, values};
use crate::scenario::ScenarioFile;
use std::path::Path;

/// 1,000 SSE-KMS PUT/s offered at a constant rate (one GenerateDataKey per object without
/// bucket keys) against a 1,500 rps quota: far from the quota at the base values.
const PUTS: &str = r#"
name = "puts"
seed = 7
duration = "20s"
warmup = "5s"
[kms]
region = "eu-central-1"
quota_rps = 1500
[[bucket]]
name = "b"
encryption = "sse-kms"
[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "constant", rate = 1000 }
sessions = 4
[[variant]]
name = "per-object"
set = { "bucket.b.bucket_key" = false }
"#;

/// 300 PUT/s with bucket keys for 16 minutes from 300 sessions, each on its own connection
/// to a front-end host drawn at random: each host the connections reach asks KMS for a
/// bucket key about once per TTL, so KMS calls grow with the hosts (10: all ten reached;
/// 1,000: a few hundred reached) and shrink with the TTL.
const BUCKET_KEYS: &str = r#"
name = "bucket-keys"
seed = 3
duration = "16m"
warmup = "1m"
[[bucket]]
name = "b"
encryption = "sse-kms"
[[workload]]
name = "w"
bucket = "b"
op = "put"
arrival = { kind = "constant", rate = 300 }
sessions = 300
[[variant]]
name = "bucket-key"
set = { "bucket.b.bucket_key" = true }
"#;

fn file(text: &str) -> ScenarioFile {
    ScenarioFile::parse(Path::new("test.toml"), text).unwrap()
}

fn analyse(f: &ScenarioFile, only: &[&str], threads: usize) -> SensitivityResults {
    let variants = f.variants().iter().map(|v| v.name.clone()).collect();
    let s = Sensitivity {
        file: f,
        base: Vec::new(),
        variants,
        only: only.iter().map(|s| s.to_string()).collect(),
        metrics: Vec::new(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| s.run(&|| {})).unwrap()
}

fn num(s: &str) -> f64 {
    values::magnitude(&values::parse(s)).unwrap()
}

#[test]
fn latency_does_not_move_kms_calls_and_the_quota_flips_at_the_offered_rate() {
    let f = file(PUTS);
    let r = analyse(&f, &["kms.quota_rps", "kms.latency"], 2);
    let v = &r.variants[0];
    assert_eq!(v.verdict, Verdict::Ok);
    assert_eq!(v.base[KMS_RPS], 1000.0);
    // The quota changes the verdict: it comes first.
    let q = &v.parameters[0];
    assert_eq!(q.path, "kms.quota_rps");
    assert_eq!((q.low.as_str(), q.high.as_str()), ("750", "3000"));
    assert_ne!(q.verdict_at_low, Verdict::Ok);
    assert_eq!(q.verdict_at_high, Verdict::Ok);
    let flip = q.flip.as_ref().expect("bisection ran");
    assert_eq!(flip.verdict, Verdict::Throttled);
    let (keeps, flips) = (num(&flip.keeps), num(&flip.flips));
    // Bisection between 1,500 and 750 in 7 halvings: brackets 750/128 wide (rounded to
    // whole requests/s), around the offered 1,000 requests/s.
    assert!(flips < keeps, "{flip:?}");
    assert!(keeps - flips <= 750.0 / 128.0 + 1.0, "{flip:?}");
    assert!(flips < 1000.0 && keeps >= 1000.0 - 1.0, "{flip:?}");
    assert!((keeps - 1000.0).abs() <= 10.0 && (flips - 1000.0).abs() <= 10.0);
    // KMS latency: one GenerateDataKey per PUT whatever the latency.
    let l = &v.parameters[1];
    assert_eq!(l.path, "kms.latency");
    assert_eq!(l.at_low[KMS_RPS], 1000.0);
    assert_eq!(l.at_high[KMS_RPS], 1000.0);
    assert!(l.at_high["p99_ms.put"] > l.at_low["p99_ms.put"]);
    assert_eq!(l.flip, None);
}

#[test]
fn bucket_key_calls_grow_with_hosts_and_shrink_with_the_ttl() {
    let f = file(BUCKET_KEYS);
    let r = analyse(&f, &["s3.frontend_hosts", "s3.bucket_key_ttl"], 2);
    let v = &r.variants[0];
    let p = |path: &str| v.parameters.iter().find(|p| p.path == path).unwrap();
    let base = v.base[KMS_RPS];
    let hosts = p("s3.frontend_hosts");
    assert_eq!((hosts.low.as_str(), hosts.high.as_str()), ("10", "1000"));
    assert!(
        hosts.at_low[KMS_RPS] < base && base < hosts.at_high[KMS_RPS],
        "{hosts:?}"
    );
    let ttl = p("s3.bucket_key_ttl");
    assert_eq!((ttl.low.as_str(), ttl.high.as_str()), ("1m", "15m"));
    assert!(
        ttl.at_low[KMS_RPS] > base && base > ttl.at_high[KMS_RPS],
        "{ttl:?}"
    );
    // Both far below the default 20,000 rps quota: nothing flips.
    assert!(v.parameters.iter().all(|p| p.flip.is_none()));
    assert_eq!(ttl.source, "assumption");
}

#[test]
fn the_same_bytes_on_one_and_two_threads() {
    let f = file(PUTS);
    let only = ["kms.quota_rps", "s3.latency", "client.retry"];
    let a = analyse(&f, &only, 1).to_json();
    let b = analyse(&f, &only, 2).to_json();
    assert_eq!(a, b);
    assert!(a.contains("\"schema\": \"bksim.sensitivity.v1\""));
}

#[test]
fn range_keys_match_element_names() {
    assert!(ranges::matches("bucket.*.prefixes", "bucket.logs.prefixes"));
    assert!(!ranges::matches(
        "bucket.*.prefixes",
        "bucket.logs.existing.prefixes"
    ));
    assert_eq!(
        ranges::range_for("s3.frontend_hosts").map(|r| r.key),
        Some("s3.frontend_hosts")
    );
    assert!(ranges::range_for("workload.w.sessions").is_none());
}

#[test]
fn the_scenarios_own_ranges_replace_and_add_parameters() {
    // Below the offered 1,000 PUT/s at both ends: throttled at both.
    let text = format!(
        "{PUTS}[sensitivity]\n\"kms.quota_rps\" = [500, 900]\n\"workload.w.sessions\" = [1, 8]\n"
    );
    // The quota's entry is the file's last line but one.
    let line = text.lines().count() - 1;
    let f = file(&text);
    let r = analyse(&f, &["kms.quota_rps", "workload.w.sessions"], 2);
    let v = &r.variants[0];
    let p = |path: &str| v.parameters.iter().find(|p| p.path == path).unwrap();
    let q = p("kms.quota_rps");
    assert_eq!((q.low.as_str(), q.high.as_str()), ("500", "900"));
    assert_eq!(
        q.reason,
        format!("range set by the scenario ([sensitivity], line {line})")
    );
    // Half the offered rate: retries cannot hide it; 90 %: throttled at least.
    assert_eq!(q.verdict_at_low, Verdict::Failures);
    assert_ne!(q.verdict_at_high, Verdict::Ok);
    // Sessions have no range of their own: the scenario adds one.
    let s = p("workload.w.sessions");
    assert_eq!((s.low.as_str(), s.high.as_str()), ("1", "8"));
    assert_eq!(s.source, "scenario line 17");
    assert_eq!(s.at_low[KMS_RPS], 1000.0);
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn shards_merged_give_the_unsharded_bytes() {
    use super::shard::{self, SHARD_SCHEMA, ShardFile};
    let f = file(PUTS);
    let s = Sensitivity {
        file: &f,
        base: Vec::new(),
        variants: vec!["per-object".into()],
        only: ["kms.quota_rps", "s3.latency", "client.retry", "kms.limiter"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        metrics: Vec::new(),
    };
    let whole = in_pool(1, || s.run(&|| {})).unwrap().to_json();
    let shard = |i: usize, n: usize| {
        let results = in_pool(2, || s.run_shard(i, n, &|| {})).unwrap();
        let text = ShardFile {
            schema: SHARD_SCHEMA.into(),
            shard: i,
            shards: n,
            fingerprint: s.fingerprint(),
            results,
        }
        .to_json();
        let path = std::path::PathBuf::from(format!("shard-{i}-of-{n}.json"));
        let parsed = shard::parse(&path, &text).unwrap();
        (path, parsed)
    };
    let (a, b, c) = (shard(0, 3), shard(1, 3), shard(2, 3));
    // Four parameters over three shards: 2, 1 and 1.
    let count = |x: &(std::path::PathBuf, ShardFile)| x.1.results.variants[0].parameters.len();
    assert_eq!((count(&a), count(&b), count(&c)), (2, 1, 1));
    // In any order.
    let merged = shard::merge(&s, &[c.clone(), a.clone(), b.clone()]).unwrap();
    assert_eq!(merged.to_json(), whole);

    // A shard missing, given twice, or of another analysis: refused.
    let e = shard::merge(&s, &[a.clone(), c.clone()]).unwrap_err();
    assert_eq!(e.to_string(), "shards missing: 1 of 3");
    // A long list is cut after ten (a tampered count of 2 * 10^7 printed 189 MB).
    let e = shard::MergeError::Missing {
        missing: (1..25).collect(),
        count: 25,
    };
    assert_eq!(
        e.to_string(),
        "shards missing: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, … (24 in all) of 25"
    );
    let e = shard::merge(&s, &[a.clone(), a.clone(), b.clone(), c.clone()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "shard-0-of-3.json: shard 0 of 3 is also shard-0-of-3.json"
    );
    let other = Sensitivity {
        only: vec!["kms.quota_rps".into()],
        ..Sensitivity {
            file: &f,
            base: Vec::new(),
            variants: vec!["per-object".into()],
            only: Vec::new(),
            metrics: Vec::new(),
        }
    };
    let e = shard::merge(&other, &[a.clone(), b.clone(), c.clone()]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("shard-0-of-3.json: belongs to another analysis"),
        "{e}"
    );
    // A shard whose parameters were swapped for another's.
    let mut wrong = b.clone();
    wrong.1.results.variants[0].parameters = c.1.results.variants[0].parameters.clone();
    let e = shard::merge(&s, &[a, wrong, c]).unwrap_err();
    assert!(e.to_string().contains("but shard 1 of 3 varies"), "{e}");
}
