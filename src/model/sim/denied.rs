//! A request whose KMS call the bucket's policies denied: S3 answers 403 AccessDenied (a
//! client-side call gets KMS's AccessDeniedException), which SDKs do not retry, so the request
//! fails at once. It is counted with the failed requests and, apart, as denied.

use super::Simulation;
use super::request::Request;
use crate::engine::time::Nanos;

impl Simulation<'_> {
    /// The attempt of `req` (a copy of its slot, `r`) was denied at `now`.
    pub(super) fn access_denied(&mut self, now: Nanos, req: u32, mut r: Request) {
        r.denied = true;
        self.reqs.slots[req as usize] = r;
        self.finish(now, req, false);
    }
}
