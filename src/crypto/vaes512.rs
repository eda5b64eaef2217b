//! bksim's own AES-256-CTR and AES-256-GCM kernels for x86-64 CPUs with VAES and
//! VPCLMULQDQ on 512-bit registers. They exist because the straightforward use of the
//! `ctr`/`aes-gcm` crates builds every counter block in scalar code and XORs through memory,
//! which leaves the AES units idle: here counters live in vector registers (four blocks per
//! ZMM register, 32 blocks in flight), GHASH folds 16 blocks per reduction, and CTR and
//! GHASH run in the same loop. The output is byte-identical to OpenSSL `aes-256-ctr` /
//! `aes-256-gcm` (tests compare it with the crates and with published vectors).
//!
//! GHASH is computed through POLYVAL (RFC 8452 Appendix A): with every block byte-reversed
//! and `H' = mulX(ByteReverse(H))`, GHASH(H, X) = ByteReverse(POLYVAL(H', ByteReverse(X))),
//! which lets carry-less products be reduced with two multiplications by a constant.
//!
//! Every function here is `unsafe` and needs the CPU features its `target_feature`
//! attribute names; callers check them with [`super::backend::vaes512_available`].

#![allow(unsafe_op_in_unsafe_fn)]

use core::arch::x86_64::*;
use zeroize::Zeroize;

/// Expanded AES-256 encryption round keys (15 x 16 bytes), wiped on drop.
#[derive(Clone, Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct RoundKeys(pub(crate) [[u8; 16]; 15]);

/// Expanded key material for GCM: round keys and the GHASH key powers, wiped on drop.
#[derive(Clone, Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct GcmKey {
    rk: RoundKeys,
    /// `pow[i]` = H'^(16 - i) in the POLYVAL domain, so `pow[15]` = H'.
    pow: [[u8; 16]; 16],
}

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

