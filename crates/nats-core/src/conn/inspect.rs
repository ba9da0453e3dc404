//! Read-only views of a connection's state: what it believes it holds on the server and how
//! much it buffers, so tests can compare it with the server's own view (`/connz`).

use super::Connection;

/// One subscription as the connection sees it: what it asked the server to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionInfo {
    /// The subscription id on the wire.
    pub sid: u64,
    /// The subject (wildcards allowed).
    pub subject: String,
    /// The queue group, if any.
    pub queue: Option<String>,
    /// Messages still to deliver before an `unsubscribe` limit ends it, if it has one.
    pub remaining: Option<u64>,
    /// Being drained: the server was told to stop sending, the last messages are on their way.
    pub draining: bool,
    /// The request inbox (the one wildcard subscription every reply arrives on).
    pub inbox: bool,
}

/// How many bytes the connection holds in its own buffers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BufferedBytes {
    /// Publishes waiting for a connection (bounded by the reconnect buffer size).
    pub held: usize,
    /// Bytes ready for the wire, not yet taken by `poll_transmit`.
    pub transmit: usize,
    /// Received bytes of an op not yet complete.
    pub received: usize,
    /// Events not yet taken by `poll_event` (a count, not bytes).
    pub events: usize,
}

impl Connection {
    /// Every live subscription, the request inbox included (after the others), as this
    /// connection believes the server holds them.
    pub fn subscriptions(&self) -> impl Iterator<Item = SubscriptionInfo> + '_ {
        let subs = self.subscriptions.iter().map(|(sid, s)| SubscriptionInfo {
            sid,
            subject: s.subject.clone(),
            queue: s.queue.clone(),
            remaining: s.max.map(|max| max.saturating_sub(s.delivered)),
            draining: s.draining,
            inbox: false,
        });
        let inbox = self.inbox.iter().map(|inbox| SubscriptionInfo {
            sid: inbox.sid,
            subject: format!("{}.*", inbox.prefix),
            queue: None,
            remaining: None,
            draining: false,
            inbox: true,
        });
        subs.chain(inbox)
    }

    /// The sizes of the connection's own buffers, to check that memory stays bounded.
    pub fn buffered_bytes(&self) -> BufferedBytes {
        BufferedBytes {
            held: self.held.len(),
            transmit: self.transmit.len(),
            received: self.received.len() - self.received_start,
            events: self.events.len(),
        }
    }
}
