//! A session's connection pool: idle connections (each bound to the front-end host it was
//! opened to) and, with pool policy `wait`, the requests waiting for one.

use crate::scenario::PoolPolicy;
use std::collections::VecDeque;

/// A pool slot that has never held a connection: taking it opens a new one.
pub(crate) const UNOPENED: u32 = u32::MAX;

/// One session's pool.
pub(crate) struct Connections {
    /// Idle pool entries, most recently used last (urllib3's pool is a LIFO queue of at most
    /// `connections_per_session` entries, initially all unopened).
    idle: Pool,
    /// Requests waiting for a connection (pool policy `wait`), FIFO.
    waiting: VecDeque<u32>,
}

impl Connections {
    pub(crate) fn new(size: u32) -> Connections {
        Connections {
            idle: Pool::new(size),
            waiting: VecDeque::new(),
        }
    }

    /// A connection for request `req`: an idle one (its host), UNOPENED when a new one is
    /// opened, or None when the request waits for one (it is queued).
    #[inline]
    pub(crate) fn take(&mut self, req: u32, policy: PoolPolicy) -> Option<u32> {
        match (self.idle.pop(), policy) {
            (Some(e), _) => Some(e),
            (None, PoolPolicy::Grow) => Some(UNOPENED),
            (None, PoolPolicy::Wait) => {
                self.waiting.push_back(req);
                None
            }
        }
    }

    /// A connection to `host` is free again: the first waiting request, which takes it, or
    /// None (it is kept for reuse while the pool holds fewer than `size` idle entries,
    /// otherwise closed).
    #[inline]
    pub(crate) fn release(&mut self, host: u32, size: usize) -> Option<u32> {
        match self.waiting.pop_front() {
            Some(next) => Some(next),
            None => {
                if self.idle.len() < size {
                    self.idle.push(host);
                }
                None
            }
        }
    }
}

/// A connection pool's idle entries: a LIFO stack whose bottom holds the never-opened
/// entries (returned connections are always pushed on top, bound to their host), so it is
/// kept as a count of unopened entries under a stack of hosts. Memory follows the
/// connections actually opened, not `connections_per_session`.
struct Pool {
    unopened: u32,
    hosts: Vec<u32>,
}

impl Pool {
    fn new(size: u32) -> Pool {
        Pool {
            unopened: size,
            hosts: Vec::new(),
        }
    }

    /// The top entry: a host, UNOPENED, or None when the pool is empty.
    fn pop(&mut self) -> Option<u32> {
        match self.hosts.pop() {
            Some(h) => Some(h),
            None if self.unopened > 0 => {
                self.unopened -= 1;
                Some(UNOPENED)
            }
            None => None,
        }
    }

    fn len(&self) -> usize {
        self.unopened as usize + self.hosts.len()
    }

    fn push(&mut self, host: u32) {
        self.hosts.push(host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifo_reuse_then_unopened_then_wait() {
        let mut c = Connections::new(2);
        assert_eq!(c.take(0, PoolPolicy::Wait), Some(UNOPENED));
        assert_eq!(c.take(1, PoolPolicy::Wait), Some(UNOPENED));
        assert_eq!(c.take(2, PoolPolicy::Wait), None);
        // The waiting request takes the first connection freed.
        assert_eq!(c.release(7, 2), Some(2));
        assert_eq!(c.release(8, 2), None);
        assert_eq!(c.take(3, PoolPolicy::Wait), Some(8));
        // Grow opens a new connection instead of waiting.
        assert_eq!(c.take(4, PoolPolicy::Grow), Some(UNOPENED));
    }

    #[test]
    fn at_most_size_idle_connections_are_kept() {
        let mut c = Connections::new(1);
        assert_eq!(c.take(0, PoolPolicy::Grow), Some(UNOPENED));
        assert_eq!(c.take(1, PoolPolicy::Grow), Some(UNOPENED));
        assert_eq!(c.release(5, 1), None);
        assert_eq!(c.release(6, 1), None);
        assert_eq!(c.take(2, PoolPolicy::Grow), Some(5));
        assert_eq!(c.take(3, PoolPolicy::Grow), Some(UNOPENED));
    }
}
