//! Workloads that stop, start after one another and read what another wrote: each
//! workload's request budget (`requests`), when it started and who waits for its end
//! (`after`), and the objects kept for get workloads that read a put workload's objects by
//! position (`read_from` naming it, with `objects`).
//!
//! A workload *ends* when it has offered all its requests and the last of them has finished
//! (completed, failed, or found no object); the workloads that follow it start then: a
//! closed loop's clients send their first request at that moment, an open loop's arrival
//! process starts (its time 0, and so its rate profile, shifted to that moment).

use super::super::objects::ObjectRecord;
use super::{Ev, Simulation};
use crate::engine::time::{Nanos, to_secs};
use crate::scenario::{Arrival, ReadFrom, Scenario};

/// One workload's progress.
struct Progress {
    /// `requests`: how many it may offer (None = unlimited).
    budget: Option<u64>,
    offered: u64,
    /// Its requests sent and not finished yet.
    in_flight: u64,
    /// When it started (None until then: it follows a workload that has not ended).
    start: Option<Nanos>,
    ended: bool,
    /// The workloads that start when this one ends.
    followers: Vec<u32>,
    /// A get workload reading a put workload's objects: (writer, first position, count of
    /// positions), and the GETs offered so far (the next position to read).
    read: Option<(u32, u64, u64)>,
    reads: u64,
}

/// The objects a put workload wrote that some get workload reads by position: positions
/// `first..=last` (1-based, in the order its PUTs completed), the union of its readers'
/// ranges, so memory is bounded by the ranges (validation caps them at 1,000,000).
/// `O` is what is kept of an object: its record in the simulation, the stored object (with its
/// bytes) in the live harness, which keeps its sequence with this type.
struct Kept<O> {
    first: u64,
    last: u64,
    completed: u64,
    objects: Vec<O>,
}

pub(crate) struct Sequence<O = ObjectRecord> {
    w: Vec<Progress>,
    /// By writer workload: what its readers need kept (None for other workloads).
    kept: Vec<Option<Kept<O>>>,
}

impl<O: Clone> Sequence<O> {
    pub(crate) fn new(sc: &Scenario) -> Sequence<O> {
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
        let mut kept: Vec<Option<Kept<O>>> = sc.workloads.iter().map(|_| None).collect();
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
        Sequence { w, kept }
    }

    /// Whether workload `w` may offer another request (started, budget not used up).
    #[inline]
    pub(crate) fn may_offer(&self, w: u32) -> bool {
        let p = &self.w[w as usize];
        p.start.is_some() && p.budget.is_none_or(|b| p.offered < b)
    }

    /// Workload `w` offers a request.
    #[inline]
    pub(crate) fn offer(&mut self, w: u32) {
        self.w[w as usize].offered += 1;
    }

    /// A request of workload `w` was sent (it is in flight until [`Simulation::request_over`]).
    #[inline]
    pub(crate) fn sent(&mut self, w: u32) {
        self.w[w as usize].in_flight += 1;
    }

    /// Workload `w` completed a PUT of `o`: kept when a reader's range holds its position.
    #[inline]
    pub(crate) fn written(&mut self, w: u32, o: O) {
        if let Some(k) = self.kept[w as usize].as_mut() {
            k.completed += 1;
            if (k.first..=k.last).contains(&k.completed) {
                k.objects.push(o);
            }
        }
    }

    /// The next object get workload `w` reads from its writer (positions in order, cycling),
    /// or None when that position has not been written yet.
    pub(crate) fn read(&mut self, w: u32) -> Option<O> {
        let p = &mut self.w[w as usize];
        let (writer, first, count) = p.read?;
        let pos = first + p.reads % count;
        p.reads += 1;
        let k = self.kept[writer as usize].as_ref()?;
        k.objects.get((pos - k.first) as usize).cloned()
    }

    /// Workload `w` starts at `now`.
    pub(crate) fn start(&mut self, w: u32, now: Nanos) {
        self.w[w as usize].start = Some(now);
    }

    /// When workload `w` started (None: not yet).
    pub(crate) fn started(&self, w: u32) -> Option<Nanos> {
        self.w[w as usize].start
    }

