//! `bksim replay`'s log parsers on hand-written logs (tests/fixtures/logs, whose README cites the
//! AWS pages the lines follow): every access-log field quirk, CloudTrail documents and JSON
//! Lines, CSV, gzip, detection and its errors, the directory walk; and that no input makes a
//! parser panic.

use std::io::Write;
use std::path::{Path, PathBuf};

use bksim::replay::entry::{Format, FormatChoice, LogEntry, Parsed};
use bksim::replay::files::list_files;
use bksim::replay::parse::{BadLine, LogError, access_log, read_file};
use proptest::prelude::*;

use crate::common::repo;

const AUTO: FormatChoice = FormatChoice::Auto;
const O: &str = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";

/// Every call `read_file` made, one string each (see [`show`]).
fn read(path: &Path, choice: FormatChoice) -> Result<(Format, Vec<String>), LogError> {
    let mut out = Vec::new();
    let format = read_file(path, choice, &mut |r| out.push(show(&r)))?;
    Ok((format, out))
}

fn read_ok(path: &Path, choice: FormatChoice) -> (Format, Vec<String>) {
    read(path, choice).unwrap_or_else(|e| panic!("{e}"))
}

fn read_err(path: &Path, choice: FormatChoice) -> String {
    match read(path, choice) {
        Ok(r) => panic!("{} read: {r:?}", path.display()),
        Err(e) => e.to_string(),
    }
}

/// `-` for nothing, `skip NAME`, `bad LINE: REASON`, or the entry: `Op SECONDS[s] bucket/key
/// by "requester" [size N] [from bucket/key]`, `s` marking a coarse (whole-second) time.
fn show(r: &Result<Parsed, BadLine>) -> String {
    match r {
        Ok(Parsed::Nothing) => "-".to_string(),
        Ok(Parsed::Skipped(s)) => format!("skip {s}"),
        Ok(Parsed::Entry(e)) => entry(e),
        Err(b) => format!("bad {}: {}", b.line, b.reason),
    }
}

fn entry(e: &LogEntry) -> String {
    let (secs, ns) = (
        e.time_ns.div_euclid(1_000_000_000),
        e.time_ns.rem_euclid(1_000_000_000),
    );
    let t = if ns == 0 {
        secs.to_string()
    } else {
        format!("{secs}.{ns:09}")
    };
    let coarse = if e.coarse { "s" } else { "" };
    let mut s = format!(
        "{:?} {t}{coarse} {}/{} by {:?}",
        e.op, e.bucket, e.key, e.requester
    );
    if let Some(z) = e.size {
        s += &format!(" size {z}");
    }
    if let Some((b, k)) = &e.copy_source {
        s += &format!(" from {b}/{k}");
    }
    s
}

