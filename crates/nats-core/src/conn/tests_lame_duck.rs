//! Lame-duck mode, with a fake clock: the connection reports it, keeps serving, and moves to
//! another server after a random delay within the lame-duck window, dropping nothing.

use super::test_fixture::{Fixture, INFO};
use super::*;
// Also in the browser (`wasm-pack test -- --lib`): wasm32 is where the connection ships.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const LDM_INFO: &str =
    "INFO {\"server_id\":\"A\",\"ldm\":true,\"max_payload\":1024,\"connect_urls\":[\"b:2\"]} \r\n";

fn two_servers() -> ConnectOptions {
    ConnectOptions::new()
        .servers(["ws://a:1"])
        .randomize(false)
        .ping_interval(Duration::from_secs(60))
        .lame_duck_window(Duration::from_secs(10))
}

#[test]
fn messages_and_replies_after_the_lame_duck_info_in_the_same_read_are_handled() {
    let mut f = Fixture::connected_to(two_servers());
    let sid = f.conn.subscribe("s", None).unwrap();
    let id = f.request("svc", 60_000);
    let reply = Fixture::reply_subject(&f.sent());
    f.input(&format!(
        "{LDM_INFO}MSG s {sid} 1\r\nx\r\nMSG {reply} 2 2\r\nok\r\n"
    ));
    let events = f.events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Message { sid: s, .. } if *s == sid)),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Response { id: got, .. } if *got == id)),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Disconnected { .. } | Event::RequestFailed { .. })),
        "{events:?}"
    );
    assert_eq!(f.conn.phase(), &Phase::Connected);
}

#[test]
fn lame_duck_mode_is_reported_and_the_move_comes_at_a_random_time_within_the_window() {
    let mut waits = Vec::new();
    for _ in 0..20 {
        let mut f = Fixture::connected_to(two_servers());
        f.input(LDM_INFO);
        assert!(f.events().contains(&Event::LameDuckMode {
            url: "ws://a:1".into()
        }));
        let wait = f.conn.poll_timeout().unwrap() - f.now;
        assert!(wait <= Duration::from_secs(10), "{wait:?}");
        waits.push(wait);
    }
    waits.sort();
    waits.dedup();
    assert!(
        waits.len() > 1,
        "every client would move at the same instant"
    );
}

#[test]
fn the_move_drops_nothing_and_fails_no_request_in_flight() {
    let mut f = Fixture::connected_to(two_servers());
    f.input(LDM_INFO);
    let id = f.request("svc", 60_000);
    f.sent();
    f.events();
    f.advance_to_deadline(); // time to move: a PING first
    assert_eq!(f.sent(), "PING\r\n");
    // Publishes made while the old server confirms are held for the next one.
    f.conn.publish("during.move", None, None, b"1").unwrap();
    assert_eq!(f.sent(), "");
    f.input("PONG\r\n");
    let events = f.events();
    assert!(
        matches!(
            &events[..],
            [Event::Disconnected {
                reason: CloseReason::LameDuckMode,
                ..
            }]
        ),
        "the request is not failed: {events:?}"
    );
    f.advance_to_deadline();
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("ws://b:2".into())]
    );
    let batch = f.handshake(INFO);
    assert!(batch.contains(".* 1\r\n"), "the inbox is restored: {batch}");
    let sent = f.sent();
    assert_eq!(sent, "PUB during.move 1\r\n1\r\n");
    assert!(matches!(
        f.events().last(),
        Some(Event::Reconnected { url, .. }) if url == "ws://b:2"
    ));
    // The reply, published after the move, comes through the new server.
    f.input("MSG _INBOX.x.1 1 0\r\n\r\n"); // not our inbox: ignored
    let reply_subject = format!("{}.1", f.conn.inbox.as_ref().unwrap().prefix);
    f.input(&format!("MSG {reply_subject} 1 2\r\nok\r\n"));
    assert!(matches!(&f.events()[..], [Event::Response { id: got, .. }] if *got == id));
}

#[test]
fn without_another_server_a_lame_duck_server_is_kept_until_it_closes() {
    let mut f = Fixture::connected_to(
        ConnectOptions::new()
            .servers(["ws://a:1"])
            .ignore_discovered_servers(true),
    );
    f.input(LDM_INFO);
    assert!(f.events().contains(&Event::LameDuckMode {
        url: "ws://a:1".into()
    }));
    f.advance(Duration::from_secs(11));
    assert_eq!(f.conn.phase(), &Phase::Connected);
    assert!(f.transports().is_empty());
}

#[test]
fn lame_duck_mode_announced_during_the_handshake_still_moves_once_connected() {
    let mut f = Fixture::new(two_servers().connect_timeout(Duration::from_secs(30)));
    f.transports();
    f.input(INFO);
    f.input(LDM_INFO);
    f.advance(Duration::from_secs(11)); // the wait ends before the PONG
    f.sent();
    f.input("PONG\r\n");
    assert!(f.events().contains(&Event::LameDuckMode {
        url: "ws://a:1".into()
    }));
    f.advance_to_deadline();
    assert_eq!(f.sent(), "PING\r\n", "the move starts");
}
