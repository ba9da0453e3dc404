//! What a user of the connection asks about it: its [`State`] in the five words nats.js and
//! async-nats use, and fresh inbox subjects for replies of their own.

use super::{Connection, Phase};

/// Where a connection is, as a user sees it. async-nats' `State` has the first three;
/// nats.js' status adds draining and closed, which are kept here too so that one call answers
/// "may I still use this connection?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Not connected yet: the first connect is still under way (no server has answered the
    /// handshake).
    Pending,
    /// Connected: commands go to the server at once (also while leaving a server in
    /// lame-duck mode).
    Connected,
    /// Was connected, lost the server, and is reconnecting: publishes wait in the reconnect
    /// buffer, subscriptions are sent again once a server answers.
    Disconnected,
    /// A drain is under way: no new subscriptions or requests; it ends in [`State::Closed`].
    Draining,
    /// Closed for good (drained, closed by the client, or given up); see
    /// [`super::Phase::Closed`] for why.
    Closed,
}

impl Connection {
    /// The connection's [`State`]: pending until the first handshake completes, then
    /// connected, disconnected (reconnecting), draining or closed.
    pub fn state(&self) -> State {
        match self.phase {
            Phase::Closed(_) => State::Closed,
            Phase::Draining => State::Draining,
            Phase::Connected => State::Connected,
            _ if !self.ever_connected => State::Pending,
            Phase::AwaitInfo | Phase::Handshake | Phase::Reconnecting => State::Disconnected,
        }
    }

    /// A new subject under [`super::ConnectOptions::inbox_prefix`], `<prefix>.<nuid>`, unique
    /// to this call: subscribe to it and give it as the reply subject of a publish to receive
    /// replies yourself (requests made with [`Connection::request`] use their own inbox).
    pub fn new_inbox(&mut self) -> String {
        format!("{}.{}", self.options.inbox_prefix, self.nuid.next())
    }
}
