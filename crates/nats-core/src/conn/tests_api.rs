//! The options and commands NATS users know from async-nats (issue 10), with scripted server
//! bytes and a fake clock: no_echo, headers refused by the server, the reconnect delay
//! callback, retrying the first connect, forcing a reconnect, measuring the round trip, the
//! connection state before any server answered, inboxes of the user's own.

use std::sync::{Arc, Mutex};

use super::test_fixture::{with_servers, Fixture, INFO};
use super::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// An INFO from a server that speaks protocol 1 (nats-server always does).
const INFO_PROTO_1: &str =
    "INFO {\"server_id\":\"S1\",\"proto\":1,\"headers\":true,\"max_payload\":1024}\r\n";

/// An INFO from a server started with `no_header_support: true`.
const INFO_NO_HEADERS: &str =
    "INFO {\"server_id\":\"S1\",\"proto\":1,\"headers\":false,\"max_payload\":1024}\r\n";

#[test]
fn no_echo_sends_echo_false_in_connect() {
    let mut f = Fixture::new(ConnectOptions::new().no_echo());
    let sent = f.handshake(INFO_PROTO_1);
    assert!(sent.contains("\"echo\":false"), "{sent}");
    assert!(matches!(f.events()[..], [Event::Connected(_)]));

    let mut f = Fixture::new(ConnectOptions::new());
    let sent = f.handshake(INFO_PROTO_1);
    assert!(sent.contains("\"echo\":true"), "{sent}");
}

#[test]
fn no_echo_with_a_server_below_protocol_1_closes_with_a_typed_reason_and_sends_nothing() {
    let mut f = Fixture::new(ConnectOptions::new().no_echo());
    f.input("INFO {\"server_id\":\"OLD\",\"proto\":0,\"headers\":true}\r\n");
    assert_eq!(f.sent(), "", "no CONNECT that the server would not honour");
    assert_eq!(f.events(), [Event::Closed(CloseReason::NoEchoNotSupported)]);
}

#[test]
fn a_publish_with_headers_is_refused_when_the_server_says_headers_false() {
    let mut f = Fixture::new(ConnectOptions::new());
    f.handshake(INFO_NO_HEADERS);
    f.sent();
    let mut headers = HeaderMap::new();
    headers.insert("k", "v").unwrap();
    assert_eq!(
        f.conn.publish("s", None, Some(&headers), b"x"),
        Err(CommandError::HeadersNotSupported)
    );
    assert_eq!(
        f.conn
            .request(f.now, "s", Some(&headers), b"x", Duration::from_secs(1))
            .map(|_| ()),
        Err(CommandError::HeadersNotSupported)
    );
    f.conn.publish("s", None, None, b"x").unwrap();
    assert_eq!(f.sent(), "PUB s 1\r\nx\r\n", "no HPUB reached the wire");
}

#[test]
fn while_reconnecting_headers_follow_the_last_server() {
    let mut f = Fixture::new(with_servers(&["nats://a:1"]));
    f.transports();
    f.handshake(INFO_NO_HEADERS);
    f.lose_transport();
    let mut headers = HeaderMap::new();
    headers.insert("k", "v").unwrap();
    f.advance_to_deadline(); // the attempt: the last server's INFO is what is known
    assert_eq!(
        f.conn.publish("s", None, Some(&headers), b"x"),
        Err(CommandError::HeadersNotSupported)
    );
    // A server with headers: HPUB is fine again.
    f.handshake(INFO);
    f.conn.publish("s", None, Some(&headers), b"x").unwrap();
}

#[test]
fn the_reconnect_delay_callback_decides_every_wait_with_the_attempt_number() {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    let options = with_servers(&["nats://a:1"])
        .max_reconnects(None)
        .reconnect_delay_callback(move |attempts| {
            log.lock().unwrap().push(attempts);
            Duration::from_millis(100 * attempts as u64)
        });
    let mut f = Fixture::connected_to(options);
    f.lose_transport();
    for attempt in 1..=4u64 {
        // Each wait is the callback's: no jitter, no pacing of the one server.
        assert_eq!(
            f.advance_to_deadline(),
            Duration::from_millis(100 * attempt)
        );
        f.transports();
        f.lose_transport(); // the attempt fails
    }
    assert_eq!(*asked.lock().unwrap(), [1, 2, 3, 4, 5]);
    assert_eq!(
        f.conn.poll_timeout(),
        Some(f.now + Duration::from_millis(500))
    );

    // Connected again: the count starts over.
    f.advance_to_deadline();
    f.handshake(INFO);
    f.lose_transport();
    assert_eq!(asked.lock().unwrap().last(), Some(&1));
}

