//! Model checks against results that do not depend on the model (DESIGN.md §4).

use super::run_variant;
use super::testkit::*;
use crate::engine::time::{NANOS_PER_MILLI, NANOS_PER_SEC};
use crate::mode::Mode;
use crate::scenario::*;

fn no_retries(sc: &mut Scenario) {
    sc.client.retry = RetryMode::None;
    sc.client.max_attempts = 1;
}

#[test]
fn offered_equals_completed_plus_failed() {
    let sc = simple(20_000.0, 10_000, 10);
    let r = run_variant("per-object", &sc, None);
    let p = r.summary.requests.put;
    assert_eq!(p.offered, p.completed + p.failed);
    assert!(r.summary.kms.throttled > 0);
}

#[test]
fn kms_requests_equal_s3_requests_without_bucket_keys() {
    let mut sc = simple(2_000.0, 100_000, 10);
    sc.s3.prefix_put_rps = 0;
    sc.s3.prefix_get_rps = 0;
    sc.workloads.push(Workload {
        name: "reads".into(),
        op: Op::Get,
        arrival: Arrival::Poisson {
            rate: 1_500.0,
            profile: RateProfile::Flat,
        },
        ..sc.workloads[0].clone()
    });
    let s = run_variant("per-object", &sc, None).summary;
    assert_eq!(s.kms.throttled, 0);
    assert_eq!(s.requests.put.failed + s.requests.get.failed, 0);
    assert_eq!(s.kms.by_operation.GenerateDataKey, s.requests.put.completed);
    // Reads of nothing-yet-written objects are never sent.
    assert_eq!(
        s.kms.by_operation.Decrypt, s.requests.get.completed,
        "{:?}",
        s.requests.get
    );
    assert!(s.requests.get.completed > 10_000);
    assert_eq!(s.cloudtrail.object_arn_context, s.kms.requests);
}

#[test]
fn fixed_window_admits_q_per_second_and_throttles_one_minus_q_over_lambda() {
    let q = 1_000u64;
    let mut sc = simple(2.0 * q as f64, q, 60);
    no_retries(&mut sc);
    sc.s3.prefix_put_rps = 0;
    let s = run_variant("v", &sc, None).summary;
    let expected = q as f64 * 60.0;
    let done = s.requests.put.completed as f64;
    assert!(
        (done / expected - 1.0).abs() < 0.01,
        "completed {done} vs {expected}"
    );
    let frac = s.kms.throttled as f64 / s.kms.requests as f64;
    let lambda = s.requests.put.offered as f64 / 60.0;
    let predicted = 1.0 - q as f64 / lambda;
    assert!(
        (frac - predicted).abs() < 0.01,
        "throttled {frac} vs {predicted}"
    );
}

#[test]
fn token_bucket_admits_qt_plus_b() {
    let (q, b) = (1_000u64, 5_000u64);
    let mut sc = simple(2.0 * q as f64, q, 60);
    no_retries(&mut sc);
    sc.s3.prefix_put_rps = 0;
    sc.kms.limiter = LimiterKind::TokenBucket { burst: b };
    let s = run_variant("v", &sc, None).summary;
    let expected = (q * 60 + b) as f64;
    let done = s.requests.put.completed as f64;
    assert!(
        (done / expected - 1.0).abs() < 0.01,
        "completed {done} vs {expected}"
    );
}

#[test]
fn bucket_keys_issued_is_ceil_duration_over_ttl() {
    for (duration_s, ttl_s) in [(600u64, 60u64), (650, 60), (60, 600), (300, 7)] {
        let mut sc = simple(10.0, 10_000, duration_s);
        sc.workloads[0].arrival = Arrival::Constant {
            rate: 10.0,
            profile: RateProfile::Flat,
        };
        sc.workloads[0].sessions = 1;
        sc.client.connections_per_session = 1;
        sc.s3.frontend_hosts = 1;
        sc.s3.bucket_key_ttl = ttl_s * NANOS_PER_SEC;
        sc.kms.latency = fixed(0);
        sc.s3.latency = fixed(0);
        sc.buckets[0].bucket_key = true;
        let s = run_variant("bk", &sc, None).summary;
        let expect = duration_s.div_ceil(ttl_s);
        assert_eq!(s.bucket_keys_issued, expect, "D={duration_s} t={ttl_s}");
        assert_eq!(s.kms.requests, expect);
        assert_eq!(s.cloudtrail.bucket_arn_context, expect);
    }
}

