//! The fault oracle's world: a real nats-server, the client under test (a [`Driver`]), a
//! [`Peer`], the [`Model`] of what the client promised, the commands and faults a randomized
//! test gives, and the checks at each settle point against the server's `/connz`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use nats_web::nats::conn::{CloseReason, CommandError, ConnectOptions, Phase, RequestId};
use web_time::Instant;

use super::connz::{server_subscriptions, ServerSub};
use super::driver::{Driver, PATIENCE};
use super::model::{Model, PubState, Req};
use super::peer::Peer;
use super::prng::Prng;
use super::server::NatsServer;

/// The client's reconnect buffer: small, so that some publishes meet a full buffer.
pub const BUFFER_LIMIT: usize = 16 * 1024;
/// Bound on the client's transmit and receive buffers after a turn (the payload limit plus a
/// read): beyond it, memory is not bounded.
pub const IO_BUFFER_LIMIT: usize = 2 * 1024 * 1024;
/// How long one turn of a connection's loop may wait for input.
const TURN: Duration = Duration::from_millis(1);

/// What a run did, printed at the end.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Commands given to the client (and the peer's publishes).
    pub ops: u64,
    /// Transports killed.
    pub kills: u64,
    /// Server restarts.
    pub restarts: u64,
    /// Commands given between a new transport's open and its first PONG.
    pub window_ops: u64,
    /// Settle points reached.
    pub settles: u64,
    /// Invariant checks made.
    pub checks: u64,
    /// Client connections (rounds) run to their close.
    pub rounds: u64,
}

/// A window of a reconnect in which to give commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The new transport is open, its INFO not handled yet.
    AwaitInfo,
    /// INFO handled (CONNECT and resubscriptions sent), the first PONG not yet.
    Handshake,
}

/// The world of one randomized run.
pub struct Oracle {
    /// The run's seed.
    pub seed: u64,
    /// Its random numbers.
    pub rng: Prng,
    /// What it did so far.
    pub stats: Stats,
    server: NatsServer,
    peer: Peer,
    client: Driver,
    model: Model,
    next_pub: u64,
    next_tag: u64,
    log: Vec<String>,
}

impl Oracle {
    /// Starts a server, the peer, and the first client connection.
    pub fn new(seed: u64) -> Oracle {
        let server = NatsServer::start();
        let peer = Peer::connect(&server, &format!("oracle-peer-{seed}"));
        let client = Driver::connect(server.tcp_addr(), client_options(&server, seed, 0))
            .expect("client connects");
        let mut oracle = Oracle {
            seed,
            rng: Prng::new(seed),
            stats: Stats::default(),
            server,
            peer,
            client,
            model: Model::default(),
            next_pub: 0,
            next_tag: 0,
            log: Vec::new(),
        };
        oracle.note("round 0: connected".into());
        oracle
    }

    /// The client's phase.
    pub fn phase(&self) -> &Phase {
        self.client.conn.phase()
    }

    /// Sids the client holds and has not seen end.
    pub fn live_sids(&self) -> Vec<u64> {
        self.model.live.iter().copied().collect()
    }

    /// Messages delivered so far to `sid`.
    pub fn delivered(&self, sid: u64) -> u64 {
        self.model.delivered.get(&sid).copied().unwrap_or(0)
    }

    /// Messages left before `sid`'s current `unsubscribe(after)` limit, if it has one.
    pub fn remaining(&self, sid: u64) -> Option<u64> {
        let mut subs = self.client.conn.subscriptions();
        subs.find(|s| s.sid == sid && !s.inbox)?.remaining
    }

    // ----- commands -----

    /// `subscribe(subject, queue)`.
    pub fn subscribe(&mut self, subject: &str, queue: Option<&str>) {
        self.sync();
        let result = self.client.conn.subscribe(subject, queue);
        self.op(format!("subscribe {subject} {queue:?} -> {result:?}"));
        match result {
            Ok(sid) => {
                self.model.live.insert(sid);
            }
            Err(e) => self.violation(format!("subscribe refused: {e}")),
        }
    }

