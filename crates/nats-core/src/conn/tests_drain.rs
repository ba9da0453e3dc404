//! Draining, refused subscriptions and bounded flushes, with a fake clock: the order of a
//! connection drain, what a permission violation on SUB ends, and when a flush gives up.

use super::test_fixture::{Fixture, INFO};
use super::*;
// Also in the browser (`wasm-pack test -- --lib`): wasm32 is where the connection ships.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Options for one server that the connection reconnects to, with round numbers.
fn one_server() -> ConnectOptions {
    ConnectOptions::new()
        .servers(["nats://a:1"])
        .reconnect_wait(Duration::from_secs(2))
        .reconnect_jitter(Duration::ZERO)
        .ping_interval(Duration::from_secs(10))
}

/// Loses the transport and runs the reconnect up to the new transport's INFO; returns what
/// the handshake sent.
fn reconnect(f: &mut Fixture) -> String {
    f.lose_transport();
    f.advance_to_deadline();
    f.transports();
    f.input(INFO);
    f.sent()
}

fn denied(subject: &str, queue: Option<&str>) -> String {
    let queue = queue.map_or(String::new(), |q| format!(" using queue \"{q}\""));
    format!("-ERR 'Permissions Violation for Subscription to \"{subject}\"{queue}'\r\n")
}

#[test]
fn a_connection_drain_keeps_the_inbox_and_publishes_until_the_app_and_requests_are_done() {
    let mut f = Fixture::connected();
    let sid = f.conn.subscribe("greet.*", None).unwrap();
    let pending = f.request("other.svc", 5000);
    let reply = Fixture::reply_subject(&f.sent());
    let inbox_sid = sid + 1;

    f.conn.drain(f.now).unwrap();
    assert_eq!(f.conn.phase(), &Phase::Draining);
    assert_eq!(
        f.sent(),
        format!("UNSUB {sid}\r\nPING\r\n"),
        "the request inbox is not drained with the subscriptions"
    );
    assert_eq!(f.conn.subscribe("x", None), Err(CommandError::Draining));
    assert_eq!(
        f.conn
            .request(f.now, "x", None, b"", Duration::from_secs(1)),
        Err(CommandError::Draining)
    );

    // A request that arrived before the drain's PONG is delivered, then the stage ends.
    f.input(&format!(
        "MSG greet.joe {sid} _INBOX.peer.1 1\r\nq\r\nPONG\r\n"
    ));
    let events = f.events();
    assert!(matches!(&events[0], Event::Message { sid: s, .. } if *s == sid));
    assert_eq!(
        events[1..],
        [
            Event::SubscriptionDrained { sid },
            Event::AllSubscriptionsDrained
        ]
    );
    assert!(
        !f.conn.is_closed(),
        "the app has not handled the message yet"
    );

    // The responder answers after its subscription has drained.
    f.conn
        .publish("_INBOX.peer.1", None, None, b"hello, joe")
        .unwrap();
    assert_eq!(f.sent(), "PUB _INBOX.peer.1 10\r\nhello, joe\r\n");
    f.conn.messages_handled();
    assert_eq!(f.sent(), "", "a request is still in flight");

    // The request in flight still gets its reply; then the inbox goes, and a final flush.
    f.input(&format!("MSG {reply} {inbox_sid} 2\r\nok\r\n"));
    assert!(matches!(&f.events()[..], [Event::Response { id, .. }] if *id == pending));
    assert_eq!(f.sent(), format!("UNSUB {inbox_sid}\r\nPING\r\n"));
    assert!(!f.conn.is_closed());
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::Closed(CloseReason::Drained)]);
    assert_eq!(
        f.conn.publish("x", None, None, b""),
        Err(CommandError::Closed)
    );
}

#[test]
fn a_drain_with_no_subscriptions_or_requests_flushes_and_closes_once_told_messages_are_handled() {
    let mut f = Fixture::connected();
    f.conn.drain(f.now).unwrap();
    assert_eq!(f.sent(), "PING\r\n");
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::AllSubscriptionsDrained]);
    f.conn.messages_handled();
    assert_eq!(f.sent(), "PING\r\n");
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::Closed(CloseReason::Drained)]);
}

