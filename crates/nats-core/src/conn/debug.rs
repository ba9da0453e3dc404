//! `Debug` of a [`Connection`]: where it is and what it holds, never the bytes it sends or
//! receives (a queued `CONNECT` carries the credentials) nor a secret of its options (see
//! [`super::Auth`]'s `Debug`).

use std::fmt;

use super::Connection;

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("phase", &self.phase)
            .field("options", &self.options)
            .field("info", &self.info)
            .field("pool", &self.pool)
            .field("subscriptions", &self.subscriptions.iter().count())
            .field("requests", &self.requests.iter().count())
            .field("bytes_to_send", &self.transmit.len())
            .field("bytes_received", &self.received.len())
            .field("events", &self.events.len())
            .field("reconnect_attempts", &self.reconnect_attempts)
            .field("auth_failures", &self.auth_failures)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}
