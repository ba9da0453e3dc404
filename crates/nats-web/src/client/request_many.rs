//! [`Client::request_many`]: scatter-gather as nats.js' `requestMany`. One request, and a
//! [`Responses`] stream of every reply until a count, a total wait, a stall between replies or
//! an empty sentinel message ends it.
//!
//! The promise:
//! * every reply that reaches this connection for the request, in the order received, until
//!   the first end condition is met; then the stream ends (`None`) and [`Responses::end`]
//!   says which. No reply is yielded after the end, and none of another request;
//! * no responders (the server's 503 before any reply): one `Err` of kind
//!   [`RequestErrorKind::NoResponders`](super::RequestErrorKind::NoResponders), then the end, as
//!   [`Client::request`] reports it; a lost connection or a close likewise give one `Err`
//!   (`Disconnected`, `Closed`) after the replies that came before;
//! * replies wait for the reader within [`PendingLimits`] (the client's subscription default
//!   unless [`RequestMany::pending_limits`]): past them a reply is dropped and counted in
//!   [`Responses::dropped`], never buffered without bound;
//! * dropping [`Responses`] before its end cancels the request: the connection forgets its
//!   inbox token (later replies are dropped unseen) and a drain no longer waits for it;
//! * [`Client::drain`] waits for a request_many in flight to end (or for the drain timeout),
//!   as it waits for a single request.

use std::cell::Cell;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;

use super::channel;
use super::subscriber::{inbound, Inbound, Pending, PendingLimits};
use super::{Client, Message, RequestError};
use crate::platform::now;
use nats_core::conn::{self, RequestId, RequestManyOptions};
use nats_core::proto::HeaderMap;

pub use nats_core::conn::ResponsesEnd;

/// The connection's end of one request_many: where its replies go, and where its end is told.
pub(crate) struct ManyInbound {
    pub inbound: Inbound,
    pub end: Rc<Cell<Option<ResponsesEnd>>>,
}

impl Client {
    /// A request to `subject` that takes several replies (nats.js `requestMany`); set its ends
    /// with `.max_messages(..)`, `.max_wait(..)`, `.stall(..)`, `.sentinel()`, then `.await`
    /// the [`Responses`] stream. Without `.max_wait(..)` it waits at most
    /// [`crate::ConnectOptions::request_timeout`].
    pub fn request_many(
        &self,
        subject: impl Into<String>,
        payload: impl Into<Vec<u8>>,
    ) -> RequestMany {
        let timeout = self.shared.borrow().request_timeout;
        RequestMany {
            client: self.clone(),
            subject: subject.into(),
            payload: payload.into(),
            headers: None,
            options: RequestManyOptions::new(timeout.unwrap_or(conn::MAX_WAIT)),
            pending_limits: None,
        }
    }
}

/// A request_many being prepared; `.await` it for the [`Responses`].
#[must_use = "a request does nothing until it is awaited"]
pub struct RequestMany {
    client: Client,
    subject: String,
    payload: Vec<u8>,
    headers: Option<HeaderMap>,
    options: RequestManyOptions,
    pending_limits: Option<PendingLimits>,
}

impl RequestMany {
    /// Headers to send with the request.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = Some(headers);
        self
    }

    /// Ends after `max` replies ([`ResponsesEnd::MaxMessages`]); 0, as in nats.js, is no
    /// limit.
    pub fn max_messages(mut self, max: usize) -> Self {
        self.options.max_messages = Some(max);
        self
    }

    /// Ends once `wait` has passed since the request was sent ([`ResponsesEnd::MaxWait`]),
    /// however many replies came (default [`crate::ConnectOptions::request_timeout`]).
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.options.max_wait = wait;
        self
    }

    /// Ends when no reply came for `stall` after the previous one ([`ResponsesEnd::Stall`]);
    /// before the first reply only the max wait applies.
    pub fn stall(mut self, stall: Duration) -> Self {
        self.options.stall = Some(stall);
        self
    }

    /// Ends at a reply with an empty payload and no headers ([`ResponsesEnd::Sentinel`]);
    /// that reply is not yielded.
    pub fn sentinel(mut self) -> Self {
        self.options.sentinel = true;
        self
    }

    /// How many replies (and bytes) may wait unread; past them replies are dropped and
    /// counted ([`Responses::dropped`]). Default: the client's subscription limits.
    pub fn pending_limits(mut self, messages: usize, bytes: usize) -> Self {
        self.pending_limits = Some(PendingLimits { messages, bytes });
        self
    }

    async fn send(self) -> Result<Responses, RequestError> {
        let (id, replies, pending, end) = {
            let mut state = self.client.shared.borrow_mut();
            state.check_request_room(&self.subject, self.headers.as_ref(), &self.payload)?;
            let sent = state.conn.request_many(
                now(),
                &self.subject,
                self.headers.as_ref(),
                &self.payload,
                &self.options,
            );
            let id = sent.map_err(RequestError::from_command)?;
            let limits = self.pending_limits.unwrap_or(state.pending_limits);
            let (inbound, replies, pending) = inbound(limits);
            let end = Rc::new(Cell::new(None));
            state.responses.insert(
                id,
                ManyInbound {
                    inbound,
                    end: end.clone(),
                },
            );
            state.pump_soon();
            (id, replies, pending, end)
        };
        Ok(Responses {
            id,
            client: self.client,
            subject: self.subject,
            max_wait: self.options.max_wait,
            replies,
            pending,
            end,
            finished: false,
        })
    }
}

impl IntoFuture for RequestMany {
    type Output = Result<Responses, RequestError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The replies to one [`Client::request_many`], in the order received. Normal ends (count,
/// wait, stall, sentinel) end the stream; a failure (no responders, closed, disconnected) is
/// one `Err` and then the end. Dropping it before its end cancels the request.
pub struct Responses {
    id: RequestId,
    client: Client,
    subject: String,
    max_wait: Duration,
    replies: channel::Receiver<conn::Message>,
    pending: Rc<Pending>,
    end: Rc<Cell<Option<ResponsesEnd>>>,
    /// The stream has returned its last item.
    finished: bool,
}

impl Responses {
    /// Why it ended, once no more replies will come (replies received before may still be
    /// waiting in the stream); `None` while replies may still arrive.
    pub fn end(&self) -> Option<ResponsesEnd> {
        self.end.get()
    }

    /// Replies dropped because the pending limits were reached (the reader was too slow).
    pub fn dropped(&self) -> u64 {
        self.pending.dropped()
    }

    /// Replies received and not yet taken from the stream.
    pub fn pending_messages(&self) -> usize {
        self.pending.messages()
    }
}

impl Stream for Responses {
    type Item = Result<Message, RequestError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.replies).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(inner)) => {
                self.pending.taken(&inner);
                let client = self.client.clone();
                Poll::Ready(Some(Ok(Message::new(inner, client))))
            }
            Poll::Ready(None) => {
                self.finished = true;
                // The sender went without an end only when the connection's state went.
                let end = self.end.get().unwrap_or(ResponsesEnd::Closed);
                self.end.set(Some(end));
                Poll::Ready(end.failure().map(|failure| {
                    Err(RequestError::from_failure(
                        failure,
                        &self.subject,
                        self.max_wait,
                    ))
                }))
            }
        }
    }
}

impl Drop for Responses {
    fn drop(&mut self) {
        if self.end.get().is_some() {
            return;
        }
        let id = self.id;
        let cancel = move |client: &Client| {
            let _ = client.command(|state| {
                if state.responses.remove(&id).is_some() {
                    state.conn.cancel_request(id);
                }
                Ok(())
            });
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