    /// `unsubscribe(sid, after)`.
    pub fn unsubscribe(&mut self, sid: u64, after: Option<u64>) {
        self.sync();
        let result = self.client.conn.unsubscribe(sid, after);
        let delivered = self.delivered(sid);
        self.op(format!(
            "unsubscribe {sid} after {after:?} (delivered {delivered}) -> {result:?}"
        ));
        self.refused_live(sid, result);
    }

    /// `drain_subscription(sid)`.
    pub fn drain_subscription(&mut self, sid: u64) {
        self.sync();
        let result = self.client.conn.drain_subscription(sid);
        self.op(format!("drain_subscription {sid} -> {result:?}"));
        if result.is_ok() {
            self.model.drains.insert(sid);
        }
        self.refused_live(sid, result);
    }

    /// Publishes sequence number `next_pub` to `data.<subject>` with `pad` bytes of padding.
    pub fn publish(&mut self, subject: u64, pad: usize) {
        self.sync();
        let seq = self.next_pub;
        let mut payload = format!("{seq}|").into_bytes();
        payload.resize(payload.len() + pad, b'x');
        let up = *self.phase() == Phase::Connected;
        let subject = format!("data.{subject}");
        let result = self.client.conn.publish(&subject, None, None, &payload);
        self.op(format!(
            "publish #{seq} {subject} ({} B) -> {result:?}",
            payload.len()
        ));
        match result {
            Ok(()) => {
                self.next_pub += 1;
                let state = if up { PubState::Wired } else { PubState::Held };
                self.model.pubs.insert(seq, state);
            }
            Err(CommandError::BufferFull { .. }) if !up => {}
            Err(e) => self.violation(format!("publish refused: {e}")),
        }
    }

    /// A request to the peer's responder (`answered`) or to a subject nobody serves.
    pub fn request(&mut self, answered: bool, timeout: Duration) {
        self.sync();
        let tag = self.next_tag;
        self.next_tag += 1;
        let subject = if answered { "svc.ok" } else { "svc.none" };
        let subject = format!("{subject}.{tag}");
        let up = *self.phase() == Phase::Connected;
        let payload = tag.to_string();
        let result =
            self.client
                .conn
                .request(Instant::now(), &subject, None, payload.as_bytes(), timeout);
        self.op(format!(
            "request r{tag} {subject} timeout {timeout:?} -> {result:?}"
        ));
        match result {
            Ok(RequestId(id)) => {
                let req = Req {
                    tag,
                    held: !up,
                    resolutions: 0,
                    failed_unsent: None,
                };
                self.model.reqs.insert(id, req);
            }
            Err(CommandError::BufferFull { .. }) if !up => {}
            Err(e) => self.violation(format!("request refused: {e}")),
        }
    }

    /// `flush()`.
    pub fn flush(&mut self) -> Option<u64> {
        self.sync();
        let result = self.client.conn.flush();
        self.op(format!("flush -> {result:?}"));
        match result {
            Ok(id) => {
                self.model.flushes.insert(id.0);
                Some(id.0)
            }
            Err(e) => self.violation(format!("flush refused: {e}")),
        }
    }

    /// The peer publishes `count` messages to `sub.<subject>`, for the client's subscriptions.
    pub fn peer_publish(&mut self, subject: u64, count: u64) {
        let subject = format!("sub.{subject}");
        for _ in 0..count {
            let _ = self.peer.driver.conn.publish(&subject, None, None, b"m");
        }
        self.op(format!("peer publishes {count} to {subject}"));
    }

    /// Lets both connections run for `turns` turns.
    pub fn idle(&mut self, turns: u32) {
        for _ in 0..turns {
            self.pump();
        }
    }

    // ----- faults -----

    /// Drops the client's TCP connection, as a network failure would.
    pub fn kill(&mut self) {
        self.sync();
        let killed = self.client.kill_transport();
        self.stats.kills += u64::from(killed);
        self.note(format!("FAULT kill transport (had one: {killed})"));
        self.sync();
    }

