//! What the `bksim crypto ...` subcommands do ([`selftest`], [`bench`], [`calibrate`]; their
//! arguments are defined with the other commands', in `cli::crypto`): each returns the exit
//! code of an outcome it reports itself, or an error that carries its own. Output goes to
//! the given writer only, and never contains key material.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::bench::{self, BenchConfig, format_size, parse_size};
use super::calibration::{self, Profile};
use super::error::CryptoError;
use super::selftest;

fn duration(seconds: f64) -> Result<Duration, CryptoError> {
    if !seconds.is_finite() || !(0.01..=600.0).contains(&seconds) {
        return Err(CryptoError::InvalidInput(format!(
            "--seconds must be between 0.01 and 600, got {seconds}"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `bksim crypto selftest`: the published vectors and every vector file in `vectors`; exit
/// code 1 when a vector fails.
pub fn selftest(vectors: &[PathBuf], out: &mut dyn Write) -> Result<i32, CryptoError> {
    let s = selftest::run_selftest(vectors, out)?;
    Ok(if s.failed == 0 { 0 } else { 1 })
}

/// `bksim crypto bench`: throughput at `sizes` with 1 and `threads` threads, and the
/// per-object envelope cost, as a table or JSON.
pub fn bench(
    sizes: &[String],
    threads: usize,
    json: bool,
    seconds: f64,
    out: &mut dyn Write,
) -> Result<i32, CryptoError> {
    let sizes = sizes
        .iter()
        .map(|s| parse_size(s))
        .collect::<Result<Vec<_>, _>>()?;
    if sizes.is_empty() {
        return Err(CryptoError::InvalidInput(
            "--sizes must name at least one size".into(),
        ));
    }
    if !(1..=256).contains(&threads) {
        return Err(CryptoError::InvalidInput(format!(
            "--threads must be between 1 and 256, got {threads}"
        )));
    }
    super::check_backend_env()?;
    let cfg = BenchConfig {
        sizes,
        threads,
        time_per_figure: duration(seconds)?,
        openssl: true,
    };
    let r = bench::run_bench(&cfg)?;
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&r).expect("report serialises")
        )?;
    } else {
        print_table(&r, out)?;
    }
    Ok(0)
}

/// `bksim crypto calibrate`: check the profile `check`, or measure this machine and write a
/// profile to `file` (stdout when None).
pub fn calibrate(
    file: Option<&Path>,
    seconds: f64,
    check: Option<&Path>,
    out: &mut dyn Write,
) -> Result<i32, CryptoError> {
    if let Some(path) = check {
        let p = Profile::load(path)?;
        writeln!(
            out,
            "{}: valid {} profile ({} on {}, measured {})",
            path.display(),
            p.schema,
            p.backend,
            p.cpu_model,
            p.measured_at
        )?;
        return Ok(0);
    }
    super::check_backend_env()?;
    let p = calibration::calibrate(duration(seconds)?)?;
    if let Some(w) = super::active_backends().warning() {
        writeln!(out, "{w}")?;
    }
    match file {
        Some(path) => {
            calibration::write_profile(&p, path)?;
            writeln!(
                out,
                "wrote {} (backend {}, AES-256-CTR {:.2} GB/s, AES-256-GCM {:.2} GB/s)",
                path.display(),
                p.backend,
                p.ctr_bytes_per_sec / 1e9,
                p.gcm_bytes_per_sec / 1e9
            )?;
        }
        None => write!(out, "{}", p.to_json())?,
    }
    Ok(0)
}

fn print_table(r: &bench::BenchReport, out: &mut dyn Write) -> Result<(), CryptoError> {
    if let Some(w) = &r.warning {
        writeln!(out, "{w}")?;
    }
    writeln!(out, "bksim uses: {}   cpu: {}", r.backend, r.cpu_model)?;
    match &r.openssl {
        Some(v) => writeln!(
            out,
            "openssl: {v} (`openssl speed -evp`, one process per thread)"
        )?,
        None => writeln!(out, "openssl: not found, not measured")?,
    }
    writeln!(
        out,
        "{:<12} {:>8} {:>7}  {:<12} {:>8} {:>12} {:>10}",
        "cipher", "size", "threads", "backend", "GB/s", "x aws-lc-rs", "x openssl"
    )?;
    // `*` marks the backend bksim uses for the cipher; ratios are against the figures of
    // the same cipher, size and thread count in this run.
    let uses = |cipher: &str, backend: &str| {
        let active = super::active_backends();
        let b = if cipher == bench::Cipher::Aes256Gcm.name() {
            active.gcm
        } else {
            active.ctr
        };
        b.name() == backend
    };
    for x in &r.results {
        let base = |name: &str| {
            r.results
                .iter()
                .find(|y| {
                    y.backend == name
                        && y.cipher == x.cipher
                        && y.size_bytes == x.size_bytes
                        && y.threads == x.threads
                })
                .map(|y| format!("{:.2}x", x.gb_per_s / y.gb_per_s))
                .unwrap_or_else(|| "-".to_string())
        };
        let mark = if uses(&x.cipher, &x.backend) {
            " *"
        } else {
            ""
        };
        writeln!(
            out,
            "{:<12} {:>8} {:>7}  {:<12} {:>8.2} {:>12} {:>10}",
            x.cipher,
            format_size(x.size_bytes as usize),
            x.threads,
            format!("{}{mark}", x.backend),
            x.gb_per_s,
            base("aws-lc-rs"),
            base(bench::OPENSSL)
        )?;
    }
    writeln!(out, "* = the backend bksim uses for that cipher")?;
    writeln!(
        out,
        "per-object envelope cost (derive/generate + key schedule + wrap):"
    )?;
    for (k, v) in r.envelope_ns.entries() {
        writeln!(out, "  {k:<20} {v:>8.0} ns")?;
    }
    Ok(())
}
