//! The one place a connection's state lives: the sans-IO [`Connection`], its socket and timer,
//! and the futures and streams waiting on its events. `State::pump` moves everything along
//! after each input, timeout or command.
//!
//! Bytes for the wire go through [`Outbound`], which keeps the WebSocket's own send buffer
//! under its high-water mark. Whatever the connection queued before it closed (or before the
//! last [`super::Client`] was dropped) is handed to the socket before the socket is closed.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use crate::platform::now;
use nats_core::Instant;

use super::auth::{AuthCallback, UntilCanceled};
use super::channel::{oneshot, OneshotSender, Sender};
use super::outbound::{Outbound, RETRY_AFTER};
use super::request_many::ManyInbound;
use super::subscriber::{Inbound, Offered, PendingLimits};
use super::watch::Watcher;
use super::{ClientEvent, Error, ErrorKind, RequestError};
use crate::ws::{Socket, SocketClosed, SocketHandler, Timer};
use nats_core::conn::{
    CloseReason, Connection, Event, FlushId, Message, RequestFailure, RequestId, RttId, Transport,
};
use nats_core::id_map::IdMap;
use nats_core::proto::{HeaderMap, ServerInfo};

pub(crate) type Shared = Rc<RefCell<State>>;

/// Every server tried and why it failed, for a connect error.
pub(crate) type ConnectAttempts = Vec<(String, CloseReason)>;
/// Resolves once the first connect succeeds or every server failed.
pub(crate) type ConnectedSender = OneshotSender<Result<ServerInfo, ConnectAttempts>>;

/// Everything waiting on one connection.
pub(crate) struct State {
    pub conn: Connection,
    /// The URL of the current (or last) socket.
    pub url: String,
    this: Weak<RefCell<State>>,
    socket: Option<Socket>,
    /// Counts sockets, so events of a replaced socket are ignored.
    socket_generation: u64,
    timer: Option<Timer>,
    armed: Option<Instant>,
    /// A pump is queued as a microtask (commands of one task share one send).
    pump_scheduled: bool,
    /// Bytes for the wire the socket has not been given yet.
    out: Outbound,
    /// The most bytes `out` may hold before publishes are refused.
    send_buffer_size: usize,
    /// The limits of a subscription made without its own.
    pub pending_limits: PendingLimits,
    /// The timeout of a request not given its own (`None`: none).
    pub request_timeout: Option<std::time::Duration>,
    /// Every failed attempt before the first connect, for the connect error.
    pub connect_failures: ConnectAttempts,
    pub connected: Option<ConnectedSender>,
    pub requests: IdMap<RequestId, OneshotSender<Result<Message, RequestFailure>>>,
    pub subscriptions: IdMap<u64, Inbound>,
    /// `Client::request_many` streams waiting for replies.
    pub responses: IdMap<RequestId, ManyInbound>,
    /// `SubscriberHandle::drain` calls waiting for their subscription's stream to end.
    pub subscription_drains: IdMap<u64, Vec<OneshotSender<Result<(), Error>>>>,
    /// Subscriptions whose `Subscriber` exists and has not been read to its end: a
    /// connection drain waits for these before it moves on to the requests.
    pub open_streams: IdMap<u64, ()>,
    /// A connection drain waits for `open_streams` to empty.
    awaiting_handled: bool,
    /// Why a subscription ended, when the server refused it (kept while its `Subscriber`
    /// exists).
    pub subscription_errors: IdMap<u64, Error>,
    /// Flushes waiting: `true` once confirmed, `false` when timed out.
    pub flushes: IdMap<FlushId, OneshotSender<bool>>,
    /// `Client::rtt` calls waiting for their PONG.
    pub rtts: IdMap<RttId, OneshotSender<Result<std::time::Duration, RequestFailure>>>,
    pub closed: Vec<OneshotSender<CloseReason>>,
    pub listeners: Vec<Sender<ClientEvent>>,
    /// Internal listeners that take only some events (a service's task).
    pub watchers: Vec<Watcher<ClientEvent>>,
    pub close_reason: Option<CloseReason>,
    /// Called on every [`Event::CredentialsNeeded`].
    auth_callback: Option<AuthCallback>,
    /// Dropped once the attempt that asked the auth callback is over: its future is dropped.
    auth_attempt: Option<OneshotSender<()>>,
}

