//! Protocol operations as values: what the server sends ([`ServerOp`]) and what the client sends
//! ([`ClientOp`]).

use super::{ConnectInfo, HeaderError, HeaderMap, ServerInfo};

/// One operation received from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOp {
    /// `INFO {json}`: server details, on connect and again when they change.
    Info(Box<ServerInfo>),
    /// `MSG` or `HMSG`: a message for one of our subscriptions.
    Msg(MsgOp),
    /// `PING`: must be answered with `PONG`.
    Ping,
    /// `PONG`: the answer to our oldest unanswered `PING`.
    Pong,
    /// `+OK`: acknowledgement in verbose mode.
    Ok,
    /// `-ERR 'text'`: a protocol error; the text without its quotes.
    Err(String),
}

/// A message delivered by `MSG` (without headers) or `HMSG` (with headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgOp {
    /// The subject it was published to.
    pub subject: String,
    /// The subscription it was delivered for.
    pub sid: u64,
    /// The subject to reply to, for requests.
    pub reply: Option<String>,
    /// Headers, present for an `HMSG` with a header block: what could be read of it (see
    /// [`HeaderMap::decode_lenient`]).
    pub headers: Option<HeaderMap>,
    /// The header block exactly as received, from `NATS/1.0` through the blank line that ends
    /// it; present when `headers` is.
    pub raw_headers: Option<Vec<u8>>,
    /// Why part of the header block could not be read into `headers`, if it could not. The
    /// server forwards header blocks unchanged, so a publisher's bad block is reported here
    /// and the message is still delivered.
    pub header_error: Option<HeaderError>,
    /// The message body.
    pub payload: Vec<u8>,
}

/// One operation the client sends. Borrowed, so that publishing copies a payload only once:
/// straight into the outgoing buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientOp<'a> {
    /// `CONNECT {json}`: the first op of a connection.
    Connect(&'a ConnectInfo),
    /// `PUB`: publish without headers.
    Pub {
        /// Literal subject to publish to.
        subject: &'a str,
        /// Subject the receiver should reply to.
        reply: Option<&'a str>,
        /// Message body.
        payload: &'a [u8],
    },
    /// `HPUB`: publish with headers.
    HPub {
        /// Literal subject to publish to.
        subject: &'a str,
        /// Subject the receiver should reply to.
        reply: Option<&'a str>,
        /// Message headers.
        headers: &'a HeaderMap,
        /// Message body.
        payload: &'a [u8],
    },
    /// `SUB`: subscribe `sid` to a subject, optionally in a queue group.
    Sub {
        /// Subject, wildcards allowed.
        subject: &'a str,
        /// Queue group: each message goes to one member of the group.
        queue: Option<&'a str>,
        /// Subscription id chosen by the client.
        sid: u64,
    },
    /// `UNSUB`: stop the subscription now, or after `max` messages in total.
    Unsub {
        /// Subscription id.
        sid: u64,
        /// Total messages after which the server ends the subscription.
        max: Option<u64>,
    },
    /// `PING`: ask for a `PONG` (keepalive and flush).
    Ping,
    /// `PONG`: answer a server `PING`.
    Pong,
}
