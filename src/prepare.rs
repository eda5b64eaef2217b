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
    // `[[expect]]` metrics name numbers of the summary, whose type validation cannot see.
    let known = crate::report::expect::metric_paths();
    sc.expect.iter().try_for_each(|e| e.check_metric(&known))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const TEXT: &str = r#"name = "m"
duration = "1m"
[crypto]
profile = "no-such-profile.json"
[[bucket]]
name = "ingest"
encryption = "cse-kms"
[[workload]]
name = "uploads"
bucket = "ingest"
op = "put"
arrival = { kind = "poisson", rate = 1000 }
"#;

    #[test]
    fn an_unloadable_profile_is_an_invalid_crypto_profile_where_it_was_written() {
        let file = ScenarioFile::parse(Path::new("scenarios/x.toml"), TEXT).unwrap();
        // Validation only locates the profile.
        let sc = file.resolve(None, &[]).unwrap();
        assert_eq!(sc.crypto.cse_cost, None);
        assert_eq!(
            sc.crypto.profile_path.as_deref(),
            Some(Path::new("scenarios/no-such-profile.json"))
        );
        let e = variant(&file, None, &[]).unwrap_err();
        assert_eq!(e.kind(), crate::scenario::ErrorKind::Invalid);
        let shown = e.to_string();
        assert!(
            shown.starts_with("scenarios/x.toml:4:") && shown.contains("crypto.profile: "),
            "{shown}"
        );
        assert!(shown.contains("no-such-profile.json"), "{shown}");
    }

    #[test]
    fn the_reference_profile_prices_client_side_encryption() {
        let text = TEXT.replace("no-such-profile.json", "reference");
        let file = ScenarioFile::parse(Path::new("scenarios/x.toml"), &text).unwrap();
        let sc = variant(&file, None, &[]).unwrap();
        let reference = Profile::reference();
        assert_eq!(
            sc.crypto.cse_cost,
            Some(CseCost {
                per_object_ns: reference.per_object(Mode::CseKms, false),
                bytes_per_sec: reference.gcm_bytes_per_sec,
            })
        );
    }
}
