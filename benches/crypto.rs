//! Criterion benches for the same measurements as `bksim crypto bench`: AES-256-CTR and
//! AES-256-GCM throughput at 1 KiB, 64 KiB and 1 MiB on every backend this CPU runs
//! (aws-lc-rs, bksim's VAES-512 CTR kernel, the RustCrypto crates; the one bksim uses
//! first), one thread, and the per-object envelope setup of each mode. Two threads and
//! `openssl speed -evp` beside them: `bksim crypto bench --threads 2` (criterion times one
//! thread and cannot run another program).

use std::hint::black_box;

use bksim::crypto::backend::Mode;
use bksim::crypto::bench::backends_to_measure;
use bksim::crypto::ctr::Aes256Ctr;
use bksim::crypto::gcm::Aes256Gcm;
use bksim::crypto::kms_keys::s3_context;
use bksim::crypto::sse_kms::{self, BucketKey};
use bksim::crypto::sse_s3::S3ManagedRoot;
use bksim::crypto::{DataKey, ModelledKms, active_backends, cse, keys::random16, sse_c};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const SIZES: [usize; 3] = [1 << 10, 64 << 10, 1 << 20];
const KMS_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/bench";

fn bulk(c: &mut Criterion) {
    let key = [0x11u8; 32];
    let active = active_backends();
    for b in backends_to_measure(active, Mode::Ctr) {
        let mut g = c.benchmark_group(format!("aes-256-ctr/{b}"));
        let ctr = Aes256Ctr::with_backend(&key, b);
        for size in SIZES {
            let mut buf = vec![0u8; size];
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_with_input(BenchmarkId::from_parameter(size), &size, |bench, _| {
                bench.iter(|| ctr.apply_keystream(black_box(&[1u8; 16]), &mut buf))
            });
        }
        g.finish();
    }
    for b in backends_to_measure(active, Mode::Gcm) {
        let mut g = c.benchmark_group(format!("aes-256-gcm/{b}"));
        let gcm = Aes256Gcm::with_backend(&key, b);
        for size in SIZES {
            let mut buf = vec![0u8; size];
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_with_input(BenchmarkId::from_parameter(size), &size, |bench, _| {
                bench.iter(|| black_box(gcm.seal_in_place(&[1u8; 12], &[], &mut buf).unwrap()))
            });
        }
        g.finish();
    }
}

fn envelope(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut kms = ModelledKms::seeded(2);
    kms.ensure_key(KMS_ARN);
    let bucket = "bench-bucket";
    let okey = "some/prefix/object-000001.parquet";
    let ctx = s3_context(&sse_kms::object_arn(bucket, okey));
    let root = S3ManagedRoot::for_bucket(bucket, 3);
    let bk = BucketKey::generate(&mut kms, KMS_ARN, bucket).unwrap();
    let headers = sse_c::SseCHeaders::for_key(&DataKey::generate(&mut rng));
    let cse_ctx = cse::context_for(&Default::default()).unwrap();
    let mut g = c.benchmark_group("envelope");
    g.bench_function("sse-s3", |b| {
        b.iter(|| {
            let (k, w) = root.new_object_key(&mut rng).unwrap();
            black_box((Aes256Ctr::new(k.expose_secret()), w, random16(&mut rng)))
        })
    });
    g.bench_function("sse-c", |b| {
        b.iter(|| {
            let obj = sse_c::put_object(&mut rng, &headers, &[]).unwrap();
            black_box(obj)
        })
    });
    g.bench_function("sse-kms", |b| {
        b.iter(|| {
            let d = kms.generate_data_key(KMS_ARN, &ctx).unwrap();
            black_box((
                Aes256Ctr::new(d.plaintext.expose_secret()),
                d.ciphertext_blob,
                random16(&mut rng),
            ))
        })
    });
    g.bench_function("sse-kms-bucket-key", |b| {
        b.iter(|| {
            let (k, s) =
                sse_kms::put_key(&mut kms, KMS_ARN, bucket, okey, Some(&bk), &mut rng).unwrap();
            black_box((Aes256Ctr::new(k.expose_secret()), s, random16(&mut rng)))
        })
    });
    g.bench_function("cse-kms", |b| {
        b.iter(|| {
            let d = kms.generate_data_key(KMS_ARN, &cse_ctx).unwrap();
            black_box(
                cse::encrypt_with_key(&d.plaintext, &d.ciphertext_blob, &cse_ctx, &mut rng, &[])
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bulk, envelope);
criterion_main!(benches);
