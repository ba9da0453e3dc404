//! The async API of the browser client, named as NATS users know it from async-nats and
//! nats-py: [`connect`], [`Client::subscribe`], [`Client::request`], [`Message::respond`],
//! [`Client::request_many`] (nats.js' name: async-nats has none),
//! [`SubscriberHandle::drain`], [`Client::drain`].
//!
//! A [`Client`] is a cheap handle (an `Rc`) on one connection; clone it freely within the
//! page's thread. Every call only queues work in the sans-IO core and returns at once or with
//! a future that completes on the matching core event.

mod auth;
pub mod channel;
mod control;
mod error;
mod message;
mod outbound;
mod request;
mod request_many;
mod server_url;
mod shared;
mod subscriber;
mod watch;

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use crate::platform::now;

pub use auth::{connect_with_auth_callback, AuthCallback, AuthFuture};
pub use control::Rtt;
pub use error::{
    check_server_url, ConnectError, ConnectErrorKind, DrainError, Error, ErrorKind, RequestError,
    RequestErrorKind,
};
pub use message::Message;
pub use nats_core::conn::State;
pub use outbound::{MAX_FRAME_BYTES, SEND_HIGH_WATER_MARK};
pub use request::Request;
pub use request_many::{RequestMany, Responses, ResponsesEnd};
pub use server_url::default_scheme;
pub use subscriber::{PendingLimits, SubscribeOptions, Subscriber, SubscriberHandle};

use channel::oneshot;

use nats_core::conn::{
    self, CloseReason, ConnectOptions, Connection, ServerError, Statistics, TraceLine,
};
use nats_core::proto::{HeaderMap, ServerInfo};
use shared::{ClientLimits, Shared, State as Inner};

/// Timeout of a flush when none is given.
pub const DEFAULT_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// What a connection reports to the page besides messages: for status lines and traces.
///
/// async-nats' `Event`s are here under their names: `Connected`, `Disconnected`,
/// `LameDuckMode`, `SlowConsumer`, `Draining`, `Closed`, `ServerError`; its `ClientError`s are
/// the specific events [`ClientEvent::PublishDropped`], [`ClientEvent::HeldPublishesDiscarded`],
/// [`ClientEvent::SendBacklogDiscarded`] and `Closed` with
/// [`CloseReason::ReconnectsExhausted`]. [`Client::connection_state`] says where the
/// connection is at any time.
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
    /// The server at `url` announced lame-duck mode (it is shutting down): the client keeps
    /// using it, then moves to another server within [`ConnectOptions::lame_duck_window`].
    LameDuckMode {
        /// The server shutting down.
        url: String,
    },
    /// A publish buffered while disconnected (or before the first connect) was not sent,
    /// because the server it then went to would have closed the connection for it: its
    /// `max_payload` is smaller, or it has headers and the server takes none (the others
    /// were sent, in order; a request among them fails).
    PublishDropped {
        /// Its subject.
        subject: String,
        /// Why ([`nats_core::proto::validate::ValidationError::MaxPayloadExceeded`] or
        /// [`nats_core::proto::validate::ValidationError::HeadersNotSupported`]).
        reason: nats_core::proto::validate::ValidationError,
    },
    /// The connection closed while publishes made during a disconnection still waited for a
    /// server: they were never sent. Comes just before [`ClientEvent::Closed`].
    HeldPublishesDiscarded {
        /// Publishes discarded.
        messages: usize,
        /// Their bytes on the wire.
        bytes: usize,
    },
    /// The socket was lost while bytes waited in the client's send backlog (the WebSocket's
    /// `bufferedAmount` was over [`SEND_HIGH_WATER_MARK`]): the publishes in them were never
    /// sent, and the reconnect does not resend them.
    SendBacklogDiscarded {
        /// Bytes discarded.
        bytes: usize,
    },
    /// [`Client::drain`] started: new subscriptions and requests are refused from now on, and
    /// [`ClientEvent::Closed`] with [`CloseReason::Drained`] (or why it failed) ends it.
    Draining,
    /// The connection closed.
    Closed(CloseReason),
}

/// Connects to the first of `options.servers` that completes the NATS handshake. Once
/// connected, the client reconnects by itself (see [`ConnectOptions::max_reconnects`]).
/// A server given as `host:port` gets `wss://`, or `ws://` on a plain-`http:` page (the
/// rule: [`default_scheme`]). With [`ConnectOptions::retry_on_initial_connect`] it returns
/// at once, as async-nats does: the client connects in the background, keeping what it is
/// given meanwhile (watch [`ClientEvent::Connected`]); options that can never work (an
/// `inbox_prefix` that is not a subject, an unusable NKey seed) still fail it at once.
pub async fn connect(options: ConnectOptions) -> Result<Client, ConnectError> {
    connect_with_events(options, None).await
}

