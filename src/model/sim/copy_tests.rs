//! Copy workloads: KMS calls counted by hand on small runs (one session on one front-end
//! host, so every cache entry is known), and the watermark of objects rewritten in place.

use crate::metrics::results::VariantSummary;
use crate::model::run_variant;
use crate::scenario::ScenarioFile;
use std::path::Path;

/// Runs `toml` (one variant, its defaults) and returns its summary.
fn run(toml: &str) -> VariantSummary {
    let file = ScenarioFile::parse(Path::new("copy-test.toml"), toml).expect("parses");
    let mut sc = file
        .resolve(None, &[])
        .unwrap_or_else(|e| panic!("resolves: {e}"));
    crate::prepare::load_profile(&mut sc).expect("profile");
    run_variant("v", &sc, None).summary
}

/// Bucket `old` (sse-kms, bucket keys on, 100 objects written before them without one) and
/// `other` (sse-kms per object); one front-end host. `workloads` follow.
fn scenario(old_bucket_key: bool, workloads: &str) -> String {
    format!(
        r#"
name = "copy-test"
seed = 7
duration = "10s"
[s3]
frontend_hosts = 1
[[bucket]]
name = "old"
encryption = "sse-kms"
bucket_key = true
existing = {{ objects = 100, written_over = "1m", bucket_key = {old_bucket_key} }}
[[bucket]]
name = "other"
encryption = "sse-kms"
{workloads}
"#
    )
}

const JOB_IN_PLACE: &str = r#"
[[workload]]
name = "job"
bucket = "old"
op = "copy"
arrival = { kind = "constant", rate = 100 }
requests = 100
"#;

#[test]
fn in_place_re_encryption_costs_one_decrypt_per_old_object_and_one_bucket_key() {
    // 100 copies of 100 objects written without a bucket key, in place, into a bucket-key
    // bucket, one session on one host: 100 Decrypt (object ARN) to read them, and one
    // GenerateDataKey (bucket ARN) for the bucket key every write then uses.
    let s = run(&scenario(false, JOB_IN_PLACE));
    assert_eq!(s.kms.by_operation.Decrypt, 100);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 1);
    assert_eq!(s.cloudtrail.object_arn_context, 100);
    assert_eq!(s.cloudtrail.bucket_arn_context, 1);
    // Copies count as writes.
    assert_eq!(s.requests.put.offered, 100);
    assert_eq!(s.requests.put.completed, 100);
    assert_eq!(s.requests.get.offered, 0);
}

#[test]
fn reads_after_re_encryption_use_the_new_bucket_key() {
    // The job rewrites all 100 objects (watermark 100); then 50 GETs from a session of their
    // own read rewritten objects only: one Decrypt of the job's bucket key (bucket ARN), not
    // 50 Decrypts of object keys.
    let reads = r#"
[[workload]]
name = "reads"
bucket = "old"
op = "get"
arrival = { kind = "closed", concurrency = 1 }
requests = 50
after = "job"
"#;
    let s = run(&scenario(false, &format!("{JOB_IN_PLACE}{reads}")));
    assert_eq!(s.requests.get.completed, 50);
    assert_eq!(s.kms.by_operation.Decrypt, 100 + 1);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 1);
    assert_eq!(s.cloudtrail.object_arn_context, 100);
    assert_eq!(s.cloudtrail.bucket_arn_context, 2);
    // Without the job the same reads cost one Decrypt each.
    let alone = reads.replace("after = \"job\"\n", "");
    let s = run(&scenario(false, &alone));
    assert_eq!(s.kms.by_operation.Decrypt, 50);
    assert_eq!(s.cloudtrail.object_arn_context, 50);
}

#[test]
fn half_a_job_rewrites_the_first_half_of_the_population() {
    // 50 copies rewrite indices 0..50; 100 random reads then see about half new (one bucket
    // key Decrypt for all of them) and half old (one Decrypt each).
    let job = JOB_IN_PLACE.replace("requests = 100", "requests = 50");
    let reads = r#"
[[workload]]
name = "reads"
bucket = "old"
op = "get"
arrival = { kind = "closed", concurrency = 1 }
requests = 100
after = "job"
"#;
    let s = run(&scenario(false, &format!("{job}{reads}")));
    // 50 copies: 50 Decrypt + 1 GenerateDataKey. Reads: old ones 1 Decrypt each (object ARN),
    // new ones 1 Decrypt in all (bucket ARN).
    let old_reads = s.cloudtrail.object_arn_context - 50;
    assert!((30..=70).contains(&old_reads), "{old_reads}");
    assert_eq!(s.cloudtrail.bucket_arn_context, 1 + 1);
    assert_eq!(s.kms.by_operation.Decrypt, 50 + old_reads + 1);
}