#[test]
fn a_reconnect_delay_callback_past_max_wait_is_cut_to_it() {
    let options = with_servers(&["nats://a:1"]).reconnect_delay_callback(|_| Duration::MAX);
    let mut f = Fixture::connected_to(options);
    f.lose_transport();
    assert_eq!(f.conn.poll_timeout(), Some(f.now + MAX_WAIT));
}

#[test]
fn the_connection_timeout_bounds_each_attempt() {
    let options = ConnectOptions::new().connection_timeout(Duration::from_secs(3));
    let mut f = Fixture::new(options);
    assert_eq!(f.conn.poll_timeout(), Some(f.now + Duration::from_secs(3)));
    f.advance(Duration::from_secs(3));
    assert_eq!(f.events(), [Event::Closed(CloseReason::ConnectTimeout)]);
}

#[test]
fn without_retry_on_initial_connect_a_failed_first_connect_closes() {
    let mut f = Fixture::new(with_servers(&["nats://a:1"]));
    f.transports();
    f.lose_transport();
    assert!(f.conn.is_closed());
}

#[test]
fn retry_on_initial_connect_keeps_trying_with_reconnect_waits_until_a_server_answers() {
    let options = with_servers(&["nats://a:1"])
        .retry_on_initial_connect()
        .max_reconnects(None)
        .reconnect_jitter(Duration::ZERO);
    let mut f = Fixture::new(options);
    let sub = f.conn.subscribe("early", None).unwrap();
    f.conn.publish("early", None, None, b"held").unwrap();
    f.transports();
    for attempt in 1..=3 {
        f.lose_transport();
        assert!(!f.conn.is_closed());
        // The one server is tried once per reconnect wait.
        assert_eq!(f.advance_to_deadline(), Duration::from_secs(2));
        let events = f.events();
        assert!(
            events.contains(&Event::Reconnecting {
                attempt,
                url: "nats://a:1".into()
            }),
            "{events:?}"
        );
        assert_eq!(
            f.transports(),
            [Transport::Close, Transport::Open("nats://a:1".into())]
        );
    }
    let sent = f.handshake(INFO);
    assert!(
        sent.contains(&format!("SUB early {sid}", sid = sub)),
        "{sent}"
    );
    assert!(f.sent().contains("PUB early 4\r\nheld"));
    assert!(
        matches!(f.events()[..], [Event::Connected(_)]),
        "the first connect is reported as Connected, not Reconnected"
    );
}

#[test]
fn retry_on_initial_connect_gives_up_after_max_reconnects() {
    let options = with_servers(&["nats://a:1"])
        .retry_on_initial_connect()
        .max_reconnects(Some(2));
    let mut f = Fixture::new(options);
    f.transports();
    for _ in 0..2 {
        f.lose_transport();
        f.advance_to_deadline();
    }
    f.lose_transport();
    assert!(matches!(
        f.conn.phase(),
        Phase::Closed(CloseReason::ReconnectsExhausted { attempts: 2, .. })
    ));
}

#[test]
fn force_reconnect_drops_the_transport_and_reconnects_at_once_keeping_everything() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    let sub = f.conn.subscribe("s", None).unwrap();
    let request = f
        .conn
        .request(f.now, "svc", None, b"", Duration::from_secs(60))
        .unwrap();
    f.sent();
    f.events();

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
        "{events:?}: the request is not failed"
    );
    f.conn.publish("s", None, None, b"meanwhile").unwrap();
    // At once, although the one server was tried less than a reconnect wait ago.
    assert_eq!(f.conn.poll_timeout(), Some(f.now));
    f.advance_to_deadline();
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("nats://a:1".into())]
    );
    let sent = f.handshake(INFO);
    assert!(sent.contains(&format!("SUB s {sub}\r\n")), "{sent}");
    assert!(sent.contains("SUB _INBOX."), "the request's inbox: {sent}");
    assert!(f.sent().contains("PUB s 9\r\nmeanwhile"));
    assert!(matches!(f.events().last(), Some(Event::Reconnected { .. })));
    let inbox_sid = sent
        .lines()
        .find(|l| l.starts_with("SUB _INBOX."))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .to_owned();
    let reply = format!("{}.{}", f.conn.inbox_prefix().unwrap(), request.0);
    f.input(&format!("MSG {reply} {inbox_sid} 2\r\nok\r\n"));
    assert!(matches!(&f.events()[..], [Event::Response { id, .. }] if *id == request));
}

#[test]
fn force_reconnect_while_reconnecting_skips_the_wait() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    f.lose_transport();
    f.advance_to_deadline();
    f.lose_transport(); // the first attempt failed: the next waits a reconnect wait
    assert!(f.conn.poll_timeout().unwrap() > f.now);
    f.conn.force_reconnect(f.now).unwrap();
    assert_eq!(f.conn.poll_timeout(), Some(f.now));
}

