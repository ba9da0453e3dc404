//! A connection's status, as the page says it.

/// A connection's status, as text a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnStatus {
    /// Not started.
    Idle,
    /// Opening the WebSocket and running the NATS handshake.
    Connecting(String),
    /// Connected: server name, version, URL.
    Connected {
        /// Server name from INFO.
        server: String,
        /// Server version from INFO.
        version: String,
        /// URL in use.
        url: String,
    },
    /// The connection was lost; the client reconnects.
    Disconnected(String),
    /// Trying a server again.
    Reconnecting {
        /// Attempt number since the connection was last up.
        attempt: u32,
        /// The server tried.
        url: String,
    },
    /// Draining before close.
    Draining,
    /// Closed in an orderly way.
    Closed(String),
    /// Failed, with what to check.
    Error(String),
}

impl ConnStatus {
    /// The status line's text.
    pub fn text(&self) -> String {
        match self {
            ConnStatus::Idle => "not connected".into(),
            ConnStatus::Connecting(url) => format!("connecting to {url}…"),
            ConnStatus::Connected {
                server,
                version,
                url,
            } => format!("connected to {server} (nats-server {version}) at {url}"),
            ConnStatus::Disconnected(why) => format!("disconnected ({why}); reconnecting…"),
            ConnStatus::Reconnecting { attempt, url } => {
                format!("reconnecting to {url} (attempt {attempt})…")
            }
            ConnStatus::Draining => "draining…".into(),
            ConnStatus::Closed(why) => format!("closed: {why}"),
            ConnStatus::Error(e) => format!("error: {e}"),
        }
    }
}
