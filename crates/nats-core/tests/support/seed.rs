//! The NATS by Example request-reply program, on one driven connection: the scenario several
//! integration tests run (on a fresh server, after a failover, ...).

use std::time::Duration;

use nats_core::conn::{CloseReason, Event, Message, RequestFailure};

use super::driver::{Driver, PATIENCE};

/// The original program's request timeout.
pub const HALF_SECOND: Duration = Duration::from_millis(500);

/// The responder's answer: `hello, <name>` for `greet.<name>`.
pub fn greet(msg: &Message) -> Vec<u8> {
    format!("hello, {}", &msg.subject["greet.".len()..]).into_bytes()
}

/// Responder on `greet.*`; requests for joe, sue and bob get `hello, <name>`; the responder is
/// drained; the next request gets no responders; the connection is drained.
pub fn run_seed_program(mut nc: Driver) {
    let sub = nc.conn.subscribe("greet.*", None).unwrap();
    nc.respond_on(sub, greet);
    for name in ["joe", "sue", "bob"] {
        let reply = nc
            .request(&format!("greet.{name}"), b"", HALF_SECOND)
            .unwrap();
        assert_eq!(reply.payload, format!("hello, {name}").as_bytes());
    }
    nc.conn.drain_subscription(sub).unwrap();
    nc.run_until(PATIENCE, |_, e| {
        (e == Event::SubscriptionDrained { sid: sub }).then_some(())
    });
    assert_eq!(
        nc.request("greet.joe", b"", HALF_SECOND).unwrap_err(),
        RequestFailure::NoResponders
    );
    assert_eq!(nc.drain(), CloseReason::Drained);
}