fn fixture(p: &str) -> PathBuf {
    repo(&format!("tests/fixtures/logs/{p}"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, bytes).unwrap();
    p
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// An access-log line with the given fields 6 to 12 (operation to object size).
fn access(time: &str, op: &str, key: &str, status: &str, sent: &str, size: &str) -> String {
    format!(
        r#"{O} bkt [{time}] 192.0.2.3 {O} 3E57427F3EXAMPLE {op} {key} "GET /bkt/{key} HTTP/1.1" {status} - {sent} {size} 7 - "-" "S3Console/0.4" - hostid= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader bkt.s3.us-west-1.amazonaws.com TLSv1.2 - -"#
    )
}

#[test]
fn access_log_fixture_every_quirk() {
    let (format, got) = read_ok(&fixture("access/2019-02-06-00-00-38-EXAMPLE"), AUTO);
    assert_eq!(format, Format::S3AccessLog);
    let b = "awsexamplebucket1";
    let expected = [
        // The five sample records of the AWS page: bucket operations, skipped by name (one
        // failed with 404, still counted under its name since it is not an object request).
        "skip REST.GET.VERSIONING".to_string(),
        "skip REST.GET.LOGGING_STATUS".to_string(),
        "skip REST.GET.BUCKETPOLICY".to_string(),
        "skip REST.GET.VERSIONING".to_string(),
        format!("Put 1549411317s {b}/s3-dg.pdf by {O:?} size 4406583"),
        "-".to_string(),
        // A range GET (206): the bytes sent; a quoted user agent with spaces; an ARN requester.
        format!(
            "Get 1549411330s {b}/s3-dg.pdf by \"arn:aws:sts::123456789012:assumed-role/reader/i-0abc\" size 1048576"
        ),
        format!(
            "Copy 1549411331s {b}/backup/s3-dg.pdf by \"arn:aws:sts::123456789012:assumed-role/writer/i-0abc\" size 4406583"
        ),
        // The copy's source record: unquoted `-` Request-URI, bytes sent `-`: the object size.
        format!(
            "CopySource 1549411331s {b}/s3-dg.pdf by \"arn:aws:sts::123456789012:assumed-role/writer/i-0abc\" size 4406583"
        ),
        format!("MpuCreate 1549411380s {b}/big/video.mp4 by {O:?}"),
        format!("MpuPart 1549411381s {b}/big/video.mp4 by {O:?} size 8388608"),
        format!("MpuComplete 1549411385s {b}/big/video.mp4 by {O:?} size 8388608"),
        // Stops after the user agent (older logs); anonymous requester.
        format!("Get 1549411440s {b}/index.html by \"-\" size 2662"),
        // Extra trailing fields, one of them quoted with spaces.
        format!("Put 1549411441s {b}/logs/a.txt by {O:?} size 10"),
        // %20 and %2B decoded.
        format!("Get 1549411442s {b}/photos/2019/08/my puppy+1.jpg by {O:?} size 5000"),
        // 05/Feb/2019:16:04:03 -0800 is 06/Feb/2019:00:04:03 UTC.
        format!("Delete 1549411443s {b}/logs/a.txt by {O:?}"),
        "skip REST.GET.OBJECT 404".to_string(),
        format!("Head 1549411445s {b}/s3-dg.pdf by {O:?}"),
    ];
    assert_eq!(got, expected);
}

#[test]
fn access_log_bad_lines_name_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let t = "06/Feb/2019:00:00:38 +0000";
    let good = access(t, "REST.GET.OBJECT", "k", "200", "5", "5");
    let mut text = [
        good,
        format!("{O} bkt [{t}] 192.0.2.3 {O} ID REST.GET.OBJECT k \"GET /k\""),
        access(
            "06/Feb/2019:00:00:38",
            "REST.GET.OBJECT",
            "k",
            "200",
            "5",
            "5",
        ),
        access(
            "31/Apr/2019:00:00:38 +0000",
            "REST.GET.OBJECT",
            "k",
            "200",
            "5",
            "5",
        ),
        access(t, "REST.GET.OBJECT", "k", "2OO", "5", "5"),
        access(t, "REST.GET.OBJECT", "k", "200", "12k", "5"),
        access(t, "REST.PUT.OBJECT", "k", "200", "-", "-1"),
        access(t, "REST.GET.OBJECT", "-", "200", "5", "5"),
        access(t, "REST.GET.OBJECT", "%FF%FE", "200", "5", "5"),
        format!("{O} bkt [{t}] 192.0.2.3 {O} ID REST.GET.OBJECT k \"GET /k 200 - 5 5"),
        "   ".to_string(),
    ]
    .join("\n")
    .into_bytes();
    // Line 12: Latin-1, not UTF-8.
    let latin1 = access(t, "REST.GET.OBJECT", "cafe", "200", "5", "5").replace("cafe", "caf\u{1}");
    text.extend_from_slice(b"\n");
    text.extend(latin1.bytes().map(|c| if c == 1 { 0xE9 } else { c }));
    let p = write(dir.path(), "bad.log", &text);
    let (_, got) = read_ok(&p, AUTO);
    assert_eq!(
        got,
        [
            format!("Get 1549411238s bkt/k by {O:?} size 5"),
            "bad 2: 9 fields; an S3 access log line has at least 10 (through the HTTP status)".to_string(),
            "bad 3: bad time \"06/Feb/2019:00:00:38\" (expected [06/Feb/2019:00:00:38 +0000])".to_string(),
            "bad 4: bad time \"31/Apr/2019:00:00:38 +0000\" (expected [06/Feb/2019:00:00:38 +0000])".to_string(),
            "bad 5: bad HTTP status \"2OO\"".to_string(),
            "bad 6: bad bytes sent \"12k\"".to_string(),
            "bad 7: bad object size \"-1\"".to_string(),
            "bad 8: REST.GET.OBJECT without a key".to_string(),
            "bad 9: the key is not UTF-8 once URL-decoded".to_string(),
            "bad 10: a quoted field is not closed".to_string(),
            "-".to_string(),
            "bad 12: not UTF-8".to_string(),
        ]
    );
    // The bad line's text is kept, clipped and escaped.
    let mut lines = Vec::new();
    read_file(&p, AUTO, &mut |r| {
        if let Err(b) = r {
            lines.push(b)
        }
    })
    .unwrap();
    let line2 = format!("{O} bkt [{t}] 192.0.2.3 {O} ID REST.GET.OBJECT k \"GET /k\"");
    assert_eq!(lines[0].text, format!("{}…", &line2[..200]));
    assert_eq!(
        BadLine::new(3, "r", b"a\x1b[31mb\tc\xff").text,
        "a\\u{1b}[31mb\\tc\u{fffd}"
    );
    assert_eq!(lines[9].text.chars().count(), 201, "200 characters and …");
    assert!(lines[9].text.ends_with('…'));
}

#[test]
fn a_line_longer_than_the_cap_is_a_bad_line_and_reading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let t = "06/Feb/2019:00:00:38 +0000";
    let long = access(t, "REST.GET.OBJECT", &"k".repeat(70_000), "200", "5", "5");
    let text = [
        access(t, "REST.GET.OBJECT", "a", "200", "1", "1"),
        long,
        access(t, "REST.GET.OBJECT", "b", "200", "2", "2"),
    ]
    .join("\n");
    let p = write(dir.path(), "long.log", text.as_bytes());
    let (_, got) = read_ok(&p, AUTO);
    assert_eq!(
        got,
        [
            format!("Get 1549411238s bkt/a by {O:?} size 1"),
            "bad 2: longer than 64 KiB".to_string(),
            format!("Get 1549411238s bkt/b by {O:?} size 2"),
        ]
    );
}

