//! Calibration profiles: what encryption costs on a machine (per object and per byte), as
//! measured by `bksim crypto calibrate`, in a versioned JSON file that scenarios reference.
//! The repository ships the profile of a reference machine (`calibration/reference.json`,
//! embedded here) so results stay deterministic wherever bksim runs; a run records which
//! profile it used. Loading refuses anything that would make the model meaningless
//! (missing fields, a wrong schema, zero, negative or non-finite costs) with a message
//! naming the file and the key.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::time::Nanos;

use super::backend::cpu_model;
use super::bench::{Cipher, EnvelopeNs, envelope_costs, throughput};
use super::error::CryptoError;
use crate::mode::Mode;

/// Schema string of a calibration profile.
pub const PROFILE_SCHEMA: &str = "bksim.calibration.v1";

/// The shipped reference profile.
const REFERENCE_JSON: &str = include_str!("../../calibration/reference.json");
/// Name used for the embedded reference profile in messages and `run.json`.
pub const REFERENCE_NAME: &str = "builtin:calibration/reference.json";

/// Throughput ceiling accepted from a file: 10 TB/s per core is beyond any CPU.
const MAX_BYTES_PER_SEC: f64 = 1e13;
/// Throughput floor accepted from a file: 1 MB/s per core, below any AES implementation on a
/// machine bksim runs on (slower figures would make simulated CPU time overflow).
const MIN_BYTES_PER_SEC: f64 = 1e6;
/// Per-object ceiling accepted from a file: one second.
const MAX_PER_OBJECT_NS: f64 = 1e9;

