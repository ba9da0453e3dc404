//! What the fault oracle expects of the client under test, built only from the commands it gave
//! and the events the client reported: which subscriptions are live, where each publish and
//! request is (held, on a wire, maybe lost), and what has been answered.

use std::collections::{BTreeMap, BTreeSet};

use nats_core::conn::{CloseReason, Event, RequestFailure};

/// Where an accepted publish is, as far as the client's events tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PubState {
    /// Accepted while not connected: waits in the client's buffer; must be sent.
    Held,
    /// Sent on the current connection; must arrive unless that connection is lost.
    Wired,
    /// Sent on a connection that was then lost: may be lost (at most once), never duplicated.
    InDoubt,
}

/// One accepted request.
#[derive(Debug, Clone)]
pub struct Req {
    /// The payload (and the responder's answer): the request's unique tag.
    pub tag: u64,
    /// Accepted while not connected, and no connection has been up since.
    pub held: bool,
    /// Outcomes reported so far (must end at exactly one).
    pub resolutions: u32,
    /// Set when it failed while still held: it must never reach the server.
    pub failed_unsent: Option<RequestFailure>,
    /// How it failed, if it did.
    pub failure: Option<RequestFailure>,
}

/// The client's promises as state, updated by [`Model::observe`].
#[derive(Debug, Default)]
pub struct Model {
    /// Subscriptions given and not ended (no `SubscriptionEnded` / `SubscriptionDrained` yet).
    pub live: BTreeSet<u64>,
    /// Messages seen per live subscription.
    pub delivered: BTreeMap<u64, u64>,
    /// Subscriptions that ended, and how.
    pub ended: BTreeMap<u64, &'static str>,
    /// Accepted `drain_subscription`s not finished yet.
    pub drains: BTreeSet<u64>,
    /// Accepted publishes not yet confirmed at the peer, by sequence number.
    pub pubs: BTreeMap<u64, PubState>,
    /// Accepted requests, by request id.
    pub reqs: BTreeMap<u64, Req>,
    /// Accepted flushes not answered yet.
    pub flushes: BTreeSet<u64>,
    /// `Disconnected` events so far.
    pub disconnects: u64,
    /// Set once `Closed` was reported.
    pub closed: Option<CloseReason>,
    /// Broken promises seen in the events.
    pub violations: Vec<String>,
}

impl Model {
    /// Takes in a batch of events, in order.
    pub fn observe_all(&mut self, events: Vec<Event>) {
        for event in events {
            self.observe(event);
        }
    }

    fn observe(&mut self, event: Event) {
        match event {
            Event::Connected(_) | Event::Reconnected { .. } => {
                // The handshake sent everything held, in order, on this connection.
                for state in self.pubs.values_mut() {
                    if *state == PubState::Held {
                        *state = PubState::Wired;
                    }
                }
                for req in self.reqs.values_mut() {
                    req.held = false;
                }
            }
            Event::Disconnected { .. } => {
                self.disconnects += 1;
                for state in self.pubs.values_mut() {
                    if *state == PubState::Wired {
                        *state = PubState::InDoubt;
                    }
                }
            }
            Event::Message { sid, .. } => {
                if let Some(how) = self.ended.get(&sid) {
                    self.fail(format!("a message for sid {sid} after it was {how}"));
                } else if !self.live.contains(&sid) {
                    self.fail(format!(
                        "a message for sid {sid}, which was never subscribed"
                    ));
                }
                *self.delivered.entry(sid).or_default() += 1;
            }
            Event::Response { id, message } => {
                let Some(req) = self.resolve(id.0, "a response") else {
                    return;
                };
                let tag = req.tag;
                if message.payload != tag.to_string().as_bytes() {
                    self.fail(format!("request {} (r{tag}) got another's reply", id.0));
                }
            }
            Event::RequestFailed { id, kind } => {
                if let Some(req) = self.resolve(id.0, "a failure") {
                    req.failure = Some(kind);
                    if req.held {
                        req.failed_unsent = Some(kind);
                    }
                }
            }
            Event::SubscriptionEnded { sid } => self.end(sid, "ended"),
            Event::SubscriptionDrained { sid } => self.end(sid, "drained"),
            Event::Flushed(id) => self.flushed(id.0),
            Event::ServerError(error) => self.fail(format!("the server reported {error}")),
            Event::Closed(reason) => {
                if let Some(before) = &self.closed {
                    self.fail(format!("Closed({reason}) after Closed({before})"));
                }
                self.closed = Some(reason);
            }
            _ => {}
        }
    }

    /// Counts an outcome of request `id`; `None` (and a violation) when it is not the first.
    fn resolve(&mut self, id: u64, what: &str) -> Option<&mut Req> {
        let Some(req) = self.reqs.get_mut(&id) else {
            self.fail(format!("{what} for request {id}, which was never made"));
            return None;
        };
        req.resolutions += 1;
        if req.resolutions > 1 {
            let tag = req.tag;
            self.fail(format!(
                "request {id} (r{tag}) resolved twice, now with {what}"
            ));
            return None;
        }
        self.reqs.get_mut(&id)
    }

    fn end(&mut self, sid: u64, how: &'static str) {
        if let Some(before) = self.ended.get(&sid) {
            return self.fail(format!("sid {sid} {how} after it was already {before}"));
        }
        if !self.live.remove(&sid) {
            return self.fail(format!("sid {sid} {how}, but it was never subscribed"));
        }
        self.drains.remove(&sid);
        self.ended.insert(sid, how);
        self.delivered.remove(&sid);
    }

    fn flushed(&mut self, id: u64) {
        if !self.flushes.remove(&id) {
            self.fail(format!("flush {id} answered twice or never asked"));
        }
    }

    fn fail(&mut self, violation: String) {
        self.violations.push(violation);
    }
}