/// Encrypts one block with AES-NI.
#[target_feature(enable = "aes,sse2")]
pub(crate) unsafe fn encrypt_block(rk: &RoundKeys, block: &[u8; 16]) -> [u8; 16] {
    let mut b = _mm_loadu_si128(block.as_ptr().cast());
    b = _mm_xor_si128(b, load128(&rk.0[0]));
    for k in &rk.0[1..14] {
        b = _mm_aesenc_si128(b, load128(k));
    }
    b = _mm_aesenclast_si128(b, load128(&rk.0[14]));
    let mut out = [0u8; 16];
    _mm_storeu_si128(out.as_mut_ptr().cast(), b);
    out
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

// ---------------------------------------------------------------------------------------
// GHASH through POLYVAL.

/// POLYVAL reduction constant x^128 = x^127 + x^126 + x^121 + 1 (low qword 1, high
/// qword 0xc2 << 56).
#[inline]
#[target_feature(enable = "sse2")]
unsafe fn poly128() -> __m128i {
    _mm_set_epi64x(0xc200_0000_0000_0000u64 as i64, 1)
}

/// Montgomery-style reduction of the 256-bit product `hi:lo` to `(hi:lo) * x^-128`.
#[inline]
#[target_feature(enable = "pclmulqdq,sse2")]
unsafe fn reduce(lo: __m128i, hi: __m128i) -> __m128i {
    let poly = poly128();
    let t = _mm_clmulepi64_si128::<0x10>(lo, poly);
    let lo = _mm_xor_si128(_mm_shuffle_epi32::<0x4e>(lo), t);
    let t = _mm_clmulepi64_si128::<0x10>(lo, poly);
    let lo = _mm_xor_si128(_mm_shuffle_epi32::<0x4e>(lo), t);
    _mm_xor_si128(hi, lo)
}

/// POLYVAL dot product a * b * x^-128.
#[inline]
#[target_feature(enable = "pclmulqdq,sse2")]
unsafe fn dot(a: __m128i, b: __m128i) -> __m128i {
    let lo = _mm_clmulepi64_si128::<0x00>(a, b);
    let hi = _mm_clmulepi64_si128::<0x11>(a, b);
    let mid = _mm_xor_si128(
        _mm_clmulepi64_si128::<0x01>(a, b),
        _mm_clmulepi64_si128::<0x10>(a, b),
    );
    let lo = _mm_xor_si128(lo, _mm_slli_si128::<8>(mid));
    let hi = _mm_xor_si128(hi, _mm_srli_si128::<8>(mid));
    reduce(lo, hi)
}

/// Four POLYVAL dot products at once, lane by lane.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,vpclmulqdq")]
unsafe fn dot4(a: __m512i, b: __m512i) -> __m512i {
    let poly = _mm512_broadcast_i32x4(poly128());
    let lo = _mm512_clmulepi64_epi128::<0x00>(a, b);
    let hi = _mm512_clmulepi64_epi128::<0x11>(a, b);
    let mid = _mm512_xor_si512(
        _mm512_clmulepi64_epi128::<0x01>(a, b),
        _mm512_clmulepi64_epi128::<0x10>(a, b),
    );
    let lo = _mm512_xor_si512(lo, _mm512_bslli_epi128::<8>(mid));
    let hi = _mm512_xor_si512(hi, _mm512_bsrli_epi128::<8>(mid));
    let t = _mm512_clmulepi64_epi128::<0x10>(lo, poly);
    let lo = _mm512_xor_si512(_mm512_shuffle_epi32::<0x4e>(lo), t);
    let t = _mm512_clmulepi64_epi128::<0x10>(lo, poly);
    let lo = _mm512_xor_si512(_mm512_shuffle_epi32::<0x4e>(lo), t);
    _mm512_xor_si512(hi, lo)
}

/// XOR of the four 128-bit lanes of a ZMM register.
#[inline]
#[target_feature(enable = "avx512f,avx2")]
unsafe fn hxor(z: __m512i) -> __m128i {
    let y = _mm256_xor_si256(_mm512_castsi512_si256(z), _mm512_extracti64x4_epi64::<1>(z));
    _mm_xor_si128(_mm256_castsi256_si128(y), _mm256_extracti128_si256::<1>(y))
}

/// Folds up to 16 byte-reversed blocks (`x`, four per register, unused lanes zero) into
/// the accumulator: acc = (acc ^ X0)·H^m ^ X1·H^(m-1) ^ ... ^ X(m-1)·H, with `p[i]`
/// holding the power for lane i (zero where unused).
#[inline]
#[target_feature(enable = "avx512f,avx512bw,vpclmulqdq,pclmulqdq,avx2,sse2")]
unsafe fn ghash_fold(acc: __m128i, x: &[__m512i; 4], p: &[__m512i; 4]) -> __m128i {
    let x0 = _mm512_xor_si512(x[0], _mm512_zextsi128_si512(acc));
    let mut lo = _mm512_clmulepi64_epi128::<0x00>(x0, p[0]);
    let mut hi = _mm512_clmulepi64_epi128::<0x11>(x0, p[0]);
    let mut mid = _mm512_xor_si512(
        _mm512_clmulepi64_epi128::<0x01>(x0, p[0]),
        _mm512_clmulepi64_epi128::<0x10>(x0, p[0]),
    );
    for i in 1..4 {
        lo = _mm512_xor_si512(lo, _mm512_clmulepi64_epi128::<0x00>(x[i], p[i]));
        hi = _mm512_xor_si512(hi, _mm512_clmulepi64_epi128::<0x11>(x[i], p[i]));
        mid = _mm512_ternarylogic_epi64::<0x96>(
            mid,
            _mm512_clmulepi64_epi128::<0x01>(x[i], p[i]),
            _mm512_clmulepi64_epi128::<0x10>(x[i], p[i]),
        );
    }
    let lo = hxor(lo);
    let hi = hxor(hi);
    let mid = hxor(mid);
    let lo = _mm_xor_si128(lo, _mm_slli_si128::<8>(mid));
    let hi = _mm_xor_si128(hi, _mm_srli_si128::<8>(mid));
    reduce(lo, hi)
}

/// Power registers for folding `m` (1..=16) blocks: lane l of register k gets
/// H^(m - 4k - l), or zero when 4k + l >= m.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn powers_for(key: &GcmKey, m: usize) -> [__m512i; 4] {
    debug_assert!((1..=16).contains(&m));
    let mut p = [_mm512_setzero_si512(); 4];
    for (k, reg) in p.iter_mut().enumerate() {
        if 4 * k < m {
            let lanes = (m - 4 * k).min(4);
            let mask: __mmask8 = ((1u32 << (2 * lanes)) - 1) as u8;
            let ptr = key.pow.as_ptr().cast::<u8>().add(16 * (16 - m + 4 * k));
            *reg = _mm512_maskz_loadu_epi64(mask, ptr.cast());
        }
    }
    p
}

