//! The async API of the browser client, named as NATS users know it from async-nats and
//! nats-py: [`connect`], [`Client::subscribe`], [`Client::request`], [`Message::respond`],
//! [`SubscriberHandle::drain`], [`Client::drain`].
//!
//! A [`Client`] is a cheap handle (an `Rc`) on one connection; clone it freely within the
//! page's thread. Every call only queues work in the sans-IO core and returns at once or with
//! a future that completes on the matching core event.

pub mod channel;
mod error;
mod outbound;
mod shared;
mod subscriber;

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use web_time::Instant;

pub use error::{
    check_server_url, ConnectError, ConnectErrorKind, DrainError, Error, ErrorKind, RequestError,
    RequestErrorKind,
};
pub use outbound::{MAX_FRAME_BYTES, SEND_HIGH_WATER_MARK};
pub use subscriber::{PendingLimits, SubscribeOptions, Subscriber, SubscriberHandle};

use channel::oneshot;

use crate::nats::conn::{
    self, CloseReason, ConnectOptions, Connection, ServerError, Statistics, TraceLine,
};
use crate::nats::proto::{HeaderMap, ServerInfo};
use shared::{ClientLimits, Shared, State};

/// Timeout of a request when none is given.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What a connection reports to the page besides messages: for status lines and traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// Connected to `url`; `info` is the server's INFO.
    Connected {
        /// The server URL in use.
        url: String,
        /// What the server said about itself.
        info: ServerInfo,
    },
    /// The connection to `url` was lost; the client reconnects unless `Closed` follows.
    Disconnected {
        /// The server that was lost.
        url: String,
        /// Why.
        reason: CloseReason,
    },
    /// Trying `url`; `attempt` counts from 1 since the connection was last up.
    Reconnecting {
        /// Attempt number.
        attempt: u32,
        /// The server tried.
        url: String,
    },
    /// Connected again to `url`: subscriptions restored, buffered publishes sent.
    Reconnected {
        /// The server now in use.
        url: String,
        /// Its INFO.
        info: ServerInfo,
    },
    /// The server sent new INFO.
    ServerInfo(ServerInfo),
    /// A `-ERR` that left the connection open (e.g. a permission violation).
    ServerError(ServerError),
    /// An operation sent or received (with [`ConnectOptions::trace`] on).
    Trace(TraceLine),
    /// Subscription `sid` reached its [`PendingLimits`]: its reader is slower than its
    /// messages arrive, and messages past the limits are being dropped. Reported once per
    /// episode (again only after a message fitted in between).
    SlowConsumer {
        /// The subscription ([`SubscriberHandle::sid`]).
        sid: u64,
        /// Messages it dropped so far, this one included ([`Subscriber::dropped`]).
        dropped: u64,
    },
    /// The connection closed.
    Closed(CloseReason),
}

/// Connects to the first of `options.servers` that completes the NATS handshake. Once
/// connected, the client reconnects by itself (see [`ConnectOptions::max_reconnects`]).
pub async fn connect(options: ConnectOptions) -> Result<Client, ConnectError> {
    connect_with_events(options, None).await
}

/// Like [`connect`], and sends every [`ClientEvent`], from the first trace line on, to
/// `events` (make one with [`channel::unbounded`]).
pub async fn connect_with_events(
    options: ConnectOptions,
    events: Option<channel::Sender<ClientEvent>>,
) -> Result<Client, ConnectError> {
    if options.servers.is_empty() {
        return Err(ConnectError::new(
            ConnectErrorKind::NoServers,
            "no server URLs given: pass e.g. ws://127.0.0.1:4280",
        ));
    }
    for url in &options.servers {
        check_server_url(url)?;
    }
    let limits = ClientLimits {
        send_buffer_size: options.send_buffer_size,
        pending: PendingLimits {
            messages: options.subscription_pending_messages,
            bytes: options.subscription_pending_bytes,
        },
    };
    let (tx, rx) = oneshot();
    let shared = shared::open(Connection::new(Instant::now(), options), limits, tx, events);
    match rx.await {
        Ok(Ok(_info)) => Ok(Client { shared }),
        Ok(Err(attempts)) => Err(ConnectError::from_attempts(&attempts)),
        Err(_) => Err(ConnectError::new(
            ConnectErrorKind::Unreachable,
            "connection lost",
        )),
    }
}

/// A handle on one NATS connection.
#[derive(Clone)]
pub struct Client {
    shared: Shared,
}

