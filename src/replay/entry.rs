//! One request read from a log, whatever its format: the interface between the log parsers
//! ([`super::parse`]) and the replay ([`super::trace`]).

use std::fmt;

/// A log format bksim reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// S3 server access logs: space-delimited, quoted fields, bracketed times.
    S3AccessLog,
    /// CloudTrail data events: `{"Records": [...]}` files or JSON Lines exports.
    CloudTrail,
    /// `time,op,bucket,key,requester,size` with a header line.
    Csv,
}

impl Format {
    /// Every format, in the order detection tries them.
    pub const ALL: [Format; 3] = [Format::S3AccessLog, Format::CloudTrail, Format::Csv];

    /// The name used on the command line and in scenario files.
    pub const fn name(self) -> &'static str {
        match self {
            Format::S3AccessLog => "s3-access-log",
            Format::CloudTrail => "cloudtrail",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `--format`: one format for every file, or detected per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatChoice {
    Auto,
    Only(Format),
}

impl FormatChoice {
    /// The name of [`FormatChoice::Auto`].
    pub const AUTO: &'static str = "auto";

    /// Parses `auto` or a format's name.
    pub fn from_name(name: &str) -> Option<FormatChoice> {
        if name == Self::AUTO {
            return Some(FormatChoice::Auto);
        }
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .map(FormatChoice::Only)
    }

    /// `auto` or the format's name.
    pub fn name(self) -> &'static str {
        match self {
            FormatChoice::Auto => Self::AUTO,
            FormatChoice::Only(f) => f.name(),
        }
    }
}

/// The S3 operation of a logged request, as far as encryption is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogOp {
    /// PutObject (`REST.PUT.OBJECT`): a write.
    Put,
    /// CreateMultipartUpload (`REST.POST.UPLOADS`): chooses the upload's data key.
    MpuCreate,
    /// UploadPart (`REST.PUT.PART`).
    MpuPart,
    /// CompleteMultipartUpload (`REST.POST.UPLOAD`): the object exists from here on.
    MpuComplete,
    /// GetObject (`REST.GET.OBJECT`), whole or a range.
    Get,
    /// HeadObject (`REST.HEAD.OBJECT`): no KMS call.
    Head,
    /// CopyObject, destination side (`REST.COPY.OBJECT`): a write of `key`, and a read of
    /// `copy_source` when the log names it.
    Copy,
    /// The source side of a copy as S3 access logs record it (`REST.COPY.OBJECT_GET`, in the
    /// source bucket's log): a read of `key`.
    CopySource,
    /// DeleteObject (`REST.DELETE.OBJECT`): no KMS call; the object is gone afterwards.
    Delete,
}

impl LogOp {
    /// Every operation, in a fixed order (summaries list them in it).
    pub const ALL: [LogOp; 9] = [
        LogOp::Put,
        LogOp::MpuCreate,
        LogOp::MpuPart,
        LogOp::MpuComplete,
        LogOp::Get,
        LogOp::Head,
        LogOp::Copy,
        LogOp::CopySource,
        LogOp::Delete,
    ];

    /// Its position in [`LogOp::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The operation's S3 API name.
    pub const fn api_name(self) -> &'static str {
        match self {
            LogOp::Put => "PutObject",
            LogOp::MpuCreate => "CreateMultipartUpload",
            LogOp::MpuPart => "UploadPart",
            LogOp::MpuComplete => "CompleteMultipartUpload",
            LogOp::Get => "GetObject",
            LogOp::Head => "HeadObject",
            LogOp::Copy => "CopyObject",
            LogOp::CopySource => "CopyObject (source)",
            LogOp::Delete => "DeleteObject",
        }
    }
}

/// One logged request that replay offers to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// When the request was received: nanoseconds since the Unix epoch, UTC.
    pub time_ns: i64,
    /// The log gives the time to the second only (S3 access logs, CloudTrail): replay
    /// spreads the requests of one second evenly over it.
    pub coarse: bool,
    pub op: LogOp,
    /// The bucket's name as S3 knows it (may contain dots).
    pub bucket: String,
    /// The object key, URL-decoded where the format encodes it.
    pub key: String,
    /// Who sent it: the requester field (access logs), the ARN and access key id (CloudTrail),
    /// the `requester` column (CSV). `-` or empty: anonymous.
    pub requester: String,
    /// Bytes of the object (PUT, part, copy) or bytes sent (GET, range GET), when logged.
    pub size: Option<u64>,
    /// A copy's source (bucket, key), when the log names it (CloudTrail `x-amz-copy-source`).
    pub copy_source: Option<(String, String)>,
}

/// What a parser made of one line (or one CloudTrail record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Entry(LogEntry),
    /// A well-formed record of an operation replay does not model (`REST.GET.BUCKET`,
    /// `ListObjects`, ...), by its name in the log; counted, not replayed.
    Skipped(String),
    /// A blank line, a comment or the CSV header: not counted.
    Nothing,
}
