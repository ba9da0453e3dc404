//! [`Endpoint`]: the requests of one endpoint, as a stream; [`Request`]: one of them, answered
//! with [`Request::respond`] and counted in the endpoint's statistics.

use std::cell::{Cell, RefCell};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::Stream;
use nats_core::proto::HeaderMap;
use nats_core::service::ServiceError;
use nats_core::Instant;

use super::instance::State;
use crate::client::{self, Subscriber, SubscriberHandle};
use crate::platform::now;
use crate::Message;

/// The requests of one endpoint, in order. It ends when the service stops (after the
/// requests the server sent before) or the connection closes. Dropping it unsubscribes the
/// endpoint (it stays in `INFO` and `STATS`).
pub struct Endpoint {
    subscriber: Subscriber,
    state: Rc<RefCell<State>>,
    index: usize,
    name: String,
    subject: String,
}

impl Endpoint {
    pub(crate) fn new(
        subscriber: Subscriber,
        state: Rc<RefCell<State>>,
        index: usize,
        name: String,
        subject: String,
    ) -> Self {
        Endpoint {
            subscriber,
            state,
            index,
            name,
            subject,
        }
    }

    /// The endpoint's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The subject it subscribes to (group prefixes included).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Its subscription, to drain or unsubscribe it alone.
    pub fn handle(&self) -> SubscriberHandle {
        self.subscriber.handle()
    }
}

impl Stream for Endpoint {
    type Item = Request;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Request>> {
        let polled = Pin::new(&mut self.subscriber).poll_next(cx);
        polled.map(|message| {
            message.map(|message| Request {
                message,
                state: self.state.clone(),
                index: self.index,
                received: now(),
                counted: Cell::new(false),
            })
        })
    }
}

/// One request to an endpoint. Its first answer ([`Request::respond`]) is counted in the
/// endpoint's statistics with the time since the endpoint's stream yielded it (an error
/// answer also as an error); a request dropped unanswered is counted when it is dropped.
pub struct Request {
    message: Message,
    state: Rc<RefCell<State>>,
    index: usize,
    received: Instant,
    counted: Cell<bool>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("message", &self.message)
            .finish()
    }
}

impl Request {
    /// The message as received.
    pub fn message(&self) -> &Message {
        &self.message
    }

    /// The subject it was sent to.
    pub fn subject(&self) -> &str {
        &self.message.subject
    }

    /// Its body.
    pub fn payload(&self) -> &[u8] {
        &self.message.payload
    }

    /// Its headers, if it had any.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.message.headers.as_ref()
    }

    /// Answers: `Ok(payload)` as the reply's body, `Err(error)` as an error reply, an empty
    /// body with the headers `Nats-Service-Error` (the description) and
    /// `Nats-Service-Error-Code` (the code). Fails if the request has no reply subject or the
    /// client cannot publish.
    pub async fn respond(
        &self,
        response: Result<Vec<u8>, ServiceError>,
    ) -> Result<(), client::Error> {
        self.count(response.as_ref().err());
        match response {
            Ok(payload) => self.message.respond(payload).await,
            Err(error) => {
                self.message
                    .respond_with_headers(&error.headers(), b"")
                    .await
            }
        }
    }

    /// `respond(Err(ServiceError::new(code, description)))`, ADR-32's `respondError`.
    pub async fn respond_error(
        &self,
        code: u32,
        description: impl Into<String>,
    ) -> Result<(), client::Error> {
        self.respond(Err(ServiceError::new(code, description)))
            .await
    }

    /// Counts this request in its endpoint's statistics, once.
    fn count(&self, error: Option<&ServiceError>) {
        if self.counted.replace(true) {
            return;
        }
        let took = now().saturating_duration_since(self.received);
        if let Ok(mut state) = self.state.try_borrow_mut() {
            if let Some(entry) = state.endpoints.get_mut(self.index) {
                entry.stats.record(took, error);
            }
        }
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        self.count(None);
    }
}