#[test]
fn every_access_log_operation_and_its_size() {
    let t = "06/Feb/2019:00:00:38 +0000";
    let cases = [
        ("REST.PUT.OBJECT", "200", "-", "100", "Put", Some(100)),
        ("REST.POST.UPLOADS", "200", "363", "-", "MpuCreate", None),
        ("REST.PUT.PART", "200", "-", "200", "MpuPart", Some(200)),
        (
            "REST.POST.UPLOAD",
            "200",
            "326",
            "300",
            "MpuComplete",
            Some(300),
        ),
        ("REST.GET.OBJECT", "200", "400", "400", "Get", Some(400)),
        ("REST.GET.OBJECT", "206", "10", "400", "Get", Some(10)),
        ("REST.HEAD.OBJECT", "200", "-", "400", "Head", None),
        ("REST.COPY.OBJECT", "200", "234", "500", "Copy", Some(500)),
        (
            "REST.COPY.OBJECT_GET",
            "200",
            "-",
            "500",
            "CopySource",
            Some(500),
        ),
        ("REST.DELETE.OBJECT", "204", "-", "-", "Delete", None),
    ];
    for (op, status, sent, size, name, want) in cases {
        let line = access(t, op, "k", status, sent, size);
        let got = access_log::parse_line(1, line.as_bytes()).unwrap();
        let Parsed::Entry(e) = got else {
            panic!("{op}: {got:?}")
        };
        assert_eq!(
            (format!("{:?}", e.op), e.size),
            (name.to_string(), want),
            "{op}"
        );
        assert_eq!((e.time_ns, e.coarse), (1_549_411_238_000_000_000, true));
    }
    for (op, status, want) in [
        ("REST.GET.BUCKET", "200", "REST.GET.BUCKET"),
        ("BATCH.DELETE.OBJECT", "200", "BATCH.DELETE.OBJECT"),
        ("S3.EXPIRE.OBJECT", "200", "S3.EXPIRE.OBJECT"),
        ("WEBSITE.GET.OBJECT", "200", "WEBSITE.GET.OBJECT"),
        ("REST.GET.OBJECT", "404", "REST.GET.OBJECT 404"),
        ("REST.PUT.OBJECT", "403", "REST.PUT.OBJECT 403"),
        ("REST.GET.OBJECT", "304", "REST.GET.OBJECT 304"),
        ("REST.PUT.OBJECT", "503", "REST.PUT.OBJECT 503"),
    ] {
        let line = access(t, op, "k", status, "-", "-");
        assert_eq!(
            access_log::parse_line(1, line.as_bytes()),
            Ok(Parsed::Skipped(want.to_string()))
        );
    }
}

