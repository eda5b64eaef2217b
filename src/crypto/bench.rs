//! Measures what encryption costs on this machine: AES-256-CTR and AES-256-GCM throughput
//! per buffer size and thread count on every backend this CPU runs (aws-lc-rs, bksim's
//! VAES-512 CTR kernel, the RustCrypto crates) and on `openssl speed -evp` when the machine
//! has `openssl`, all in one run; and the per-object envelope cost of every mode (derive or
//! generate the data key, key schedule, wrap). Used by `bksim crypto bench`,
//! `bksim crypto calibrate` and `benches/crypto.rs`. Each figure is the median of several
//! timed batches, so a short burst of noise from other processes moves it little, and every
//! time is the measuring thread's own CPU time (`CLOCK_THREAD_CPUTIME_ID`), as `openssl
//! speed` measures by default: on a shared machine, time spent waiting for a core counts
//! against neither. A figure for N threads is the sum of the N threads' rates.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};

use super::backend::{Backend, Backends, Mode, cpu_model};
use super::cse;
use super::ctr::Aes256Ctr;
use super::error::CryptoError;
use super::gcm::Aes256Gcm;
use super::keys::{DataKey, random16};
use super::kms_keys::{EncryptionContext, ModelledKms, s3_context};
use super::sse_c::{self, SseCHeaders};
use super::sse_kms::{self, BucketKey};
use super::sse_s3::S3ManagedRoot;

/// Schema of `bksim crypto bench --json`.
/// v2: every result names the implementation measured (`backend`); `backend` of the report
/// is what bksim uses for each mode in this process.
pub const BENCH_SCHEMA: &str = "bksim.cryptobench.v2";

/// The name results measured with `openssl speed -evp` carry as their backend.
pub const OPENSSL: &str = "openssl";

/// Batches per measurement; the median batch is reported.
const BATCHES: usize = 5;

/// The two bulk ciphers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    Aes256Ctr,
    Aes256Gcm,
}

impl Cipher {
    pub fn name(self) -> &'static str {
        match self {
            Cipher::Aes256Ctr => "aes-256-ctr",
            Cipher::Aes256Gcm => "aes-256-gcm",
        }
    }

    /// The backend-selection mode of this cipher.
    pub fn mode(self) -> Mode {
        match self {
            Cipher::Aes256Ctr => Mode::Ctr,
            Cipher::Aes256Gcm => Mode::Gcm,
        }
    }
}

/// One throughput figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BenchResult {
    pub cipher: String,
    pub size_bytes: u64,
    pub threads: usize,
    /// The implementation measured: a [`Backend::name`] or [`OPENSSL`].
    pub backend: String,
    pub gb_per_s: f64,
}

/// Per-object envelope cost of each mode, in nanoseconds (PUT side).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct EnvelopeNs {
    /// Random object key, RFC 3394 wrap under the bucket root, CTR key schedule, IV.
    #[serde(rename = "sse-s3")]
    pub sse_s3: f64,
    /// Header checks (base64, MD5), salted HMAC-SHA256 of the key, key schedule, IV.
    #[serde(rename = "sse-c")]
    pub sse_c: f64,
    /// GenerateDataKey in the modelled KMS (random key, AES-GCM wrap with context),
    /// key schedule, IV. Excludes the KMS round trip, which the simulation models.
    #[serde(rename = "sse-kms")]
    pub sse_kms: f64,
    /// Salt, HKDF-SHA256 derivation from the bucket key, key schedule, IV.
    #[serde(rename = "sse-kms-bucket-key")]
    pub sse_kms_bucket_key: f64,
    /// `sse-kms` plus an `sse-s3` layer.
    #[serde(rename = "dsse-kms")]
    pub dsse_kms: f64,
    /// GenerateDataKey, GCM key setup, S3EC v2 metadata (base64, JSON), tag of the
    /// envelope; the client-side cost per object before content bytes.
    #[serde(rename = "cse-kms")]
    pub cse_kms: f64,
}

impl EnvelopeNs {
    /// (name, value) pairs in output order.
    pub fn entries(&self) -> [(&'static str, f64); 6] {
        [
            ("sse-s3", self.sse_s3),
            ("sse-c", self.sse_c),
            ("sse-kms", self.sse_kms),
            ("sse-kms-bucket-key", self.sse_kms_bucket_key),
            ("dsse-kms", self.dsse_kms),
            ("cse-kms", self.cse_kms),
        ]
    }
}

/// The report `bksim crypto bench` prints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchReport {
    pub schema: String,
    /// What bksim runs in this process ([`Backends::label`]).
    pub backend: String,
    pub cpu_model: String,
    /// `openssl version` of the OpenSSL measured, absent when the machine has none (or
    /// it was not asked for).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub openssl: Option<String>,
    pub results: Vec<BenchResult>,
    pub envelope_ns: EnvelopeNs,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub warning: Option<String>,
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub sizes: Vec<usize>,
    /// Thread counts to measure (1 is always measured so ratios come from one run).
    pub threads: usize,
    /// Wall time per throughput figure.
    pub time_per_figure: Duration,
    /// Also run `openssl speed -evp` (when the machine has `openssl`).
    pub openssl: bool,
}