#[test]
fn a_request_in_flight_that_times_out_lets_the_drain_finish() {
    let mut f = Fixture::connected();
    let id = f.request("slow", 1000);
    f.sent();
    f.conn.drain(f.now).unwrap();
    assert_eq!(f.sent(), "PING\r\n");
    f.input("PONG\r\n");
    f.conn.messages_handled();
    f.events();
    assert_eq!(f.sent(), "");
    f.advance(Duration::from_millis(1000));
    assert_eq!(
        f.events(),
        [Event::RequestFailed {
            id,
            kind: RequestFailure::TimedOut
        }]
    );
    assert_eq!(f.sent(), "UNSUB 1\r\nPING\r\n");
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::Closed(CloseReason::Drained)]);
}

#[test]
fn the_drain_timeout_bounds_the_wait_for_the_app() {
    let mut f = Fixture::connected();
    f.conn.subscribe("a", None).unwrap();
    f.conn.drain(f.now).unwrap();
    f.input("PONG\r\n");
    f.events();
    f.advance(ConnectOptions::new().drain_timeout);
    assert_eq!(f.events(), [Event::Closed(CloseReason::DrainTimeout)]);
}

#[test]
fn a_transport_lost_while_draining_is_not_reported_as_drained() {
    let mut f = Fixture::connected();
    f.conn.subscribe("a", None).unwrap();
    f.conn.drain(f.now).unwrap();
    f.input("PONG\r\n");
    f.events();
    f.lose_transport();
    assert_eq!(
        f.events(),
        [Event::Closed(CloseReason::TransportClosed(
            "connection reset".into()
        ))]
    );
}

#[test]
fn drain_while_reconnecting_is_refused_with_what_waits_and_nothing_is_lost() {
    let mut f = Fixture::connected_to(one_server());
    f.lose_transport();
    f.events();
    f.conn.publish("a", None, None, b"one").unwrap();
    f.conn.publish("b", None, None, b"two").unwrap();
    let held = "PUB a 3\r\none\r\nPUB b 3\r\ntwo\r\n".len();
    assert_eq!(
        f.conn.drain(f.now),
        Err(CommandError::NotConnected {
            held_messages: 2,
            held_bytes: held
        })
    );
    assert_eq!(f.conn.phase(), &Phase::Reconnecting, "nothing changed");
    assert_eq!(f.events(), []);

    f.advance_to_deadline();
    f.transports();
    f.handshake(INFO);
    assert_eq!(f.sent(), "PUB a 3\r\none\r\nPUB b 3\r\ntwo\r\n");
    f.conn.drain(f.now).unwrap();
    assert_eq!(f.conn.phase(), &Phase::Draining);
}

#[test]
fn drain_before_the_first_connect_is_refused_and_the_connect_goes_on() {
    let mut f = Fixture::new(ConnectOptions::new());
    f.conn.publish("a", None, None, b"x").unwrap();
    let err = f.conn.drain(f.now).unwrap_err();
    assert_eq!(
        err,
        CommandError::NotConnected {
            held_messages: 1,
            held_bytes: "PUB a 1\r\nx\r\n".len()
        }
    );
    assert!(err.to_string().contains("1 publishes"), "{err}");
    f.handshake(INFO);
    assert_eq!(f.conn.phase(), &Phase::Connected);
    assert_eq!(f.sent(), "PUB a 1\r\nx\r\n");
}