/// Takes over `conn`: opens the sockets it asks for, arms its timer, and routes its events.
pub(crate) fn open(
    conn: Connection,
    limits: ClientLimits,
    connected: ConnectedSender,
    listener: Option<Sender<ClientEvent>>,
    auth_callback: Option<AuthCallback>,
) -> Shared {
    let shared: Shared = Rc::new_cyclic(|this| {
        RefCell::new(State {
            conn,
            url: String::new(),
            this: this.clone(),
            socket: None,
            socket_generation: 0,
            timer: None,
            armed: None,
            pump_scheduled: false,
            out: Outbound::default(),
            send_buffer_size: limits.send_buffer_size,
            pending_limits: limits.pending,
            request_timeout: limits.request_timeout,
            connect_failures: Vec::new(),
            connected: Some(connected),
            requests: IdMap::new(),
            subscriptions: IdMap::new(),
            responses: IdMap::new(),
            subscription_drains: IdMap::new(),
            open_streams: IdMap::new(),
            awaiting_handled: false,
            subscription_errors: IdMap::new(),
            flushes: IdMap::new(),
            rtts: IdMap::new(),
            closed: Vec::new(),
            listeners: listener.into_iter().collect(),
            watchers: Vec::new(),
            close_reason: None,
            auth_callback,
            auth_attempt: None,
        })
    });
    let weak = Rc::downgrade(&shared);
    let timer = Timer::new(move || {
        if let Some(shared) = weak.upgrade() {
            let mut state = shared.borrow_mut();
            if let Some(t) = state.timer.as_mut() {
                t.fired();
            }
            state.armed = None;
            state.conn.handle_timeout(now());
            state.pump();
        }
    });
    {
        let mut state = shared.borrow_mut();
        state.timer = Some(timer);
        state.pump();
    }
    shared
}

/// The client's own bounds, from [`crate::ConnectOptions`].
pub(crate) struct ClientLimits {
    /// See [`crate::ConnectOptions::send_buffer_size`].
    pub send_buffer_size: usize,
    /// The default [`PendingLimits`] of a subscription.
    pub pending: PendingLimits,
    /// See [`crate::ConnectOptions::request_timeout`].
    pub request_timeout: Option<std::time::Duration>,
}

/// Routes one socket's events into the state, holding only a weak reference.
struct Handler {
    state: Weak<RefCell<State>>,
    generation: u64,
    url: String,
}

impl Handler {
    fn with_state(&self, f: impl FnOnce(&mut State)) {
        if let Some(shared) = self.state.upgrade() {
            let mut state = shared.borrow_mut();
            if state.socket_generation == self.generation {
                f(&mut state);
                state.pump();
            }
        }
    }
}

impl SocketHandler for Handler {
    fn on_open(&self) {}

    fn on_data(&self, bytes: &[u8]) {
        self.with_state(|state| state.conn.handle_input(now(), bytes));
    }

    fn on_close(&self, closed: SocketClosed) {
        let description = describe_close(&self.url, &closed);
        self.with_state(|state| {
            state.socket = None;
            state.conn.handle_transport_closed(now(), description);
        });
    }
}