    /// Restarts the server; the peer is let back in first, so that nothing the client sends
    /// is dropped for want of a subscriber.
    pub fn restart_server(&mut self) {
        self.sync();
        self.note("FAULT server restart".into());
        self.stats.restarts += 1;
        self.server.restart();
        let before = self.peer.reconnects;
        self.until("the peer reconnects after a restart", |o| {
            o.peer.pump(TURN);
            o.check_peer();
            o.peer.reconnects > before && o.peer.is_connected()
        });
    }

    /// Kills the transport if the client is connected, then runs the client alone until it
    /// is in `window` of its next connection. Commands given next land in that window.
    pub fn enter(&mut self, window: Window) {
        let want = match window {
            Window::AwaitInfo => Phase::AwaitInfo,
            Window::Handshake => Phase::Handshake,
        };
        let in_window = |o: &Self| *o.phase() == want && o.client.has_stream();
        if !in_window(self) && !matches!(self.phase(), Phase::Reconnecting | Phase::AwaitInfo) {
            self.kill();
        }
        self.until("the client reaches the window", |o| {
            if in_window(o) {
                return true;
            }
            o.pump_client();
            false
        });
        self.note(format!("in window {window:?}"));
    }

    /// Counts commands given in a window (for the report).
    pub fn count_window_op(&mut self) {
        self.stats.window_ops += 1;
    }

    // ----- driving and checking -----

    /// One turn of each connection; checks memory and the promises seen in events.
    pub fn pump(&mut self) {
        self.pump_client();
        self.peer.pump(TURN);
        self.check_peer();
    }

    fn pump_client(&mut self) {
        let events = self.client.turn(TURN);
        self.model.observe_all(events);
        self.check_model();
        self.check_memory();
    }

    /// Takes in the events the client queued since the last turn, so that the model is exact
    /// when the next command is given.
    fn sync(&mut self) {
        let mut events = Vec::new();
        while let Some(event) = self.client.conn.poll_event() {
            events.push(event);
        }
        self.model.observe_all(events);
        self.check_model();
    }

    /// Runs `turn` until it returns true; fails the run after [`PATIENCE`].
    fn until(&mut self, what: &str, mut turn: impl FnMut(&mut Self) -> bool) {
        let give_up = Instant::now() + PATIENCE;
        while !turn(self) {
            if Instant::now() > give_up {
                let (client, peer) = (self.phase().clone(), self.peer.driver.conn.phase());
                self.violation(format!(
                    "{what}: not within {PATIENCE:?} (client {client:?}, peer {peer:?})"
                ));
            }
        }
    }

    /// A settle point: both connections up, everything flushed both ways; then the client's
    /// subscriptions must equal the server's, and every publish and request be accounted for.
    pub fn settle(&mut self) {
        for _attempt in 0..3 {
            if self.try_settle() {
                self.stats.settles += 1;
                self.check_subscriptions();
                self.check_publishes(false);
                self.check_requests();
                return;
            }
            self.note("settle interrupted by a disconnect; again".into());
        }
        self.violation("could not settle: the connection kept dropping".into());
    }

    /// Brings both up and flushes peer → client → peer; false if the client lost its
    /// connection meanwhile.
    fn try_settle(&mut self) -> bool {
        self.until("the client and the peer are connected", |o| {
            o.pump();
            *o.phase() == Phase::Connected && o.peer.is_connected()
        });
        let disconnects = self.model.disconnects;
        self.peer_flush();
        let Some(id) = self.flush() else { return false };
        self.until("the client's flush is answered", |o| {
            o.pump();
            !o.model.flushes.contains(&id) || o.model.disconnects != disconnects
        });
        self.peer_flush();
        self.sync();
        self.model.disconnects == disconnects && *self.phase() == Phase::Connected
    }

    fn peer_flush(&mut self) {
        let id = self.peer.start_flush();
        self.until("the peer's flush is answered", |o| {
            o.pump();
            o.peer.flushed.contains(&id)
        });
    }

