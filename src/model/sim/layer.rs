//! Client-side encryption over server-side encryption (`[[bucket]] client_encryption`): where
//! a request keeps the client's data key (its own field, since S3's key is `Request::key`),
//! which buckets have a layer, and what their pre-existing objects' client keys are.
//!
//! A layered PUT is the client's GenerateDataKey (through its data-key cache, then its CPU)
//! followed by an ordinary PUT that S3 encrypts with the bucket's mode; a layered GET is an
//! ordinary GET (S3's Decrypt or bucket key) followed by the client's Decrypt. The two
//! layers' calls go to the same KMS quota, in sequence, so their latencies add.
//!
//! AWS documents the combination: "You can use both the Amazon S3 Encryption Client and
//! server-side encryption to encrypt your data. When you send encrypted objects to Amazon S3,
//! Amazon S3 doesn't recognize the objects as being encrypted", and the client "does not use or
//! interact with bucket keys" (so S3's layer alone uses them):
//! https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingClientSideEncryption.html

use super::super::objects::KeyRef;
use super::request::Request;
use crate::engine::time::Nanos;
use crate::mode::Mode;
use crate::scenario::Scenario;

/// By bucket index: whether a client-side data key is kept apart from S3's key (every
/// bucket but a `cse-kms` one, whose only key is the client's).
pub(super) fn keys_apart(sc: &Scenario) -> Vec<bool> {
    sc.buckets
        .iter()
        .map(|b| b.encryption != Mode::CseKms)
        .collect()
}

/// By workload index: whether its PUTs get a client-side layer (the workload's
/// `client_encryption`, by default its bucket's).
pub(super) fn layered_writes(sc: &Scenario) -> Vec<bool> {
    sc.workloads
        .iter()
        .map(|w| w.client_layer.is_some())
        .collect()
}

/// Keeps client-side data key `id` in `r`: in `r.key` for a `cse-kms` bucket (as always),
/// in `r.client_key` for a layered write (`apart`), whose `r.key` is S3's.
#[inline]
pub(super) fn set_client_key(r: &mut Request, apart: bool, id: u64) {
    if apart {
        r.client_key = id;
    } else {
        r.key = KeyRef::ClientKey(id);
    }
}

/// The client-side data key `r` reads with: a layered object's, else its `cse-kms` key.
#[inline]
pub(super) fn client_key(r: &Request) -> u64 {
    if r.client_key != 0 {
        r.client_key
    } else {
        r.key.client_id()
    }
}

/// Whether a GET of the object in `r` is followed by the client's Decrypt.
#[inline]
pub(super) fn client_decrypts(r: &Request) -> bool {
    r.client_key != 0 || matches!(r.key, KeyRef::ClientKey(_))
}

/// The client keys of a layered bucket's pre-existing objects: written as a `cse-kms` client
/// writes, one data key per object, or per writer session and `max_age` with a cache.
pub(super) fn population_layer(sc: &Scenario, bi: usize) -> Option<Option<Nanos>> {
    sc.buckets[bi].client_layer.as_ref()?;
    Some(sc.client.data_key_cache.map(|c| c.max_age))
}