#[test]
fn gzip_is_recognised_by_its_bytes_and_reads_like_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let plain = fixture("access/2019-02-06-00-00-38-EXAMPLE");
    let gz = write(
        dir.path(),
        "no-extension",
        &gzip(&std::fs::read(&plain).unwrap()),
    );
    assert_eq!(read_ok(&gz, AUTO), read_ok(&plain, AUTO));
    // Two gzip members one after the other (as `cat a.gz b.gz` makes) read as one file.
    let a = access(
        "06/Feb/2019:00:00:38 +0000",
        "REST.GET.OBJECT",
        "a",
        "200",
        "1",
        "1",
    );
    let mut two = gzip(format!("{a}\n").as_bytes());
    two.extend(gzip(a.as_bytes()));
    let p = write(dir.path(), "two.gz", &two);
    assert_eq!(read_ok(&p, AUTO).1.len(), 2);
}

#[test]
fn truncated_or_invalid_gzip_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(fixture("access/2019-02-06-00-00-38-EXAMPLE")).unwrap();
    let gz = gzip(&text);
    let p = write(dir.path(), "cut.log.gz", &gz[..gz.len() / 2]);
    let msg = read_err(&p, AUTO);
    assert!(
        msg.starts_with(&format!("{}:", p.display()))
            && msg.contains(": invalid or truncated gzip data: "),
        "{msg}"
    );
    let p = write(
        dir.path(),
        "junk.gz",
        b"\x1f\x8b\x08\x00garbage that is not deflate",
    );
    let msg = read_err(&p, AUTO);
    assert!(msg.contains("invalid or truncated gzip data"), "{msg}");
}

#[test]
fn cloudtrail_records_document() {
    let dir = tempfile::tempdir().unwrap();
    let plain = fixture("cloudtrail/records.json");
    let (format, got) = read_ok(&plain, AUTO);
    assert_eq!(format, Format::CloudTrail);
    let b1 = "amzn-s3-demo-bucket1";
    assert_eq!(
        got,
        [
            format!(
                "Put 1549047600s {b1}/reports/2019/q1.csv by \"arn:aws:sts::111122223333:assumed-role/writer/session-1 ASIAEXAMPLEKEY1\" size 3462992"
            ),
            format!(
                "Get 1549047601.250000000 {b1}/reports/2019/q1.csv by \"arn:aws:iam::111122223333:user/alice AKIAEXAMPLEKEY2\" size 1024"
            ),
            format!(
                "Copy 1549047602s amzn-s3-demo-bucket2/copies/q1 final.csv by \"arn:aws:iam::111122223333:user/alice AKIAEXAMPLEKEY2\" from {b1}/reports/2019/q1 draft.csv"
            ),
            "skip GetObject AccessDenied".to_string(),
            "skip ListObjects".to_string(),
            "bad 6: no requestParameters.key".to_string(),
            "skip kms.amazonaws.com/Decrypt".to_string(),
            format!("Delete 1549047607s {b1}/reports/2019/q1.csv by \"-\""),
        ]
    );
    // As CloudTrail delivers it: gzip, on one line.
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&plain).unwrap()).unwrap();
    let gz = write(
        dir.path(),
        "111122223333_CloudTrail_us-west-2_20190201T1905Z_x.json.gz",
        &gzip(&serde_json::to_vec(&v).unwrap()),
    );
    assert_eq!(
        read_ok(&gz, FormatChoice::Only(Format::CloudTrail)),
        (format, got)
    );
}

