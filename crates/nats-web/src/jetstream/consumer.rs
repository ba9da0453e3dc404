//! Consumers: create, info, delete; and pulling from a pull consumer, a batch at a time
//! ([`PullConsumer::fetch`]) or as a stream ([`PullConsumer::messages`]).
//!
//! A pull is one `CONSUMER.MSG.NEXT` publish whose reply subject is an inbox of the pull's
//! own subscription (not the client's request inbox: JetStream delivers each message under
//! its own subject, so only the subscription tells where it belongs). The messages come
//! there, then at most one status that ends the pull early (404 no messages, 408 request
//! expired, 409 for the consumer's limits or its deletion, 503 no consumer; heartbeats, 100,
//! are skipped: `nats_core::jetstream::consumer::PullStatus` says what each means). A pull
//! the server refused before delivering anything (a 409: the consumer's `max_batch`,
//! `max_waiting`, a leadership change) is an API error with its code and description. The client waits the pull's `expires` plus the context's timeout at most, by
//! its own timer. Messages a pull given up would still have brought are not lost:
//! unacknowledged, the server redelivers them after the consumer's `ack_wait`.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures::future::{select, Either};
use futures::{Stream, StreamExt};
use nats_core::jetstream::api::{tail, SuccessResponse};
use nats_core::jetstream::consumer::{
    validate_consumer_name, CreateConsumerRequest, NextRequest, PullStatus,
};
use nats_core::jetstream::stream::validate_stream_name;
use serde::de::DeserializeOwned;

