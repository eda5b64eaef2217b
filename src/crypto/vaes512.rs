//! bksim's own AES-256-CTR kernel for x86-64 CPUs with VAES on 512-bit registers, and the
//! AES-NI key expansion and RFC 3394 wrap it shares with `keywrap.rs`. The kernel exists
//! because it is the fastest AES-256-CTR measured on such CPUs (about 1.9x aws-lc-rs and
//! OpenSSL 3.0, whose CTR runs on 128-bit AES-NI; figures in the README): counters live in
//! vector registers (four blocks per ZMM register, 32 blocks in flight). The output is
//! byte-identical to OpenSSL `aes-256-ctr` (tests compare it with aws-lc-rs, the crates and
//! published vectors). Its GCM sibling was removed when aws-lc-rs measured faster on every
//! buffer from 16 KiB up (it stays in the git history).
//!
//! Every function here is `unsafe` and needs the CPU features its `target_feature`
//! attribute names; callers check them with [`super::backend::vaes512_available`].

#![allow(unsafe_op_in_unsafe_fn)]

use core::arch::x86_64::*;
use zeroize::Zeroize;

/// Expanded AES-256 encryption round keys (15 x 16 bytes), wiped on drop.
#[derive(Clone, Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct RoundKeys(pub(crate) [[u8; 16]; 15]);

macro_rules! expand_round {
    ($rk:ident, $k0:ident, $k1:ident, $i:expr, $rcon:expr, $last:expr) => {{
        let t = _mm_shuffle_epi32::<0xff>(_mm_aeskeygenassist_si128::<$rcon>($k1));
        $k0 = prefix_xor($k0);
        $k0 = _mm_xor_si128($k0, t);
        _mm_storeu_si128($rk[2 * $i].as_mut_ptr().cast(), $k0);
        if !$last {
            let t = _mm_shuffle_epi32::<0xaa>(_mm_aeskeygenassist_si128::<0>($k0));
            $k1 = prefix_xor($k1);
            $k1 = _mm_xor_si128($k1, t);
            _mm_storeu_si128($rk[2 * $i + 1].as_mut_ptr().cast(), $k1);
        }
    }};
}

#[inline]
#[target_feature(enable = "sse2")]
unsafe fn prefix_xor(k: __m128i) -> __m128i {
    let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
    let k = _mm_xor_si128(k, _mm_slli_si128::<4>(k));
    _mm_xor_si128(k, _mm_slli_si128::<4>(k))
}

/// AES-256 key expansion with AES-NI (FIPS 197 §5.2).
#[target_feature(enable = "aes,sse2")]
pub(crate) unsafe fn expand_key(key: &[u8; 32]) -> RoundKeys {
    let mut rk = [[0u8; 16]; 15];
    let mut k0 = _mm_loadu_si128(key.as_ptr().cast());
    let mut k1 = _mm_loadu_si128(key.as_ptr().add(16).cast());
    _mm_storeu_si128(rk[0].as_mut_ptr().cast(), k0);
    _mm_storeu_si128(rk[1].as_mut_ptr().cast(), k1);
    expand_round!(rk, k0, k1, 1, 0x01, false);
    expand_round!(rk, k0, k1, 2, 0x02, false);
    expand_round!(rk, k0, k1, 3, 0x04, false);
    expand_round!(rk, k0, k1, 4, 0x08, false);
    expand_round!(rk, k0, k1, 5, 0x10, false);
    expand_round!(rk, k0, k1, 6, 0x20, false);
    expand_round!(rk, k0, k1, 7, 0x40, true);
    // Registers holding key material are overwritten by later code; the array is the
    // only copy and is wiped by `RoundKeys`' drop.
    RoundKeys(rk)
}

/// RFC 3394 key wrap (default IV) of `key_data` (n >= 2 64-bit blocks) into `out`
/// (`len + 8` bytes), keeping the integrity register in a vector register: the algorithm
/// is 6n dependent AES calls, so latency is all that counts.
#[target_feature(enable = "aes,sse2")]
pub(crate) unsafe fn kw_wrap(rk: &RoundKeys, key_data: &[u8], out: &mut [u8]) {
    let n = key_data.len() / 8;
    assert!(key_data.len() == 8 * n && out.len() == 8 * n + 8);
    out[8..].copy_from_slice(key_data);
    let mut k = [_mm_setzero_si128(); 15];
    for (dst, src) in k.iter_mut().zip(rk.0.iter()) {
        *dst = load128(src);
    }
    let p = out.as_mut_ptr();
    let mut a = _mm_set1_epi64x(0xa6a6_a6a6_a6a6_a6a6u64 as i64);
    for j in 0..6 {
        for i in 1..=n {
            let r = _mm_loadl_epi64(p.add(8 * i).cast());
            let mut b = _mm_xor_si128(_mm_unpacklo_epi64(a, r), k[0]);
            for key in &k[1..14] {
                b = _mm_aesenc_si128(b, *key);
            }
            b = _mm_aesenclast_si128(b, k[14]);
            let t = ((n * j + i) as u64).to_be_bytes();
            a = _mm_xor_si128(b, _mm_cvtsi64_si128(i64::from_le_bytes(t)));
            _mm_storel_epi64(p.add(8 * i).cast(), _mm_unpackhi_epi64(b, b));
        }
    }
    _mm_storel_epi64(p.cast(), a);
}

