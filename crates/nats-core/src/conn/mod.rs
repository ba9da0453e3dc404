//! The connection state machine, free of I/O and clocks (in the style of quinn-proto and
//! str0m).
//!
//! The owner of a [`Connection`] loops:
//! * [`Connection::poll_transport`] says to open a transport to a URL (or close it): do so;
//! * bytes received → [`Connection::handle_input`];
//! * the deadline from [`Connection::poll_timeout`] passed → [`Connection::handle_timeout`];
//! * the transport closed or failed → [`Connection::handle_transport_closed`];
//! * with [`Auth::Callback`], [`Event::CredentialsNeeded`] → fetch the credentials (or have
//!   its nonce signed elsewhere: [`Auth::Signed`]), then [`Connection::provide_credentials`];
//! * after any of these, and after any command: [`Connection::poll_transmit`] into a buffer,
//!   sent as one write; [`Connection::poll_event`] until `None`.
//!
//! Commands (`subscribe`, `publish`, `request`, `request_many`, `drain`, ...) only queue work and return at once
//! with an id or a typed [`CommandError`]. Nothing is sent before the server's INFO, and no
//! publish before its first PONG: between the two (the handshake window) control ops (SUB,
//! UNSUB) follow CONNECT at once, in order. Nothing is sent after the connection closes. While
//! disconnected, subscriptions are kept (and sent again on reconnect) and publishes wait in a
//! bounded buffer; a request that fails takes its buffered publish out with it, so it never
//! reaches the wire later.

mod authenticate;
mod control;
mod credentials;
mod debug;
mod denied;
mod drain;
#[cfg(any(feature = "nkey", feature = "jetstream"))]
pub(crate) mod encoding;
mod event;
mod held;
mod lame_duck;
mod lifecycle;
mod nkey;
mod options;
mod options_async_nats;
mod pool;
mod request_many;
mod server_error;
mod state;
mod trace;
mod url;

// Read-only views of the state, for checks against the server's own view.
mod inspect;
mod jwt;

#[cfg(test)]
mod test_fixture;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_api;
#[cfg(test)]
mod tests_auth;
#[cfg(test)]
mod tests_credentials;
#[cfg(test)]
mod tests_drain;
#[cfg(test)]
mod tests_faults;
#[cfg(test)]
mod tests_handshake_window;
#[cfg(test)]
mod tests_lame_duck;
#[cfg(test)]
mod tests_lifecycle;
#[cfg(test)]
mod tests_reconnect;
#[cfg(test)]
mod tests_request_many;

use std::collections::VecDeque;
use std::time::Duration;

use crate::time::Instant;

use crate::id_map::IdMap;
use crate::random::Random;
use held::HeldPublishes;

pub use credentials::{parse_creds, CredentialsError};
use drain::DrainStage;
pub use event::{
    CloseReason, CommandError, Event, FlushId, Message, RequestFailure, RequestId, RttId,
    Statistics, Transport,
};
pub use inspect::{BufferedBytes, SubscriptionInfo};
pub use jwt::check_user_jwt;
pub use options::{
    Auth, ConnectOptions, ReconnectDelayCallback, DEFAULT_AUTH_CALLBACK_TIMEOUT, MAX_WAIT,
};
pub use pool::ServerPool;
pub use request_many::{RequestManyOptions, ResponsesEnd};
pub use server_error::{PermissionOperation, ServerError, ServerErrorKind};
pub use state::State;
pub use trace::{Direction, OpKind, TraceLine, TraceOp};
pub use url::with_default_scheme;

use crate::proto::{
    parse_server_op, validate, ClientOp, Decimal, HeaderMap, MsgOp, Nuid, ParseLimits, Parsed,
    ServerInfo, ServerOp,
};

/// The most ops one [`Connection::handle_input`] (or [`Connection::handle_timeout`]) turns
/// into events; the rest of the input waits for a deadline that is already due. It bounds
/// what a single huge frame of tiny messages queues before the owner applies its limits.
pub const MAX_OPS_PER_INPUT: usize = 4096;

