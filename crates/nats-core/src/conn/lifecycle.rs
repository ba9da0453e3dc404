//! A connection's life: handshake, keepalive, losing the transport, reconnecting, closing.

use std::time::Duration;

use crate::time::Instant;

use super::{
    Auth, CloseReason, Connection, DrainStage, Event, Phase, PongWaiter, RequestFailure, RequestId,
    ServerError, ServerErrorKind, Transport,
};
use crate::proto::validate::ValidationError;
use crate::proto::{ClientOp, ConnectInfo, ServerInfo};
use crate::random::Random;

/// Longest wait between attempts after the server refused our credentials.
pub const MAX_AUTH_BACKOFF: Duration = Duration::from_secs(30);

impl Connection {
    /// The transport closed (or failed to open) without this connection asking it to.
    pub fn handle_transport_closed(&mut self, now: Instant, description: impl Into<String>) {
        match self.phase {
            Phase::Closed(_) | Phase::Reconnecting => {}
            _ => self.transport_lost(now, CloseReason::TransportClosed(description.into())),
        }
    }

    pub(super) fn handle_info(&mut self, now: Instant, info: ServerInfo) {
        if !self.options.ignore_discovered_servers && !self.pool.is_empty() {
            self.pool.update_discovered(&info.connect_urls);
        }
        if !matches!(self.phase, Phase::AwaitInfo) {
            let lame_duck = info.ldm;
            self.info = Some(info.clone());
            self.events.push_back(Event::ServerInfo(Box::new(info)));
            if lame_duck && !self.lame_duck_seen {
                self.lame_duck_seen = true;
                self.lame_duck(now);
            }
            return;
        }
        self.lame_duck_seen = false;
        if !self.options.echo && info.proto < 1 {
            // It would echo anyway: refuse rather than deliver what the user turned off.
            // Like a refusal: the next server of the pool may be newer.
            return self.transport_lost(now, CloseReason::NoEchoNotSupported);
        }
        self.authenticate(now, info);
    }

    /// Sends `CONNECT` with `auth`, the subscriptions and the handshake's PING; or, when the
    /// credentials cannot be used, fails the attempt.
    pub(super) fn send_connect(&mut self, now: Instant, info: ServerInfo, auth: &Auth) {
        let mut connect = self.connect_info(&info);
        let nonce = info.nonce.as_deref().unwrap_or("");
        let added = self.add_credentials(now, &mut connect, auth, nonce);
        self.info = Some(info);
        if let Err(e) = added {
            return self.credentials_refused(now, e);
        }
        self.send(ClientOp::Connect(&connect));
        self.resubscribe();
        self.send(ClientOp::Ping);
        self.pong_waiters.push_front(PongWaiter::Handshake);
        self.phase = Phase::Handshake;
    }

    /// Sends every live subscription (and the request inbox) again, with what is left of
    /// their `unsubscribe` limits: the server of a new transport knows none of them.
    fn resubscribe(&mut self) {
        for (_, sub) in self.subscriptions.iter_mut() {
            sub.counted_from = sub.delivered;
        }
        let subs: Vec<(u64, String, Option<String>, Option<u64>)> = self
            .subscriptions
            .iter()
            .map(|(sid, s)| {
                (
                    sid,
                    s.subject.clone(),
                    s.queue.clone(),
                    s.max.map(|m| m - s.delivered),
                )
            })
            .collect();
        for (sid, subject, queue, left) in subs {
            self.send(ClientOp::Sub {
                subject: &subject,
                queue: queue.as_deref(),
                sid,
            });
            if let Some(left) = left {
                self.send(ClientOp::Unsub {
                    sid,
                    max: Some(left),
                });
            }
        }
        if let Some(inbox) = self.inbox.clone() {
            self.send(ClientOp::Sub {
                subject: &format!("{}.*", inbox.prefix),
                queue: None,
                sid: inbox.sid,
            });
        }
    }

    fn connect_info(&self, info: &ServerInfo) -> ConnectInfo {
        ConnectInfo {
            verbose: false,
            pedantic: false,
            tls_required: false,
            name: self.options.name.clone(),
            lang: "rust-wasm".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            protocol: 1,
            echo: self.options.echo,
            headers: info.headers,
            no_responders: info.headers,
            ..Default::default()
        }
    }