    /// A request of workload `w` is over (finished, or found no object, `was_sent` telling
    /// which): the workloads that start now, when that was its last (it has then ended).
    pub(crate) fn over(&mut self, w: u32, was_sent: bool) -> Vec<u32> {
        let p = &mut self.w[w as usize];
        if was_sent {
            p.in_flight = p.in_flight.saturating_sub(1);
        }
        if p.ended || p.in_flight > 0 || p.budget.is_none_or(|b| p.offered < b) {
            return Vec::new();
        }
        p.ended = true;
        std::mem::take(&mut p.followers)
    }

    /// Notes for the summary (see [`workload_notes`]).
    pub(crate) fn notes(&self, sc: &Scenario) -> Vec<String> {
        let start: Vec<Option<Nanos>> = self.w.iter().map(|p| p.start).collect();
        let offered: Vec<u64> = self.w.iter().map(|p| p.offered).collect();
        workload_notes(sc, &start, &offered)
    }
}

impl Simulation<'_> {
    /// Starts workload `wi` at `now`: its closed-loop clients send, or its arrival process
    /// begins (its time 0 at `now`).
    pub(super) fn start_workload(&mut self, now: Nanos, wi: usize) {
        self.seq.start(wi as u32, now);
        match self.sc.workloads[wi].arrival {
            Arrival::Closed { concurrency, .. } => {
                for c in 0..concurrency {
                    self.q.schedule(
                        now,
                        Ev::ClientNext {
                            workload: wi as u32,
                            client: c,
                        },
                    );
                }
            }
            _ => self.schedule_arrival(wi as u32),
        }
    }

    /// Schedules the next open-loop arrival of workload `wi`, if there is one before the end
    /// of the run.
    pub(super) fn schedule_arrival(&mut self, wi: u32) {
        let start = self.seq.started(wi).unwrap_or(0);
        let until = self.sc.duration.saturating_sub(start);
        let ws = &mut self.workloads[wi as usize];
        if let Some(a) = ws.arrivals.as_mut()
            && let Some(t) = a.next(until, &mut ws.arrival_rng)
        {
            self.q
                .schedule(start.saturating_add(t), Ev::Arrival { workload: wi });
        }
    }

    /// A request of workload `wi` is over (finished, or found no object, `was_sent` telling
    /// which): when that was its last, the workload has ended and its followers start.
    pub(super) fn request_over(&mut self, now: Nanos, wi: u32, was_sent: bool) {
        for f in self.seq.over(wi, was_sent) {
            self.start_workload(now, f as usize);
        }
    }

    /// Notes for the summary (see [`workload_notes`]).
    pub(super) fn sequence_notes(&self) -> Vec<String> {
        self.seq.notes(self.sc)
    }
}

/// Notes for the summary: finite workloads that did not offer all their requests, and
/// followers that never started (or only after the run's `duration`), from when each
/// workload started and how many requests it offered (the live harness's too).
fn workload_notes(sc: &Scenario, start: &[Option<Nanos>], offered: &[u64]) -> Vec<String> {
    let mut notes = Vec::new();
    let duration = sc.duration;
    for (i, w) in sc.workloads.iter().enumerate() {
        let after = w.after.map(|a| sc.workloads[a].name.as_str());
        match (start[i], after) {
            (None, Some(a)) => notes.push(format!(
                "workload '{}' sent no request: it starts when workload '{a}' has ended, and '{a}' had not ended when the run stopped",
                w.name
            )),
            (Some(t), Some(a)) if t >= duration => notes.push(format!(
                "workload '{}' sent no request: workload '{a}', which it follows, ended at {:.3} s, not before the end of arrivals (duration, {:.3} s)",
                w.name,
                to_secs(t),
                to_secs(duration)
            )),
            _ => {
                if let Some(b) = w.requests
                    && offered[i] < b
                {
                    notes.push(format!(
                        "workload '{}' offered {} of its {b} requests before the end of arrivals (duration)",
                        w.name, offered[i]
                    ));
                }
            }
        }
    }
    notes
}

#[cfg(test)]
mod tests;
