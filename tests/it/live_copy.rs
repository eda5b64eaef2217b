//! `bksim live` on copy workloads and `[[replication]]` rules: the bundled scenarios run live
//! at a small scale and agree with the simulation of the same scaled scenario on KMS requests
//! by operation (within what the counts' randomness allows), with hand-worked counts where
//! the arrivals are constant.

use crate::common::{bksim_live, bksim_live_raw, repo, text};
use serde_json::Value;
use std::path::Path;

/// Runs `bksim live` with `args`: live.json and the live run's summary.json.
fn live(args: &[&str]) -> (Value, Value) {
    let r = bksim_live(args);
    (r.live, r.summary)
}

fn row<'a>(variant: &'a Value, metric: &str) -> &'a Value {
    variant["comparison"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} in {variant}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// `side`'s count of `metric` in `variant` is `expected` give or take the requests in flight
/// at the edges of the measured window: one on the simulated side; three live, where a
/// harness stalled by a loaded machine near an edge moves one or two more (CI once saw 62
/// replicas of 60 uploads; six runs on a quiet machine gave 59 to 61).
fn counted(variant: &Value, metric: &str, side: &str, expected: f64) {
    let x = num(&row(variant, metric)[side]);
    let edge = if side == "live" { 3.0 } else { 1.0 };
    assert!(
        (x - expected).abs() <= edge,
        "{}: {side} {metric} {x}, expected {expected} ± {edge}",
        variant["name"]
    );
}

/// Live and simulated `metric` of `variant` differ by no more than two independent Poisson
/// counts of the simulated size do, at four standard deviations (plus `slack` for counts
/// that are not Poisson: bucket keys, the edges of the measured window).
fn agrees(variant: &Value, metric: &str, slack: f64) {
    let r = row(variant, metric);
    let (l, s) = (num(&r["live"]), num(&r["simulated"]));
    let tol = 4.0 * (2.0 * s).sqrt() + slack;
    assert!(
        (l - s).abs() <= tol,
        "{}: {metric} live {l} vs simulated {s} (tolerance {tol:.1})",
        variant["name"]
    );
}

/// The bundled scenario `name` with its replication lag set to `lag` (the bundled lags, a
/// minute at p99, would keep each live run draining for a minute).
fn with_lag(dir: &Path, name: &str, to: &str, lag: &str) -> String {
    let text = std::fs::read_to_string(repo(&format!("scenarios/{name}"))).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("lag = ") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if line == format!("to = \"{to}\"") {
            out.push_str(&format!("lag = {lag}\n"));
        }
    }
    assert!(out.contains("lag = {"), "no [[replication]] to \"{to}\"");
    let p = dir.join(name);
    std::fs::write(&p, out).unwrap();
    p.to_str().unwrap().to_string()
}

/// The re-encryption job alone (the live traffic sends one request each): 20 copies/s,
/// constant, for the 4 measured seconds: 80 copies, each reading its old object with one
/// Decrypt (object ARN) and writing it through the job's bucket key (one GenerateDataKey per
/// front-end host its connections reach, mostly during the warm-up). Copies are writes.
#[test]
fn copy_job_costs_one_decrypt_per_copy_live_as_simulated() {
    let s = repo("scenarios/re-encryption-job.toml");
    let (v, summary) = live(&[
        s.to_str().unwrap(),
        "--variant",
        "job-2000",
        "--scale",
        "0.01",
        "--duration",
        "5s",
        "--warmup",
        "1s",
        "--max-payload",
        "1KiB",
        "--set",
        "workload.live-reads.requests=1",
        "--set",
        "workload.live-writes.requests=1",
    ]);
    let var = &v["variants"][0];
    for side in ["live", "simulated"] {
        counted(var, "kms.Decrypt", side, 80.0);
        let g = num(&row(var, "kms.GenerateDataKey")[side]);
        assert!(g <= 5.0, "{side} GenerateDataKey {g}");
        counted(var, "put.completed", side, 80.0);
    }
    let s = &summary["variants"][0];
    assert_eq!(
        s["cloudtrail"]["object_arn_context"],
        s["kms"]["by_operation"]["Decrypt"]
    );
    assert_eq!(s["requests"]["get"]["offered"], 0);
    assert_eq!(s["requests"]["put"]["failed"], 0);
    // Every copy really opened its old object and sealed the new one.
    let h = &var["harness"];
    assert!(h["objects_opened"].as_u64().unwrap() >= 80, "{h}");
    assert!(h["objects_sealed"].as_u64().unwrap() >= 80, "{h}");
}