    pub(super) fn handle_pong(&mut self, now: Instant) {
        self.keepalive_sent.clear();
        match self.pong_waiters.pop_front() {
            Some(PongWaiter::Handshake) => self.handshake_done(now),
            Some(PongWaiter::Flush(id)) => {
                self.flush_deadlines.remove(&id);
                self.events.push_back(Event::Flushed(id));
            }
            Some(PongWaiter::SubscriptionDrain(sid)) => {
                if self.subscriptions.remove(&sid).is_some() {
                    self.events.push_back(Event::SubscriptionDrained { sid });
                }
            }
            Some(PongWaiter::ConnectionDrain) => {
                // Every subscription got its UNSUB before this PING: all have delivered
                // their last message now. The request inbox stays until the requests end.
                for (sid, _) in std::mem::take(&mut self.subscriptions) {
                    self.events.push_back(Event::SubscriptionDrained { sid });
                }
                self.drain_stage = DrainStage::Handling;
                self.events.push_back(Event::AllSubscriptionsDrained);
            }
            Some(PongWaiter::LameDuckMove) => self.move_off_lame_duck(now),
            Some(PongWaiter::DrainFlush) => self.close_with(CloseReason::Drained),
            Some(PongWaiter::Rtt(id, sent)) => {
                self.rtt_deadlines.remove(&id);
                self.events.push_back(Event::Rtt {
                    id,
                    rtt: Ok(now.saturating_duration_since(sent)),
                });
            }
            Some(PongWaiter::Keepalive | PongWaiter::Abandoned) | None => {}
        }
    }

    fn handshake_done(&mut self, now: Instant) {
        self.phase = Phase::Connected;
        self.connect_deadline = None;
        self.reconnect_attempts = 0;
        self.auth_failures = 0;
        self.pool.mark_current_healthy();
        let interval = self.options.ping_interval;
        self.next_ping = (!interval.is_zero()).then(|| now + interval);
        if self.lame_duck_seen && self.pool.len() > 1 && self.lame_duck_move_at.is_none() {
            // Lame-duck mode came during the handshake and its wait is over: move now.
            self.lame_duck_move_at = Some(now);
        }
        self.release_held();
        for id in std::mem::take(&mut self.held_flushes) {
            self.send_ping(PongWaiter::Flush(id));
        }
        let info = Box::new(self.info.clone().unwrap_or_default());
        let url = self.pool.current_url().unwrap_or_default().to_owned();
        self.events.push_back(if self.ever_connected {
            Event::Reconnected { url, info }
        } else {
            Event::Connected(info)
        });
        self.ever_connected = true;
    }

    /// Sends the held publishes, in order, except those the new server would close the
    /// connection for: bigger than its `max_payload`, or with headers when its INFO says
    /// `headers: false`. Each of those is reported as [`Event::PublishDropped`], and fails its
    /// request if it was one.
    fn release_held(&mut self) {
        let max = self.max_payload();
        let headers = self.headers_supported();
        for refused in self.held.release(&mut self.transmit, max, headers) {
            let request = refused
                .request
                .and_then(|id| self.requests.remove(&id).map(|r| (RequestId(id), r)));
            let (reason, kind) = if refused.size > max {
                let reason = ValidationError::MaxPayloadExceeded {
                    size: refused.size,
                    max,
                };
                (reason, RequestFailure::Disconnected)
            } else {
                let reason = ValidationError::HeadersNotSupported;
                (reason, RequestFailure::HeadersNotSupported)
            };
            self.events.push_back(Event::PublishDropped {
                subject: refused.subject,
                request: request.as_ref().map(|(id, _)| *id),
                reason,
            });
            if let Some((id, pending)) = request {
                self.events.push_back(pending.failed(id, kind));
            }
        }
    }

    /// PINGs the server every interval. A PING counts as missed once a whole interval has
    /// passed since it was sent without any PONG; after `max_pings_out` missed ones the
    /// connection is stale. Judging each PING by its own send time means a timer that fires
    /// late (background tabs) never makes a healthy connection look dead: its PONG comes back
    /// whenever the network delivers it, which timers do not delay.
    pub(super) fn keepalive(&mut self, now: Instant) {
        let interval = self.options.ping_interval;
        let missed = self
            .keepalive_sent
            .iter()
            .filter(|sent| **sent + interval <= now)
            .count();
        if missed >= self.options.max_pings_out as usize {
            self.transport_lost(now, CloseReason::StaleConnection);
            return;
        }
        // Keep to the schedule when the timer fires a little late; restart it when very late.
        let due = self.next_ping.unwrap_or(now);
        let next = due + interval;
        let (sent, next) = if next > now {
            (due, next)
        } else {
            (now, now + interval)
        };
        self.keepalive_sent.push_back(sent);
        self.send_ping(PongWaiter::Keepalive);
        self.next_ping = Some(next);
    }

