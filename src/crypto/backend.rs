//! Which AES implementation runs each bulk mode (AES-256-CTR, AES-256-GCM) on this machine.
//! bksim measures what encryption costs, so a run must say what it measured: aws-lc-rs,
//! bksim's own VAES-512 kernel, the RustCrypto crates or a software fallback.
//!
//! The default for each mode and CPU class is the fastest correct implementation measured
//! (`bksim crypto bench`, `benches/crypto.rs`; figures in the README): aws-lc-rs everywhere,
//! except AES-256-CTR on CPUs with VAES-512, where bksim's kernel is faster. The environment
//! variable [`BACKEND_ENV`] forces one backend for both modes (tests, benchmarks).

use std::fmt;

use super::error::CryptoError;

/// The environment variable that forces one backend for every mode.
pub const BACKEND_ENV: &str = "BKSIM_CRYPTO_BACKEND";

/// One AES implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// aws-lc-rs: AWS-LC, the library of the AWS SDKs, with its own assembly (AES-NI,
    /// VAES, VPCLMULQDQ chosen at run time by AWS-LC; constant-time software without them).
    AwsLc,
    /// bksim's own AES-256-CTR kernel: VAES on 512-bit registers (4 blocks per instruction).
    /// Needs AVX-512F/BW/VL, VAES and AES-NI.
    Vaes512,
    /// The RustCrypto crates (`aes`, `ctr`, `aes-gcm`) on AES-NI (they add VAES by
    /// themselves where present) and CLMUL: the portable Rust path.
    RustCrypto,
    /// The RustCrypto crates on a CPU without AES-NI: constant-time software AES, far slower
    /// and not representative of a production host.
    Software,
}

/// Every backend, in the order they are listed in messages and tables.
pub const ALL: [Backend; 4] = [
    Backend::AwsLc,
    Backend::Vaes512,
    Backend::RustCrypto,
    Backend::Software,
];

impl Backend {
    /// Short name used in outputs and accepted by [`BACKEND_ENV`]: `aws-lc-rs`, `vaes512`,
    /// `rustcrypto`, `software`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::AwsLc => "aws-lc-rs",
            Backend::Vaes512 => "vaes512",
            Backend::RustCrypto => "rustcrypto",
            Backend::Software => "software",
        }
    }

    /// Parses a name of [`Backend::name`].
    pub fn from_name(s: &str) -> Option<Backend> {
        ALL.into_iter().find(|b| b.name() == s)
    }

    /// True when this CPU can run the backend. `software` is the crates' own fallback, which
    /// they take only on a CPU without AES-NI, so it runs exactly where `rustcrypto` does not.
    pub fn is_available(self) -> bool {
        match self {
            Backend::AwsLc => true,
            Backend::Vaes512 => vaes512_available(),
            Backend::RustCrypto => aes::hardware_accelerated(),
            Backend::Software => !aes::hardware_accelerated(),
        }
    }

    /// The backends this CPU can run, in [`ALL`] order.
    pub fn available() -> Vec<Backend> {
        ALL.into_iter().filter(|b| b.is_available()).collect()
    }

    /// The backends that implement `mode`: bksim's VAES-512 kernel does CTR only (its GCM
    /// kernel was removed: aws-lc-rs is faster on every CPU that could run it).
    pub fn implements(self, mode: Mode) -> bool {
        !(self == Backend::Vaes512 && mode == Mode::Gcm)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The two bulk modes a backend is chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Ctr,
    Gcm,
}

/// The backend of each bulk mode in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backends {
    pub ctr: Backend,
    pub gcm: Backend,
}

impl Backends {
    /// The fastest correct backends measured for this CPU's class (see the module docs).
    pub fn fastest_here() -> Backends {
        Backends {
            ctr: if vaes512_available() {
                Backend::Vaes512
            } else {
                Backend::AwsLc
            },
            gcm: Backend::AwsLc,
        }
    }

    /// One backend for both modes; bksim's VAES-512 kernel does CTR only, so GCM then runs
    /// on aws-lc-rs.
    pub fn forced(b: Backend) -> Backends {
        Backends {
            ctr: b,
            gcm: if b.implements(Mode::Gcm) {
                b
            } else {
                Backend::AwsLc
            },
        }
    }

    /// The backends [`BACKEND_ENV`] asks for (unset, empty or `auto`: the fastest here), or
    /// an invalid-input error (exit code 2) naming the value and the choices.
    pub fn from_env() -> Result<Backends, CryptoError> {
        Ok(env_choice()?.map_or_else(Self::fastest_here, Self::forced))
    }

    /// Parses a [`BACKEND_ENV`] value.
    pub fn parse(v: &str) -> Result<Backends, CryptoError> {
        Ok(parse_choice(v)?.map_or_else(Self::fastest_here, Self::forced))
    }

    /// The backend of `mode`.
    pub fn of(self, mode: Mode) -> Backend {
        match mode {
            Mode::Ctr => self.ctr,
            Mode::Gcm => self.gcm,
        }
    }

