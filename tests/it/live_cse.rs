//! `bksim live` with client-side encryption: the bundled `cse-kms` and layered scenarios run
//! live at a small scale, the client's own KMS calls (through its data-key cache) counted as
//! the simulation counts them, and every object the client encrypted decrypted and checked.

use crate::common::{bksim_live, repo};
use serde_json::Value;

/// Runs `bksim live` on bundled scenario `file` with `args` (1 KiB payloads); live.json,
/// summary.json. A failed real round trip (an object that does not decrypt to its payload)
/// exits 1 and fails the test.
fn live(file: &str, args: &[&str]) -> (Value, Value) {
    let f = repo(file);
    let mut all = vec![f.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--max-payload", "1KiB"]);
    let r = bksim_live(&all);
    (r.live, r.summary)
}

fn variant<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("no variant {name}"))
}

/// (live, simulated) of a comparison row.
fn row(v: &Value, metric: &str) -> (f64, f64) {
    let r = v["comparison"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} in {v}"));
    (
        r["live"].as_f64().unwrap(),
        r["simulated"].as_f64().unwrap(),
    )
}

/// Live and simulated within `tol` of each other (relative to the simulated value).
fn close(v: &Value, metric: &str, tol: f64) {
    let (l, s) = row(v, metric);
    assert!(
        (l - s).abs() <= tol * s.max(1.0),
        "{metric}: live {l}, simulated {s}, tolerance {tol}"
    );
}

