//! The live run's clock: nanoseconds since the run started, on the monotonic clock, so the
//! model's parts (limiters, caches, clients, the collector) read real time in their own unit.

use crate::engine::time::Nanos;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    pub fn start() -> Clock {
        Clock {
            start: Instant::now(),
        }
    }

    /// Nanoseconds since the start.
    #[inline]
    pub fn now(&self) -> Nanos {
        self.start.elapsed().as_nanos() as Nanos
    }
}
