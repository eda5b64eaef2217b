//! One KMS call as a CloudTrail record. The shape follows the KMS developer guide's examples
//! for GenerateDataKey and Decrypt (docs/aws-facts.md §5:
//! <https://docs.aws.amazon.com/kms/latest/developerguide/ct-generatedatakey.html>,
//! <https://docs.aws.amazon.com/kms/latest/developerguide/ct-decrypt.html>): the caller's
//! identity, `requestParameters` with `keyId`, `keySpec` (GenerateDataKey) or
//! `encryptionAlgorithm` (Decrypt) and the `encryptionContext`, the key in `resources`, and
//! `errorCode`/`errorMessage` for a throttled call. Ids are derived from the run's seed and the
//! call's sequence number, so the same run writes the same records.

use serde::Serialize;

use crate::engine::rng::mix64;
use crate::metrics::collector::{Context, KmsOpKind};

/// Who made the call: S3 for server-side encryption (on behalf of the request's principal),
/// or the client itself (client-side encryption).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    S3,
    Client,
}

/// An object's name in an ARN: the key a log gave, or a name made from the model's object id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectName<'a> {
    Key(&'a str),
    Id(u64),
}

/// One KMS call of a run.
#[derive(Debug, Clone, Copy)]
pub struct KmsEvent<'a> {
    /// Nanoseconds since the Unix epoch.
    pub at_unix_ns: i64,
    pub op: KmsOpKind,
    pub context: Context,
    pub caller: Caller,
    pub region: &'a str,
    /// The account the requests come from (the key's account: same-account use).
    pub account: &'a str,
    /// The principal whose request caused the call (`arn:aws:sts::…:assumed-role/…`).
    pub principal: &'a str,
    pub key_arn: &'a str,
    /// The bucket's name in S3 (for the `aws:s3:arn` context).
    pub bucket: &'a str,
    pub object: ObjectName<'a>,
    pub throttled: bool,
    /// Denied by the key's or the caller's policies (`errorCode` AccessDenied).
    pub denied: bool,
    /// The call's number in the run (0, 1, 2 … in time order): ids derive from it.
    pub seq: u64,
}

/// The message KMS returns with a ThrottlingException.
pub const THROTTLING_MESSAGE: &str =
    "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.";
/// The service name S3's calls carry as `invokedBy`, `sourceIPAddress` and `userAgent`
/// (aws-facts §5 notes the variants seen; this is the one AWS's examples show).
pub const S3_SERVICE: &str = "s3.amazonaws.com";
/// The client-side encryption context of the Amazon S3 Encryption Client v2 (aws-facts §11).
pub const CSE_CONTEXT: (&str, &str) = ("aws:x-amz-cek-alg", "AES/GCM/NoPadding");
/// The context key S3 sends (aws-facts §3.4).
pub const S3_CONTEXT_KEY: &str = "aws:s3:arn";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    event_version: &'static str,
    user_identity: Identity<'a>,
    event_time: String,
    event_source: &'static str,
    event_name: &'static str,
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'a str,
    user_agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    request_parameters: Params<'a>,
    response_elements: Option<()>,
    #[serde(rename = "requestID")]
    request_id: String,
    #[serde(rename = "eventID")]
    event_id: String,
    read_only: bool,
    resources: [Resource<'a>; 1],
    event_type: &'static str,
    management_event: bool,
    recipient_account_id: &'a str,
    event_category: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Identity<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    arn: &'a str,
    account_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    invoked_by: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Params<'a> {
    key_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_spec: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_algorithm: Option<&'static str>,
    encryption_context: std::collections::BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct Resource<'a> {
    #[serde(rename = "accountId")]
    account_id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "ARN")]
    arn: &'a str,
}

impl KmsEvent<'_> {
    /// The `aws:s3:arn` value S3 sends, or `None` for a client's call.
    pub fn context_arn(&self) -> Option<String> {
        match self.context {
            Context::ObjectArn => Some(match self.object {
                ObjectName::Key(k) => format!("arn:aws:s3:::{}/{k}", self.bucket),
                ObjectName::Id(id) => format!("arn:aws:s3:::{}/object-{id:016x}", self.bucket),
            }),
            Context::BucketArn => Some(format!("arn:aws:s3:::{}", self.bucket)),
            Context::Client => None,
        }
    }

    /// The event's CloudTrail record as one line of JSON, `seed` making its ids.
    pub fn to_json(&self, seed: u64) -> String {
        let mut context = std::collections::BTreeMap::new();
        match self.context_arn() {
            Some(arn) => context.insert(S3_CONTEXT_KEY, arn),
            None => context.insert(CSE_CONTEXT.0, CSE_CONTEXT.1.to_string()),
        };
        let by_s3 = self.caller == Caller::S3;
        let (name, key_spec, algorithm) = match self.op {
            KmsOpKind::GenerateDataKey => ("GenerateDataKey", Some("AES_256"), None),
            KmsOpKind::Decrypt => ("Decrypt", None, Some("SYMMETRIC_DEFAULT")),
            KmsOpKind::Encrypt => ("Encrypt", None, Some("SYMMETRIC_DEFAULT")),
        };
        let r = Record {
            event_version: "1.11",
            user_identity: Identity {
                kind: "AssumedRole",
                arn: self.principal,
                account_id: self.account,
                invoked_by: by_s3.then_some(S3_SERVICE),
            },
            event_time: event_time(self.at_unix_ns),
            event_source: "kms.amazonaws.com",
            event_name: name,
            aws_region: self.region,
            source_ip_address: if by_s3 { S3_SERVICE } else { "192.0.2.0" },
            user_agent: if by_s3 { S3_SERVICE } else { "aws-sdk" },
            error_code: if self.throttled {
                Some("ThrottlingException")
            } else if self.denied {
                Some("AccessDenied")
            } else {
                None
            },
            error_message: if self.throttled {
                Some(THROTTLING_MESSAGE.to_string())
            } else if self.denied {
                Some(format!(
                    "User: {} is not authorized to perform: kms:{name} on resource: {} because no identity-based or resource-based policy allows the kms:{name} action",
                    self.principal, self.key_arn
                ))
            } else {
                None
            },
            request_parameters: Params {
                key_id: self.key_arn,
                key_spec,
                encryption_algorithm: algorithm,
                encryption_context: context,
            },
            response_elements: None,
            request_id: uuid(seed, self.seq, 1),
            event_id: uuid(seed, self.seq, 2),
            read_only: true,
            resources: [Resource {
                account_id: self.account,
                kind: "AWS::KMS::Key",
                arn: self.key_arn,
            }],
            event_type: "AwsApiCall",
            management_event: true,
            recipient_account_id: self.account,
            event_category: "Management",
        };
        serde_json::to_string(&r).unwrap_or_default()
    }
}