#[test]
fn a_subscription_the_server_denies_ends_with_the_error_and_is_not_sent_again() {
    let mut f = Fixture::connected_to(one_server());
    let secret = f.conn.subscribe("secret.>", None).unwrap();
    let queued = f.conn.subscribe("secret.>", Some("q")).unwrap();
    let open = f.conn.subscribe("open", None).unwrap();
    f.sent();
    f.input(&denied("secret.>", None));
    match &f.events()[..] {
        [Event::SubscriptionDenied { sid, error }, Event::ServerError(_)] => {
            assert_eq!(*sid, secret);
            assert!(error.to_string().contains("secret.>"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        f.conn.unsubscribe(secret, None),
        Err(CommandError::UnknownSubscription(secret))
    );
    f.input(&denied("secret.>", Some("q")));
    assert!(matches!(
        &f.events()[..],
        [Event::SubscriptionDenied { sid, .. }, Event::ServerError(_)] if *sid == queued
    ));
    f.input(&format!("MSG secret.x {secret} 1\r\nx\r\n"));
    assert_eq!(f.events(), [], "nothing reaches a denied subscription");

    let handshake = reconnect(&mut f);
    assert!(
        handshake.contains(&format!("SUB open {open}\r\n")),
        "{handshake}"
    );
    assert!(!handshake.contains("secret"), "{handshake}");
}

#[test]
fn a_denied_request_inbox_fails_waiting_requests_at_once_and_later_ones_fast() {
    let mut f = Fixture::connected_to(one_server());
    let first = f.request("svc", 60_000);
    let second = f.request("svc", 60_000);
    let sent = f.sent();
    let inbox = sent
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap()
        .to_owned();
    f.input(&denied(&inbox, None));
    let events = f.events();
    for id in [first, second] {
        assert!(
            events.contains(&Event::RequestFailed {
                id,
                kind: RequestFailure::PermissionDenied
            }),
            "{events:?}"
        );
    }
    assert_eq!(f.conn.poll_timeout(), Some(f.now + Duration::from_secs(10)));
    match f
        .conn
        .request(f.now, "svc", None, b"", Duration::from_secs(60))
    {
        Err(CommandError::PermissionDenied(e)) => assert!(e.to_string().contains(&inbox)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        f.sent(),
        "",
        "no SUB and no PUB for a request that cannot be answered"
    );
    let handshake = reconnect(&mut f);
    assert!(!handshake.contains("SUB"), "{handshake}");
}

#[test]
fn a_flush_within_a_timeout_gives_up_at_its_deadline_and_its_late_pong_is_ignored() {
    let mut f = Fixture::connected();
    let slow = f.conn.flush_within(f.now, Duration::from_secs(2)).unwrap();
    let next = f.conn.flush().unwrap();
    assert_eq!(f.sent(), "PING\r\nPING\r\n");
    assert_eq!(f.conn.poll_timeout(), Some(f.now + Duration::from_secs(2)));
    f.advance(Duration::from_secs(2));
    assert_eq!(f.events(), [Event::FlushTimedOut(slow)]);
    f.input("PONG\r\n");
    assert_eq!(f.events(), [], "the late PONG answers the abandoned flush");
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::Flushed(next)]);
}

#[test]
fn a_flush_while_the_server_is_gone_times_out_and_is_not_sent_after_the_reconnect() {
    let mut f = Fixture::connected_to(one_server());
    f.lose_transport();
    f.events();
    let id = f.conn.flush_within(f.now, Duration::from_secs(1)).unwrap();
    f.advance(Duration::from_secs(1));
    assert!(f.events().contains(&Event::FlushTimedOut(id)));
    f.advance_to_deadline();
    f.transports();
    f.handshake(INFO);
    assert_eq!(f.sent(), "", "no PING for the flush that gave up");
}

#[test]
fn a_draining_subscription_that_reaches_its_limit_first_ends_once_and_its_pong_adds_nothing() {
    let mut f = Fixture::connected();
    let sid = f.conn.subscribe("n", None).unwrap();
    f.conn.unsubscribe(sid, Some(1)).unwrap();
    f.conn.drain_subscription(sid).unwrap();
    assert_eq!(f.conn.drain_subscription(sid), Ok(()), "already draining");
    f.sent();
    f.input(&format!("MSG n {sid} 1\r\nx\r\nPONG\r\n"));
    let events = f.events();
    assert!(matches!(&events[0], Event::Message { .. }));
    assert_eq!(events[1..], [Event::SubscriptionEnded { sid }]);
}
