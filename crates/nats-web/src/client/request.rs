//! A single request: one publish with a reply subject on the muxed inbox, one reply (or a
//! failure) back. A request whose future is dropped before its end is cancelled in the
//! connection: its inbox token is freed (a late reply is dropped), a publish still waiting for
//! a reconnect is never sent, and a connection drain no longer waits for it.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use nats_core::conn::{self, RequestId};
use nats_core::proto::HeaderMap;

use super::channel::oneshot;
use super::{Client, Message, RequestError};
use crate::platform::now;

/// A request being prepared; `.await` it for the reply.
#[must_use = "a request does nothing until it is awaited"]
pub struct Request {
    client: Client,
    subject: String,
    payload: Vec<u8>,
    headers: Option<HeaderMap>,
    /// `None`: until the reply comes or the connection closes.
    timeout: Option<Duration>,
}

impl Request {
    /// A request from `client`, waiting `timeout` (`None`: until the reply or the close).
    pub(super) fn new(
        client: Client,
        subject: String,
        payload: Vec<u8>,
        timeout: Option<Duration>,
    ) -> Self {
        Request {
            client,
            subject,
            payload,
            headers: None,
            timeout,
        }
    }

    /// How long to wait for the reply (default [`ConnectOptions::request_timeout`](crate::ConnectOptions::request_timeout)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Headers to send with the request.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = Some(headers);
        self
    }

    async fn send(self) -> Result<Message, RequestError> {
        let (tx, rx) = oneshot();
        // No timeout: the longest wait the connection knows, about ten years.
        let timeout = self.timeout.unwrap_or(conn::MAX_WAIT);
        let id = {
            let mut state = self.client.shared.borrow_mut();
            state.check_request_room(&self.subject, self.headers.as_ref(), &self.payload)?;
            let sent = state.conn.request(
                now(),
                &self.subject,
                self.headers.as_ref(),
                &self.payload,
                timeout,
            );
            let id = match sent {
                Ok(id) => id,
                Err(e) => return Err(RequestError::from_command(e)),
            };
            state.requests.insert(id, tx);
            state.pump_soon();
            id
        };
        let mut in_flight = InFlight {
            client: self.client.clone(),
            id: Some(id),
        };
        let outcome = rx.await.unwrap_or(Err(conn::RequestFailure::Closed));
        // Ended: the connection no longer holds it, nothing to cancel.
        in_flight.id = None;
        outcome
            .map(|inner| Message::new(inner, self.client.clone()))
            .map_err(|failure| RequestError::from_failure(failure, &self.subject, timeout))
    }
}

impl IntoFuture for Request {
    type Output = Result<Message, RequestError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A request sent and not ended yet; dropped with the request's future, it cancels it.
struct InFlight {
    client: Client,
    /// `None` once it ended.
    id: Option<RequestId>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let Some(id) = self.id else {
            return;
        };
        let cancel = move |client: &Client| {
            let mut state = client.shared.borrow_mut();
            if state.requests.remove(&id).is_some() {
                state.conn.cancel_request(id);
                state.pump_soon();
            }
        };
        if self.client.shared.try_borrow_mut().is_ok() {
            cancel(&self.client);
        } else {
            // Dropped while the connection's state is in use: right after it.
            let client = self.client.clone();
            wasm_bindgen_futures::spawn_local(async move { cancel(&client) });
        }
    }
}