#[test]
fn cloudtrail_json_lines() {
    let (format, got) = read_ok(&fixture("cloudtrail/events.jsonl"), AUTO);
    assert_eq!(format, Format::CloudTrail);
    let by = "by \"arn:aws:sts::111122223333:assumed-role/etl/job-7 ASIAEXAMPLEKEY3\"";
    assert_eq!(
        got,
        [
            format!("MpuCreate 1549047900s amzn-s3-demo-bucket1/big/video.mp4 {by}"),
            format!("MpuPart 1549047901s amzn-s3-demo-bucket1/big/video.mp4 {by} size 8388608"),
            "-".to_string(),
            format!("MpuComplete 1549047909s amzn-s3-demo-bucket1/big/video.mp4 {by}"),
            "bad 5: no requestParameters.key".to_string(),
            "bad 6: bad eventTime \"19:05:03\" (expected 2019-02-01T19:00:00Z)".to_string(),
            "bad 7: not a CloudTrail event: not a JSON object".to_string(),
        ]
    );
}

#[test]
fn cloudtrail_document_errors_are_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "a.json",
        b"{\"Records\": [{\"eventTime\": 1},\n {]}",
    );
    let msg = read_err(&p, AUTO);
    assert_eq!(
        msg,
        format!(
            "{}:2: not a valid CloudTrail document: key must be a string (column 3)",
            p.display()
        )
    );
    let p = write(dir.path(), "b.json", b"{\n  \"Other\": []\n}\n");
    assert_eq!(
        read_err(&p, AUTO),
        format!(
            "{}: a JSON document without a \"Records\" array: not a CloudTrail log file",
            p.display()
        )
    );
    // A record of the wrong type is a bad line, by its index.
    let p = write(
        dir.path(),
        "c.json",
        b"{\"Records\": [7, {\"eventTime\": 1}]}",
    );
    assert_eq!(
        read_ok(&p, AUTO).1,
        [
            "bad 1: not a CloudTrail event: not a JSON object",
            "bad 2: not a CloudTrail event: invalid type: integer `1`, expected a string",
        ]
    );
}

#[test]
fn csv_fixture() {
    let (format, got) = read_ok(&fixture("csv/requests.csv"), AUTO);
    assert_eq!(format, Format::Csv);
    let alice = "by \"arn:aws:iam::111122223333:user/alice\"";
    assert_eq!(
        got,
        [
            "-".to_string(),
            format!("Put 1795514400.250000000 amzn-s3-demo-bucket1/reports/q1, final.csv {alice} size 1048576"),
            format!("Get 1795514401s amzn-s3-demo-bucket1/reports/q1, final.csv {alice}"),
            "Head 1795514402s amzn-s3-demo-bucket1/logo.png by \"\"".to_string(),
            "Copy 1795514402.500000000 amzn-s3-demo-bucket2/backup/logo.png by \"svc\" size 2048 from amzn-s3-demo-bucket1/logo.png".to_string(),
            "-".to_string(),
            "MpuCreate 1795514403s b/big.bin by \"svc\"".to_string(),
            "MpuPart 1795514403s b/big.bin by \"svc\" size 8388608".to_string(),
            "MpuComplete 1795514404s b/big.bin by \"svc\"".to_string(),
            "Delete 1795514405s b/big.bin by \"svc\"".to_string(),
            "bad 11: unknown op \"list\" (one of put, get, head, delete, copy, mpu-create, mpu-part, mpu-complete)".to_string(),
            "bad 12: bad size \"12x\" (bytes, or empty)".to_string(),
            "bad 13: bad time \"yesterday\" (expected RFC 3339 such as 2026-11-24T10:00:00.250Z, or Unix seconds)".to_string(),
            "bad 14: 5 fields; the header has 7".to_string(),
        ]
    );
}

