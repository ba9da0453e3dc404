//! Promises about a connection's life that cross phases, with scripted server bytes and a
//! fake clock: held publishes with headers meet a server without them, nothing is reported
//! after [`Event::Closed`], a forced reconnect in the middle of an attempt, `no_echo` across
//! the pool, and a round-trip measurement with a deadline.

use super::test_fixture::{with_servers, Fixture, INFO};
use super::*;
use crate::proto::validate::ValidationError;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// An INFO from a server started with `no_header_support: true`.
const INFO_NO_HEADERS: &str =
    "INFO {\"server_id\":\"S2\",\"proto\":1,\"headers\":false,\"max_payload\":1024}\r\n";

/// An INFO from a server that speaks protocol 1 (nats-server always does).
const INFO_PROTO_1: &str =
    "INFO {\"server_id\":\"S1\",\"proto\":1,\"headers\":true,\"max_payload\":1024}\r\n";

/// An INFO from a server below protocol 1 (it cannot honour `echo: false`).
const INFO_PROTO_0: &str = "INFO {\"server_id\":\"OLD\",\"proto\":0,\"headers\":true}\r\n";

fn headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("k", "v").unwrap();
    headers
}

/// `Event::Closed` comes once, and last.
fn assert_closed_last(events: &[Event]) {
    let closed = events
        .iter()
        .position(|e| matches!(e, Event::Closed(_)))
        .unwrap_or_else(|| panic!("no Closed in {events:?}"));
    assert_eq!(closed + 1, events.len(), "events after Closed: {events:?}");
}

#[test]
fn publishes_with_headers_held_before_the_first_info_are_dropped_not_sent_when_the_server_says_headers_false(
) {
    let mut f = Fixture::new(with_servers(&["nats://a:1"]));
    f.transports();
    f.conn
        .publish("with.headers", None, Some(&headers()), b"x")
        .unwrap();
    f.conn.publish("plain", None, None, b"y").unwrap();
    let request = f
        .conn
        .request(
            f.now,
            "asked",
            Some(&headers()),
            b"z",
            Duration::from_secs(60),
        )
        .unwrap();

    let handshake = f.handshake(INFO_NO_HEADERS);
    let released = f.sent();
    assert!(!handshake.contains("HPUB") && !released.contains("HPUB"));
    assert_eq!(released, "PUB plain 1\r\ny\r\n", "the rest go out in order");
    let dropped = |subject: &str, request| Event::PublishDropped {
        subject: subject.into(),
        request,
        reason: ValidationError::HeadersNotSupported,
    };
    let events = f.events();
    assert_eq!(
        events[..3],
        [
            dropped("with.headers", None),
            dropped("asked", Some(request)),
            Event::RequestFailed {
                id: request,
                kind: RequestFailure::HeadersNotSupported
            },
        ]
    );
    assert!(matches!(events[3..], [Event::Connected(_)]), "{events:?}");
    // The request ended: it is not failed again or timed out later.
    f.advance(Duration::from_secs(61));
    assert_eq!(f.events(), []);
}

#[test]
fn publishes_with_headers_held_while_disconnected_are_dropped_when_the_next_server_says_headers_false(
) {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1", "nats://b:2"]));
    f.lose_transport();
    f.events();
    f.conn.publish("h", None, Some(&headers()), b"x").unwrap();
    f.advance_to_deadline();
    f.transports();
    f.handshake(INFO_NO_HEADERS);
    assert_eq!(f.sent(), "", "no HPUB to a server without headers");
    let events = f.events();
    assert!(
        events.contains(&Event::PublishDropped {
            subject: "h".into(),
            request: None,
            reason: ValidationError::HeadersNotSupported,
        }),
        "{events:?}"
    );
}

#[test]
fn with_max_reconnects_0_a_forced_reconnect_fails_the_requests_before_closed() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]).max_reconnects(Some(0)));
    let request = f.request("svc", 60_000);
    f.events();
    f.conn.force_reconnect(f.now).unwrap();
    let events = f.events();
    assert!(
        events.contains(&Event::RequestFailed {
            id: request,
            kind: RequestFailure::Closed
        }),
        "{events:?}"
    );
    assert_closed_last(&events);
}

#[test]
fn with_max_reconnects_0_a_lost_transport_fails_the_requests_before_closed() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]).max_reconnects(Some(0)));
    let request = f.request("svc", 60_000);
    f.events();
    f.lose_transport();
    let events = f.events();
    assert!(
        events.iter().any(|e| matches!(e,
            Event::RequestFailed { id, .. } if *id == request)),
        "{events:?}"
    );
    assert_closed_last(&events);
}

