//! Putting a trace in time order in bounded memory: records are collected in runs of at most
//! [`RUN_RECORDS`], each sorted and (when there is more than one) spilled to a temporary file;
//! the runs are merged (at most [`MAX_FANIN`] at a time), and the requests of each second
//! that the log gives to the second only are spread evenly over it. The result is a
//! [`Store`]: in memory when it fits one run, else one temporary file read sequentially by
//! every variant.

use super::record::{REC_BYTES, Rec};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Records sorted in memory at once (64 MiB of records).
pub const RUN_RECORDS: usize = 1 << 20;
/// Runs merged at once (open files).
pub const MAX_FANIN: usize = 64;
/// Most requests of one second replay spreads (they are held in memory together).
pub const MAX_PER_SECOND: usize = 1 << 20;

const NANOS: i64 = 1_000_000_000;

/// Why ordering failed: the disk (temporary files), or a second with too many requests.
#[derive(Debug)]
pub enum OrderError {
    Io(io::Error),
    /// More than [`MAX_PER_SECOND`] requests in the second starting at this Unix time (ns).
    Crowded {
        second: i64,
    },
}

impl From<io::Error> for OrderError {
    fn from(e: io::Error) -> Self {
        OrderError::Io(e)
    }
}

/// Collects records and sorts them.
pub struct Sorter {
    run: Vec<Rec>,
    spill: Option<tempfile::TempDir>,
    runs: Vec<PathBuf>,
    total: u64,
}

impl Default for Sorter {
    fn default() -> Self {
        Self::new()
    }
}

impl Sorter {
    pub fn new() -> Sorter {
        Sorter {
            run: Vec::new(),
            spill: None,
            runs: Vec::new(),
            total: 0,
        }
    }

    pub fn push(&mut self, r: Rec) -> Result<(), OrderError> {
        self.run.push(r);
        self.total += 1;
        if self.run.len() >= RUN_RECORDS {
            self.spill_run()?;
        }
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    fn dir(&mut self) -> Result<PathBuf, OrderError> {
        if self.spill.is_none() {
            self.spill = Some(tempfile::Builder::new().prefix("bksim-replay-").tempdir()?);
        }
        Ok(self
            .spill
            .as_ref()
            .expect("created above")
            .path()
            .to_path_buf())
    }

    fn new_file(&mut self) -> Result<(PathBuf, BufWriter<File>), OrderError> {
        let path = self.dir()?.join(format!("run-{}.bin", self.runs.len()));
        let f = File::create(&path)?;
        Ok((path, BufWriter::with_capacity(1 << 16, f)))
    }

    fn spill_run(&mut self) -> Result<(), OrderError> {
        let mut run = std::mem::take(&mut self.run);
        run.sort_unstable_by_key(Rec::key);
        let (path, mut w) = self.new_file()?;
        write_all(&mut w, run.iter().copied())?;
        w.flush()?;
        self.runs.push(path);
        Ok(())
    }

    /// Sorts everything collected, spreads coarse seconds, and stores the result.
    pub fn finish(mut self) -> Result<Store, OrderError> {
        if self.runs.is_empty() {
            let mut run = std::mem::take(&mut self.run);
            run.sort_unstable_by_key(Rec::key);
            let mut out = Vec::with_capacity(run.len());
            spread(run.into_iter().map(Ok), |r| {
                out.push(r);
                Ok(())
            })?;
            return Ok(Store::Memory(Arc::new(out)));
        }
        if !self.run.is_empty() {
            self.spill_run()?;
        }
        // Merge down to at most MAX_FANIN runs, then merge and spread into the final file.
        while self.runs.len() > MAX_FANIN {
            let group: Vec<PathBuf> = self.runs.drain(..MAX_FANIN).collect();
            let (path, mut w) = self.new_file_named(&format!("merge-{}.bin", self.runs.len()))?;
            merge(&group, |r| write_one(&mut w, &r).map_err(OrderError::Io))?;
            w.flush()?;
            for p in &group {
                std::fs::remove_file(p)?;
            }
            self.runs.push(path);
        }
        let (path, mut w) = self.new_file_named("trace.bin")?;
        let runs = std::mem::take(&mut self.runs);
        let mut count = 0u64;
        spread(Merger::new(&runs)?, |r| {
            count += 1;
            write_one(&mut w, &r).map_err(OrderError::Io)
        })?;
        w.flush()?;
        for p in &runs {
            std::fs::remove_file(p)?;
        }
        Ok(Store::File {
            _dir: Arc::new(self.spill.take().expect("runs were spilled")),
            path,
            count,
        })
    }

    fn new_file_named(&mut self, name: &str) -> Result<(PathBuf, BufWriter<File>), OrderError> {
        let path = self.dir()?.join(name);
        let f = File::create(&path)?;
        Ok((path, BufWriter::with_capacity(1 << 16, f)))
    }
}

fn second_of(t: i64) -> i64 {
    t.div_euclid(NANOS)
}

fn write_one(w: &mut impl Write, r: &Rec) -> io::Result<()> {
    let mut b = [0u8; REC_BYTES];
    r.encode(&mut b);
    w.write_all(&b)
}

fn write_all(w: &mut impl Write, rs: impl Iterator<Item = Rec>) -> io::Result<()> {
    for r in rs {
        write_one(w, &r)?;
    }
    Ok(())
}

/// Reads encoded records one at a time.
pub struct RecReader<R: Read> {
    r: R,
}

impl<R: Read> RecReader<R> {
    pub fn new(r: R) -> Self {
        RecReader { r }
    }

