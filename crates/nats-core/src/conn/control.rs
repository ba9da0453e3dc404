//! Commands about the connection itself rather than messages: measuring the round trip to
//! the server, and moving to a new transport on demand.

use std::time::Duration;

use crate::time::Instant;

use super::{
    CloseReason, CommandError, Connection, Event, Phase, PongWaiter, RequestFailure, RttId,
    MAX_WAIT,
};

impl Connection {
    /// Measures the round trip to the server: sends a PING now and reports the time until its
    /// PONG as [`super::Event::Rtt`] with the returned id (nats.go's `RTT`, nats.js's `rtt`).
    /// The time includes how long the owner takes to send the PING and to feed the PONG back.
    /// Refused with [`CommandError::Disconnected`] while no server is connected; if the
    /// transport is lost before the PONG, the event carries the failure.
    pub fn rtt(&mut self, now: Instant) -> Result<RttId, CommandError> {
        match self.phase {
            Phase::Closed(_) => return Err(CommandError::Closed),
            Phase::Connected | Phase::Draining => {}
            _ => return Err(CommandError::Disconnected),
        }
        let id = RttId(self.next_rtt);
        self.next_rtt += 1;
        self.send_ping(PongWaiter::Rtt(id, now));
        Ok(id)
    }

    /// Like [`Connection::rtt`], but gives up at `now + timeout`: then the
    /// [`super::Event::Rtt`] carries [`super::RequestFailure::TimedOut`] (a server that is
    /// open but silent, e.g. with keepalive PINGs off), and its PONG is ignored when it comes.
    pub fn rtt_within(&mut self, now: Instant, timeout: Duration) -> Result<RttId, CommandError> {
        let id = self.rtt(now)?;
        self.rtt_deadlines.insert(id, now + timeout.min(MAX_WAIT));
        Ok(id)
    }

    /// Reports every bounded round-trip measurement whose deadline has passed; its PONG is
    /// ignored when it comes.
    pub(super) fn expire_rtts(&mut self, now: Instant) {
        for id in super::take_due(&mut self.rtt_deadlines, now) {
            self.abandon_pong_waiter(|w| matches!(w, PongWaiter::Rtt(rtt, _) if *rtt == id));
            self.events.push_back(Event::Rtt {
                id,
                rtt: Err(RequestFailure::TimedOut),
            });
        }
    }

    /// Drops the current transport and connects again at once, to the next server of the
    /// pool (async-nats's `force_reconnect`, nats.go's `ForceReconnect`), e.g. after the page
    /// learned that the network changed. It is a reconnect like any other
    /// ([`super::Event::Disconnected`] with [`CloseReason::ReconnectForced`],
    /// [`super::Event::Reconnecting`], [`super::Event::Reconnected`]): subscriptions are sent
    /// again and publishes given meanwhile wait for the new server; requests in flight keep
    /// waiting (their inbox is subscribed again). What [`Connection::poll_transmit`] has not
    /// given out yet is void, as on any loss: send it first (the owner's loop does).
    ///
    /// While reconnecting it makes the next attempt now, without the wait. While an attempt
    /// is under way (waiting for the server's INFO, for the owner's credentials, or for the
    /// handshake's PONG) it drops that attempt as a failed one and makes the next, to the
    /// next server, now: it counts towards [`super::ConnectOptions::max_reconnects`] (and,
    /// in a first connect without [`super::ConnectOptions::retry_on_initial_connect`], as
    /// that server's one try). Refused while draining ([`CommandError::Draining`]: a drain
    /// does not survive a reconnect), once closed, and without a server list
    /// ([`CommandError::NoServers`]). If no further attempt is allowed, the connection closes
    /// and the requests in flight fail with [`super::RequestFailure::Closed`].
    pub fn force_reconnect(&mut self, now: Instant) -> Result<(), CommandError> {
        match self.phase {
            Phase::Closed(_) => return Err(CommandError::Closed),
            Phase::Draining => return Err(CommandError::Draining),
            _ if self.pool.is_empty() => return Err(CommandError::NoServers),
            Phase::Reconnecting => {
                self.reconnect_at = Some(now);
                return Ok(());
            }
            Phase::AwaitInfo | Phase::Handshake | Phase::Connected => {}
        }
        // As a lame-duck move: the requests survive the loss (unless it closes).
        self.transport_lost_keeping_requests(now, CloseReason::ReconnectForced);
        if matches!(self.phase, Phase::Reconnecting) {
            self.reconnect_at = Some(now);
        }
        Ok(())
    }
}
