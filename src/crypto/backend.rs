//! Which AES implementation is active on this machine. bksim measures what encryption
//! costs, so a run must say whether it measured hardware AES or a software fallback.

use std::fmt;

/// The AES implementation bksim uses for bulk CTR and GCM on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// bksim's own kernels: VAES on 512-bit registers (4 blocks per instruction), with
    /// VPCLMULQDQ for GHASH. Needs AVX-512F/BW/VL, VAES, VPCLMULQDQ, AES-NI and PCLMULQDQ.
    Vaes512,
    /// The RustCrypto crates (`aes`, `ctr`, `aes-gcm`) on AES-NI (they add VAES by
    /// themselves where present) and CLMUL.
    AesNi,
    /// Constant-time software AES (no AES-NI): far slower, and not representative of a
    /// production host.
    Software,
}

impl Backend {
    /// Detects the best backend at run time (`is_x86_feature_detected!`); no build flags.
    pub fn detect() -> Backend {
        #[cfg(target_arch = "x86_64")]
        {
            if vaes512_available() {
                return Backend::Vaes512;
            }
            if std::arch::is_x86_feature_detected!("aes")
                && std::arch::is_x86_feature_detected!("pclmulqdq")
            {
                return Backend::AesNi;
            }
        }
        if aes::hardware_accelerated() {
            Backend::AesNi
        } else {
            Backend::Software
        }
    }

    /// Short name used in outputs: `vaes512`, `aes-ni`, `software`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Vaes512 => "vaes512",
            Backend::AesNi => "aes-ni",
            Backend::Software => "software",
        }
    }

    /// True when AES runs in hardware.
    pub fn is_hardware(self) -> bool {
        self != Backend::Software
    }

    /// A loud warning to print when the backend is software, `None` otherwise.
    pub fn warning(self) -> Option<&'static str> {
        match self {
            Backend::Software => Some(
                "WARNING: NO AES HARDWARE ACCELERATION (AES-NI) DETECTED: using software AES. \
                 Throughput figures are NOT representative of a production host and must not \
                 be used for capacity planning.",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// True when every feature bksim's VAES-512 kernels need is present.
#[cfg(target_arch = "x86_64")]
pub(crate) fn vaes512_available() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("aes")
        && has!("pclmulqdq")
        && has!("sse2")
        && has!("ssse3")
        && has!("avx2")
        && has!("avx512f")
        && has!("avx512bw")
        && has!("avx512vl")
        && has!("vaes")
        && has!("vpclmulqdq")
}

/// The CPU model string (`/proc/cpuinfo` "model name"), or "unknown".
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}
