//! The client's errors: one type per operation, each with a kind to match on and a message a
//! person can act on.

use std::fmt;
use std::time::Duration;

use nats_core::conn::{
    CloseReason, CommandError, CredentialsError, RequestFailure, ServerErrorKind,
};
use nats_core::proto::validate::ValidationError;
use nats_core::proto::Quoted;

/// What went wrong with a publish, subscribe, flush or drain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The subject is empty, has empty tokens, whitespace, or misplaced wildcards.
    InvalidSubject,
    /// The queue group name is empty or has whitespace.
    InvalidQueueGroup,
    /// Headers plus payload exceed the server's `max_payload`.
    MaxPayloadExceeded,
    /// The connection is draining and takes no new subscriptions or requests.
    Draining,
    /// The connection is closed.
    Closed,
    /// The subscription already ended.
    UnknownSubscription,
    /// [`super::Message::respond`] on a message that has no reply subject.
    NoReplySubject,
    /// The buffer for publishes is full: disconnected and the reconnect buffer is full, or
    /// connected and the bytes waiting for the WebSocket reached
    /// [`crate::ConnectOptions::send_buffer_size`].
    BufferFull,
    /// The server refused the subscription: this user may not subscribe to its subject (or
    /// in its queue group). The subscription has ended.
    PermissionDenied,
    /// A flush got no answer within its timeout (the server is slow or gone).
    TimedOut,
    /// A publish with headers to a server whose INFO says `headers: false` (nats-server's
    /// `no_header_support`); nothing was sent.
    HeadersNotSupported,
    /// Not connected to a server at the moment (reconnecting): [`super::Client::rtt`] has
    /// nothing to measure.
    Disconnected,
}

/// An error from a client operation other than connect and request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn closed() -> Self {
        Error::new(ErrorKind::Closed, "connection is closed")
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl From<CommandError> for Error {
    fn from(e: CommandError) -> Self {
        let kind = match &e {
            CommandError::Invalid(ValidationError::InvalidQueueGroup(_)) => {
                ErrorKind::InvalidQueueGroup
            }
            CommandError::Invalid(ValidationError::MaxPayloadExceeded { .. }) => {
                ErrorKind::MaxPayloadExceeded
            }
            CommandError::Invalid(_) => ErrorKind::InvalidSubject,
            CommandError::Draining => ErrorKind::Draining,
            CommandError::Closed => ErrorKind::Closed,
            CommandError::UnknownSubscription(_) => ErrorKind::UnknownSubscription,
            CommandError::BufferFull { .. } => ErrorKind::BufferFull,
            CommandError::PermissionDenied(_) => ErrorKind::PermissionDenied,
            CommandError::NotConnected { .. } => ErrorKind::Closed,
            CommandError::HeadersNotSupported => ErrorKind::HeadersNotSupported,
            CommandError::Disconnected | CommandError::NoServers => ErrorKind::Disconnected,
        };
        Error::new(kind, e.to_string())
    }
}

/// Why a request got no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestErrorKind {
    /// No reply within the timeout.
    TimedOut,
    /// Nobody is subscribed to the subject.
    NoResponders,
    /// The subject is not a valid publish subject.
    InvalidSubject,
    /// Headers plus payload exceed the server's `max_payload`.
    MaxPayloadExceeded,
    /// The connection is draining.
    Draining,
    /// The connection closed before a reply came.
    Closed,
    /// The connection was lost while waiting; the client is reconnecting.
    Disconnected,
    /// The buffer for publishes is full (see [`ErrorKind::BufferFull`]).
    BufferFull,
    /// The server refused this user the subscription to the request inbox, so no reply can
    /// arrive: waiting requests fail at once and later ones are refused. Grant subscribe
    /// permission on the inbox prefix (`_INBOX.>` by default) or choose another prefix.
    PermissionDenied,
    /// Headers were given and the server's INFO says `headers: false`; nothing was sent.
    HeadersNotSupported,
}

/// A request that got no reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequestError {
    kind: RequestErrorKind,
    message: String,
}

impl RequestError {
    /// Why there was no reply.
    pub fn kind(&self) -> RequestErrorKind {
        self.kind
    }

