//! Drives a sans-IO `Connection` with a server list through an arbitrary session: server
//! bytes, lost transports, time passing, and every command, in any order. Where
//! `connection_input` fuzzes what one server says, this one reaches the reconnect paths:
//! transports lost at any point of the handshake, reconnect timers, buffered publishes and
//! flushes, lame-duck moves, refused credentials, discovered servers coming and going.
//!
//! Input: a sequence of steps, each an opcode byte and, for some, argument bytes (see `step`).
//! After each step the target drains `poll_transmit`, `poll_event` and `poll_transport`, as a
//! driver would. Checked beyond "no panic":
//! - once the connection is closed (and what it queued then was taken), no step adds bytes,
//!   events or transport commands; within one drain, no event follows `Event::Closed`;
//! - acting on the deadlines due at one instant ends: `handle_timeout(now)` does not keep
//!   setting deadlines that are due at `now` again (the driver would spin);
//! - every request resolves at most once (a request_many: replies, then one end; a
//!   cancelled one: nothing more), and a request reported failed never reaches the
//!   wire afterwards (its reply subject never appears in a later `PUB`);
//! - in the handshake window (CONNECT sent, first PONG not yet in) no publish goes out, and a
//!   SUB or UNSUB given then goes out at once;
//! - once closed, every request made has been resolved.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use nats_core::conn::{ConnectOptions, Connection, Event, Phase, RequestId, RequestManyOptions};
use nats_core::Instant;

const INFO: &[u8] = b"INFO {\"server_id\":\"A\",\"version\":\"2.10.0\",\"proto\":1,\"headers\":true,\"max_payload\":4096} \r\n";
const INFO_CLUSTER: &[u8] = b"INFO {\"server_id\":\"A\",\"proto\":1,\"headers\":true,\"connect_urls\":[\"b:2\",\"c:3\"]} \r\n";
const INFO_SHRUNK: &[u8] = b"INFO {\"server_id\":\"A\",\"proto\":1,\"connect_urls\":[\"c:3\"]} \r\n";
const INFO_LAME_DUCK: &[u8] = b"INFO {\"server_id\":\"A\",\"proto\":1,\"ldm\":true,\"connect_urls\":[\"b:2\"]} \r\n";
const INFO_NO_HEADERS: &[u8] =
    b"INFO {\"server_id\":\"A\",\"proto\":1,\"headers\":false,\"max_payload\":4096} \r\n";
const ERRORS: [&[u8]; 4] = [
    b"-ERR 'Authorization Violation'\r\n",
    b"-ERR 'Stale Connection'\r\n",
    b"-ERR 'Permissions Violation for Subscription to \"foo.*\"'\r\n",
    b"-ERR 'Maximum Payload Violation'\r\n",
];

/// Reads the fuzzer's bytes one at a time; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let (taken, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        taken
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let flags = input.next();
    let start = Instant::now();
    let mut now = start;
    let options = ConnectOptions::new()
        .servers(["ws://a:1", "ws://b:2"])
        .trace(flags & 1 == 1)
        .ignore_discovered_servers(flags & 2 == 2)
        .max_reconnects(match flags & 12 {
            4 => None,
            8 => Some(0),
            _ => Some(3),
        })
        .reconnect_wait(Duration::from_millis(100))
        .reconnect_jitter(Duration::from_millis(10))
        .reconnect_buffer_size(256)
        .ping_interval(Duration::from_secs(1))
        .max_pings_out(2);
    let mut conn = Connection::new(now, options, [7; 32]);
    let mut driver = Driver::default();
    driver.drain(&mut conn);

    let mut steps = 0;
    while !input.0.is_empty() && steps < 256 {
        steps += 1;
        let closed_before = conn.is_closed();
        let handshake_before = *conn.phase() == Phase::Handshake;
        let command = step(&mut conn, &mut input, &mut now, &mut driver);
        let mut produced = driver.drain(&mut conn);
        if handshake_before && *conn.phase() == Phase::Handshake {
            assert!(
                !driver.sent_publish,
                "a publish went out before the handshake's PONG"
            );
            if let Some(control) = command {
                let sent = driver
                    .sent_control
                    .iter()
                    .any(|line| *line == control || line.starts_with(&format!("{control} ")));
                assert!(sent, "{control} was not sent in the handshake window");
            }
        }
        // A driver's timer fires at once for a deadline that is due: acting on it must not
        // keep setting new ones that are due right away.
        let mut rounds = 0;
        while conn.poll_timeout().is_some_and(|deadline| deadline <= now) {
            rounds += 1;
            assert!(rounds <= 8, "deadlines due now keep coming");
            conn.handle_timeout(now);
            produced += driver.drain(&mut conn);
        }
        if closed_before {
            assert_eq!(produced, 0, "output after the connection closed");
        }
    }
    if conn.is_closed() {
        assert!(
            driver.pending.is_empty(),
            "requests {:?} never resolved although the connection closed",
            driver.pending
        );
    }
});