    /// The next record, None at the end; a short or undecodable record is an error.
    pub fn next_rec(&mut self) -> io::Result<Option<Rec>> {
        let mut b = [0u8; REC_BYTES];
        let mut got = 0;
        while got < REC_BYTES {
            let n = self.r.read(&mut b[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        match got {
            0 => Ok(None),
            REC_BYTES => Rec::decode(&b)
                .map(Some)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "corrupt replay record")),
            _ => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "truncated replay record",
            )),
        }
    }
}

fn open(path: &PathBuf) -> io::Result<RecReader<BufReader<File>>> {
    Ok(RecReader::new(BufReader::with_capacity(
        1 << 16,
        File::open(path)?,
    )))
}

/// Merges sorted run files into one ordered sequence (ties: the earlier run first). The heap
/// holds each run's next sort key; the record itself waits in `heads`.
struct Merger {
    readers: Vec<RecReader<BufReader<File>>>,
    heads: Vec<Option<Rec>>,
    heap: BinaryHeap<Reverse<((i64, u64), usize)>>,
}

impl Merger {
    fn new(runs: &[PathBuf]) -> Result<Merger, OrderError> {
        let readers = runs.iter().map(open).collect::<io::Result<Vec<_>>>()?;
        let mut m = Merger {
            heads: vec![None; readers.len()],
            readers,
            heap: BinaryHeap::new(),
        };
        for i in 0..m.readers.len() {
            m.refill(i)?;
        }
        Ok(m)
    }

    /// Reads run `i`'s next record into its head.
    fn refill(&mut self, i: usize) -> Result<(), OrderError> {
        if let Some(rec) = self.readers[i].next_rec()? {
            self.heap.push(Reverse((rec.key(), i)));
            self.heads[i] = Some(rec);
        }
        Ok(())
    }

    fn next_rec(&mut self) -> Result<Option<Rec>, OrderError> {
        let Some(Reverse((_, i))) = self.heap.pop() else {
            return Ok(None);
        };
        let rec = self.heads[i].take();
        self.refill(i)?;
        Ok(rec)
    }
}

impl Iterator for Merger {
    type Item = Result<Rec, OrderError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_rec().transpose()
    }
}

fn merge(
    runs: &[PathBuf],
    mut out: impl FnMut(Rec) -> Result<(), OrderError>,
) -> Result<(), OrderError> {
    for r in Merger::new(runs)? {
        out(r?)?;
    }
    Ok(())
}

/// Takes records in (time, seq) order and passes them on in the order they are offered:
/// within each second, the `n` coarse records (all at the second's start) get the times
/// `(2i + 1)/(2n)` of the way through it, in log order; records with exact times keep theirs.
fn spread(
    recs: impl Iterator<Item = Result<Rec, OrderError>>,
    mut out: impl FnMut(Rec) -> Result<(), OrderError>,
) -> Result<(), OrderError> {
    let mut group: Vec<Rec> = Vec::new();
    let mut second = i64::MIN;
    let mut flush = |group: &mut Vec<Rec>, second: i64| -> Result<(), OrderError> {
        let n = group.iter().filter(|r| r.coarse).count() as i128;
        if n > 0 {
            for (i, r) in group.iter_mut().filter(|r| r.coarse).enumerate() {
                let i = i as i128;
                r.t = second * NANOS + ((2 * i + 1) * NANOS as i128 / (2 * n)) as i64;
            }
            // Exact records before the first spread one stay first; sort by the new times
            // (stable: ties keep log order).
            group.sort_by_key(Rec::key);
        }
        for r in group.drain(..) {
            out(r)?;
        }
        Ok(())
    };
    for r in recs {
        let r = r?;
        let s = second_of(r.t);
        if s != second {
            flush(&mut group, second)?;
            second = s;
        }
        if group.len() >= MAX_PER_SECOND {
            return Err(OrderError::Crowded {
                second: second * NANOS,
            });
        }
        group.push(r);
    }
    flush(&mut group, second)
}

