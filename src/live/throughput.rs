//! The machine's envelope-encryption throughput for uploads, per-object data keys against
//! bucket keys, on N threads: what `bksim live` reports beside its comparison (objects/s,
//! GB/s and CPU cost per object in each mode, with the core count used).
//!
//! Per-object mode, per object: a real GenerateDataKey from a [`ModelledKms`] (one per
//! thread, seeded; the data key is really wrapped under the KMS key, context = the object's
//! ARN), the payload sealed with AES-256-GCM ([`envelope::seal`]), the plaintext key wiped on
//! drop. Bucket-key mode: one GenerateDataKey per thread for the bucket key (context = the
//! bucket ARN), then per object a salt, the object's key derived with HKDF
//! ([`envelope::derive`]) and the payload sealed. Building each thread's KMS is set-up and is
//! not timed; everything else is.

use std::hint::black_box;
use std::sync::{Barrier, RwLock};
use std::time::{Duration, Instant};

pub use crate::report::formats::live::{ModeThroughput, Throughput};

use super::envelope::{self, Sealed};
use crate::chart::format::group;
use crate::crypto::bench::thread_cpu_time;
use crate::crypto::gcm::Aes256Gcm;
use crate::crypto::kms_keys::{GeneratedDataKey, ModelledKms, s3_context};
use crate::crypto::sse_kms::{bucket_arn, object_arn};

/// The KMS key every upload is encrypted under.
const KMS_KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/live-throughput";
/// The bucket every object is uploaded to.
const BUCKET: &str = "live-throughput";
/// Objects between two looks at the clock (each thread does at least this many per mode).
pub const CHECK_EVERY: u64 = 4;
/// Seed of thread 0's KMS; thread `t` uses `SEED + t`.
const SEED: u64 = 0x6b6d_735f_7470_7574;