/// The job at 7,500 copies/s beside the live reads and writes (scale 0.02: 240 GET/s, 20
/// PUT/s, 150 copies/s against a 400/s quota): KMS requests by operation agree.
#[test]
fn copy_job_beside_live_traffic_agrees_with_the_simulation() {
    let s = repo("scenarios/re-encryption-job.toml");
    let (v, _) = live(&[
        s.to_str().unwrap(),
        "--variant",
        "job-7500",
        "--scale",
        "0.02",
        "--duration",
        "4s",
        "--warmup",
        "1s",
        "--max-payload",
        "1KiB",
    ]);
    let var = &v["variants"][0];
    // 3 s measured: about 720 live GETs' and 450 copies' Decrypts.
    let d = num(&row(var, "kms.Decrypt")["simulated"]);
    assert!((1_000.0..1_350.0).contains(&d), "{d}");
    agrees(var, "kms.Decrypt", 0.0);
    agrees(var, "kms.GenerateDataKey", 10.0);
    agrees(var, "kms.requests", 10.0);
    agrees(var, "put.completed", 0.0);
    agrees(var, "get.completed", 0.0);
}

/// Cross-Region replication, every variant (lag shortened to keep the drain short): 10
/// uploads/s, constant, for the 3 measured seconds: 30 objects, each with one GenerateDataKey
/// in us-east-1 and replicated by the role: one Decrypt of the object's data key in
/// us-east-1, then in us-west-2 the role's bucket key (made at the first replica, in the
/// warm-up: none measured) or one Encrypt per replica.
#[test]
fn cross_region_replication_live_agrees_with_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let f = with_lag(
        dir.path(),
        "cross-region-replication.toml",
        "dr",
        r#"{ median = "300ms", p99 = "1s" }"#,
    );
    let (v, summary) = live(&[
        &f,
        "--scale",
        "0.02",
        "--duration",
        "4s",
        "--warmup",
        "1s",
        "--max-payload",
        "1KiB",
    ]);
    for (i, name) in ["dr-bucket-keys", "dr-per-object", "dr-per-object-quota-500"]
        .iter()
        .enumerate()
    {
        let var = &v["variants"][i];
        let s = &summary["variants"][i];
        assert_eq!(var["name"], *name);
        for side in ["live", "simulated"] {
            counted(var, "kms.GenerateDataKey", side, 30.0);
            counted(var, "kms.Decrypt", side, 30.0);
            counted(var, "replication.replicas", side, 30.0);
        }
        agrees(var, "replication.replicas", 2.0);
        agrees(var, "kms.requests", 4.0);
        let p = &s["replication"];
        assert_eq!(p["pending_at_end"], 0, "{p}");
        assert_eq!(p["etag_different"], 0, "{p}");
        let regions = s["kms_regions"].as_array().unwrap();
        assert_eq!(regions[0]["region"], "us-east-1");
        assert_eq!(
            regions[0]["replication_requests"],
            regions[0]["by_operation"]["Decrypt"]
        );
        let west = &regions[1];
        if i == 0 {
            assert_eq!(west["requests"], 0, "{west}");
            let rows = var["comparison"].as_array().unwrap();
            assert!(rows.iter().all(|r| r["metric"] != "kms.Encrypt"), "{var}");
        } else {
            agrees(var, "kms.Encrypt", 2.0);
            // Every Encrypt (and every retry of a throttled one) is the role's.
            assert_eq!(west["replication_requests"], west["requests"], "{west}");
            let e = west["by_operation"]["Encrypt"].as_u64().unwrap();
            let throttled = west["throttled"].as_u64().unwrap();
            let replicas = p["replicas"].as_u64().unwrap();
            assert_eq!(e - throttled, replicas, "{west} {p}");
        }
    }
}

