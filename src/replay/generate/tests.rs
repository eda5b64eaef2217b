//! Tests of the log generator: determinism, the documented formats, the traffic's invariants
//! (exact counts, times within the span, complete multipart uploads, HEAD before SDK GETs,
//! reads of written or pre-existing keys) and bounded memory.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;

use super::access_log::{self, Context, Side};
use super::events::{Event, EventKind, Requester};
use super::*;

fn opts(format: GenFormat, requests: u64) -> GenOptions {
    GenOptions {
        format,
        requests,
        seed: 11,
        files: 3,
        ..GenOptions::default()
    }
}

/// Every file under `dir` (recursively), relative path → bytes (gunzipped when `.gz`).
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
                continue;
            }
            let raw = std::fs::read(&p).unwrap();
            let name = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let bytes = if name.ends_with(".gz") {
                let mut v = Vec::new();
                flate2::read::GzDecoder::new(&raw[..])
                    .read_to_end(&mut v)
                    .unwrap();
                v
            } else {
                raw
            };
            out.insert(name, bytes);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Splits an access-log line into fields: `"..."` and `[...]` are one field each.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c == ' ' {
            chars.next();
            continue;
        }
        let close = match c {
            '"' => Some('"'),
            '[' => Some(']'),
            _ => None,
        };
        let mut f = String::new();
        if let Some(close) = close {
            chars.next();
            for c in chars.by_ref() {
                if c == close {
                    break;
                }
                f.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                f.push(c);
                chars.next();
            }
        }
        out.push(f);
    }
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for format in [
        GenFormat::S3AccessLog,
        GenFormat::CloudTrail,
        GenFormat::CloudTrailJsonl,
    ] {
        let o = opts(format, 3000);
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let sa = generate(&o, a.path()).unwrap();
        let sb = generate(&o, b.path()).unwrap();
        generate(
            &GenOptions {
                seed: 12,
                ..o.clone()
            },
            c.path(),
        )
        .unwrap();
        assert_eq!(sa, sb);
        let raw = |d: &Path| -> BTreeMap<String, Vec<u8>> {
            sa.files
                .iter()
                .map(|f| (f.display().to_string(), std::fs::read(d.join(f)).unwrap()))
                .collect()
        };
        assert_eq!(raw(a.path()), raw(b.path()), "{}", format.name());
        assert_ne!(
            read_tree(a.path()),
            read_tree(c.path()),
            "{}",
            format.name()
        );
        assert_eq!(sa.records, 3000, "{}", format.name());
    }
}

#[test]
fn access_log_lines_have_the_documented_fields_and_times_in_the_span() {
    let o = GenOptions {
        gzip: GzipChoice::Alternate,
        ..opts(GenFormat::S3AccessLog, 5000)
    };
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&o, dir.path()).unwrap();
    // 3 buckets × 3 periods, both compressed and plain.
    assert_eq!(s.files.len(), 9);
    assert!(s.files.iter().any(|f| f.to_string_lossy().ends_with(".gz")));
    assert!(
        s.files
            .iter()
            .any(|f| !f.to_string_lossy().ends_with(".gz"))
    );
    let tree = read_tree(dir.path());
    let mut lines = 0;
    let mut ops = BTreeMap::new();
    let mut out_of_order = 0;
    for (name, bytes) in &tree {
        // TargetPrefix (the bucket and a dash), then YYYY-mm-DD-HH-MM-SS-UniqueString.
        let bucket = fields(std::str::from_utf8(bytes).unwrap().lines().next().unwrap())[1].clone();
        let rest = name
            .strip_prefix(&format!("{bucket}-"))
            .unwrap()
            .trim_end_matches(".gz");
        assert_eq!(
            rest.len(),
            "2026-11-24-00-23-31-A38C5BDAFE79D7D3".len(),
            "{name}"
        );
        assert!(rest.starts_with("2026-11-24-0"), "{name}");
        let mut prev = String::new();
        for line in std::str::from_utf8(bytes).unwrap().lines() {
            let f = fields(line);
            assert_eq!(f.len(), access_log::FIELDS, "{line}");
            assert_eq!(f[1], bucket, "one bucket per file: {line}");
            // [24/Nov/2026:00:MM:SS +0000]: within the hour the span covers.
            assert!(
                f[2].starts_with("24/Nov/2026:00:") && f[2].ends_with(" +0000"),
                "{line}"
            );
            if f[2] < prev {
                out_of_order += 1;
            }
            prev = f[2].clone();
            *ops.entry(f[6].clone()).or_insert(0u64) += 1;
            assert_eq!(f[8].split(' ').count(), 3, "Request-URI: {line}");
            lines += 1;
        }
    }
    assert_eq!(lines, 5000);
    assert_eq!(ops, s.by_operation.clone().into_iter().collect());
    assert!(
        out_of_order > 0,
        "lines are roughly, not strictly, in time order"
    );
    for op in [
        "REST.PUT.OBJECT",
        "REST.GET.OBJECT",
        "REST.HEAD.OBJECT",
        "REST.POST.UPLOADS",
        "REST.PUT.PART",
        "REST.POST.UPLOAD",
        "REST.COPY.OBJECT",
        "REST.COPY.OBJECT_GET",
        "REST.DELETE.OBJECT",
        "REST.GET.BUCKET",
    ] {
        assert!(
            ops.get(op).copied().unwrap_or(0) > 0,
            "{op} missing: {ops:?}"
        );
    }
    assert_eq!(ops["REST.COPY.OBJECT"], ops["REST.COPY.OBJECT_GET"]);
    assert!(s.first_ms >= o.start_unix_s * 1000);
    assert!(s.last_ms < o.start_unix_s * 1000 + o.span_ms as i64);
}