/// Where the connection is in its life. Each phase allows only what makes sense in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Transport opening or open, waiting for the server's INFO.
    AwaitInfo,
    /// CONNECT and PING sent, waiting for the first PONG.
    Handshake,
    /// Ready: commands go straight to the wire.
    Connected,
    /// Draining: subscriptions are being drained; no new subscriptions or requests.
    Draining,
    /// The transport was lost; the next attempt is scheduled.
    Reconnecting,
    /// Closed for the given reason; nothing more is sent or reported.
    Closed(CloseReason),
}

/// What a PING we sent is waiting for; PONGs answer PINGs in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PongWaiter {
    Handshake,
    Keepalive,
    Flush(FlushId),
    SubscriptionDrain(u64),
    /// A connection drain's first stage: every subscription's UNSUB went before this PING.
    ConnectionDrain,
    /// Leaving a lame-duck server: everything sent before was processed, everything it sent
    /// before was handled.
    LameDuckMove,
    /// A connection drain's last stage: everything queued has reached the server.
    DrainFlush,
    /// A flush that timed out; its PONG is still awaited, to keep PONGs and PINGs in step.
    Abandoned,
    /// [`Connection::rtt`]: the PING was sent at this instant.
    Rtt(RttId, Instant),
}

#[derive(Debug, Clone)]
struct Subscription {
    subject: String,
    queue: Option<String>,
    delivered: u64,
    /// `delivered` when the current server was sent this SUB: the server counts an
    /// `UNSUB <max>` from there.
    counted_from: u64,
    max: Option<u64>,
    draining: bool,
}

#[derive(Debug, Clone)]
struct PendingRequest {
    /// The next deadline: its timeout, or a request_many's total wait or stall.
    deadline: Instant,
    /// Set for a [`Connection::request_many`].
    many: Option<request_many::Many>,
}

/// The muxed request inbox: one wildcard subscription for all replies.
#[derive(Debug, Clone)]
struct Inbox {
    prefix: String,
    sid: u64,
}

/// One NATS connection's protocol state. See the module docs for how to drive it.
pub struct Connection {
    options: ConnectOptions,
    phase: Phase,
    info: Option<ServerInfo>,
    limits: ParseLimits,
    pool: ServerPool,
    transport: VecDeque<Transport>,
    received: Vec<u8>,
    /// Bytes of `received` before this were parsed already.
    received_start: usize,
    /// Set when one call parsed [`MAX_OPS_PER_INPUT`] ops and bytes are left: they are parsed
    /// at this (already due) deadline, after the owner has taken the events so far.
    input_resume_at: Option<Instant>,
    /// Bytes ready for the wire now.
    transmit: Vec<u8>,
    /// Publishes given while not connected (or leaving a lame-duck server), sent once the
    /// handshake is done (bounded).
    held: HeldPublishes,
    /// Flushes given (or interrupted) while not connected, sent after `held`.
    held_flushes: Vec<FlushId>,
    events: VecDeque<Event>,
    subscriptions: IdMap<u64, Subscription>,
    next_sid: u64,
    inbox: Option<Inbox>,
    requests: IdMap<u64, PendingRequest>,
    /// Where the next request's reply subject is written (kept to reuse its allocation).
    reply_subject: String,
    next_request: u64,
    next_flush: u64,
    pong_waiters: VecDeque<PongWaiter>,
    /// When each unanswered keepalive PING was sent.
    keepalive_sent: VecDeque<Instant>,
    next_ping: Option<Instant>,
    connect_deadline: Option<Instant>,
    drain_deadline: Option<Instant>,
    /// Where the drain is, while [`Phase::Draining`].
    drain_stage: DrainStage,
    /// Deadlines of flushes made with [`Connection::flush_within`] that are still waiting.
    flush_deadlines: IdMap<FlushId, Instant>,
    /// Deadlines of round trips measured with [`Connection::rtt_within`] still waiting.
    rtt_deadlines: IdMap<RttId, Instant>,
    /// Set once the server refused the request inbox's SUB: requests fail with it at once.
    inbox_denied: Option<ServerError>,
    /// The `max_payload` of the last server that gave one (the default before any).
    last_max_payload: usize,
    /// Whether the last server took headers (true before any INFO).
    last_headers: bool,
    next_rtt: u64,
    reconnect_at: Option<Instant>,
    /// When to leave the server that announced lame-duck mode.
    lame_duck_move_at: Option<Instant>,
    /// Lame-duck mode was reported for the current transport.
    lame_duck_seen: bool,
    /// Leaving a lame-duck server: publishes are held until the move's PONG.
    leaving: bool,
    /// Attempts since the connection was last up.
    reconnect_attempts: u32,
    /// Consecutive attempts the server refused for credentials.
    auth_failures: u32,
    /// With [`Auth::Callback`]: the INFO of the transport whose `CONNECT` waits for the
    /// owner's credentials, until when it waits, and how long that wait is.
    awaiting_credentials: Option<(ServerInfo, Instant, Duration)>,
    /// The `exp` of the user JWT in the last `CONNECT` sent (none when it had none), to tell
    /// an expired JWT from other refusals.
    sent_jwt_exp: Option<u64>,
    /// A wall-clock reading (time since 1970) and the [`Instant`] it was taken at, to tell
    /// tell whether a user JWT the server refused has expired.
    wall_clock: Option<(Instant, Duration)>,
    ever_connected: bool,
    /// [`Event::Closed`] was given out: no event may follow it.
    closed_reported: bool,
    nuid: Nuid,
    /// Jitter of reconnects and of the lame-duck move.
    random: Random,
    stats: Statistics,
}