impl Client {
    /// Runs `f` on the connection state; what it queued is sent at the end of the current
    /// task, together with every other command given in it (one WebSocket frame).
    fn command<T>(&self, f: impl FnOnce(&mut State) -> Result<T, Error>) -> Result<T, Error> {
        let mut state = self.shared.borrow_mut();
        let result = f(&mut state);
        state.pump_soon();
        result
    }

    /// The URL of the server this client is connected to.
    pub fn server_url(&self) -> String {
        self.shared.borrow().url.clone()
    }

    /// The latest INFO from the server.
    pub fn server_info(&self) -> Option<ServerInfo> {
        self.shared.borrow().conn.server_info().cloned()
    }

    /// Messages and bytes in and out so far.
    pub fn statistics(&self) -> Statistics {
        self.shared.borrow().conn.statistics()
    }

    /// Why the connection closed, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.shared.borrow().close_reason.clone()
    }

    /// A stream of [`ClientEvent`]s from now on; it ends after [`ClientEvent::Closed`].
    pub fn events(&self) -> channel::Receiver<ClientEvent> {
        let (tx, rx) = channel::unbounded();
        self.shared.borrow_mut().listeners.push(tx);
        rx
    }

    /// Subscribes to `subject`; wildcards `*` and `>` are allowed as whole tokens.
    pub async fn subscribe(&self, subject: &str) -> Result<Subscriber, Error> {
        self.subscribe_inner(subject, None, None)
    }

    /// Subscribes to `subject` as a member of `queue`: each message goes to one member.
    pub async fn queue_subscribe(&self, subject: &str, queue: &str) -> Result<Subscriber, Error> {
        self.subscribe_inner(subject, Some(queue), None)
    }

    /// Subscribes to `subject` with `options` (queue group, pending limits).
    pub async fn subscribe_with(
        &self,
        subject: &str,
        options: SubscribeOptions,
    ) -> Result<Subscriber, Error> {
        self.subscribe_inner(subject, options.queue.as_deref(), options.pending_limits)
    }

    fn subscribe_inner(
        &self,
        subject: &str,
        queue: Option<&str>,
        limits: Option<PendingLimits>,
    ) -> Result<Subscriber, Error> {
        let (sid, rx, pending) = self.command(|state| {
            let limits = limits.unwrap_or(state.pending_limits);
            let sid = state.conn.subscribe(subject, queue)?;
            let (inbound, rx, pending) = subscriber::inbound(limits);
            state.subscriptions.insert(sid, inbound);
            Ok((sid, rx, pending))
        })?;
        Ok(Subscriber::new(sid, self.clone(), rx, pending))
    }

    /// Bytes waiting to be handed to the WebSocket, and the WebSocket's own `bufferedAmount`
    /// (kept under [`SEND_HIGH_WATER_MARK`] plus one frame of [`MAX_FRAME_BYTES`]).
    pub fn send_backlog(&self) -> (usize, u32) {
        self.shared.borrow_mut().send_backlog()
    }

    /// Runs a publish command of about `size` bytes, refused while the send backlog is full.
    fn publish_command(
        &self,
        size: usize,
        f: impl FnOnce(&mut Connection) -> Result<(), conn::CommandError>,
    ) -> Result<(), Error> {
        self.command(|state| {
            state.check_send_room(size)?;
            Ok(f(&mut state.conn)?)
        })
    }

    /// Publishes `payload` to `subject`.
    pub async fn publish(&self, subject: &str, payload: impl AsRef<[u8]>) -> Result<(), Error> {
        let payload = payload.as_ref();
        self.publish_command(subject.len() + payload.len(), |conn| {
            conn.publish(subject, None, None, payload)
        })
    }

    /// Publishes `payload` with `headers` to `subject`.
    pub async fn publish_with_headers(
        &self,
        subject: &str,
        headers: &HeaderMap,
        payload: impl AsRef<[u8]>,
    ) -> Result<(), Error> {
        let payload = payload.as_ref();
        let size = subject.len() + headers.encoded_len() + payload.len();
        self.publish_command(size, |conn| {
            conn.publish(subject, None, Some(headers), payload)
        })
    }

    /// Publishes `payload` to `subject`, asking for replies on `reply`.
    pub async fn publish_with_reply(
        &self,
        subject: &str,
        reply: &str,
        payload: impl AsRef<[u8]>,
    ) -> Result<(), Error> {
        let payload = payload.as_ref();
        let size = subject.len() + reply.len() + payload.len();
        self.publish_command(size, |conn| {
            conn.publish(subject, Some(reply), None, payload)
        })
    }

    /// A request to `subject`; set `.timeout(..)` or `.headers(..)`, then `.await` the reply.
    pub fn request(&self, subject: impl Into<String>, payload: impl Into<Vec<u8>>) -> Request {
        Request {
            client: self.clone(),
            subject: subject.into(),
            payload: payload.into(),
            headers: None,
            timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// Waits until the server has processed everything sent so far.
    pub async fn flush(&self) -> Result<(), Error> {
        let (tx, rx) = oneshot();
        self.command(|state| {
            let id = state.conn.flush()?;
            state.flushes.insert(id, tx);
            Ok(())
        })?;
        rx.await.map_err(|_| Error::closed())
    }

    /// Drains every subscription (the request inbox too), sends what is queued and closes.
    /// New subscriptions and requests are refused from the moment this is called.
    pub async fn drain(&self) -> Result<(), DrainError> {
        let (tx, rx) = oneshot();
        {
            let mut state = self.shared.borrow_mut();
            if let Some(reason) = state.close_reason.clone() {
                return match reason {
                    CloseReason::Drained => Ok(()),
                    other => Err(DrainError(other)),
                };
            }
            state.closed.push(tx);
            let _ = state.conn.drain(Instant::now());
            state.pump_soon();
        }
        match rx.await {
            Ok(CloseReason::Drained) => Ok(()),
            Ok(other) => Err(DrainError(other)),
            Err(_) => Err(DrainError(CloseReason::ClosedByClient)),
        }
    }

    /// Closes at once, without draining. What was published before (in this task too) is
    /// still handed to the socket ahead of its close frame; nothing waits for the server.
    /// Dropping the last `Client` (and every [`Subscriber`] and [`Message`], which hold one)
    /// closes the socket the same way.
    pub fn close(&self) {
        let mut state = self.shared.borrow_mut();
        state.conn.close();
        state.pump_soon();
    }
}

/// A request being prepared; `.await` it for the reply.
#[must_use = "a request does nothing until it is awaited"]
pub struct Request {
    client: Client,
    subject: String,
    payload: Vec<u8>,
    headers: Option<HeaderMap>,
    timeout: Duration,
}

impl Request {
    /// How long to wait for the reply (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Headers to send with the request.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = Some(headers);
        self
    }

    async fn send(self) -> Result<Message, RequestError> {
        let (tx, rx) = oneshot();
        {
            let mut state = self.client.shared.borrow_mut();
            let size = self.subject.len()
                + self.headers.as_ref().map_or(0, HeaderMap::encoded_len)
                + self.payload.len();
            if let Err(e) = state.check_send_room(size) {
                return Err(RequestError::send_buffer_full(e.to_string()));
            }
            let sent = state.conn.request(
                Instant::now(),
                &self.subject,
                self.headers.as_ref(),
                &self.payload,
                self.timeout,
            );
            let id = match sent {
                Ok(id) => id,
                Err(e) => return Err(RequestError::from_command(e)),
            };
            state.requests.insert(id, tx);
            state.pump_soon();
        }
        let outcome = rx.await.unwrap_or(Err(conn::RequestFailure::Closed));
        outcome
            .map(|inner| Message::new(inner, self.client.clone()))
            .map_err(|failure| RequestError::from_failure(failure, &self.subject, self.timeout))
    }
}

impl IntoFuture for Request {
    type Output = Result<Message, RequestError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A message received on a subscription or as a reply.
#[derive(Clone)]
pub struct Message {
    /// The subject it was published to.
    pub subject: String,
    /// Where to send a reply, if the sender asked for one.
    pub reply: Option<String>,
    /// Headers, if it had any.
    pub headers: Option<HeaderMap>,
    /// The body.
    pub payload: Vec<u8>,
    client: Client,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("subject", &self.subject)
            .field("reply", &self.reply)
            .field("headers", &self.headers)
            .field("payload", &String::from_utf8_lossy(&self.payload))
            .finish()
    }
}

impl Message {
    fn new(inner: conn::Message, client: Client) -> Self {
        Message {
            subject: inner.subject,
            reply: inner.reply,
            headers: inner.headers,
            payload: inner.payload,
            client,
        }
    }

    /// Publishes `payload` to this message's reply subject.
    pub async fn respond(&self, payload: impl AsRef<[u8]>) -> Result<(), Error> {
        let reply = self.reply.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::NoReplySubject,
                format!(
                    "message on {} has no reply subject to respond to",
                    self.subject
                ),
            )
        })?;
        self.client.publish(reply, payload).await
    }
}