#[test]
fn a_line_written_by_hand() {
    let ctx = Context {
        requesters: vec![Requester {
            arn: "arn:aws:iam::123456789012:user/alice".into(),
            kind: "IAMUser",
            name: "alice".into(),
            principal_id: "AIDAEXAMPLE".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            ip: "192.0.2.3".into(),
            user_agent: "aws-cli/2.22.4 md/command#s3.cp",
        }],
        owner: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".into(),
    };
    let ev = Event {
        time_ms: 1_795_478_400_000 + 3_723_456, // 01:02:03.456
        kind: EventKind::Copy,
        status: 200,
        error: None,
        bucket: 1, // logs.acme.example: path style
        key: "backup/a b+c.txt".into(),
        requester: 0,
        size: 1234,
        bytes_in: 0,
        bytes_out: 234,
        range: None,
        part: 0,
        upload_id: 0,
        copy_source: Some((0, "café.txt".into())),
        id: 0x3E57427F3E000001,
        after_head: false,
        total_ms: 40,
        turnaround_ms: 12,
    };
    let mut main = Vec::new();
    access_log::format_line(&ctx, &ev, Side::Main, &mut main);
    let main = String::from_utf8(main).unwrap();
    let f = fields(main.trim_end());
    assert_eq!(f.len(), 26);
    assert_eq!(
        &f[..16],
        [
            "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
            "logs.acme.example",
            "24/Nov/2026:01:02:03 +0000",
            "192.0.2.3",
            "arn:aws:iam::123456789012:user/alice",
            "3E57427F3E000001",
            "REST.COPY.OBJECT",
            "backup/a%20b%2Bc.txt",
            "PUT /logs.acme.example/backup/a%20b%2Bc.txt HTTP/1.1",
            "200",
            "-",
            "234",
            "1234",
            "40",
            "12",
            "-",
        ]
    );
    assert_eq!(f[16], "aws-cli/2.22.4 md/command#s3.cp");
    assert_eq!(f[17], "-");
    assert_eq!(f[18].len(), 76);
    assert_eq!(
        &f[19..],
        [
            "SigV4",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "AuthHeader",
            "s3.us-east-1.amazonaws.com",
            "TLSv1.2",
            "-",
            "-"
        ]
    );
    let mut src = Vec::new();
    access_log::format_line(&ctx, &ev, Side::CopySource, &mut src);
    let f = fields(String::from_utf8(src).unwrap().trim_end());
    assert_eq!(f[1], "acme-web-assets");
    assert_eq!(f[6], "REST.COPY.OBJECT_GET");
    assert_eq!(f[7], "caf%C3%A9.txt");
    assert_eq!(f[8], "PUT /logs.acme.example/backup/a%20b%2Bc.txt HTTP/1.1");
    assert_eq!((f[11].as_str(), f[12].as_str()), ("-", "1234"));
}

#[test]
fn dates_and_encoding() {
    assert_eq!(civil(1_795_478_400), (2026, 11, 24, 0, 0, 0));
    assert_eq!(civil(951_782_400 + 86_399), (2000, 2, 29, 23, 59, 59));
    assert_eq!(civil(-1), (1969, 12, 31, 23, 59, 59));
    assert_eq!(iso8601(1_549_047_600), "2019-02-01T19:00:00Z");
    let mut v = Vec::new();
    url_encode("docs/café 1+2~_-.pdf", &mut v);
    assert_eq!(
        String::from_utf8(v).unwrap(),
        "docs/caf%C3%A9%201%2B2~_-.pdf"
    );
}

fn events(o: &GenOptions) -> Vec<Event> {
    Events::new(o).collect()
}

