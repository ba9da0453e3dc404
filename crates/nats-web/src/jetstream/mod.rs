//! JetStream (feature `jetstream`): streams, consumers and publishes that a stream
//! acknowledges, over the client's connection. The JSON and the protocol facts are
//! [`nats_core::jetstream`]'s; this module sends them and waits for the answers.
//!
//! ```no_run
//! use nats_web::jetstream::{self, PublishOptions, StreamConfig};
//!
//! async fn orders(client: nats_web::Client) -> Result<(), nats_web::jetstream::JetStreamError> {
//!     let js = jetstream::new(client);
//!     js.create_stream(StreamConfig::new("ORDERS", ["orders.>"])).await?;
//!     let ack = js
//!         .publish_with("orders.1", "one", PublishOptions::new().msg_id("order-1"))
//!         .await?;
//!     println!("stored as {} in {}", ack.seq, ack.stream);
//!     Ok(())
//! }
//! ```
//!
//! The promise:
//! * every call waits at most [`Context::timeout`] (default [`DEFAULT_TIMEOUT`]) for its
//!   answer, then fails with [`JetStreamErrorKind::Timeout`]; a pull waits its `expires` plus
//!   that;
//! * every failure is a [`JetStreamError`] of a kind: the server's API errors keep its code,
//!   err_code and description ([`JetStreamError::api_error`]); no responders means JetStream
//!   is not there ([`JetStreamErrorKind::NoResponders`]);
//! * a publish with a message id ([`PublishOptions::msg_id`]) is stored once within the
//!   stream's duplicate window: a repeat is acknowledged with [`PubAck::duplicate`] set; the
//!   expected-stream / expected-last-sequence options make the server refuse a publish whose
//!   expectation fails (an API error, nothing stored);
//! * names (streams, consumers) and subjects are checked before anything is sent
//!   ([`JetStreamErrorKind::InvalidArgument`]).

mod consumer;
mod direct;
mod error;
mod message;
pub mod ordered;
mod publish;
mod sleep;
mod stream;

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use consumer::{PullConsumer, PullMessages, DEFAULT_BATCH, DEFAULT_EXPIRES, MIN_EXPIRES};
pub use error::{JetStreamError, JetStreamErrorKind};
pub use message::JsMessage;
pub use nats_core::jetstream::api::{AccountInfo, ApiPrefix};
pub use nats_core::jetstream::consumer::{
    AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, ReplayPolicy,
};
pub use nats_core::jetstream::direct::{GetRequest, StoredMessage};
pub use nats_core::jetstream::error::err_code;
pub use nats_core::jetstream::stream::{
    Discard, Retention, Storage, StreamConfig, StreamInfo, StreamState,
};
pub use nats_core::jetstream::{ApiError, MessageInfo, PubAck};
pub use ordered::{DeliverFrom, OrderedMessages, OrderedOptions, ResetCounts, ResetReason};
pub use publish::PublishOptions;

use crate::client::{Client, Message};
use error::API_NO_RESPONDERS;
use nats_core::jetstream::api::tail;
use nats_core::jetstream::read_response;

/// How long a JetStream call waits for its answer unless [`Context::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The JetStream context of `client`, on the default API prefix `$JS.API`.
pub fn new(client: Client) -> Context {
    Context {
        client,
        prefix: ApiPrefix::default(),
        timeout: DEFAULT_TIMEOUT,
    }
}

/// The JetStream context of `client` for JetStream domain `domain` (`$JS.<domain>.API`);
/// fails if the domain is not one subject token.
pub fn with_domain(client: Client, domain: &str) -> Result<Context, JetStreamError> {
    let prefix = ApiPrefix::domain(domain).map_err(JetStreamError::invalid)?;
    Ok(Context {
        prefix,
        ..new(client)
    })
}

/// The JetStream context of `client` on API prefix `prefix` (an account import's, such as
/// `JS.acc1.API`); fails if it is not a publish subject.
pub fn with_prefix(client: Client, prefix: &str) -> Result<Context, JetStreamError> {
    let prefix = ApiPrefix::custom(prefix).map_err(JetStreamError::invalid)?;
    Ok(Context {
        prefix,
        ..new(client)
    })
}

/// A handle on JetStream through one client: cheap to clone (it holds a [`Client`]).
#[derive(Clone)]
pub struct Context {
    client: Client,
    prefix: ApiPrefix,
    timeout: Duration,
}

impl Context {
    /// The client it uses.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The API prefix it sends to.
    pub fn api_prefix(&self) -> &ApiPrefix {
        &self.prefix
    }

    /// The same context, waiting `timeout` for every answer (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long it waits for an answer.
    pub fn request_timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `body` as JSON to the API subject `<prefix>.<tail>` (`STREAM.INFO.orders`) and
    /// reads the answer as `T`; `&()` sends an empty body. The building block of every call
    /// here, public for code built on it (the key-value store) and for API calls this module
    /// does not wrap.
    pub async fn request<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        tail: &str,
        body: &B,
    ) -> Result<T, JetStreamError> {
        let payload = serde_json::to_vec(body).map_err(JetStreamError::invalid)?;
        // `()` and `None` serialize as `null`: an empty request.
        let payload = if payload == b"null" {
            Vec::new()
        } else {
            payload
        };
        let reply = self.request_raw(tail, payload).await?;
        read_response(&reply.payload).map_err(|e| JetStreamError::from_response(e, tail))
    }

    /// Sends `payload` to the API subject `<prefix>.<tail>` and returns the reply as it came
    /// (for answers that are not JSON, such as a direct get's message).
    pub async fn request_raw(
        &self,
        tail: &str,
        payload: Vec<u8>,
    ) -> Result<Message, JetStreamError> {
        let subject = self.prefix.subject(tail);
        self.client
            .request(subject.as_str(), payload)
            .timeout(self.timeout)
            .await
            .map_err(|e| JetStreamError::from_request(e, &subject, API_NO_RESPONDERS))
    }

    /// The account's JetStream usage and limits (`$JS.API.INFO`): also the way to check that
    /// JetStream is there.
    pub async fn account_info(&self) -> Result<AccountInfo, JetStreamError> {
        self.request(tail::ACCOUNT_INFO, &()).await
    }
}
