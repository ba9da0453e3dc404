//! Reconnect, failover and keepalive rules, with a fake clock: when attempts happen, what a new
//! transport is sent first, what survives a loss and what fails at once.

use super::test_fixture::{with_servers, Fixture, INFO};
use super::*;
// Also in the browser (`wasm-pack test -- --lib`): wasm32 is where the connection ships.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn a_lost_transport_fails_requests_at_once_and_retries_without_waiting() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1", "nats://b:2"]));
    let id = f
        .conn
        .request(f.now, "svc", None, b"", Duration::from_secs(60))
        .unwrap();
    f.sent();
    f.lose_transport();
    let events = f.events();
    assert!(matches!(&events[0], Event::Disconnected { url, .. } if url == "nats://a:1"));
    assert_eq!(
        events[1],
        Event::RequestFailed {
            id,
            kind: RequestFailure::Disconnected
        }
    );
    assert_eq!(f.conn.phase(), &Phase::Reconnecting);
    assert_eq!(f.advance_to_deadline(), Duration::ZERO);
    assert_eq!(
        f.events(),
        [Event::Reconnecting {
            attempt: 1,
            url: "nats://b:2".into()
        }]
    );
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("nats://b:2".into())]
    );
}

#[test]
fn a_new_transport_gets_connect_and_every_subscription_first_then_the_buffered_publishes() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    let plain = f.conn.subscribe("greet.*", None).unwrap();
    let queued = f.conn.subscribe("work", Some("q")).unwrap();
    let limited = f.conn.subscribe("n", None).unwrap();
    f.conn.unsubscribe(limited, Some(5)).unwrap();
    f.input(&format!(
        "MSG n {limited} 1\r\nx\r\nMSG n {limited} 1\r\nx\r\n"
    ));
    f.conn
        .request(f.now, "svc", None, b"", Duration::from_secs(60))
        .unwrap();
    f.sent();
    f.events();

    f.lose_transport();
    f.conn.publish("while.down", None, None, b"kept").unwrap();
    let flush = f.conn.flush().unwrap();
    assert_eq!(f.sent(), "", "nothing goes to a transport that is gone");
    f.advance_to_deadline();
    f.transports();

    f.input(INFO);
    let batch = f.sent();
    let lines: Vec<&str> = batch.lines().collect();
    assert!(lines[0].starts_with("CONNECT "), "{batch}");
    assert_eq!(lines[1], format!("SUB greet.* {plain}"));
    assert_eq!(lines[2], format!("SUB work q {queued}"));
    assert_eq!(lines[3], format!("SUB n {limited}"));
    assert_eq!(
        lines[4],
        format!("UNSUB {limited} 3"),
        "what is left of the limit"
    );
    assert!(
        lines[5].starts_with("SUB _INBOX.") && lines[5].ends_with(".* 4"),
        "{batch}"
    );
    assert_eq!(lines[6], "PING");
    assert_eq!(lines.len(), 7, "publishes wait for the PONG: {batch}");

    f.input("PONG\r\n");
    assert_eq!(f.sent(), "PUB while.down 4\r\nkept\r\nPING\r\n");
    assert!(
        matches!(f.events().last(), Some(Event::Reconnected { url, .. }) if url == "nats://a:1")
    );
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::Flushed(flush)]);
}

#[test]
fn publishes_past_the_reconnect_buffer_are_refused_and_nothing_before_them_is_lost() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]).reconnect_buffer_size(100));
    f.lose_transport();
    let mut accepted = 0;
    let refused = loop {
        match f.conn.publish("s", None, None, &[b'x'; 20]) {
            Ok(()) => accepted += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(refused, CommandError::BufferFull { limit: 100 });
    assert_eq!(accepted, 3, "each PUB of 20 bytes takes 30 on the wire");
    f.advance_to_deadline();
    f.handshake(INFO);
    assert_eq!(f.sent().matches("PUB s 20").count(), accepted);
}

#[test]
fn later_attempts_wait_the_reconnect_wait_plus_at_most_the_jitter() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    f.lose_transport();
    f.advance_to_deadline(); // attempt 1, at once
    for attempt in 2..20 {
        f.lose_transport(); // the attempt failed
        let waited = f.advance_to_deadline();
        assert!(
            (Duration::from_secs(2)..=Duration::from_millis(2100)).contains(&waited),
            "attempt {attempt} waited {waited:?}"
        );
    }
}

#[test]
fn refused_credentials_double_the_wait_up_to_a_limit() {
    let mut f =
        Fixture::connected_to(with_servers(&["nats://a:1"]).reconnect_jitter(Duration::ZERO));
    f.lose_transport();
    f.advance_to_deadline();
    let mut waits = Vec::new();
    for _ in 0..8 {
        f.input(INFO);
        f.input("-ERR 'Authorization Violation'\r\n");
        waits.push(f.advance_to_deadline().as_secs());
    }
    assert_eq!(waits, [4, 8, 16, 30, 30, 30, 30, 30]);
    assert!(f.events().iter().any(|e| matches!(
        e,
        Event::Disconnected {
            reason: CloseReason::Server(ServerError {
                kind: ServerErrorKind::AuthorizationViolation,
                ..
            }),
            ..
        }
    )));
}

