//! KMS calls for reads of objects written before the run, with and without bucket keys,
//! against hand-worked counts.

use super::run_variant;
use super::testkit::*;
use crate::engine::time::Nanos;
use crate::scenario::*;

fn no_retries(sc: &mut Scenario) {
    sc.client.retry = RetryMode::None;
    sc.client.max_attempts = 1;
}

/// GETs of a population of 10⁹ objects written over 1000 s (bucket keys renewed every
/// 100 s: 10 windows) by one writer, read by one session on one front-end host, with S3
/// Bucket Keys on for the run's writes.
fn reads_of_old_objects(bucket_key_since: Nanos) -> crate::metrics::results::VariantSummary {
    let mut sc = simple(200.0, 1_000_000, 10);
    sc.warmup = 0;
    sc.s3.frontend_hosts = 1;
    sc.s3.bucket_key_ttl = secs(100);
    sc.buckets[0].bucket_key = true;
    sc.buckets[0].existing = Some(Population {
        objects: 1_000_000_000,
        written_over: secs(1000),
        writer_sessions: 1,
        bucket_key_since,
        size: SizeDist::Fixed(1),
    });
    sc.workloads[0].op = Op::Get;
    sc.workloads[0].sessions = 1;
    sc.workloads[0].read_from = ReadFrom::Existing;
    no_retries(&mut sc);
    run_variant("bucket-key", &sc, None).summary
}

#[test]
fn reads_of_objects_written_without_bucket_keys_cost_one_decrypt_each() {
    // Written before bucket keys were enabled: N GETs of N distinct objects cost N
    // Decrypts (object-ARN context), though the bucket now uses bucket keys; all of them
    // are counted as KMS traffic for pre-existing objects.
    let s = reads_of_old_objects(0);
    let gets = s.requests.get.completed;
    assert!(gets > 1_000, "{gets}");
    assert_eq!(s.requests.get.offered, gets);
    assert_eq!(s.kms.requests, gets);
    assert_eq!(s.kms.by_operation.Decrypt, gets);
    assert_eq!(s.cloudtrail.object_arn_context, gets);
    assert_eq!(s.kms.for_existing_objects, gets);
    assert_eq!(s.bucket_keys_decrypted, 0);
}

#[test]
fn reads_of_objects_written_with_bucket_keys_unwrap_one_key_per_writer_window() {
    // All written with a bucket key: 1 writer × 10 TTL windows = 10 bucket keys, each
    // unwrapped once by the one reader (its cache lives 100 s, the run 10 s).
    let s = reads_of_old_objects(secs(1000));
    assert_eq!(s.kms.requests, 10);
    assert_eq!(s.bucket_keys_decrypted, 10);
    assert_eq!(s.kms.for_existing_objects, 10);
    // The newest half (written from 500 s on) with bucket keys: 5 keys, plus one Decrypt per
    // read of the older half.
    let s = reads_of_old_objects(secs(500));
    let gets = s.requests.get.completed;
    assert_eq!(s.bucket_keys_decrypted, 5);
    assert_eq!(s.kms.requests, s.cloudtrail.object_arn_context + 5);
    assert_eq!(s.kms.for_existing_objects, s.kms.requests);
    // Binomial(gets, 1/2): within 5 standard deviations.
    let half = gets as f64 / 2.0;
    let sd = (gets as f64 / 4.0).sqrt();
    let old = s.cloudtrail.object_arn_context as f64;
    assert!((old - half).abs() < 5.0 * sd, "{old} of {gets}");
}