impl Connection {
    /// A new connection at `now`. With servers in `options`, it asks (through
    /// [`Connection::poll_transport`]) for a transport to the first one; without, it assumes
    /// the caller has just opened one and never reconnects.
    ///
    /// `seed` keys every random choice of the connection (inbox names, the server shuffle,
    /// jitter): draw it from a cryptographic source (`crypto.getRandomValues`, `getrandom`).
    pub fn new(now: Instant, options: ConnectOptions, seed: [u8; 32]) -> Self {
        let options = options.within_limits();
        let mut random = Random::from_seed(seed);
        let shuffler = options.randomize.then(|| random.fork());
        let pool = ServerPool::new(&options.servers, shuffler);
        let nuid = Nuid::new(random.fork());
        let mut conn = Connection {
            connect_deadline: Some(now + options.connection_timeout),
            options,
            phase: Phase::AwaitInfo,
            info: None,
            limits: ParseLimits::default(),
            pool,
            transport: VecDeque::new(),
            received: Vec::new(),
            received_start: 0,
            input_resume_at: None,
            transmit: Vec::new(),
            held: HeldPublishes::default(),
            held_flushes: Vec::new(),
            events: VecDeque::new(),
            subscriptions: IdMap::new(),
            next_sid: 1,
            inbox: None,
            requests: IdMap::new(),
            reply_subject: String::new(),
            next_request: 1,
            next_flush: 1,
            pong_waiters: VecDeque::new(),
            keepalive_sent: VecDeque::new(),
            next_ping: None,
            drain_deadline: None,
            drain_stage: DrainStage::Subscriptions,
            flush_deadlines: IdMap::new(),
            rtt_deadlines: IdMap::new(),
            inbox_denied: None,
            last_max_payload: validate::DEFAULT_MAX_PAYLOAD,
            last_headers: true,
            next_rtt: 1,
            reconnect_at: None,
            lame_duck_move_at: None,
            lame_duck_seen: false,
            leaving: false,
            reconnect_attempts: 0,
            auth_failures: 0,
            awaiting_credentials: None,
            sent_jwt_exp: None,
            wall_clock: None,
            ever_connected: false,
            closed_reported: false,
            nuid,
            random,
            stats: Statistics::default(),
        };
        if let Err(e) = validate::publish_subject(&conn.options.inbox_prefix)
            .and_then(|()| inbox_fits(&conn.options))
        {
            // Refused before anything is opened or sent.
            conn.close_with(CloseReason::InvalidInboxPrefix(e));
            return conn;
        }
        if let Err(e) = authenticate::check_static(&conn.options.auth) {
            // Credentials that can never work: refused before anything is opened or sent.
            conn.close_with(CloseReason::InvalidCredentials(e));
            return conn;
        }
        if let Some(url) = conn.pool.advance() {
            conn.transport.push_back(Transport::Open(url.to_owned()));
            conn.pool.mark_attempt(now);
        }
        conn
    }