impl ModeThroughput {
    /// The figures of `objects` objects of `payload_bytes` bytes in `seconds` of wall time
    /// using `cpu_seconds` of the threads' CPU. Rates are 0 when `seconds` or `objects` is 0
    /// (never infinite or NaN).
    pub fn from_counts(
        mode: &'static str,
        objects: u64,
        payload_bytes: usize,
        seconds: f64,
        cpu_seconds: f64,
    ) -> ModeThroughput {
        let bytes = objects * payload_bytes as u64;
        let per_s = |x: u64| {
            if seconds > 0.0 {
                x as f64 / seconds
            } else {
                0.0
            }
        };
        ModeThroughput {
            mode: mode.to_string(),
            objects,
            bytes,
            seconds,
            objects_per_s: per_s(objects),
            gb_per_s: per_s(bytes) / 1e9,
            us_per_object: if objects > 0 {
                cpu_seconds / objects as f64 * 1e6
            } else {
                0.0
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    PerObject,
    BucketKey,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::PerObject => "per-object",
            Mode::BucketKey => "bucket-key",
        }
    }
}

/// Measures both modes with `payload_bytes`-byte objects on `threads` threads (0 counts as
/// 1), `budget` split evenly between the modes. Each thread checks the clock every
/// [`CHECK_EVERY`] objects, so a thread encrypts at least that many per mode, and a mode
/// can overrun its half of `budget` by up to that many objects' time.
/// An error when the system refuses a thread.
pub fn measure(
    payload_bytes: usize,
    threads: usize,
    budget: Duration,
) -> Result<Throughput, String> {
    let threads = threads.max(1);
    let half = budget / 2;
    Ok(Throughput {
        threads,
        payload_bytes,
        backend: Aes256Gcm::new(&[0u8; 32]).backend().name().to_string(),
        per_object: run(Mode::PerObject, payload_bytes, threads, half)?,
        bucket_key: run(Mode::BucketKey, payload_bytes, threads, half)?,
    })
}

fn run(
    mode: Mode,
    payload_bytes: usize,
    threads: usize,
    budget: Duration,
) -> Result<ModeThroughput, String> {
    let barrier = Barrier::new(threads);
    // Held while the threads are started: they go on (to the barrier) once all are, or
    // return at once if the system refused one (the barrier would wait for it forever).
    let gate = RwLock::new(true);
    let per_thread: Result<Vec<(u64, Duration, Duration)>, String> = crossbeam::scope(|s| {
        let mut all_started = gate.write().unwrap_or_else(|e| e.into_inner());
        let mut handles = Vec::with_capacity(threads);
        let mut refused = None;
        for t in 0..threads {
            let (barrier, gate) = (&barrier, &gate);
            match s.builder().spawn(move |_| {
                let started = *gate.read().unwrap_or_else(|e| e.into_inner());
                started.then(|| worker(mode, t, payload_bytes, budget, barrier))
            }) {
                Ok(h) => handles.push(h),
                Err(e) => {
                    refused = Some(format!(
                        "cannot start {threads} threads for the throughput measurement: {e}"
                    ));
                    *all_started = false;
                    break;
                }
            }
        }
        drop(all_started);
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect();
        match refused {
            Some(e) => Err(e),
            None => Ok(results.into_iter().flatten().collect()),
        }
    })
    .unwrap_or_else(|e| std::panic::resume_unwind(e));
    let per_thread = per_thread?;
    let objects = per_thread.iter().map(|&(n, _, _)| n).sum();
    let seconds = per_thread
        .iter()
        .map(|&(_, d, _)| d)
        .max()
        .unwrap_or_default()
        .as_secs_f64();
    let cpu: f64 = per_thread.iter().map(|&(_, _, c)| c.as_secs_f64()).sum();
    Ok(ModeThroughput::from_counts(
        mode.name(),
        objects,
        payload_bytes,
        seconds,
        cpu,
    ))
}

/// One thread's objects, the wall time it took from the common start, and its CPU time
/// (the wall time where the platform cannot say).
fn worker(
    mode: Mode,
    t: usize,
    payload_bytes: usize,
    budget: Duration,
    barrier: &Barrier,
) -> (u64, Duration, Duration) {
    let mut kms = thread_kms(t);
    barrier.wait();
    let start = Instant::now();
    let cpu0 = thread_cpu_time();
    let deadline = start + budget;
    let bucket_key = match mode {
        Mode::PerObject => None,
        Mode::BucketKey => Some(new_bucket_key(&mut kms)),
    };
    let mut n = 0u64;
    loop {
        for _ in 0..CHECK_EVERY {
            match &bucket_key {
                None => {
                    let (sealed, key) = upload_per_object(&mut kms, t, n, payload_bytes);
                    black_box((&sealed, &key.ciphertext_blob));
                    // `key` drops here: its plaintext is wiped.
                }
                Some(bk) => {
                    black_box(upload_bucket_key(bk, t, n, payload_bytes));
                }
            }
            n += 1;
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    black_box(&bucket_key);
    let wall = start.elapsed();
    let cpu = match (cpu0, thread_cpu_time()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => wall,
    };
    (n, wall, cpu)
}

/// Thread `t`'s KMS: seeded, with the KMS key the uploads use.
pub fn thread_kms(t: usize) -> ModelledKms {
    let mut kms = ModelledKms::seeded(SEED.wrapping_add(t as u64));
    kms.ensure_key(KMS_KEY);
    kms
}

/// The object id of thread `t`'s `n`th object (unique across threads: the nonce and salt
/// come from it).
fn object_id(t: usize, n: u64) -> u64 {
    ((t as u64) << 40) | n
}

/// The object ARN of thread `t`'s `n`th object.
fn object_name(t: usize, n: u64) -> String {
    object_arn(BUCKET, &format!("t{t}/object-{n:010}"))
}

/// A bucket key: GenerateDataKey with the bucket ARN as context (`kms` from [`thread_kms`]).
pub fn new_bucket_key(kms: &mut ModelledKms) -> GeneratedDataKey {
    kms.generate_data_key(KMS_KEY, &s3_context(&bucket_arn(BUCKET)))
        .expect("the KMS key was created before the run")
}

/// One per-object upload's envelope work: GenerateDataKey (object ARN context), then the
/// payload sealed under the fresh key, for thread `t`'s `n`th object (`kms` from
/// [`thread_kms`]). Returns the sealed object and the key (the caller drops it: wiped).
pub fn upload_per_object(
    kms: &mut ModelledKms,
    t: usize,
    n: u64,
    payload_bytes: usize,
) -> (Sealed, GeneratedDataKey) {
    let arn = object_name(t, n);
    let key = kms
        .generate_data_key(KMS_KEY, &s3_context(&arn))
        .expect("the KMS key was created before the run");
    let sealed = envelope::seal(&key.plaintext, object_id(t, n), payload_bytes, &arn)
        .expect("payload under the GCM limit");
    (sealed, key)
}

/// One bucket-key upload's envelope work: a salt, the object's key derived from the bucket
/// key, the payload sealed, for thread `t`'s `n`th object. Returns the sealed object and its
/// salt.
pub fn upload_bucket_key(
    bucket_key: &GeneratedDataKey,
    t: usize,
    n: u64,
    payload_bytes: usize,
) -> (Sealed, [u8; crate::crypto::kdf::OBJECT_SALT_LEN]) {
    let arn = object_name(t, n);
    let id = object_id(t, n);
    let salt = envelope::salt(id, t as u32);
    let key = envelope::derive(&bucket_key.plaintext, &salt, &arn);
    let sealed =
        envelope::seal(&key, id, payload_bytes, &arn).expect("payload under the GCM limit");
    (sealed, salt)
}

/// `65536` -> `64 KiB`, `1048576` -> `1 MiB`, `1000` -> `1,000 B`.
fn size(bytes: usize) -> String {
    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", group((bytes / MIB) as u64))
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", group((bytes / KIB) as u64))
    } else {
        format!("{} B", group(bytes as u64))
    }
}

/// A small plain-text table of both modes, under a line naming the threads, payload size and
/// GCM backend.
pub fn format_table(t: &Throughput) -> String {
    let threads = if t.threads == 1 { "thread" } else { "threads" };
    let mut out = format!(
        "Envelope encryption on this machine: {} {threads}, {} payloads, AES-256-GCM on {}\n",
        t.threads,
        size(t.payload_bytes),
        t.backend
    );
    out.push_str(&format!(
        "{:<12}{:>14}{:>10}{:>16}\n",
        "mode", "objects/s", "GB/s", "CPU µs/object"
    ));
    for m in [&t.per_object, &t.bucket_key] {
        out.push_str(&format!(
            "{:<12}{:>14}{:>10.3}{:>16.2}\n",
            m.mode,
            group(m.objects_per_s.round() as u64),
            m.gb_per_s,
            m.us_per_object
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_consistent(m: &ModeThroughput, payload_bytes: usize, threads: usize) {
        assert!(m.objects > 0, "{m:?}");
        assert!(m.seconds > 0.0, "{m:?}");
        assert_eq!(m.bytes, m.objects * payload_bytes as u64);
        assert_eq!(m.objects_per_s, m.objects as f64 / m.seconds);
        assert_eq!(m.gb_per_s, m.bytes as f64 / m.seconds / 1e9);
        // CPU time: more than nothing, at most the threads' wall time (a thread's clock
        // reads in whole ticks, hence the 1 ms of slack per thread).
        let wall_us = threads as f64 * (m.seconds + 0.001) / m.objects as f64 * 1e6;
        assert!(m.us_per_object > 0.0 && m.us_per_object <= wall_us, "{m:?}");
        // Every thread looks at the clock after whole batches.
        assert_eq!(m.objects % CHECK_EVERY, 0, "{m:?}");
    }

    #[test]
    fn from_counts_hand_worked() {
        // 1,000 objects of 1 MB in 2 s using 8 s of CPU (4 busy threads): 500 objects/s,
        // 0.5 GB/s, 8 / 1000 s = 8 ms of CPU per object.
        let m = ModeThroughput::from_counts("per-object", 1000, 1_000_000, 2.0, 8.0);
        assert_eq!(m.bytes, 1_000_000_000);
        assert_eq!(m.objects_per_s, 500.0);
        assert_eq!(m.gb_per_s, 0.5);
        assert_eq!(m.us_per_object, 8000.0);
        let zero = ModeThroughput::from_counts("bucket-key", 0, 10, 0.0, 0.0);
        assert_eq!(
            (zero.objects_per_s, zero.gb_per_s, zero.us_per_object),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn both_modes_encrypt_within_a_small_budget() {
        let t = measure(4096, 2, Duration::from_millis(40)).expect("two threads start");
        assert_eq!((t.threads, t.payload_bytes), (2, 4096));
        assert_eq!(t.per_object.mode, "per-object");
        assert_eq!(t.bucket_key.mode, "bucket-key");
        assert_eq!(t.backend, crate::crypto::active_backends().gcm.name());
        check_consistent(&t.per_object, 4096, 2);
        check_consistent(&t.bucket_key, 4096, 2);
    }

    #[test]
    fn zero_budget_does_one_batch_per_thread() {
        let t = measure(16, 3, Duration::ZERO).expect("three threads start");
        assert_eq!(t.per_object.objects, 3 * CHECK_EVERY);
        assert_eq!(t.bucket_key.objects, 3 * CHECK_EVERY);
        assert_eq!(t.per_object.bytes, 3 * CHECK_EVERY * 16);
    }

    #[test]
    fn empty_payload_and_zero_threads() {
        let t = measure(0, 0, Duration::from_millis(10)).expect("one thread starts");
        assert_eq!(t.threads, 1);
        for m in [&t.per_object, &t.bucket_key] {
            check_consistent(m, 0, 1);
            assert_eq!((m.bytes, m.gb_per_s), (0, 0.0));
        }
    }

    #[test]
    fn per_object_upload_is_a_real_envelope() {
        let mut kms = thread_kms(1);
        let (sealed, key) = upload_per_object(&mut kms, 1, 7, 100);
        let arn = object_name(1, 7);
        assert_eq!(arn, "arn:aws:s3:::live-throughput/t1/object-0000000007");
        assert_eq!(sealed.body.len(), 100);
        // The stored blob unwraps, with the object's context only, to the key that opens it.
        let unwrapped = kms
            .decrypt(&key.ciphertext_blob, &s3_context(&arn))
            .unwrap();
        envelope::open_and_check(&unwrapped, &sealed, object_id(1, 7), &arn).unwrap();
        assert!(
            kms.decrypt(&key.ciphertext_blob, &s3_context(&object_name(1, 8)))
                .is_err()
        );
        // The next object gets another key.
        let (_, other) = upload_per_object(&mut kms, 1, 8, 100);
        assert_ne!(
            other.plaintext.expose_secret(),
            key.plaintext.expose_secret()
        );
    }

    #[test]
    fn bucket_key_upload_is_a_real_envelope() {
        let mut kms = thread_kms(1);
        let bk = new_bucket_key(&mut kms);
        // The bucket key is bound to the bucket ARN.
        let bucket_ctx = s3_context("arn:aws:s3:::live-throughput");
        let unwrapped = kms.decrypt(&bk.ciphertext_blob, &bucket_ctx).unwrap();
        let (sealed, salt) = upload_bucket_key(&bk, 2, 5, 33);
        let arn = object_name(2, 5);
        let key = envelope::derive(&unwrapped, &salt, &arn);
        envelope::open_and_check(&key, &sealed, object_id(2, 5), &arn).unwrap();
        // The bucket key itself does not open it: the object has its own derived key.
        assert!(envelope::open_and_check(&bk.plaintext, &sealed, object_id(2, 5), &arn).is_err());
        // Thread 2's object 5 and thread 3's object 5 have distinct ids, so distinct salts.
        assert_ne!(object_id(2, 5), object_id(3, 5));
        assert_ne!(upload_bucket_key(&bk, 3, 5, 1).1, salt);
    }

    #[test]
    fn table_text() {
        let t = Throughput {
            threads: 2,
            payload_bytes: 64 << 10,
            backend: "aws-lc-rs".to_string(),
            per_object: ModeThroughput::from_counts("per-object", 1_000_000, 64 << 10, 4.0, 8.0),
            bucket_key: ModeThroughput::from_counts("bucket-key", 1_500_000, 64 << 10, 4.0, 8.0),
        };
        // 250,000 objects/s · 65,536 B = 16.384 GB/s; 2 · 4 s / 1e6 objects = 8 µs each.
        // 375,000 objects/s = 24.576 GB/s; 8 s / 1.5e6 = 5.333 µs.
        assert_eq!(
            format_table(&t),
            "Envelope encryption on this machine: 2 threads, 64 KiB payloads, AES-256-GCM on aws-lc-rs\n\
             mode             objects/s      GB/s   CPU µs/object\n\
             per-object         250,000    16.384            8.00\n\
             bucket-key         375,000    24.576            5.33\n"
        );
        let one = Throughput {
            threads: 1,
            payload_bytes: 1000,
            ..t
        };
        assert!(
            format_table(&one)
                .starts_with("Envelope encryption on this machine: 1 thread, 1,000 B payloads,")
        );
    }

    #[test]
    fn sizes_and_grouping() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(4096), "4 KiB");
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(1536 << 10), "1,536 KiB");
        assert_eq!(size(1025), "1,025 B");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(12_345_678), "12,345,678");
    }
}