/// An unencrypted source replicated into an SSE-KMS archive (lag shortened): no KMS call for
/// the source; with bucket keys every replica's ETag differs and the archive's readers find
/// the replicas (really sealed, opened and checked); per object, one GenerateDataKey per
/// replica and one Decrypt per GET.
#[test]
fn unencrypted_to_kms_replication_live_agrees_with_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let f = with_lag(
        dir.path(),
        "unencrypted-to-kms-replication.toml",
        "archive",
        r#"{ median = "200ms", p99 = "1s" }"#,
    );
    let (v, summary) = live(&[
        &f,
        "--scale",
        "0.1",
        "--duration",
        "4s",
        "--warmup",
        "1s",
        "--max-payload",
        "1KiB",
    ]);
    for (i, name) in ["unencrypted-source", "sse-s3-source", "kms-per-object"]
        .iter()
        .enumerate()
    {
        let var = &v["variants"][i];
        let s = &summary["variants"][i];
        assert_eq!(var["name"], *name);
        // 20 uploads/s for 3 s measured: 60 replicas; 10 GET/s: 30 reads of replicas.
        let p = &s["replication"];
        let replicas = p["replicas"].as_u64().unwrap();
        counted(var, "replication.replicas", "live", 60.0);
        counted(var, "replication.replicas", "simulated", 60.0);
        agrees(var, "replication.replicas", 2.0);
        assert_eq!(p["pending_at_end"], 0, "{p}");
        counted(var, "get.completed", "live", 30.0);
        if i < 2 {
            // The role's bucket key and the readers' unwraps of it: a handful of calls.
            assert_eq!(p["etag_different"].as_u64(), Some(replicas), "{p}");
            for side in ["live", "simulated"] {
                let k = num(&row(var, "kms.requests")[side]);
                assert!(k <= 4.0, "{name} {side} KMS requests {k}");
            }
        } else {
            assert_eq!(p["etag_different"], 0, "{p}");
            agrees(var, "kms.GenerateDataKey", 2.0);
            agrees(var, "kms.Decrypt", 2.0);
            counted(var, "kms.GenerateDataKey", "live", 60.0);
        }
    }
    let h = &v["variants"][0]["harness"];
    assert!(h["objects_opened"].as_u64().unwrap() >= 60 + 28, "{h}");
}

/// The three bundled scenarios as they are: `bksim live` runs them (briefly, no drain).
#[test]
fn bundled_copy_and_replication_scenarios_run_live() {
    for (f, variant, scale) in [
        ("re-encryption-job.toml", "live-only", "0.01"),
        ("cross-region-replication.toml", "dr-per-object", "0.02"),
        (
            "unencrypted-to-kms-replication.toml",
            "unencrypted-source",
            "0.1",
        ),
    ] {
        let s = repo(&format!("scenarios/{f}"));
        let dir = tempfile::tempdir().unwrap();
        let o = bksim_live_raw(&[
            "live",
            s.to_str().unwrap(),
            "--variant",
            variant,
            "--scale",
            scale,
            "--duration",
            "2s",
            "--warmup",
            "1s",
            "--drain",
            "0s",
            "--max-payload",
            "1KiB",
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ]);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert!(o.status.success(), "{f}: {err}");
        assert!(!err.contains("does not run") && !out.contains("does not run"));
        assert!(
            out.contains(&format!("Variant {variant} (live vs simulated")),
            "{out}"
        );
    }
}

