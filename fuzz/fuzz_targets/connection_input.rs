//! Drives a sans-IO `Connection` with arbitrary server bytes; it must never panic.
//!
//! Input layout: byte 0 holds flags (bit 0: `ConnectOptions::trace`, so the trace summaries of
//! every op run too); bytes 1-2 (little-endian u16) choose where the rest is split, so the fuzzer
//! controls every split point of streams up to 64 KiB; the rest is what the server sends.
//! The connection first gets a fixed INFO line (so the handshake starts and `+OK`/`PONG`/`MSG`
//! in the input reach the connected-state code), then the two chunks. After each step the
//! target drains `poll_transmit` and `poll_event`, as a driver would.
//!
//! Two subscriptions exist before the input (sids 1 and 2, sid 2 auto-unsubscribing after 2
//! messages) so that `MSG`/`HMSG` for them are routed rather than dropped. After the input a few
//! commands and a timeout run against whatever state the input left.
//!
//! Checked beyond "no panic": once closed, further input adds no bytes to send and no events
//! (the module docs: nothing is sent or reported after the connection closes).
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use nats_core::conn::{ConnectOptions, Connection};
use nats_core::Instant;

const INFO: &[u8] = b"INFO {\"server_id\":\"FUZZ\",\"server_name\":\"fuzz\",\"version\":\"2.10.0\",\"proto\":1,\"host\":\"127.0.0.1\",\"port\":4222,\"headers\":true,\"max_payload\":1048576} \r\n";

fuzz_target!(|data: &[u8]| {
    let (flags, selector, stream) = match data {
        [f, a, b, rest @ ..] => (*f, u16::from_le_bytes([*a, *b]) as usize, rest),
        _ => (0, 0, &[][..]),
    };
    let split = selector % (stream.len() + 1);
    let (first, second) = stream.split_at(split);

    let now = Instant::now();
    let options = ConnectOptions::new().trace(flags & 1 == 1);
    let mut conn = Connection::new(now, options, [7; 32]);
    let mut out = Vec::new();
    let _ = conn.subscribe("foo", None);
    let _ = conn.subscribe("bar.*", Some("workers"));
    let _ = conn.unsubscribe(2, Some(2));
    drain(&mut conn, &mut out);

    conn.handle_input(now, INFO);
    drain(&mut conn, &mut out);

    conn.handle_input(now, first);
    drain(&mut conn, &mut out);

    let closed_before = conn.is_closed();
    conn.handle_input(now, second);
    let sent = drain(&mut conn, &mut out);
    if closed_before {
        assert_eq!(sent, (0, 0), "bytes or events after the connection closed");
    }

    // Whatever state the input left: commands and timers must not panic either.
    let _ = conn.publish("foo", Some("reply.to"), None, b"hi");
    let _ = conn.flush();
    let _ = conn.drain_subscription(1);
    drain(&mut conn, &mut out);
    let later = now + Duration::from_secs(300);
    conn.handle_timeout(later);
    drain(&mut conn, &mut out);
    let _ = conn.drain(later);
    conn.handle_input(later, b"PONG\r\n");
    drain(&mut conn, &mut out);
    conn.close();
    drain(&mut conn, &mut out);
    let _ = conn.poll_timeout();
});

/// Takes every byte to send and every event, as a driver does after each step; returns how
/// many bytes and events there were.
fn drain(conn: &mut Connection, out: &mut Vec<u8>) -> (usize, usize) {
    out.clear();
    let bytes = conn.poll_transmit(out);
    let mut events = 0;
    while conn.poll_event().is_some() {
        events += 1;
    }
    (bytes, events)
}