/// What encryption costs on one machine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    /// Always [`PROFILE_SCHEMA`].
    pub schema: String,
    /// CPU model of the machine measured.
    pub cpu_model: String,
    /// AES implementations measured: `Backends::label` (`aws-lc-rs`, or
    /// `aes-256-ctr=vaes512,aes-256-gcm=aws-lc-rs` when the modes differ; profiles written
    /// before aws-lc-rs say `vaes512`, `aes-ni` or `software`).
    pub backend: String,
    /// Per-object envelope setup cost, per mode, in nanoseconds.
    pub per_object_ns: EnvelopeNs,
    /// AES-256-CTR bytes per second, one core, 1 MiB buffers (server-side modes).
    pub ctr_bytes_per_sec: f64,
    /// AES-256-GCM bytes per second, one core, 1 MiB buffers (client-side encryption).
    pub gcm_bytes_per_sec: f64,
    /// When it was measured (RFC 3339, UTC).
    pub measured_at: String,
    /// Free text (which machine, how it was measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Profile {
    /// Loads and validates a profile file.
    pub fn load(path: &Path) -> Result<Profile, CryptoError> {
        let text =
            crate::input::read_text(path, crate::input::InputKind::Profile).map_err(|e| {
                CryptoError::Profile {
                    file: path.to_path_buf(),
                    key: "(file)".to_string(),
                    msg: e.reason(),
                }
            })?;
        Self::from_json(path, &text)
    }

    /// Parses and validates profile text; `path` names it in errors.
    pub fn from_json(path: &Path, text: &str) -> Result<Profile, CryptoError> {
        let err = |key: &str, msg: String| CryptoError::Profile {
            file: path.to_path_buf(),
            key: key.to_string(),
            msg,
        };
        let doc: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| err("(document)", format!("not valid JSON: {e}")))?;
        // Check the schema first, so a file of another kind gets that message rather than
        // a list of missing fields.
        match doc.get("schema") {
            None => return Err(err("schema", "missing field".into())),
            Some(serde_json::Value::String(s)) if s == PROFILE_SCHEMA => {}
            Some(_) => return Err(err("schema", format!("must be \"{PROFILE_SCHEMA}\""))),
        }
        let p: Profile = serde_json::from_value(doc).map_err(|e| {
            let m = e.to_string();
            let key = m
                .split('`')
                .nth(1)
                .filter(|_| m.starts_with("missing field") || m.starts_with("unknown field"))
                .unwrap_or("(document)")
                .to_string();
            err(&key, m)
        })?;
        p.validate(path)?;
        Ok(p)
    }

    /// Checks every number is finite, positive and plausible.
    pub fn validate(&self, path: &Path) -> Result<(), CryptoError> {
        let err = |key: &str, msg: String| CryptoError::Profile {
            file: path.to_path_buf(),
            key: key.to_string(),
            msg,
        };
        for (key, v) in [
            ("ctr_bytes_per_sec", self.ctr_bytes_per_sec),
            ("gcm_bytes_per_sec", self.gcm_bytes_per_sec),
        ] {
            if !v.is_finite() || !(MIN_BYTES_PER_SEC..=MAX_BYTES_PER_SEC).contains(&v) {
                return Err(err(
                    key,
                    format!("must be a throughput from 1e6 to 1e13 bytes/s, got {v:e}"),
                ));
            }
        }
        for (name, v) in self.per_object_ns.entries() {
            if !v.is_finite() || v <= 0.0 || v > MAX_PER_OBJECT_NS {
                return Err(err(
                    &format!("per_object_ns.{name}"),
                    format!("must be a positive cost up to 1e9 ns, got {v:e}"),
                ));
            }
        }
        for (key, v) in [
            ("cpu_model", &self.cpu_model),
            ("backend", &self.backend),
            ("measured_at", &self.measured_at),
        ] {
            if v.trim().is_empty() {
                return Err(err(key, "must not be empty".into()));
            }
        }
        Ok(())
    }

    /// The shipped reference profile (embedded at build time).
    pub fn reference() -> Profile {
        Self::from_json(Path::new(REFERENCE_NAME), REFERENCE_JSON)
            .expect("calibration/reference.json is valid (checked by a unit test)")
    }

    /// Loads `path`, or the reference profile when `None`; returns it with the name a run
    /// should record.
    pub fn load_or_reference(path: Option<&Path>) -> Result<(Profile, String), CryptoError> {
        match path {
            Some(p) => Ok((Self::load(p)?, p.display().to_string())),
            None => Ok((Self::reference(), REFERENCE_NAME.to_string())),
        }
    }

    /// Per-object envelope cost of `mode` (with a bucket key for `sse-kms` when
    /// `bucket_key`), in nanoseconds; `none` costs nothing.
    pub fn per_object(&self, mode: Mode, bucket_key: bool) -> f64 {
        let e = &self.per_object_ns;
        match mode {
            Mode::None => 0.0,
            Mode::SseS3 => e.sse_s3,
            Mode::SseC => e.sse_c,
            Mode::SseKms if bucket_key => e.sse_kms_bucket_key,
            Mode::SseKms => e.sse_kms,
            Mode::DsseKms => e.dsse_kms,
            Mode::CseKms => e.cse_kms,
        }
    }

    /// CPU time to encrypt one object of `bytes` bytes on one core in `mode`: the
    /// per-object cost plus bytes / throughput (GCM for `cse-kms`, CTR for the server-side
    /// modes, twice CTR for the two layers of `dsse-kms`), rounded up to whole ns. This is
    /// what a `cse-kms` client spends per object on one of its `cpu_cores`.
    pub fn encrypt_cost(&self, mode: Mode, bucket_key: bool, bytes: u64) -> Nanos {
        let per_byte_s = match mode {
            Mode::None => return 0,
            Mode::CseKms => 1.0 / self.gcm_bytes_per_sec,
            Mode::DsseKms => 2.0 / self.ctr_bytes_per_sec,
            _ => 1.0 / self.ctr_bytes_per_sec,
        };
        let ns = self.per_object(mode, bucket_key) + bytes as f64 * per_byte_s * 1e9;
        ns.ceil().min(u64::MAX as f64) as Nanos
    }

    /// Serialises with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("profile serialises");
        s.push('\n');
        s
    }
}

