//! CloudTrail data-event records for S3 and their files: `{"Records":[...]}` objects,
//! gzip-compressed, delivered as
//! `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<unique>.json.gz`
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html>),
//! records unsorted; or JSON Lines, one event a line. The record's fields follow
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-understanding-s3-entries.html>.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::access_log::{Context, Sink, host_id, upload_id};
use super::events::{Event, EventKind};
use super::{ACCOUNT, GenFormat, GenOptions, GenSummary, REGION, bucket_name, civil, iso8601};
use crate::engine::rng::{Stream, mix64};

/// The record's `eventName`.
pub fn event_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Put => "PutObject",
        EventKind::Get | EventKind::RangeGet => "GetObject",
        EventKind::Head => "HeadObject",
        EventKind::MpuCreate => "CreateMultipartUpload",
        EventKind::MpuPart => "UploadPart",
        EventKind::MpuComplete => "CompleteMultipartUpload",
        EventKind::Copy => "CopyObject",
        EventKind::Delete => "DeleteObject",
        EventKind::List => "ListObjects",
    }
}

/// A version-4 UUID made of `id`'s bits (CloudTrail's `eventID`).
fn uuid(id: u64) -> String {
    let a = mix64(id ^ 0xC0FFEE);
    let b = mix64(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// The CloudTrail record of `ev`.
pub fn record(ctx: &Context, opts: &GenOptions, ev: &Event) -> Value {
    let req = &ctx.requesters[ev.requester];
    let bucket = bucket_name(ev.bucket);
    let host = if bucket.contains('.') {
        format!("s3.{REGION}.amazonaws.com")
    } else {
        format!("{bucket}.s3.{REGION}.amazonaws.com")
    };
    let mut user = json!({
        "type": req.kind,
        "principalId": req.principal_id,
        "arn": req.arn,
        "accountId": ACCOUNT,
        "accessKeyId": req.access_key_id,
    });
    if req.kind == "AssumedRole" {
        let role_id = req.principal_id.split(':').next().unwrap_or_default();
        user["sessionContext"] = json!({
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": format!("arn:aws:iam::{ACCOUNT}:role/{}", req.name),
                "accountId": ACCOUNT,
                "userName": req.name,
            },
            "attributes": {
                "creationDate": iso8601(opts.start_unix_s - 3600 + (ev.requester as i64) * 60),
                "mfaAuthenticated": "false",
            },
        });
    } else {
        user["userName"] = json!(req.name);
    }
    let mut params = json!({ "bucketName": bucket, "Host": host });
    if !ev.key.is_empty() {
        params["key"] = json!(ev.key);
    }
    let mut response = Value::Null;
    match ev.kind {
        EventKind::MpuCreate => {
            params["uploads"] = json!("");
            response =
                json!({ "bucket": bucket, "key": ev.key, "uploadId": upload_id(ev.upload_id) });
        }
        EventKind::MpuPart => {
            params["partNumber"] = json!(ev.part.to_string());
            params["uploadId"] = json!(upload_id(ev.upload_id));
        }
        EventKind::MpuComplete => params["uploadId"] = json!(upload_id(ev.upload_id)),
        EventKind::Copy => {
            if let Some((b, k)) = &ev.copy_source {
                // The header as the SDK sends it: URL-encoded.
                let mut src = Vec::new();
                super::url_encode(k, &mut src);
                params["x-amz-copy-source"] = json!(format!(
                    "{}/{}",
                    bucket_name(*b),
                    String::from_utf8_lossy(&src)
                ));
            }
        }
        EventKind::List => {
            params["list-type"] = json!("2");
            params["prefix"] = json!("img/products/");
            params["encoding-type"] = json!("url");
        }
        EventKind::RangeGet => {
            if let Some((a, b)) = ev.range {
                params["Range"] = json!(format!("bytes={a}-{b}"));
            }
        }
        _ => {}
    }
    let mut id2 = Vec::with_capacity(76);
    host_id(ev.id, &mut id2);
    let tls13 = ev.id & 3 == 0;
    let (bytes_in, bytes_out) = match ev.kind {
        EventKind::Copy => (0, ev.bytes_out),
        _ => (ev.bytes_in, ev.bytes_out),
    };
    let mut resources = Vec::new();
    if !ev.key.is_empty() {
        resources.push(json!({
            "type": "AWS::S3::Object",
            "ARN": format!("arn:aws:s3:::{bucket}/{}", ev.key),
        }));
    }
    resources.push(json!({
        "accountId": ACCOUNT,
        "type": "AWS::S3::Bucket",
        "ARN": format!("arn:aws:s3:::{bucket}"),
    }));
    let mut r = json!({
        "eventVersion": "1.10",
        "userIdentity": user,
        "eventTime": iso8601(ev.time_ms.div_euclid(1000)),
        "eventSource": "s3.amazonaws.com",
        "eventName": event_name(ev.kind),
        "awsRegion": REGION,
        "sourceIPAddress": req.ip,
        "userAgent": format!("[{}]", req.user_agent),
        "requestParameters": params,
        "responseElements": response,
        "additionalEventData": {
            "SignatureVersion": "SigV4",
            "CipherSuite": if tls13 { "TLS_AES_128_GCM_SHA256" } else { "ECDHE-RSA-AES128-GCM-SHA256" },
            "bytesTransferredIn": bytes_in,
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": String::from_utf8_lossy(&id2),
            "bytesTransferredOut": bytes_out,
        },
        "requestID": format!("{:016X}", ev.id),
        "eventID": uuid(ev.id),
        "readOnly": matches!(ev.kind, EventKind::Get | EventKind::RangeGet | EventKind::Head | EventKind::List),
        "resources": resources,
        "eventType": "AwsApiCall",
        "managementEvent": false,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Data",
        "tlsDetails": {
            "tlsVersion": if tls13 { "TLSv1.3" } else { "TLSv1.2" },
            "cipherSuite": if tls13 { "TLS_AES_128_GCM_SHA256" } else { "ECDHE-RSA-AES128-GCM-SHA256" },
            "clientProvidedHostHeader": host,
        },
    });
    if let Some(code) = ev.error {
        r["errorCode"] = json!(code);
        r["errorMessage"] = json!(match code {
            "NoSuchKey" => "The specified key does not exist.",
            "SlowDown" => "Please reduce your request rate.",
            _ => "",
        });
    }
    r
}

/// Records waiting to be written in a random order: delivered records are not sorted.
const WINDOW: usize = 32;

struct OpenFile {
    tmp: PathBuf,
    sink: Sink,
    window: Vec<Vec<u8>>,
    records: u64,
    last_ms: i64,
    index: usize,
}

impl OpenFile {
    fn put(&mut self, jsonl: bool, rec: &[u8]) -> io::Result<()> {
        let w = self.sink.writer();
        if jsonl {
            w.write_all(rec)?;
            w.write_all(b"\n")
        } else {
            w.write_all(if self.records == 0 {
                b"{\"Records\":["
            } else {
                b","
            })?;
            w.write_all(rec)
        }
        .map(|_| self.records += 1)
    }

    fn close(mut self, opts: &GenOptions, dir: &Path, rng: &mut Stream) -> io::Result<PathBuf> {
        let jsonl = opts.format == GenFormat::CloudTrailJsonl;
        while !self.window.is_empty() {
            let i = rng.below(self.window.len() as u64) as usize;
            let r = self.window.swap_remove(i);
            self.put(jsonl, &r)?;
        }
        if !jsonl {
            let w = self.sink.writer();
            w.write_all(if self.records == 0 {
                b"{\"Records\":[]}\n"
            } else {
                b"]}\n"
            })?;
        }
        let gz = self.sink.finish()?;
        let ext = if gz { ".gz" } else { "" };
        let rel = if jsonl {
            PathBuf::from(format!(
                "cloudtrail-events-{:04}.jsonl{ext}",
                self.index + 1
            ))
        } else {
            // Delivered about every five minutes, a few minutes after the last event.
            let delivered = self.last_ms.div_euclid(1000) + 120 + rng.below(300) as i64;
            let (y, mo, d, h, mi, _) = civil(delivered);
            let mut unique = String::new();
            let mut u = rng.next_u64();
            for _ in 0..16 {
                unique.push(
                    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        [(u % 62) as usize] as char,
                );
                u /= 62;
            }
            PathBuf::from(format!(
                "AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/{y:04}/{mo:02}/{d:02}/{ACCOUNT}_CloudTrail_{REGION}_{y:04}{mo:02}{d:02}T{h:02}{mi:02}Z_{unique}.json{ext}"
            ))
        };
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(&self.tmp, path)?;
        Ok(rel)
    }
}

/// Writes the CloudTrail files of `opts` into `dir`: `opts.files` files, each covering an
/// equal part of the span.
pub fn write_files(opts: &GenOptions, dir: &Path) -> io::Result<GenSummary> {
    let ctx = Context::new(opts);
    let jsonl = opts.format == GenFormat::CloudTrailJsonl;
    let mut rng = Stream::new(opts.seed, "replay-generate-files");
    let mut summary = GenSummary {
        first_ms: i64::MAX,
        last_ms: i64::MIN,
        ..GenSummary::default()
    };
    let start_ms = opts.start_unix_s * 1000;
    let chunk_ms = (opts.span_ms / opts.files as u64).max(1) as i64;
    let mut current: Option<OpenFile> = None;
    let mut opened = 0usize;
    for ev in super::Events::new(opts) {
        let chunk = (((ev.time_ms - start_ms) / chunk_ms) as usize).min(opts.files - 1);
        if current.as_ref().is_none_or(|f| chunk > f.index) {
            if let Some(f) = current.take() {
                summary.files.push(f.close(opts, dir, &mut rng)?);
            }
            let tmp = dir.join(format!(".gen-cloudtrail-{chunk}.tmp"));
            current = Some(OpenFile {
                sink: Sink::create(&tmp, opts.gzip_file(opened))?,
                tmp,
                window: Vec::with_capacity(WINDOW),
                records: 0,
                last_ms: i64::MIN,
                index: chunk,
            });
            opened += 1;
        }
        let f = current.as_mut().expect("opened above");
        let rec = serde_json::to_vec(&record(&ctx, opts, &ev)).map_err(io::Error::other)?;
        *summary
            .by_operation
            .entry(event_name(ev.kind).to_string())
            .or_insert(0) += 1;
        summary.records += 1;
        summary.first_ms = summary.first_ms.min(ev.time_ms);
        summary.last_ms = summary.last_ms.max(ev.time_ms);
        f.last_ms = f.last_ms.max(ev.time_ms);
        f.window.push(rec);
        if f.window.len() >= WINDOW {
            let i = rng.below(f.window.len() as u64) as usize;
            let r = f.window.swap_remove(i);
            f.put(jsonl, &r)?;
        }
    }
    if let Some(f) = current.take() {
        summary.files.push(f.close(opts, dir, &mut rng)?);
    }
    Ok(summary)
}