/// What a driver does between steps, and what the checks need to remember.
#[derive(Default)]
struct Driver {
    out: Vec<u8>,
    /// Requests made and not yet resolved.
    pending: Vec<u64>,
    /// Requests resolved (answered or failed): none may resolve twice or reach the wire.
    resolved: Vec<u64>,
    /// The last drain sent a PUB or HPUB.
    sent_publish: bool,
    /// The SUB/UNSUB lines the last drain sent, without their CRLF.
    sent_control: Vec<String>,
}

impl Driver {
    /// Takes every byte, event and transport command; returns how many there were.
    fn drain(&mut self, conn: &mut Connection) -> usize {
        self.out.clear();
        let mut produced = conn.poll_transmit(&mut self.out);
        self.check_sent();
        let mut closed = false;
        while let Some(event) = conn.poll_event() {
            assert!(!closed, "{event:?} after Event::Closed");
            closed = matches!(event, Event::Closed(_));
            produced += 1;
            let id = match event {
                Event::Response { id, .. }
                | Event::RequestFailed { id, .. }
                | Event::RequestManyEnded { id, .. } => id.0,
                Event::RequestManyResponse { id, .. } => {
                    assert!(
                        !self.resolved.contains(&id.0),
                        "a reply for request {} after its end",
                        id.0
                    );
                    continue;
                }
                _ => continue,
            };
            assert!(!self.resolved.contains(&id), "request {id} resolved twice");
            self.pending.retain(|p| *p != id);
            self.resolved.push(id);
        }
        // Every transport the target "opens" connects; the server speaks in later steps.
        while conn.poll_transport().is_some() {
            produced += 1;
        }
        produced
    }

    /// Reads the ops just sent: no resolved request's publish, and which control ops went.
    fn check_sent(&mut self) {
        self.sent_publish = false;
        self.sent_control.clear();
        let text = String::from_utf8_lossy(&self.out);
        for line in text.split("\r\n") {
            if line.starts_with("PUB ") || line.starts_with("HPUB ") {
                self.sent_publish = true;
                // `PUB svc <inbox>.<id> <size>`: the request id is the reply's last token.
                let mut args = line.split(' ').skip(1);
                if let (Some("svc"), Some(reply)) = (args.next(), args.next()) {
                    let id = reply.rsplit('.').next().and_then(|t| t.parse::<u64>().ok());
                    if let Some(id) = id {
                        assert!(
                            !self.resolved.contains(&id),
                            "request {id} reached the wire after it was resolved"
                        );
                    }
                }
            } else if line.starts_with("SUB ") || line.starts_with("UNSUB ") {
                self.sent_control.push(line.to_owned());
            }
        }
    }
}

