//! S3 server access log lines and files, as
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html> documents them: 26
//! space-delimited fields (bucket owner, bucket, [time], remote IP, requester, request ID,
//! operation, key, "Request-URI", HTTP status, error code, bytes sent, object size, total
//! time, turn-around time, "referer", "user-agent", version ID, host ID, signature version,
//! cipher suite, authentication type, host header, TLS version, access point ARN, ACL
//! required), `-` for an empty value. Files are named `TargetPrefixYYYY-mm-DD-HH-MM-SS-UniqueString`
//! (the simple key format, <https://docs.aws.amazon.com/AmazonS3/latest/API/API_SimplePrefix.html>),
//! one series per source bucket with the target prefix `<bucket>-`; lines within a file are
//! roughly but not strictly in time order, and consecutive files overlap a little in time.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::events::{Event, EventKind, Requester};
use super::{GenOptions, GenSummary, bucket_name, civil, url_encode};
use crate::engine::rng::{Stream, mix64};

/// The number of fields of a line.
pub const FIELDS: usize = 26;

/// Which line of a request: copies are logged twice, in the destination bucket's log
/// (`REST.COPY.OBJECT`) and in the source bucket's (`REST.COPY.OBJECT_GET`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Main,
    CopySource,
}

/// The lines `ev` makes.
pub fn sides(ev: &Event) -> &'static [Side] {
    if ev.kind == EventKind::Copy {
        &[Side::Main, Side::CopySource]
    } else {
        &[Side::Main]
    }
}

/// The log's `operation` field.
pub fn operation(ev: &Event, side: Side) -> &'static str {
    match (ev.kind, side) {
        (EventKind::Copy, Side::CopySource) => "REST.COPY.OBJECT_GET",
        (EventKind::Copy, _) => "REST.COPY.OBJECT",
        (EventKind::Put, _) => "REST.PUT.OBJECT",
        (EventKind::Get | EventKind::RangeGet, _) => "REST.GET.OBJECT",
        (EventKind::Head, _) => "REST.HEAD.OBJECT",
        (EventKind::MpuCreate, _) => "REST.POST.UPLOADS",
        (EventKind::MpuPart, _) => "REST.PUT.PART",
        (EventKind::MpuComplete, _) => "REST.POST.UPLOAD",
        (EventKind::Delete, _) => "REST.DELETE.OBJECT",
        (EventKind::List, _) => "REST.GET.BUCKET",
    }
}

/// A multipart upload's id as S3 writes it (URL-safe characters).
pub fn upload_id(u: u64) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
    let mut s = String::with_capacity(64);
    let mut h = 0;
    for i in 0..64u64 {
        if i % 10 == 0 {
            h = mix64(u ^ mix64(i));
        }
        s.push(A[(h & 63) as usize] as char);
        h >>= 6;
    }
    s
}

/// The 76-character base64 host id (`x-amz-id-2`) of request `id`.
pub fn host_id(id: u64, out: &mut Vec<u8>) {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut h = 0;
    for i in 0..75u64 {
        if i % 10 == 0 {
            h = mix64(id ^ mix64(i));
        }
        out.push(A[(h & 63) as usize]);
        h >>= 6;
    }
    out.push(b'=');
}

/// The identities and constants lines refer to.
pub struct Context {
    pub requesters: Vec<Requester>,
    /// The bucket owner's canonical user id.
    pub owner: String,
}