/// Parses `4KiB`, `64KiB`, `1MiB`, `16MiB`, `4096`, `1GiB`, `10KB`, `1MB` into bytes.
pub fn parse_size(s: &str) -> Result<usize, CryptoError> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| {
        CryptoError::InvalidInput(format!(
            "invalid size {s:?}: expected e.g. 4KiB, 1MiB, 4096"
        ))
    })?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => {
            return Err(CryptoError::InvalidInput(format!(
                "invalid size unit in {s:?}: use B, KiB, MiB or GiB"
            )));
        }
    };
    let bytes = n.saturating_mul(mult);
    if bytes == 0 || bytes > 1 << 30 {
        return Err(CryptoError::InvalidInput(format!(
            "size {s:?} must be between 1 byte and 1 GiB"
        )));
    }
    Ok(bytes as usize)
}

/// Human form of a byte count (`4 KiB`, `1 MiB`, `1000 B`).
pub fn format_size(n: usize) -> String {
    for (unit, m) in [("GiB", 1usize << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n >= m && n.is_multiple_of(m) {
            return format!("{} {unit}", n / m);
        }
    }
    format!("{n} B")
}

/// CPU time consumed by the calling thread so far.
fn thread_cpu() -> Duration {
    thread_cpu_time().expect("clock_gettime(CLOCK_THREAD_CPUTIME_ID)")
}

/// This thread's CPU time so far (Linux `CLOCK_THREAD_CPUTIME_ID`); None where that clock
/// cannot be read.
pub(crate) fn thread_cpu_time() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec, which `ts` is.
        let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        if r == 0 {
            return Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32));
        }
    }
    None
}

/// Calls of `op` between two readings of the CPU clock (a system call): enough for about
/// 64 KiB, so reading the clock costs the small sizes little.
fn calls_per_check(size: usize) -> usize {
    (65536 / size.max(1)).clamp(1, 64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Bytes per second of `cipher` on `size`-byte buffers, one thread, on `backend`.
pub fn throughput(cipher: Cipher, size: usize, backend: Backend, time: Duration) -> f64 {
    throughput_threads(cipher, size, 1, backend, time)
}

/// Aggregate bytes per second of `threads` threads, each encrypting its own buffers.
pub fn throughput_threads(
    cipher: Cipher,
    size: usize,
    threads: usize,
    backend: Backend,
    time: Duration,
) -> f64 {
    let batch = time / BATCHES as u32;
    let barrier = std::sync::Barrier::new(threads);
    let per_thread: Vec<Vec<(u64, Duration)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || {
                    let key = [0x11u8.wrapping_add(t as u8); 32];
                    let mut buf = vec![0xa5u8; size];
                    let mut op = make_op(cipher, &key, backend);
                    let k = calls_per_check(size);
                    // Warm up (page in the buffer, train the branch predictors).
                    let warm = thread_cpu();
                    while thread_cpu() - warm < batch / 4 {
                        for _ in 0..k {
                            op(&mut buf);
                        }
                    }
                    let mut out = Vec::with_capacity(BATCHES);
                    for _ in 0..BATCHES {
                        barrier.wait();
                        let start = thread_cpu();
                        let mut bytes = 0u64;
                        let mut spent = Duration::ZERO;
                        while spent < batch {
                            for _ in 0..k {
                                op(&mut buf);
                            }
                            bytes += (k * size) as u64;
                            spent = thread_cpu() - start;
                        }
                        out.push((bytes, spent));
                    }
                    black_box(&buf);
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .collect()
    });
    let rates: Vec<f64> = (0..BATCHES)
        .map(|b| {
            per_thread
                .iter()
                .map(|v| v[b].0 as f64 / v[b].1.as_secs_f64())
                .sum()
        })
        .collect();
    median(rates)
}

/// One encryption of a buffer, in place.
type BufOp<'a> = Box<dyn FnMut(&mut [u8]) + 'a>;

fn make_op(cipher: Cipher, key: &[u8; 32], backend: Backend) -> BufOp<'_> {
    match cipher {
        Cipher::Aes256Ctr => {
            let c = Aes256Ctr::with_backend(key, backend);
            let mut iv = [0u8; 16];
            Box::new(move |buf: &mut [u8]| {
                iv[0] = iv[0].wrapping_add(1);
                c.apply_keystream(&iv, buf);
            })
        }
        Cipher::Aes256Gcm => {
            let g = Aes256Gcm::with_backend(key, backend);
            let mut nonce = [0u8; 12];
            Box::new(move |buf: &mut [u8]| {
                nonce[0] = nonce[0].wrapping_add(1);
                black_box(
                    g.seal_in_place(&nonce, &[], buf)
                        .expect("buffer under the GCM limit"),
                );
            })
        }
    }
}