    /// A fatal `-ERR`: the server closes the transport after it.
    pub(super) fn server_refused(&mut self, now: Instant, error: ServerError) {
        let auth = matches!(
            error.kind,
            ServerErrorKind::AuthorizationViolation
                | ServerErrorKind::AuthenticationTimeout
                | ServerErrorKind::AuthenticationExpired
                | ServerErrorKind::AuthenticationRevoked
        );
        if auth {
            self.auth_failures += 1;
        }
        let reason = self.refusal_reason(now, error);
        self.transport_lost(now, reason);
    }

    /// The transport is gone (or must go): report it, fail what cannot survive it, and either
    /// schedule the next attempt or close.
    pub(super) fn transport_lost(&mut self, now: Instant, reason: CloseReason) {
        self.lose_transport(now, reason, false);
    }

    /// [`Connection::transport_lost`], for a move the client makes itself (a forced
    /// reconnect, leaving a lame-duck server): the requests in flight keep waiting for their
    /// replies on the next server, unless the connection closes instead (then they fail with
    /// [`RequestFailure::Closed`], before [`Event::Closed`]).
    pub(super) fn transport_lost_keeping_requests(&mut self, now: Instant, reason: CloseReason) {
        self.lose_transport(now, reason, true);
    }

    fn lose_transport(&mut self, now: Instant, reason: CloseReason, keep_requests: bool) {
        if matches!(self.phase, Phase::Closed(_) | Phase::Reconnecting) {
            return;
        }
        self.transport.push_back(Transport::Close);
        self.awaiting_credentials = None;
        if matches!(self.phase, Phase::Draining) || self.pool.is_empty() {
            return self.close_with(reason);
        }
        let url = self.pool.current_url().unwrap_or_default().to_owned();
        self.events.push_back(Event::Disconnected {
            url,
            reason: reason.clone(),
        });
        // Whatever was meant for the old transport is void: the next server gets a fresh
        // handshake with every subscription, then the buffered publishes.
        self.received.clear();
        self.received_start = 0;
        self.input_resume_at = None;
        self.transmit.clear();
        self.connect_deadline = None;
        self.next_ping = None;
        self.lame_duck_move_at = None;
        self.leaving = false;
        self.keepalive_sent.clear();
        if !keep_requests {
            self.fail_requests(RequestFailure::Disconnected);
        }
        for waiter in std::mem::take(&mut self.pong_waiters) {
            match waiter {
                PongWaiter::Flush(id) => self.held_flushes.push(id),
                PongWaiter::SubscriptionDrain(sid) => {
                    // Unless it already ended (its limit, or unsubscribed while draining).
                    if self.subscriptions.remove(&sid).is_some() {
                        self.events.push_back(Event::SubscriptionDrained { sid });
                    }
                }
                PongWaiter::Rtt(id, _) => {
                    self.rtt_deadlines.remove(&id);
                    self.events.push_back(Event::Rtt {
                        id,
                        rtt: Err(RequestFailure::Disconnected),
                    });
                }
                PongWaiter::Handshake
                | PongWaiter::Keepalive
                | PongWaiter::ConnectionDrain
                | PongWaiter::LameDuckMove
                | PongWaiter::DrainFlush
                | PongWaiter::Abandoned => {}
            }
        }
        if !self.ever_connected && !self.options.retry_on_initial_connect {
            // The first connect tries each given server once, then gives up.
            if self.pool.tried_all_from_start() {
                return self.close_with(reason);
            }
            self.phase = Phase::Reconnecting;
            self.reconnect_at = Some(now);
            return;
        }
        if self
            .options
            .max_reconnects
            .is_some_and(|max| self.reconnect_attempts >= max)
        {
            return self.close_with(CloseReason::ReconnectsExhausted {
                attempts: self.reconnect_attempts,
                last: Box::new(reason),
            });
        }
        self.phase = Phase::Reconnecting;
        if let Some(callback) = &self.options.reconnect_delay_callback {
            // The user's policy is the whole policy: no jitter, no pacing added.
            let attempt = usize::try_from(self.reconnect_attempts).unwrap_or(usize::MAX);
            self.reconnect_at = Some(now + callback.delay(attempt.saturating_add(1)));
            return;
        }
        let delay = self.reconnect_delay();
        self.reconnect_at = Some(self.paced(now + delay));
    }

