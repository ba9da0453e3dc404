//! [`JsMessage`]: a message a consumer delivered, with its metadata and its acknowledgements.

use crate::client::Message;

use super::{Context, JetStreamError, JetStreamErrorKind, MessageInfo};

/// A message delivered by a JetStream consumer: the message, and what its `$JS.ACK` reply
/// subject says about it (stream and consumer sequences, deliveries, time, pending).
#[derive(Debug, Clone)]
pub struct JsMessage {
    /// The message as delivered (subject, headers, payload; its reply is the ack subject).
    pub message: Message,
    /// Its metadata.
    pub info: MessageInfo,
}

impl JsMessage {
    /// The message with its metadata, if its reply subject is a `$JS.ACK` subject.
    pub fn from_message(message: Message) -> Option<Self> {
        let info = MessageInfo::from_reply(message.reply.as_deref()?)?;
        Some(JsMessage { message, info })
    }

    /// Acknowledges it: done, not to be redelivered.
    pub async fn ack(&self) -> Result<(), JetStreamError> {
        self.send(b"+ACK").await
    }

    /// Acknowledges it and waits until the server confirms it took the ack (within
    /// `context`'s timeout): after this the consumer's info counts it as acknowledged.
    pub async fn double_ack(&self, context: &Context) -> Result<(), JetStreamError> {
        let reply = self.reply()?;
        context
            .client()
            .request(reply, "+ACK")
            .timeout(context.request_timeout())
            .await
            .map(|_| ())
            .map_err(|e| {
                JetStreamError::from_request(e, reply, "the consumer is gone (or it was acked)")
            })
    }

    /// Negative acknowledgement: redeliver it (now, or after the consumer's backoff).
    pub async fn nak(&self) -> Result<(), JetStreamError> {
        self.send(b"-NAK").await
    }

    /// Terminates it: never redeliver, however many deliveries are left.
    pub async fn term(&self) -> Result<(), JetStreamError> {
        self.send(b"+TERM").await
    }

    /// Work in progress: restart its ack wait (call it while handling takes long).
    pub async fn in_progress(&self) -> Result<(), JetStreamError> {
        self.send(b"+WPI").await
    }

    async fn send(&self, body: &[u8]) -> Result<(), JetStreamError> {
        self.message
            .respond(body)
            .await
            .map_err(|e| JetStreamError::from_client(e, "acknowledging a JetStream message"))
    }

    fn reply(&self) -> Result<&str, JetStreamError> {
        self.message.reply.as_deref().ok_or_else(|| {
            JetStreamError::new(
                JetStreamErrorKind::InvalidArgument,
                "the message has no ack subject",
            )
        })
    }
}
