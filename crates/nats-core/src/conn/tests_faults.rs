//! Faults of the transport's life, with a fake clock: bytes that do not parse, requests that
//! fail while their publish is still buffered, a server that accepts and then drops every
//! connection, an inbox prefix that would not be a subject, and what the statistics count.

use super::test_fixture::{with_servers, Fixture, INFO};
use super::*;
use crate::proto::validate::ValidationError;
// Also in the browser (`wasm-pack test -- --lib`): wasm32 is where the connection ships.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn published_subjects(sent: &str) -> Vec<&str> {
    sent.lines()
        .filter(|l| l.starts_with("PUB ") || l.starts_with("HPUB "))
        .filter_map(|l| l.split(' ').nth(1))
        .collect()
}

#[test]
fn a_parse_error_reconnects_like_any_transport_loss_when_there_are_servers_to_try() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1", "nats://b:2"]));
    let sid = f.conn.subscribe("kept", None).unwrap();
    f.sent();
    f.input("NOT-NATS at all\r\n");
    let events = f.events();
    assert!(
        matches!(
            &events[..],
            [Event::Disconnected {
                reason: CloseReason::Protocol(_),
                ..
            }]
        ),
        "{events:?}"
    );
    assert_eq!(f.conn.phase(), &Phase::Reconnecting);
    f.advance_to_deadline();
    assert_eq!(
        f.transports(),
        [Transport::Close, Transport::Open("nats://b:2".into())]
    );
    let batch = f.handshake(INFO);
    assert!(batch.contains(&format!("SUB kept {sid}\r\n")), "{batch}");
}

#[test]
fn a_parse_error_closes_only_without_a_server_to_try() {
    let mut f = Fixture::connected();
    f.input("NOT-NATS at all\r\n");
    assert!(matches!(
        f.events().last(),
        Some(Event::Closed(CloseReason::Protocol(_)))
    ));
}

#[test]
fn a_request_that_failed_while_disconnected_never_reaches_the_wire() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    f.lose_transport();
    f.advance_to_deadline(); // an attempt is under way
    f.conn.publish("before", None, None, b"1").unwrap();
    let timed_out = f.request("timed.out", 100);
    f.conn.publish("between", None, None, b"2").unwrap();
    f.advance(Duration::from_millis(100));
    assert!(f.events().contains(&Event::RequestFailed {
        id: timed_out,
        kind: RequestFailure::TimedOut
    }));
    let disconnected = f.request("failed.attempt", 60_000);
    f.conn.publish("after", None, None, b"3").unwrap();
    f.lose_transport(); // the attempt failed
    assert!(f.events().contains(&Event::RequestFailed {
        id: disconnected,
        kind: RequestFailure::Disconnected
    }));
    f.advance_to_deadline();
    f.handshake(INFO);
    let sent = f.sent();
    assert_eq!(
        published_subjects(&sent),
        ["before", "between", "after"],
        "{sent}"
    );
}

#[test]
fn a_server_that_accepts_then_drops_sees_at_most_one_attempt_per_reconnect_wait() {
    for servers in [&["nats://a:1"][..], &["nats://a:1", "nats://b:2"]] {
        let mut f = Fixture::new(with_servers(servers));
        let start = f.now;
        let mut attempts: Vec<(String, Instant)> = Vec::new();
        while f.now <= start + Duration::from_secs(10) && attempts.len() < 1000 {
            for t in f.transports() {
                if let Transport::Open(url) = t {
                    attempts.push((url, f.now));
                }
            }
            f.handshake(INFO); // the handshake succeeds ...
            f.lose_transport(); // ... and the server drops the connection at once
            f.advance_to_deadline();
        }
        for server in servers {
            let times: Vec<Instant> = attempts
                .iter()
                .filter(|(url, _)| url == server)
                .map(|(_, at)| *at)
                .collect();
            assert!(
                times.len() <= 6,
                "{} attempts on {server} in 10 s",
                times.len()
            );
            for pair in times.windows(2) {
                assert!(pair[1] - pair[0] >= Duration::from_secs(2), "{times:?}");
            }
        }
    }
}

