//! Consumers: create, info, delete; and pulling from a pull consumer, a batch at a time
//! ([`PullConsumer::fetch`]) or as a stream ([`PullConsumer::messages`]).
//!
//! A pull is one `CONSUMER.MSG.NEXT` request with many replies (the client's
//! `request_many`): the messages, then at most one status that ends it early (404 no
//! messages, 408 request expired, 409 for the consumer's limits or its deletion; heartbeats,
//! 100, are skipped). The client waits the pull's `expires` plus the context's timeout at
//! most. Messages a dropped pull would still have brought are not lost: unacknowledged, the
//! server redelivers them after the consumer's `ack_wait`.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt};
use nats_core::jetstream::api::{tail, SuccessResponse};
use nats_core::jetstream::consumer::{validate_consumer_name, CreateConsumerRequest, NextRequest};
use nats_core::jetstream::stream::validate_stream_name;
use nats_core::proto::StatusCode;

use super::stream::succeeded;
use super::{ConsumerConfig, ConsumerInfo, Context, JetStreamError, JetStreamErrorKind, JsMessage};
use crate::client::{Message, RequestErrorKind, Responses, ResponsesEnd};

/// How long a pull waits for messages unless [`PullConsumer::expires`] says otherwise.
pub const DEFAULT_EXPIRES: Duration = Duration::from_secs(30);

/// Messages one pull of [`PullConsumer::messages`] asks for unless [`PullConsumer::batch`]
/// says otherwise.
pub const DEFAULT_BATCH: usize = 100;

impl Context {
    /// Creates (or, with the same configuration, finds) a consumer on `stream`: named by
    /// `config.name` or `config.durable_name`, else ephemeral with a name the server picks.
    pub async fn create_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, JetStreamError> {
        validate_stream_name(stream)?;
        config.validate()?;
        let subject = tail::consumer_create(stream, config.create_name());
        let request = CreateConsumerRequest {
            stream_name: stream.to_owned(),
            config,
        };
        self.request(&subject, &request).await
    }

    /// The consumer `name` on `stream`; an API error (err_code 10014) if there is none.
    pub async fn consumer_info(
        &self,
        stream: &str,
        name: &str,
    ) -> Result<ConsumerInfo, JetStreamError> {
        validate_stream_name(stream)?;
        validate_consumer_name(name)?;
        self.request(&tail::consumer_info(stream, name), &()).await
    }

    /// Deletes the consumer `name` on `stream`.
    pub async fn delete_consumer(&self, stream: &str, name: &str) -> Result<(), JetStreamError> {
        validate_stream_name(stream)?;
        validate_consumer_name(name)?;
        let reply: SuccessResponse = self
            .request(&tail::consumer_delete(stream, name), &())
            .await?;
        succeeded(reply, "deleting consumer", name).map(|_| ())
    }

    /// The pull consumer `name` on `stream` (which must exist: see
    /// [`Context::create_consumer`]); nothing is sent until it is pulled from.
    pub fn pull_consumer(&self, stream: &str, name: &str) -> PullConsumer {
        PullConsumer {
            context: self.clone(),
            stream: stream.to_owned(),
            name: name.to_owned(),
            expires: DEFAULT_EXPIRES,
            batch: DEFAULT_BATCH,
        }
    }
}

/// A pull consumer to fetch from: cheap to clone.
#[derive(Clone)]
pub struct PullConsumer {
    context: Context,
    stream: String,
    name: String,
    expires: Duration,
    batch: usize,
}

/// One pull in flight.
struct Pull {
    responses: Responses,
    /// Something came for it (a message or a status).
    heard: bool,
}

impl PullConsumer {
    /// How long each pull waits for messages (default [`DEFAULT_EXPIRES`]); a `fetch`
    /// returns earlier when its batch is full.
    pub fn expires(mut self, expires: Duration) -> Self {
        self.expires = expires;
        self
    }

