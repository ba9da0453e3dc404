//! Commands about the connection itself rather than messages: measuring the round trip to
//! the server, and moving to a new transport on demand.

use crate::time::Instant;

use super::{CloseReason, CommandError, Connection, Phase, PongWaiter, RttId};

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

    /// Drops the current transport and connects again at once, to the next server of the
    /// pool (async-nats's `force_reconnect`, nats.go's `ForceReconnect`), e.g. after the page
    /// learned that the network changed. It is a reconnect like any other
    /// ([`super::Event::Disconnected`] with [`CloseReason::ReconnectForced`],
    /// [`super::Event::Reconnecting`], [`super::Event::Reconnected`]): subscriptions are sent
    /// again and publishes given meanwhile wait for the new server; requests in flight keep
    /// waiting (their inbox is subscribed again). What [`Connection::poll_transmit`] has not
    /// given out yet is void, as on any loss: send it first (the owner's loop does).
    ///
    /// While reconnecting it makes the next attempt now, without the wait; while an attempt
    /// is under way it does nothing. Refused while draining ([`CommandError::Draining`]: a
    /// drain does not survive a reconnect), once closed, and without a server list
    /// ([`CommandError::NoServers`]).
    pub fn force_reconnect(&mut self, now: Instant) -> Result<(), CommandError> {
        match self.phase {
            Phase::Closed(_) => return Err(CommandError::Closed),
            Phase::Draining => return Err(CommandError::Draining),
            _ if self.pool.is_empty() => return Err(CommandError::NoServers),
            Phase::Reconnecting => {
                self.reconnect_at = Some(now);
                return Ok(());
            }
            Phase::AwaitInfo | Phase::Handshake => return Ok(()),
            Phase::Connected => {}
        }
        // As a lame-duck move: the requests survive the loss.
        let requests = std::mem::take(&mut self.requests);
        self.transport_lost(now, CloseReason::ReconnectForced);
        self.requests = requests;
        match self.phase {
            Phase::Reconnecting => self.reconnect_at = Some(now),
            // No reconnect allowed (`max_reconnects` of 0): closed, so the requests end too.
            _ => self.fail_requests(super::RequestFailure::Closed),
        }
        Ok(())
    }
}