impl State {
    /// Pumps once the current task is done, so that every command given in it goes out in
    /// one WebSocket frame.
    pub(crate) fn pump_soon(&mut self) {
        if self.pump_scheduled {
            return;
        }
        self.pump_scheduled = true;
        let this = self.this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(shared) = this.upgrade() {
                let mut state = shared.borrow_mut();
                state.pump_scheduled = false;
                state.pump();
            }
        });
    }

    /// [`State::check_send_room`] for a request's publish, refused as the request's error.
    pub(crate) fn check_request_room(
        &mut self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> Result<(), RequestError> {
        let size = subject.len() + headers.map_or(0, HeaderMap::encoded_len) + payload.len();
        self.check_send_room(size)
            .map_err(|e| RequestError::send_buffer_full(e.to_string()))
    }

    /// Refuses a publish of about `size` bytes when the bytes waiting for the socket are at
    /// [`crate::ConnectOptions::send_buffer_size`].
    pub(crate) fn check_send_room(&mut self, size: usize) -> Result<(), Error> {
        self.conn.poll_transmit(self.out.buffer());
        if self.out.has_room_for(size, self.send_buffer_size) {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::BufferFull,
            format!(
                "the WebSocket is not taking bytes as fast as they are published: {} bytes \
                 wait to be sent (send_buffer_size {}); message not sent, try again later",
                self.out.len(),
                self.send_buffer_size
            ),
        ))
    }

    /// Bytes waiting for the socket, and the socket's own `bufferedAmount`.
    pub(crate) fn send_backlog(&mut self) -> (usize, u32) {
        self.conn.poll_transmit(self.out.buffer());
        let buffered = self.socket.as_ref().map_or(0, Socket::buffered_amount);
        (self.out.len(), buffered)
    }

    /// Sends what is queued, hands events to whoever waits for them, re-arms the timer and,
    /// once the connection is closed, closes the socket.
    pub(crate) fn pump(&mut self) {
        // Before any transport change: what was queued belongs to the current socket.
        self.conn.poll_transmit(self.out.buffer());
        if let Some(socket) = &self.socket {
            self.out.write_to(socket, false);
        }
        // Events and transport commands until there are none: a socket that fails to open at
        // once queues more events (up to Closed), which must reach their futures now.
        loop {
            let mut progressed = false;
            while let Some(event) = self.conn.poll_event() {
                self.dispatch(event);
                progressed = true;
            }
            if !self.follow_transport() && !progressed {
                break;
            }
        }
        if self.conn.is_closed() {
            self.close_socket();
            self.timer = None;
            return;
        }
        // Re-arm only for an earlier deadline: a timer that fires early finds nothing due and
        // is armed again then. Requests come and go far more often than deadlines pass.
        // Bytes still waiting for the socket are offered to it again soon.
        let retry = (!self.out.is_empty()).then(|| now() + RETRY_AFTER);
        let next = match (self.conn.poll_timeout(), retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let earlier = match (next, self.armed) {
            (Some(next), Some(armed)) => next < armed,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if earlier {
            self.armed = next;
            if let (Some(timer), Some(at)) = (self.timer.as_mut(), next) {
                let delay = at.saturating_duration_since(now());
                timer.arm(delay.as_millis().min(i32::MAX as u128) as i32);
            }
        }
    }

    /// Closes the socket: once the connection is closed, what it queued is handed to the
    /// socket first (the browser sends it before the close frame); bytes meant for a lost
    /// transport are void, as in the connection itself.
    fn close_socket(&mut self) {
        self.conn.poll_transmit(self.out.buffer());
        if let (Some(socket), true) = (&self.socket, self.conn.is_closed()) {
            self.out.write_to(socket, true);
        }
        if !self.out.is_empty() && !self.conn.is_closed() {
            // Never handed to the lost socket: say so (the reconnect does not resend them).
            let bytes = self.out.len();
            self.notify(ClientEvent::SendBacklogDiscarded { bytes });
        }
        self.out.clear();
        self.socket = None; // detaches its listeners and closes it
    }

    /// Opens and closes sockets as the connection asks; exactly one socket at a time. Says
    /// whether it was asked anything.
    fn follow_transport(&mut self) -> bool {
        let mut asked = false;
        while let Some(command) = self.conn.poll_transport() {
            asked = true;
            self.close_socket();
            self.socket_generation += 1;
            let Transport::Open(url) = command else {
                continue;
            };
            self.url = url.clone();
            let handler = Rc::new(Handler {
                state: self.this.clone(),
                generation: self.socket_generation,
                url: url.clone(),
            });
            match Socket::open(&url, handler) {
                Ok(socket) => self.socket = Some(socket),
                Err(e) => self.conn.handle_transport_closed(
                    now(),
                    format!("cannot open a WebSocket to {url}: {e}"),
                ),
            }
        }
        asked
    }

    /// Runs the auth callback for `nonce` and hands its answer to the connection; the future
    /// is dropped unanswered once the attempt is over.
    fn ask_auth_callback(&mut self, nonce: Option<String>) {
        let Some(callback) = self.auth_callback.clone() else {
            let missing = Err("Auth::Callback without an auth callback: connect with \
                               connect_with_auth_callback"
                .to_owned());
            return self.conn.provide_credentials(now(), missing);
        };
        let (attempt, canceled) = oneshot();
        self.auth_attempt = Some(attempt);
        let this = self.this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // Called here, not in `dispatch`: the callback may use the client.
            let answer = callback(nonce.map(String::into_bytes).unwrap_or_default());
            let Some(answer) = (UntilCanceled { answer, canceled }).await else {
                return;
            };
            if let Some(shared) = this.upgrade() {
                let mut state = shared.borrow_mut();
                state.conn.provide_credentials(now(), answer);
                state.pump();
            }
        });
    }

    fn dispatch(&mut self, event: Event) {
        if matches!(
            event,
            Event::Connected(_)
                | Event::Reconnected { .. }
                | Event::Disconnected { .. }
                | Event::Closed(_)
        ) {
            self.auth_attempt = None; // the attempt is over: drop the callback's future
        }
        match event {
            Event::CredentialsNeeded { nonce } => self.ask_auth_callback(nonce),
            Event::Connected(info) => {
                if let Some(tx) = self.connected.take() {
                    tx.send(Ok(*info.clone()));
                }
                self.notify(ClientEvent::Connected {
                    url: self.url.clone(),
                    info: *info,
                });
            }
            Event::Disconnected { url, reason } => {
                if self.connected.is_some() {
                    self.connect_failures.push((url.clone(), reason.clone()));
                }
                self.notify(ClientEvent::Disconnected { url, reason });
            }
            Event::Reconnecting { attempt, url } => {
                self.notify(ClientEvent::Reconnecting { attempt, url })
            }
            Event::Reconnected { url, info } => {
                self.notify(ClientEvent::Reconnected { url, info: *info })
            }
            Event::ServerInfo(info) => self.notify(ClientEvent::ServerInfo(*info)),
            Event::Message { sid, message } => {
                let offered = self.subscriptions.get(&sid).map(|s| s.offer(message));
                if let Some(Offered::SlowConsumer { dropped }) = offered {
                    self.notify(ClientEvent::SlowConsumer { sid, dropped });
                }
            }
            Event::Response { id, message } => {
                if let Some(tx) = self.requests.remove(&id) {
                    tx.send(Ok(message));
                }
            }
            Event::RequestFailed { id, kind } => {
                if let Some(tx) = self.requests.remove(&id) {
                    tx.send(Err(kind));
                }
            }
            Event::RequestManyResponse { id, message } => {
                if let Some(many) = self.responses.get(&id) {
                    // Past its limits the reply is dropped and counted in its `Pending`.
                    many.inbound.offer(message);
                }
            }
            Event::RequestManyEnded { id, end } => {
                if let Some(many) = self.responses.remove(&id) {
                    many.end.set(Some(end)); // dropping its sender ends the stream
                }
            }
            // However the stream ended (its limit, unsubscribed, drained), a drain waiting on
            // it is done: the stream has delivered its last message.
            Event::SubscriptionEnded { sid } | Event::SubscriptionDrained { sid } => {
                self.subscriptions.remove(&sid);
                for tx in self.subscription_drains.remove(&sid).unwrap_or_default() {
                    tx.send(Ok(()));
                }
            }
            Event::SubscriptionDenied { sid, error } => {
                self.subscriptions.remove(&sid);
                let error = Error::new(ErrorKind::PermissionDenied, error.to_string());
                for tx in self.subscription_drains.remove(&sid).unwrap_or_default() {
                    tx.send(Err(error.clone()));
                }
                if self.open_streams.contains_key(&sid) {
                    self.subscription_errors.insert(sid, error);
                }
            }
            Event::AllSubscriptionsDrained => {
                self.awaiting_handled = true;
                self.check_handled();
            }
            Event::Flushed(id) => {
                if let Some(tx) = self.flushes.remove(&id) {
                    tx.send(true);
                }
            }
            Event::FlushTimedOut(id) => {
                if let Some(tx) = self.flushes.remove(&id) {
                    tx.send(false);
                }
            }
            Event::Rtt { id, rtt } => {
                if let Some(tx) = self.rtts.remove(&id) {
                    tx.send(rtt);
                }
            }
            Event::ServerError(error) => self.notify(ClientEvent::ServerError(error)),
            Event::Trace(line) => self.notify(ClientEvent::Trace(line)),
            // To be routed into `ClientEvent` by the client slice of issue 9.
            Event::LameDuckMode { url } => self.notify(ClientEvent::LameDuckMode { url }),
            Event::HeldPublishesDiscarded { messages, bytes } => {
                self.notify(ClientEvent::HeldPublishesDiscarded { messages, bytes })
            }
            // A dropped request's own failure follows as `RequestFailed`.
            Event::PublishDropped {
                subject, reason, ..
            } => self.notify(ClientEvent::PublishDropped { subject, reason }),
            Event::Closed(reason) => {
                if let Some(tx) = self.connected.take() {
                    let mut attempts = std::mem::take(&mut self.connect_failures);
                    if attempts.last().is_none_or(|(_, last)| *last != reason) {
                        attempts.push((self.url.clone(), reason.clone()));
                    }
                    tx.send(Err(attempts));
                }
                for tx in self.closed.drain(..) {
                    tx.send(reason.clone());
                }
                // Dropping the senders ends every stream and fails every waiting future.
                self.subscriptions.clear();
                self.subscription_drains.clear();
                self.flushes.clear();
                self.rtts.clear();
                self.requests.clear();
                self.responses.clear();
                self.close_reason = Some(reason.clone());
                self.notify(ClientEvent::Closed(reason));
                // Closed is the last event: end every event stream.
                self.listeners.clear();
                self.watchers.clear();
            }
        }
    }

    /// The `Subscriber` of `sid` was read to its end or dropped: the application is done
    /// with its messages.
    pub(crate) fn stream_finished(&mut self, sid: u64) {
        self.open_streams.remove(&sid);
        self.check_handled();
    }

    /// Lets a connection drain move on once every `Subscriber` is done.
    fn check_handled(&mut self) {
        if self.awaiting_handled && self.open_streams.values().next().is_none() {
            self.awaiting_handled = false;
            self.conn.messages_handled();
            self.pump_soon();
        }
    }

    pub(crate) fn notify(&mut self, event: ClientEvent) {
        self.listeners.retain(|tx| tx.send(event.clone()).is_ok());
        self.watchers.retain(|watcher| watcher.offer(&event));
    }
}