#[test]
fn an_inbox_prefix_too_long_for_the_inbox_sub_line_is_refused_at_connect() {
    // SUB <prefix>.<22-character nuid>.* <sid>\r\n, with room for the longest sid.
    let fits = 4096 - "SUB ..* 18446744073709551615\r\n".len() - 22;
    let mut f = Fixture::new(with_servers(&["nats://a:1"]).inbox_prefix("p".repeat(fits)));
    assert!(!f.conn.is_closed(), "the longest prefix that fits");
    assert_ne!(f.transports(), [Transport::Close]);
    let mut f = Fixture::new(with_servers(&["nats://a:1"]).inbox_prefix("p".repeat(fits + 1)));
    assert_eq!(f.transports(), [Transport::Close], "no transport is opened");
    assert!(matches!(
        &f.events()[..],
        [Event::Closed(CloseReason::InvalidInboxPrefix(
            ValidationError::ControlLineTooLong { max: 4096, .. }
        ))]
    ));
    // A server that takes longer lines takes a longer prefix.
    let options = with_servers(&["nats://a:1"])
        .inbox_prefix("p".repeat(fits + 1))
        .max_control_line(8192);
    assert!(!Fixture::new(options).conn.is_closed());
}

#[test]
fn an_inbox_prefix_that_is_not_a_literal_subject_is_refused_at_connect() {
    for prefix in ["my inbox", "_INBOX.*", "a.>", "", "a..b", "tab\tbed"] {
        let mut f = Fixture::new(with_servers(&["nats://a:1"]).inbox_prefix(prefix));
        f.transports();
        f.handshake(INFO);
        let _ = f
            .conn
            .request(f.now, "svc", None, b"", Duration::from_secs(1));
        let sent = f.sent();
        assert!(
            !sent.contains(&format!("SUB {prefix}")),
            "{prefix:?}: {sent:?}"
        );
        assert!(f.conn.is_closed(), "{prefix:?}");
    }
    let mut f = Fixture::new(with_servers(&["nats://a:1"]).inbox_prefix("my inbox"));
    assert_eq!(f.transports(), [Transport::Close], "no transport is opened");
    assert!(matches!(
        &f.events()[..],
        [Event::Closed(CloseReason::InvalidInboxPrefix(
            ValidationError::InvalidSubject(p)
        ))] if p == "my inbox"
    ));
    assert_eq!(
        f.conn
            .request(f.now, "svc", None, b"", Duration::from_secs(1)),
        Err(CommandError::Closed)
    );
}

#[test]
fn held_publishes_over_a_smaller_max_payload_after_a_reconnect_are_reported_and_the_rest_go_out() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]));
    f.lose_transport();
    f.advance_to_deadline();
    f.conn.publish("small.1", None, None, &[b'x'; 10]).unwrap();
    f.conn.publish("big", None, None, &[b'x'; 600]).unwrap();
    let big_request = f.conn.request(
        f.now,
        "big.request",
        None,
        &[b'x'; 600],
        Duration::from_secs(60),
    );
    let big_request = big_request.unwrap();
    f.conn.publish("small.2", None, None, &[b'x'; 10]).unwrap();
    f.events();
    let smaller = INFO.replace("\"max_payload\":1024", "\"max_payload\":512");
    f.handshake(&smaller);
    let sent = f.sent();
    assert_eq!(published_subjects(&sent), ["small.1", "small.2"], "{sent}");
    let events = f.events();
    let too_big = |size| ValidationError::MaxPayloadExceeded { size, max: 512 };
    assert_eq!(
        events[..3],
        [
            Event::PublishDropped {
                subject: "big".into(),
                request: None,
                reason: too_big(600),
            },
            Event::PublishDropped {
                subject: "big.request".into(),
                request: Some(big_request),
                reason: too_big(600),
            },
            Event::RequestFailed {
                id: big_request,
                kind: RequestFailure::Disconnected
            },
        ],
        "{events:?}"
    );
    assert!(matches!(events.last(), Some(Event::Reconnected { .. })));
    assert_eq!(f.conn.phase(), &Phase::Connected);
}

#[test]
fn statistics_count_header_bytes_in_and_out() {
    let mut f = Fixture::connected();
    let sid = f.conn.subscribe("s", None).unwrap();
    let mut headers = HeaderMap::new();
    headers.append("A", "b").unwrap();
    let header_len = headers.encoded_len();
    f.conn.publish("s", None, Some(&headers), b"hi").unwrap();
    let hmsg = format!(
        "HMSG s {sid} {header_len} {}\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n",
        header_len + 2
    );
    f.input(&hmsg);
    let stats = f.conn.statistics();
    assert_eq!(stats.out_bytes, (header_len + 2) as u64);
    assert_eq!(stats.in_bytes, (header_len + 2) as u64);
}

