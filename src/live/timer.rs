//! One timer thread for the whole harness: tasks due at an instant wait in a binary heap
//! (earliest first, FIFO among equal deadlines) and are handed to the worker threads' queue
//! when due. KMS and S3 latencies, backoffs and arrivals are all timers: no thread sleeps per
//! call. How late each task was handed over (the timer's lag) is recorded.

use super::clock::Clock;
use crate::engine::time::Nanos;
use crossbeam::channel::Sender;
use hdrhistogram::Histogram;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The timer thread asks the kernel for this timer slack (Linux's default is 50 µs): its
/// sleeps then end within a few microseconds of the deadline, without spinning.
const TIMER_SLACK_NS: u64 = 1_000;

struct Entry<T> {
    at: Nanos,
    seq: u64,
    task: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

struct State<T> {
    heap: BinaryHeap<Reverse<Entry<T>>>,
    seq: u64,
    stopped: bool,
}

/// The timer: schedule from any thread; [`Timer::run`] on its own thread.
pub struct Timer<T> {
    state: Mutex<State<T>>,
    wake: Condvar,
}

/// How late the timer handed tasks over, in microseconds.
pub struct TimerLag {
    pub lag_us: Histogram<u64>,
}

impl<T> Default for Timer<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Timer<T> {
    pub fn new() -> Self {
        Timer {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                seq: 0,
                stopped: false,
            }),
            wake: Condvar::new(),
        }
    }

    /// Hands `task` to the workers at `at` (clock nanoseconds).
    pub fn schedule(&self, at: Nanos, task: T) {
        let mut s = super::lock(&self.state);
        s.seq += 1;
        let seq = s.seq;
        let earliest = s.heap.peek().is_none_or(|Reverse(e)| at < e.at);
        s.heap.push(Reverse(Entry { at, seq, task }));
        drop(s);
        if earliest {
            self.wake.notify_one();
        }
    }

    /// Stops [`Timer::run`]; tasks still waiting are returned by it.
    pub fn stop(&self) {
        super::lock(&self.state).stopped = true;
        self.wake.notify_one();
    }

    /// Hands every task to `out` when due until stopped; returns the lag histogram and the
    /// tasks that were still waiting.
    pub fn run(&self, clock: &Clock, out: &Sender<T>) -> (TimerLag, Vec<T>) {
        set_timer_slack();
        let mut lag = crate::metrics::results::new_latency_histogram();
        let mut s = super::lock(&self.state);
        loop {
            if s.stopped {
                let rest = std::mem::take(&mut s.heap)
                    .into_sorted_vec()
                    .into_iter()
                    .rev()
                    .map(|Reverse(e)| e.task)
                    .collect();
                return (TimerLag { lag_us: lag }, rest);
            }
            let now = clock.now();
            match s.heap.peek().map(|Reverse(e)| e.at) {
                Some(at) if at <= now => {
                    let Some(Reverse(e)) = s.heap.pop() else {
                        continue;
                    };
                    lag.saturating_record(((now - e.at) / 1_000).max(1));
                    // A closed channel means the workers are gone: nothing left to do.
                    if out.send(e.task).is_err() {
                        s.stopped = true;
                    }
                }
                Some(at) => {
                    let wait = Duration::from_nanos(at - now);
                    s = self
                        .wake
                        .wait_timeout(s, wait)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                None => {
                    s = self
                        .wake
                        .wait_timeout(s, Duration::from_millis(50))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }
}

/// Narrows this thread's timer slack (Linux); elsewhere sleeps keep their default precision.
fn set_timer_slack() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK takes an integer and changes only this thread's slack.
    unsafe {
        libc::prctl(
            libc::PR_SET_TIMERSLACK,
            TIMER_SLACK_NS as libc::c_ulong,
            0,
            0,
            0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_tasks_over_in_deadline_order_fifo_among_equals() {
        let clock = Clock::start();
        let timer = Timer::new();
        let (tx, rx) = crossbeam::channel::unbounded();
        let t0 = clock.now();
        for (at, v) in [
            (3_000_000, 'c'),
            (1_000_000, 'a'),
            (1_000_000, 'b'),
            (2_000_000, 'x'),
        ] {
            timer.schedule(t0 + at, v);
        }
        timer.schedule(t0 + 60_000_000_000, 'z');
        let got: Vec<char> = std::thread::scope(|s| {
            let h = s.spawn(|| timer.run(&clock, &tx));
            let got = (0..4).map(|_| rx.recv().unwrap()).collect();
            timer.stop();
            let (lag, rest) = h.join().unwrap();
            assert_eq!(rest, vec!['z']);
            assert_eq!(lag.lag_us.len(), 4);
            got
        });
        assert_eq!(got, vec!['a', 'b', 'x', 'c']);
    }
}