use super::sleep::{sleep, Sleep};
use super::stream::succeeded;
use super::{
    ApiError, ConsumerConfig, ConsumerInfo, Context, JetStreamError, JetStreamErrorKind, JsMessage,
};
use crate::client::{Message, Subscriber};

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
        self.create_consumer_reading(stream, config).await
    }

    /// [`Context::create_consumer`], reading the answer as `T` (the part of a
    /// [`ConsumerInfo`] a caller needs, so that the rest is not read).
    pub(crate) async fn create_consumer_reading<T: DeserializeOwned>(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<T, JetStreamError> {
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

/// The inbox and subscription pulls are answered on.
struct Inbox {
    subject: String,
    subscriber: Subscriber,
}

/// What came next for a pull.
enum Step {
    /// A message.
    Message(Box<JsMessage>),
    /// A status that ends the pull normally (404, 408).
    Ended,
    /// A status that ends the pull, refused (a 409 of the consumer's limits, a leadership
    /// change): the server's code and description.
    Refused(ApiError),
    /// Nothing more within the pull's wait.
    Expired,
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
    /// pull, none if there are none). Fails with [`JetStreamErrorKind::Api`] when the server
    /// refused the pull before delivering anything (409: `n` over the consumer's `max_batch`,
    /// too many pulls waiting, ...), with [`JetStreamErrorKind::NoResponders`] when
    /// the consumer does not exist (nats-server 2.10 and later say so), with
    /// [`JetStreamErrorKind::Timeout`] when the server sent nothing, not even the expiry
    /// (what 2.9 does for a consumer it does not have).
    pub async fn fetch(&self, n: usize) -> Result<Vec<JsMessage>, JetStreamError> {
        self.fetch_inner(n, false).await
    }

    /// Up to `n` messages that are there now: the server ends the pull at once when there
    /// are no more (404, or 408 after some).
    pub async fn fetch_no_wait(&self, n: usize) -> Result<Vec<JsMessage>, JetStreamError> {
        self.fetch_inner(n, true).await
    }

    async fn fetch_inner(&self, n: usize, no_wait: bool) -> Result<Vec<JsMessage>, JetStreamError> {
        let n = n.max(1);
        let mut inbox = self.inbox().await?;
        self.send_pull(&inbox, n, no_wait).await?;
        let mut deadline = Box::pin(sleep(self.wait()));
        let mut messages = Vec::new();
        while messages.len() < n {
            match self.step(&mut inbox, &mut deadline).await? {
                Step::Message(message) => messages.push(*message),
                Step::Ended => break,
                Step::Refused(error) if messages.is_empty() => {
                    let context = format!("pulling from {} on {}", self.name, self.stream);
                    return Err(JetStreamError::api(error, &context));
                }
                Step::Refused(_) => break,
                Step::Expired if messages.is_empty() => return Err(self.silent()),
                Step::Expired => break,
            }
        }
        Ok(messages)
    }

    /// An endless stream of the consumer's messages, a pull of [`PullConsumer::batch`] at a
    /// time on one subscription. A lost connection is waited out (the subscription comes
    /// back with the connection, and so do pulls); a pull that got no answer at all is an
    /// `Err` item of kind [`JetStreamErrorKind::Timeout`], one refused with nothing delivered
    /// (a 409) an `Err` item of kind [`JetStreamErrorKind::Api`], and pulling goes on (a
    /// refusal that always comes, such as a `batch` over the consumer's `max_batch`, comes
    /// with every item: check the first error); it ends after
    /// an `Err` item when the consumer or the connection is gone for good (the consumer
    /// deleted, no responders, the connection closed, a pull refused by the client).
    pub fn messages(&self) -> PullMessages {
        let state = PullState {
            consumer: self.clone(),
            inbox: None,
            pull: None,
            heard: false,
            done: false,
        };
        PullMessages {
            inner: Box::pin(futures::stream::unfold(state, PullState::next)),
        }
    }

    /// The longest a pull waits: its expiry, and the context's timeout for the server's
    /// answer to it.
    fn wait(&self) -> Duration {
        self.expires.saturating_add(self.context.request_timeout())
    }

    /// A new inbox, subscribed.
    async fn inbox(&self) -> Result<Inbox, JetStreamError> {
        validate_stream_name(&self.stream)?;
        validate_consumer_name(&self.name)?;
        let client = self.context.client();
        let subject = client.new_inbox();
        let subscriber = client
            .subscribe(&subject)
            .await
            .map_err(|e| JetStreamError::new(JetStreamErrorKind::Connection, e.to_string()))?;
        Ok(Inbox {
            subject,
            subscriber,
        })
    }

    /// Asks for `n` messages on `inbox`.
    async fn send_pull(
        &self,
        inbox: &Inbox,
        n: usize,
        no_wait: bool,
    ) -> Result<(), JetStreamError> {
        let body = NextRequest {
            batch: n,
            expires: if no_wait {
                Duration::ZERO
            } else {
                self.expires
            },
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
            .publish_with_reply(&subject, &inbox.subject, &payload)
            .await
            .map_err(|e| JetStreamError::new(JetStreamErrorKind::Connection, e.to_string()))
    }

    /// The next message or end of the pull answered on `inbox`, by `deadline` at the latest.
    async fn step(
        &self,
        inbox: &mut Inbox,
        deadline: &mut Pin<Box<Sleep>>,
    ) -> Result<Step, JetStreamError> {
        loop {
            let message = match select(inbox.subscriber.next(), deadline.as_mut()).await {
                Either::Left((Some(message), _)) => message,
                Either::Left((None, _)) => {
                    return Err(JetStreamError::new(
                        JetStreamErrorKind::Connection,
                        format!("pulling from {}: the connection closed", self.name),
                    ))
                }
                Either::Right(((), _)) => return Ok(Step::Expired),
            };
            let Some(status) = message.status() else {
                return self.delivered(message).map(|m| Step::Message(Box::new(m)));
            };
            let context = || format!("pulling from {} on {}", self.name, self.stream);
            let api = |description: String| ApiError {
                code: status.as_u16(),
                err_code: 0,
                description,
            };
            return match PullStatus::new(status, message.description()) {
                PullStatus::Heartbeat => continue,
                PullStatus::NoMessages | PullStatus::Expired => Ok(Step::Ended),
                PullStatus::Refused(why) | PullStatus::Other(_, why) => Ok(Step::Refused(api(why))),
                PullStatus::ConsumerGone(why) => Err(JetStreamError::api(api(why), &context())),
                PullStatus::NoResponders => Err(JetStreamError::new(
                    JetStreamErrorKind::NoResponders,
                    format!(
                        "no responders for pulls from {} on {}: the consumer does not exist \
                         (or JetStream is not enabled)",
                        self.name, self.stream
                    ),
                )),
            };
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
                "a pull from consumer {} on {} got no answer within {} ms, not even its expiry: \
                 does the consumer exist? (nats-server 2.9 does not answer pulls for a consumer \
                 it does not have)",
                self.name,
                self.stream,
                u64::try_from(self.wait().as_millis()).unwrap_or(u64::MAX)
            ),
        )
    }
}

/// The state of a [`PullMessages`] stream between items.
struct PullState {
    consumer: PullConsumer,
    /// The subscription every pull is answered on, once made.
    inbox: Option<Inbox>,
    /// The deadline of the pull in flight.
    pull: Option<Pin<Box<Sleep>>>,
    /// A message came for the pull in flight.
    heard: bool,
    /// A terminal error was yielded.
    done: bool,
}

impl PullState {
    async fn next(mut self) -> Option<(Result<JsMessage, JetStreamError>, Self)> {
        if self.done {
            return None;
        }
        let mut inbox = match self.inbox.take() {
            Some(inbox) => inbox,
            None => match self.consumer.inbox().await {
                Ok(inbox) => inbox,
                Err(e) => return self.fail(e),
            },
        };
        loop {
            let mut deadline = match self.pull.take() {
                Some(deadline) => deadline,
                None => {
                    let batch = self.consumer.batch;
                    if let Err(e) = self.consumer.send_pull(&inbox, batch, false).await {
                        return self.fail(e);
                    }
                    self.heard = false;
                    Box::pin(sleep(self.consumer.wait()))
                }
            };
            match self.consumer.step(&mut inbox, &mut deadline).await {
                Ok(Step::Message(message)) => {
                    self.pull = Some(deadline);
                    self.heard = true;
                    self.inbox = Some(inbox);
                    return Some((Ok(*message), self));
                }
                // The pull is over: the next one.
                Ok(Step::Ended) => continue,
                // Refused with nothing delivered: said (the consumer's limits, a leadership
                // change), and the next pull goes.
                Ok(Step::Refused(error)) if !self.heard => {
                    self.inbox = Some(inbox);
                    let context = format!("pulling from {}", self.consumer.name);
                    return Some((Err(JetStreamError::api(error, &context)), self));
                }
                Ok(Step::Refused(_)) => continue,
                // Messages came, then not the end: the next pull.
                Ok(Step::Expired) if self.heard => continue,
                // Not even the expiry came: said, and the next pull goes.
                Ok(Step::Expired) => {
                    self.inbox = Some(inbox);
                    return Some((Err(self.consumer.silent()), self));
                }
                Err(e) => return self.fail(e),
            }
        }
    }

    fn fail(mut self, e: JetStreamError) -> Option<(Result<JsMessage, JetStreamError>, Self)> {
        self.done = true;
        Some((Err(e), self))
    }
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
