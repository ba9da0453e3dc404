//! The checks at settle points, after each turn and at the end of a round: the client's table against the server's
//! `/connz`, publishes and requests against what the peer saw, and memory bounds.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use nats_core::conn::{CloseReason, RequestFailure};
use nats_core::Instant;

use super::super::connz::{server_subscriptions, ServerSub};
use super::super::driver::Driver;
use super::super::model::{Model, PubState};
use super::{client_options, Oracle, BUFFER_LIMIT, IO_BUFFER_LIMIT};

impl Oracle {
    /// The server's subscriptions for this client are the client's live table (draining ones
    /// excepted: the server was told to drop them), and that table is what the model expects.
    pub(super) fn check_subscriptions(&mut self) {
        self.stats.checks += 2;
        let port = self.client.local_port().unwrap_or(0);
        let Some(server) = server_subscriptions(&self.server, port) else {
            self.violation(format!("/connz lists no connection from port {port}"));
        };
        let table: Vec<_> = self.client.conn.subscriptions().collect();
        let expected: BTreeMap<u64, ServerSub> = table
            .iter()
            .filter(|s| !s.draining)
            .map(|s| {
                let sub = ServerSub {
                    subject: s.subject.clone(),
                    queue: s.queue.clone(),
                    remaining: s.remaining,
                };
                (s.sid, sub)
            })
            .collect();
        if expected != server {
            let mut diff = String::new();
            for sid in expected.keys().chain(server.keys()) {
                let (mine, theirs) = (expected.get(sid), server.get(sid));
                if mine != theirs {
                    let _ = write!(diff, "\n  sid {sid}: client {mine:?}, server {theirs:?}");
                }
            }
            self.violation(format!(
                "after a settle, the server holds other subscriptions than the client's \
                 table:{diff}"
            ));
        }
        let draining: Vec<u64> = table.iter().filter(|s| s.draining).map(|s| s.sid).collect();
        if !draining.is_empty() {
            self.violation(format!("sids {draining:?} still draining after a flush"));
        }
        if !self.model.drains.is_empty() {
            let drains = &self.model.drains;
            self.violation(format!(
                "drains of {drains:?} accepted but not ended after a flush"
            ));
        }
        let in_table: Vec<u64> = table.iter().filter(|s| !s.inbox).map(|s| s.sid).collect();
        if in_table != self.live_sids() {
            self.violation(format!(
                "the client's table {in_table:?} is not the subscriptions it has not reported \
                 ended {:?}",
                self.live_sids()
            ));
        }
    }

    /// Every publish that was held, or sent on a connection still up, reached the peer.
    /// `after_drain` names the drain that promised it, for the message.
    pub(super) fn check_publishes(&mut self, after_drain: bool) {
        self.stats.checks += 1;
        let mut missing = Vec::new();
        for (seq, state) in &self.model.pubs {
            if *state != PubState::InDoubt && !self.peer.arrived.contains(seq) {
                missing.push(format!("#{seq} ({state:?})"));
            }
        }
        if !missing.is_empty() {
            let when = if after_drain {
                "after a drain that reported success"
            } else {
                "after a settle"
            };
            self.violation(format!(
                "{when}, accepted publishes never reached the subscriber and no loss was \
                 reported: {}",
                missing.join(", ")
            ));
        }
        // Confirmed ones, and lost ones older than an arrival, are settled for good.
        let last = self.peer.arrived.last().copied();
        self.model
            .pubs
            .retain(|seq, state| *state == PubState::InDoubt && last.is_none_or(|l| *seq > l));
    }

    /// No request that failed before it was sent ever reached the responder.
    pub(super) fn check_requests(&mut self) {
        self.stats.checks += 1;
        let late: Vec<String> = self
            .model
            .reqs
            .values()
            .filter_map(|r| {
                let kind = r.failed_unsent?;
                let seen = self.peer.requests_seen.get(&r.tag)?;
                Some(format!("r{} (reported {kind:?}, seen {seen}x)", r.tag))
            })
            .collect();
        if !late.is_empty() {
            self.violation(format!(
                "requests reported failed before they were sent reached the responder later \
                 (issue 9, point 8): {}",
                late.join(", ")
            ));
        }
    }

    pub(super) fn check_model(&mut self) {
        self.stats.checks += 1;
        if let Some(v) = self.model.violations.first().cloned() {
            self.violation(v);
        }
    }

    pub(super) fn check_peer(&mut self) {
        if let Some(v) = self.peer.violations.first().cloned() {
            self.violation(v);
        }
    }

    pub(super) fn check_memory(&mut self) {
        self.stats.checks += 1;
        let b = self.client.conn.buffered_bytes();
        if b.held > BUFFER_LIMIT || b.transmit + b.received > IO_BUFFER_LIMIT || b.events > 0 {
            self.violation(format!(
                "the client's buffers grew past their bounds: {b:?}"
            ));
        }
    }

    /// Ends the client connection with a drain given now, in whatever phase it is, checks
    /// what a drain promises, and opens the next round's connection.
    pub fn finish_round(&mut self) {
        self.sync();
        let result = self.client.conn.drain(Instant::now());
        self.op(format!("drain -> {result:?}"));
        if result.is_err() {
            // A typed refusal reports what was not sent; close instead.
            self.client.conn.close();
        }
        self.until("the client closes after its drain", |o| {
            o.pump();
            o.model.closed.is_some()
        });
        self.peer_flush();
        self.stats.rounds += 1;
        if result.is_ok() && self.model.closed == Some(CloseReason::Drained) {
            self.check_publishes(true);
            self.check_drain_kept_requests();
        }
        self.check_requests();
        self.stats.checks += 2;
        let unresolved: Vec<u64> = (self.model.reqs.values())
            .filter(|r| r.resolutions != 1)
            .map(|r| r.tag)
            .collect();
        if !unresolved.is_empty() {
            self.violation(format!("requests never resolved: {unresolved:?}"));
        }
        if !self.model.live.is_empty() {
            let live = self.live_sids();
            self.violation(format!(
                "subscriptions {live:?} never ended though it closed"
            ));
        }
        let round = self.stats.rounds;
        self.client = Driver::connect(
            self.server.tcp_addr(),
            client_options(&self.server, self.seed, round),
        )
        .expect("client connects");
        self.model = Model::default();
        self.note(format!("round {round}: connected"));
    }

    /// A drain that reported success let every request in flight get its reply (or time
    /// out): none failed because the connection closed under it.
    fn check_drain_kept_requests(&mut self) {
        self.stats.checks += 1;
        let cut: Vec<String> = (self.model.reqs.values())
            .filter(|r| r.failure == Some(RequestFailure::Closed))
            .map(|r| format!("r{}", r.tag))
            .collect();
        if !cut.is_empty() {
            self.violation(format!(
                "a drain that reported success failed requests in flight with Closed \
                 (issue 9, points 5 and 6): {}",
                cut.join(", ")
            ));
        }
    }
}
