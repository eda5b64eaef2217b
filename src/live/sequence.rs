//! Workloads that stop, start after one another and read what another wrote, in the live
//! harness (the simulation's `sequence.rs` semantics): each workload's budget (`requests`),
//! when it started and who follows it (`after`), and the objects a put workload wrote that a
//! get workload reads by position (`read_from` naming it). One lock: these change at request
//! rate, a few operations each.

use super::store::StoredObject;
use crate::engine::time::Nanos;
use crate::scenario::{ReadFrom, Scenario};
use std::sync::{Arc, Mutex};

struct Progress {
    budget: Option<u64>,
    offered: u64,
    in_flight: u64,
    start: Option<Nanos>,
    ended: bool,
    followers: Vec<u32>,
    /// (writer, first position, count of positions) and the reads offered so far.
    read: Option<(u32, u64, u64)>,
    reads: u64,
}

struct Kept {
    first: u64,
    last: u64,
    completed: u64,
    objects: Vec<Arc<StoredObject>>,
}

struct State {
    w: Vec<Progress>,
    kept: Vec<Option<Kept>>,
}

pub struct Sequence {
    s: Mutex<State>,
}

impl Sequence {
    pub fn new(sc: &Scenario) -> Sequence {
        let mut w: Vec<Progress> = sc
            .workloads
            .iter()
            .map(|x| Progress {
                budget: x.requests,
                offered: 0,
                in_flight: 0,
                start: None,
                ended: false,
                followers: Vec::new(),
                read: None,
                reads: 0,
            })
            .collect();
        let mut kept: Vec<Option<Kept>> = sc.workloads.iter().map(|_| None).collect();
        for (i, x) in sc.workloads.iter().enumerate() {
            if let Some(a) = x.after {
                w[a].followers.push(i as u32);
            }
            if let ReadFrom::Workload {
                writer,
                first,
                last,
            } = x.read_from
            {
                w[i].read = Some((writer as u32, first, last - first + 1));
                let k = kept[writer].get_or_insert(Kept {
                    first,
                    last,
                    completed: 0,
                    objects: Vec::new(),
                });
                k.first = k.first.min(first);
                k.last = k.last.max(last);
            }
        }
        Sequence {
            s: Mutex::new(State { w, kept }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.s.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Workload `w` starts at `now`.
    pub fn start(&self, w: u32, now: Nanos) {
        self.lock().w[w as usize].start = Some(now);
    }

    /// When workload `w` started.
    pub fn started(&self, w: u32) -> Option<Nanos> {
        self.lock().w[w as usize].start
    }

    /// Offers one request of workload `w` if it may (started, budget not used up); true if
    /// offered. `more`: whether it may offer another after this one.
    pub fn offer(&self, w: u32) -> Option<bool> {
        let mut s = self.lock();
        let p = &mut s.w[w as usize];
        if p.start.is_none() || p.budget.is_some_and(|b| p.offered >= b) {
            return None;
        }
        p.offered += 1;
        Some(p.budget.is_none_or(|b| p.offered < b))
    }

    /// A request of workload `w` was sent.
    pub fn sent(&self, w: u32) {
        self.lock().w[w as usize].in_flight += 1;
    }

    /// Workload `w` completed a PUT of `o`: kept when a reader's range holds its position.
    pub fn written(&self, w: u32, o: &Arc<StoredObject>) {
        let mut s = self.lock();
        if let Some(k) = s.kept[w as usize].as_mut() {
            k.completed += 1;
            if (k.first..=k.last).contains(&k.completed) {
                k.objects.push(o.clone());
            }
        }
    }

    /// The next object get workload `w` reads from its writer (positions in order, cycling),
    /// or None when that position has not been written yet.
    pub fn read(&self, w: u32) -> Option<Arc<StoredObject>> {
        let mut s = self.lock();
        let p = &mut s.w[w as usize];
        let (writer, first, count) = p.read?;
        let pos = first + p.reads % count;
        p.reads += 1;
        let k = s.kept[writer as usize].as_ref()?;
        k.objects.get((pos - k.first) as usize).cloned()
    }

    /// A request of workload `w` is over (`was_sent`: it had been sent). The workloads that
    /// start now, when that was its last.
    pub fn request_over(&self, w: u32, was_sent: bool) -> Vec<u32> {
        let mut s = self.lock();
        let p = &mut s.w[w as usize];
        if was_sent {
            p.in_flight = p.in_flight.saturating_sub(1);
        }
        if p.ended || p.in_flight > 0 || p.budget.is_none_or(|b| p.offered < b) {
            return Vec::new();
        }
        p.ended = true;
        std::mem::take(&mut p.followers)
    }

    /// Notes for the summary, as the simulation writes them.
    pub fn notes(&self, sc: &Scenario) -> Vec<String> {
        let s = self.lock();
        let start: Vec<Option<Nanos>> = s.w.iter().map(|p| p.start).collect();
        let offered: Vec<u64> = s.w.iter().map(|p| p.offered).collect();
        crate::model::sim::sequence::workload_notes(sc, &start, &offered)
    }
}
