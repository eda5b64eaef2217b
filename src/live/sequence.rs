//! Workloads that stop, start after one another and read what another wrote, in the live
//! harness: the simulation's own bookkeeping ([`crate::model::sim::sequence::Sequence`],
//! keeping the stored objects, with their bytes, that readers read by position) behind one
//! lock. These change at request rate, a few operations each.

use super::store::StoredObject;
use crate::engine::time::Nanos;
use crate::model::sim::sequence::Sequence as Plan;
use crate::scenario::Scenario;
use std::sync::{Arc, Mutex};

pub struct Sequence {
    s: Mutex<Plan<Arc<StoredObject>>>,
}

impl Sequence {
    pub fn new(sc: &Scenario) -> Sequence {
        Sequence {
            s: Mutex::new(Plan::new(sc)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Plan<Arc<StoredObject>>> {
        super::lock(&self.s)
    }

    /// Workload `w` starts at `now`.
    pub fn start(&self, w: u32, now: Nanos) {
        self.lock().start(w, now);
    }

    /// When workload `w` started.
    pub fn started(&self, w: u32) -> Option<Nanos> {
        self.lock().started(w)
    }

    /// Offers one request of workload `w` if it may (started, budget not used up): then
    /// whether it may offer another after this one; None when it may not.
    pub fn offer(&self, w: u32) -> Option<bool> {
        let mut s = self.lock();
        if !s.may_offer(w) {
            return None;
        }
        s.offer(w);
        Some(s.may_offer(w))
    }

    /// A request of workload `w` was sent.
    pub fn sent(&self, w: u32) {
        self.lock().sent(w);
    }

    /// Workload `w` completed a PUT of `o`: kept when a reader's range holds its position.
    pub fn written(&self, w: u32, o: &Arc<StoredObject>) {
        self.lock().written(w, o.clone());
    }

    /// The next object get workload `w` reads from its writer (positions in order, cycling),
    /// or None when that position has not been written yet.
    pub fn read(&self, w: u32) -> Option<Arc<StoredObject>> {
        self.lock().read(w)
    }

    /// A request of workload `w` is over (`was_sent`: it had been sent). The workloads that
    /// start now, when that was its last.
    pub fn request_over(&self, w: u32, was_sent: bool) -> Vec<u32> {
        self.lock().over(w, was_sent)
    }

    /// Notes for the summary, as the simulation writes them.
    pub fn notes(&self, sc: &Scenario) -> Vec<String> {
        self.lock().notes(sc)
    }
}