/// Median CPU nanoseconds per call of `op`.
fn ns_per_op(time: Duration, mut op: impl FnMut()) -> f64 {
    let batch = time / BATCHES as u32;
    let warm = thread_cpu();
    while thread_cpu() - warm < batch / 4 {
        for _ in 0..64 {
            op();
        }
    }
    let mut v = Vec::with_capacity(BATCHES);
    for _ in 0..BATCHES {
        let start = thread_cpu();
        let mut n = 0u64;
        let mut spent = Duration::ZERO;
        while spent < batch {
            for _ in 0..64 {
                op();
            }
            n += 64;
            spent = thread_cpu() - start;
        }
        v.push(spent.as_nanos() as f64 / n as f64);
    }
    median(v)
}

/// Measures the per-object envelope cost of every mode.
pub fn envelope_costs(time: Duration) -> Result<EnvelopeNs, CryptoError> {
    let t = time / 6;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let kms_arn = "arn:aws:kms:us-east-1:111122223333:key/bench";
    let mut kms = ModelledKms::seeded(2);
    kms.ensure_key(kms_arn);
    let bucket = "bench-bucket";
    let object = "arn:aws:s3:::bench-bucket/some/prefix/object-000001.parquet";
    let ctx = s3_context(object);
    let root = S3ManagedRoot::for_bucket(bucket, 3);
    let bk = BucketKey::generate(&mut kms, kms_arn, bucket)?;
    let customer = SseCHeaders::for_key(&DataKey::generate(&mut rng));
    let cse_ctx = cse::context_for(&EncryptionContext::new())?;

    // Each closure does one object's key setup and keeps the results alive via black_box.
    let mut fail: Option<CryptoError> = None;
    let mut sse_s3 = || match root.new_object_key(&mut rng) {
        Ok((k, w)) => {
            black_box((Aes256Ctr::new(k.expose_secret()), w, random16(&mut rng)));
        }
        Err(e) => fail = Some(e),
    };
    let sse_s3_ns = ns_per_op(t, &mut sse_s3);
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let sse_c_ns = ns_per_op(t, || {
        let k = sse_c::check_headers(&customer).expect("valid headers");
        let salt = random16(&mut rng);
        black_box(sse_c_hmac(&salt, &k));
        black_box((Aes256Ctr::new(k.expose_secret()), random16(&mut rng)));
    });
    let sse_kms_once = |kms: &mut ModelledKms, rng: &mut ChaCha20Rng| {
        let g = kms.generate_data_key(kms_arn, &ctx).expect("known key");
        black_box((
            Aes256Ctr::new(g.plaintext.expose_secret()),
            g.ciphertext_blob,
            random16(rng),
        ));
    };
    let sse_kms_ns = ns_per_op(t, || sse_kms_once(&mut kms, &mut rng));
    let sse_kms_bk_ns = ns_per_op(t, || {
        let (k, src) = sse_kms::put_key(
            &mut kms,
            kms_arn,
            bucket,
            "some/prefix/object-000001.parquet",
            Some(&bk),
            &mut rng,
        )
        .expect("bucket key matches");
        black_box((Aes256Ctr::new(k.expose_secret()), src, random16(&mut rng)));
    });
    let mut rng2 = ChaCha20Rng::seed_from_u64(5);
    let dsse_ns = ns_per_op(t, || {
        sse_kms_once(&mut kms, &mut rng);
        let (k, w) = root.new_object_key(&mut rng2).expect("wrap");
        black_box((Aes256Ctr::new(k.expose_secret()), w, random16(&mut rng2)));
    });
    let cse_ns = ns_per_op(t, || {
        let g = kms.generate_data_key(kms_arn, &cse_ctx).expect("known key");
        black_box(
            cse::encrypt_with_key(&g.plaintext, &g.ciphertext_blob, &cse_ctx, &mut rng, &[])
                .expect("seal"),
        );
    });
    if let Some(e) = fail {
        return Err(e);
    }
    Ok(EnvelopeNs {
        sse_s3: sse_s3_ns,
        sse_c: sse_c_ns,
        sse_kms: sse_kms_ns,
        sse_kms_bucket_key: sse_kms_bk_ns,
        dsse_kms: dsse_ns,
        cse_kms: cse_ns,
    })
}

