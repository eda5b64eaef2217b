//! CloudTrail log files for one variant's KMS events, written as the events happen (they come
//! in time order), so memory stays bounded whatever the run's length: one open gzip file per
//! Region. Files follow CloudTrail's layout and names
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html>):
//! `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 characters>.json.gz`,
//! the time being the end of the delivery interval the records fall in.
//!
//! A sample keeps each event with probability `sample` (decided by a hash of the seed and the
//! event's number, so the same run keeps the same events); at most `limit` records are written,
//! after which the trail stops and says when. Both are recorded in the manifest.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;

use super::record::KmsEvent;
use crate::engine::rng::{mix64, stable_hash};

/// The manifest in a CloudTrail output directory: what was written, sampled and left out.
pub const MANIFEST_FILE: &str = "bksim-cloudtrail.json";
/// Seconds of records per file: CloudTrail delivers about every 5 minutes (an assumption: AWS
/// documents no fixed interval; aws-facts §5 quotes up to about 15 minutes of delay).
pub const DELIVERY_INTERVAL_SECS: i64 = 300;
/// Most records in one file (a busy interval is split over several files, as CloudTrail does).
pub const RECORDS_PER_FILE: u64 = 100_000;
/// Records written per variant unless `--cloudtrail-limit` says otherwise: about 100 MB of
/// gzip files.
pub const DEFAULT_LIMIT: u64 = 1_000_000;

/// Sampling and limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrailOptions {
    /// Share of events kept, in (0, 1].
    pub sample: f64,
    /// Most records written.
    pub limit: u64,
}

impl Default for TrailOptions {
    fn default() -> Self {
        TrailOptions {
            sample: 1.0,
            limit: DEFAULT_LIMIT,
        }
    }
}

/// What one variant's trail holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrailStats {
    /// KMS events of the run (all of them, sampled or not).
    pub events: u64,
    /// Records written.
    pub records: u64,
    /// Of those, throttled calls (`errorCode` ThrottlingException).
    pub throttled_records: u64,
    pub files: u64,
    /// When the limit stopped the trail (RFC 3339), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<String>,
}

struct OpenFile {
    region: String,
    interval: i64,
    part: u32,
    records: u64,
    gz: GzEncoder<BufWriter<File>>,
}

/// Writes one variant's events under `root`.
pub struct TrailWriter {
    root: PathBuf,
    account: String,
    seed: u64,
    limit: u64,
    /// Keep an event when its hash is below this (`None`: keep every event).
    threshold: Option<u64>,
    open: Vec<OpenFile>,
    stats: TrailStats,
    error: Option<io::Error>,
}

impl TrailWriter {
    pub fn new(root: &Path, account: &str, seed: u64, opts: TrailOptions) -> TrailWriter {
        let threshold = (opts.sample < 1.0).then_some((opts.sample * u64::MAX as f64) as u64);
        TrailWriter {
            root: root.to_path_buf(),
            account: account.to_string(),
            seed,
            limit: opts.limit,
            threshold,
            open: Vec::new(),
            stats: TrailStats::default(),
            error: None,
        }
    }

    /// Records `e` (events must come in time order).
    pub fn record(&mut self, e: &KmsEvent) {
        self.stats.events += 1;
        if self.error.is_some() || self.stats.stopped_at.is_some() {
            return;
        }
        if let Some(t) = self.threshold
            && mix64(self.seed ^ mix64(e.seq ^ 0x7c3a_91d2_0b5e_64f1)) >= t
        {
            return;
        }
        if self.stats.records >= self.limit {
            self.stats.stopped_at = Some(crate::replay::civil::rfc3339(e.at_unix_ns));
            return;
        }
        if let Err(err) = self.write(e) {
            self.error = Some(err);
            return;
        }
        self.stats.records += 1;
        if e.throttled {
            self.stats.throttled_records += 1;
        }
    }