    pub(crate) fn from_failure(failure: RequestFailure, subject: &str, timeout: Duration) -> Self {
        let (kind, message) = match failure {
            RequestFailure::TimedOut => (
                RequestErrorKind::TimedOut,
                format!(
                    "request to {subject} timed out after {} ms",
                    // u64, not as_millis()'s u128: formatting a u128 costs 1.3 KB of wasm.
                    u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)
                ),
            ),
            RequestFailure::NoResponders => (
                RequestErrorKind::NoResponders,
                format!("no responders for {subject}"),
            ),
            RequestFailure::Closed => (
                RequestErrorKind::Closed,
                format!("connection closed before {subject} was answered"),
            ),
            RequestFailure::Disconnected => (
                RequestErrorKind::Disconnected,
                format!("connection lost before {subject} was answered; reconnecting"),
            ),
            RequestFailure::HeadersNotSupported => (
                RequestErrorKind::HeadersNotSupported,
                format!(
                    "request to {subject} was not sent: it has headers and the server does not \
                     support them"
                ),
            ),
            RequestFailure::PermissionDenied => (
                RequestErrorKind::PermissionDenied,
                format!(
                    "request to {subject} failed: the server refused this user the subscription \
                     to the reply inbox, so no reply can arrive"
                ),
            ),
        };
        RequestError { kind, message }
    }

    /// The request was refused: the bytes waiting for the WebSocket are at their limit.
    pub(crate) fn send_buffer_full(message: String) -> Self {
        RequestError {
            kind: RequestErrorKind::BufferFull,
            message,
        }
    }

    pub(crate) fn from_command(e: CommandError) -> Self {
        let kind = match &e {
            CommandError::Invalid(ValidationError::MaxPayloadExceeded { .. }) => {
                RequestErrorKind::MaxPayloadExceeded
            }
            CommandError::Invalid(_) => RequestErrorKind::InvalidSubject,
            CommandError::Draining => RequestErrorKind::Draining,
            CommandError::BufferFull { .. } => RequestErrorKind::BufferFull,
            CommandError::PermissionDenied(_) => RequestErrorKind::PermissionDenied,
            CommandError::NotConnected { .. }
            | CommandError::Disconnected
            | CommandError::NoServers => RequestErrorKind::Disconnected,
            CommandError::HeadersNotSupported => RequestErrorKind::HeadersNotSupported,
            CommandError::Closed | CommandError::UnknownSubscription(_) => RequestErrorKind::Closed,
        };
        RequestError {
            kind,
            message: e.to_string(),
        }
    }
}

/// What went wrong while connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectErrorKind {
    /// No server URLs were given.
    NoServers,
    /// A URL is not a `ws://` or `wss://` URL.
    InvalidUrl,
    /// The WebSocket could not be opened or closed during the handshake.
    Unreachable,
    /// The server refused the connection (credentials, TLS, ...), or cannot do what the
    /// options ask (`no_echo` of a server below protocol 1).
    Refused,
    /// The credentials cannot be used, and were not sent: an NKey seed or user JWT that
    /// cannot be read, or a seed that is not the JWT's user
    /// ([`CredentialsError::SeedDoesNotMatchJwt`]). See [`ConnectError::reason`].
    InvalidCredentials,
    /// The user JWT has expired: the server said "User Authentication Expired", or it
    /// refused the JWT and by the page's clock its `exp` has passed
    /// ([`CredentialsError::JwtExpired`]).
    CredentialsExpired,
    /// The account revoked the user: the server said "User Authentication Revoked".
    CredentialsRevoked,
    /// The auth callback failed or gave no answer within
    /// [`crate::ConnectOptions::auth_callback_timeout`].
    AuthCallbackFailed,
    /// The server did not complete the NATS handshake in time.
    TimedOut,
    /// An option is unusable (e.g. an `inbox_prefix` that is not a literal subject, or
    /// [`Auth::Callback`](crate::Auth::Callback) given to [`super::connect`] instead of
    /// [`super::connect_with_auth_callback`]); no server was contacted.
    InvalidOptions,
}

/// Connecting failed; the message names each server tried and what to check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConnectError {
    kind: ConnectErrorKind,
    attempts: Vec<String>,
    /// Why the last server tried failed, when the core said.
    reason: Option<CloseReason>,
}

