//! Client-side encryption in the Amazon S3 Encryption Client v2 layout (aws-facts §11):
//! AES-256-GCM content (12-byte IV, 128-bit tag appended to the ciphertext), the data key
//! from KMS GenerateDataKey with `kms+context` wrapping, and the metadata map
//! `x-amz-key-v2`, `x-amz-iv`, `x-amz-cek-alg`, `x-amz-wrap-alg`, `x-amz-matdesc`,
//! `x-amz-tag-len` (plus `x-amz-unencrypted-content-length`). The encryption context is
//! the material description plus the reserved entry `aws:x-amz-cek-alg`, which a user may
//! not set and which decryption checks against `x-amz-cek-alg`. Keys are listed without
//! the `x-amz-meta-` prefix (the instruction-file form); [`CseObject::object_metadata`]
//! adds it. On the per-object path the metadata is a typed [`CseMetadata`]; the map is
//! built only when stored. An optional [`DataKeyCache`] reuses data keys within its thresholds.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rand::Rng;

use crate::engine::time::Nanos;

use super::data_key_cache::{DataKeyCache, cache_id};
use super::error::CryptoError;
use super::gcm::{Aes256Gcm, TAG_LEN};
use super::keys::{DataKey, random12};
use super::kms_keys::{EncryptionContext, ModelledKms};

pub const KEY_V2: &str = "x-amz-key-v2";
pub const IV: &str = "x-amz-iv";
pub const CEK_ALG: &str = "x-amz-cek-alg";
pub const WRAP_ALG: &str = "x-amz-wrap-alg";
pub const MATDESC: &str = "x-amz-matdesc";
pub const TAG_LEN_KEY: &str = "x-amz-tag-len";
pub const UNENCRYPTED_LEN: &str = "x-amz-unencrypted-content-length";
/// Content cipher name.
pub const AES_GCM_NO_PADDING: &str = "AES/GCM/NoPadding";
/// Key wrap algorithm name.
pub const KMS_CONTEXT: &str = "kms+context";
/// The reserved context entry.
pub const RESERVED_CEK_ALG: &str = "aws:x-amz-cek-alg";

/// The S3 Encryption Client v2 metadata of one object, as typed fields. [`Self::to_map`]
/// gives the stored form; [`Self::from_map`] reads it back (keys with or without the
/// `x-amz-meta-` prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CseMetadata {
    /// `x-amz-key-v2`: base64 of the KMS ciphertext blob of the data key.
    pub key_v2: String,
    /// `x-amz-iv`: base64 of the 12-byte GCM IV.
    pub iv: String,
    /// `x-amz-cek-alg`: `AES/GCM/NoPadding`.
    pub cek_alg: String,
    /// `x-amz-wrap-alg`: `kms+context`.
    pub wrap_alg: String,
    /// `x-amz-matdesc`: the encryption context as JSON (reserved entry included).
    pub matdesc: String,
    /// `x-amz-tag-len`: `128`.
    pub tag_len: String,
    /// `x-amz-unencrypted-content-length`, when known.
    pub unencrypted_content_length: Option<String>,
}

impl CseMetadata {
    /// The metadata map; with `prefix`, as S3 user metadata (`x-amz-meta-...`).
    pub fn to_map(&self, prefix: bool) -> BTreeMap<String, String> {
        let p = if prefix { "x-amz-meta-" } else { "" };
        let mut m = BTreeMap::new();
        for (k, v) in [
            (KEY_V2, Some(&self.key_v2)),
            (IV, Some(&self.iv)),
            (CEK_ALG, Some(&self.cek_alg)),
            (WRAP_ALG, Some(&self.wrap_alg)),
            (MATDESC, Some(&self.matdesc)),
            (TAG_LEN_KEY, Some(&self.tag_len)),
            (UNENCRYPTED_LEN, self.unencrypted_content_length.as_ref()),
        ] {
            if let Some(v) = v {
                m.insert(format!("{p}{k}"), v.clone());
            }
        }
        m
    }

    /// Reads the metadata from a stored map.
    pub fn from_map(m: &BTreeMap<String, String>) -> Result<Self, CryptoError> {
        let opt = |k: &str| {
            m.get(k)
                .or_else(|| m.get(&format!("x-amz-meta-{k}")))
                .cloned()
        };
        let field =
            |k: &str| opt(k).ok_or_else(|| CryptoError::CseMetadata(format!("missing {k}")));
        Ok(CseMetadata {
            key_v2: field(KEY_V2)?,
            iv: field(IV)?,
            cek_alg: field(CEK_ALG)?,
            wrap_alg: field(WRAP_ALG)?,
            matdesc: field(MATDESC)?,
            tag_len: field(TAG_LEN_KEY)?,
            unencrypted_content_length: opt(UNENCRYPTED_LEN),
        })
    }
}

/// An object as the client stores it: metadata and `ciphertext || tag`.
#[derive(Debug, Clone)]
pub struct CseObject {
    pub metadata: CseMetadata,
    pub body: Vec<u8>,
}

impl CseObject {
    /// The metadata as S3 user metadata (`x-amz-meta-` prefix).
    pub fn object_metadata(&self) -> BTreeMap<String, String> {
        self.metadata.to_map(true)
    }
}

