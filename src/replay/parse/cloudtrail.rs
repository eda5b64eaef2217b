//! CloudTrail data events for S3: the delivered `{"Records": [...]}` documents (streamed
//! record by record once read) and JSON Lines exports (one event object per line).
//!
//! Record fields: <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>
//! and, for S3, <https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-understanding-s3-entries.html>:
//! `eventTime` (`2019-02-01T19:00:00Z`), `eventSource` (`s3.amazonaws.com`), `eventName`,
//! `errorCode`, `userIdentity.arn` / `.accessKeyId`, `requestParameters.bucketName` / `.key` /
//! `["x-amz-copy-source"]`, `additionalEventData.bytesTransferredIn` / `.bytesTransferredOut`.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{BadLine, LogError, parse_rfc3339, url_decode};
use crate::replay::entry::{LogEntry, LogOp, Parsed};

const NOT_OBJECT: &str = "not a CloudTrail event: not a JSON object";

/// The fields of an event bksim reads; others are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    event_time: Option<String>,
    event_source: Option<String>,
    event_name: Option<String>,
    error_code: Option<String>,
    user_identity: Option<Identity>,
    request_parameters: Option<Value>,
    additional_event_data: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    arn: Option<String>,
    access_key_id: Option<String>,
}

/// Parses one JSON Lines line (line number `n`): one event object.
pub fn parse_line(n: u64, line: &[u8]) -> Result<Parsed, BadLine> {
    // serde would also take a JSON array as a struct's fields in order.
    if line.iter().find(|c| !c.is_ascii_whitespace()) != Some(&b'{') {
        return Err(BadLine::new(n, NOT_OBJECT, line));
    }
    match serde_json::from_slice::<Record>(line) {
        Ok(r) => record(r).map_err(|reason| BadLine::new(n, reason, line)),
        Err(e) => Err(BadLine::new(n, json_reason(&e), line)),
    }
}

fn json_reason(e: &serde_json::Error) -> String {
    // serde_json's messages end with " at line 1 column 17": keep the column only.
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => format!(
            "not a CloudTrail event: {} (column {})",
            &s[..i],
            e.column()
        ),
        None => format!("not a CloudTrail event: {s}"),
    }
}

/// Reads a whole `{"Records": [...]}` document, calling `f` for each record in order;
/// [`BadLine::line`] is the record's 1-based index in the array. `skipped_lines`: blank lines
/// before the document (added to JSON error line numbers).
pub(crate) fn read_document(
    path: &Path,
    skipped_lines: u64,
    doc: &[u8],
    f: &mut dyn FnMut(Result<Parsed, BadLine>),
) -> Result<(), LogError> {
    let mut de = serde_json::Deserializer::from_slice(doc);
    let found = DocSeed { f }
        .deserialize(&mut de)
        .and_then(|found| de.end().map(|()| found));
    match found {
        Ok(true) => Ok(()),
        Ok(false) => Err(LogError::new(
            path,
            None,
            "a JSON document without a \"Records\" array: not a CloudTrail log file",
        )),
        Err(e) => {
            let s = e.to_string();
            let msg = s.rfind(" at line ").map_or(s.as_str(), |i| &s[..i]);
            Err(LogError::new(
                path,
                Some(e.line() as u64 + skipped_lines),
                format!(
                    "not a valid CloudTrail document: {} (column {})",
                    super::quote(msg.as_bytes(), 200),
                    e.column()
                ),
            ))
        }
    }
}

/// The top-level object: finds `Records`, ignores other keys. Yields whether `Records` was
/// there.
struct DocSeed<'f, 'g> {
    f: &'f mut (dyn FnMut(Result<Parsed, BadLine>) + 'g),
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_, '_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a \"Records\" array")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(k) = map.next_key::<String>()? {
            if k == "Records" && !found {
                map.next_value_seed(RecordsSeed { f: &mut *self.f })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// The `Records` array: each element parsed and handed on as soon as it is read.
struct RecordsSeed<'f, 'g> {
    f: &'f mut (dyn FnMut(Result<Parsed, BadLine>) + 'g),
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of CloudTrail records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0u64;
        while let Some(v) = seq.next_element::<Value>()? {
            index += 1;
            let parsed = if v.is_object() {
                Record::deserialize(&v).map_err(|e| format!("not a CloudTrail event: {e}"))
            } else {
                Err(NOT_OBJECT.to_string())
            };
            let parsed = parsed.and_then(record).map_err(|reason| {
                BadLine::new(index, reason, &serde_json::to_vec(&v).unwrap_or_default())
            });
            (self.f)(parsed);
        }
        Ok(())
    }
}