#[test]
fn copy_to_another_bucket_reads_with_the_source_key_and_writes_with_the_destination_settings() {
    // Source objects written with bucket keys by one session on one host within one TTL
    // window: one bucket key for all 100. Destination per object: 100 GenerateDataKey.
    let job = r#"
[[workload]]
name = "job"
bucket = "other"
from = "old"
op = "copy"
arrival = { kind = "constant", rate = 100 }
requests = 100
"#;
    let s = run(&scenario(true, job).replace("written_over = \"1m\"", "written_over = \"1s\""));
    assert_eq!(s.kms.by_operation.Decrypt, 1);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 100);
    assert_eq!(s.cloudtrail.bucket_arn_context, 1);
    assert_eq!(s.cloudtrail.object_arn_context, 100);
    // The source is unchanged: 20 later reads of it from another session need its one
    // bucket key again (1 Decrypt), nothing of the copies.
    let reads = r#"
[[workload]]
name = "reads"
bucket = "old"
op = "get"
arrival = { kind = "closed", concurrency = 1 }
requests = 20
after = "job"
"#;
    let s = run(&scenario(true, &format!("{job}{reads}"))
        .replace("written_over = \"1m\"", "written_over = \"1s\""));
    assert_eq!(s.kms.by_operation.Decrypt, 2);
    assert_eq!(s.kms.by_operation.GenerateDataKey, 100);
}

#[test]
fn copies_of_written_objects_read_the_key_they_were_written_with() {
    // 10 PUTs (per object) to `other`, then 10 copies of them into `old` (bucket keys): each
    // copy reads one of the 10 objects (1 Decrypt each, object ARN) and the writes share one
    // bucket key (1 GenerateDataKey). `old`'s population is not read.
    let w = r#"
[[workload]]
name = "puts"
bucket = "other"
op = "put"
arrival = { kind = "closed", concurrency = 1 }
requests = 10
[[workload]]
name = "job"
bucket = "old"
from = "other"
op = "copy"
read_from = "written"
arrival = { kind = "closed", concurrency = 1 }
requests = 10
after = "puts"
"#;
    let s = run(&scenario(false, w));
    assert_eq!(s.kms.by_operation.GenerateDataKey, 10 + 1);
    assert_eq!(s.kms.by_operation.Decrypt, 10);
    assert_eq!(s.requests.put.completed, 20);
}

#[test]
fn the_time_series_shows_old_object_reads_decay_as_a_job_rewrites_them() {
    // A copy job rewrites the 100 old objects in place at 20/s (5 s) while a reader GETs
    // random objects at 20/s for 10 s. Old-object KMS calls per second: the job's 20 Decrypts
    // plus the reads that still find an old object, falling to nothing once the job is done.
    let toml = scenario(
        false,
        r#"
[[workload]]
name = "job"
bucket = "old"
op = "copy"
arrival = { kind = "constant", rate = 20 }
requests = 100

[[workload]]
name = "reads"
bucket = "old"
op = "get"
arrival = { kind = "constant", rate = 20 }
"#,
    )
    .replace("duration = \"10s\"", "duration = \"10s\"\nwarmup = \"0s\"");
    let file = ScenarioFile::parse(Path::new("copy-test.toml"), &toml).expect("parses");
    let mut sc = file.resolve(None, &[]).expect("resolves");
    crate::prepare::load_profile(&mut sc).expect("profile");
    let r = run_variant("v", &sc, None);
    let rows = &r.timeseries;
    let old: Vec<u64> = rows.iter().map(|x| x.kms_for_existing).collect();
    // Every call for an old object is in the time series, once.
    assert_eq!(old.iter().sum::<u64>(), r.summary.kms.for_existing_objects);
    // The job's 100 reads are all of old objects; reads find fewer old ones as it goes.
    assert!(r.summary.kms.for_existing_objects > 100, "{old:?}");
    assert!(old[0] > old[4], "{old:?}");
    // From second 6 on every object is rewritten: no call is for an old object.
    assert!(old[6..].iter().all(|&n| n == 0), "{old:?}");
    assert!(
        rows[6..]
            .iter()
            .all(|x| x.kms_for_existing <= x.kms_requests)
    );
}