#[test]
fn force_reconnect_is_refused_without_servers_while_draining_and_once_closed() {
    let mut f = Fixture::connected();
    assert_eq!(f.conn.force_reconnect(f.now), Err(CommandError::NoServers));
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    f.conn.drain(f.now).unwrap();
    assert_eq!(f.conn.force_reconnect(f.now), Err(CommandError::Draining));
    f.conn.close();
    assert_eq!(f.conn.force_reconnect(f.now), Err(CommandError::Closed));
}

#[test]
fn rtt_times_a_ping_to_its_pong() {
    let mut f = Fixture::connected();
    f.sent();
    let id = f.conn.rtt(f.now).unwrap();
    assert_eq!(f.sent(), "PING\r\n");
    f.now += Duration::from_millis(42);
    f.input("PONG\r\n");
    assert_eq!(
        f.events(),
        [Event::Rtt {
            id,
            rtt: Ok(Duration::from_millis(42))
        }]
    );
}

#[test]
fn rtt_pongs_are_matched_in_order_with_flushes() {
    let mut f = Fixture::connected();
    let flush = f.conn.flush().unwrap();
    f.now += Duration::from_millis(5);
    let id = f.conn.rtt(f.now).unwrap();
    f.now += Duration::from_millis(10);
    f.input("PONG\r\n");
    f.now += Duration::from_millis(10);
    f.input("PONG\r\n");
    assert_eq!(
        f.events(),
        [
            Event::Flushed(flush),
            Event::Rtt {
                id,
                rtt: Ok(Duration::from_millis(20))
            }
        ]
    );
}

#[test]
fn rtt_is_refused_while_disconnected_and_fails_when_the_transport_is_lost() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    let id = f.conn.rtt(f.now).unwrap();
    f.lose_transport();
    let events = f.events();
    assert!(
        events.contains(&Event::Rtt {
            id,
            rtt: Err(RequestFailure::Disconnected)
        }),
        "{events:?}"
    );
    assert_eq!(f.conn.rtt(f.now), Err(CommandError::Disconnected));
    f.conn.close();
    assert_eq!(f.conn.rtt(f.now), Err(CommandError::Closed));

    let mut f = Fixture::connected();
    let id = f.conn.rtt(f.now).unwrap();
    f.conn.close();
    assert!(f.events().contains(&Event::Rtt {
        id,
        rtt: Err(RequestFailure::Closed)
    }));
}

#[test]
fn options_with_a_delay_callback_stay_clone_debug_comparable_and_send() {
    fn send_and_sync<T: Send + Sync>(_: &T) {}
    let options = ConnectOptions::new().reconnect_delay_callback(|_| Duration::from_secs(1));
    send_and_sync(&options);
    let copy = options.clone();
    assert_eq!(copy, options, "clones share the one function");
    let other = ConnectOptions::new().reconnect_delay_callback(|_| Duration::from_secs(1));
    assert_ne!(other, options, "another function, though it does the same");
    assert!(format!("{options:?}").contains("ReconnectDelayCallback(..)"));
}

#[test]
fn a_first_connect_whose_first_server_fails_is_still_pending_not_disconnected() {
    let mut f = Fixture::new(with_servers(&["nats://refuses:1", "nats://b:2"]));
    assert_eq!(f.conn.state(), State::Pending, "before any server answered");
    assert_eq!(f.transports(), [Transport::Open("nats://refuses:1".into())]);
    f.lose_transport(); // connection refused
    assert_eq!(f.conn.state(), State::Pending, "no server has answered yet");
    f.advance_to_deadline();
    assert_eq!(f.conn.state(), State::Pending, "trying the next one");
}

#[test]
fn new_inbox_is_a_fresh_subject_under_the_inbox_prefix_on_every_call() {
    let mut f = Fixture::new(ConnectOptions::new().inbox_prefix("my.replies"));
    let inboxes: Vec<String> = (0..100).map(|_| f.conn.new_inbox()).collect();
    for inbox in &inboxes {
        let nuid = inbox.strip_prefix("my.replies.").expect("under the prefix");
        assert_eq!(nuid.len(), 22, "{inbox}: <prefix>.<22-character nuid>");
        assert!(nuid.chars().all(|c| c.is_ascii_alphanumeric()), "{inbox}");
    }
    let mut distinct = inboxes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        inboxes.len(),
        "every call gives a new inbox"
    );
    assert_eq!(f.sent(), "", "nothing on the wire: it only names a subject");
}