#[test]
fn closed_loop_obeys_littles_law() {
    let mut sc = simple(1.0, 1_000_000, 60);
    let (n, kms_ms, s3_ms, think_ms) = (50u32, 10u64, 20u64, 30u64);
    sc.workloads[0].arrival = Arrival::Closed {
        concurrency: n,
        think: think_ms * NANOS_PER_MILLI,
    };
    sc.kms.latency = fixed(kms_ms);
    sc.s3.latency = fixed(s3_ms);
    sc.s3.prefix_put_rps = 0;
    let s = run_variant("v", &sc, None).summary;
    let cycle = (kms_ms + s3_ms + think_ms) as f64 / 1000.0;
    let expected = n as f64 / cycle;
    let throughput = s.requests.put.completed as f64 / 60.0;
    assert!(
        (throughput / expected - 1.0).abs() < 0.01,
        "{throughput} vs {expected}"
    );
    assert!((s.latency_ms.put.mean - 30.0).abs() < 0.05);
}

/// Erlang C: probability that an arrival waits in an M/M/c queue with offered load a = λ/μ.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut sum = 0.0;
    let mut term = 1.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let last = term * a / c as f64;
    let rho = a / c as f64;
    let top = last / (1.0 - rho);
    top / (sum + top)
}

#[test]
fn connection_pool_with_waiting_matches_erlang_c() {
    // One session, c pooled connections, Poisson arrivals, exponential service (S3 only,
    // no KMS): mean response = 1/μ + C(c, a) / (cμ − λ).
    let (c, lambda, mean_ms) = (8u32, 300.0, 20.0);
    let mut sc = simple(lambda, 1_000_000, 2_000);
    sc.buckets[0].encryption = Mode::SseS3;
    sc.workloads[0].sessions = 1;
    sc.client.connections_per_session = c;
    sc.client.pool = PoolPolicy::Wait;
    sc.s3.latency = LatencyDist::Exponential {
        mean: (mean_ms * 1e6) as u64,
    };
    sc.s3.prefix_put_rps = 0;
    let s = run_variant("v", &sc, None).summary;
    let mu = 1000.0 / mean_ms;
    let a = lambda / mu;
    let wait = erlang_c(c, a) / (c as f64 * mu - lambda);
    let expected_ms = (1.0 / mu + wait) * 1000.0;
    let got = s.latency_ms.put.mean;
    assert!(
        (got / expected_ms - 1.0).abs() < 0.02,
        "mean {got} ms vs Erlang C {expected_ms} ms"
    );
}

#[test]
fn same_seed_same_results_and_variants_share_arrivals() {
    let sc = simple(5_000.0, 3_000, 20);
    let a = run_variant("v", &sc, None);
    let b = run_variant("v", &sc, None);
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.timeseries, b.timeseries);
    let mut bk = sc.clone();
    bk.buckets[0].bucket_key = true;
    let c = run_variant("bk", &bk, None);
    assert_eq!(
        a.summary.requests.put.offered,
        c.summary.requests.put.offered
    );
    let offered_a: Vec<u64> = a.timeseries.iter().map(|r| r.put_offered).collect();
    let offered_c: Vec<u64> = c.timeseries.iter().map(|r| r.put_offered).collect();
    assert_eq!(offered_a[..20], offered_c[..20]);
    let mut other = sc.clone();
    other.seed = 43;
    assert_ne!(run_variant("v", &other, None).summary, a.summary);
}

