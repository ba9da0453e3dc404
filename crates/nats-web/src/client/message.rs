//! [`Message`]: one message received on a subscription or as a reply, with what async-nats
//! puts on it (status, description, length) and the way to answer it.

use nats_core::conn;
use nats_core::proto::{HeaderError, HeaderMap, StatusCode};

use super::{Client, Error, ErrorKind};

/// A message received on a subscription or as a reply.
///
/// It holds a [`Client`] handle so that [`Message::respond`] works wherever the message
/// goes: a message kept (in a signal, a list, a component's state) keeps the connection
/// alive until it is dropped too.
#[derive(Clone)]
pub struct Message {
    /// The subject it was published to.
    pub subject: String,
    /// Where to send a reply, if the sender asked for one.
    pub reply: Option<String>,
    /// Headers, if it had any: every entry that could be read (see `header_error`).
    pub headers: Option<HeaderMap>,
    /// The header block exactly as received (from `NATS/1.0` through the blank line).
    pub raw_headers: Option<Vec<u8>>,
    /// The first problem found reading the header block (a line without `:`, a name with a
    /// space, ...): such a block is still delivered, with what could be read in `headers`.
    pub header_error: Option<HeaderError>,
    /// The body.
    pub payload: Vec<u8>,
    /// The message's size as async-nats counts it: subject, reply subject, header block and
    /// payload, in bytes as received.
    pub length: usize,
    client: Client,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("subject", &self.subject)
            .field("reply", &self.reply)
            .field("headers", &self.headers)
            .field("header_error", &self.header_error)
            .field("payload", &String::from_utf8_lossy(&self.payload))
            .field("length", &self.length)
            .finish()
    }
}

impl Message {
    pub(crate) fn new(inner: conn::Message, client: Client) -> Self {
        let length = inner.subject.len()
            + inner.reply.as_ref().map_or(0, String::len)
            + inner.raw_headers.as_ref().map_or(0, Vec::len)
            + inner.payload.len();
        Message {
            subject: inner.subject,
            reply: inner.reply,
            headers: inner.headers,
            raw_headers: inner.raw_headers,
            header_error: inner.header_error,
            payload: inner.payload,
            length,
            client,
        }
    }

    /// The status on the header line (`NATS/1.0 503`), if it has one: the server's
    /// [`StatusCode::NO_RESPONDERS`] for a request nobody answers, JetStream's
    /// [`StatusCode::NOT_FOUND`], [`StatusCode::TIMEOUT`], ...
    pub fn status(&self) -> Option<StatusCode> {
        self.headers.as_ref().and_then(HeaderMap::status)
    }

    /// The text after the status on the header line (`No Messages` in
    /// `NATS/1.0 404 No Messages`), if any.
    pub fn description(&self) -> Option<&str> {
        self.headers.as_ref().and_then(HeaderMap::description)
    }

    /// Publishes `payload` to this message's reply subject.
    pub async fn respond(&self, payload: impl AsRef<[u8]>) -> Result<(), Error> {
        let reply = self.reply_subject()?;
        self.client.publish(reply, payload).await
    }

    /// Publishes `payload` with `headers` to this message's reply subject.
    pub async fn respond_with_headers(
        &self,
        headers: &HeaderMap,
        payload: impl AsRef<[u8]>,
    ) -> Result<(), Error> {
        let reply = self.reply_subject()?;
        self.client
            .publish_with_headers(reply, headers, payload)
            .await
    }

    /// [`Message::respond`] or [`Message::respond_with_headers`] without a future: one
    /// function for both (a service's replies), not one state machine per call site.
    pub(crate) fn respond_now(
        &self,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> Result<(), Error> {
        let reply = self.reply_subject()?;
        let size = reply.len() + headers.map_or(0, HeaderMap::encoded_len) + payload.len();
        self.client
            .publish_command(size, |conn| conn.publish(reply, None, headers, payload))
    }

    fn reply_subject(&self) -> Result<&str, Error> {
        self.reply.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::NoReplySubject,
                format!(
                    "message on {} has no reply subject to respond to",
                    self.subject
                ),
            )
        })
    }
}
