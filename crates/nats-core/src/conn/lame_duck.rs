//! Lame-duck mode: the server in use announced it will shut down. The connection reports it,
//! keeps serving, and moves to another server at a random time within
//! [`super::ConnectOptions::lame_duck_window`], after the old server confirmed (PING/PONG)
//! everything sent to it, so nothing buffered is dropped and no request in flight is failed.
//! (nats.go and nats.js only report it and leave when the server closes the connection, which
//! nats-server does for its clients spread over `lame_duck_duration`, after
//! `lame_duck_grace_period`; moving within the grace period, at a random time, leaves before
//! that and still spreads the clients of a server over the cluster.)

use crate::time::Instant;

use super::lifecycle::jitter;
use super::{CloseReason, Connection, Event, Phase, PongWaiter};

impl Connection {
    /// The server announced lame-duck mode: report it, keep serving, and (when there is
    /// another server) plan the move at a random time within the lame-duck window, so the
    /// server's clients do not all move at the same instant. The server is tried last from
    /// now on.
    pub(super) fn lame_duck(&mut self, now: Instant) {
        let url = self.pool.current_url().unwrap_or_default().to_owned();
        self.events.push_back(Event::LameDuckMode { url });
        if self.pool.len() > 1 {
            self.pool.mark_current_lame_duck();
            self.lame_duck_move_at =
                Some(now + jitter(&mut self.random, self.options.lame_duck_window));
        }
    }

    /// Starts leaving a lame-duck server: publishes are held from now on, and the PONG of
    /// this PING (after everything sent so far) is when the transport is closed.
    pub(super) fn start_leaving(&mut self) {
        if matches!(self.phase, Phase::Connected) && !self.leaving {
            self.leaving = true;
            self.send_ping(PongWaiter::LameDuckMove);
        }
    }

    /// The server answered the move's PING: it processed everything we sent and we handled
    /// everything it sent. Requests in flight survive: their inbox is subscribed on the next
    /// server, and their own deadlines still run.
    pub(super) fn move_off_lame_duck(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Connected) {
            // Draining on this server instead: what was held goes out behind the drain.
            self.leaving = false;
            self.held.release(&mut self.transmit, usize::MAX, true);
            for id in std::mem::take(&mut self.held_flushes) {
                self.send_ping(PongWaiter::Flush(id));
            }
            return;
        }
        self.transport_lost_keeping_requests(now, CloseReason::LameDuckMode);
    }
}