#[test]
fn bucket_keys_remove_throttling_and_cut_kms_calls() {
    let mut sc = simple(20_000.0, 10_000, 30);
    sc.buckets[0].bucket_key = true;
    let s = run_variant("bk", &sc, None).summary;
    assert_eq!(s.kms.throttled, 0);
    assert_eq!(s.requests.put.failed, 0);
    // 10 sessions, each spreading over at most 100 hosts, one key per TTL window (30 s < TTL).
    assert!(s.bucket_keys_issued <= 10 * 100, "{}", s.bucket_keys_issued);
    assert_eq!(s.kms.requests, s.bucket_keys_issued);
}

#[test]
fn single_flight_off_shows_the_cold_start_herd() {
    // One session on one host: every request arriving while the first GenerateDataKey is in
    // flight (≈ 10 ms × 20,000/s ≈ 200) misses too unless it joins that call.
    let mut sc = simple(20_000.0, 1_000_000, 5);
    sc.buckets[0].bucket_key = true;
    sc.workloads[0].sessions = 1;
    sc.s3.frontend_hosts = 1;
    let on = run_variant("on", &sc, None).summary;
    sc.s3.single_flight = false;
    let off = run_variant("off", &sc, None).summary;
    assert_eq!(on.kms.requests, 1);
    assert!(off.kms.requests > 50, "{}", off.kms.requests);
    assert_eq!(off.bucket_keys_issued, off.kms.requests);
}

#[test]
fn background_traffic_shares_the_quota() {
    let q = 1_000u64;
    let mut sc = simple(600.0, q, 60);
    no_retries(&mut sc);
    sc.s3.prefix_put_rps = 0;
    let alone = run_variant("alone", &sc, None).summary;
    assert_eq!(alone.kms.throttled, 0);
    sc.kms.background_rps = 600.0;
    let shared = run_variant("shared", &sc, None).summary;
    assert!(shared.kms.throttled > 0);
    let bg = shared.kms.background_requests as f64;
    assert!((bg / 36_000.0 - 1.0).abs() < 0.03, "{bg}");
    // Together they got what the window allows: Q per second, within Poisson noise.
    let admitted = (shared.kms.requests - shared.kms.throttled)
        + (shared.kms.background_requests - shared.kms.background_throttled);
    assert!(
        (admitted as f64 / (q * 60) as f64 - 1.0).abs() < 0.02,
        "{admitted}"
    );
}

#[test]
fn prefix_limit_binds_before_kms_when_prefixes_are_few() {
    let mut sc = simple(5_000.0, 100_000, 20);
    sc.buckets[0].prefixes = 1;
    no_retries(&mut sc);
    let s = run_variant("v", &sc, None).summary;
    assert!(s.s3_slowdown.prefix > 0);
    assert_eq!(s.s3_slowdown.kms, 0);
    let done = s.requests.put.completed as f64 / 20.0;
    assert!((done / 3_500.0 - 1.0).abs() < 0.01, "{done}");
}

#[test]
fn multipart_makes_one_generate_and_a_decrypt_per_part() {
    // 40 MiB in 8 MiB parts: 5 parts. Creates happen on arrival, inside the measured window;
    // the parts of the last few uploads land after it (drain), so Decrypts fall just short
    // of 5 per upload.
    let mut sc = simple(50.0, 1_000_000, 60);
    sc.workloads[0].size = SizeDist::Fixed(40 << 20);
    let s = run_variant("v", &sc, None).summary;
    let n = s.requests.put.completed;
    assert!(n > 2_500);
    assert_eq!(s.requests.put.failed, 0);
    assert_eq!(s.kms.by_operation.GenerateDataKey, n);
    let parts = s.kms.by_operation.Decrypt;
    assert!(
        parts <= 5 * n && parts as f64 > 0.99 * (5 * n) as f64,
        "{parts} vs {}",
        5 * n
    );
}

