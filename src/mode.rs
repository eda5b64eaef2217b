//! The encryption modes a bucket can use, with everything the rest of the crate asks about
//! one: its name in scenario files and reports, whether and from where it calls KMS, and
//! whether it can use an S3 Bucket Key. Depends on nothing else in the crate.

/// A bucket's encryption mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    None,
    SseS3,
    SseC,
    SseKms,
    DsseKms,
    CseKms,
}

/// Who makes a mode's KMS calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KmsCaller {
    /// S3 calls KMS while serving the request (server-side encryption).
    S3,
    /// The client calls KMS itself, before the PUT and after the GET (client-side encryption).
    Client,
}

impl Mode {
    /// Every mode, in the order names are listed in messages.
    pub const ALL: [Mode; 6] = [
        Mode::None,
        Mode::SseS3,
        Mode::SseC,
        Mode::SseKms,
        Mode::DsseKms,
        Mode::CseKms,
    ];

    /// The names of [`Self::ALL`], in the same order.
    pub const NAMES: [&'static str; 6] = [
        Mode::None.name(),
        Mode::SseS3.name(),
        Mode::SseC.name(),
        Mode::SseKms.name(),
        Mode::DsseKms.name(),
        Mode::CseKms.name(),
    ];

    /// The mode's name in scenario files and reports.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::SseS3 => "sse-s3",
            Mode::SseC => "sse-c",
            Mode::SseKms => "sse-kms",
            Mode::DsseKms => "dsse-kms",
            Mode::CseKms => "cse-kms",
        }
    }

    /// The mode with this exact name.
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Who calls KMS for this mode's objects, or None when it does not use KMS.
    #[inline]
    pub const fn kms_caller(self) -> Option<KmsCaller> {
        match self {
            Mode::None | Mode::SseS3 | Mode::SseC => None,
            Mode::SseKms | Mode::DsseKms => Some(KmsCaller::S3),
            Mode::CseKms => Some(KmsCaller::Client),
        }
    }

    /// Whether objects in this mode are encrypted under a KMS key.
    #[inline]
    pub const fn calls_kms(self) -> bool {
        self.kms_caller().is_some()
    }

    /// Whether S3 calls KMS for this mode (server-side encryption with KMS keys).
    #[inline]
    pub const fn s3_calls_kms(self) -> bool {
        matches!(self.kms_caller(), Some(KmsCaller::S3))
    }

    /// Whether the client calls KMS itself (client-side encryption).
    #[inline]
    pub const fn client_calls_kms(self) -> bool {
        matches!(self.kms_caller(), Some(KmsCaller::Client))
    }

    /// Whether the mode can use an S3 Bucket Key (only SSE-KMS; not DSSE-KMS).
    #[inline]
    pub const fn supports_bucket_key(self) -> bool {
        matches!(self, Mode::SseKms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_listed_in_order() {
        for (m, n) in Mode::ALL.into_iter().zip(Mode::NAMES) {
            assert_eq!(m.name(), n);
            assert_eq!(Mode::from_name(n), Some(m));
        }
        assert_eq!(Mode::from_name("SSE-KMS"), None);
        assert_eq!(
            Mode::NAMES.join(", "),
            "none, sse-s3, sse-c, sse-kms, dsse-kms, cse-kms"
        );
    }

    #[test]
    fn who_calls_kms() {
        let s3: Vec<_> = Mode::ALL.into_iter().filter(|m| m.s3_calls_kms()).collect();
        assert_eq!(s3, [Mode::SseKms, Mode::DsseKms]);
        let client: Vec<_> = Mode::ALL
            .into_iter()
            .filter(|m| m.client_calls_kms())
            .collect();
        assert_eq!(client, [Mode::CseKms]);
        assert!(!Mode::SseC.calls_kms() && Mode::CseKms.calls_kms());
        let bk: Vec<_> = Mode::ALL
            .into_iter()
            .filter(|m| m.supports_bucket_key())
            .collect();
        assert_eq!(bk, [Mode::SseKms]);
    }
}
