//! Consumers: create, info, delete; and pulling from a pull consumer, a batch at a time
//! ([`PullConsumer::fetch`]) or as a stream ([`PullConsumer::messages`]).
//!
//! A pull is one `CONSUMER.MSG.NEXT` publish whose reply subject is an inbox of the pull's
//! own subscription (not the client's request inbox: JetStream delivers each message under
//! its own subject, so only the subscription tells where it belongs). The messages come
//! there, then at most one status that ends the pull early (404 no messages, 408 request
//! expired, 409 for the consumer's limits or its deletion, 503 no consumer; heartbeats, 100,
//! are skipped: `nats_core::jetstream::consumer::PullStatus` says what each means). A pull
//! whose batch is filled gets no status at all: it is over with its last message. A pull
//! the server refused before delivering anything (a 409: the consumer's `max_batch`,
//! `max_waiting`, a leadership change) is an API error with its code and description.
//!
//! The client waits the pull's `expires` plus the context's timeout at most, by its own
//! timer. Messages a pull given up would still have brought are redelivered after the
//! consumer's `ack_wait` when it has acks to wait for (not with [`AckPolicy::None`]).
//!
//! [`AckPolicy::None`]: super::AckPolicy::None

use std::cell::{Cell, RefCell};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use nats_core::jetstream::api::{tail, SuccessResponse};
use nats_core::jetstream::consumer::{
    validate_consumer_name, CreateConsumerRequest, NextRequest, PullStatus,
};
use nats_core::jetstream::headers;
use nats_core::jetstream::stream::validate_stream_name;
use serde::de::DeserializeOwned;

use super::sleep::{sleep, Sleep};
use super::stream::succeeded;
use super::{
    ApiError, ConsumerConfig, ConsumerInfo, Context, JetStreamError, JetStreamErrorKind, JsMessage,
};
use crate::client::{channel, Subscriber};
use crate::ClientEvent;

mod pull;

pub use pull::PullMessages;

/// How long a pull waits for messages unless [`PullConsumer::expires`] says otherwise.
pub const DEFAULT_EXPIRES: Duration = Duration::from_secs(30);

/// The shortest pull expiry taken (as nats.go): a shorter one ends before the server can
/// answer across a slow link, and a zero one would never end.
pub const MIN_EXPIRES: Duration = Duration::from_secs(1);

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
        config.validate().map_err(JetStreamError::invalid)?;
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
            failure: Rc::default(),
            skipped: Rc::default(),
        }
    }
}

/// A pull consumer to fetch from: cheap to clone (clones share [`PullConsumer::skipped`] and
/// a failure kept for the next [`PullConsumer::fetch`]).
#[derive(Clone)]
pub struct PullConsumer {
    context: Context,
    stream: String,
    name: String,
    expires: Duration,
    batch: usize,
    /// A failure that ended a fetch after messages came: returned by the next fetch.
    failure: Rc<RefCell<Option<JetStreamError>>>,
    /// Messages on a pull's inbox that were not JetStream deliveries.
    skipped: Rc<Cell<u64>>,
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
    /// A status that ends a pull normally (404, 408), with the messages it still asked for
    /// (its `Nats-Pending-Messages`; `None`: not said, take it as all).
    Ended(Option<usize>),
    /// A status that ends the pull, refused for a reason that passes (409 `Exceeded
    /// MaxWaiting`, a leadership change, an unknown status): the server's code and
    /// description.
    Refused(ApiError),
    /// A refusal every pull like it gets (409 `Exceeded MaxRequestBatch`, 400): the server's
    /// code and description.
    Rejected(ApiError),
    /// The connection came back: the server forgot the pull.
    Reconnected,
    /// Nothing more within the pull's wait.
    Expired,
}

impl PullConsumer {
    /// How long each pull waits for messages (default [`DEFAULT_EXPIRES`], at least
    /// [`MIN_EXPIRES`]: a shorter one makes every fetch and `messages()` fail with
    /// [`JetStreamErrorKind::InvalidArgument`]); a `fetch` returns earlier when its batch is
    /// full.
    pub fn expires(mut self, expires: Duration) -> Self {
        self.expires = expires;
        self
    }