#[test]
fn reads_of_old_data_save_less_than_writes_with_bucket_keys() {
    let mut sc = simple(2_000.0, 1_000_000, 30);
    sc.buckets[0].bucket_key = true;
    sc.buckets[0].existing = Some(Population {
        objects: 50_000_000,
        written_over: 30 * 86_400 * NANOS_PER_SEC,
        writer_sessions: 20,
        bucket_key_since: 30 * 86_400 * NANOS_PER_SEC,
        size: SizeDist::Fixed(1 << 20),
    });
    sc.workloads[0].op = Op::Get;
    sc.workloads[0].read_from = ReadFrom::Existing;
    let s = run_variant("v", &sc, None).summary;
    let per_get = s.kms.requests as f64 / s.requests.get.completed as f64;
    assert!(
        per_get > 0.9,
        "reads of month-old data mostly miss: {per_get}"
    );
    assert_eq!(s.cloudtrail.bucket_arn_context, s.kms.requests);
    // The same sessions writing at the same rate need a bucket key per host and TTL only.
    sc.workloads[0].op = Op::Put;
    sc.workloads[0].read_from = ReadFrom::Written;
    let w = run_variant("w", &sc, None).summary;
    let per_put = w.kms.requests as f64 / w.requests.put.completed as f64;
    assert!(per_put < 0.05, "writes share bucket keys: {per_put}");
}

#[test]
fn drain_traffic_counts_with_the_request_it_belongs_to() {
    // 20 constant-rate multipart uploads/s for 30 s, warm-up 5 s: arrivals k/20 s for
    // k = 100..=599 are the window's 500 uploads. Each is 256 MiB in 32 parts of 8 MiB with a
    // per-object key: one GenerateDataKey (create) and one Decrypt per part, 33 KMS calls,
    // whenever they happen (the last uploads finish after `duration`). Calls of uploads that
    // arrived during warm-up count nowhere in the summary, but in the time series.
    let mut sc = simple(20.0, 1_000_000, 30);
    sc.warmup = 5 * NANOS_PER_SEC;
    sc.workloads[0].arrival = Arrival::Constant {
        rate: 20.0,
        profile: RateProfile::Flat,
    };
    sc.workloads[0].size = SizeDist::Fixed(256 << 20);
    sc.s3.transfer_rate = Some(100.0 * (1 << 20) as f64);
    let r = run_variant("v", &sc, None);
    let s = &r.summary;
    assert_eq!(s.requests.put.offered, 500);
    assert_eq!(s.requests.put.completed, 500);
    assert_eq!(s.requests.put.unfinished, 0);
    assert_eq!(s.kms.requests, 500 * 33);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 500);
    assert_eq!(s.kms.by_operation.Decrypt, 500 * 32);
    assert_eq!(s.cloudtrail.kms_events, 500 * 33);
    assert_eq!(s.cloudtrail.object_arn_context, 500 * 33);
    let all: u64 = r.timeseries.iter().map(|row| row.kms_requests).sum();
    assert_eq!(
        all,
        600 * 33,
        "the time series has every call, warm-up included"
    );
    assert!(r.timeseries.len() > 31, "the drain made calls after 30 s");
}

#[test]
fn per_object_puts_without_retries_make_exactly_one_kms_call_each_in_the_window() {
    // Every PUT sends one GenerateDataKey when it arrives (no prefix limit, no pool wait,
    // no retries); attributed to the request's arrival, KMS calls, CloudTrail events and
    // the throttled and served calls all count exactly the uploads offered in
    // [warmup, duration), whatever the seed, rate, warm-up or throttling.
    for (seed, rate, quota, warmup_ms, constant) in [
        (1, 500.0, 1_000_000, 2_000, false),
        (7, 3_000.0, 2_000, 3_456, false),
        (42, 1_000.0, 700, 1_000, true),
        (99, 250.0, 1_000_000, 9_999, true),
    ] {
        let mut sc = simple(rate, quota, 12);
        no_retries(&mut sc);
        sc.seed = seed;
        sc.warmup = warmup_ms * NANOS_PER_MILLI;
        sc.s3.prefix_put_rps = 0;
        sc.kms.background_rps = 300.0;
        if constant {
            sc.workloads[0].arrival = Arrival::Constant {
                rate,
                profile: RateProfile::Flat,
            };
        }
        let s = run_variant("v", &sc, None).summary;
        let p = s.requests.put;
        let what = format!("seed {seed}, rate {rate}: {p:?}, {:?}", s.kms);
        assert!(p.offered > 0, "{what}");
        assert_eq!(s.kms.requests, p.offered, "{what}");
        assert_eq!(s.kms.by_operation.GenerateDataKey, p.offered, "{what}");
        assert_eq!(s.cloudtrail.kms_events, p.offered, "{what}");
        assert_eq!(s.kms.throttled, p.failed, "{what}");
        assert_eq!(s.s3_slowdown.kms, p.failed, "{what}");
        assert_eq!(p.offered, p.completed + p.failed + p.unfinished, "{what}");
        assert_eq!(p.unfinished, 0, "{what}");
        if constant {
            // Arrivals k / rate with k / rate in [warmup, 12 s).
            let first = (warmup_ms as f64 * rate / 1000.0).ceil() as u64;
            assert_eq!(p.offered, (12.0 * rate) as u64 - first, "{what}");
        }
        if quota < rate as u64 {
            assert!(s.kms.throttled > 0, "{what}");
        }
    }
}