/// Measures this machine (1 MiB buffers, one thread; every mode's envelope cost).
pub fn calibrate(time: Duration) -> Result<Profile, CryptoError> {
    let backends = super::active_backends();
    let size = 1 << 20;
    let ctr = throughput(Cipher::Aes256Ctr, size, backends.ctr, time);
    let gcm = throughput(Cipher::Aes256Gcm, size, backends.gcm, time);
    let e = envelope_costs(time)?;
    // Rounded: more digits would only record noise.
    let r = |v: f64| (v * 10.0).round() / 10.0;
    let per_object_ns = EnvelopeNs {
        sse_s3: r(e.sse_s3),
        sse_c: r(e.sse_c),
        sse_kms: r(e.sse_kms),
        sse_kms_bucket_key: r(e.sse_kms_bucket_key),
        dsse_kms: r(e.dsse_kms),
        cse_kms: r(e.cse_kms),
    };
    let p = Profile {
        schema: PROFILE_SCHEMA.to_string(),
        cpu_model: cpu_model(),
        backend: backends.label(),
        per_object_ns,
        ctr_bytes_per_sec: ctr.round(),
        gcm_bytes_per_sec: gcm.round(),
        measured_at: now_rfc3339(),
        note: Some(format!(
            "bksim {} crypto calibrate: 1 MiB buffers, one thread, median of batches",
            env!("CARGO_PKG_VERSION")
        )),
    };
    p.validate(Path::new("(measured)"))?;
    Ok(p)
}

/// Writes `p` to `path` with the atomic writer (temporary file beside it, fsync, rename), so
/// an interrupted write never leaves half a profile; temporary files that killed processes
/// left for the same name are removed first.
pub fn write_profile(p: &Profile, path: &Path) -> Result<(), CryptoError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Some(name) = path.file_name() {
        crate::outdir::remove_stale_temps(dir, Some(name));
    }
    use crate::atomic::WriteError;
    crate::atomic::write_atomic(path, p.to_json().as_bytes()).map_err(|e| match e {
        WriteError::Write { path, error } | WriteError::CreateDir { path, error } => {
            CryptoError::Io {
                path,
                source: error,
            }
        }
    })
}

/// Current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (H. Hinnant), for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_profile_is_valid() {
        let p = Profile::reference();
        assert_eq!(p.schema, PROFILE_SCHEMA);
        assert!(
            p.encrypt_cost(Mode::CseKms, false, 1 << 20) > p.encrypt_cost(Mode::CseKms, false, 0)
        );
        assert_eq!(p.encrypt_cost(Mode::None, false, 1 << 20), 0);
        let back = Profile::from_json(Path::new("x"), &p.to_json()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn bad_values_are_refused_naming_file_and_key() {
        let good: serde_json::Value = serde_json::from_str(REFERENCE_JSON).unwrap();
        type Edit = Box<dyn Fn(&mut serde_json::Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "ctr_bytes_per_sec",
                Box::new(|v| v["ctr_bytes_per_sec"] = (-1.0).into()),
            ),
            (
                "gcm_bytes_per_sec",
                Box::new(|v| v["gcm_bytes_per_sec"] = 0.into()),
            ),
            (
                "gcm_bytes_per_sec",
                Box::new(|v| v["gcm_bytes_per_sec"] = 1e-300.into()),
            ),
            (
                "per_object_ns.sse-c",
                Box::new(|v| v["per_object_ns"]["sse-c"] = (-5.0).into()),
            ),
            (
                "schema",
                Box::new(|v| v["schema"] = "bksim.calibration.v0".into()),
            ),
            (
                "cpu_model",
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("cpu_model");
                }),
            ),
            ("measured_at", Box::new(|v| v["measured_at"] = " ".into())),
            (
                "ctr_bytes_per_sec",
                Box::new(|v| v["ctr_bytes_per_sec"] = "fast".into()),
            ),
        ];
        for (key, f) in cases {
            let mut v = good.clone();
            f(&mut v);
            let e = Profile::from_json(Path::new("prof.json"), &v.to_string()).unwrap_err();
            let m = e.to_string();
            assert!(
                m.contains("prof.json") && (m.contains(key) || key == "ctr_bytes_per_sec"),
                "{key}: {m}"
            );
            assert_eq!(e.exit_code(), 2);
        }
        assert!(Profile::from_json(Path::new("p"), "1e999").is_err());
        assert!(Profile::from_json(Path::new("p"), "{").is_err());
    }

    #[test]
    fn rfc3339_shape() {
        let s = now_rfc3339();
        assert_eq!(s.len(), 20);
        assert!(s.starts_with("20") && s.ends_with('Z'));
    }
}