/// A copy job in place over a population of 100 objects written without bucket keys, then
/// reads of the population (one front-end host). The job (50 copies/s, 100 copies) is done
/// by about 2 s: every read in the measured window (3 s to 6 s: 60 GETs) reads a rewritten
/// object, under the job's bucket key, which the reader unwrapped during the warm-up: no KMS
/// call is measured, live as simulated (each would cost a Decrypt without the rewrite).
/// With half the job (50 copies), about half the reads find an old object: one Decrypt each.
#[test]
fn reads_after_an_in_place_copy_job_use_its_bucket_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("in-place.toml");
    std::fs::write(
        &f,
        r#"
name = "in-place"
seed = 7
duration = "6s"
warmup = "3s"
[s3]
frontend_hosts = 1
[[bucket]]
name = "old"
encryption = "sse-kms"
bucket_key = true
existing = { objects = 100, written_over = "1m", bucket_key = false }
[[workload]]
name = "job"
bucket = "old"
op = "copy"
arrival = { kind = "constant", rate = 50 }
requests = 100
[[workload]]
name = "reads"
bucket = "old"
op = "get"
read_from = "existing"
arrival = { kind = "constant", rate = 20 }
[[variant]]
name = "whole-job"
[[variant]]
name = "half-job"
set = { "workload.job.requests" = 50 }
"#,
    )
    .unwrap();
    let (v, _) = live(&[
        f.to_str().unwrap(),
        "--warmup",
        "3s",
        "--max-payload",
        "1KiB",
    ]);
    let whole = &v["variants"][0];
    for side in ["live", "simulated"] {
        assert_eq!(num(&row(whole, "kms.requests")[side]), 0.0, "{side}");
        assert_eq!(num(&row(whole, "get.completed")[side]), 60.0, "{side}");
    }
    let half = &v["variants"][1];
    for side in ["live", "simulated"] {
        let d = num(&row(half, "kms.Decrypt")[side]);
        assert!((15.0..=45.0).contains(&d), "{side} Decrypt {d}");
    }
    agrees(half, "kms.Decrypt", 2.0);
}

/// Replicas' Encrypts over the destination's quota (us-west-2 at 150 requests/s, scaled to
/// 3/s, for 10 replicas/s): throttled writes are retried a second later until each is
/// served, live as simulated. The 30 measured replicas (and the warm-up's) take at least
/// 9 s of 3-call windows, so the last measured one lags its write by more than 5 s.
#[test]
fn throttled_replica_writes_are_retried_after_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let f = with_lag(
        dir.path(),
        "cross-region-replication.toml",
        "dr",
        r#"{ median = "300ms", p99 = "1s" }"#,
    );
    let (v, summary) = live(&[
        &f,
        "--variant",
        "dr-per-object-quota-500",
        "--set",
        "kms.regions.us-west-2.quota_rps=150",
        "--scale",
        "0.02",
        "--duration",
        "4s",
        "--warmup",
        "1s",
        "--max-payload",
        "1KiB",
    ]);
    let var = &v["variants"][0];
    for side in ["live", "simulated"] {
        counted(var, "replication.replicas", side, 30.0);
        let t = num(&row(var, "kms.throttled")[side]);
        assert!(t >= 30.0, "{side} throttled {t}");
    }
    agrees(var, "kms.throttled", 4.0);
    agrees(var, "kms.Encrypt", 4.0);
    let s = &summary["variants"][0];
    let p = &s["replication"];
    assert_eq!(p["pending_at_end"], 0, "{p}");
    assert!(p["retries"].as_u64().unwrap() >= 30, "{p}");
    assert!(p["max_lag_ms"].as_f64().unwrap() > 5_000.0, "{p}");
    let west = &s["kms_regions"][1];
    assert_eq!(west["quota_rps"], 3);
    let served = west["requests"].as_u64().unwrap() - west["throttled"].as_u64().unwrap();
    assert_eq!(served, p["replicas"].as_u64().unwrap(), "{west} {p}");
}