/// CloudTrail's `eventTime`: UTC to the second (`2026-01-01T00:00:07Z`).
fn event_time(unix_ns: i64) -> String {
    crate::replay::civil::rfc3339(unix_ns.div_euclid(1_000_000_000) * 1_000_000_000)
}

/// A version-4-shaped UUID from the seed, the call's number and which id it is.
fn uuid(seed: u64, seq: u64, which: u64) -> String {
    let a = mix64(seed ^ mix64(seq.wrapping_mul(4) + which));
    let b = mix64(a ^ 0x9e37_79b9_7f4a_7c15);
    let hi = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
    let lo = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(op: KmsOpKind, context: Context, throttled: bool) -> KmsEvent<'static> {
        KmsEvent {
            at_unix_ns: 1_767_225_607_250_000_000,
            op,
            context,
            caller: if context == Context::Client {
                Caller::Client
            } else {
                Caller::S3
            },
            region: "eu-west-1",
            account: "111122223333",
            principal: "arn:aws:sts::111122223333:assumed-role/uploads/session-1",
            key_arn: "arn:aws:kms:eu-west-1:111122223333:key/k",
            bucket: "photos",
            object: ObjectName::Key("a/b.jpg"),
            throttled,
            denied: false,
            seq: 7,
        }
    }

    #[test]
    fn a_put_without_bucket_key_is_a_generate_data_key_with_the_object_arn() {
        let j: serde_json::Value = serde_json::from_str(
            &event(KmsOpKind::GenerateDataKey, Context::ObjectArn, false).to_json(1),
        )
        .unwrap();
        assert_eq!(j["eventName"], "GenerateDataKey");
        assert_eq!(j["eventSource"], "kms.amazonaws.com");
        assert_eq!(j["eventTime"], "2026-01-01T00:00:07Z");
        assert_eq!(j["awsRegion"], "eu-west-1");
        assert_eq!(j["userIdentity"]["invokedBy"], "s3.amazonaws.com");
        assert_eq!(j["requestParameters"]["keySpec"], "AES_256");
        assert_eq!(
            j["requestParameters"]["encryptionContext"]["aws:s3:arn"],
            "arn:aws:s3:::photos/a/b.jpg"
        );
        assert_eq!(
            j["resources"][0]["ARN"],
            "arn:aws:kms:eu-west-1:111122223333:key/k"
        );
        assert_eq!(j["resources"][0]["type"], "AWS::KMS::Key");
        assert!(j["responseElements"].is_null());
        assert!(j.get("errorCode").is_none());
        // Ids: UUID-shaped, distinct, the same for the same seed and call.
        let id = j["eventID"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(j["eventID"], j["requestID"]);
        let again = event(KmsOpKind::GenerateDataKey, Context::ObjectArn, false).to_json(1);
        assert!(again.contains(id));
        assert!(
            !event(KmsOpKind::GenerateDataKey, Context::ObjectArn, false)
                .to_json(2)
                .contains(id)
        );
    }

    #[test]
    fn a_throttled_bucket_key_decrypt_and_a_client_call() {
        let j: serde_json::Value =
            serde_json::from_str(&event(KmsOpKind::Decrypt, Context::BucketArn, true).to_json(1))
                .unwrap();
        assert_eq!(j["eventName"], "Decrypt");
        assert_eq!(j["errorCode"], "ThrottlingException");
        assert_eq!(
            j["requestParameters"]["encryptionAlgorithm"],
            "SYMMETRIC_DEFAULT"
        );
        assert_eq!(
            j["requestParameters"]["encryptionContext"]["aws:s3:arn"],
            "arn:aws:s3:::photos"
        );
        let j: serde_json::Value =
            serde_json::from_str(&event(KmsOpKind::Decrypt, Context::Client, false).to_json(1))
                .unwrap();
        assert!(j["userIdentity"].get("invokedBy").is_none());
        assert_eq!(
            j["requestParameters"]["encryptionContext"]["aws:x-amz-cek-alg"],
            "AES/GCM/NoPadding"
        );
        let mut e = event(KmsOpKind::Decrypt, Context::ObjectArn, false);
        e.object = ObjectName::Id(255);
        assert_eq!(
            e.context_arn().unwrap(),
            "arn:aws:s3:::photos/object-00000000000000ff"
        );
    }
}