/// A trace in offer order.
#[derive(Debug, Clone)]
pub enum Store {
    Memory(Arc<Vec<Rec>>),
    File {
        /// Keeps the temporary directory while any copy of the store lives.
        _dir: Arc<tempfile::TempDir>,
        path: PathBuf,
        count: u64,
    },
}

impl Store {
    pub fn len(&self) -> u64 {
        match self {
            Store::Memory(v) => v.len() as u64,
            Store::File { count, .. } => *count,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A reader from the first record.
    pub fn reader(&self) -> StoreReader {
        match self {
            Store::Memory(v) => StoreReader::Memory {
                recs: v.clone(),
                pos: 0,
            },
            Store::File { path, .. } => match open(path) {
                Ok(r) => StoreReader::File(r),
                Err(e) => StoreReader::Failed(format!(
                    "reading the ordered trace {}: {e}",
                    path.display()
                )),
            },
        }
    }
}

/// Reads a [`Store`] in order. An I/O error ends the sequence and is kept in [`StoreReader::error`].
pub enum StoreReader {
    Memory { recs: Arc<Vec<Rec>>, pos: usize },
    File(RecReader<BufReader<File>>),
    Failed(String),
}

impl StoreReader {
    #[inline]
    pub fn next_rec(&mut self) -> Option<Rec> {
        match self {
            StoreReader::Memory { recs, pos } => {
                let r = recs.get(*pos).copied();
                *pos += 1;
                r
            }
            StoreReader::File(f) => match f.next_rec() {
                Ok(r) => r,
                Err(e) => {
                    *self = StoreReader::Failed(format!("reading the ordered trace: {e}"));
                    None
                }
            },
            StoreReader::Failed(_) => None,
        }
    }

    /// What went wrong, if reading failed.
    pub fn error(&self) -> Option<&str> {
        match self {
            StoreReader::Failed(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::entry::LogOp;
    use crate::replay::record::{NO_SIZE, NO_SOURCE};

    fn rec(t: i64, seq: u64, coarse: bool) -> Rec {
        Rec {
            t,
            seq,
            obj: seq as u128 + 1,
            src: NO_SOURCE,
            size: NO_SIZE,
            session: 0,
            bucket: 0,
            src_bucket: 0,
            op: LogOp::Get,
            coarse,
        }
    }

    fn all(store: &Store) -> Vec<Rec> {
        let mut r = store.reader();
        let mut out = Vec::new();
        while let Some(x) = r.next_rec() {
            out.push(x);
        }
        assert_eq!(r.error(), None);
        out
    }

    #[test]
    fn coarse_seconds_are_spread_evenly_in_log_order() {
        let mut s = Sorter::new();
        // Second 10: four coarse records pushed out of order; one exact record at 10.3 s.
        for (t, seq) in [(10, 3), (10, 0), (11, 4), (10, 2), (10, 1)] {
            s.push(rec(t * NANOS, seq, true)).unwrap();
        }
        s.push(rec(10 * NANOS + 300_000_000, 9, false)).unwrap();
        let out = all(&s.finish().unwrap());
        let got: Vec<(i64, u64)> = out.iter().map(|r| (r.t, r.seq)).collect();
        assert_eq!(
            got,
            vec![
                (10_125_000_000, 0),
                (10_300_000_000, 9),
                (10_375_000_000, 1),
                (10_625_000_000, 2),
                (10_875_000_000, 3),
                (11_500_000_000, 4),
            ]
        );
    }

    #[test]
    fn negative_times_spread_within_their_own_second() {
        let mut s = Sorter::new();
        s.push(rec(-NANOS, 0, true)).unwrap();
        s.push(rec(-NANOS, 1, true)).unwrap();
        let out = all(&s.finish().unwrap());
        assert_eq!(out[0].t, -750_000_000);
        assert_eq!(out[1].t, -250_000_000);
    }

    #[test]
    fn spilled_runs_merge_to_the_same_order_as_memory() {
        // More than one run: records in reverse time order, several per second.
        let n = RUN_RECORDS as u64 * 2 + 17;
        let mut big = Sorter::new();
        for i in 0..n {
            big.push(rec(((n - i) / 3) as i64 * NANOS, i, true))
                .unwrap();
        }
        let store = big.finish().unwrap();
        assert!(matches!(store, Store::File { .. }));
        assert_eq!(store.len(), n);
        let mut r = store.reader();
        let mut prev = i64::MIN;
        let mut count = 0;
        while let Some(x) = r.next_rec() {
            assert!(x.t >= prev, "out of order at {count}");
            prev = x.t;
            count += 1;
        }
        assert_eq!(count, n);
        assert_eq!(r.error(), None);
    }
}
