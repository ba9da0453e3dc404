//! What the connection reports ([`Event`]) and the errors its commands return.

use std::fmt;

use super::{CredentialsError, ServerError, TraceLine};
use crate::proto::validate::ValidationError;
use crate::proto::{HeaderError, HeaderMap, MsgOp, ParseError, ServerInfo, StatusCode};

/// Identifies a request made with [`super::Connection::request`] or
/// [`super::Connection::request_many`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// Identifies a flush made with [`super::Connection::flush`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlushId(pub u64);

/// Identifies a round-trip measurement made with [`super::Connection::rtt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RttId(pub u64);

/// A message received on a subscription or as the reply to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject it was published to.
    pub subject: String,
    /// Where to send a reply, if the sender asked for one.
    pub reply: Option<String>,
    /// Headers, if it had any: what could be read of the block (see `header_error`).
    pub headers: Option<HeaderMap>,
    /// The header block exactly as received, present when `headers` is; the server forwards
    /// a publisher's block unchanged, so this holds what `headers` could not.
    pub raw_headers: Option<Vec<u8>>,
    /// Why part of the header block could not be read into `headers`, if it could not. The
    /// message is delivered all the same.
    pub header_error: Option<HeaderError>,
    /// The body.
    pub payload: Vec<u8>,
}

impl Message {
    /// The status from the header line (`503` for no responders), if any.
    pub fn status(&self) -> Option<StatusCode> {
        self.headers.as_ref().and_then(HeaderMap::status)
    }

    /// The description after the status on the header line (`No Messages` in
    /// `NATS/1.0 404 No Messages`), if any.
    pub fn description(&self) -> Option<&str> {
        self.headers.as_ref().and_then(HeaderMap::description)
    }

    /// True for the server's "no responders" answer: status 503 and an empty body.
    pub fn is_no_responders(&self) -> bool {
        self.status() == Some(StatusCode::NO_RESPONDERS) && self.payload.is_empty()
    }
}

impl From<MsgOp> for Message {
    fn from(op: MsgOp) -> Self {
        Message {
            subject: op.subject,
            reply: op.reply,
            headers: op.headers,
            raw_headers: op.raw_headers,
            header_error: op.header_error,
            payload: op.payload,
        }
    }
}

/// Why a request ended without a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFailure {
    /// No reply within the request's timeout.
    TimedOut,
    /// Nobody is subscribed to the subject.
    NoResponders,
    /// The connection closed or drained before a reply came.
    Closed,
    /// The transport was lost while the request waited; the client is reconnecting.
    Disconnected,
    /// The server refused the subscription to the request inbox (a permission violation):
    /// no reply can reach this connection, so every request fails at once.
    PermissionDenied,
    /// The request had headers and was held while disconnected (or before the first
    /// connect); the server it was then to go to does not take headers (INFO
    /// `headers: false`), so it was never sent.
    HeadersNotSupported,
}

impl fmt::Display for RequestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestFailure::TimedOut => "timed out",
            RequestFailure::NoResponders => "no responders",
            RequestFailure::Closed => "connection closed",
            RequestFailure::Disconnected => "disconnected",
            RequestFailure::PermissionDenied => "permission denied for the reply inbox",
            RequestFailure::HeadersNotSupported => "the server does not support headers",
        })
    }
}

/// Why the connection closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloseReason {
    /// [`super::Connection::drain`] finished.
    #[error("connection drained")]
    Drained,
    /// [`super::Connection::close`] was called.
    #[error("connection closed by the client")]
    ClosedByClient,
    /// No INFO or no first PONG within the connect timeout.
    #[error("no answer from the server within the connect timeout: is it a NATS server?")]
    ConnectTimeout,
    /// Too many of our PINGs went unanswered.
    #[error("stale connection: the server stopped answering PINGs")]
    StaleConnection,
    /// The drain did not finish within the drain timeout.
    #[error("drain did not finish within the drain timeout")]
    DrainTimeout,
    /// The server sent a fatal `-ERR`.
    #[error("{0}")]
    Server(ServerError),
    /// The server sent bytes that are not the NATS protocol.
    #[error("protocol error: {0}")]
    Protocol(ParseError),
    /// The transport closed without being asked to.
    #[error("connection lost: {0}")]
    TransportClosed(String),
    /// The server announced lame-duck mode (it is about to shut down).
    #[error("the server is shutting down (lame-duck mode)")]
    LameDuckMode,
    /// [`super::ConnectOptions::inbox_prefix`] is not a literal subject (it would put a
    /// malformed or queue-group `SUB` on the wire); nothing was sent.
    #[error("invalid inbox prefix: {0}")]
    InvalidInboxPrefix(ValidationError),
    /// The credentials could not be used: an invalid NKey seed, user JWT or signed
    /// credentials, a seed that is not the JWT's user, or an auth callback that failed or
    /// timed out (nothing was sent with them); or the server refused a JWT whose `exp` has
    /// passed ([`CredentialsError::JwtExpired`]). Like a refusal by the server, it counts as
    /// an authentication failure: the next attempt backs off.
    #[error("invalid credentials: {0}")]
    InvalidCredentials(CredentialsError),
    /// [`super::ConnectOptions::no_echo`] was asked of a server that cannot do it (its INFO
    /// `proto` is below 1): it would send this connection's own messages back. Like a
    /// refusal, it fails that attempt ([`Event::Disconnected`]) and the next server of the
    /// pool is tried; the connection closes with it only when no attempt is left.
    #[error("the server does not support no_echo (its protocol level is below 1)")]
    NoEchoNotSupported,
    /// [`super::Connection::force_reconnect`] dropped the transport (reported in
    /// [`Event::Disconnected`]; the reconnect follows at once).
    #[error("reconnect forced by the client")]
    ReconnectForced,
    /// Reconnecting failed the configured number of times.
    #[error("gave up after {attempts} reconnect attempts; last: {last}")]
    ReconnectsExhausted {
        /// Attempts made.
        attempts: u32,
        /// Why the last one failed.
        last: Box<CloseReason>,
    },
}