#[test]
fn csv_header_must_be_exact() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "h.csv",
        b"\ntime,op,bucket,key,size\n1,get,b,k,1\n",
    );
    assert_eq!(
        read_err(&p, AUTO),
        format!(
            "{}:2: a CSV log's header is time,op,bucket,key,requester,size (and optionally ,copy_source), not \"time,op,bucket,key,size\"",
            p.display()
        )
    );
}

#[test]
fn files_keep_their_order_even_when_unsorted() {
    let dir = tempfile::tempdir().unwrap();
    let line = |t: &str, k: &str| access(t, "REST.GET.OBJECT", k, "200", "1", "1");
    let text = [
        line("06/Feb/2019:00:00:40 +0000", "c"),
        line("06/Feb/2019:00:00:38 +0000", "a"),
        line("06/Feb/2019:00:00:39 +0000", "b"),
    ]
    .join("\n");
    let p = write(dir.path(), "u.log", text.as_bytes());
    let keys: Vec<String> = read_ok(&p, AUTO)
        .1
        .iter()
        .map(|s| s[..18].to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "Get 1549411240s bk",
            "Get 1549411238s bk",
            "Get 1549411239s bk"
        ]
    );
}

#[test]
fn a_file_of_another_format_is_refused_with_a_hint() {
    let csv = fixture("csv/requests.csv");
    assert_eq!(
        read_err(&csv, FormatChoice::Only(Format::S3AccessLog)),
        format!(
            "{}: not a s3-access-log file: it looks like csv (line 1 starts with \"time,op,bucket,key,requester,size,copy_s…\"); use --format csv or --format auto",
            csv.display()
        )
    );
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "notes.txt",
        b"\n\nDear diary,\ttoday I replayed a log\n",
    );
    assert_eq!(
        read_err(&p, AUTO),
        format!(
            "{}: not a log bksim reads (S3 access log, CloudTrail, CSV): line 3 starts with \"Dear diary,\\ttoday I replayed a log\"",
            p.display()
        )
    );
    assert_eq!(
        read_err(&p, FormatChoice::Only(Format::Csv)),
        format!(
            "{}: not a csv file: line 3 starts with \"Dear diary,\\ttoday I replayed a log\" (a CSV log starts with the header time,op,bucket,key,requester,size)",
            p.display()
        )
    );
    let p = write(dir.path(), "blob.log.gz", &gzip(b"\x00\x01\x02\xff binary"));
    assert_eq!(
        read_err(&p, AUTO),
        format!(
            "{}: not a log bksim reads (S3 access log, CloudTrail, CSV): line 1 is not text (binary data, or not UTF-8)",
            p.display()
        )
    );
    let missing = dir.path().join("nope.log");
    assert_eq!(
        read_err(&missing, AUTO),
        format!(
            "{}: cannot open: no such file or directory",
            missing.display()
        )
    );
    // Empty: nothing to replay, not an error.
    let p = write(dir.path(), "empty.log", b"\n\n");
    assert_eq!(read_ok(&p, AUTO), (Format::S3AccessLog, vec![]));
}