impl Context {
    pub fn new(opts: &GenOptions) -> Context {
        Context {
            requesters: (0..opts.requesters)
                .map(|i| Requester::new(opts.seed, i))
                .collect(),
            owner: format!(
                "{:016x}{:016x}{:016x}{:016x}",
                mix64(opts.seed ^ 1),
                mix64(opts.seed ^ 2),
                mix64(opts.seed ^ 3),
                mix64(opts.seed ^ 4)
            ),
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn dash_or(out: &mut Vec<u8>, v: u64) {
    if v == 0 {
        out.push(b'-');
    } else {
        num(out, v);
    }
}

fn push(out: &mut Vec<u8>, parts: &[&str]) {
    for p in parts {
        out.extend_from_slice(p.as_bytes());
    }
}

/// Decimal digits of `v` (`write!` is several times slower).
fn num(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn num_pad2(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&[b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]);
}

fn hex16(out: &mut Vec<u8>, v: u64) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for i in (0..16).rev() {
        out.push(HEX[((v >> (i * 4)) & 15) as usize]);
    }
}

/// Appends the line (with its newline) of `side` of `ev` to `out`.
pub fn format_line(ctx: &Context, ev: &Event, side: Side, out: &mut Vec<u8>) {
    let req = &ctx.requesters[ev.requester];
    let dest = bucket_name(ev.bucket);
    let (bucket, key) = match (side, &ev.copy_source) {
        (Side::CopySource, Some((b, k))) => (bucket_name(*b), k.as_str()),
        _ => (dest, ev.key.as_str()),
    };
    let (y, mo, d, h, mi, s) = civil(ev.time_ms.div_euclid(1000));
    push(out, &[&ctx.owner, " ", bucket, " ["]);
    num_pad2(out, d);
    push(out, &["/", MONTHS[(mo - 1) as usize], "/"]);
    num(out, y as u64);
    for v in [h, mi, s] {
        out.push(b':');
        num_pad2(out, v);
    }
    push(out, &[" +0000] ", &req.ip, " ", &req.arn, " "]);
    hex16(out, ev.id);
    push(out, &[" ", operation(ev, side), " "]);
    if key.is_empty() {
        out.push(b'-');
    } else {
        url_encode(key, out);
    }
    // Request-URI: virtual-hosted style, or path style for a bucket with dots (its name does
    // not match the wildcard TLS certificate).
    let path_style = dest.contains('.');
    let method = match ev.kind {
        EventKind::Put | EventKind::MpuPart | EventKind::Copy => "PUT",
        EventKind::Get | EventKind::RangeGet | EventKind::List => "GET",
        EventKind::Head => "HEAD",
        EventKind::MpuCreate | EventKind::MpuComplete => "POST",
        EventKind::Delete => "DELETE",
    };
    let _ = write!(out, " \"{method} /");
    if path_style {
        let _ = write!(out, "{dest}/");
    }
    match ev.kind {
        EventKind::List => {
            out.extend_from_slice(b"?list-type=2&prefix=img%2Fproducts%2F&encoding-type=url")
        }
        _ => url_encode(&ev.key, out),
    }
    match ev.kind {
        EventKind::MpuCreate => out.extend_from_slice(b"?uploads"),
        EventKind::MpuPart => {
            let _ = write!(
                out,
                "?partNumber={}&uploadId={}",
                ev.part,
                upload_id(ev.upload_id)
            );
        }
        EventKind::MpuComplete => {
            let _ = write!(out, "?uploadId={}", upload_id(ev.upload_id));
        }
        _ => {}
    }
    out.extend_from_slice(b" HTTP/1.1\" ");
    num(out, u64::from(ev.status));
    push(out, &[" ", ev.error.unwrap_or("-"), " "]);
    let (sent, object_size) = match (ev.kind, side) {
        (_, Side::CopySource) => (0, ev.size),
        (EventKind::MpuPart, _) => (0, ev.bytes_in),
        (EventKind::MpuComplete, _) => (310, ev.size),
        _ => (ev.bytes_out, ev.size),
    };
    dash_or(out, sent);
    out.push(b' ');
    dash_or(out, object_size);
    out.push(b' ');
    num(out, u64::from(ev.total_ms));
    out.push(b' ');
    num(out, u64::from(ev.turnaround_ms));
    push(out, &[" \"-\" \"", req.user_agent, "\" - "]);
    host_id(ev.id, out);
    let cipher = if ev.id & 3 == 0 {
        "TLS_AES_128_GCM_SHA256 AuthHeader"
    } else {
        "ECDHE-RSA-AES128-GCM-SHA256 AuthHeader"
    };
    let tls = if ev.id & 3 == 0 { "TLSv1.3" } else { "TLSv1.2" };
    out.extend_from_slice(b" SigV4 ");
    out.extend_from_slice(cipher.as_bytes());
    out.push(b' ');
    if !path_style {
        push(out, &[dest, "."]);
    }
    push(
        out,
        &["s3.", super::REGION, ".amazonaws.com ", tls, " - -\n"],
    );
}

/// Lines waiting in a file's reorder window: written in a random order once it is full.
const WINDOW: usize = 8;

/// A file being written, plain or gzip: shared with the CloudTrail writer.
pub(super) enum Sink {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
}

impl Sink {
    pub(super) fn create(path: &Path, gzip: bool) -> io::Result<Sink> {
        let file = BufWriter::with_capacity(1 << 16, File::create(path)?);
        Ok(if gzip {
            Sink::Gzip(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::new(6),
            ))
        } else {
            Sink::Plain(file)
        })
    }

    pub(super) fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Plain(w) => w,
            Sink::Gzip(g) => g,
        }
    }

    /// Flushes it; whether it was compressed.
    pub(super) fn finish(self) -> io::Result<bool> {
        match self {
            Sink::Plain(mut w) => w.flush().map(|_| false),
            Sink::Gzip(g) => g.finish()?.flush().map(|_| true),
        }
    }
}

struct OpenFile {
    tmp: PathBuf,
    sink: Sink,
    window: Vec<Vec<u8>>,
    last_ms: i64,
    bucket: usize,
}

impl OpenFile {
    fn create(dir: &Path, bucket: usize, n: usize, gzip: bool) -> io::Result<OpenFile> {
        let tmp = dir.join(format!(".gen-{bucket}-{n}.tmp"));
        let sink = Sink::create(&tmp, gzip)?;
        Ok(OpenFile {
            tmp,
            sink,
            window: Vec::with_capacity(WINDOW),
            last_ms: i64::MIN,
            bucket,
        })
    }