/// What the connection asks of its transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Close the current transport (if any) and open one to this URL.
    Open(String),
    /// Close the current transport.
    Close,
}

/// Something the connection reports to its owner, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The handshake finished: the server answered our first PING.
    Connected(Box<ServerInfo>),
    /// The transport to `url` was lost (or could not be opened); reconnecting follows unless
    /// [`Event::Closed`] does.
    Disconnected {
        /// The server that was lost.
        url: String,
        /// Why.
        reason: CloseReason,
    },
    /// Trying server `url`, attempt `attempt` since the connection was last up.
    Reconnecting {
        /// 1 for the first attempt after a loss.
        attempt: u32,
        /// The server tried.
        url: String,
    },
    /// Connected again, subscriptions restored and buffered publishes sent.
    Reconnected {
        /// The server now in use.
        url: String,
        /// Its INFO.
        info: Box<ServerInfo>,
    },
    /// With [`super::Auth::Callback`]: the server's INFO arrived and the connection waits for
    /// [`super::Connection::provide_credentials`] before it sends `CONNECT` (at most
    /// [`super::ConnectOptions::auth_callback_timeout`], and not past the attempt's
    /// `connection_timeout`). Comes on every connect and reconnect.
    CredentialsNeeded {
        /// The server's nonce: the connection signs it itself for NKey and JWT credentials;
        /// for [`super::Auth::Signed`] the owner has it signed elsewhere.
        nonce: Option<String>,
    },
    /// The server sent new INFO (cluster change, lame-duck mode).
    ServerInfo(Box<ServerInfo>),
    /// The server in use announced lame-duck mode: it will shut down soon. The connection
    /// keeps serving, and (when another server is known) moves after a random delay within
    /// [`super::ConnectOptions::lame_duck_window`]: [`Event::Disconnected`] with
    /// [`CloseReason::LameDuckMode`], then [`Event::Reconnected`] to another server. Requests
    /// in flight are not failed by the move.
    LameDuckMode {
        /// The server that is shutting down (empty when the connection was given no servers).
        url: String,
    },
    /// A publish accepted while disconnected (or before the first connect) was not sent: the
    /// server it then went to would have closed the connection for it, as it was bigger than
    /// that server's `max_payload`, or had headers and the server's INFO says
    /// `headers: false`. The held publishes before and after it were sent, in order. When it
    /// was a request, [`Event::RequestFailed`] follows, with [`RequestFailure::Disconnected`]
    /// (too big) or [`RequestFailure::HeadersNotSupported`] ([`Event::RequestManyEnded`]
    /// with the same reason for a request_many).
    PublishDropped {
        /// Its subject.
        subject: String,
        /// The request it carried, if it was one.
        request: Option<RequestId>,
        /// Why it was not sent ([`ValidationError::MaxPayloadExceeded`] or
        /// [`ValidationError::HeadersNotSupported`]).
        reason: ValidationError,
    },
    /// The connection closed while publishes made during a disconnection were still waiting
    /// for a server (closed by the client, or reconnects exhausted): they were never sent.
    /// Comes just before [`Event::Closed`].
    HeldPublishesDiscarded {
        /// Publishes discarded (requests among them also fail with `Closed`).
        messages: usize,
        /// Their bytes on the wire.
        bytes: usize,
    },
    /// A message for a subscription.
    Message {
        /// The subscription.
        sid: u64,
        /// The message.
        message: Message,
    },
    /// The reply to a request.
    Response {
        /// The request.
        id: RequestId,
        /// The reply.
        message: Message,
    },
    /// A request ended without a reply.
    RequestFailed {
        /// The request.
        id: RequestId,
        /// Why.
        kind: RequestFailure,
    },
    /// One reply to a [`super::Connection::request_many`]; more may follow until its
    /// [`Event::RequestManyEnded`].
    RequestManyResponse {
        /// The request.
        id: RequestId,
        /// The reply.
        message: Message,
    },
    /// A [`super::Connection::request_many`] ended, normally or not: no reply of it follows.
    /// Reported exactly once, unless it was canceled.
    RequestManyEnded {
        /// The request.
        id: RequestId,
        /// Why.
        end: super::ResponsesEnd,
    },
    /// A subscription received its last message (its `unsubscribe` limit, or it was removed).
    SubscriptionEnded {
        /// The subscription.
        sid: u64,
    },
    /// A drained subscription delivered everything that arrived before its drain.
    SubscriptionDrained {
        /// The subscription.
        sid: u64,
    },
    /// The server refused subscription `sid` (a permission violation for its subject and
    /// queue group). It has ended: no message follows, it is not sent again on reconnect, and
    /// no [`Event::SubscriptionEnded`] follows.
    SubscriptionDenied {
        /// The subscription.
        sid: u64,
        /// The server's error, naming the subject (and queue group).
        error: ServerError,
    },
    /// A connection drain delivered the last message of every subscription (each got its
    /// [`Event::SubscriptionDrained`]). The drain now waits for the owner to call
    /// [`super::Connection::messages_handled`] once its application has handled every message
    /// delivered to them; responders can still publish their replies meanwhile.
    AllSubscriptionsDrained,
    /// Everything sent before the flush reached the server and was processed.
    Flushed(FlushId),
    /// The outcome of [`super::Connection::rtt`]: the time from its PING to the server's
    /// PONG, or why no PONG came ([`RequestFailure::Disconnected`]: the transport was lost;
    /// [`RequestFailure::Closed`]).
    Rtt {
        /// The measurement.
        id: RttId,
        /// The round trip.
        rtt: Result<std::time::Duration, RequestFailure>,
    },
    /// A flush made with [`super::Connection::flush_within`] got no answer within its timeout
    /// (the server is gone or the connection is reconnecting). No [`Event::Flushed`] follows.
    FlushTimedOut(FlushId),
    /// A `-ERR` after which the connection stays open (permissions, invalid subject).
    ServerError(ServerError),
    /// An operation sent or received, when [`super::ConnectOptions::trace`] is on.
    Trace(TraceLine),
    /// The connection is closed; no more events follow.
    Closed(CloseReason),
}