#[test]
fn exact_count_time_order_and_span() {
    for (format, n) in [
        (GenFormat::S3AccessLog, 7),
        (GenFormat::S3AccessLog, 20_000),
        (GenFormat::CloudTrail, 20_000),
    ] {
        let o = opts(format, n);
        let ev = events(&o);
        let records: u64 = ev
            .iter()
            .map(|e| {
                if format == GenFormat::S3AccessLog {
                    access_log::sides(e).len() as u64
                } else {
                    1
                }
            })
            .sum();
        assert_eq!(records, n);
        let (lo, hi) = (
            o.start_unix_s * 1000,
            o.start_unix_s * 1000 + o.span_ms as i64,
        );
        assert!(ev.iter().all(|e| e.time_ms >= lo && e.time_ms < hi));
        assert!(
            ev.windows(2).all(|w| w[0].time_ms <= w[1].time_ms),
            "the stream is in time order"
        );
    }
}

#[test]
fn the_rate_is_diurnal() {
    // Trough 0.3 of the peak at the span's ends, peak in the middle: the middle tenth of the
    // span has (1 + d·sin(π/10)/(π/10))/(1 − d·sin(π/10)/(π/10)) times the requests of the
    // first tenth, d = 0.7/1.3; about 2.5×.
    let o = opts(GenFormat::CloudTrail, 50_000);
    let tenth = o.span_ms as i64 / 10;
    let start = o.start_unix_s * 1000;
    let (mut first, mut middle) = (0.0, 0.0);
    for e in Events::new(&o) {
        let t = e.time_ms - start;
        if t < tenth {
            first += 1.0;
        } else if (t - 9 * tenth / 2) >= 0 && t < 11 * tenth / 2 {
            middle += 1.0;
        }
    }
    let x = (std::f64::consts::PI / 10.0).sin() / (std::f64::consts::PI / 10.0);
    let d = 0.7 / 1.3;
    let want = (1.0 + d * x) / (1.0 - d * x);
    let got: f64 = middle / first;
    assert!(
        (got / want - 1.0).abs() < 0.1,
        "middle/first = {got}, want {want}"
    );
}

#[test]
fn multipart_uploads_complete_in_order() {
    let ev = events(&opts(GenFormat::S3AccessLog, 30_000));
    let mut uploads: BTreeMap<u64, Vec<&Event>> = BTreeMap::new();
    for e in ev.iter().filter(|e| {
        matches!(
            e.kind,
            EventKind::MpuCreate | EventKind::MpuPart | EventKind::MpuComplete
        )
    }) {
        uploads.entry(e.upload_id).or_default().push(e);
    }
    assert!(uploads.len() > 50, "{}", uploads.len());
    for seq in uploads.values() {
        let n = seq.len();
        assert!(n >= 4, "create, at least 2 parts, complete");
        assert_eq!(seq[0].kind, EventKind::MpuCreate);
        assert_eq!(seq[n - 1].kind, EventKind::MpuComplete);
        let parts: Vec<u32> = seq[1..n - 1].iter().map(|e| e.part).collect();
        assert_eq!(parts, (1..=(n - 2) as u32).collect::<Vec<_>>());
        assert!(seq.windows(2).all(|w| w[0].time_ms < w[1].time_ms));
        assert!(seq.iter().all(|e| e.key == seq[0].key
            && e.requester == seq[0].requester
            && e.bucket == seq[0].bucket));
        let bytes: u64 = seq[1..n - 1].iter().map(|e| e.bytes_in).sum();
        assert_eq!(bytes, seq[n - 1].size);
    }
}

#[test]
fn a_head_precedes_each_sdk_get_and_reads_find_their_objects() {
    let ev = events(&opts(GenFormat::S3AccessLog, 30_000));
    let mut sdk = 0;
    let mut written: HashSet<(usize, &str)> = HashSet::new();
    for (i, e) in ev.iter().enumerate() {
        if e.after_head {
            sdk += 1;
            assert_eq!(e.kind, EventKind::Get);
            let head = ev[..i]
                .iter()
                .rev()
                .find(|h| {
                    h.kind == EventKind::Head
                        && h.key == e.key
                        && h.requester == e.requester
                        && h.bucket == e.bucket
                })
                .expect("a HEAD before the GET");
            assert!(
                (2..=27).contains(&(e.time_ms - head.time_ms)),
                "{} ms",
                e.time_ms - head.time_ms
            );
        }
        if e.status < 300 {
            if matches!(
                e.kind,
                EventKind::Put | EventKind::Copy | EventKind::MpuComplete
            ) {
                written.insert((e.bucket, e.key.as_str()));
            }
            let mut reads = Vec::new();
            if matches!(
                e.kind,
                EventKind::Get | EventKind::RangeGet | EventKind::Head
            ) {
                reads.push((e.bucket, e.key.as_str()));
            }
            if let Some((b, k)) = &e.copy_source {
                reads.push((*b, k.as_str()));
            }
            for (b, k) in reads {
                let pre = k.starts_with("assets/v1/") || k.starts_with("media/archive/");
                assert!(
                    pre || written.contains(&(b, k)),
                    "read of {k} in bucket {b} before any write"
                );
            }
        }
    }
    assert!(sdk > 1000, "{sdk}");
}