impl Drop for State {
    /// The last [`super::Client`] is gone: what it queued still goes out before the socket
    /// closes.
    fn drop(&mut self) {
        // Closed for the event listeners that outlive the client, with what it could not send.
        self.conn.close();
        self.conn.poll_transmit(self.out.buffer());
        if let Some(socket) = &self.socket {
            self.out.write_to(socket, true);
        }
        while let Some(event) = self.conn.poll_event() {
            self.dispatch(event);
        }
    }
}

/// Says why a socket closed, and what to check when it never opened.
fn describe_close(url: &str, closed: &SocketClosed) -> String {
    if !closed.was_open {
        return format!(
            "cannot open a WebSocket to {url}: is nats-server running there with a `websocket` \
             listener? (Not the monitoring or the TCP client port; and ws:// must match \
             `no_tls: true`, wss:// a TLS listener.)"
        );
    }
    let why = match closed.code {
        1000 => "closed normally",
        1001 => "the server is going away",
        1002 => "protocol error",
        1006 => "the connection dropped",
        1008 => "policy violation (authentication failed)",
        1009 => "message too big",
        1011 => "server error",
        _ => "closed",
    };
    let mut text = format!("{url} {why} (WebSocket code {})", closed.code);
    if !closed.reason.is_empty() {
        text.push_str(&format!(": {}", closed.reason));
    }
    text
}
