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
use super::lifecycle::Life;
use crate::client::{self, Subscriber, SubscriberHandle};
use crate::platform::now;
use crate::Message;

/// The requests of one endpoint, in order. It ends when the service stops (after the
/// requests the server sent before) or the connection closes. Dropping it unsubscribes the
/// endpoint and takes it out of the service's `INFO` and `STATS` (nats.go's endpoint `Stop`);
/// while it exists it keeps the service running (see [`super::Service`]).
pub struct Endpoint {
    subscriber: Subscriber,
    state: Rc<RefCell<State>>,
    sid: u64,
    name: String,
    subject: String,
    /// Its stream has ended.
    ended: bool,
    _life: Rc<Life>,
}

impl Endpoint {
    pub(crate) fn new(
        subscriber: Subscriber,
        state: Rc<RefCell<State>>,
        life: Rc<Life>,
        sid: u64,
        name: String,
        subject: String,
    ) -> Self {
        Endpoint {
            subscriber,
            state,
            sid,
            name,
            subject,
            ended: false,
            _life: life,
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
        if let Poll::Ready(None) = polled {
            if !std::mem::replace(&mut self.ended, true) && self.subscriber.error().is_some() {
                // Refused by the server (after a reconnect, say): counted, and the service
                // stops with it.
                super::task::refused_endpoint(&self.state);
            }
        }
        polled.map(|message| {
            message.map(|message| Request {
                message,
                state: self.state.clone(),
                sid: self.sid,
                received: now(),
                counted: Cell::new(false),
            })
        })
    }
}

impl Drop for Endpoint {
    /// Takes the endpoint out of `INFO` and `STATS`.
    fn drop(&mut self) {
        let sid = self.sid;
        let remove = move |state: &mut State| state.endpoints.retain(|e| e.handle.sid() != sid);
        match self.state.try_borrow_mut() {
            Ok(mut state) => remove(&mut state),
            Err(_) => {
                let state = self.state.clone();
                wasm_bindgen_futures::spawn_local(async move { remove(&mut state.borrow_mut()) });
            }
        }
    }
}

/// One request to an endpoint. Its first answer ([`Request::respond`]) is counted in the
/// endpoint's statistics with the time since the endpoint's stream yielded it (an error
/// answer also as an error); a request dropped unanswered is counted when it is dropped.
pub struct Request {
    message: Message,
    state: Rc<RefCell<State>>,
    sid: u64,
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
    /// client cannot publish (too large, buffer full, closed): that counts as an error in the
    /// endpoint's statistics, with the failure as `last_error` (as nats.go counts it).
    pub async fn respond(
        &self,
        response: Result<Vec<u8>, ServiceError>,
    ) -> Result<(), client::Error> {
        match response {
            Ok(payload) => self.send(payload, None),
            Err(error) => self.send(Vec::new(), Some(error)),
        }
    }

    /// `respond(Err(ServiceError::new(code, description)))`, ADR-32's `respondError`. An
    /// empty description is sent as `error <code>`.
    pub async fn respond_error(
        &self,
        code: u32,
        description: impl Into<String>,
    ) -> Result<(), client::Error> {
        self.send(Vec::new(), Some(ServiceError::new(code, description)))
    }

    /// An error reply with a body: the error headers as [`Request::respond_error`] sends them,
    /// and `data` as the payload (ADR-32's `respondError(code, description, data)`).
    pub async fn respond_error_with_data(
        &self,
        code: u32,
        description: impl Into<String>,
        data: impl Into<Vec<u8>>,
    ) -> Result<(), client::Error> {
        let error = ServiceError::new(code, description);
        self.send(data.into(), Some(error))
    }

    /// Publishes the answer (at once: a publish only queues), then counts it: as `error` if
    /// it is an error answer, as the publish's failure if it could not be sent.
    fn send(&self, payload: Vec<u8>, error: Option<ServiceError>) -> Result<(), client::Error> {
        let sent = match &error {
            None => self.message.respond_now(None, &payload),
            Some(error) => self.message.respond_now(Some(&error.headers()), &payload),
        };
        match &sent {
            Ok(()) => self.count(error.map(|e| e.to_string())),
            Err(failure) => self.count(Some(failure.to_string())),
        }
        sent
    }

    /// Counts this request in its endpoint's statistics, once; `last_error` if it failed.
    fn count(&self, last_error: Option<String>) {
        if self.counted.replace(true) {
            return;
        }
        let took = now().saturating_duration_since(self.received);
        if let Ok(mut state) = self.state.try_borrow_mut() {
            if let Some(entry) = state
                .endpoints
                .iter_mut()
                .find(|e| e.handle.sid() == self.sid)
            {
                entry.stats.record(took, None);
                if let Some(last_error) = last_error {
                    entry.stats.record_error(last_error);
                }
            }
        }
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        self.count(None);
    }
}