    fn write(&mut self, e: &KmsEvent) -> io::Result<()> {
        let interval = e.at_unix_ns.div_euclid(1_000_000_000) / DELIVERY_INTERVAL_SECS;
        let i = match self.open.iter().position(|f| f.region == e.region) {
            Some(i) => i,
            None => {
                let f = self.create(e.region, interval, 0)?;
                self.open.push(f);
                self.open.len() - 1
            }
        };
        let f = &self.open[i];
        if f.interval != interval || f.records >= RECORDS_PER_FILE {
            let part = if f.interval == interval {
                f.part + 1
            } else {
                0
            };
            let next = self.create(e.region, interval, part)?;
            let old = std::mem::replace(&mut self.open[i], next);
            finish(old)?;
        }
        let f = &mut self.open[i];
        if f.records > 0 {
            f.gz.write_all(b",\n")?;
        }
        f.gz.write_all(e.to_json(self.seed).as_bytes())?;
        f.records += 1;
        Ok(())
    }

    fn create(&mut self, region: &str, interval: i64, part: u32) -> io::Result<OpenFile> {
        let delivered = (interval + 1) * DELIVERY_INTERVAL_SECS;
        let (y, mo, d, h, mi, _) = crate::replay::civil::civil(delivered);
        let dir = self
            .root
            .join("AWSLogs")
            .join(&self.account)
            .join("CloudTrail")
            .join(region)
            .join(format!("{y:04}"))
            .join(format!("{mo:02}"))
            .join(format!("{d:02}"));
        std::fs::create_dir_all(&dir)?;
        let unique = unique_string(stable_hash(&[
            &self.seed.to_le_bytes(),
            region.as_bytes(),
            &interval.to_le_bytes(),
            &part.to_le_bytes(),
        ]));
        let name = format!(
            "{}_CloudTrail_{region}_{y:04}{mo:02}{d:02}T{h:02}{mi:02}Z_{unique}.json.gz",
            self.account
        );
        let mut gz = GzEncoder::new(
            BufWriter::new(File::create(dir.join(name))?),
            Compression::fast(),
        );
        gz.write_all(b"{\"Records\":[\n")?;
        self.stats.files += 1;
        Ok(OpenFile {
            region: region.to_string(),
            interval,
            part,
            records: 0,
            gz,
        })
    }

    /// Closes every file; the trail's figures, or the first error met while writing.
    pub fn finish(mut self) -> io::Result<TrailStats> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        for f in self.open.drain(..) {
            finish(f)?;
        }
        Ok(self.stats)
    }
}

fn finish(f: OpenFile) -> io::Result<()> {
    let mut gz = f.gz;
    gz.write_all(b"\n]}\n")?;
    gz.finish()?.flush()
}

