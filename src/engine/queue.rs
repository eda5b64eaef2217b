//! The event queue: a min-queue on (time, insertion sequence), so events at the same
//! simulated nanosecond come out in the order they were scheduled (FIFO tie-break) and a run
//! is a pure function of its inputs.
//!
//! It is a timing wheel over integer nanoseconds. Time is cut into ticks of 2^[`TICK_SHIFT`]
//! ns; the events of the current tick wait sorted, those of the next
//! [`SLOTS`]` - 1` ticks wait unsorted in one list per tick, and those further ahead in a
//! binary heap. A slot is sorted only when the clock reaches its tick, so scheduling an event
//! costs a push and popping one costs a small sort shared by the tick's few events, instead of
//! a sift through a heap of every pending event. Every event is ordered by the 128-bit key
//! `(time << 64) | sequence`, and keys are unique, so the pop order is exactly that of a
//! binary heap on the same keys: results do not depend on the structure.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::time::Nanos;

/// log2 of a tick's length: 131 µs.
const TICK_SHIFT: u32 = 17;
/// Ticks the wheel holds, the current one included: 268 ms ahead, longer than most KMS and S3
/// latencies, so most events never touch the heap.
const SLOTS: usize = 2048;
const MASK: u64 = SLOTS as u64 - 1;
const WORDS: usize = SLOTS / 64;

struct Entry<E> {
    /// `(time << 64) | sequence`: one integer comparison orders by time, then FIFO.
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn tick(&self) -> u64 {
        ((self.key >> 64) as u64) >> TICK_SHIFT
    }
}

/// An entry of the far heap: `BinaryHeap` is a max-heap, so the order is reversed.
struct Far<E>(Entry<E>);

impl<E> PartialEq for Far<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0.key == other.0.key
    }
}
impl<E> Eq for Far<E> {}
impl<E> PartialOrd for Far<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Far<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.key.cmp(&self.0.key)
    }
}

/// An event waiting in a wheel slot: its slot's events are a list through `next`. The key is
/// kept as its two halves, so a node is 8-byte aligned (32 bytes for the simulation's events,
/// where a `u128` would align it to 16 and pad it to 48).
#[derive(Clone, Copy)]
struct Node<E> {
    time: u64,
    seq: u64,
    event: E,
    next: u32,
}

/// The end of a slot's list, and of the free list.
const NIL: u32 = u32::MAX;