/// Runs the step the next opcode names. Returns the control line (`SUB foo.* 3`,
/// `UNSUB 3`, `UNSUB 3 2`) that a subscribe or unsubscribe accepted in the handshake window
/// must have sent at once.
fn step(
    conn: &mut Connection,
    input: &mut Bytes<'_>,
    now: &mut Instant,
    driver: &mut Driver,
) -> Option<String> {
    let t = *now;
    let window = *conn.phase() == Phase::Handshake;
    match input.next() % 23 {
        0 => conn.handle_input(t, INFO),
        1 => conn.handle_input(t, INFO_CLUSTER),
        2 => conn.handle_input(t, INFO_SHRUNK),
        3 => conn.handle_input(t, INFO_LAME_DUCK),
        4 => conn.handle_input(t, b"PONG\r\n"),
        5 => conn.handle_input(t, b"PING\r\n"),
        6 => conn.handle_input(t, b"+OK\r\n"),
        7 => {
            let sid = input.next() % 6;
            let line = format!("MSG foo.x {sid} 2\r\nhi\r\n");
            conn.handle_input(t, line.as_bytes());
        }
        8 => {
            let error = ERRORS[usize::from(input.next()) % ERRORS.len()];
            conn.handle_input(t, error);
        }
        9 => {
            // Raw bytes from the fuzzer, up to 63 of them.
            let n = usize::from(input.next() % 64);
            let raw = input.take(n).to_vec();
            conn.handle_input(t, &raw);
        }
        10 => conn.handle_transport_closed(t, "lost"),
        11 => {
            *now += Duration::from_millis(u64::from(input.next()) * 20);
            conn.handle_timeout(*now);
        }
        12 => {
            if let Ok(sid) = conn.subscribe("foo.*", None) {
                return window.then(|| format!("SUB foo.* {sid}"));
            }
        }
        13 => {
            let sid = u64::from(input.next() % 6);
            let after = input.next();
            let max = (after > 0).then_some(u64::from(after % 4));
            if conn.unsubscribe(sid, max).is_ok() && window {
                // With or without a limit on the wire (one already reached is a plain UNSUB).
                return Some(format!("UNSUB {sid}"));
            }
        }
        14 => {
            let size = usize::from(input.next()) * 4;
            let _ = conn.publish("foo.bar", None, None, &vec![b'x'; size]);
        }
        15 => {
            let timeout = Duration::from_millis(u64::from(input.next()) * 10);
            if let Ok(id) = conn.request(t, "svc", None, b"q", timeout) {
                driver.pending.push(id.0);
            }
        }
        16 => {
            let _ = conn.flush();
        }
        17 => {
            let _ = conn.drain_subscription(u64::from(input.next() % 6));
        }
        18 => {
            let _ = conn.drain(t);
        }
        19 => conn.messages_handled(),
        20 => {
            let timeout = Duration::from_millis(u64::from(input.next()) * 10);
            let _ = conn.flush_within(t, timeout);
        }
        21 => {
            // A reply to one of the requests made so far (or a stale one).
            let id = input.next() % 8;
            let prefix = conn.inbox_prefix().map(str::to_owned);
            if let Some(prefix) = prefix {
                let line = format!("MSG {prefix}.{id} 99 2\r\nok\r\n");
                conn.handle_input(t, line.as_bytes());
            }
        }
        // The rarer commands share the last opcode (so the seeds keep their meaning).
        _ => match input.next() % 5 {
            0 => conn.close(),
            1 => {
                let _ = conn.force_reconnect(t);
            }
            2 => {
                let timeout = Duration::from_millis(u64::from(input.next()) * 10);
                let _ = conn.rtt_within(t, timeout);
            }
            3 => {
                let mut headers = nats_core::proto::HeaderMap::new();
                let _ = headers.insert("k", "v");
                let _ = conn.publish("foo.bar", None, Some(&headers), b"h");
            }
            _ => match input.next() % 4 {
                0 => conn.handle_input(t, INFO_NO_HEADERS),
                1 => {
                    let options = RequestManyOptions {
                        max_wait: Duration::from_millis(u64::from(input.next()) * 10),
                        max_messages: Some(usize::from(input.next() % 4)),
                        stall: Some(Duration::from_millis(u64::from(input.next()) * 5)),
                        sentinel: input.next() % 2 == 0,
                    };
                    if let Ok(id) = conn.request_many(t, "svc", None, b"q", &options) {
                        driver.pending.push(id.0);
                    }
                }
                2 => {
                    // The owner drops a request (single or many): nothing of it may follow.
                    let id = u64::from(input.next() % 8);
                    conn.cancel_request(RequestId(id));
                    if driver.pending.contains(&id) {
                        driver.pending.retain(|p| *p != id);
                        driver.resolved.push(id);
                    }
                }
                _ => {
                    // A sentinel (empty, no headers) or a 503 no-responders status.
                    let id = input.next() % 8;
                    let prefix = conn.inbox_prefix().map(str::to_owned);
                    if let Some(prefix) = prefix {
                        let line = if id % 2 == 0 {
                            format!("MSG {prefix}.{id} 99 0\r\n\r\n")
                        } else {
                            format!("HMSG {prefix}.{id} 99 16 16\r\nNATS/1.0 503\r\n\r\n\r\n")
                        };
                        conn.handle_input(t, line.as_bytes());
                    }
                }
            },
        },
    }
    None
}
