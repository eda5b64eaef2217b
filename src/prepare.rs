//! Turns a scenario file's variant into a scenario ready to simulate: resolved and validated
//! ([`ScenarioFile::resolve`]), then priced with its calibration profile (which validation
//! only locates). Sits above `scenario` and `crypto` so that neither depends on the other;
//! every command, the test kit and the benches go through it.

use crate::crypto::calibration::Profile;
use crate::mode::Mode;
use crate::scenario::{CseCost, Override, Scenario, ScenarioError, ScenarioFile};

/// The variant `variant` (the base document when None) of `file` with `extra` applied,
/// validated and with its calibration profile loaded.
pub fn variant(
    file: &ScenarioFile,
    variant: Option<&str>,
    extra: &[Override],
) -> Result<Scenario, ScenarioError> {
    let mut sc = file.resolve(variant, extra)?;
    load_profile(&mut sc)?;
    Ok(sc)
}

/// Loads `sc`'s calibration profile (`crypto.profile`) and sets what client-side encryption
/// costs. A profile that cannot be loaded is an invalid `crypto.profile`, reported at the
/// place it was written.
pub fn load_profile(sc: &mut Scenario) -> Result<(), ScenarioError> {
    let c = &mut sc.crypto;
    let profile = match &c.profile_path {
        None => Profile::reference(),
        Some(path) => Profile::load(path)
            .map_err(|e| c.profile_site.invalid("crypto.profile", e.to_string()))?,
    };
    c.cse_cost = Some(CseCost {
        per_object_ns: profile.per_object(Mode::CseKms, false),
        bytes_per_sec: profile.gcm_bytes_per_sec,
    });
    Ok(())
}