#[test]
fn constant_100_per_second_for_600_seconds_offers_60000() {
    let mut sc = simple(100.0, 1_000_000, 600);
    sc.workloads[0].arrival = Arrival::Constant {
        rate: 100.0,
        profile: RateProfile::Flat,
    };
    let r = run_variant("v", &sc, None);
    assert_eq!(r.summary.requests.put.offered, 60_000);
    let offered: u64 = r.timeseries.iter().map(|row| row.put_offered).sum();
    assert_eq!(offered, 60_000);
    assert!(
        r.timeseries
            .iter()
            .all(|row| row.second >= 600 || row.put_offered == 100)
    );
}

#[test]
fn the_drain_stops_at_its_limit_and_counts_what_is_unfinished() {
    // One 1 MiB PUT per second for 10 s at 1 KiB/s: each takes 1,024 s to transfer. The
    // run stops 60 s after `duration` (row 70 is the last), all 10 still unfinished.
    let mut sc = simple(1.0, 1_000_000, 10);
    sc.workloads[0].arrival = Arrival::Constant {
        rate: 1.0,
        profile: RateProfile::Flat,
    };
    sc.workloads[0].size = SizeDist::Fixed(1 << 20);
    sc.s3.multipart_threshold = u64::MAX;
    sc.s3.transfer_rate = Some(1024.0);
    let r = run_variant("v", &sc, None);
    let p = r.summary.requests.put;
    assert_eq!(
        (p.offered, p.completed, p.failed, p.unfinished),
        (10, 0, 0, 10)
    );
    assert_eq!(r.timeseries_step, 1);
    assert_eq!(r.timeseries.len(), 71);
    assert_eq!(r.timeseries.last().unwrap().in_flight, 10);
}

#[test]
fn background_traffic_does_not_keep_a_run_going() {
    // Other applications call KMS at 50x the quota; adaptive clients back off to their
    // lowest rate and queue. The run still stops within the drain limit, every offered
    // request accounted for.
    let mut sc = simple(200.0, 100, 10);
    sc.workloads[0].sessions = 1;
    sc.client.retry = RetryMode::Adaptive;
    sc.s3.prefix_put_rps = 0;
    sc.kms.background_rps = 5_000.0;
    let r = run_variant("v", &sc, None);
    let p = r.summary.requests.put;
    assert!(r.timeseries.len() <= 71, "{}", r.timeseries.len());
    assert!(p.unfinished > 0, "{p:?}");
    assert_eq!(p.offered, p.completed + p.failed + p.unfinished);
    assert!(r.summary.kms.background_requests > 0);
    // Background calls count in the window only: at most the window's share of them.
    let bg: u64 = r.timeseries.iter().map(|row| row.background_requests).sum();
    assert!(r.summary.kms.background_requests < bg);
}