#[test]
fn directory_walk_order_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in [
        "logs/b/2.log",
        "logs/a.log",
        "logs/.hidden",
        "logs/.git/x",
        "logs/b/1.gz",
        "logs/c/d/0",
    ] {
        write(d, name, b"x");
    }
    let single = write(d, "z.csv", b"x");
    let got = list_files(&[single, d.join("logs")]).unwrap();
    let rel: Vec<String> = got
        .iter()
        .map(|p| p.strip_prefix(d).unwrap().display().to_string())
        .collect();
    assert_eq!(
        rel,
        [
            "z.csv",
            "logs/a.log",
            "logs/b/1.gz",
            "logs/b/2.log",
            "logs/c/d/0"
        ]
    );
    std::fs::create_dir_all(d.join("empty/sub")).unwrap();
    write(d, "empty/.only-hidden", b"x");
    let e = list_files(&[d.join("empty")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: a directory with no log file in it",
            d.join("empty").display()
        )
    );
    let e = list_files(&[d.join("missing")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: no such file or directory", d.join("missing").display())
    );
    let fifo = d.join("pipe");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    let e = list_files(std::slice::from_ref(&fifo)).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: a FIFO, not a log file or a directory", fifo.display())
    );
    // A FIFO inside a directory is passed over.
    std::fs::rename(&fifo, d.join("logs/c/pipe")).unwrap();
    assert_eq!(
        list_files(&[d.join("logs/c")]).unwrap(),
        [d.join("logs/c/d/0")]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// No bytes make a parser panic, as a whole file (with each format forced or detected) or
    /// as a single line.
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), prefix in 0usize..5) {
        let starts: [&[u8]; 5] = [b"", b"{\"Records\":[", b"time,op,bucket,key,requester,size\n", b"o b [06/Feb/2019:00:00:38 +0000] ", b"\x1f\x8b"];
        let mut data = starts[prefix].to_vec();
        data.extend_from_slice(&bytes);
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "f", &data);
        for choice in [AUTO, FormatChoice::Only(Format::S3AccessLog), FormatChoice::Only(Format::CloudTrail), FormatChoice::Only(Format::Csv)] {
            let _ = read_file(&p, choice, &mut |_| {});
        }
        let _ = access_log::parse_line(1, &data);
        let _ = bksim::replay::parse::cloudtrail::parse_line(1, &data);
    }
}

/// The access-log parser's speed: `cargo test --release --test it replay_parse::throughput --
/// --ignored --nocapture` prints lines per second (parse only, and through `read_file` from a
/// file). Ignored by default: it measures, it does not assert.
#[test]
#[ignore]
fn throughput() {
    let n = 1_000_000u64;
    let line = access(
        "06/Feb/2019:00:00:38 +0000",
        "REST.GET.OBJECT",
        "photos/2019/08/puppy%201.jpg",
        "200",
        "2662",
        "2662",
    );
    let start = std::time::Instant::now();
    let mut ok = 0u64;
    for i in 0..n {
        if let Ok(Parsed::Entry(e)) = access_log::parse_line(i, line.as_bytes()) {
            ok += e.size.unwrap_or(0) & 1;
        }
    }
    let s = start.elapsed().as_secs_f64();
    println!("parse_line: {:.2} M lines/s ({ok})", n as f64 / s / 1e6);
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{line}\n").repeat(n as usize);
    let p = write(dir.path(), "big.log", text.as_bytes());
    let start = std::time::Instant::now();
    let mut count = 0u64;
    read_file(&p, AUTO, &mut |r| count += u64::from(r.is_ok())).unwrap();
    let s = start.elapsed().as_secs_f64();
    println!(
        "read_file: {:.2} M lines/s ({count} lines, {} bytes each)",
        n as f64 / s / 1e6,
        line.len() + 1
    );
    let gz = write(dir.path(), "big.log.gz", &gzip(text.as_bytes()));
    let start = std::time::Instant::now();
    read_file(&gz, AUTO, &mut |_| {}).unwrap();
    let s = start.elapsed().as_secs_f64();
    println!("read_file (gzip): {:.2} M lines/s", n as f64 / s / 1e6);
}
