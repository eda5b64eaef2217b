//! A request in flight in the live harness: owned by whichever thread (or timer entry)
//! holds it, so no table of requests is shared.

use super::envelope::Sealed;
use super::store::{ObjKey, StoredObject};
use crate::crypto::DataKey;
use crate::engine::time::Nanos;
use std::sync::Arc;

/// "No closed-loop client" / "no connection".
pub const NONE: u32 = u32::MAX;

/// Which S3 call of a request is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Put,
    MpuCreate,
    MpuPart,
    MpuComplete,
    Head,
    Get,
    /// A replayed DELETE: no KMS call, nothing moved.
    Delete,
    /// A copy (or a replication) reading its source: S3 needs the source's key as for a GET;
    /// nothing moves over the client's connection.
    CopyRead,
    /// A copy (or a replication) writing its destination with the destination's settings.
    CopyWrite,
}

pub struct Req {
    pub workload: u32,
    pub session: u32,
    pub client: u32,
    pub bucket: u32,
    /// GET class (prefix limits; counted as a GET unless a HEAD-only request).
    pub get: bool,
    /// A HEAD-only request (counted with the "other" requests).
    pub other: bool,
    pub first_send: Nanos,
    /// The object's size in the scenario, and the bytes really sealed for it (capped).
    pub size: u64,
    pub payload: usize,
    pub prefix: u32,
    /// The object's number (names it: `obj-<16 hex>`).
    pub object: u64,
    /// Reads an object that was in the bucket before the run.
    pub existing: bool,
    pub phase: Phase,
    pub part: u32,
    pub parts: u32,
    pub attempt: u32,
    pub retries: u32,
    /// Failed with AccessDenied (a policy denied its KMS call).
    pub denied: bool,
    /// DSSE-KMS: KMS calls S3 still makes for the current call after the one answered.
    pub kms_left: u32,
    pub host: u32,
    /// How the object's data key is kept (a write sets it, a read takes the object's).
    pub obj_key: ObjKey,
    /// The key the current call obtained (a data key, or a bucket key), wiped when dropped.
    pub key: Option<Arc<DataKey>>,
    /// The object read, or the object's sealed body once written.
    pub read: Option<Arc<StoredObject>>,
    pub sealed: Option<Sealed>,
    /// A replayed log's request: what it is about (None for planned requests).
    pub trace: Option<super::replay::TraceInfo>,
    /// Client-side encryption's own state (its data key and envelope), [`super::cse`].
    pub cse: Option<Box<super::cse::ClientSide>>,
}