#[test]
fn long_runs_keep_coarser_time_series_rows() {
    use crate::metrics::collector::timeseries_step;
    // Rows cover the run and its 60-s drain, at most 100,000 per variant.
    assert_eq!(timeseries_step(99_939 * NANOS_PER_SEC), 1);
    assert_eq!(timeseries_step(99_940 * NANOS_PER_SEC), 10);
    assert_eq!(timeseries_step(30 * 86_400 * NANOS_PER_SEC), 60);
    assert_eq!(timeseries_step(365 * 86_400 * NANOS_PER_SEC), 3600);
    // Two days at 1 request/s: 172,860 s of run and drain need 10-s rows, each holding the
    // 10 arrivals of its seconds.
    let mut sc = simple(1.0, 1_000_000, 2 * 86_400);
    sc.workloads[0].arrival = Arrival::Constant {
        rate: 1.0,
        profile: RateProfile::Flat,
    };
    sc.workloads[0].size = SizeDist::Fixed(1024);
    let r = run_variant("v", &sc, None);
    assert_eq!(r.timeseries_step, 10);
    assert_eq!(r.timeseries.len(), 17_281);
    for (i, row) in r.timeseries.iter().enumerate() {
        assert_eq!(row.second, i as u64 * 10);
    }
    assert!(
        r.timeseries[..17_280]
            .iter()
            .all(|row| row.put_offered == 10)
    );
    assert_eq!(r.summary.requests.put.offered, 2 * 86_400);
}

#[test]
fn slowdowns_and_throttles_use_the_same_window() {
    let mut sc = simple(3_000.0, 2_000, 20);
    sc.warmup = 3 * NANOS_PER_SEC + 123_456_789;
    let s = run_variant("v", &sc, None).summary;
    assert!(s.kms.throttled > 1000);
    assert_eq!(s.s3_slowdown.kms, s.kms.throttled);
}

#[test]
fn closed_loop_clients_stop_at_the_end_of_the_run() {
    let mut sc = simple(1.0, 1_000_000, 10);
    sc.workloads[0].arrival = Arrival::Closed {
        concurrency: 5,
        think: 30 * 86_400 * NANOS_PER_SEC,
    };
    let r = run_variant("v", &sc, None);
    assert_eq!(r.summary.requests.put.offered, 5);
    assert!(r.timeseries.len() <= 12, "{}", r.timeseries.len());
}

#[test]
fn adaptive_clients_are_not_slowed_by_data_key_cache_hits() {
    // One session, 100 client-side encrypted PUT/s, a data-key cache that never expires and
    // a quota of 1 call/s: the first GenerateDataKey fills the cache, the second (sent while
    // the first is in flight) is throttled and turns the adaptive limiter on at its lowest
    // rate. Every later PUT is a cache hit: it makes no KMS call, so it must not wait for a
    // token (at 0.5 tokens/s they would queue for hours).
    let mut sc = simple(100.0, 1, 60);
    sc.buckets[0].encryption = Mode::CseKms;
    sc.workloads[0].sessions = 1;
    sc.kms.latency = fixed(20);
    sc.client.retry = RetryMode::Adaptive;
    sc.client.data_key_cache = Some(DataKeyCache {
        max_age: 3_600 * NANOS_PER_SEC,
        max_messages: u64::MAX,
        max_bytes: u64::MAX,
    });
    let r = run_variant("adaptive", &sc, None);
    let s = &r.summary;
    assert!(s.kms.throttled >= 1, "the limiter was turned on");
    assert!(s.kms.requests < 10, "{}", s.kms.requests);
    assert_eq!(s.requests.put.failed, 0);
    assert!(s.latency_ms.put.p99 < 200.0, "{:?}", s.latency_ms.put);
    assert!(
        r.timeseries.len() < 90,
        "drained until {} s",
        r.timeseries.len()
    );
}

#[test]
fn cse_calls_kms_from_the_client_and_its_cache_cuts_calls() {
    let mut sc = simple(1_000.0, 1_000_000, 10);
    sc.buckets[0].encryption = Mode::CseKms;
    let s = run_variant("cse", &sc, None).summary;
    assert_eq!(s.cloudtrail.client_context, s.kms.requests);
    assert_eq!(s.kms.by_operation.GenerateDataKey, s.requests.put.completed);
    sc.client.data_key_cache = Some(DataKeyCache {
        max_age: 60 * NANOS_PER_SEC,
        max_messages: 100,
        max_bytes: u64::MAX,
    });
    let cached = run_variant("cse-cache", &sc, None).summary;
    // At most one key per 101 messages per session, plus concurrent first misses.
    assert!(
        cached.kms.requests * 20 < s.kms.requests,
        "{}",
        cached.kms.requests
    );
    sc.buckets[0].encryption = Mode::SseS3;
    sc.client.data_key_cache = None;
    assert_eq!(run_variant("s3", &sc, None).summary.kms.requests, 0);
}

