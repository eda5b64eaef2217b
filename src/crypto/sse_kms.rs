//! SSE-KMS with and without S3 Bucket Keys, and DSSE-KMS, as real envelopes.
//!
//! - Without a bucket key each object's data key comes from KMS GenerateDataKey with the
//!   object ARN as context, and a GET needs KMS Decrypt with the same context.
//! - With a bucket key ([`BucketKey`], itself from GenerateDataKey with the *bucket* ARN as
//!   context) each object's data key is derived with HKDF-SHA256 from the bucket key, a
//!   16-byte random salt stored with the object and the object ARN: no KMS call per object,
//!   and still a different key for every object.
//! - DSSE-KMS applies two independent AES-256 layers: a KMS data key (per object, object
//!   ARN context) and an S3-managed key. Bucket keys do not apply to it.
//!
//! Content encryption is AES-256-CTR with a random 16-byte IV per object.

use rand::Rng;

use super::ctr::Aes256Ctr;
use super::error::CryptoError;
use super::kdf::{OBJECT_SALT_LEN, derive_object_key};
use super::keys::{DataKey, random16};
use super::kms_keys::{ModelledKms, s3_context};
use super::sse_s3::{S3ManagedRoot, SseS3Object};

/// `arn:aws:s3:::bucket`.
pub fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// `arn:aws:s3:::bucket/key`.
pub fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

/// An S3 Bucket Key: a short-lived bucket-level key from KMS (context = bucket ARN) from
/// which per-object data keys are derived. Plaintext wiped on drop.
#[derive(Debug, Clone)]
pub struct BucketKey {
    plaintext: DataKey,
    ciphertext_blob: Vec<u8>,
    kms_key_arn: String,
    bucket: String,
}

impl BucketKey {
    /// Issues a new bucket key: KMS GenerateDataKey with `{"aws:s3:arn": bucket ARN}`.
    pub fn generate(
        kms: &mut ModelledKms,
        kms_key_arn: &str,
        bucket: &str,
    ) -> Result<Self, CryptoError> {
        let g = kms.generate_data_key(kms_key_arn, &s3_context(&bucket_arn(bucket)))?;
        Ok(BucketKey {
            plaintext: g.plaintext,
            ciphertext_blob: g.ciphertext_blob,
            kms_key_arn: kms_key_arn.to_string(),
            bucket: bucket.to_string(),
        })
    }

    /// Recovers a bucket key from its stored blob: KMS Decrypt with the bucket-ARN context
    /// (what a GET does when the bucket key is not cached).
    pub fn from_blob(
        kms: &ModelledKms,
        kms_key_arn: &str,
        bucket: &str,
        blob: &[u8],
    ) -> Result<Self, CryptoError> {
        let plaintext = kms.decrypt(blob, &s3_context(&bucket_arn(bucket)))?;
        Ok(BucketKey {
            plaintext,
            ciphertext_blob: blob.to_vec(),
            kms_key_arn: kms_key_arn.to_string(),
            bucket: bucket.to_string(),
        })
    }

    /// The wrapped bucket key, stored with every object it encrypts.
    pub fn ciphertext_blob(&self) -> &[u8] {
        &self.ciphertext_blob
    }

    /// The KMS key this bucket key was issued under.
    pub fn kms_key_arn(&self) -> &str {
        &self.kms_key_arn
    }

    /// The bucket it belongs to.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The data key of one object (HKDF-SHA256, salt, info = object ARN).
    pub fn derive_object_key(&self, salt: &[u8; OBJECT_SALT_LEN], object_arn: &str) -> DataKey {
        derive_object_key(&self.plaintext, salt, object_arn)
    }
}

/// How an SSE-KMS object's data key is kept.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// Per-object data key from GenerateDataKey (context = object ARN), wrapped.
    PerObject { ciphertext_blob: Vec<u8> },
    /// Derived from a bucket key: its blob and the object's salt.
    BucketKey {
        bucket_key_blob: Vec<u8>,
        salt: [u8; OBJECT_SALT_LEN],
    },
}

/// An SSE-KMS object as stored.
#[derive(Debug, Clone)]
pub struct SseKmsObject {
    pub kms_key_arn: String,
    pub key_source: KeySource,
    pub iv: [u8; 16],
    pub body: Vec<u8>,
}

/// The per-object key setup of an SSE-KMS PUT, without the content: returns the data key
/// and how it is kept. `bucket_key` must belong to this bucket and KMS key.
pub fn put_key<R: Rng + ?Sized>(
    kms: &mut ModelledKms,
    kms_key_arn: &str,
    bucket: &str,
    key: &str,
    bucket_key: Option<&BucketKey>,
    rng: &mut R,
) -> Result<(DataKey, KeySource), CryptoError> {
    let arn = object_arn(bucket, key);
    match bucket_key {
        None => {
            let g = kms.generate_data_key(kms_key_arn, &s3_context(&arn))?;
            Ok((
                g.plaintext,
                KeySource::PerObject {
                    ciphertext_blob: g.ciphertext_blob,
                },
            ))
        }
        Some(bk) => {
            check_bucket_key(bk, kms_key_arn, bucket)?;
            let salt = random16(rng);
            let dk = bk.derive_object_key(&salt, &arn);
            Ok((
                dk,
                KeySource::BucketKey {
                    bucket_key_blob: bk.ciphertext_blob.clone(),
                    salt,
                },
            ))
        }
    }
}