    fn write(
        &mut self,
        line: Vec<u8>,
        t: i64,
        rng: &mut Stream,
        spare: &mut Vec<Vec<u8>>,
    ) -> io::Result<()> {
        self.last_ms = self.last_ms.max(t);
        self.window.push(line);
        if self.window.len() >= WINDOW {
            let i = rng.below(self.window.len() as u64) as usize;
            let l = self.window.swap_remove(i);
            self.sink.writer().write_all(&l)?;
            spare.push(l);
        }
        Ok(())
    }

    /// Writes what is left and renames the file after its delivery time (a few minutes
    /// after its last line) and a unique string.
    fn close(mut self, dir: &Path, rng: &mut Stream) -> io::Result<PathBuf> {
        while !self.window.is_empty() {
            let i = rng.below(self.window.len() as u64) as usize;
            let l = self.window.swap_remove(i);
            self.sink.writer().write_all(&l)?;
        }
        let gz = self.sink.finish()?;
        let delivered = self.last_ms.div_euclid(1000) + 60 + rng.below(540) as i64;
        let (y, mo, d, h, mi, s) = civil(delivered);
        let name = format!(
            "{}-{y:04}-{mo:02}-{d:02}-{h:02}-{mi:02}-{s:02}-{:016X}{}",
            bucket_name(self.bucket),
            rng.next_u64(),
            if gz { ".gz" } else { "" }
        );
        std::fs::rename(&self.tmp, dir.join(&name))?;
        Ok(PathBuf::from(name))
    }
}

/// Per bucket: the file being written and, just after a rotation, the previous one, which
/// still gets some lines (files overlap in time).
struct Series {
    chunk: usize,
    current: Option<OpenFile>,
    previous: Option<OpenFile>,
}

/// Writes the access-log files of `opts` into `dir`.
pub fn write_files(opts: &GenOptions, dir: &Path) -> io::Result<GenSummary> {
    let ctx = Context::new(opts);
    let mut rng = Stream::new(opts.seed, "replay-generate-files");
    let mut series: Vec<Series> = (0..opts.buckets)
        .map(|_| Series {
            chunk: 0,
            current: None,
            previous: None,
        })
        .collect();
    let mut summary = GenSummary {
        first_ms: i64::MAX,
        last_ms: i64::MIN,
        ..GenSummary::default()
    };
    let start_ms = opts.start_unix_s * 1000;
    let chunk_ms = (opts.span_ms / opts.files as u64).max(1) as i64;
    let overlap_ms = (chunk_ms / 30).max(1);
    let mut opened = 0usize;
    let mut spare: Vec<Vec<u8>> = Vec::new();
    for ev in super::Events::new(opts) {
        for &side in sides(&ev) {
            let b = match (side, &ev.copy_source) {
                (Side::CopySource, Some((b, _))) => *b,
                _ => ev.bucket,
            };
            let mut line = spare.pop().unwrap_or_default();
            line.clear();
            format_line(&ctx, &ev, side, &mut line);
            *summary
                .by_operation
                .entry(operation(&ev, side).to_string())
                .or_insert(0) += 1;
            summary.records += 1;
            summary.first_ms = summary.first_ms.min(ev.time_ms);
            summary.last_ms = summary.last_ms.max(ev.time_ms);

            let chunk = (((ev.time_ms - start_ms) / chunk_ms) as usize).min(opts.files - 1);
            let s = &mut series[b];
            if s.current.is_none() || chunk > s.chunk {
                if let Some(prev) = s.previous.take() {
                    summary.files.push(prev.close(dir, &mut rng)?);
                }
                s.previous = s.current.take();
                // Alternate compression within each bucket's series and across buckets.
                let gzip = opts.gzip_file(chunk + b);
                s.current = Some(OpenFile::create(dir, b, opened, gzip)?);
                opened += 1;
                s.chunk = chunk;
            }
            let since = ev.time_ms - start_ms - s.chunk as i64 * chunk_ms;
            if s.previous.is_some() && since >= overlap_ms {
                if let Some(prev) = s.previous.take() {
                    summary.files.push(prev.close(dir, &mut rng)?);
                }
            }
            let target = match &mut s.previous {
                Some(p) if rng.uniform() < 0.25 => p,
                _ => s.current.as_mut().expect("opened above"),
            };
            target.write(line, ev.time_ms, &mut rng, &mut spare)?;
        }
    }
    for s in series {
        for f in [s.previous, s.current].into_iter().flatten() {
            summary.files.push(f.close(dir, &mut rng)?);
        }
    }
    if summary.records == 0 {
        summary.first_ms = 0;
        summary.last_ms = 0;
    }
    Ok(summary)
}