    /// The current phase.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// True once closed: the owner should send what [`Connection::poll_transmit`] still gives
    /// and close the transport.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed(_))
    }

    /// The latest INFO from the server.
    pub fn server_info(&self) -> Option<&ServerInfo> {
        self.info.as_ref()
    }

    /// The prefix of the request inbox (`<inbox_prefix>.<nuid>`), once a request made one.
    pub fn inbox_prefix(&self) -> Option<&str> {
        self.inbox.as_ref().map(|inbox| inbox.prefix.as_str())
    }

    /// The URL of the server in use (or being tried), when servers were given.
    pub fn current_url(&self) -> Option<&str> {
        self.pool.current_url()
    }

    /// The servers known so far: given and discovered.
    pub fn servers(&self) -> &ServerPool {
        &self.pool
    }

    /// Messages and bytes in and out so far.
    pub fn statistics(&self) -> Statistics {
        self.stats
    }

    // ----- driving -----

    /// The next thing to do with the transport: open one to a URL, or close the current one.
    pub fn poll_transport(&mut self) -> Option<Transport> {
        self.transport.pop_front()
    }

    /// Feeds bytes received from the transport, split anywhere.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if matches!(self.phase, Phase::Closed(_) | Phase::Reconnecting) {
            return;
        }
        if self.received.is_empty() {
            // The common case: parse straight from the caller's bytes, keep only a partial tail.
            let used = self.handle_ops(now, bytes);
            if self.has_transport() {
                self.received
                    .extend_from_slice(bytes.get(used..).unwrap_or_default());
            }
            self.advance_drain();
            return;
        }
        // Every op ends in CRLF, so none can complete in bytes without a LF: keep them without
        // parsing again (a server dripping a long line byte by byte costs linear time, not
        // quadratic), as long as they stay under the longest line the parser would wait for.
        let longest_line = self.limits.max_control_line.max(self.limits.max_info_line) + 2;
        let waiting = self.received.len() - self.received_start;
        if self.input_resume_at.is_none()
            && !bytes.contains(&b'\n')
            && waiting + bytes.len() <= longest_line
        {
            self.received.extend_from_slice(bytes);
            return;
        }
        self.received.extend_from_slice(bytes);
        self.parse_received(now);
    }

    /// Parses what `received` holds from `received_start` on, keeping the rest.
    fn parse_received(&mut self, now: Instant) {
        let mut received = std::mem::take(&mut self.received);
        let start = self.received_start;
        let used = self.handle_ops(now, received.get(start..).unwrap_or_default());
        if self.has_transport() {
            let parsed = start + used;
            if parsed >= received.len() {
                received.clear();
                self.received_start = 0;
            } else if parsed > received.len() / 2 {
                // Move the rest to the front only once it is the smaller half: linear overall.
                received.drain(..parsed);
                self.received_start = 0;
            } else {
                self.received_start = parsed;
            }
            self.received = received;
        }
        self.advance_drain();
    }

    /// Handles every complete op at the start of `bytes`; returns how many bytes they took.
    fn handle_ops(&mut self, now: Instant, bytes: &[u8]) -> usize {
        let mut used = 0;
        let mut ops = 0;
        self.input_resume_at = None;
        while self.has_transport() {
            if ops == MAX_OPS_PER_INPUT {
                // One frame may hold millions of tiny ops: hand the owner this many events
                // first (so subscription limits apply), and go on at once after.
                if used < bytes.len() {
                    self.input_resume_at = Some(now);
                }
                break;
            }
            match parse_server_op(bytes.get(used..).unwrap_or_default(), &self.limits) {
                Ok(Parsed::Complete { op, len }) => {
                    used += len;
                    ops += 1;
                    self.handle_op(now, op);
                }
                Ok(Parsed::Partial) => break,
                Err(e) => {
                    // As nats.go's processOpErr: reconnect, unless there is no server to try.
                    self.transport_lost(now, CloseReason::Protocol(e));
                    break;
                }
            }
        }
        used
    }

    /// Acts on every deadline that has passed at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.input_resume_at.is_some_and(|at| at <= now) && self.has_transport() {
            self.parse_received(now);
        }
        // The auth callback's wait first: at the connect deadline it ends too, and is named.
        self.expire_credentials_wait(now);
        if self.connect_deadline.is_some_and(|d| d <= now) {
            self.connect_deadline = None;
            self.transport_lost(now, CloseReason::ConnectTimeout);
        }
        if self.drain_deadline.is_some_and(|d| d <= now) {
            self.close_with(CloseReason::DrainTimeout);
        }
        self.expire_requests(now);
        if self.lame_duck_move_at.is_some_and(|at| at <= now) {
            self.lame_duck_move_at = None;
            self.start_leaving();
        }
        self.expire_flushes(now);
        self.expire_rtts(now);
        self.advance_drain();
        if self.next_ping.is_some_and(|at| at <= now) {
            self.keepalive(now);
        }
        if self.reconnect_at.is_some_and(|at| at <= now) {
            self.reconnect_at = None;
            self.attempt_reconnect(now);
        }
    }

    /// The earliest time [`Connection::handle_timeout`] must be called, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_closed() {
            return None;
        }
        [
            self.connect_deadline,
            self.drain_deadline,
            self.next_ping,
            self.reconnect_at,
            self.lame_duck_move_at,
            self.awaiting_credentials.as_ref().map(|(_, at, _)| *at),
            self.requests.values().map(|r| r.deadline).min(),
            self.flush_deadlines.values().min().copied(),
            self.rtt_deadlines.values().min().copied(),
            self.input_resume_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Appends every byte ready for the wire to `out`; returns how many were added. One call's
    /// bytes are meant to become one transport write.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> usize {
        let n = self.transmit.len();
        out.append(&mut self.transmit);
        n
    }

    /// The next event, oldest first. [`Event::Closed`] is the last one ever given.
    pub fn poll_event(&mut self) -> Option<Event> {
        let event = self.events.pop_front();
        // What the fuzz targets and tests hold the state machine to.
        debug_assert!(
            event.is_none() || !self.closed_reported,
            "an event after Event::Closed"
        );
        if matches!(event, Some(Event::Closed(_))) {
            self.closed_reported = true;
            debug_assert!(self.events.is_empty(), "events after Event::Closed");
        }
        event
    }

    // ----- commands -----

    /// Subscribes to `subject` (wildcards allowed), in queue group `queue` if given. Returns
    /// the subscription id that its messages will carry.
    pub fn subscribe(&mut self, subject: &str, queue: Option<&str>) -> Result<u64, CommandError> {
        self.check_accepting_new_work()?;
        validate::subscribe_subject(subject)?;
        if let Some(q) = queue {
            validate::queue_group(q)?;
        }
        let sid = self.next_sid;
        let line = validate::subscribe_line_len(subject, queue, sid);
        validate::control_line(line, self.options.max_control_line)?;
        self.next_sid += 1;
        self.subscriptions.insert(
            sid,
            Subscription {
                subject: subject.to_owned(),
                queue: queue.map(str::to_owned),
                delivered: 0,
                counted_from: 0,
                max: None,
                draining: false,
            },
        );
        // Before INFO, the handshake subscribes everything in the table.
        if self.control_up() {
            self.send(ClientOp::Sub {
                subject,
                queue,
                sid,
            });
        }
        Ok(sid)
    }

    /// Ends subscription `sid` now, or, with `after`, once it has delivered that many messages
    /// in total.
    pub fn unsubscribe(&mut self, sid: u64, after: Option<u64>) -> Result<(), CommandError> {
        self.check_open()?;
        let up = self.control_up();
        let sub = self
            .subscriptions
            .get_mut(&sid)
            .ok_or(CommandError::UnknownSubscription(sid))?;
        match after {
            Some(max) if max > sub.delivered => {
                sub.max = Some(max);
                let server_max = max - sub.counted_from;
                if up {
                    self.send(ClientOp::Unsub {
                        sid,
                        max: Some(server_max),
                    });
                }
            }
            _ => {
                self.subscriptions.remove(&sid);
                if up {
                    self.send(ClientOp::Unsub { sid, max: None });
                }
                self.events.push_back(Event::SubscriptionEnded { sid });
            }
        }
        Ok(())
    }

    /// Publishes `payload` (and `headers`, if any) to `subject`, asking for replies on `reply`.
    /// While disconnected the message waits in a buffer of
    /// [`ConnectOptions::reconnect_buffer_size`] bytes; past that, it is refused.
    pub fn publish(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> Result<(), CommandError> {
        self.publish_op(subject, reply, headers, payload, None)
    }

    /// [`Connection::publish`], for request `request` if given.
    fn publish_op(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &[u8],
        request: Option<u64>,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        validate::publish_subject(subject)?;
        if let Some(r) = reply {
            validate::publish_subject(r)?;
        }
        if headers.is_some() && !self.headers_supported() {
            return Err(CommandError::HeadersNotSupported);
        }
        let header_len = headers.map(HeaderMap::encoded_len);
        let size = header_len.unwrap_or(0) + payload.len();
        validate::payload_size(size, self.max_payload())?;
        let line = validate::publish_line_len(subject, reply, header_len, size);
        validate::control_line(line, self.options.max_control_line)?;
        let op = match headers {
            Some(headers) => ClientOp::HPub {
                subject,
                reply,
                headers,
                payload,
            },
            None => ClientOp::Pub {
                subject,
                reply,
                payload,
            },
        };
        if self.is_up() {
            self.send(op);
        } else {
            let before = self.held.len();
            op.encode(self.held.buffer());
            if self.held.len() > self.options.reconnect_buffer_size {
                self.held.rollback(before);
                return Err(CommandError::BufferFull {
                    limit: self.options.reconnect_buffer_size,
                });
            }
            self.held.commit(before, size, request, headers.is_some());
            self.trace_sent(&op);
        }
        self.stats.out_messages += 1;
        self.stats.out_bytes += size as u64;
        Ok(())
    }

    /// Sends a request to `subject` and waits up to `timeout` for the first reply, reported as
    /// [`Event::Response`] or [`Event::RequestFailed`] with the returned id.
    pub fn request(
        &mut self,
        now: Instant,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<RequestId, CommandError> {
        let id = self.publish_request(subject, headers, payload)?;
        let deadline = now + timeout.min(MAX_WAIT);
        let many = None;
        self.requests.insert(id, PendingRequest { deadline, many });
        Ok(RequestId(id))
    }

    /// Publishes a request with the next id's reply subject; the caller puts it in
    /// `requests`.
    fn publish_request(
        &mut self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> Result<u64, CommandError> {
        self.check_accepting_new_work()?;
        if let Some(error) = &self.inbox_denied {
            return Err(CommandError::PermissionDenied(error.clone()));
        }
        validate::publish_subject(subject)?;
        if headers.is_some() && !self.headers_supported() {
            return Err(CommandError::HeadersNotSupported);
        }
        let size = headers.map_or(0, HeaderMap::encoded_len) + payload.len();
        validate::payload_size(size, self.max_payload())?;
        // The reply subject is `<inbox prefix>.<id>`, written into a buffer kept for it: no
        // allocation or formatting per request.
        let id = self.next_request;
        let mut reply = std::mem::take(&mut self.reply_subject);
        reply.clear();
        reply.push_str(self.ensure_inbox());
        reply.push('.');
        reply.push_str(Decimal::new(id).as_str());
        let sent = self.publish_op(subject, Some(&reply), headers, payload, Some(id));
        self.reply_subject = reply;
        sent?;
        self.next_request += 1;
        Ok(id)
    }

    /// Asks the server to confirm it has processed everything sent so far; reported as
    /// [`Event::Flushed`]. Several flushes may be outstanding at once. This one has no
    /// deadline: it waits across reconnects until answered or the connection closes (then it
    /// is dropped without an event). Use [`Connection::flush_within`] for a bounded wait.
    pub fn flush(&mut self) -> Result<FlushId, CommandError> {
        self.check_open()?;
        let id = FlushId(self.next_flush);
        self.next_flush += 1;
        if self.is_up() {
            self.send_ping(PongWaiter::Flush(id));
        } else {
            self.held_flushes.push(id);
        }
        Ok(id)
    }

    /// Like [`Connection::flush`], but gives up at `now + timeout`: then
    /// [`Event::FlushTimedOut`] is reported instead of [`Event::Flushed`], whether the server
    /// is slow, gone, or the connection is reconnecting.
    pub fn flush_within(
        &mut self,
        now: Instant,
        timeout: Duration,
    ) -> Result<FlushId, CommandError> {
        let id = self.flush()?;
        self.flush_deadlines.insert(id, now + timeout.min(MAX_WAIT));
        Ok(id)
    }

    /// Drains subscription `sid`: no new messages are accepted by the server, and those already
    /// on their way are still delivered before [`Event::SubscriptionDrained`].
    pub fn drain_subscription(&mut self, sid: u64) -> Result<(), CommandError> {
        self.check_open()?;
        let up = self.control_up();
        let sub = self
            .subscriptions
            .get_mut(&sid)
            .ok_or(CommandError::UnknownSubscription(sid))?;
        if sub.draining {
            return Ok(());
        }
        if up {
            sub.draining = true;
            self.send(ClientOp::Unsub { sid, max: None });
            self.send_ping(PongWaiter::SubscriptionDrain(sid));
        } else {
            // The server holds nothing for it now, so nothing more can arrive.
            self.subscriptions.remove(&sid);
            self.events.push_back(Event::SubscriptionDrained { sid });
        }
        Ok(())
    }

    /// Closes at once, without draining. Pending requests fail with
    /// [`RequestFailure::Closed`].
    pub fn close(&mut self) {
        self.close_with(CloseReason::ClosedByClient);
    }

    // ----- internals -----

    /// Reports every bounded flush whose deadline has passed; its PONG is ignored when it
    /// comes.
    fn expire_flushes(&mut self, now: Instant) {
        for id in take_due(&mut self.flush_deadlines, now) {
            self.abandon_pong_waiter(|w| *w == PongWaiter::Flush(id));
            self.held_flushes.retain(|held| *held != id);
            self.events.push_back(Event::FlushTimedOut(id));
        }
    }

    /// The first PING still waiting for its PONG that `waits_for` picks now waits for
    /// nothing: its PONG keeps PINGs and PONGs in step and is otherwise ignored.
    fn abandon_pong_waiter(&mut self, waits_for: impl Fn(&PongWaiter) -> bool) {
        if let Some(w) = self.pong_waiters.iter_mut().find(|w| waits_for(w)) {
            *w = PongWaiter::Abandoned;
        }
    }

    fn handle_op(&mut self, now: Instant, op: ServerOp) {
        if self.options.trace {
            self.events
                .push_back(Event::Trace(TraceLine::received(&op)));
        }
        match op {
            ServerOp::Info(info) => self.handle_info(now, *info),
            ServerOp::Msg(msg) => self.handle_msg(now, msg),
            ServerOp::Ping => self.send(ClientOp::Pong),
            ServerOp::Pong => self.handle_pong(now),
            ServerOp::Ok => {}
            ServerOp::Err(text) => {
                let error = ServerError::parse(&text);
                if error.is_fatal() {
                    self.server_refused(now, error);
                } else {
                    if let ServerErrorKind::PermissionViolation {
                        operation: PermissionOperation::Subscribe,
                        subject,
                        queue,
                    } = &error.kind
                    {
                        self.subscription_denied(&error, subject, queue.as_deref());
                    }
                    self.events.push_back(Event::ServerError(error));
                }
            }
        }
    }

    fn handle_msg(&mut self, now: Instant, msg: MsgOp) {
        self.stats.in_messages += 1;
        // The header block as it came on the wire, odd or not.
        let header_bytes = msg.raw_headers.as_ref().map_or(0, Vec::len);
        self.stats.in_bytes += (header_bytes + msg.payload.len()) as u64;
        if let Some(inbox) = self.inbox.as_ref().filter(|i| i.sid == msg.sid) {
            let token = msg
                .subject
                .strip_prefix(inbox.prefix.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
                .and_then(|t| t.parse::<u64>().ok());
            // A reply to a request that already ended (timed out, answered, canceled) is dropped.
            if let Some(id) = token {
                self.handle_reply(now, id, Message::from(msg));
            }
            return;
        }
        let Some(sub) = self.subscriptions.get_mut(&msg.sid) else {
            return; // already unsubscribed: the server may still have had some in flight
        };
        sub.delivered += 1;
        let ended = sub.max.is_some_and(|max| sub.delivered >= max);
        let sid = msg.sid;
        self.events.push_back(Event::Message {
            sid,
            message: Message::from(msg),
        });
        if ended {
            self.subscriptions.remove(&sid);
            self.events.push_back(Event::SubscriptionEnded { sid });
        }
    }

    fn send_ping(&mut self, waiter: PongWaiter) {
        self.send(ClientOp::Ping);
        self.pong_waiters.push_back(waiter);
    }

    /// Queues an op for the wire (only while connected or draining).
    fn send(&mut self, op: ClientOp<'_>) {
        self.trace_sent(&op);
        op.encode(&mut self.transmit);
    }

    fn trace_sent(&mut self, op: &ClientOp<'_>) {
        if self.options.trace {
            self.events.push_back(Event::Trace(TraceLine::sent(op)));
        }
    }

    /// The prefix of the request inbox, subscribing to it first if there is none yet.
    fn ensure_inbox(&mut self) -> &str {
        if self.inbox.is_none() {
            self.subscribe_inbox();
        }
        self.inbox
            .as_ref()
            .map_or("", |inbox| inbox.prefix.as_str())
    }

    fn subscribe_inbox(&mut self) {
        let prefix = format!("{}.{}", self.options.inbox_prefix, self.nuid.next());
        let sid = self.next_sid;
        self.next_sid += 1;
        if self.control_up() {
            self.send(ClientOp::Sub {
                subject: &format!("{prefix}.*"),
                queue: None,
                sid,
            });
        }
        self.inbox = Some(Inbox { prefix, sid });
    }

    /// The current server's `max_payload`; while reconnecting, the last server's (the held
    /// publishes are checked against the next server's when they are released).
    fn max_payload(&self) -> usize {
        self.info
            .as_ref()
            .map(|i| i.max_payload)
            .filter(|m| *m > 0)
            .unwrap_or(self.last_max_payload)
    }

    /// Whether the current server takes headers (INFO `headers`); while reconnecting, the
    /// last server's.
    fn headers_supported(&self) -> bool {
        self.info.as_ref().map_or(self.last_headers, |i| i.headers)
    }

    /// Connected or draining: ops go straight to the wire (publishes wait while leaving a
    /// lame-duck server).
    fn is_up(&self) -> bool {
        matches!(self.phase, Phase::Connected | Phase::Draining) && !self.leaving
    }

    /// CONNECT has gone out on this transport: control ops (SUB, UNSUB, PING) may follow it
    /// at once, in order, also in the handshake window before the first PONG.
    fn control_up(&self) -> bool {
        matches!(
            self.phase,
            Phase::Handshake | Phase::Connected | Phase::Draining
        )
    }

    /// A transport is open or being opened.
    fn has_transport(&self) -> bool {
        matches!(
            self.phase,
            Phase::AwaitInfo | Phase::Handshake | Phase::Connected | Phase::Draining
        )
    }

    fn check_open(&self) -> Result<(), CommandError> {
        match self.phase {
            Phase::Closed(_) => Err(CommandError::Closed),
            _ => Ok(()),
        }
    }

    fn check_accepting_new_work(&self) -> Result<(), CommandError> {
        match self.phase {
            Phase::Closed(_) => Err(CommandError::Closed),
            Phase::Draining => Err(CommandError::Draining),
            _ => Ok(()),
        }
    }
}

/// Takes out of `deadlines` every id whose deadline has come by `now`, in id order.
fn take_due<K: Ord + Copy>(deadlines: &mut IdMap<K, Instant>, now: Instant) -> Vec<K> {
    let mut due = Vec::new();
    deadlines.retain(|id, deadline| {
        let passed = *deadline <= now;
        if passed {
            due.push(id);
        }
        !passed
    });
    due
}

/// Refuses an inbox prefix too long for the inbox's `SUB <prefix>.<nuid>.* <sid>` line (with
/// the longest sid) to fit the server's `max_control_line`: the server would close the
/// connection at the first request.
fn inbox_fits(options: &ConnectOptions) -> Result<(), validate::ValidationError> {
    let inbox = format!(
        "{}.{}.*",
        options.inbox_prefix,
        "x".repeat(crate::proto::NUID_LEN)
    );
    let len = validate::subscribe_line_len(&inbox, None, u64::MAX);
    validate::control_line(len, options.max_control_line)
}