impl ConnectError {
    pub(crate) fn new(kind: ConnectErrorKind, attempt: impl Into<String>) -> Self {
        ConnectError {
            kind,
            attempts: vec![attempt.into()],
            reason: None,
        }
    }

    /// One error for every server that was tried, in order; the kind is the last one's.
    pub(crate) fn from_attempts(attempts: &[(String, CloseReason)]) -> Self {
        let reason = attempts.last().map(|(_, r)| r.clone());
        let kind = match &reason {
            Some(CloseReason::Server(e)) => match e.kind {
                ServerErrorKind::AuthenticationExpired => ConnectErrorKind::CredentialsExpired,
                ServerErrorKind::AuthenticationRevoked => ConnectErrorKind::CredentialsRevoked,
                _ => ConnectErrorKind::Refused,
            },
            Some(CloseReason::InvalidCredentials(e)) => match e {
                CredentialsError::JwtExpired { .. } => ConnectErrorKind::CredentialsExpired,
                CredentialsError::AuthCallbackTimedOut { .. }
                | CredentialsError::AuthCallbackFailed(_) => ConnectErrorKind::AuthCallbackFailed,
                _ => ConnectErrorKind::InvalidCredentials,
            },
            Some(CloseReason::NoEchoNotSupported) => ConnectErrorKind::Refused,
            Some(CloseReason::ConnectTimeout) => ConnectErrorKind::TimedOut,
            Some(CloseReason::InvalidInboxPrefix(_)) => ConnectErrorKind::InvalidOptions,
            _ => ConnectErrorKind::Unreachable,
        };
        let attempts = attempts
            .iter()
            .map(|(url, reason)| match reason {
                // Transport descriptions already name the URL and what to check.
                CloseReason::TransportClosed(text) => text.clone(),
                CloseReason::InvalidInboxPrefix(_) | CloseReason::InvalidCredentials(_)
                    if url.is_empty() =>
                {
                    reason.to_string()
                }
                CloseReason::InvalidInboxPrefix(_) => reason.to_string(),
                other => format!("{url}: {other}"),
            })
            .collect();
        ConnectError {
            kind,
            attempts,
            reason,
        }
    }

    /// Why the last server tried failed, to match on: the server's refusal
    /// ([`CloseReason::Server`] with its [`ServerErrorKind`]) or credentials refused before
    /// they were sent ([`CloseReason::InvalidCredentials`] with its [`CredentialsError`]).
    pub fn reason(&self) -> Option<&CloseReason> {
        self.reason.as_ref()
    }

    /// What went wrong with the last server tried.
    pub fn kind(&self) -> ConnectErrorKind {
        self.kind
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.attempts.join("; "))
    }
}

/// Why [`super::Client::drain`] did not end in an orderly close.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrainError {
    /// The client is reconnecting: nothing was drained and the connection is unchanged (as
    /// nats.go's `ErrConnectionReconnecting`). `held_messages` publishes (`held_bytes` bytes
    /// on the wire) wait for the connection: they are sent once it is back, unless the client
    /// is closed first. Drain again once reconnected.
    #[error(
        "drain refused: not connected (reconnecting); {held_messages} publishes \
         ({held_bytes} bytes) are waiting for the connection and were not sent yet"
    )]
    NotConnected {
        /// Publishes waiting for the connection.
        held_messages: usize,
        /// Their size on the wire.
        held_bytes: usize,
    },
    /// The drain did not finish within [`crate::ConnectOptions::drain_timeout`]; the
    /// connection is closed, requests still waiting failed, and messages a subscriber had not
    /// handled yet may have gone unanswered. A [`super::Subscriber`] that is kept but never
    /// read to its end makes the drain wait this long: read it to the end or drop it.
    #[error("drain did not finish within the drain timeout; the connection is closed")]
    TimedOut,
    /// The connection closed for another reason before the drain finished (the server went
    /// away, or [`super::Client::close`] was called).
    #[error("drain did not finish: {0}")]
    Closed(CloseReason),
}

impl DrainError {
    /// The error for a connection that closed with `reason` before a drain finished.
    pub(crate) fn from_close(reason: CloseReason) -> Self {
        match reason {
            CloseReason::DrainTimeout => DrainError::TimedOut,
            other => DrainError::Closed(other),
        }
    }
}

