//! Clients' adaptive rate limiters in the event loop: requests waiting for a token are sent
//! in order as tokens come (moved out of `mod.rs` unchanged, to keep it under 700 lines).

use super::Ev;
use crate::engine::time::Nanos;
use crate::model::client::Client;

impl super::Simulation<'_> {
    pub(super) fn client_mut(&mut self, session: u32, kms_client: bool) -> &mut Client {
        self.sessions[session as usize].client(kms_client)
    }

    /// Schedules the next token wake-up of a client at its current fill rate, making any
    /// earlier one stale.
    pub(super) fn schedule_token_wake(&mut self, now: Nanos, session: u32, kms_client: bool) {
        let c = self.client_mut(session, kms_client);
        c.wake_generation = c.wake_generation.wrapping_add(1);
        let generation = c.wake_generation;
        let wait = c.adaptive.as_mut().map_or(1, |a| a.next_token_in(now));
        self.q.schedule(
            now + wait,
            Ev::TokenWake {
                session,
                kms_client,
                generation,
            },
        );
    }

    /// Sends as many waiting requests as there are tokens, in order.
    pub(super) fn token_wake(
        &mut self,
        now: Nanos,
        session: u32,
        kms_client: bool,
        generation: u32,
    ) {
        if self.client_mut(session, kms_client).wake_generation != generation {
            return;
        }
        loop {
            let c = self.client_mut(session, kms_client);
            let Some(&req) = c.waiting.front() else {
                return;
            };
            let ok = c.adaptive.as_mut().is_none_or(|a| a.try_acquire(now));
            if !ok {
                break;
            }
            c.waiting.pop_front();
            self.send(now, req);
        }
        self.schedule_token_wake(now, session, kms_client);
    }
}