/// Like [`connect`], and sends every [`ClientEvent`], from the first trace line on, to
/// `events` (make one with [`channel::unbounded`]).
pub async fn connect_with_events(
    options: ConnectOptions,
    events: Option<channel::Sender<ClientEvent>>,
) -> Result<Client, ConnectError> {
    connect_inner(options, events, None).await
}

/// [`connect_with_events`], with the auth callback for [`conn::Auth::Callback`].
async fn connect_inner(
    mut options: ConnectOptions,
    events: Option<channel::Sender<ClientEvent>>,
    auth_callback: Option<AuthCallback>,
) -> Result<Client, ConnectError> {
    // Auth::Callback is the core's way of asking for credentials: this client answers it
    // only with the callback of connect_with_auth_callback.
    if options.auth == conn::Auth::Callback && auth_callback.is_none() {
        return Err(ConnectError::new(
            ConnectErrorKind::InvalidOptions,
            "Auth::Callback needs the callback: connect with connect_with_auth_callback",
        ));
    }
    server_url::with_page_scheme(&mut options.servers);
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
            messages: options.subscription_capacity,
            bytes: options.subscription_pending_bytes,
        },
        request_timeout: options.request_timeout,
    };
    let wall_clock = crate::platform::wall_clock();
    let in_background = options.retry_on_initial_connect;
    let mut connection = Connection::new(now(), options, crate::platform::random_seed());
    if let conn::Phase::Closed(reason) = connection.phase() {
        // Refused before anything was opened (an unusable option or credential): that is
        // the answer, in the background or not.
        return Err(ConnectError::from_attempts(&[(
            String::new(),
            reason.clone(),
        )]));
    }
    connection.set_wall_clock(now(), wall_clock);
    let (tx, rx) = oneshot();
    let shared = shared::open(connection, limits, tx, events, auth_callback);
    if in_background {
        // Nobody waits for the first connect: keep no list of its failures.
        shared.borrow_mut().connected = None;
        return Ok(Client { shared });
    }
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
    fn command<T>(&self, f: impl FnOnce(&mut Inner) -> Result<T, Error>) -> Result<T, Error> {
        let mut state = self.shared.borrow_mut();
        let result = f(&mut state);
        state.pump_soon();
        result
    }

    /// The URL of the server this client is connected to.
    pub fn server_url(&self) -> String {
        self.shared.borrow().url.clone()
    }

    /// The pending limits of a subscription that asks for none (the connect options').
    #[cfg(feature = "jetstream")]
    pub(crate) fn default_pending_limits(&self) -> PendingLimits {
        self.shared.borrow().pending_limits
    }

    /// The latest INFO from the server.
    pub fn server_info(&self) -> Option<ServerInfo> {
        self.shared.borrow().conn.server_info().cloned()
    }

    /// Messages and bytes in and out so far.
    pub fn statistics(&self) -> Statistics {
        self.shared.borrow().conn.statistics()
    }

    /// Where the connection is: [`State::Connected`], [`State::Disconnected`] while it
    /// reconnects, [`State::Draining`] during [`Client::drain`], [`State::Closed`] at the end
    /// ([`State::Pending`] until the first handshake completes: never seen after [`connect`]
    /// returns, unless [`ConnectOptions::retry_on_initial_connect`] let it return at once).
    pub fn connection_state(&self) -> State {
        self.shared.borrow().conn.state()
    }

    /// A new subject `<inbox_prefix>.<nuid>`, different on every call: subscribe to it and
    /// pass it to [`Client::publish_with_reply`] to collect replies yourself (as async-nats'
    /// `new_inbox`; [`Client::request`] needs none).
    pub fn new_inbox(&self) -> String {
        self.shared.borrow_mut().conn.new_inbox()
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

    /// The events `wants` picks, from now on, at most `limit` waiting (see [`watch::Watcher`]);
    /// it ends after [`ClientEvent::Closed`] (or at once if the connection has closed).
    pub(crate) fn watch(
        &self,
        wants: fn(&ClientEvent) -> bool,
        limit: usize,
    ) -> channel::Receiver<ClientEvent> {
        let (watcher, rx) = watch::Watcher::new(wants, limit);
        let mut shared = self.shared.borrow_mut();
        if shared.close_reason.is_none() {
            shared.watchers.push(watcher);
        }
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

    pub(crate) fn subscribe_inner(
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
            state.open_streams.insert(sid, ());
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
        self.publish_now(subject, payload.as_ref())
    }

    /// [`Client::publish`] without a future (a publish only queues), for the crate's own
    /// tasks.
    pub(crate) fn publish_now(&self, subject: &str, payload: &[u8]) -> Result<(), Error> {
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

    /// Publishes `payload` with `headers` to `subject`, asking for replies on `reply`.
    pub async fn publish_with_reply_and_headers(
        &self,
        subject: &str,
        reply: &str,
        headers: &HeaderMap,
        payload: impl AsRef<[u8]>,
    ) -> Result<(), Error> {
        let payload = payload.as_ref();
        let size = subject.len() + reply.len() + headers.encoded_len() + payload.len();
        self.publish_command(size, |conn| {
            conn.publish(subject, Some(reply), Some(headers), payload)
        })
    }

    /// A request to `subject`; set `.timeout(..)` or `.headers(..)`, then `.await` the reply.
    /// Without `.timeout(..)` it waits [`ConnectOptions::request_timeout`] (10 s unless set).
    pub fn request(&self, subject: impl Into<String>, payload: impl Into<Vec<u8>>) -> Request {
        let timeout = self.shared.borrow().request_timeout;
        Request::new(self.clone(), subject.into(), payload.into(), timeout)
    }

    /// A flush: `.await` it to wait until the server has processed everything sent so far.
    /// It fails with [`ErrorKind::TimedOut`] after [`DEFAULT_FLUSH_TIMEOUT`] (or
    /// `.timeout(..)`) without an answer, e.g. while the server is gone and the client is
    /// reconnecting, and with [`ErrorKind::Closed`] if the connection closes first.
    pub fn flush(&self) -> Flush {
        Flush {
            client: self.clone(),
            timeout: DEFAULT_FLUSH_TIMEOUT,
        }
    }

    /// Drains the connection as nats.go does, then closes it. From the moment this is called
    /// new subscriptions and requests are refused; publishes (a responder's replies) keep
    /// working to the end. In order:
    /// 1. every subscription is drained: the messages the server sent before are still
    ///    delivered, then each [`Subscriber`] stream ends;
    /// 2. the drain waits until the application has handled them: every `Subscriber` read to
    ///    its end (a responder loop `while let Some(msg) = sub.next().await` does that) or
    ///    dropped;
    /// 3. requests in flight still get their replies (or time out), a `request_many` until it
    ///    ends;
    /// 4. everything queued is flushed to the server, and the connection closes.
    ///
    /// `Ok(())` means all of that happened. [`ConnectOptions::drain_timeout`] bounds the whole
    /// drain ([`DrainError::TimedOut`]). While the client is reconnecting it refuses at once
    /// with [`DrainError::NotConnected`], which counts the publishes still waiting for the
    /// connection, and changes nothing. A lost connection during the drain ends it with
    /// [`DrainError::Closed`].
    pub async fn drain(&self) -> Result<(), DrainError> {
        let (tx, rx) = oneshot();
        {
            let mut state = self.shared.borrow_mut();
            if let Some(reason) = state.close_reason.clone() {
                return match reason {
                    CloseReason::Drained => Ok(()),
                    other => Err(DrainError::from_close(other)),
                };
            }
            let already_draining = state.conn.state() == State::Draining;
            match state.conn.drain(now()) {
                Ok(()) => {}
                Err(conn::CommandError::NotConnected {
                    held_messages,
                    held_bytes,
                }) => {
                    return Err(DrainError::NotConnected {
                        held_messages,
                        held_bytes,
                    })
                }
                // Closed in the core, its event not dispatched yet: `tx` learns why.
                Err(_) => {}
            }
            state.closed.push(tx);
            if !already_draining && state.conn.state() == State::Draining {
                state.notify(ClientEvent::Draining);
            }
            state.pump_soon();
        }
        match rx.await {
            Ok(CloseReason::Drained) => Ok(()),
            Ok(other) => Err(DrainError::from_close(other)),
            Err(_) => Err(DrainError::Closed(CloseReason::ClosedByClient)),
        }
    }

    /// The `Subscriber` of `sid` was read to its end or dropped (see [`Client::drain`]).
    fn stream_finished(&self, sid: u64) {
        match self.shared.try_borrow_mut() {
            Ok(mut state) => state.stream_finished(sid),
            // Called while the state is in use (a stream dropped inside a command): later.
            Err(_) => {
                let client = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    client.shared.borrow_mut().stream_finished(sid);
                });
            }
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

/// A flush being prepared; set `.timeout(..)`, then `.await` it.
#[must_use = "a flush does nothing until it is awaited"]
pub struct Flush {
    client: Client,
    timeout: Duration,
}

impl Flush {
    /// How long to wait for the server's answer (default [`DEFAULT_FLUSH_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn send(self) -> Result<(), Error> {
        let (tx, rx) = oneshot();
        self.client.command(|state| {
            let id = state.conn.flush_within(now(), self.timeout)?;
            state.flushes.insert(id, tx);
            Ok(())
        })?;
        match rx.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::new(
                ErrorKind::TimedOut,
                format!(
                    "flush timed out after {} ms: the server did not answer (is it reachable?)",
                    // u64, not as_millis()'s u128: formatting a u128 costs wasm size.
                    u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX)
                ),
            )),
            Err(_) => Err(Error::closed()),
        }
    }
}

impl IntoFuture for Flush {
    type Output = Result<(), Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