    /// The server's subscriptions for this client are the client's live table (draining ones
    /// excepted: the server was told to drop them), and that table is what the model expects.
    fn check_subscriptions(&mut self) {
        self.stats.checks += 2;
        let port = self.client.local_port().unwrap_or(0);
        let Some(server) = server_subscriptions(&self.server, port) else {
            self.violation(format!("/connz lists no connection from port {port}"));
        };
        let table: Vec<_> = self.client.conn.subscriptions().collect();
        let expected: BTreeMap<u64, ServerSub> = table
            .iter()
            .filter(|s| !s.draining)
            .map(|s| {
                let sub = ServerSub {
                    subject: s.subject.clone(),
                    queue: s.queue.clone(),
                    remaining: s.remaining,
                };
                (s.sid, sub)
            })
            .collect();
        if expected != server {
            let mut diff = String::new();
            for sid in expected.keys().chain(server.keys()) {
                let (mine, theirs) = (expected.get(sid), server.get(sid));
                if mine != theirs {
                    let _ = write!(diff, "\n  sid {sid}: client {mine:?}, server {theirs:?}");
                }
            }
            self.violation(format!(
                "after a settle, the server holds other subscriptions than the client's \
                 table:{diff}"
            ));
        }
        let draining: Vec<u64> = table.iter().filter(|s| s.draining).map(|s| s.sid).collect();
        if !draining.is_empty() {
            self.violation(format!("sids {draining:?} still draining after a flush"));
        }
        if !self.model.drains.is_empty() {
            let drains = &self.model.drains;
            self.violation(format!("drains of {drains:?} accepted but not ended after a flush"));
        }
        let in_table: Vec<u64> = table.iter().filter(|s| !s.inbox).map(|s| s.sid).collect();
        if in_table != self.live_sids() {
            self.violation(format!(
                "the client's table {in_table:?} is not the subscriptions it has not reported \
                 ended {:?}",
                self.live_sids()
            ));
        }
    }

    /// Every publish that was held, or sent on a connection still up, reached the peer.
    /// `after_drain` names the drain that promised it, for the message.
    fn check_publishes(&mut self, after_drain: bool) {
        self.stats.checks += 1;
        let mut missing = Vec::new();
        for (seq, state) in &self.model.pubs {
            if *state != PubState::InDoubt && !self.peer.arrived.contains(seq) {
                missing.push(format!("#{seq} ({state:?})"));
            }
        }
        if !missing.is_empty() {
            let when = if after_drain {
                "after a drain that reported success"
            } else {
                "after a settle"
            };
            self.violation(format!(
                "{when}, accepted publishes never reached the subscriber and no loss was \
                 reported: {}",
                missing.join(", ")
            ));
        }
        // Confirmed ones, and lost ones older than an arrival, are settled for good.
        let last = self.peer.arrived.last().copied();
        self.model
            .pubs
            .retain(|seq, state| *state == PubState::InDoubt && last.is_none_or(|l| *seq > l));
    }

    /// No request that failed before it was sent ever reached the responder.
    fn check_requests(&mut self) {
        self.stats.checks += 1;
        let late: Vec<String> = self
            .model
            .reqs
            .values()
            .filter_map(|r| {
                let kind = r.failed_unsent?;
                let seen = self.peer.requests_seen.get(&r.tag)?;
                Some(format!("r{} (reported {kind:?}, seen {seen}x)", r.tag))
            })
            .collect();
        if !late.is_empty() {
            self.violation(format!(
                "requests reported failed before they were sent reached the responder later \
                 (issue 9, point 8): {}",
                late.join(", ")
            ));
        }
    }

    fn check_model(&mut self) {
        self.stats.checks += 1;
        if let Some(v) = self.model.violations.first().cloned() {
            self.violation(v);
        }
    }

    fn check_peer(&mut self) {
        if let Some(v) = self.peer.violations.first().cloned() {
            self.violation(v);
        }
    }