#[test]
fn durations_as_long_as_duration_max_are_taken_as_very_long_never_as_a_panic() {
    let options = with_servers(&["nats://a:1", "nats://b:2"])
        .ping_interval(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .drain_timeout(Duration::MAX)
        .reconnect_wait(Duration::MAX)
        .reconnect_jitter(Duration::MAX)
        .lame_duck_window(Duration::MAX);
    let mut f = Fixture::connected_to(options);
    f.conn
        .request(f.now, "svc", None, b"", Duration::MAX)
        .unwrap();
    f.conn.flush_within(f.now, Duration::MAX).unwrap();
    f.input("INFO {\"server_id\":\"A\",\"proto\":1,\"headers\":true,\"ldm\":true,\"connect_urls\":[\"b:2\"]} \r\n");
    f.lose_transport();
    f.advance(Duration::from_secs(3600));
    f.lose_transport();
    assert!(f.conn.poll_timeout().is_some());
    f.conn.drain(f.now).ok();
}

#[test]
fn a_zero_ping_interval_sends_no_keepalive_pings() {
    let mut f = Fixture::connected_to(with_servers(&["nats://a:1"]).ping_interval(Duration::ZERO));
    f.sent();
    f.advance(Duration::from_secs(3600));
    assert_eq!(f.sent(), "");
    assert_eq!(f.conn.phase(), &Phase::Connected);
}

#[test]
fn while_reconnecting_publishes_are_checked_against_the_last_servers_max_payload() {
    let mut f = Fixture::new(with_servers(&["nats://a:1"]));
    f.handshake(
        "INFO {\"server_id\":\"A\",\"proto\":1,\"headers\":true,\"max_payload\":8388608} \r\n",
    );
    f.input("PONG\r\n");
    f.lose_transport();
    let two_mib = vec![b'x'; 2 << 20];
    f.conn.publish("big", None, None, &two_mib).unwrap();
    f.advance_to_deadline(); // the next attempt: no INFO from the new transport yet
    assert_eq!(f.conn.phase(), &Phase::AwaitInfo);
    assert_eq!(f.conn.publish("big", None, None, &two_mib), Ok(()));
}

#[test]
fn a_long_line_dripped_byte_by_byte_is_read_whole() {
    let mut f = Fixture::connected();
    let sid = f.conn.subscribe("long.>", None).unwrap();
    f.sent();
    let subject = format!("long.{}", "x".repeat(20_000));
    let op = format!("MSG {subject} {sid} 2\r\nhi\r\n");
    for byte in op.as_bytes() {
        f.conn.handle_input(f.now, std::slice::from_ref(byte));
    }
    let events = f.events();
    assert!(
        matches!(&events[..], [Event::Message { message, .. }] if message.subject == subject),
        "{} events",
        events.len()
    );
}

#[test]
fn a_frame_of_many_tiny_messages_is_handed_over_in_bounded_batches_in_order() {
    let mut f = Fixture::connected();
    let sid = f.conn.subscribe("a", None).unwrap();
    f.sent();
    let total = 2 * MAX_OPS_PER_INPUT + 100;
    let frame: String = (0..total)
        .map(|i| {
            let body = (i % 10).to_string();
            format!("MSG a {sid} 1\r\n{body}\r\n")
        })
        .collect();
    f.conn.handle_input(f.now, frame.as_bytes());
    let mut batches = Vec::new();
    let mut bodies = Vec::new();
    loop {
        let events = f.events();
        batches.push(events.len());
        for event in events {
            if let Event::Message { message, .. } = event {
                bodies.push(message.payload);
            }
        }
        // The rest waits for a deadline that is already due.
        match f.conn.poll_timeout() {
            Some(at) if at <= f.now => f.conn.handle_timeout(f.now),
            _ => break,
        }
    }
    assert!(
        batches.iter().all(|n| *n <= MAX_OPS_PER_INPUT),
        "{batches:?}"
    );
    assert_eq!(bodies.len(), total);
    assert!(bodies
        .iter()
        .enumerate()
        .all(|(i, body)| *body == (i % 10).to_string().into_bytes()));
}
