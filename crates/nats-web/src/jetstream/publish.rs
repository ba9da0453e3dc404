//! Publishing to a stream and waiting for its acknowledgement ([`PubAck`]).

use nats_core::jetstream::headers;
use nats_core::jetstream::read_response;
use nats_core::proto::HeaderMap;

use super::{Context, JetStreamError, JetStreamErrorKind, PubAck};

/// What a publish asks of the stream besides storing it: deduplication by message id and
/// expectations the server checks before it stores (a failed one is an API error and
/// nothing is stored).
#[derive(Debug, Clone, Default)]
pub struct PublishOptions {
    /// The JetStream headers the options set, by name.
    expectations: Vec<(&'static str, String)>,
    /// The message's own headers.
    headers: Option<HeaderMap>,
}

impl PublishOptions {
    /// No options.
    pub fn new() -> Self {
        PublishOptions::default()
    }

    /// `Nats-Msg-Id`: a second publish with this id within the stream's duplicate window is
    /// acknowledged as a duplicate ([`PubAck::duplicate`]) and not stored again. Set one to
    /// retry a publish that timed out safely: the first may have been stored.
    pub fn msg_id(self, id: impl Into<String>) -> Self {
        self.header(headers::MSG_ID, id.into())
    }

    /// `Nats-Expected-Stream`: refused unless stream `stream` stores it.
    pub fn expected_stream(self, stream: impl Into<String>) -> Self {
        self.header(headers::EXPECTED_STREAM, stream.into())
    }

    /// `Nats-Expected-Last-Sequence`: refused unless the stream's last sequence is `seq`.
    pub fn expected_last_sequence(self, seq: u64) -> Self {
        self.header(headers::EXPECTED_LAST_SEQUENCE, seq.to_string())
    }

    /// `Nats-Expected-Last-Subject-Sequence`: refused unless the last sequence on the
    /// message's subject is `seq` (0: the subject has no message yet).
    pub fn expected_last_subject_sequence(self, seq: u64) -> Self {
        self.header(headers::EXPECTED_LAST_SUBJECT_SEQUENCE, seq.to_string())
    }

    /// `Nats-Expected-Last-Msg-Id`: refused unless the stream's last message had id `id`.
    pub fn expected_last_msg_id(self, id: impl Into<String>) -> Self {
        self.header(headers::EXPECTED_LAST_MSG_ID, id.into())
    }

    /// Headers of the message itself; the options' headers replace any of the same name.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = Some(headers);
        self
    }

    fn header(mut self, name: &'static str, value: String) -> Self {
        self.expectations.retain(|(n, _)| *n != name);
        self.expectations.push((name, value));
        self
    }

    /// The header block to send, `None` for none; a value that cannot be a header value
    /// (a CR or LF in a message id) is refused, never left out.
    fn into_headers(self) -> Result<Option<HeaderMap>, JetStreamError> {
        if self.expectations.is_empty() {
            return Ok(self.headers);
        }
        let mut headers = self.headers.unwrap_or_default();
        for (name, value) in self.expectations {
            headers.insert(name, value.as_str()).map_err(|e| {
                JetStreamError::invalid(format!("header {name}: {value:?} is refused: {e}"))
            })?;
        }
        Ok(Some(headers))
    }
}

impl Context {
    /// Publishes `payload` to `subject` and waits for the stream's acknowledgement.
    pub async fn publish(
        &self,
        subject: &str,
        payload: impl Into<Vec<u8>>,
    ) -> Result<PubAck, JetStreamError> {
        self.publish_with(subject, payload, PublishOptions::new())
            .await
    }

    /// Publishes `payload` to `subject` with `options` and waits for the stream's
    /// acknowledgement: an API error when an expectation failed (nothing stored),
    /// [`super::JetStreamErrorKind::NoResponders`] when no stream stores `subject`.
    pub async fn publish_with(
        &self,
        subject: &str,
        payload: impl Into<Vec<u8>>,
        options: PublishOptions,
    ) -> Result<PubAck, JetStreamError> {
        let mut request = self.client.request(subject, payload).timeout(self.timeout);
        if let Some(headers) = options.into_headers()? {
            request = request.headers(headers);
        }
        let reply = request.await.map_err(|e| {
            let error = JetStreamError::from_request(
                e,
                subject,
                "no stream stores this subject (or JetStream is not enabled)",
            );
            match error.kind() {
                JetStreamErrorKind::Timeout => JetStreamError::new(
                    JetStreamErrorKind::Timeout,
                    format!("{error}: {PUBLISH_TIMEOUT_HINT}"),
                ),
                _ => error,
            }
        })?;
        read_response(&reply.payload)
            .map_err(|e| JetStreamError::from_response(e, &format!("publishing to {subject}")))
    }
}

/// What a publish that got no ack means, and what to do.
const PUBLISH_TIMEOUT_HINT: &str = "no ack came, but the message may have been stored: retry \
     with the same msg_id (PublishOptions::msg_id) so that the stream drops a duplicate";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::JetStreamErrorKind;

    #[test]
    fn options_become_the_jetstream_headers_over_the_messages_own() {
        let mut own = HeaderMap::new();
        own.insert("Colour", "blue").unwrap();
        own.insert(headers::MSG_ID, "from-the-map").unwrap();
        let headers = PublishOptions::new()
            .msg_id("first")
            .msg_id("order-1")
            .expected_stream("ORDERS")
            .expected_last_sequence(7)
            .expected_last_subject_sequence(0)
            .headers(own)
            .into_headers()
            .unwrap()
            .unwrap();
        assert_eq!(headers.get("Colour"), Some("blue"));
        assert_eq!(
            headers.get(headers::MSG_ID),
            Some("order-1"),
            "the option wins"
        );
        assert_eq!(headers.get_all(headers::MSG_ID).count(), 1);
        assert_eq!(headers.get(headers::EXPECTED_STREAM), Some("ORDERS"));
        assert_eq!(headers.get(headers::EXPECTED_LAST_SEQUENCE), Some("7"));
        assert_eq!(
            headers.get(headers::EXPECTED_LAST_SUBJECT_SEQUENCE),
            Some("0")
        );
    }

    #[test]
    fn no_options_send_no_header_block() {
        assert_eq!(PublishOptions::new().into_headers().unwrap(), None);
    }

    #[test]
    fn a_value_that_cannot_be_a_header_is_refused_not_left_out() {
        for id in ["a\r\nb", "a\nb"] {
            let error = PublishOptions::new().msg_id(id).into_headers().unwrap_err();
            assert_eq!(error.kind(), JetStreamErrorKind::InvalidArgument, "{id:?}");
            assert!(error.to_string().contains(headers::MSG_ID), "{error}");
        }
    }
}