/// The encryption context for a material description: `matdesc` plus the reserved entry.
pub fn context_for(matdesc: &EncryptionContext) -> Result<EncryptionContext, CryptoError> {
    if matdesc.contains_key(RESERVED_CEK_ALG) {
        return Err(CryptoError::CseMetadata(format!(
            "material description may not set the reserved key {RESERVED_CEK_ALG}"
        )));
    }
    let mut ctx = matdesc.clone();
    ctx.insert(RESERVED_CEK_ALG.to_string(), AES_GCM_NO_PADDING.to_string());
    Ok(ctx)
}

/// Encrypts with a given data key and its wrapped form.
pub fn encrypt_with_key<R: Rng + ?Sized>(
    data_key: &DataKey,
    ciphertext_blob: &[u8],
    context: &EncryptionContext,
    rng: &mut R,
    plaintext: &[u8],
) -> Result<CseObject, CryptoError> {
    let iv = random12(rng);
    let gcm = Aes256Gcm::new(data_key.expose_secret());
    let body = gcm.seal(&iv, &[], plaintext)?;
    let metadata = CseMetadata {
        key_v2: B64.encode(ciphertext_blob),
        iv: B64.encode(iv),
        cek_alg: AES_GCM_NO_PADDING.to_string(),
        wrap_alg: KMS_CONTEXT.to_string(),
        matdesc: serde_json::to_string(context).expect("string map serialises"),
        tag_len: (TAG_LEN * 8).to_string(),
        unencrypted_content_length: Some(plaintext.len().to_string()),
    };
    Ok(CseObject { metadata, body })
}

/// PUT side: one GenerateDataKey (unless `cache` has a usable key) and AES-256-GCM.
#[allow(clippy::too_many_arguments)]
pub fn encrypt_object<R: Rng + ?Sized>(
    kms: &mut ModelledKms,
    kms_key_arn: &str,
    matdesc: &EncryptionContext,
    cache: Option<&mut DataKeyCache>,
    now: Nanos,
    rng: &mut R,
    plaintext: &[u8],
) -> Result<CseObject, CryptoError> {
    let ctx = context_for(matdesc)?;
    match cache {
        None => {
            let g = kms.generate_data_key(kms_key_arn, &ctx)?;
            encrypt_with_key(&g.plaintext, &g.ciphertext_blob, &ctx, rng, plaintext)
        }
        Some(cache) => {
            let id = cache_id(kms_key_arn, &ctx);
            let bytes = plaintext.len() as u64;
            let (key, blob) = match cache.get(&id, now, bytes) {
                Some(hit) => hit,
                None => {
                    let g = kms.generate_data_key(kms_key_arn, &ctx)?;
                    cache.put(id, g.plaintext.clone(), g.ciphertext_blob.clone(), now);
                    (g.plaintext, g.ciphertext_blob)
                }
            };
            encrypt_with_key(&key, &blob, &ctx, rng, plaintext)
        }
    }
}

/// What the GET side needs from a stored object before it can decrypt: the wrapped data key
/// (`x-amz-key-v2`), the encryption context its Decrypt call must present (`x-amz-matdesc`,
/// checked against `x-amz-cek-alg`) and the content IV. Checks every algorithm field.
pub fn envelope_parts(
    obj: &CseObject,
) -> Result<(Vec<u8>, EncryptionContext, [u8; 12]), CryptoError> {
    let m = &obj.metadata;
    let cek = m.cek_alg.as_str();
    if cek != AES_GCM_NO_PADDING {
        return Err(CryptoError::CseMetadata(format!(
            "unsupported {CEK_ALG} {cek:?}"
        )));
    }
    if m.wrap_alg != KMS_CONTEXT {
        return Err(CryptoError::CseMetadata(format!(
            "unsupported {WRAP_ALG} {:?}",
            m.wrap_alg
        )));
    }
    if m.tag_len != "128" {
        return Err(CryptoError::CseMetadata(format!(
            "unsupported {TAG_LEN_KEY} {:?}",
            m.tag_len
        )));
    }
    let ctx: EncryptionContext = serde_json::from_str(&m.matdesc).map_err(|e| {
        CryptoError::CseMetadata(format!("{MATDESC} is not a JSON string map: {e}"))
    })?;
    match ctx.get(RESERVED_CEK_ALG) {
        Some(v) if v == cek => {}
        _ => {
            return Err(CryptoError::CseMetadata(format!(
                "{RESERVED_CEK_ALG} in {MATDESC} does not match {CEK_ALG}"
            )));
        }
    }
    let blob = B64
        .decode(&m.key_v2)
        .map_err(|_| CryptoError::CseMetadata(format!("{KEY_V2} is not base64")))?;
    let iv: [u8; 12] = B64
        .decode(&m.iv)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| CryptoError::CseMetadata(format!("{IV} is not a base64 12-byte IV")))?;
    Ok((blob, ctx, iv))
}

/// Opens an object's content with its (unwrapped) data key and IV.
pub fn open_with_key(
    data_key: &DataKey,
    iv: &[u8; 12],
    obj: &CseObject,
) -> Result<Vec<u8>, CryptoError> {
    Aes256Gcm::new(data_key.expose_secret()).open(iv, &[], &obj.body)
}

/// GET side: checks the metadata, calls KMS Decrypt with the stored context, opens GCM.
/// Accepts keys with or without the `x-amz-meta-` prefix.
pub fn decrypt_object(kms: &ModelledKms, obj: &CseObject) -> Result<Vec<u8>, CryptoError> {
    let (blob, ctx, iv) = envelope_parts(obj)?;
    let key = kms.decrypt(&blob, &ctx)?;
    open_with_key(&key, &iv, obj)
}
