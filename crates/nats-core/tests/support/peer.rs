//! The fault oracle's peer: a second connection that subscribes to what the client under test
//! publishes (counting arrivals, in order) and answers its requests (counting each one it saw).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use nats_core::conn::{ConnectOptions, Event, Phase};

use super::driver::Driver;
use super::server::NatsServer;

/// Subjects the client publishes to: `data.<n>`; the peer subscribes to all of them.
pub const DATA_SUBJECTS: &str = "data.>";
/// Requests to `svc.ok.<n>` are answered by the peer with their own payload.
pub const SERVICE: &str = "svc.ok.*";

/// The peer connection and what it observed.
pub struct Peer {
    /// Its driver (it reconnects by itself when the server restarts).
    pub driver: Driver,
    data_sid: u64,
    svc_sid: u64,
    /// Publish sequence numbers that arrived, in arrival order checked as they come.
    pub arrived: BTreeSet<u64>,
    last_arrived: Option<u64>,
    /// How many times each request tag reached the responder.
    pub requests_seen: HashMap<u64, u32>,
    /// Flushes the server confirmed.
    pub flushed: BTreeSet<u64>,
    /// Reconnects so far.
    pub reconnects: u64,
    /// Broken promises seen here, for the oracle to report.
    pub violations: Vec<String>,
}

impl Peer {
    /// Connects the peer to `server` and subscribes it.
    pub fn connect(server: &NatsServer, name: &str) -> Peer {
        let options = ConnectOptions::new()
            .servers([format!("nats://{}", server.tcp_addr())])
            .name(name)
            .reconnect_wait(Duration::from_millis(30))
            .reconnect_jitter(Duration::from_millis(10))
            .max_reconnects(None);
        let mut driver = Driver::connect(server.tcp_addr(), options).expect("peer connects");
        let data_sid = driver
            .conn
            .subscribe(DATA_SUBJECTS, None)
            .expect("peer SUB");
        let svc_sid = driver.conn.subscribe(SERVICE, None).expect("peer SUB");
        driver.flush();
        Peer {
            driver,
            data_sid,
            svc_sid,
            arrived: BTreeSet::new(),
            last_arrived: None,
            requests_seen: HashMap::new(),
            flushed: BTreeSet::new(),
            reconnects: 0,
            violations: Vec::new(),
        }
    }

    /// Whether the peer is connected.
    pub fn is_connected(&self) -> bool {
        *self.driver.conn.phase() == Phase::Connected
    }

    /// One turn of the peer's loop, waiting at most `wait`.
    pub fn pump(&mut self, wait: Duration) {
        for event in self.driver.turn(wait) {
            self.observe(event);
        }
    }

    /// Asks the server for a PONG; its id shows up in [`Peer::flushed`].
    pub fn start_flush(&mut self) -> u64 {
        self.driver.conn.flush().expect("peer flush accepted").0
    }

    fn observe(&mut self, event: Event) {
        match event {
            Event::Message { sid, message } if sid == self.data_sid => {
                let seq = leading_number(&message.payload);
                let Some(seq) = seq else {
                    return self
                        .violations
                        .push(format!("bad data payload {message:?}"));
                };
                if self.last_arrived.is_some_and(|last| seq <= last) {
                    self.violations.push(format!(
                        "publish #{seq} arrived after #{}: a publish was duplicated or reordered",
                        self.last_arrived.unwrap_or_default()
                    ));
                }
                self.last_arrived = Some(seq);
                self.arrived.insert(seq);
            }
            Event::Message { sid, message } if sid == self.svc_sid => {
                let Some(tag) = leading_number(&message.payload) else {
                    return self
                        .violations
                        .push(format!("bad request payload {message:?}"));
                };
                let seen = self.requests_seen.entry(tag).or_default();
                *seen += 1;
                if *seen > 1 {
                    self.violations
                        .push(format!("request r{tag} reached the responder {seen} times"));
                }
                if let Some(reply) = &message.reply {
                    // Held while the peer reconnects; a late reply is fine for the oracle.
                    let _ = self
                        .driver
                        .conn
                        .publish(reply, None, None, &message.payload);
                }
            }
            Event::Flushed(id) => {
                self.flushed.insert(id.0);
            }
            Event::Reconnected { .. } => self.reconnects += 1,
            Event::Closed(reason) => self
                .violations
                .push(format!("the peer connection closed: {reason}")),
            _ => {}
        }
    }
}

/// The decimal number a payload starts with (up to the first `|`).
pub fn leading_number(payload: &[u8]) -> Option<u64> {
    let digits = payload.split(|b| *b == b'|').next()?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}