/// GHASH over `bytes`, zero-padding the last block.
#[target_feature(enable = "avx512f,avx512bw,vpclmulqdq,pclmulqdq,avx2,sse2")]
unsafe fn ghash_bytes(key: &GcmKey, mut acc: __m128i, bytes: &[u8]) -> __m128i {
    let bswap = bswap_mask512();
    let full = powers_for(key, 16);
    let mut chunks = bytes.chunks_exact(256);
    for chunk in &mut chunks {
        let mut x = [_mm512_setzero_si512(); 4];
        for (i, v) in x.iter_mut().enumerate() {
            *v = _mm512_shuffle_epi8(_mm512_loadu_si512(chunk.as_ptr().add(64 * i).cast()), bswap);
        }
        acc = ghash_fold(acc, &x, &full);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut x = [_mm512_setzero_si512(); 4];
        for (i, v) in x.iter_mut().enumerate() {
            if 64 * i < rest.len() {
                let n = (rest.len() - 64 * i).min(64);
                let d = _mm512_maskz_loadu_epi8(byte_mask(n), rest.as_ptr().add(64 * i).cast());
                *v = _mm512_shuffle_epi8(d, bswap);
            }
        }
        acc = ghash_fold(acc, &x, &powers_for(key, rest.len().div_ceil(16)));
    }
    acc
}

/// Builds the GCM key: round keys, H = AES(0) and H'^1..H'^16.
#[target_feature(enable = "aes,pclmulqdq,sse2,avx512f,avx512bw,vpclmulqdq")]
pub(crate) unsafe fn gcm_key(key: &[u8; 32]) -> GcmKey {
    let rk = expand_key(key);
    let mut h = encrypt_block(&rk, &[0u8; 16]);
    let v = u128::from_be_bytes(h);
    h.zeroize();
    let mut hp = v << 1;
    if v >> 127 == 1 {
        hp ^= 0xc200_0000_0000_0000_0000_0000_0000_0001;
    }
    let h1 = _mm_loadu_si128(hp.to_le_bytes().as_ptr().cast());
    let mut pow = [[0u8; 16]; 16];
    // H^1..H^4 one by one, then four powers at a time (x H^4 per lane): six dependent
    // multiplications instead of fifteen, which matters for per-object key setup.
    let h2 = dot(h1, h1);
    let h3 = dot(h2, h1);
    let h4 = dot(h2, h2);
    for (i, h) in [(12, h4), (13, h3), (14, h2), (15, h1)] {
        _mm_storeu_si128(pow[i].as_mut_ptr().cast(), h);
    }
    let by4 = _mm512_broadcast_i32x4(h4);
    let mut z = _mm512_loadu_si512(pow[12].as_ptr().cast());
    for i in [8, 4, 0] {
        z = dot4(z, by4);
        _mm512_storeu_si512(pow[i].as_mut_ptr().cast(), z);
    }
    GcmKey { rk, pow }
}