#[test]
fn adaptive_mode_reduces_throttling_versus_standard() {
    let mut sc = simple(3_000.0, 1_000, 60);
    sc.workloads[0].sessions = 2;
    sc.s3.prefix_put_rps = 0;
    let std = run_variant("standard", &sc, None).summary;
    sc.client.retry = RetryMode::Adaptive;
    let ad = run_variant("adaptive", &sc, None).summary;
    let frac = |s: &crate::metrics::results::VariantSummary| {
        s.kms.throttled as f64 / s.kms.requests as f64
    };
    assert!(
        frac(&ad) < frac(&std),
        "adaptive {} vs standard {}",
        frac(&ad),
        frac(&std)
    );
}

#[test]
fn client_side_encryption_queues_on_the_session_cores() {
    // One session, one core, constant arrivals; 1 MB objects at 20 MB/s of GCM take 50 ms
    // of CPU (plus the profile's per-object cost, zeroed here).
    let mut sc = simple(10.0, 1_000_000, 60);
    sc.buckets[0].encryption = Mode::CseKms;
    sc.workloads[0].sessions = 1;
    sc.workloads[0].arrival = Arrival::Constant {
        rate: 10.0,
        profile: RateProfile::Flat,
    };
    sc.workloads[0].size = SizeDist::Fixed(1_000_000);
    sc.kms.latency = fixed(10);
    sc.s3.latency = fixed(20);
    sc.client.cpu_cores = 1;
    sc.crypto.cse_cost = Some(CseCost {
        per_object_ns: 0.0,
        bytes_per_sec: 20e6,
    });
    let s = run_variant("v", &sc, None).summary;
    // Load 0.5 with evenly spaced arrivals: nobody waits; latency = KMS + CPU + S3.
    assert!(
        (s.latency_ms.put.p50 - 80.0).abs() < 0.1,
        "{:?}",
        s.latency_ms.put
    );
    assert!((s.latency_ms.put.max - 80.0).abs() < 0.1);
    assert!(
        (s.crypto.client_cpu_load - 0.5).abs() < 0.01,
        "{:?}",
        s.crypto
    );
    // Load 1.5: the core falls behind by 0.5 s every second; the last upload of the minute
    // waits about 30 s.
    sc.workloads[0].arrival = Arrival::Constant {
        rate: 30.0,
        profile: RateProfile::Flat,
    };
    let s = run_variant("v", &sc, None).summary;
    assert!(
        (s.crypto.client_cpu_load - 1.5).abs() < 0.01,
        "{:?}",
        s.crypto
    );
    assert!(
        (s.latency_ms.put.max / 1000.0 - 30.0).abs() < 1.0,
        "{:?}",
        s.latency_ms.put
    );
    // No cores: encryption takes no simulated time.
    sc.client.cpu_cores = 0;
    let s = run_variant("v", &sc, None).summary;
    assert!((s.latency_ms.put.max - 30.0).abs() < 0.1);
}

#[test]
fn crypto_verify_checks_a_sample_of_objects_in_every_mode() {
    for enc in Mode::ALL {
        for bucket_key in [false, true] {
            let mut sc = simple(200.0, 1_000_000, 2);
            sc.buckets[0].encryption = enc;
            sc.buckets[0].bucket_key = bucket_key && enc.supports_bucket_key();
            sc.crypto.verify = true;
            sc.crypto.verify_objects = 20;
            let r = run_variant("v", &sc, None);
            assert!(
                r.verify_failures.is_empty(),
                "{enc:?}: {:?}",
                r.verify_failures
            );
            assert_eq!(r.summary.crypto.verified_objects, 20, "{enc:?}");
        }
    }
}