    /// `at`, or later if the server to try next was tried less than a reconnect wait (plus
    /// jitter) before: a server that accepts and then drops every connection sees at most one
    /// attempt per reconnect wait from us. (nats.go tracked each server's last attempt the
    /// same way before 1.9.2; it now sleeps after each pass over the whole pool.)
    fn paced(&mut self, at: Instant) -> Instant {
        match self.pool.next_last_attempt() {
            Some(last) => {
                let earliest = last
                    + self.options.reconnect_wait
                    + jitter(&mut self.random, self.options.reconnect_jitter);
                at.max(earliest)
            }
            None => at,
        }
    }

    /// The wait before the next attempt: none for the first after a loss, then the reconnect
    /// wait plus jitter; doubling after each refusal of our credentials, up to
    /// [`MAX_AUTH_BACKOFF`].
    pub(super) fn reconnect_delay(&mut self) -> Duration {
        if self.reconnect_attempts == 0 && self.auth_failures == 0 {
            return Duration::ZERO;
        }
        let base = if self.auth_failures > 0 {
            let factor = 1u32 << self.auth_failures.min(16);
            self.options
                .reconnect_wait
                .checked_mul(factor)
                .map_or(MAX_AUTH_BACKOFF, |d| d.min(MAX_AUTH_BACKOFF))
        } else {
            self.options.reconnect_wait
        };
        base + jitter(&mut self.random, self.options.reconnect_jitter)
    }

    pub(super) fn attempt_reconnect(&mut self, now: Instant) {
        if !matches!(self.phase, Phase::Reconnecting) {
            return;
        }
        let Some(url) = self.pool.advance().map(str::to_owned) else {
            return self.close_with(CloseReason::TransportClosed(
                "no server to connect to".into(),
            ));
        };
        self.pool.mark_attempt(now);
        if self.ever_connected || self.options.retry_on_initial_connect {
            self.reconnect_attempts += 1;
            self.events.push_back(Event::Reconnecting {
                attempt: self.reconnect_attempts,
                url: url.clone(),
            });
        }
        self.phase = Phase::AwaitInfo;
        if let Some(max) = self.info.as_ref().map(|i| i.max_payload).filter(|m| *m > 0) {
            self.last_max_payload = max;
        }
        if let Some(info) = &self.info {
            self.last_headers = info.headers;
        }
        self.info = None;
        self.connect_deadline = Some(now + self.options.connection_timeout);
        self.transport.push_back(Transport::Open(url));
    }

    pub(super) fn close_with(&mut self, reason: CloseReason) {
        if self.is_closed() {
            return;
        }
        self.fail_requests(RequestFailure::Closed);
        for (sid, _) in std::mem::take(&mut self.subscriptions) {
            self.events.push_back(Event::SubscriptionEnded { sid });
        }
        for waiter in std::mem::take(&mut self.pong_waiters) {
            if let PongWaiter::Rtt(id, _) = waiter {
                self.events.push_back(Event::Rtt {
                    id,
                    rtt: Err(RequestFailure::Closed),
                });
            }
        }
        if self.held.count() > 0 {
            // Closed before a reconnect could send them: say so, never lose them silently.
            self.events.push_back(Event::HeldPublishesDiscarded {
                messages: self.held.count(),
                bytes: self.held.len(),
            });
        }
        self.held.clear();
        self.held_flushes.clear();
        self.flush_deadlines.clear();
        self.rtt_deadlines.clear();
        self.next_ping = None;
        self.connect_deadline = None;
        self.drain_deadline = None;
        self.reconnect_at = None;
        self.lame_duck_move_at = None;
        self.awaiting_credentials = None;
        self.transport.push_back(Transport::Close);
        self.events.push_back(Event::Closed(reason.clone()));
        self.phase = Phase::Closed(reason);
    }

    pub(super) fn fail_requests(&mut self, kind: RequestFailure) {
        // Their publishes, if still held, must never reach the wire.
        let requests = &self.requests;
        self.held.remove_requests(|id| requests.contains_key(&id));
        for (id, request) in std::mem::take(&mut self.requests) {
            self.events.push_back(request.failed(RequestId(id), kind));
        }
    }
}

/// A random duration in `0..=max`.
pub(super) fn jitter(random: &mut Random, max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let max = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX - 1);
    Duration::from_nanos(random.below(max.saturating_add(1)))
}