#[test]
fn a_healthy_connection_never_goes_stale_however_late_the_timer_fires() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    for late in [10, 60, 600, 3600] {
        f.advance(Duration::from_secs(late));
        assert_eq!(f.sent(), "PING\r\n");
        f.input("PONG\r\n"); // the network delivers it whenever the timer ran
    }
    assert_eq!(f.conn.phase(), &Phase::Connected);
}

#[test]
fn unanswered_pings_count_as_missed_by_their_own_deadline_then_the_client_moves_on() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1", "nats://b:2"]));
    f.advance(Duration::from_secs(10)); // PING 1
    f.advance(Duration::from_secs(10)); // PING 1 missed; PING 2
    assert_eq!(f.sent(), "PING\r\nPING\r\n");
    assert_eq!(f.conn.phase(), &Phase::Connected);
    f.advance(Duration::from_secs(10)); // both missed: stale at interval × (max + 1)
    assert!(f.events().iter().any(|e| matches!(
        e,
        Event::Disconnected {
            reason: CloseReason::StaleConnection,
            ..
        }
    )));
    assert_eq!(f.transports()[0], Transport::Close);
}

#[test]
fn announced_servers_join_the_pool_with_the_current_scheme_unless_ignored() {
    let mut f = Fixture::connected_to(with_servers(&["ws://a:1"]));
    f.input("INFO {\"server_id\":\"A\",\"connect_urls\":[\"b:2\",\"c:3\"]} \r\n");
    let urls: Vec<_> = f.conn.servers().urls().collect();
    assert_eq!(
        urls,
        [("ws://a:1", false), ("ws://b:2", true), ("ws://c:3", true)]
    );

    let mut f = Fixture::connected_to(with_servers(&["ws://a:1"]).ignore_discovered_servers(true));
    f.input("INFO {\"server_id\":\"A\",\"connect_urls\":[\"b:2\"]} \r\n");
    assert_eq!(f.conn.servers().len(), 1);
}

#[test]
fn lame_duck_mode_moves_to_another_server_before_the_old_one_goes() {
    let mut f = Fixture::connected_to(with_servers(&["ws://a:1"]));
    f.input("INFO {\"server_id\":\"A\",\"ldm\":true,\"connect_urls\":[\"b:2\"]} \r\n");
    assert!(f.events().contains(&Event::LameDuckMode {
        url: "ws://a:1".into()
    }));
    f.advance_to_deadline(); // the random wait: the move's PING
    assert_eq!(f.sent(), "PING\r\n");
    f.input("PONG\r\n");
    assert!(f.events().iter().any(|e| matches!(
        e,
        Event::Disconnected {
            reason: CloseReason::LameDuckMode,
            ..
        }
    )));
    f.advance_to_deadline();
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("ws://b:2".into())]
    );
}

#[test]
fn the_first_connect_tries_each_server_once_then_gives_up() {
    let mut f = Fixture::new(with_servers(&["nats://a:1", "nats://b:2"]));
    assert_eq!(f.transports(), [Transport::Open("nats://a:1".into())]);
    f.lose_transport();
    f.advance_to_deadline();
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("nats://b:2".into())]
    );
    f.lose_transport();
    assert!(matches!(
        f.events().last(),
        Some(Event::Closed(CloseReason::TransportClosed(_)))
    ));
}

#[test]
fn reconnecting_stops_after_max_reconnects() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]).max_reconnects(Some(3)));
    f.lose_transport();
    for _ in 0..3 {
        f.advance_to_deadline();
        f.lose_transport();
    }
    assert!(matches!(
        f.events().last(),
        Some(Event::Closed(CloseReason::ReconnectsExhausted {
            attempts: 3,
            ..
        }))
    ));
}

#[test]
fn subscriptions_drained_while_disconnected_end_at_once() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    let sid = f.conn.subscribe("a", None).unwrap();
    f.conn.drain_subscription(sid).unwrap();
    f.lose_transport(); // before the drain's PONG
    assert!(f.events().contains(&Event::SubscriptionDrained { sid }));
    f.advance_to_deadline();
    let batch = f.handshake(INFO);
    assert!(
        !batch.contains("SUB a "),
        "a drained subscription is not restored: {batch}"
    );
}

#[test]
fn closing_while_disconnected_reports_the_buffered_publishes_it_never_sent() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    f.lose_transport();
    f.events();
    f.conn.publish("a", None, None, b"one").unwrap();
    f.conn.publish("b", None, None, b"two").unwrap();
    f.conn.close();
    let events = f.events();
    let n = events.len();
    assert!(n >= 2, "{events:?}");
    assert_eq!(
        events[n - 2..],
        [
            Event::HeldPublishesDiscarded {
                messages: 2,
                bytes: "PUB a 3\r\none\r\nPUB b 3\r\ntwo\r\n".len()
            },
            Event::Closed(CloseReason::ClosedByClient)
        ]
    );
}
