//! A connection driven by hand with a fake clock, for the state-machine tests.

use super::*;

/// The INFO the tests' server sends: headers on, `max_payload` 1 KiB.
pub const INFO: &str =
    "INFO {\"server_id\":\"S1\",\"server_name\":\"test\",\"version\":\"2.9.10\",\
                        \"headers\":true,\"max_payload\":1024} \r\n";

/// Options for `servers`, tried in order, with round numbers for the timing rules.
pub fn with_servers(servers: &[&str]) -> ConnectOptions {
    ConnectOptions::new()
        .servers(servers.iter().copied())
        .randomize(false)
        .reconnect_wait(Duration::from_secs(2))
        .reconnect_jitter(Duration::from_millis(100))
        .ping_interval(Duration::from_secs(10))
}

/// A connection, its clock, and helpers that read what it sends and reports.
pub struct Fixture {
    pub conn: Connection,
    pub now: Instant,
}

impl Fixture {
    /// A connection created now with `options`, keyed with a seed no other fixture has (as
    /// the clients of a page each draw their own).
    pub fn new(options: ConnectOptions) -> Self {
        use std::sync::atomic::{AtomicU8, Ordering};
        static NEXT_SEED: AtomicU8 = AtomicU8::new(0);
        let now = Instant::from_since_origin(Duration::from_secs(1_000));
        Fixture {
            conn: Connection::new(
                now,
                options,
                [NEXT_SEED.fetch_add(1, Ordering::Relaxed); 32],
            ),
            now,
        }
    }

    /// A connection (no server list) that has finished its handshake, output discarded.
    pub fn connected() -> Self {
        Self::connected_to(ConnectOptions::new().ping_interval(Duration::from_secs(10)))
    }

    /// Connected with `options` (to the first of its servers, if any).
    pub fn connected_to(options: ConnectOptions) -> Self {
        let mut f = Fixture::new(options);
        f.transports();
        f.handshake(INFO);
        assert!(matches!(f.events()[..], [Event::Connected(_)]));
        f
    }

    /// Feeds `info` and the first PONG; returns what was sent in between.
    pub fn handshake(&mut self, info: &str) -> String {
        self.input(info);
        let sent = self.sent();
        self.input("PONG\r\n");
        sent
    }

    pub fn input(&mut self, s: &str) {
        self.conn.handle_input(self.now, s.as_bytes());
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        self.conn.handle_timeout(self.now);
    }

    /// Advances to the connection's next deadline; returns how long that was.
    pub fn advance_to_deadline(&mut self) -> Duration {
        let at = self.conn.poll_timeout().expect("a deadline");
        let waited = at.saturating_duration_since(self.now);
        self.now = self.now.max(at);
        self.conn.handle_timeout(self.now);
        waited
    }

    pub fn sent(&mut self) -> String {
        let mut out = Vec::new();
        self.conn.poll_transmit(&mut out);
        String::from_utf8(out).unwrap()
    }

    pub fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.conn.poll_event()).collect()
    }

    pub fn transports(&mut self) -> Vec<Transport> {
        std::iter::from_fn(|| self.conn.poll_transport()).collect()
    }

    pub fn lose_transport(&mut self) {
        self.conn
            .handle_transport_closed(self.now, "connection reset");
    }

    pub fn request(&mut self, subject: &str, timeout_ms: u64) -> RequestId {
        let timeout = Duration::from_millis(timeout_ms);
        self.conn
            .request(self.now, subject, None, b"", timeout)
            .unwrap()
    }

    /// The reply subject of the last PUB in `sent`.
    pub fn reply_subject(sent: &str) -> String {
        let line = sent
            .lines()
            .rfind(|l| l.starts_with("PUB "))
            .expect("a PUB");
        line.split(' ').nth(2).unwrap().to_owned()
    }
}

/// Why the connection lost its transports, in order, from `events`.
pub fn disconnected_by(events: &[Event]) -> Vec<CloseReason> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Disconnected { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}