    fn check_memory(&mut self) {
        self.stats.checks += 1;
        let b = self.client.conn.buffered_bytes();
        if b.held > BUFFER_LIMIT || b.transmit + b.received > IO_BUFFER_LIMIT || b.events > 0 {
            self.violation(format!(
                "the client's buffers grew past their bounds: {b:?}"
            ));
        }
    }

    // ----- rounds -----

    /// Ends the client connection with a drain given now, in whatever phase it is, checks
    /// what a drain promises, and opens the next round's connection.
    pub fn finish_round(&mut self) {
        self.sync();
        let result = self.client.conn.drain(Instant::now());
        self.op(format!("drain -> {result:?}"));
        if result.is_err() {
            // A typed refusal reports what was not sent; close instead.
            self.client.conn.close();
        }
        self.until("the client closes after its drain", |o| {
            o.pump();
            o.model.closed.is_some()
        });
        self.peer_flush();
        self.stats.rounds += 1;
        if result.is_ok() && self.model.closed == Some(CloseReason::Drained) {
            self.check_publishes(true);
        }
        self.check_requests();
        self.stats.checks += 2;
        let unresolved: Vec<u64> = (self.model.reqs.values())
            .filter(|r| r.resolutions != 1)
            .map(|r| r.tag)
            .collect();
        if !unresolved.is_empty() {
            self.violation(format!("requests never resolved: {unresolved:?}"));
        }
        if !self.model.live.is_empty() {
            let live = self.live_sids();
            self.violation(format!(
                "subscriptions {live:?} never ended though it closed"
            ));
        }
        let round = self.stats.rounds;
        self.client = Driver::connect(
            self.server.tcp_addr(),
            client_options(&self.server, self.seed, round),
        )
        .expect("client connects");
        self.model = Model::default();
        self.note(format!("round {round}: connected"));
    }

    // ----- the log -----

    fn op(&mut self, line: String) {
        self.stats.ops += 1;
        let phase = short_phase(self.phase());
        self.note(format!("[{phase}] {line}"));
    }

    fn note(&mut self, line: String) {
        let n = self.log.len();
        self.log.push(format!("{n:5} {line}"));
    }

    /// Fails the run: the broken promise, the seed to replay it, and the op log.
    pub fn violation(&mut self, what: String) -> ! {
        let path = std::env::temp_dir().join(format!("nats-oracle-{}.log", self.seed));
        let _ = std::fs::write(&path, self.log.join("\n"));
        let tail = self.log.len().saturating_sub(120);
        panic!(
            "\nBROKEN PROMISE: {what}\n\nreplay: NATS_ORACLE_SEED={} (and the same \
             NATS_ORACLE_OPS); stats {:?}\nfull op log: {}\nlast ops:\n{}\n",
            self.seed,
            self.stats,
            path.display(),
            self.log[tail..].join("\n")
        );
    }

    /// Turns a refusal of a command on `sid` into a violation when the model holds it live.
    fn refused_live(&mut self, sid: u64, result: Result<(), CommandError>) {
        if let Err(e) = result {
            if self.model.live.contains(&sid) {
                self.violation(format!("a command on live sid {sid} was refused: {e}"));
            }
        }
    }
}

/// Options of the client under test: quick reconnects forever, a small buffer, a unique name.
fn client_options(server: &NatsServer, seed: u64, round: u64) -> ConnectOptions {
    ConnectOptions::new()
        .servers([format!("nats://{}", server.tcp_addr())])
        .name(format!("oracle-{seed}-{round}"))
        .reconnect_wait(Duration::from_millis(30))
        .reconnect_jitter(Duration::from_millis(10))
        .max_reconnects(None)
        .reconnect_buffer_size(BUFFER_LIMIT)
}

fn short_phase(phase: &Phase) -> &'static str {
    match phase {
        Phase::AwaitInfo => "await-info",
        Phase::Handshake => "handshake",
        Phase::Connected => "connected",
        Phase::Draining => "draining",
        Phase::Reconnecting => "reconnecting",
        Phase::Closed(_) => "closed",
    }
}