    /// Messages one pull of [`PullConsumer::messages`] asks for (default [`DEFAULT_BATCH`]).
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Up to `n` messages: as many as come within `expires` (fewer if the server ends the
    /// pull, none if there are none). Fails with [`JetStreamErrorKind::NoResponders`] when
    /// the consumer does not exist (or JetStream is not there), with
    /// [`JetStreamErrorKind::Timeout`] when the server sent nothing, not even the expiry.
    pub async fn fetch(&self, n: usize) -> Result<Vec<JsMessage>, JetStreamError> {
        self.fetch_inner(n, false).await
    }

    /// Up to `n` messages that are there now: the server ends the pull at once (404) when
    /// there are none left.
    pub async fn fetch_no_wait(&self, n: usize) -> Result<Vec<JsMessage>, JetStreamError> {
        self.fetch_inner(n, true).await
    }

    async fn fetch_inner(&self, n: usize, no_wait: bool) -> Result<Vec<JsMessage>, JetStreamError> {
        let mut pull = self.pull(n, no_wait).await?;
        let mut messages = Vec::new();
        while let Some(message) = self.next_in_pull(&mut pull).await {
            messages.push(message?);
        }
        match pull.responses.end() {
            Some(ResponsesEnd::MaxWait) if !pull.heard => Err(self.silent()),
            _ => Ok(messages),
        }
    }

    /// An endless stream of the consumer's messages, a pull of [`PullConsumer::batch`] at a
    /// time. A lost connection is waited out (the next pull goes when it is back); it ends
    /// after an `Err` item when the consumer or the connection is gone for good.
    pub fn messages(&self) -> PullMessages {
        let state = PullState {
            consumer: self.clone(),
            current: None,
            done: false,
        };
        PullMessages {
            inner: Box::pin(futures::stream::unfold(state, PullState::next)),
        }
    }

    /// Sends one pull for `n` messages.
    async fn pull(&self, n: usize, no_wait: bool) -> Result<Pull, JetStreamError> {
        validate_stream_name(&self.stream)?;
        validate_consumer_name(&self.name)?;
        let body = NextRequest {
            batch: n.max(1),
            expires: self.expires,
            no_wait,
            ..NextRequest::default()
        };
        let payload = serde_json::to_vec(&body).map_err(JetStreamError::invalid)?;
        let subject = self
            .context
            .api_prefix()
            .subject(&tail::consumer_next(&self.stream, &self.name));
        self.context
            .client()
            .request_many(subject.as_str(), payload)
            .max_messages(n.max(1))
            .max_wait(self.expires.saturating_add(self.context.request_timeout()))
            .await
            .map(|responses| Pull {
                responses,
                heard: false,
            })
            .map_err(|e| JetStreamError::from_request(e, &subject, self.no_consumer()))
    }

    /// The next message of a pull; `None` at its end (a status that ends it, or the
    /// responses' end).
    async fn next_in_pull(&self, pull: &mut Pull) -> Option<Result<JsMessage, JetStreamError>> {
        loop {
            let message = match pull.responses.next().await? {
                Ok(message) => {
                    pull.heard = true;
                    message
                }
                Err(e) if e.kind() == RequestErrorKind::NoResponders => {
                    return Some(Err(JetStreamError::new(
                        JetStreamErrorKind::NoResponders,
                        format!(
                            "no responders for pulls from {}: {}",
                            self.stream,
                            self.no_consumer()
                        ),
                    )))
                }
                Err(e) => return Some(Err(JetStreamError::from_request(e, &self.name, ""))),
            };
            match message.status() {
                None => return Some(self.delivered(message)),
                Some(StatusCode::IDLE_HEARTBEAT) => continue,
                Some(StatusCode::REQUEST_TERMINATED) if is_consumer_deleted(&message) => {
                    return Some(Err(JetStreamError::new(
                        JetStreamErrorKind::Api,
                        format!("consumer {} on {} was deleted", self.name, self.stream),
                    )))
                }
                // 404 no messages, 408 expired, 409 a limit of the consumer (max waiting,
                // max bytes, batch): this pull is over.
                Some(_) => return None,
            }
        }
    }

    fn delivered(&self, message: Message) -> Result<JsMessage, JetStreamError> {
        let reply = message.reply.clone().unwrap_or_default();
        JsMessage::from_message(message).ok_or_else(|| {
            JetStreamError::new(
                JetStreamErrorKind::Malformed,
                format!(
                    "a pull from {} got a message without an ack subject ({reply:?})",
                    self.name
                ),
            )
        })
    }

    fn silent(&self) -> JetStreamError {
        JetStreamError::new(
            JetStreamErrorKind::Timeout,
            format!(
                "a pull from consumer {} on {} got no answer within {} ms (not even its expiry)",
                self.name,
                self.stream,
                u64::try_from(
                    self.expires
                        .saturating_add(self.context.request_timeout())
                        .as_millis()
                )
                .unwrap_or(u64::MAX)
            ),
        )
    }

    fn no_consumer(&self) -> &'static str {
        "the consumer does not exist (or JetStream is not enabled)"
    }
}

fn is_consumer_deleted(message: &Message) -> bool {
    message
        .description()
        .is_some_and(|d| d.eq_ignore_ascii_case("Consumer Deleted"))
}

/// The state of a [`PullMessages`] stream between items.
struct PullState {
    consumer: PullConsumer,
    /// The pull in flight.
    current: Option<Pull>,
    /// A terminal error was yielded.
    done: bool,
}

impl PullState {
    async fn next(mut self) -> Option<(Result<JsMessage, JetStreamError>, Self)> {
        if self.done {
            return None;
        }
        loop {
            let mut pull = match self.current.take() {
                Some(pull) => pull,
                None => match self.consumer.pull(self.consumer.batch, false).await {
                    Ok(pull) => pull,
                    Err(e) => return self.fail(e),
                },
            };
            match self.consumer.next_in_pull(&mut pull).await {
                Some(Ok(message)) => {
                    self.current = Some(pull);
                    return Some((Ok(message), self));
                }
                Some(Err(e)) if e.kind() == JetStreamErrorKind::Connection && is_lost(&pull) => {
                    // Disconnected: the next pull waits for the reconnect.
                    continue;
                }
                Some(Err(e)) => return self.fail(e),
                // The pull is over: the next one.
                None => continue,
            }
        }
    }

    fn fail(mut self, e: JetStreamError) -> Option<(Result<JsMessage, JetStreamError>, Self)> {
        self.done = true;
        Some((Err(e), self))
    }
}

fn is_lost(pull: &Pull) -> bool {
    pull.responses.end() == Some(ResponsesEnd::Disconnected)
}

/// A pull consumer's messages as a stream ([`PullConsumer::messages`]).
pub struct PullMessages {
    inner: Pin<Box<dyn Stream<Item = Result<JsMessage, JetStreamError>>>>,
}

impl Stream for PullMessages {
    type Item = Result<JsMessage, JetStreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}