#[inline]
#[target_feature(enable = "sse2")]
unsafe fn load128(b: &[u8; 16]) -> __m128i {
    _mm_loadu_si128(b.as_ptr().cast())
}

#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn broadcast_keys(rk: &RoundKeys) -> [__m512i; 15] {
    let mut k = [_mm512_setzero_si512(); 15];
    for (dst, src) in k.iter_mut().zip(rk.0.iter()) {
        *dst = _mm512_broadcast_i32x4(load128(src));
    }
    k
}

/// Byte-reversal shuffle mask for each 128-bit lane.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn bswap_mask512() -> __m512i {
    _mm512_broadcast_i32x4(bswap_mask128())
}

#[inline]
#[target_feature(enable = "sse2")]
unsafe fn bswap_mask128() -> __m128i {
    _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
}

/// Runs the 14 AES-256 rounds on `N` registers of 4 blocks each.
#[inline(always)]
unsafe fn aes_rounds<const N: usize>(k: &[__m512i; 15], x: &mut [__m512i; N]) {
    for v in x.iter_mut() {
        *v = _mm512_xor_si512(*v, k[0]);
    }
    for key in &k[1..14] {
        for v in x.iter_mut() {
            *v = _mm512_aesenc_epi128(*v, *key);
        }
    }
    for v in x.iter_mut() {
        *v = _mm512_aesenclast_epi128(*v, k[14]);
    }
}

/// Mask selecting the first `n` (0..=64) bytes of a 64-byte register.
#[inline(always)]
fn byte_mask(n: usize) -> __mmask64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// AES-256-CTR: XORs `data` in place with the keystream AES(ctr), AES(ctr + 1), ...
///
/// The counter is the whole 128-bit block as a big-endian integer (SP 800-38A, OpenSSL).
/// Increments are done on the low 64 bits only: the caller guarantees that
/// `low64(ctr) + ceil(len / 16) - 1` does not overflow (it splits the buffer at a wrap).
#[target_feature(enable = "avx512f,avx512bw,vaes,aes,sse2")]
pub(crate) unsafe fn ctr_xor(rk: &RoundKeys, ctr: u128, data: &mut [u8]) {
    let k = broadcast_keys(rk);
    let bswap = bswap_mask512();
    // Counters in little-endian form (qword 0 = low 64 bits), one block per lane.
    let base = _mm512_broadcast_i32x4(_mm_loadu_si128(ctr.to_le_bytes().as_ptr().cast()));
    let mut c = _mm512_add_epi64(base, _mm512_set_epi64(0, 3, 0, 2, 0, 1, 0, 0));
    let inc4 = _mm512_set_epi64(0, 4, 0, 4, 0, 4, 0, 4);
    let mut p = data.as_mut_ptr();
    let mut len = data.len();

    while len >= 512 {
        let mut x = [_mm512_setzero_si512(); 8];
        for v in x.iter_mut() {
            *v = _mm512_shuffle_epi8(c, bswap);
            c = _mm512_add_epi64(c, inc4);
        }
        aes_rounds(&k, &mut x);
        for (i, v) in x.iter().enumerate() {
            let q = p.add(64 * i);
            let d = _mm512_loadu_si512(q.cast());
            _mm512_storeu_si512(q.cast(), _mm512_xor_si512(d, *v));
        }
        p = p.add(512);
        len -= 512;
    }
    while len > 0 {
        let mut x = [_mm512_shuffle_epi8(c, bswap)];
        c = _mm512_add_epi64(c, inc4);
        aes_rounds(&k, &mut x);
        let n = len.min(64);
        let m = byte_mask(n);
        let d = _mm512_maskz_loadu_epi8(m, p.cast());
        _mm512_mask_storeu_epi8(p.cast(), m, _mm512_xor_si512(d, x[0]));
        p = p.add(n);
        len -= n;
    }
}
