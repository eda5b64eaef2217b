//! The event queue: a min-queue on (time, insertion sequence), so events at the same
//! simulated nanosecond come out in the order they were scheduled (FIFO tie-break) and a run
//! is a pure function of its inputs.
//!
//! It is a radix heap over the 128-bit key `(time << 64) | sequence`. That works because the
//! keys popped never decrease (an event is never scheduled before now, and a later sequence
//! number breaks ties), and it suits a discrete-event simulation: an entry sits in the bucket
//! of the highest bit in which its key differs from the last key popped, and moves only to
//! lower buckets, so a pop scans one small bucket instead of sifting through a heap of every
//! pending event. Keys are unique, so the pop order is fully determined by the keys: exactly
//! the order of a binary heap on the same keys.

use super::time::Nanos;

struct Entry<E> {
    /// `(time << 64) | sequence`: one integer comparison orders by time, then FIFO.
    key: u128,
    event: E,
}

/// Bucket `b` holds the keys whose highest bit differing from the last key popped is bit
/// `b` (bucket 0 also the key equal to it: only the very first key, 0, can be).
const BUCKETS: usize = 128;

/// The bucket of `key` relative to `last`; `key >= last`.
#[inline]
fn bucket(key: u128, last: u128) -> usize {
    (BUCKETS - 1) - ((key ^ last).leading_zeros() as usize).min(BUCKETS - 1)
}

/// Pending events in simulated-time order with FIFO ties.
pub struct EventQueue<E> {
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit `i` set when `buckets[i]` is not empty.
    occupied: u128,
    /// The key popped last (0 before the first pop).
    last: u128,
    len: usize,
    seq: u64,
    now: Nanos,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: 0,
            last: 0,
            len: 0,
            seq: 0,
            now: 0,
            popped: 0,
        }
    }

    /// The time of the event popped last (0 before the first).
    #[inline]
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Events popped so far.
    pub fn events_processed(&self) -> u64 {
        self.popped
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Schedules `event` at `at`. Scheduling in the past is a model bug; it is clamped to now
    /// so time never runs backwards.
    #[inline]
    pub fn schedule(&mut self, at: Nanos, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        let at = at.max(self.now);
        // The sequence number only grows, so the key is above every key popped so far.
        let key = ((at as u128) << 64) | self.seq as u128;
        self.seq += 1;
        let b = bucket(key, self.last);
        self.buckets[b].push(Entry { key, event });
        self.occupied |= 1u128 << b;
        self.len += 1;
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        if self.occupied == 0 {
            return None;
        }
        // Every key in the lowest occupied bucket is below every key in the higher ones.
        let b = self.occupied.trailing_zeros() as usize;
        let mut entries = std::mem::take(&mut self.buckets[b]);
        let mut min = 0;
        for (i, e) in entries.iter().enumerate().skip(1) {
            if e.key < entries[min].key {
                min = i;
            }
        }
        let e = entries.swap_remove(min);
        self.last = e.key;
        self.occupied &= !(1u128 << b);
        // The others differ from the new last key below bit `b`: they move to lower buckets.
        for r in entries.drain(..) {
            let to = bucket(r.key, self.last);
            self.buckets[to].push(r);
            self.occupied |= 1u128 << to;
        }
        // Keep the emptied bucket's allocation (bucket 0 may have refilled itself).
        let refilled = std::mem::replace(&mut self.buckets[b], entries);
        self.buckets[b].extend(refilled);
        self.len -= 1;
        self.now = (e.key >> 64) as Nanos;
        self.popped += 1;
        Some((self.now, e.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_with_fifo_ties() {
        let mut q = EventQueue::new();
        q.schedule(30, "c");
        q.schedule(10, "a1");
        q.schedule(20, "b");
        q.schedule(10, "a2");
        q.schedule(10, "a3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![(10, "a1"), (10, "a2"), (10, "a3"), (20, "b"), (30, "c")]
        );
        assert_eq!(q.now(), 30);
        assert_eq!(q.events_processed(), 5);
    }

    #[test]
    fn events_scheduled_at_now_run_after_earlier_ones_at_now() {
        let mut q = EventQueue::new();
        q.schedule(5, 1);
        q.schedule(5, 2);
        assert_eq!(q.pop(), Some((5, 1)));
        q.schedule(5, 3);
        assert_eq!(q.pop(), Some((5, 2)));
        assert_eq!(q.pop(), Some((5, 3)));
        assert_eq!(q.pop(), None);
    }

    /// Interleaved schedules and pops (deep heaps, many equal times) against a reference
    /// that sorts by (time, scheduling order): the pop order must be exactly that.
    #[test]
    fn matches_a_sorted_reference_on_interleaved_schedules_and_pops() {
        let mut q = EventQueue::new();
        // The reference: pending (time, sequence) pairs; the minimum is the next pop.
        let mut pending: Vec<(Nanos, u64)> = Vec::new();
        let mut seq = 0u64;
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut popped = 0;
        for step in 0..6_000 {
            // Grow the heap for the first half, then drain it, with pops throughout.
            let pushes = if step < 3_000 { 2 } else { next() % 2 };
            for _ in 0..pushes {
                // Few distinct offsets, so many events share a nanosecond.
                let at = q.now() + next() % 8 * 1_000;
                q.schedule(at, seq);
                pending.push((at, seq));
                seq += 1;
            }
            let expected = pending.iter().copied().min();
            let got = q.pop();
            match expected {
                Some((t, s)) => {
                    pending.retain(|&p| p != (t, s));
                    assert_eq!(got, Some((t, s)), "pop {popped}");
                    popped += 1;
                }
                None => assert_eq!(got, None),
            }
            assert_eq!(q.len(), pending.len());
        }
        assert!(popped > 4_000, "the test drained only {popped} events");
    }
}