    /// Messages one pull of [`PullConsumer::messages`] asks for (default [`DEFAULT_BATCH`]).
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Messages that came on a pull's inbox without a JetStream ack subject (not deliveries
    /// of this consumer: someone published to the inbox), skipped by every fetch and
    /// `messages()` of this consumer and its clones.
    pub fn skipped(&self) -> u64 {
        self.skipped.get()
    }

    /// Up to `n` messages: as many as come within `expires` (fewer if the server ends the
    /// pull, none if there are none). Fails with [`JetStreamErrorKind::Api`] when the server
    /// refused the pull before delivering anything (409: `n` over the consumer's `max_batch`,
    /// too many pulls waiting, ...), with [`JetStreamErrorKind::NoResponders`] when
    /// the consumer does not exist (nats-server 2.10 and later say so), with
    /// [`JetStreamErrorKind::Timeout`] when the server sent nothing, not even the expiry
    /// (what 2.9 does for a consumer it does not have), and with
    /// [`JetStreamErrorKind::InvalidArgument`] for `n == 0` or an expiry under
    /// [`MIN_EXPIRES`].
    ///
    /// Messages are never dropped for an error: when the pull fails after some came (the
    /// consumer deleted, the connection closed), they are returned, and the failure is the
    /// `Err` of the next `fetch` or `fetch_no_wait` of this consumer (or a clone).
    pub async fn fetch(&self, n: usize) -> Result<Vec<JsMessage>, JetStreamError> {
        self.fetch_inner(n, false).await
    }

    /// Up to `n` messages that are there now: the server ends the pull at once when there
    /// are no more (404, or 408 after some). Errors as [`PullConsumer::fetch`].
    pub async fn fetch_no_wait(&self, n: usize) -> Result<Vec<JsMessage>, JetStreamError> {
        self.fetch_inner(n, true).await
    }

    async fn fetch_inner(&self, n: usize, no_wait: bool) -> Result<Vec<JsMessage>, JetStreamError> {
        if let Some(failure) = self.failure.borrow_mut().take() {
            return Err(failure);
        }
        if n == 0 {
            return Err(JetStreamError::new(
                JetStreamErrorKind::InvalidArgument,
                "fetch(0): ask for at least one message",
            ));
        }
        self.check_expires()?;
        let mut inbox = self.inbox().await?;
        self.send_pull(&inbox, n, no_wait).await?;
        let mut deadline = Box::pin(sleep(self.wait()));
        let mut messages = Vec::new();
        while messages.len() < n {
            let step = match self.step(&mut inbox, &mut deadline, None).await {
                Ok(step) => step,
                Err(e) if messages.is_empty() => return Err(e),
                Err(e) => {
                    *self.failure.borrow_mut() = Some(e);
                    break;
                }
            };
            match step {
                Step::Message(message) => messages.push(*message),
                Step::Ended(_) | Step::Reconnected => break,
                Step::Refused(error) | Step::Rejected(error) if messages.is_empty() => {
                    return Err(JetStreamError::api(error, &self.pulling()));
                }
                Step::Refused(_) | Step::Rejected(_) => break,
                Step::Expired if messages.is_empty() => return Err(self.silent()),
                Step::Expired => break,
            }
        }
        Ok(messages)
    }

    /// An endless stream of the consumer's messages, pulled on one subscription
    /// [`PullConsumer::batch`] at a time: once half of what was asked for has come, a pull
    /// for the rest goes (as nats.go does), so that the next messages are on their way
    /// before these are handled, and a new pull goes as soon as every pull is over (its
    /// batch filled, its expiry passed).
    ///
    /// * A lost connection is waited out: the subscription comes back with the connection,
    ///   and a new pull goes at once after the reconnect (the server forgot the old one).
    /// * A pull that got no answer at all is an `Err` item of kind
    ///   [`JetStreamErrorKind::Timeout`], and pulling goes on.
    /// * A pull refused for a reason that passes (409 `Exceeded MaxWaiting`, a leadership
    ///   change) is an `Err` item of kind [`JetStreamErrorKind::Api`]; the next pull goes
    ///   after a wait that doubles with every refusal in a row (250 ms to 5 s, with jitter).
    /// * It ends (one `Err` item, then `None`) when no pull can ever succeed: a refusal
    ///   every pull like it gets (409 `Exceeded MaxRequestBatch`, `...Expires`,
    ///   `...MaxBytes`, 400: fix the `batch` or `expires`), the consumer deleted, no
    ///   responders, the connection closed, an expiry under [`MIN_EXPIRES`].
    /// * A message on the inbox that is not a JetStream delivery is skipped and counted
    ///   ([`PullConsumer::skipped`]).
    pub fn messages(&self) -> PullMessages {
        PullMessages::new(self.clone())
    }