    /// What outputs record as the backend (bench reports, calibration profiles, selftest):
    /// one name when both modes share it, else `aes-256-ctr=NAME,aes-256-gcm=NAME`.
    pub fn label(self) -> String {
        if self.ctr == self.gcm {
            self.ctr.name().to_string()
        } else {
            format!("aes-256-ctr={},aes-256-gcm={}", self.ctr, self.gcm)
        }
    }

    /// A loud warning when AES runs without hardware instructions, `None` otherwise.
    pub fn warning(self) -> Option<&'static str> {
        if aes_hardware() {
            return None;
        }
        Some(
            "WARNING: NO AES HARDWARE ACCELERATION (AES-NI) DETECTED: using software AES. \
             Throughput figures are NOT representative of a production host and must not \
             be used for capacity planning.",
        )
    }
}

/// The backend [`BACKEND_ENV`] forces, `None` when it is unset, empty or `auto`.
pub fn env_choice() -> Result<Option<Backend>, CryptoError> {
    match std::env::var(BACKEND_ENV) {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(v)) => Err(CryptoError::InvalidInput(format!(
            "{BACKEND_ENV}={v:?} is not a backend; {}",
            choices()
        ))),
        Ok(v) => parse_choice(&v),
    }
}

/// Parses a [`BACKEND_ENV`] value: `None` for empty or `auto`, else a backend this CPU runs.
pub fn parse_choice(v: &str) -> Result<Option<Backend>, CryptoError> {
    let t = v.trim();
    if t.is_empty() || t == "auto" {
        return Ok(None);
    }
    let Some(b) = Backend::from_name(t) else {
        return Err(CryptoError::InvalidInput(format!(
            "{BACKEND_ENV}={v:?} is not a backend; {}",
            choices()
        )));
    };
    if !b.is_available() {
        let why = match b {
            Backend::Vaes512 => {
                "this CPU lacks AVX-512F/BW/VL, VAES or AES-NI, which bksim's kernel needs"
            }
            Backend::RustCrypto => "this CPU has no AES-NI (the crates run as `software`)",
            Backend::Software => {
                "this CPU has AES-NI, and the RustCrypto crates use their software AES only \
                 where it is missing"
            }
            Backend::AwsLc => "aws-lc-rs runs everywhere",
        };
        return Err(CryptoError::InvalidInput(format!(
            "{BACKEND_ENV}={v:?}: backend {b} cannot run here: {why}; {}",
            choices()
        )));
    }
    Ok(Some(b))
}

/// `choices: auto, aws-lc-rs, ... (available here: ...)` for error messages.
fn choices() -> String {
    let all: Vec<&str> = ALL.iter().map(|b| b.name()).collect();
    let here: Vec<&str> = Backend::available().iter().map(|b| b.name()).collect();
    format!(
        "choices: auto, {} (this CPU runs: {})",
        all.join(", "),
        here.join(", ")
    )
}

/// True when the CPU has AES instructions.
pub fn aes_hardware() -> bool {
    aes::hardware_accelerated()
}

/// True when every feature bksim's VAES-512 kernel needs is present.
pub(crate) fn vaes512_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        has!("aes")
            && has!("sse2")
            && has!("ssse3")
            && has!("avx2")
            && has!("avx512f")
            && has!("avx512bw")
            && has!("avx512vl")
            && has!("vaes")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for b in ALL {
            assert_eq!(Backend::from_name(b.name()), Some(b));
        }
        assert_eq!(Backend::from_name("aes-ni"), None);
    }

    #[test]
    fn parse_values() {
        assert_eq!(Backends::parse("").unwrap(), Backends::fastest_here());
        assert_eq!(Backends::parse("auto").unwrap(), Backends::fastest_here());
        assert_eq!(
            Backends::parse("aws-lc-rs").unwrap(),
            Backends {
                ctr: Backend::AwsLc,
                gcm: Backend::AwsLc
            }
        );
        let e = Backends::parse("openssl").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let msg = e.to_string();
        assert!(
            msg.starts_with(
                "BKSIM_CRYPTO_BACKEND=\"openssl\" is not a backend; choices: auto, aws-lc-rs, \
                 vaes512, rustcrypto, software (this CPU runs: aws-lc-rs"
            ),
            "{msg}"
        );
        // Exactly one of rustcrypto and software runs on any CPU.
        let hw = aes_hardware();
        let refused = if hw { "software" } else { "rustcrypto" };
        let e = Backends::parse(refused).unwrap_err();
        assert!(
            e.to_string()
                .contains(&format!("backend {refused} cannot run here")),
            "{e}"
        );
        if vaes512_available() {
            assert_eq!(
                Backends::parse("vaes512").unwrap(),
                Backends {
                    ctr: Backend::Vaes512,
                    gcm: Backend::AwsLc
                }
            );
        } else {
            assert!(Backends::parse("vaes512").is_err());
        }
    }

    #[test]
    fn labels() {
        let b = Backends {
            ctr: Backend::Vaes512,
            gcm: Backend::AwsLc,
        };
        assert_eq!(b.label(), "aes-256-ctr=vaes512,aes-256-gcm=aws-lc-rs");
        assert_eq!(Backends::forced(Backend::RustCrypto).label(), "rustcrypto");
        assert_eq!(b.of(Mode::Ctr), Backend::Vaes512);
        assert_eq!(b.of(Mode::Gcm), Backend::AwsLc);
    }
}