/// Why a command was refused. Nothing was queued when a command returns one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// A subject, queue group or size was invalid.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The connection is draining: no new subscriptions or requests.
    #[error("connection is draining: no new subscriptions or requests")]
    Draining,
    /// The connection is closed.
    #[error("connection is closed")]
    Closed,
    /// The buffer for publishes made while disconnected is full.
    #[error("disconnected, and the reconnect buffer of {limit} bytes is full: message not sent")]
    BufferFull {
        /// The buffer's size.
        limit: usize,
    },
    /// No such subscription (it ended, or was never made).
    #[error("no subscription with sid {0}")]
    UnknownSubscription(u64),
    /// [`super::Connection::drain`] while not connected (reconnecting, or before the first
    /// connect finished): nothing was drained and nothing changed. The publishes counted here
    /// still wait for the connection; drain again once connected, or close to discard them.
    #[error(
        "not connected, so nothing was drained: {held_messages} publishes ({held_bytes} bytes) \
         are waiting for the connection; drain again once reconnected, or close to discard them"
    )]
    NotConnected {
        /// Publishes waiting for the connection.
        held_messages: usize,
        /// Their size on the wire.
        held_bytes: usize,
    },
    /// The server refused the subscription to the request inbox, so no request can get a
    /// reply on this connection (give the user permission to subscribe to the inbox prefix,
    /// `_INBOX.>` by default, or choose another prefix).
    #[error("request refused: {0}")]
    PermissionDenied(ServerError),
    /// A publish with headers, and the server's INFO says `headers: false` (nats-server's
    /// `no_header_support`): it cannot take `HPUB`. Publish without headers.
    #[error("the server does not support headers: publish without headers")]
    HeadersNotSupported,
    /// Not connected to a server now (reconnecting, or the first connect has not finished):
    /// [`super::Connection::rtt`] has nothing to measure.
    #[error("not connected to a server (reconnecting)")]
    Disconnected,
    /// The connection was given no servers (its owner opened the transport), so it cannot
    /// reconnect: [`super::Connection::force_reconnect`] is refused.
    #[error("no server list to reconnect to")]
    NoServers,
}

/// Counts of what went in and out, for display and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Statistics {
    /// Messages received.
    pub in_messages: u64,
    /// Bytes received: headers plus payload (as nats.go counts them).
    pub in_bytes: u64,
    /// Messages published.
    pub out_messages: u64,
    /// Bytes published: headers plus payload (as nats.go counts them).
    pub out_bytes: u64,
}