    /// An expiry under [`MIN_EXPIRES`], refused.
    fn check_expires(&self) -> Result<(), JetStreamError> {
        if self.expires >= MIN_EXPIRES {
            return Ok(());
        }
        Err(JetStreamError::new(
            JetStreamErrorKind::InvalidArgument,
            format!(
                "a pull expiry of {} ms is too short: use at least {} s",
                self.expires.as_millis(),
                MIN_EXPIRES.as_secs()
            ),
        ))
    }

    /// What an error of a pull says was asked.
    fn pulling(&self) -> String {
        format!("pulling from {} on {}", self.name, self.stream)
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
            .map_err(|e| JetStreamError::from_client(e, &self.pulling()))?;
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
            .map_err(|e| JetStreamError::from_client(e, &self.pulling()))
    }

    /// The next message or end of the pull answered on `inbox`, by `deadline` at the latest;
    /// with `events`, a reconnect among them too.
    async fn step(
        &self,
        inbox: &mut Inbox,
        deadline: &mut Pin<Box<Sleep>>,
        mut events: Option<&mut Option<channel::Receiver<ClientEvent>>>,
    ) -> Result<Step, JetStreamError> {
        loop {
            let event = async {
                match events.as_deref_mut() {
                    Some(Some(events)) => events.next().await,
                    _ => futures::future::pending().await,
                }
            };
            let event = pin!(event);
            let message = select(inbox.subscriber.next(), event);
            let message = match select(message, deadline.as_mut()).await {
                Either::Left((Either::Left((Some(message), _)), _)) => message,
                Either::Left((Either::Left((None, _)), _)) => {
                    return Err(JetStreamError::new(
                        JetStreamErrorKind::Connection,
                        format!("{}: the connection closed", self.pulling()),
                    ))
                }
                Either::Left((Either::Right((Some(ClientEvent::Reconnected { .. }), _)), _)) => {
                    return Ok(Step::Reconnected)
                }
                Either::Left((Either::Right((Some(_), _)), _)) => continue,
                Either::Left((Either::Right((None, _)), _)) => {
                    // The watch ended (the connection closed): the inbox says so next.
                    if let Some(events) = events.as_deref_mut() {
                        *events = None;
                    }
                    continue;
                }
                Either::Right(((), _)) => return Ok(Step::Expired),
            };
            let Some(status) = message.status() else {
                match JsMessage::from_message(message) {
                    Some(message) => return Ok(Step::Message(Box::new(message))),
                    None => {
                        self.skipped.set(self.skipped.get().saturating_add(1));
                        continue;
                    }
                }
            };
            let api = |description: String| ApiError {
                code: status.as_u16(),
                err_code: 0,
                description,
            };
            return match PullStatus::new(status, message.description()) {
                PullStatus::Heartbeat => continue,
                PullStatus::NoMessages | PullStatus::Expired => {
                    let pending = message
                        .headers
                        .as_ref()
                        .and_then(|h| h.get(headers::PENDING_MESSAGES))
                        .and_then(|n| n.trim().parse().ok());
                    Ok(Step::Ended(pending))
                }
                PullStatus::Refused(why) | PullStatus::Other(_, why) => Ok(Step::Refused(api(why))),
                PullStatus::Rejected(why) => Ok(Step::Rejected(api(why))),
                PullStatus::ConsumerGone(why) => {
                    Err(JetStreamError::api(api(why), &self.pulling()))
                }
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
