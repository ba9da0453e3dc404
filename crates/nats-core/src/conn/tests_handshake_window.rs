//! The handshake window of a reconnect: after the new transport's INFO (CONNECT and every
//! subscription went out) and before its first PONG. Control ops given then must reach the
//! server at once, after CONNECT, in order; publishes still wait for the PONG.

use super::test_fixture::{Fixture, INFO};
use super::*;
// Also in the browser (`wasm-pack test -- --lib`): wasm32 is where the connection ships.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// A connection to one server that lost its transport, reconnected and got the new INFO: the
/// CONNECT batch has been sent, the PONG has not come. `setup` runs while still connected.
fn in_the_handshake_window(setup: impl FnOnce(&mut Fixture)) -> Fixture {
    let options = ConnectOptions::new()
        .servers(["nats://a:1"])
        .randomize(false)
        .ping_interval(Duration::from_secs(10));
    let mut f = Fixture::connected_to(options);
    setup(&mut f);
    f.sent();
    f.lose_transport();
    f.advance_to_deadline();
    f.transports();
    f.input(INFO);
    let batch = f.sent();
    assert!(batch.starts_with("CONNECT ") && batch.ends_with("PING\r\n"));
    assert_eq!(f.conn.phase(), &Phase::Handshake);
    f.events();
    f
}

fn reconnected(f: &mut Fixture) {
    f.input("PONG\r\n");
    assert!(matches!(f.events().last(), Some(Event::Reconnected { .. })));
}

#[test]
fn a_subscription_made_in_the_handshake_window_is_sent_at_once_and_gets_messages() {
    let mut f = in_the_handshake_window(|_| {});
    let sid = f.conn.subscribe("fresh", None).unwrap();
    assert_eq!(f.sent(), format!("SUB fresh {sid}\r\n"));
    reconnected(&mut f);
    f.input(&format!("MSG fresh {sid} 2\r\nhi\r\n"));
    assert!(matches!(&f.events()[..], [Event::Message { sid: s, .. }] if *s == sid));
}

#[test]
fn an_unsubscribe_in_the_handshake_window_reaches_the_server() {
    let mut sid = 0;
    let mut f = in_the_handshake_window(|f| sid = f.conn.subscribe("work", Some("q")).unwrap());
    f.conn.unsubscribe(sid, None).unwrap();
    assert_eq!(f.sent(), format!("UNSUB {sid}\r\n"));
    assert_eq!(f.events(), [Event::SubscriptionEnded { sid }]);
}

#[test]
fn an_unsubscribe_after_a_limit_in_the_handshake_window_reaches_the_server() {
    let mut sid = 0;
    let mut f = in_the_handshake_window(|f| sid = f.conn.subscribe("work", Some("q")).unwrap());
    f.conn.unsubscribe(sid, Some(5)).unwrap();
    assert_eq!(f.sent(), format!("UNSUB {sid} 5\r\n"));
    reconnected(&mut f);
    for _ in 0..5 {
        f.input(&format!("MSG work {sid} 1\r\nx\r\n"));
    }
    assert_eq!(f.events().last(), Some(&Event::SubscriptionEnded { sid }));
}

#[test]
fn a_subscription_drained_in_the_handshake_window_is_unsubscribed_then_drained_at_its_pong() {
    let mut sid = 0;
    let mut f = in_the_handshake_window(|f| sid = f.conn.subscribe("work", None).unwrap());
    f.conn.drain_subscription(sid).unwrap();
    assert_eq!(f.sent(), format!("UNSUB {sid}\r\nPING\r\n"));
    reconnected(&mut f);
    // Sent by the server before it read the UNSUB: still delivered.
    f.input(&format!("MSG work {sid} 1\r\nx\r\n"));
    f.input("PONG\r\n");
    let events = f.events();
    assert!(
        matches!(&events[..], [Event::Message { .. }, Event::SubscriptionDrained { sid: s }] if *s == sid),
        "{events:?}"
    );
}

#[test]
fn the_first_request_in_the_handshake_window_subscribes_its_inbox_at_once() {
    let mut f = in_the_handshake_window(|_| {});
    let id = f.request("svc", 60_000);
    let sent = f.sent();
    assert!(
        sent.starts_with("SUB _INBOX.") && sent.ends_with(".* 1\r\n"),
        "the inbox is subscribed in the window: {sent:?}"
    );
    reconnected(&mut f);
    let publish = f.sent();
    assert!(publish.starts_with("PUB svc _INBOX."), "{publish}");
    let reply = Fixture::reply_subject(&publish);
    f.input(&format!("MSG {reply} 1 2\r\nok\r\n"));
    assert!(matches!(&f.events()[..], [Event::Response { id: got, .. }] if *got == id));
    // Later requests use the same inbox, which the server now knows.
    let next = f.request("svc", 60_000);
    let reply = Fixture::reply_subject(&f.sent());
    f.input(&format!("MSG {reply} 1 2\r\nok\r\n"));
    assert!(matches!(&f.events()[..], [Event::Response { id: got, .. }] if *got == next));
}

#[test]
fn publishes_in_the_handshake_window_wait_for_the_pong_behind_control_ops() {
    let mut f = in_the_handshake_window(|_| {});
    f.conn.publish("p", None, None, b"1").unwrap();
    let sid = f.conn.subscribe("s", None).unwrap();
    assert_eq!(f.sent(), format!("SUB s {sid}\r\n"));
    f.input("PONG\r\n");
    assert_eq!(f.sent(), "PUB p 1\r\n1\r\n");
}