fn sse_c_hmac(salt: &[u8; 16], key: &DataKey) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut m =
        <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(salt).expect("any key length");
    m.update(key.expose_secret());
    m.finalize().into_bytes().into()
}

/// The backends measured for `mode`: the one bksim uses first, then every other backend
/// this CPU runs that implements the mode.
pub fn backends_to_measure(active: Backends, mode: Mode) -> Vec<Backend> {
    let first = active.of(mode);
    let mut v = vec![first];
    v.extend(
        Backend::available()
            .into_iter()
            .filter(|b| *b != first && b.implements(mode)),
    );
    v
}

/// Runs the whole benchmark.
pub fn run_bench(cfg: &BenchConfig) -> Result<BenchReport, CryptoError> {
    let active = super::active_backends();
    let openssl = if cfg.openssl {
        super::openssl_speed::version()
    } else {
        None
    };
    let mut results = Vec::new();
    let mut thread_counts = vec![1];
    if cfg.threads > 1 {
        thread_counts.push(cfg.threads);
    }
    let push = |results: &mut Vec<BenchResult>, c: Cipher, size: usize, t: usize, b: &str, r| {
        results.push(BenchResult {
            cipher: c.name().to_string(),
            size_bytes: size as u64,
            threads: t,
            backend: b.to_string(),
            gb_per_s: r / 1e9,
        })
    };
    for cipher in [Cipher::Aes256Ctr, Cipher::Aes256Gcm] {
        let backends = backends_to_measure(active, cipher.mode());
        for &size in &cfg.sizes {
            for &threads in &thread_counts {
                for &b in &backends {
                    let rate = throughput_threads(cipher, size, threads, b, cfg.time_per_figure);
                    push(&mut results, cipher, size, threads, b.name(), rate);
                }
                if openssl.is_some() {
                    let secs = cfg.time_per_figure.as_secs_f64().ceil() as u32;
                    if let Some(rate) = super::openssl_speed::rate(cipher, size, threads, secs) {
                        push(&mut results, cipher, size, threads, OPENSSL, rate);
                    }
                }
            }
        }
    }
    let envelope_ns = envelope_costs(cfg.time_per_figure * 2)?;
    Ok(BenchReport {
        schema: BENCH_SCHEMA.to_string(),
        backend: active.label(),
        cpu_model: cpu_model(),
        openssl,
        results,
        envelope_ns,
        warning: active.warning().map(str::to_string),
    })
}

/// Per-object envelope costs as a name → ns map (for tables).
pub fn envelope_map(e: &EnvelopeNs) -> BTreeMap<String, f64> {
    e.entries()
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4KiB").unwrap(), 4096);
        assert_eq!(parse_size("16MiB").unwrap(), 16 << 20);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("1MB").unwrap(), 1_000_000);
        for bad in [
            "",
            "0",
            "4XB",
            "KiB",
            "2GiB",
            "-1",
            "1.5MiB",
            "99999999999999999999999GiB",
        ] {
            assert!(
                matches!(parse_size(bad), Err(CryptoError::InvalidInput(_))),
                "{bad}"
            );
        }
        assert_eq!(format_size(1 << 20), "1 MiB");
        assert_eq!(format_size(1000), "1000 B");
    }

    #[test]
    fn quick_bench_runs() {
        let cfg = BenchConfig {
            sizes: vec![4096],
            threads: 2,
            time_per_figure: Duration::from_millis(20),
            openssl: false,
        };
        let r = run_bench(&cfg).unwrap();
        let active = crate::crypto::active_backends();
        let n = backends_to_measure(active, Mode::Ctr).len()
            + backends_to_measure(active, Mode::Gcm).len();
        // Each backend at 1 and 2 threads; aws-lc-rs runs everywhere, so at least 2 each.
        assert!(n >= 4, "{n}");
        assert_eq!(r.results.len(), 2 * n);
        assert!(r.results.iter().all(|x| x.gb_per_s > 0.0));
        assert!(r.results.iter().any(|x| x.backend == "aws-lc-rs"));
        assert_eq!(r.openssl, None);
        assert!(r.envelope_ns.entries().iter().all(|(_, v)| *v > 0.0));
    }
}
