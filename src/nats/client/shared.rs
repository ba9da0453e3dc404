//! The one place a connection's state lives: the sans-IO [`Connection`], its socket and timer,
//! and the futures and streams waiting on its events. [`pump`] moves everything along after
//! each input, timeout or command.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use futures::channel::{mpsc, oneshot};
use web_time::Instant;

use super::ClientEvent;
use crate::nats::conn::{
    CloseReason, Connection, Event, FlushId, Message, RequestFailure, RequestId,
};
use crate::nats::proto::ServerInfo;
use crate::nats::ws::{Socket, SocketClosed, SocketHandler, Timer};

pub(crate) type Shared = Rc<RefCell<State>>;

/// Everything waiting on one connection.
pub(crate) struct State {
    pub conn: Connection,
    pub url: String,
    socket: Option<Socket>,
    timer: Option<Timer>,
    armed: Option<Instant>,
    out: Vec<u8>,
    pub connected: Option<oneshot::Sender<Result<ServerInfo, CloseReason>>>,
    pub requests: HashMap<RequestId, oneshot::Sender<Result<Message, RequestFailure>>>,
    pub subscriptions: HashMap<u64, mpsc::UnboundedSender<Message>>,
    pub subscription_drains: HashMap<u64, Vec<oneshot::Sender<()>>>,
    pub flushes: HashMap<FlushId, oneshot::Sender<()>>,
    pub closed: Vec<oneshot::Sender<CloseReason>>,
    pub listeners: Vec<mpsc::UnboundedSender<ClientEvent>>,
    pub close_reason: Option<CloseReason>,
}

/// Opens a socket to `url` for `conn` and returns the shared state that drives it.
pub(crate) fn open(
    url: &str,
    conn: Connection,
    listener: Option<mpsc::UnboundedSender<ClientEvent>>,
) -> Result<Shared, String> {
    let shared: Shared = Rc::new(RefCell::new(State {
        conn,
        url: url.to_owned(),
        socket: None,
        timer: None,
        armed: None,
        out: Vec::new(),
        connected: None,
        requests: HashMap::new(),
        subscriptions: HashMap::new(),
        subscription_drains: HashMap::new(),
        flushes: HashMap::new(),
        closed: Vec::new(),
        listeners: listener.into_iter().collect(),
        close_reason: None,
    }));
    let weak = Rc::downgrade(&shared);
    let timer = Timer::new(move || {
        if let Some(shared) = weak.upgrade() {
            let mut state = shared.borrow_mut();
            if let Some(t) = state.timer.as_mut() {
                t.fired();
            }
            state.armed = None;
            state.conn.handle_timeout(Instant::now());
            state.pump();
        }
    });
    let handler = Rc::new(Handler(Rc::downgrade(&shared)));
    let socket = Socket::open(url, handler)?;
    {
        let mut state = shared.borrow_mut();
        state.timer = Some(timer);
        state.socket = Some(socket);
        state.pump();
    }
    Ok(shared)
}

/// Routes socket events into the state, holding only a weak reference.
struct Handler(Weak<RefCell<State>>);

impl SocketHandler for Handler {
    fn on_open(&self) {}

    fn on_data(&self, bytes: &[u8]) {
        if let Some(shared) = self.0.upgrade() {
            let mut state = shared.borrow_mut();
            state.conn.handle_input(Instant::now(), bytes);
            state.pump();
        }
    }

    fn on_close(&self, closed: SocketClosed) {
        if let Some(shared) = self.0.upgrade() {
            let mut state = shared.borrow_mut();
            let description = describe_close(&state.url, &closed);
            state.socket = None;
            state.conn.handle_transport_closed(description);
            state.pump();
        }
    }
}

impl State {
    /// Sends what is queued, hands events to whoever waits for them, re-arms the timer and,
    /// once the connection is closed, closes the socket.
    pub(crate) fn pump(&mut self) {
        self.conn.poll_transmit(&mut self.out);
        if !self.out.is_empty() {
            if let Some(socket) = &self.socket {
                // A failed send means the socket is closing; its close event follows.
                let _ = socket.send(&self.out);
            }
            self.out.clear();
        }
        while let Some(event) = self.conn.poll_event() {
            self.dispatch(event);
        }
        if self.conn.is_closed() {
            self.socket = None;
            self.timer = None;
            return;
        }
        let next = self.conn.poll_timeout();
        if next != self.armed {
            self.armed = next;
            if let Some(timer) = self.timer.as_mut() {
                match next {
                    Some(at) => {
                        let delay = at.saturating_duration_since(Instant::now());
                        timer.arm(delay.as_millis().min(i32::MAX as u128) as i32);
                    }
                    None => timer.cancel(),
                }
            }
        }
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Connected(info) => {
                if let Some(tx) = self.connected.take() {
                    let _ = tx.send(Ok(*info.clone()));
                }
                self.notify(ClientEvent::Connected {
                    url: self.url.clone(),
                    info: *info,
                });
            }
            Event::ServerInfo(info) => self.notify(ClientEvent::ServerInfo(*info)),
            Event::Message { sid, message } => {
                if let Some(tx) = self.subscriptions.get(&sid) {
                    let _ = tx.unbounded_send(message);
                }
            }
            Event::Response { id, message } => {
                if let Some(tx) = self.requests.remove(&id) {
                    let _ = tx.send(Ok(message));
                }
            }
            Event::RequestFailed { id, kind } => {
                if let Some(tx) = self.requests.remove(&id) {
                    let _ = tx.send(Err(kind));
                }
            }
            Event::SubscriptionEnded { sid } => {
                self.subscriptions.remove(&sid);
                self.subscription_drains.remove(&sid);
            }
            Event::SubscriptionDrained { sid } => {
                self.subscriptions.remove(&sid);
                for tx in self.subscription_drains.remove(&sid).unwrap_or_default() {
                    let _ = tx.send(());
                }
            }
            Event::Flushed(id) => {
                if let Some(tx) = self.flushes.remove(&id) {
                    let _ = tx.send(());
                }
            }
            Event::ServerError(error) => self.notify(ClientEvent::ServerError(error)),
            Event::Trace(line) => self.notify(ClientEvent::Trace(line)),
            Event::Closed(reason) => {
                if let Some(tx) = self.connected.take() {
                    let _ = tx.send(Err(reason.clone()));
                }
                for tx in self.closed.drain(..) {
                    let _ = tx.send(reason.clone());
                }
                // Dropping the senders ends every stream and fails every waiting future.
                self.subscriptions.clear();
                self.subscription_drains.clear();
                self.flushes.clear();
                self.requests.clear();
                self.close_reason = Some(reason.clone());
                self.notify(ClientEvent::Closed(reason));
                // Closed is the last event: end every event stream.
                self.listeners.clear();
            }
        }
    }

    fn notify(&mut self, event: ClientEvent) {
        self.listeners
            .retain(|tx| tx.unbounded_send(event.clone()).is_ok());
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