#[test]
fn memory_is_bounded_by_the_rate_not_the_count() {
    // The same rate over a span ten times as long: the queue of later requests stays as
    // small, and the per-bucket state is a few counters.
    let small = GenOptions {
        span_ms: 360_000,
        ..opts(GenFormat::S3AccessLog, 20_000)
    };
    let large = GenOptions {
        span_ms: 3_600_000,
        ..opts(GenFormat::S3AccessLog, 200_000)
    };
    let peak = |o: &GenOptions| {
        let mut e = Events::new(o);
        for _ in e.by_ref() {}
        e.peak_pending()
    };
    let (s, l) = (peak(&small), peak(&large));
    assert!(s > 10, "{s}");
    assert!(
        l < s * 3 / 2,
        "peak queue {l} for 10x the requests, {s} for 1x"
    );
}

#[test]
fn cloudtrail_files_are_as_delivered() {
    let o = opts(GenFormat::CloudTrail, 4000);
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&o, dir.path()).unwrap();
    assert_eq!(s.files.len(), 3);
    let mut records = 0;
    let mut unsorted = false;
    let mut names = BTreeMap::new();
    for f in &s.files {
        let name = f.to_string_lossy();
        assert!(name.starts_with("AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/24/123456789012_CloudTrail_us-east-1_20261124T0"), "{name}");
        assert!(name.ends_with(".json.gz"), "{name}");
        let mut text = String::new();
        let raw = std::fs::read(dir.path().join(f)).unwrap();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut text)
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let recs = v["Records"].as_array().unwrap();
        let times: Vec<&str> = recs
            .iter()
            .map(|r| r["eventTime"].as_str().unwrap())
            .collect();
        unsorted |= times.windows(2).any(|w| w[0] > w[1]);
        for r in recs {
            records += 1;
            assert_eq!(r["eventSource"], "s3.amazonaws.com");
            assert_eq!(r["eventCategory"], "Data");
            assert_eq!(r["eventType"], "AwsApiCall");
            assert_eq!(r["managementEvent"], false);
            assert_eq!(r["recipientAccountId"], "123456789012");
            assert!(
                r["eventTime"]
                    .as_str()
                    .unwrap()
                    .starts_with("2026-11-24T00:")
            );
            assert!(
                r["userIdentity"]["arn"]
                    .as_str()
                    .unwrap()
                    .starts_with("arn:aws:")
            );
            assert!(r["additionalEventData"]["bytesTransferredOut"].is_u64());
            let name = r["eventName"].as_str().unwrap().to_string();
            if name == "CopyObject" {
                let src = r["requestParameters"]["x-amz-copy-source"]
                    .as_str()
                    .unwrap();
                assert!(
                    src.starts_with("acme-") || src.starts_with("logs.acme.example/"),
                    "{src}"
                );
            }
            *names.entry(name).or_insert(0) += 1;
        }
    }
    assert_eq!(records, 4000);
    assert!(unsorted, "delivered records are not sorted");
    assert_eq!(names, s.by_operation.clone().into_iter().collect());
    assert_eq!(names.len(), 9, "{names:?}");
}

#[test]
fn cloudtrail_json_lines() {
    let o = opts(GenFormat::CloudTrailJsonl, 500);
    let dir = tempfile::tempdir().unwrap();
    let s = generate(&o, dir.path()).unwrap();
    let tree = read_tree(dir.path());
    assert_eq!(tree.len(), s.files.len());
    let mut n = 0;
    for bytes in tree.values() {
        for line in std::str::from_utf8(bytes).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["eventName"].is_string());
            n += 1;
        }
    }
    assert_eq!(n, 500);
}

#[test]
fn bad_options_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let e = generate(
        &GenOptions {
            buckets: 0,
            ..GenOptions::default()
        },
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "--buckets must be 1 to 26");
    let e = generate(
        &GenOptions {
            requests: 0,
            ..GenOptions::default()
        },
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "--requests must be at least 1");
}

#[test]
fn lines_without_files() {
    let o = opts(GenFormat::S3AccessLog, 1000);
    let mut buf = Vec::new();
    assert_eq!(write_access_log_lines(&o, &mut buf).unwrap(), 1000);
    let text = String::from_utf8(buf).unwrap();
    assert_eq!(text.lines().count(), 1000);
    assert!(text.lines().all(|l| fields(l).len() == access_log::FIELDS));
}