fn client(v: &Value) -> &Value {
    &v["harness"]["client_side"]
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// cse-kms uploads of 1 GiB objects by 64 single-core sessions, scaled ×0.05: 60 uploads/s.
/// Without a cache every upload is one client GenerateDataKey (nothing is throttled: the
/// scaled quota is 1,000/s); the session's core is busy 1 GiB ÷ 16.81 GB/s = 63.9 ms per
/// upload (the reference profile), almost all of it the calibration cost of the bytes beyond
/// --max-payload. With a 1,000-object cache each session generates one key: a session
/// sending 60/64 = 0.94 uploads/s makes its first upload after the 1 s warm-up with
/// probability e^-0.94 = 0.39, so about 25 GenerateDataKey are measured, not 240.
#[test]
fn cse_client_fleet_live_matches_the_simulation() {
    let (v, summary) = live(
        "scenarios/cse-client-fleet.toml",
        &[
            "--variant",
            "one-core",
            "--variant",
            "one-core-key-cache",
            "--scale",
            "0.05",
            "--duration",
            "5s",
            "--warmup",
            "1s",
        ],
    );
    let one = variant(&v, "one-core");
    let (gdk, sim_gdk) = row(one, "kms.GenerateDataKey");
    let (puts, sim_puts) = row(one, "put.offered");
    assert_eq!(gdk, puts, "one GenerateDataKey per upload, live");
    assert_eq!(
        sim_gdk, sim_puts,
        "one GenerateDataKey per upload, simulated"
    );
    assert!((150.0..330.0).contains(&puts), "{puts}");
    // Two Poisson counts of ~240: each within ±3 standard deviations (±47).
    assert!((gdk - sim_gdk).abs() <= 70.0, "{gdk} vs {sim_gdk}");
    assert_eq!(row(one, "kms.Decrypt"), (0.0, 0.0));
    assert_eq!(row(one, "kms.throttled"), (0.0, 0.0));
    // 16 parts of 64 MiB at 1 GiB/s after 64 ms of encryption: the latencies agree (within
    // 30 %: an upload is 19 calls in sequence, each delayed by the harness's own lag when
    // the machine is busy).
    close(one, "put.p50_ms", 0.3);
    let (cpu, sim_cpu) = row(one, "client.cpu_seconds");
    let per_upload = cpu / puts;
    assert!(
        (0.0635..0.0645).contains(&per_upload),
        "{cpu} s for {puts} uploads"
    );
    assert!((sim_cpu / sim_puts - 0.06386).abs() < 0.0005, "{sim_cpu}");
    let c = client(one);
    assert_eq!(n(&c["cache_hits_generate"]), 0);
    assert!(n(&c["objects_sealed"]) >= puts as u64, "{c}");
    let live_one = variant(&summary, "one-core");
    assert!(live_one["kms"]["by_caller"].is_null(), "not layered");
    assert_eq!(live_one["crypto"]["client_cpu_cores"], 1);

    let cached = variant(&v, "one-core-key-cache");
    let (gdk, sim_gdk) = row(cached, "kms.GenerateDataKey");
    assert!((8.0..=45.0).contains(&gdk), "live {gdk}: about 25 expected");
    assert!((8.0..=45.0).contains(&sim_gdk), "simulated {sim_gdk}");
    let c = client(cached);
    let sealed = n(&c["objects_sealed"]);
    let misses = sealed - n(&c["cache_hits_generate"]);
    // Each of the 64 sessions misses once (its first upload); none reaches 1,000 objects.
    // (A second miss needs two uploads of one session within a KMS latency: rare.)
    assert!((55..=72).contains(&misses), "{misses} misses: {c}");
}

/// Client-side encryption over SSE-KMS with bucket keys, scaled ×0.05 (100 PUT/s, 350 GET/s,
/// a 500/s quota). Each layer's calls are counted by caller, as the simulation counts them.
/// Without a cache the client makes a GenerateDataKey per PUT and a Decrypt per GET (plus
/// retries of throttled ones); with the cache each of the 20 writer sessions (5 PUT/s each)
/// generates one key during the first second almost surely (1 - e^-5), so at most a few
/// client GenerateDataKey fall in the measured window.
#[test]
fn cse_over_sse_kms_counts_each_layer() {
    let (v, summary) = live(
        "scenarios/cse-over-sse-kms.toml",
        &[
            "--variant",
            "layered",
            "--variant",
            "layered-key-cache",
            "--scale",
            "0.05",
            "--duration",
            "4s",
            "--warmup",
            "1s",
        ],
    );
    let layered = variant(&v, "layered");
    close(layered, "kms.requests", 0.15);
    close(layered, "kms.GenerateDataKey", 0.15);
    close(layered, "kms.Decrypt", 0.15);
    let (t, st) = row(layered, "kms.throttled_fraction_%");
    assert!((t - st).abs() <= 6.0, "throttled {t} % vs {st} %");
    let (cgdk, sim_cgdk) = row(layered, "kms.client.GenerateDataKey");
    let (puts, _) = row(layered, "put.offered");
    assert!(
        cgdk >= puts,
        "a client GenerateDataKey per PUT at least: {cgdk} < {puts}"
    );
    close(layered, "kms.client.GenerateDataKey", 0.2);
    close(layered, "kms.client.Decrypt", 0.2);
    // S3's own bucket-key Decrypt calls, throttled and retried as 503s: a looser check.
    close(layered, "kms.s3.Decrypt", 0.3);
    assert!(sim_cgdk > 200.0, "{sim_cgdk}");
    let (gets, _) = row(layered, "get.completed");
    let c = client(layered);
    assert_eq!(n(&c["cache_hits_generate"]), 0);
    assert_eq!(n(&c["cache_hits_decrypt"]), 0);
    // Every GET that completed was decrypted by the client and checked.
    assert!(n(&c["objects_opened"]) as f64 >= gets, "{c}");
    // summary.json splits KMS calls by caller; the split adds up.
    let k = &variant(&summary, "layered")["kms"];
    let bc = &k["by_caller"];
    assert_eq!(
        n(&bc["s3"]["requests"]) + n(&bc["client"]["requests"]),
        n(&k["requests"]),
        "{bc}"
    );
    assert_eq!(n(&bc["client"]["GenerateDataKey"]) as f64, cgdk);

    let cached = variant(&v, "layered-key-cache");
    let (cgdk, sim_cgdk) = row(cached, "kms.client.GenerateDataKey");
    assert!(cgdk <= 3.0 && sim_cgdk <= 3.0, "{cgdk} / {sim_cgdk}");
    let (puts, _) = row(cached, "put.completed");
    let c = client(cached);
    assert!(
        n(&c["cache_hits_generate"]) as f64 >= puts - 3.0,
        "cached PUTs: {c}"
    );
    // A reader session decrypts each writer key once: far fewer client Decrypt than GETs.
    let (cdec, _) = row(cached, "kms.client.Decrypt");
    let (gets, _) = row(cached, "get.completed");
    assert!(cdec < gets * 0.8, "{cdec} client Decrypt for {gets} GETs");
    assert!(n(&c["cache_hits_decrypt"]) > 0, "{c}");
    close(cached, "kms.client.Decrypt", 0.2);
    assert!(n(&c["objects_opened"]) as f64 >= gets, "{c}");
}

/// Three workloads sharing ap-southeast-2's quota, scaled ×0.1: the `cse-kms` document
/// uploads call KMS from the client, in adaptive retry mode. Every request that completed
/// made exactly one KMS call that was served (S3's per-object GenerateDataKey or Decrypt for
/// the ingest and analytics, the client's GenerateDataKey for documents), and every other
/// call was throttled (the scaled quota, 2,000/s with 700/s of background, is above the
/// 980/s offered, so hardly any are), live as simulated.
#[test]
fn shared_account_with_a_cse_workload_runs_live() {
    let (v, summary) = live(
        "scenarios/shared-account.toml",
        &[
            "--variant",
            "per-object-adaptive",
            "--scale",
            "0.1",
            "--duration",
            "4s",
            "--warmup",
            "1s",
        ],
    );
    let var = variant(&v, "per-object-adaptive");
    let live_sim = |m: &str| row(var, m);
    // The simulated figures are medians over seeds, each of its own seed, so relations
    // between them hold only roughly; the relation is checked on the live run, and on the
    // simulated medians within the seeds' spread.
    for side in [0, 1] {
        let pick = |m: &str| {
            let (l, s) = live_sim(m);
            [l, s][side]
        };
        let served = pick("kms.requests") - pick("kms.throttled");
        let completed = pick("put.completed") + pick("get.completed");
        // Exact in each simulated run; live, a busy machine can leave a request in flight or
        // make one fail after its call was served (seen once in a full `cargo test`).
        let slack = [0.005, 0.03][side] * completed;
        assert!(
            (served - completed).abs() <= slack,
            "side {side}: {served} calls served, {completed} requests completed: {}",
            var["comparison"]
        );
        assert!(pick("kms.throttled") <= 0.01 * pick("kms.requests"));
    }
    let (l, _) = live_sim("kms.GenerateDataKey");
    assert!(l >= live_sim("put.completed").0);
    assert!(live_sim("kms.Decrypt").0 >= live_sim("get.completed").0);
    close(var, "kms.requests", 0.05);
    close(var, "kms.GenerateDataKey", 0.05);
    close(var, "kms.Decrypt", 0.1);
    let c = client(var);
    assert!(n(&c["objects_sealed"]) > 100, "{c}");
    assert!(variant(&summary, "per-object-adaptive")["kms"]["by_caller"].is_null());
}