/// Pending events in simulated-time order with FIFO ties.
pub struct EventQueue<E> {
    /// The current tick's events, ascending by key: the next pop is the front.
    current: VecDeque<Entry<E>>,
    /// The current tick: that of the event popped last (0 before the first pop).
    tick: u64,
    /// `heads[t & MASK]` starts the list of tick `t`'s events in `nodes`, for
    /// `tick < t < tick + SLOTS`.
    heads: Vec<u32>,
    /// The wheel's events, in one buffer whose freed nodes are reused first (the most
    /// recently freed, still in cache), so its size follows the events pending, not the slots.
    nodes: Vec<Node<E>>,
    free: u32,
    /// Bit `s` set when the list `heads[s]` is not empty.
    occupied: [u64; WORDS],
    /// Events of ticks from `tick + SLOTS` on.
    far: BinaryHeap<Far<E>>,
    len: usize,
    seq: u64,
    now: Nanos,
    popped: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            current: VecDeque::new(),
            tick: 0,
            heads: vec![NIL; SLOTS],
            nodes: Vec::new(),
            free: NIL,
            occupied: [0; WORDS],
            far: BinaryHeap::new(),
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
        let key = ((at as u128) << 64) | self.seq as u128;
        self.seq += 1;
        self.len += 1;
        let e = Entry { key, event };
        let t = e.tick();
        if t == self.tick {
            // The newest sequence number: usually the last of the tick, or near it.
            let pos = self.current.partition_point(|x| x.key < key);
            self.current.insert(pos, e);
        } else if t - self.tick < SLOTS as u64 {
            self.put(e, t);
        } else {
            self.far.push(Far(e));
        }
    }

    #[inline]
    fn put(&mut self, e: Entry<E>, t: u64) {
        let s = (t & MASK) as usize;
        let node = Node {
            time: (e.key >> 64) as u64,
            seq: e.key as u64,
            event: e.event,
            next: self.heads[s],
        };
        let i = if self.free == NIL {
            self.nodes.push(node);
            (self.nodes.len() - 1) as u32
        } else {
            let i = self.free;
            self.free = self.nodes[i as usize].next;
            self.nodes[i as usize] = node;
            i
        };
        self.heads[s] = i;
        self.occupied[s >> 6] |= 1 << (s & 63);
    }

    /// Removes and returns the earliest event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        if self.current.is_empty() {
            if self.len == 0 {
                return None;
            }
            self.advance();
        }
        let e = self.current.pop_front()?;
        self.len -= 1;
        self.now = (e.key >> 64) as Nanos;
        self.popped += 1;
        Some((self.now, e.event))
    }

    /// Moves the clock to the next tick with events (the current one is empty, some event is
    /// pending) and sorts that tick's events.
    fn advance(&mut self) {
        let next = match self.next_occupied() {
            Some(t) => t,
            // The wheel is empty: the earliest far event's tick.
            None => match self.far.peek() {
                Some(f) => f.0.tick(),
                None => return,
            },
        };
        self.tick = next;
        let s = (next & MASK) as usize;
        self.occupied[s >> 6] &= !(1 << (s & 63));
        let mut i = std::mem::replace(&mut self.heads[s], NIL);
        while i != NIL {
            let n = self.nodes[i as usize];
            self.current.push_back(Entry {
                key: ((n.time as u128) << 64) | n.seq as u128,
                event: n.event,
            });
            self.nodes[i as usize].next = self.free;
            self.free = i;
            i = n.next;
        }
        // Far events now within the wheel move into it.
        while let Some(f) = self.far.peek() {
            let t = f.0.tick();
            if t - next >= SLOTS as u64 {
                break;
            }
            let Some(Far(e)) = self.far.pop() else { break };
            if t == next {
                self.current.push_back(e);
            } else {
                self.put(e, t);
            }
        }
        self.current
            .make_contiguous()
            .sort_unstable_by_key(|e| e.key);
    }

    /// The first tick after the current one whose slot holds events.
    fn next_occupied(&self) -> Option<u64> {
        let start = ((self.tick + 1) & MASK) as usize;
        let (w0, b0) = (start >> 6, start & 63);
        for i in 0..=WORDS {
            let w = (w0 + i) % WORDS;
            let bits = match i {
                // The start word from the start bit, and at the end its bits below it.
                0 => self.occupied[w] & (!0u64 << b0),
                WORDS => self.occupied[w] & (1u64 << b0).wrapping_sub(1),
                _ => self.occupied[w],
            };
            if bits != 0 {
                let s = (w << 6) + bits.trailing_zeros() as usize;
                return Some(self.tick + 1 + ((s + SLOTS - start) % SLOTS) as u64);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICK_NANOS: Nanos = 1 << TICK_SHIFT;

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
                // Offsets within the tick (few distinct ones, so many events share a
                // nanosecond), across the wheel and its wrap-around, on tick boundaries, and
                // beyond the wheel into the far heap.
                let wheel = TICK_NANOS * SLOTS as Nanos;
                let at = q.now()
                    + match next() % 5 {
                        0 | 1 => next() % 8 * 1_000,
                        2 => next() % wheel,
                        3 => (next() % 8) * TICK_NANOS,
                        _ => wheel - TICK_NANOS + next() % (4 * wheel),
                    };
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
        // What is left comes out in sorted order too.
        pending.sort_unstable();
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, pending);
        assert!(q.is_empty());
    }

    use proptest::prelude::*;

    /// An operation on the queue: schedule at `now + offset`, or pop.
    fn op() -> impl Strategy<Value = Option<Nanos>> {
        let wheel = TICK_NANOS * SLOTS as Nanos;
        prop_oneof![
            2 => Just(None),
            1 => (0..4u64).prop_map(|k| Some(k * 1_000)),
            1 => (0..TICK_NANOS).prop_map(Some),
            1 => (0..wheel).prop_map(Some),
            1 => (0..8u64).prop_map(|k| Some(k * TICK_NANOS)),
            1 => (wheel - 2 * TICK_NANOS..3 * wheel).prop_map(Some),
            1 => (0..u64::MAX / 4).prop_map(Some),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Any interleaving of schedules and pops, then a drain, pops exactly what a sorted
        /// set of (time, sequence) gives.
        #[test]
        fn any_interleaving_pops_in_time_then_sequence_order(
            ops in prop::collection::vec(op(), 0..400),
        ) {
            let mut q = EventQueue::new();
            let mut reference = std::collections::BTreeSet::new();
            let mut seq = 0u64;
            for o in ops {
                match o {
                    Some(offset) => {
                        let at = q.now().saturating_add(offset);
                        q.schedule(at, seq);
                        reference.insert((at, seq));
                        seq += 1;
                    }
                    None => prop_assert_eq!(q.pop(), reference.pop_first()),
                }
                prop_assert_eq!(q.len(), reference.len());
            }
            while let Some(expected) = reference.pop_first() {
                prop_assert_eq!(q.pop(), Some(expected));
            }
            prop_assert_eq!(q.pop(), None);
        }
    }
}
