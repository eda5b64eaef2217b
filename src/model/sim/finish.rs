//! The end of a call that succeeded, and of a request: the next phase (multipart parts, the
//! client's CPU after a GET, a copy's write), or the request's end, where what it wrote is
//! recorded for later reads and the closed-loop client sends its next request.

use super::*;

impl Simulation<'_> {
    /// The current call succeeded: start the next one, or finish the request.
    pub(super) fn next_phase(&mut self, now: Nanos, req: u32) {
        if self.reqs.slots[req as usize].replay {
            self.next_replayed(now, req);
            return;
        }
        if self.reqs.slots[req as usize].phase == Phase::CopyRead {
            self.copy_next(now, req);
            return;
        }
        // After a client-side GenerateDataKey the upload starts as any other would.
        let (after_generate, parts) = self.uploads.first_call(self.reqs.slots[req as usize].size);
        let r = &mut self.reqs.slots[req as usize];
        r.attempt = 0;
        let next = match r.phase {
            Phase::ClientGenerate => {
                r.parts = parts;
                Some(after_generate)
            }
            Phase::MpuCreate => Some(Phase::MpuPart),
            Phase::MpuPart => Some(Multipart::after_part(r)),
            Phase::Get => layer::client_decrypts(r).then_some(Phase::ClientDecrypt),
            Phase::Put | Phase::MpuComplete | Phase::ClientDecrypt => None,
            Phase::Head => head::after_head(&mut self.m, r),
            // Replayed calls and copies (handled above).
            Phase::Delete | Phase::CopyRead | Phase::CopyWrite => None,
        };
        let (from, session, size, first_send) = (r.phase, r.session, r.size, r.first_send);
        match next {
            Some(p) => {
                // A cse-kms upload keeps the client key; a server-side upload's parts use the
                // key chosen at create.
                r.phase = p;
                match self.cse.cpu(now, from, session, size, first_send) {
                    // The client encrypts the object before it sends it.
                    Some(done) => self.q.schedule(done, Ev::Attempt { req }),
                    None => self.attempt(now, req),
                }
            }
            None => match self.cse.cpu(now, from, session, size, first_send) {
                // The client decrypts the object it got.
                Some(done) => self.q.schedule(done, Ev::CpuDone { req }),
                None => self.finish(now, req, true),
            },
        }
    }

    pub(super) fn finish(&mut self, now: Nanos, req: u32, ok: bool) {
        let r = self.reqs.slots[req as usize];
        if r.replay {
            self.finish_replayed(now, req, ok);
            return;
        }
        let copy = self.workloads[r.workload as usize].copy;
        if ok && !r.get {
            let bi = r.bucket as usize;
            let key = if self.front.buckets[bi].encryption.calls_kms() {
                r.key
            } else {
                KeyRef::NoKms
            };
            self.copies.succeeded(req, copy, r.bucket, key);
            self.objects_written += 1;
            if let Some(v) = self.verifier.as_mut() {
                let w = &self.sc.workloads[r.workload as usize];
                let name = format!(
                    "{}/p{:04}/obj-{:012}",
                    w.name, r.prefix, self.objects_written
                );
                v.written(&self.sc.buckets[bi], &name, r.key, r.size);
            }
            let o = ObjectRecord {
                key,
                size: r.size,
                prefix: r.prefix,
                client_key: r.client_key,
            };
            self.front.buckets[bi].written.record(o);
            self.seq.written(r.workload, o);
            self.replicate(now, r.bucket, o);
        }
        if let Some(retries) = head::finished(&mut self.m, &r, ok) {
            // A copy counts as a write, even failing to read.
            let get = r.get && copy.is_none();
            self.m.finished(now, r.first_send, get, ok, retries);
            if r.denied {
                self.m.access_denied(r.first_send, get);
            }
        }
        self.reqs.remove(req);
        if r.client != NONE {
            let think = self.workloads[r.workload as usize].think;
            let cycle_start = r.first_send + MIN_CLOSED_LOOP_CYCLE;
            let next = (now + think).max(cycle_start);
            // A client sends nothing at or after the end of the run.
            if next < self.sc.duration {
                self.q.schedule(
                    next,
                    Ev::ClientNext {
                        workload: r.workload,
                        client: r.client,
                    },
                );
            }
        }
        self.request_over(now, r.workload, true);
    }
}