/// 16 letters and digits from a hash (CloudTrail's `UniqueString`, which has no meaning).
fn unique_string(mut h: u64) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..16)
        .map(|i| {
            if i % 8 == 0 {
                h = mix64(h.wrapping_add(i));
            }
            let c = ALPHABET[(h % 62) as usize] as char;
            h /= 62;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudtrail::record::{Caller, ObjectName};
    use crate::metrics::collector::{Context, KmsOpKind};
    use std::io::Read;

    fn event(seq: u64, at_s: i64, region: &'static str) -> KmsEvent<'static> {
        KmsEvent {
            at_unix_ns: at_s * 1_000_000_000,
            op: KmsOpKind::GenerateDataKey,
            context: Context::ObjectArn,
            caller: Caller::S3,
            region,
            account: "111122223333",
            principal: "arn:aws:sts::111122223333:assumed-role/w/session-0",
            key_arn: "arn:aws:kms:us-east-1:111122223333:key/k",
            bucket: "b",
            object: ObjectName::Id(seq),
            throttled: seq.is_multiple_of(3),
            denied: false,
            seq,
        }
    }

    /// Every file under `dir` (sorted paths) with its records.
    fn read_all(dir: &Path) -> Vec<(String, Vec<serde_json::Value>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let mut s = String::new();
                    flate2::read::GzDecoder::new(File::open(&p).unwrap())
                        .read_to_string(&mut s)
                        .unwrap();
                    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
                    let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                    out.push((rel, v["Records"].as_array().unwrap().clone()));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn files_per_region_and_interval_named_as_cloudtrail_names_them() {
        let d = tempfile::tempdir().unwrap();
        let mut w = TrailWriter::new(d.path(), "111122223333", 5, TrailOptions::default());
        // 2026-01-01T00:00:00Z is 1767225600.
        let t0 = 1_767_225_600;
        for (seq, (at, region)) in [
            (t0, "us-east-1"),
            (t0 + 10, "eu-west-1"),
            (t0 + 299, "us-east-1"),
            (t0 + 300, "us-east-1"),
        ]
        .into_iter()
        .enumerate()
        {
            w.record(&event(seq as u64, at, region));
        }
        let s = w.finish().unwrap();
        assert_eq!(
            (s.events, s.records, s.files, s.throttled_records),
            (4, 4, 3, 2)
        );
        let files = read_all(d.path());
        let names: Vec<(&str, usize)> = files.iter().map(|(n, r)| (n.as_str(), r.len())).collect();
        assert_eq!(names.len(), 3);
        assert!(names[0].0.starts_with(
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/01/01/111122223333_CloudTrail_eu-west-1_20260101T0005Z_"
        ), "{names:?}");
        assert!(names[0].0.ends_with(".json.gz"));
        assert_eq!(names[0].1, 1);
        assert!(
            names[1].0.contains("_us-east-1_20260101T0005Z_"),
            "{names:?}"
        );
        assert_eq!(names[1].1, 2);
        assert!(
            names[2].0.contains("_us-east-1_20260101T0010Z_"),
            "{names:?}"
        );
        // The unique string is 16 letters and digits.
        let unique = names[2]
            .0
            .rsplit('_')
            .next()
            .unwrap()
            .trim_end_matches(".json.gz");
        assert_eq!(unique.len(), 16);
        assert!(unique.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn a_sample_keeps_the_same_events_and_a_limit_stops_the_trail() {
        let run = |opts: TrailOptions| {
            let d = tempfile::tempdir().unwrap();
            let mut w = TrailWriter::new(d.path(), "111122223333", 5, opts);
            for seq in 0..10_000 {
                w.record(&event(seq, 1_767_225_600 + seq as i64 / 100, "us-east-1"));
            }
            let s = w.finish().unwrap();
            let ids: Vec<String> = read_all(d.path())
                .into_iter()
                .flat_map(|(_, r)| r)
                .map(|r| r["eventID"].as_str().unwrap().to_string())
                .collect();
            (s, ids)
        };
        let (s, ids) = run(TrailOptions {
            sample: 0.1,
            limit: u64::MAX,
        });
        assert_eq!(s.events, 10_000);
        assert_eq!(s.records as usize, ids.len());
        // Binomial(10000, 0.1): 1000 ± 5 standard deviations (30).
        assert!((850..=1150).contains(&s.records), "{}", s.records);
        assert_eq!(
            run(TrailOptions {
                sample: 0.1,
                limit: u64::MAX
            })
            .1,
            ids
        );
        let (s, ids) = run(TrailOptions {
            sample: 1.0,
            limit: 250,
        });
        assert_eq!((s.records, ids.len()), (250, 250));
        // Event 250 is at second 2 after the start.
        assert_eq!(s.stopped_at.as_deref(), Some("2026-01-01T00:00:02Z"));
    }

    #[test]
    fn an_unwritable_directory_is_an_error_at_the_end() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("f");
        std::fs::write(&file, b"").unwrap();
        let mut w = TrailWriter::new(&file, "1", 1, TrailOptions::default());
        w.record(&event(0, 0, "us-east-1"));
        assert!(w.finish().is_err());
    }
}