/// Checks that `url` is something a browser WebSocket can open to a nats-server. A URL
/// without a scheme (`host:port`) is refused here: [`super::connect`] gives it one first
/// (see [`super::default_scheme`]).
pub fn check_server_url(url: &str) -> Result<(), ConnectError> {
    let invalid = |hint: &str| {
        Err(ConnectError::new(
            ConnectErrorKind::InvalidUrl,
            format!("{}: {hint}", Quoted(url)),
        ))
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return invalid("not a URL: use ws://host:port (the nats-server websocket listener)");
    };
    match scheme.to_ascii_lowercase().as_str() {
        "ws" | "wss" if !rest.is_empty() && !rest.contains(char::is_whitespace) => Ok(()),
        "ws" | "wss" => invalid("missing host: use ws://host:port"),
        "nats" | "tls" | "tcp" => invalid(
            "browsers cannot open nats:// (TCP) connections: use the server's websocket listener, ws://host:port",
        ),
        "http" | "https" => invalid("use ws:// (or wss://) with the websocket listener's port, not http(s)://"),
        _ => invalid("unsupported scheme: use ws:// or wss://"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_must_be_websocket_urls_with_a_hint_when_not() {
        assert!(check_server_url("ws://127.0.0.1:4280").is_ok());
        assert!(check_server_url("wss://demo.nats.io:8443").is_ok());
        for (bad, hint) in [
            ("127.0.0.1:4280", "ws://host:port"),
            ("nats://127.0.0.1:4222", "websocket listener"),
            ("http://127.0.0.1:8222", "not http(s)://"),
            ("ws://", "missing host"),
            ("ftp://x", "unsupported scheme"),
        ] {
            let e = check_server_url(bad).unwrap_err();
            assert_eq!(e.kind(), ConnectErrorKind::InvalidUrl);
            assert!(e.to_string().contains(hint), "{bad}: {e}");
        }
    }

    #[test]
    fn credential_failures_have_their_own_connect_error_kinds_and_keep_the_reason() {
        use nats_core::conn::ServerError;
        let url = "ws://a:1".to_owned();
        for (reason, kind) in [
            (
                CloseReason::Server(ServerError::parse("Authorization Violation")),
                ConnectErrorKind::Refused,
            ),
            (
                CloseReason::Server(ServerError::parse("User Authentication Expired")),
                ConnectErrorKind::CredentialsExpired,
            ),
            (
                CloseReason::Server(ServerError::parse("User Authentication Revoked")),
                ConnectErrorKind::CredentialsRevoked,
            ),
            (
                CloseReason::InvalidCredentials(CredentialsError::JwtExpired {
                    expired_at: 1,
                    now: 2,
                }),
                ConnectErrorKind::CredentialsExpired,
            ),
            (
                CloseReason::InvalidCredentials(CredentialsError::SeedDoesNotMatchJwt {
                    seed_key: "UA".into(),
                    jwt_subject: "UB".into(),
                }),
                ConnectErrorKind::InvalidCredentials,
            ),
            (
                CloseReason::InvalidCredentials(CredentialsError::AuthCallbackTimedOut {
                    timeout_ms: 5,
                }),
                ConnectErrorKind::AuthCallbackFailed,
            ),
        ] {
            let e = ConnectError::from_attempts(&[(url.clone(), reason.clone())]);
            assert_eq!(e.kind(), kind, "{reason:?}");
            assert_eq!(e.reason(), Some(&reason));
        }
    }

    #[test]
    fn request_errors_say_what_happened_to_which_subject() {
        let e = RequestError::from_failure(
            RequestFailure::NoResponders,
            "greet.joe",
            Duration::from_millis(500),
        );
        assert_eq!(e.kind(), RequestErrorKind::NoResponders);
        assert_eq!(e.to_string(), "no responders for greet.joe");
        let e = RequestError::from_failure(
            RequestFailure::TimedOut,
            "slow",
            Duration::from_millis(500),
        );
        assert_eq!(e.to_string(), "request to slow timed out after 500 ms");
        let e = RequestError::from_command(CommandError::Invalid(ValidationError::InvalidSubject(
            "a b".into(),
        )));
        assert_eq!(e.kind(), RequestErrorKind::InvalidSubject);
        assert!(e.to_string().contains("invalid subject"));
    }
}