fn check_bucket_key(bk: &BucketKey, kms_key_arn: &str, bucket: &str) -> Result<(), CryptoError> {
    if bk.kms_key_arn != kms_key_arn || bk.bucket != bucket {
        return Err(CryptoError::InvalidInput(format!(
            "bucket key of bucket {} / KMS key {} used for bucket {bucket} / KMS key {kms_key_arn}",
            bk.bucket, bk.kms_key_arn
        )));
    }
    Ok(())
}

/// SSE-KMS PUT: sets up the object's data key as the mode prescribes and encrypts.
pub fn put_object<R: Rng + ?Sized>(
    kms: &mut ModelledKms,
    kms_key_arn: &str,
    bucket: &str,
    key: &str,
    bucket_key: Option<&BucketKey>,
    rng: &mut R,
    plaintext: &[u8],
) -> Result<SseKmsObject, CryptoError> {
    let (dk, key_source) = put_key(kms, kms_key_arn, bucket, key, bucket_key, rng)?;
    let iv = random16(rng);
    let mut body = plaintext.to_vec();
    Aes256Ctr::new(dk.expose_secret()).apply_keystream(&iv, &mut body);
    Ok(SseKmsObject {
        kms_key_arn: kms_key_arn.to_string(),
        key_source,
        iv,
        body,
    })
}

/// The data key of a stored object: KMS Decrypt (object ARN context) for per-object keys;
/// for bucket-key objects the cached bucket key when it is the one the object names,
/// otherwise KMS Decrypt of the object's bucket-key blob (bucket ARN context).
pub fn object_key(
    kms: &ModelledKms,
    obj: &SseKmsObject,
    bucket: &str,
    key: &str,
    cached_bucket_key: Option<&BucketKey>,
) -> Result<DataKey, CryptoError> {
    let arn = object_arn(bucket, key);
    match &obj.key_source {
        KeySource::PerObject { ciphertext_blob } => kms.decrypt(ciphertext_blob, &s3_context(&arn)),
        KeySource::BucketKey {
            bucket_key_blob,
            salt,
        } => match cached_bucket_key {
            Some(bk) if bk.ciphertext_blob == *bucket_key_blob && bk.bucket == bucket => {
                Ok(bk.derive_object_key(salt, &arn))
            }
            _ => {
                let bk = BucketKey::from_blob(kms, &obj.kms_key_arn, bucket, bucket_key_blob)?;
                Ok(bk.derive_object_key(salt, &arn))
            }
        },
    }
}

/// SSE-KMS GET.
pub fn get_object(
    kms: &ModelledKms,
    obj: &SseKmsObject,
    bucket: &str,
    key: &str,
    cached_bucket_key: Option<&BucketKey>,
) -> Result<Vec<u8>, CryptoError> {
    let dk = object_key(kms, obj, bucket, key, cached_bucket_key)?;
    let mut out = obj.body.clone();
    Aes256Ctr::new(dk.expose_secret()).apply_keystream(&obj.iv, &mut out);
    Ok(out)
}

/// A DSSE-KMS object: the KMS layer inside, the S3-managed layer outside.
#[derive(Debug, Clone)]
pub struct DsseKmsObject {
    /// Outer layer (S3-managed key); its body is the KMS layer's ciphertext.
    pub outer: SseS3Object,
    pub kms_key_arn: String,
    pub kms_ciphertext_blob: Vec<u8>,
    pub kms_iv: [u8; 16],
}

/// DSSE-KMS PUT: two independent AES-256 layers (a KMS data key, then an S3-managed key).
pub fn dsse_put_object<R: Rng + ?Sized>(
    kms: &mut ModelledKms,
    root: &S3ManagedRoot,
    kms_key_arn: &str,
    bucket: &str,
    key: &str,
    rng: &mut R,
    plaintext: &[u8],
) -> Result<DsseKmsObject, CryptoError> {
    let inner = put_object(kms, kms_key_arn, bucket, key, None, rng, plaintext)?;
    let KeySource::PerObject { ciphertext_blob } = inner.key_source else {
        unreachable!("no bucket key given")
    };
    let outer = root.seal_object(rng, &inner.body)?;
    Ok(DsseKmsObject {
        outer,
        kms_key_arn: kms_key_arn.to_string(),
        kms_ciphertext_blob: ciphertext_blob,
        kms_iv: inner.iv,
    })
}

/// DSSE-KMS GET: removes the S3-managed layer, then the KMS layer.
pub fn dsse_get_object(
    kms: &ModelledKms,
    root: &S3ManagedRoot,
    obj: &DsseKmsObject,
    bucket: &str,
    key: &str,
) -> Result<Vec<u8>, CryptoError> {
    let mut mid = root.open_object(&obj.outer)?;
    let dk = kms.decrypt(
        &obj.kms_ciphertext_blob,
        &s3_context(&object_arn(bucket, key)),
    )?;
    Aes256Ctr::new(dk.expose_secret()).apply_keystream(&obj.kms_iv, &mut mid);
    Ok(mid)
}