#[test]
fn with_max_reconnects_0_a_lame_duck_move_fails_the_requests_before_closed() {
    let mut options = with_servers(&["nats://a:1", "nats://b:2"]).max_reconnects(Some(0));
    options.lame_duck_window = Duration::ZERO;
    let mut f = Fixture::connected_to(options);
    let request = f.request("svc", 60_000);
    f.input("INFO {\"server_id\":\"S1\",\"proto\":1,\"ldm\":true}\r\n");
    f.advance(Duration::ZERO); // the move starts: its PING
    f.input("PONG\r\n");
    let events = f.events();
    assert!(
        events.contains(&Event::RequestFailed {
            id: request,
            kind: RequestFailure::Closed
        }),
        "{events:?}"
    );
    assert_closed_last(&events);
}

#[test]
fn force_reconnect_while_awaiting_info_drops_that_attempt_and_tries_the_next_server_now() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1", "nats://b:2"]));
    f.lose_transport();
    f.advance_to_deadline();
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("nats://b:2".into())]
    );
    f.events();
    // b opened its transport but said nothing yet.
    f.conn.force_reconnect(f.now).unwrap();
    let events = f.events();
    assert!(
        matches!(
            &events[..],
            [Event::Disconnected {
                reason: CloseReason::ReconnectForced,
                ..
            }]
        ),
        "{events:?}"
    );
    assert_eq!(
        f.conn.poll_timeout(),
        Some(f.now),
        "the next attempt is now"
    );
    f.advance_to_deadline();
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("nats://a:1".into())]
    );
    f.handshake(INFO);
    assert!(matches!(f.events().last(), Some(Event::Reconnected { .. })));
}

#[test]
fn force_reconnect_in_the_handshake_drops_that_attempt_and_tries_the_next_server_now() {
    let mut f = Fixture::new(with_servers(&["nats://a:1", "nats://b:2"]));
    f.transports();
    f.input(INFO); // CONNECT and PING went out; no PONG yet
    assert_eq!(*f.conn.phase(), Phase::Handshake);
    f.conn.force_reconnect(f.now).unwrap();
    f.advance(Duration::ZERO);
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("nats://b:2".into())]
    );
    assert_eq!(*f.conn.phase(), Phase::AwaitInfo, "b starts afresh");
    f.handshake(INFO);
    assert!(matches!(f.events().last(), Some(Event::Connected(_))));
}

#[test]
fn no_echo_with_a_server_below_protocol_1_moves_on_to_the_next_server() {
    let mut f = Fixture::new(with_servers(&["nats://old:1", "nats://new:2"]).no_echo());
    f.transports();
    f.input(INFO_PROTO_0);
    assert_eq!(f.sent(), "", "no CONNECT that the server would not honour");
    let events = f.events();
    assert!(
        matches!(
            &events[..],
            [Event::Disconnected {
                reason: CloseReason::NoEchoNotSupported,
                ..
            }]
        ),
        "{events:?}"
    );
    f.advance_to_deadline();
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("nats://new:2".into())]
    );
    let sent = f.handshake(INFO_PROTO_1);
    assert!(sent.contains("\"echo\":false"), "{sent}");
    assert!(matches!(f.events().last(), Some(Event::Connected(_))));
}

#[test]
fn no_echo_closes_once_no_server_is_left_to_try() {
    let mut f = Fixture::new(with_servers(&["nats://old:1"]).no_echo());
    f.transports();
    f.input(INFO_PROTO_0);
    let events = f.events();
    assert_eq!(
        events.last(),
        Some(&Event::Closed(CloseReason::NoEchoNotSupported))
    );
    assert_closed_last(&events);
}

#[test]
fn rtt_within_fails_with_timed_out_when_no_pong_comes_in_time_and_a_late_pong_is_ignored() {
    let mut f = Fixture::connected_to(ConnectOptions::new().ping_interval(Duration::ZERO));
    let id = f.conn.rtt_within(f.now, Duration::from_secs(3)).unwrap();
    assert_eq!(f.sent(), "PING\r\n");
    assert_eq!(f.advance_to_deadline(), Duration::from_secs(3));
    assert_eq!(
        f.events(),
        [Event::Rtt {
            id,
            rtt: Err(RequestFailure::TimedOut)
        }]
    );
    // Its PONG, late, answers nothing; the next measurement gets the next PONG.
    f.input("PONG\r\n");
    assert_eq!(f.events(), []);
    let next = f.conn.rtt_within(f.now, Duration::from_secs(3)).unwrap();
    f.input("PONG\r\n");
    assert!(matches!(&f.events()[..], [Event::Rtt { id, rtt: Ok(_) }] if *id == next));
    assert_eq!(f.conn.poll_timeout(), None, "no deadline left");
}
