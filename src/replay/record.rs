//! A logged request in the compact, fixed-size form replay sorts and stores: times, hashed
//! object identities, interned bucket and session numbers, and its 64-byte encoding for runs
//! spilled to disk.

use super::entry::LogOp;

/// "No size logged".
pub const NO_SIZE: u64 = u64::MAX;
/// "No copy source".
pub const NO_SOURCE: u128 = 0;

/// One request of a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rec {
    /// Nanoseconds since the Unix epoch (after sorting: the time the request is offered at,
    /// spread within its second when the log gives whole seconds only).
    pub t: i64,
    /// Position in the log: file order, then order within the file. Breaks ties of `t`.
    pub seq: u64,
    /// The object: a 128-bit hash of (bucket, key).
    pub obj: u128,
    /// A copy's source object ([`NO_SOURCE`] when none).
    pub src: u128,
    /// Bytes moved or the object's size ([`NO_SIZE`] when the log has none).
    pub size: u64,
    /// The requester's number in this trace.
    pub session: u32,
    /// The bucket's number in this trace.
    pub bucket: u8,
    /// The copy source's bucket number (meaningful when `src` is set).
    pub src_bucket: u8,
    pub op: LogOp,
    /// The log gives the time to the second only.
    pub coarse: bool,
}

/// Bytes of one encoded record.
pub const REC_BYTES: usize = 64;

impl Rec {
    /// Sort order: time, then position in the log.
    #[inline]
    pub fn key(&self) -> (i64, u64) {
        (self.t, self.seq)
    }

    pub fn encode(&self, out: &mut [u8; REC_BYTES]) {
        out[0..8].copy_from_slice(&self.t.to_le_bytes());
        out[8..16].copy_from_slice(&self.seq.to_le_bytes());
        out[16..32].copy_from_slice(&self.obj.to_le_bytes());
        out[32..48].copy_from_slice(&self.src.to_le_bytes());
        out[48..56].copy_from_slice(&self.size.to_le_bytes());
        out[56..60].copy_from_slice(&self.session.to_le_bytes());
        out[60] = self.bucket;
        out[61] = self.src_bucket;
        out[62] = self.op.index() as u8;
        out[63] = self.coarse as u8;
    }

    /// Decodes what [`Rec::encode`] wrote; None for bytes it cannot have written.
    pub fn decode(b: &[u8; REC_BYTES]) -> Option<Rec> {
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let u128_at = |i: usize| u128::from_le_bytes(b[i..i + 16].try_into().expect("16 bytes"));
        Some(Rec {
            t: u64_at(0) as i64,
            seq: u64_at(8),
            obj: u128_at(16),
            src: u128_at(32),
            size: u64_at(48),
            session: u32::from_le_bytes(b[56..60].try_into().expect("4 bytes")),
            bucket: b[60],
            src_bucket: b[61],
            op: *LogOp::ALL.get(b[62] as usize)?,
            coarse: b[63] != 0,
        })
    }
}

/// The identity of object `key` in bucket `bucket`: two independent 64-bit hashes (FNV-1a and
/// a multiply-rotate hash), never [`NO_SOURCE`].
pub fn object_id(bucket: &str, key: &str) -> u128 {
    let a = crate::engine::rng::stable_hash(&[bucket.as_bytes(), key.as_bytes()]);
    let mut b: u64 = 0x243f_6a88_85a3_08d3;
    for part in [bucket.as_bytes(), &[0xff], key.as_bytes()] {
        for chunk in part.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            b = (b ^ u64::from_le_bytes(w))
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .rotate_left(29);
        }
        b = b.wrapping_add(part.len() as u64);
    }
    let id = ((a as u128) << 64) | crate::engine::rng::mix64(b) as u128;
    id.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_their_encoding() {
        for (i, op) in LogOp::ALL.into_iter().enumerate() {
            let r = Rec {
                t: -5 + i as i64 * 1_000_000_007,
                seq: i as u64 * 3,
                obj: object_id("b", &format!("k{i}")),
                src: if i % 2 == 0 {
                    NO_SOURCE
                } else {
                    object_id("c", "s")
                },
                size: if i == 3 { NO_SIZE } else { i as u64 * 1024 },
                session: 70_000 + i as u32,
                bucket: i as u8,
                src_bucket: 99,
                op,
                coarse: i % 3 == 0,
            };
            let mut b = [0u8; REC_BYTES];
            r.encode(&mut b);
            assert_eq!(Rec::decode(&b), Some(r));
        }
        let mut b = [0u8; REC_BYTES];
        b[62] = 200;
        assert_eq!(Rec::decode(&b), None);
    }

    #[test]
    fn object_ids_separate_bucket_from_key() {
        assert_ne!(object_id("ab", "c"), object_id("a", "bc"));
        assert_ne!(object_id("b", "k1"), object_id("b", "k2"));
        assert_eq!(object_id("b", "k1"), object_id("b", "k1"));
        assert_ne!(object_id("", ""), NO_SOURCE);
    }
}