/// One event, read; `Err` is a bad line's reason.
fn record(r: Record) -> Result<Parsed, String> {
    let bad = |reason: &str| reason.to_string();
    let (Some(time), Some(source), Some(name)) = (&r.event_time, &r.event_source, &r.event_name)
    else {
        return Err(bad("no eventTime, eventSource or eventName"));
    };
    let Some((time_ns, fine)) = parse_rfc3339(time) else {
        return Err(format!(
            "bad eventTime \"{}\" (expected 2019-02-01T19:00:00Z)",
            super::quote(time.as_bytes(), 40)
        ));
    };
    if source != "s3.amazonaws.com" {
        return Ok(Parsed::Skipped(format!("{source}/{name}")));
    }
    let op = match name.as_str() {
        "PutObject" => LogOp::Put,
        "CreateMultipartUpload" => LogOp::MpuCreate,
        "UploadPart" => LogOp::MpuPart,
        "CompleteMultipartUpload" => LogOp::MpuComplete,
        "GetObject" => LogOp::Get,
        "HeadObject" => LogOp::Head,
        "CopyObject" => LogOp::Copy,
        "DeleteObject" => LogOp::Delete,
        _ => return Ok(Parsed::Skipped(name.clone())),
    };
    if let Some(code) = r.error_code.as_deref().filter(|c| !c.is_empty()) {
        return Ok(Parsed::Skipped(format!("{name} {code}")));
    }
    let params = r.request_parameters.as_ref();
    let param = |k: &str| params.and_then(|p| p.get(k)).and_then(Value::as_str);
    let Some(bucket) = param("bucketName").filter(|b| !b.is_empty()) else {
        return Err(bad("no requestParameters.bucketName"));
    };
    let Some(key) = param("key").filter(|k| !k.is_empty()) else {
        return Err(bad("no requestParameters.key"));
    };
    let copy_source = match (op, param("x-amz-copy-source")) {
        (LogOp::Copy, Some(s)) => {
            Some(copy_source(s).ok_or_else(|| bad("bad requestParameters.x-amz-copy-source"))?)
        }
        _ => None,
    };
    let requester = match r.user_identity {
        Some(Identity { arn, access_key_id }) => {
            let parts: Vec<String> = arn
                .into_iter()
                .chain(access_key_id)
                .filter(|s| !s.is_empty())
                .collect();
            if parts.is_empty() {
                "-".to_string()
            } else {
                parts.join(" ")
            }
        }
        None => "-".to_string(),
    };
    let extra = |k: &str| -> Option<u64> {
        match r.additional_event_data.as_ref()?.get(k)? {
            Value::Number(x) => x.as_u64().or_else(|| {
                x.as_f64()
                    .filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v < 1.8e19)
                    .map(|v| v as u64)
            }),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    };
    let size = match op {
        LogOp::Put | LogOp::MpuPart => extra("bytesTransferredIn"),
        LogOp::Get => extra("bytesTransferredOut"),
        _ => None,
    };
    Ok(Parsed::Entry(LogEntry {
        time_ns,
        coarse: !fine,
        op,
        bucket: bucket.to_string(),
        key: key.to_string(),
        requester,
        size,
        copy_source,
    }))
}

/// `x-amz-copy-source`: `srcbucket/srckey`, maybe URL-encoded, maybe with a leading `/` and a
/// `?versionId=` suffix; or an access point ARN `arn:...:accesspoint/NAME/object/KEY`.
fn copy_source(s: &str) -> Option<(String, String)> {
    let s = s.strip_prefix('/').unwrap_or(s);
    let s = s.find("?versionId=").map_or(s, |i| &s[..i]);
    let s = url_decode(s)?;
    let (bucket, key) = if s.starts_with("arn:") {
        s.split_once("/object/")?
    } else {
        s.split_once('/')?
    };
    (!bucket.is_empty() && !key.is_empty()).then(|| (bucket.to_string(), key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sources() {
        let pair = |b: &str, k: &str| Some((b.to_string(), k.to_string()));
        assert_eq!(copy_source("src/a/b.txt"), pair("src", "a/b.txt"));
        assert_eq!(
            copy_source("/src/my%20file.txt?versionId=3HL4kqtJ"),
            pair("src", "my file.txt")
        );
        assert_eq!(
            copy_source("arn:aws:s3:us-west-2:111122223333:accesspoint/ap1/object/reports/q1.csv"),
            pair(
                "arn:aws:s3:us-west-2:111122223333:accesspoint/ap1",
                "reports/q1.csv"
            )
        );
        assert_eq!(copy_source("justabucket"), None);
        assert_eq!(copy_source("b/"), None);
    }
}
