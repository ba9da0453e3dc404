//! Draining the connection in nats.go's order: subscriptions, then the application, then the
//! requests in flight, then a final flush before the close.

use crate::time::Instant;

use super::{ClientOp, CommandError, Connection, Phase, PongWaiter};

/// Where a connection drain is (while [`Phase::Draining`]), in the order of nats.go's drain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DrainStage {
    /// Every subscription but the request inbox got UNSUB + PING; waiting for that PONG.
    Subscriptions,
    /// Waiting for the owner's [`Connection::messages_handled`].
    Handling,
    /// Waiting until every request in flight got its reply or timed out.
    Requests,
    /// The request inbox got UNSUB, then a PING; its PONG closes the connection.
    Flush,
}

impl Connection {
    /// Drains the connection, as nats.go does, and closes it with [`CloseReason::Drained`](super::CloseReason::Drained):
    /// 1. new subscriptions and requests are refused ([`CommandError::Draining`]) from now on;
    ///    publishes (replies from responders) and flushes keep working to the end;
    /// 2. every subscription but the request inbox is drained (UNSUB, then a PING): what the
    ///    server sent before its PONG is still delivered, then each reports
    ///    [`Event::SubscriptionDrained`](super::Event::SubscriptionDrained), then [`Event::AllSubscriptionsDrained`](super::Event::AllSubscriptionsDrained);
    /// 3. the drain waits for [`Connection::messages_handled`]: the owner's application has
    ///    handled what was delivered (a responder may still be replying);
    /// 4. requests in flight still get their replies (or time out); then the request inbox is
    ///    unsubscribed and a final PING makes sure everything sent reached the server;
    /// 5. its PONG closes the connection with [`CloseReason::Drained`](super::CloseReason::Drained).
    ///
    /// The drain timeout bounds all of it: past it the connection closes with
    /// [`CloseReason::DrainTimeout`](super::CloseReason::DrainTimeout) and requests still waiting fail. If the transport is lost
    /// meanwhile, the connection closes with that reason (it does not reconnect to finish).
    ///
    /// Not connected (reconnecting, or before the first connect finished), it refuses with
    /// [`CommandError::NotConnected`] and changes nothing, as nats.go refuses with
    /// `ErrConnectionReconnecting`: the publishes still waiting for the connection are counted
    /// in the error, never silently discarded.
    pub fn drain(&mut self, now: Instant) -> Result<(), CommandError> {
        match self.phase {
            Phase::Closed(_) => return Err(CommandError::Closed),
            Phase::Draining => return Ok(()),
            Phase::AwaitInfo | Phase::Handshake | Phase::Reconnecting => {
                return Err(CommandError::NotConnected {
                    held_messages: self.held.count(),
                    held_bytes: self.held.len(),
                });
            }
            Phase::Connected => {}
        }
        self.phase = Phase::Draining;
        self.drain_stage = DrainStage::Subscriptions;
        self.drain_deadline = Some(now + self.options.drain_timeout);
        let sids: Vec<u64> = self
            .subscriptions
            .iter_mut()
            .filter(|(_, s)| !s.draining)
            .map(|(sid, s)| {
                s.draining = true;
                sid
            })
            .collect();
        for sid in sids {
            self.send(ClientOp::Unsub { sid, max: None });
        }
        self.send_ping(PongWaiter::ConnectionDrain);
        Ok(())
    }

    /// Tells a connection drain that every message delivered to the subscriptions has been
    /// handled by the application, after [`Event::AllSubscriptionsDrained`](super::Event::AllSubscriptionsDrained): the drain moves
    /// on to the requests in flight. An owner that handles each message as it takes it from
    /// [`Connection::poll_event`] calls this as soon as that event comes. Does nothing at any
    /// other time.
    pub fn messages_handled(&mut self) {
        if matches!(self.phase, Phase::Draining) && self.drain_stage == DrainStage::Handling {
            self.drain_stage = DrainStage::Requests;
            self.advance_drain();
        }
    }

    /// Moves a drain waiting for its requests on once none is left.
    pub(super) fn advance_drain(&mut self) {
        if !matches!(self.phase, Phase::Draining)
            || self.drain_stage != DrainStage::Requests
            || self.requests.values().next().is_some()
        {
            return;
        }
        self.drain_stage = DrainStage::Flush;
        if let Some(sid) = self.inbox.as_ref().map(|i| i.sid) {
            self.send(ClientOp::Unsub { sid, max: None });
        }
        self.send_ping(PongWaiter::DrainFlush);
    }
}