/// AES-256-GCM with a 96-bit nonce, in place. Encrypts (`ENC`) or decrypts `data` and
/// returns the tag computed over `aad` and the ciphertext; the caller compares it on
/// decryption. `data.len()` must not exceed 2^36 - 32 (checked by the caller).
#[target_feature(
    enable = "avx512f,avx512bw,avx512vl,vaes,vpclmulqdq,aes,pclmulqdq,avx2,sse2,ssse3"
)]
pub(crate) unsafe fn gcm_crypt<const ENC: bool>(
    key: &GcmKey,
    nonce: &[u8; 12],
    aad: &[u8],
    data: &mut [u8],
) -> [u8; 16] {
    let k = broadcast_keys(&key.rk);
    let bswap = bswap_mask512();
    let mut acc = ghash_bytes(key, _mm_setzero_si128(), aad);

    // Counter blocks nonce || be32(2 + i), kept byte-reversed so the 32-bit counter is
    // dword 0 and `inc32` is a 32-bit add.
    let mut j = [0u8; 16];
    j[..12].copy_from_slice(nonce);
    let base = _mm512_shuffle_epi8(
        _mm512_broadcast_i32x4(_mm_loadu_si128(j.as_ptr().cast())),
        bswap,
    );
    let mut c = _mm512_add_epi32(
        base,
        _mm512_set_epi32(0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 2),
    );
    let inc4 = _mm512_set_epi32(0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4);

    let full = powers_for(key, 16);
    let mut p = data.as_mut_ptr();
    let mut len = data.len();
    while len >= 512 {
        let mut x = [_mm512_setzero_si512(); 8];
        for v in x.iter_mut() {
            *v = _mm512_shuffle_epi8(c, bswap);
            c = _mm512_add_epi32(c, inc4);
        }
        aes_rounds(&k, &mut x);
        let mut ct = [_mm512_setzero_si512(); 8];
        for i in 0..8 {
            let q = p.add(64 * i);
            let d = _mm512_loadu_si512(q.cast());
            let o = _mm512_xor_si512(d, x[i]);
            _mm512_storeu_si512(q.cast(), o);
            ct[i] = _mm512_shuffle_epi8(if ENC { o } else { d }, bswap);
        }
        acc = ghash_fold(acc, &[ct[0], ct[1], ct[2], ct[3]], &full);
        acc = ghash_fold(acc, &[ct[4], ct[5], ct[6], ct[7]], &full);
        p = p.add(512);
        len -= 512;
    }
    while len >= 256 {
        let mut x = [_mm512_setzero_si512(); 4];
        for v in x.iter_mut() {
            *v = _mm512_shuffle_epi8(c, bswap);
            c = _mm512_add_epi32(c, inc4);
        }
        aes_rounds(&k, &mut x);
        let mut ct = [_mm512_setzero_si512(); 4];
        for i in 0..4 {
            let q = p.add(64 * i);
            let d = _mm512_loadu_si512(q.cast());
            let o = _mm512_xor_si512(d, x[i]);
            _mm512_storeu_si512(q.cast(), o);
            ct[i] = _mm512_shuffle_epi8(if ENC { o } else { d }, bswap);
        }
        acc = ghash_fold(acc, &ct, &full);
        p = p.add(256);
        len -= 256;
    }
    if len > 0 {
        let mut x = [_mm512_setzero_si512(); 4];
        for v in x.iter_mut() {
            *v = _mm512_shuffle_epi8(c, bswap);
            c = _mm512_add_epi32(c, inc4);
        }
        aes_rounds(&k, &mut x);
        let mut ct = [_mm512_setzero_si512(); 4];
        for i in 0..4 {
            if 64 * i < len {
                let n = (len - 64 * i).min(64);
                let m = byte_mask(n);
                let q = p.add(64 * i);
                let d = _mm512_maskz_loadu_epi8(m, q.cast());
                let o = _mm512_maskz_mov_epi8(m, _mm512_xor_si512(d, x[i]));
                _mm512_mask_storeu_epi8(q.cast(), m, o);
                ct[i] = _mm512_shuffle_epi8(if ENC { o } else { d }, bswap);
            }
        }
        acc = ghash_fold(acc, &ct, &powers_for(key, len.div_ceil(16)));
    }

    // Length block: be64(aad bits) || be64(data bits), byte-reversed.
    let lens = _mm_set_epi64x(
        (aad.len() as u64 * 8) as i64,
        (data.len() as u64 * 8) as i64,
    );
    let h1 = _mm_loadu_si128(key.pow[15].as_ptr().cast());
    acc = dot(_mm_xor_si128(acc, lens), h1);
    let s = _mm_shuffle_epi8(acc, bswap_mask128());

    j[15] = 1;
    let ek0 = encrypt_block(&key.rk, &j);
    let tag = _mm_xor_si128(s, _mm_loadu_si128(ek0.as_ptr().cast()));
    let mut out = [0u8; 16];
    _mm_storeu_si128(out.as_mut_ptr().cast(), tag);
    out
}
