//! The fault oracle's world: a real nats-server, the client under test (a [`Driver`]), a
//! [`Peer`], the [`Model`] of what the client promised, the commands and faults a randomized
//! test gives, and the checks at each settle point against the server's `/connz`.

use std::time::Duration;

use nats_core::conn::{CommandError, ConnectOptions, Phase, RequestId};
use nats_core::Instant;

use super::driver::{Driver, PATIENCE};
use super::model::{Model, PubState, Req};
use super::peer::Peer;
use super::prng::Prng;
use super::server::NatsServer;

mod checks;
mod faults;

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
                    failure: None,
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
            "\nBROKEN PROMISE: {what}\n\nreplay: NATS_ORACLE_SEED={:#x} (and the same \
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
