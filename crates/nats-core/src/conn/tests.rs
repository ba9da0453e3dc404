//! Scenarios for the state machine, driven byte by byte with a fake clock: what goes on the
//! wire, and which events come out, in which order.

use super::test_fixture::{Fixture, INFO};
use super::*;
use crate::proto::validate::ValidationError;
// Also in the browser (`wasm-pack test -- --lib`): wasm32 is where the connection ships.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn message_payloads(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message { message, .. } => {
                Some(String::from_utf8_lossy(&message.payload).into_owned())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn handshake_sends_connect_subscriptions_and_ping_after_info_and_holds_publishes_until_pong() {
    let mut f = Fixture::new(ConnectOptions::new().name("page").token("t0k"));
    let sid = f.conn.subscribe("greet.*", None).unwrap();
    f.conn.publish("greet.joe", None, None, b"early").unwrap();
    assert_eq!(f.sent(), "", "nothing before INFO");

    f.input(INFO);
    let handshake = f.sent();
    assert!(
        handshake.starts_with("CONNECT {")
            && handshake.ends_with(&format!("}}\r\nSUB greet.* {sid}\r\nPING\r\n")),
        "{handshake}"
    );
    for field in [
        "\"verbose\":false",
        "\"pedantic\":false",
        "\"protocol\":1",
        "\"headers\":true",
        "\"no_responders\":true",
        "\"echo\":true",
        "\"name\":\"page\"",
        "\"auth_token\":\"t0k\"",
        "\"lang\":\"rust-wasm\"",
    ] {
        assert!(handshake.contains(field), "{field} in {handshake}");
    }
    assert!(!handshake.contains("PUB"), "publishes held until connected");
    assert_eq!(f.conn.phase(), &Phase::Handshake);

    f.input("PONG\r\n");
    assert_eq!(f.conn.phase(), &Phase::Connected);
    assert_eq!(f.sent(), "PUB greet.joe 5\r\nearly\r\n");
    match &f.events()[..] {
        [Event::Connected(info)] => assert_eq!(info.server_name, "test"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_server_without_headers_is_not_asked_for_no_responders() {
    let mut f = Fixture::new(ConnectOptions::new().user_and_password("u", "p"));
    f.input("INFO {\"server_id\":\"old\",\"headers\":false} \r\n");
    let sent = f.sent();
    assert!(
        sent.contains("\"headers\":false") && sent.contains("\"no_responders\":false"),
        "{sent}"
    );
    assert!(
        sent.contains("\"user\":\"u\"") && sent.contains("\"pass\":\"p\""),
        "{sent}"
    );
}

#[test]
fn no_info_or_no_pong_within_the_connect_timeout_closes() {
    let mut f = Fixture::new(ConnectOptions::new().connect_timeout(Duration::from_secs(2)));
    assert_eq!(f.conn.poll_timeout(), Some(f.now + Duration::from_secs(2)));
    f.advance(Duration::from_millis(1999));
    assert!(!f.conn.is_closed());
    f.advance(Duration::from_millis(1));
    assert_eq!(f.events(), [Event::Closed(CloseReason::ConnectTimeout)]);

    let mut f = Fixture::new(ConnectOptions::new().connect_timeout(Duration::from_secs(2)));
    f.input(INFO);
    f.advance(Duration::from_secs(2));
    assert_eq!(f.events(), [Event::Closed(CloseReason::ConnectTimeout)]);
    assert_eq!(f.conn.poll_timeout(), None);
}

#[test]
fn server_pings_are_answered_even_during_the_handshake() {
    let mut f = Fixture::new(ConnectOptions::new());
    f.input(INFO);
    f.sent();
    f.input("PING\r\n");
    assert_eq!(f.sent(), "PONG\r\n");
}

#[test]
fn a_request_subscribes_the_inbox_once_before_its_first_publish() {
    let mut f = Fixture::connected();
    f.request("greet.joe", 500);
    f.request("greet.sue", 500);
    let sent = f.sent();
    let lines: Vec<&str> = sent.lines().collect();
    assert!(
        lines[0].starts_with("SUB _INBOX.") && lines[0].ends_with(".* 1"),
        "{sent}"
    );
    let prefix = lines[0].split(' ').nth(1).unwrap().trim_end_matches('*');
    assert!(
        lines[1].starts_with(&format!("PUB greet.joe {prefix}")),
        "{sent}"
    );
    assert!(
        lines[3].starts_with(&format!("PUB greet.sue {prefix}")),
        "{sent}"
    );
    assert_eq!(sent.matches("SUB ").count(), 1);
    assert_eq!(prefix.len(), "_INBOX.".len() + 22 + 1);
}

#[test]
fn a_reply_completes_its_request_and_later_replies_are_dropped() {
    let mut f = Fixture::connected();
    let id = f.request("greet.joe", 500);
    let reply = Fixture::reply_subject(&f.sent());
    f.input(&format!(
        "MSG {reply} 1 10\r\nhello, joe\r\nMSG {reply} 1 6\r\nsecond\r\n"
    ));
    match &f.events()[..] {
        [Event::Response { id: got, message }] => {
            assert_eq!(*got, id);
            assert_eq!(message.payload, b"hello, joe");
        }
        other => panic!("{other:?}"),
    }
    f.advance(Duration::from_secs(1));
    assert_eq!(f.events(), [], "no timeout after the reply");
}

#[test]
fn a_request_times_out_at_its_deadline_and_a_late_reply_is_dropped() {
    let mut f = Fixture::connected();
    let slow = f.request("slow", 500);
    let reply = Fixture::reply_subject(&f.sent());
    f.advance(Duration::from_millis(200));
    let fast = f.request("fast", 100);
    assert_eq!(
        f.conn.poll_timeout(),
        Some(f.now + Duration::from_millis(100))
    );
    f.advance(Duration::from_millis(100));
    assert_eq!(
        f.events(),
        [Event::RequestFailed {
            id: fast,
            kind: RequestFailure::TimedOut
        }]
    );
    f.advance(Duration::from_millis(199));
    assert_eq!(f.events(), []);
    f.advance(Duration::from_millis(1));
    assert_eq!(
        f.events(),
        [Event::RequestFailed {
            id: slow,
            kind: RequestFailure::TimedOut
        }]
    );
    f.input(&format!("MSG {reply} 1 4\r\nlate\r\n"));
    assert_eq!(f.events(), [], "late reply dropped");
}

#[test]
fn status_503_with_an_empty_body_is_no_responders() {
    let mut f = Fixture::connected();
    let id = f.request("greet.joe", 500);
    let reply = Fixture::reply_subject(&f.sent());
    // As 2.9 sends it, and as newer servers send it with a Nats-Subject header.
    f.input(&format!("HMSG {reply} 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"));
    assert_eq!(
        f.events(),
        [Event::RequestFailed {
            id,
            kind: RequestFailure::NoResponders
        }]
    );

    let id = f.request("greet.sue", 500);
    let reply = Fixture::reply_subject(&f.sent());
    let block = "NATS/1.0 503\r\nNats-Subject: greet.sue\r\n\r\n";
    f.input(&format!(
        "HMSG {reply} 1 {0} {0}\r\n{block}\r\n",
        block.len()
    ));
    assert_eq!(
        f.events(),
        [Event::RequestFailed {
            id,
            kind: RequestFailure::NoResponders
        }]
    );
}

#[test]
fn draining_a_subscription_delivers_what_arrived_before_the_pong_and_nothing_after() {
    let mut f = Fixture::connected();
    let sid = f.conn.subscribe("greet.*", None).unwrap();
    f.sent();
    f.input(&format!("MSG greet.a {sid} 1\r\na\r\n"));
    f.conn.drain_subscription(sid).unwrap();
    assert_eq!(f.sent(), format!("UNSUB {sid}\r\nPING\r\n"));
    f.input(&format!(
        "MSG greet.b {sid} 1\r\nb\r\nPONG\r\nMSG greet.c {sid} 1\r\nc\r\n"
    ));
    let events = f.events();
    assert_eq!(message_payloads(&events), ["a", "b"]);
    assert_eq!(events.last(), Some(&Event::SubscriptionDrained { sid }));
    assert_eq!(
        f.conn.drain_subscription(sid),
        Err(CommandError::UnknownSubscription(sid))
    );
}

#[test]
fn a_drain_that_gets_no_pong_ends_at_the_drain_timeout_and_fails_pending_requests() {
    let mut f = Fixture::connected();
    let id = f.request("greet.joe", 60_000);
    f.conn.drain(f.now).unwrap();
    f.advance(ConnectOptions::new().drain_timeout);
    assert_eq!(
        f.events(),
        [
            Event::RequestFailed {
                id,
                kind: RequestFailure::Closed
            },
            Event::Closed(CloseReason::DrainTimeout)
        ]
    );
}

#[test]
fn keepalive_pings_and_a_stale_connection_after_max_pings_out() {
    let mut f = Fixture::connected();
    let interval = Duration::from_secs(10);
    assert_eq!(f.conn.poll_timeout(), Some(f.now + interval));
    f.advance(interval);
    assert_eq!(f.sent(), "PING\r\n");
    f.input("PONG\r\n"); // answered: the count starts again
    f.advance(interval);
    f.advance(interval);
    assert_eq!(f.sent(), "PING\r\nPING\r\n");
    assert!(!f.conn.is_closed());
    f.advance(interval);
    assert_eq!(f.events(), [Event::Closed(CloseReason::StaleConnection)]);
}

#[test]
fn a_late_timer_does_not_send_a_burst_of_pings() {
    let mut f = Fixture::connected();
    f.advance(Duration::from_secs(35)); // three intervals late
    assert_eq!(f.sent(), "PING\r\n");
    assert_eq!(f.conn.poll_timeout(), Some(f.now + Duration::from_secs(10)));
}

#[test]
fn several_flushes_complete_in_order() {
    let mut f = Fixture::connected();
    let a = f.conn.flush().unwrap();
    let b = f.conn.flush().unwrap();
    assert_eq!(f.sent(), "PING\r\nPING\r\n");
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::Flushed(a)]);
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::Flushed(b)]);
}

#[test]
fn unsubscribe_after_n_messages_ends_the_subscription_on_the_nth() {
    let mut f = Fixture::connected();
    let sid = f.conn.subscribe("a", None).unwrap();
    f.conn.unsubscribe(sid, Some(2)).unwrap();
    assert_eq!(f.sent(), format!("SUB a {sid}\r\nUNSUB {sid} 2\r\n"));
    f.input(&format!(
        "MSG a {sid} 1\r\n1\r\nMSG a {sid} 1\r\n2\r\nMSG a {sid} 1\r\n3\r\n"
    ));
    let events = f.events();
    assert_eq!(message_payloads(&events), ["1", "2"]);
    assert_eq!(events.last(), Some(&Event::SubscriptionEnded { sid }));
}

#[test]
fn invalid_input_is_refused_with_a_typed_error_and_nothing_is_written() {
    let mut f = Fixture::connected();
    let inject = "greet.joe\r\nPUB evil 0";
    assert_eq!(
        f.conn.publish(inject, None, None, b""),
        Err(CommandError::Invalid(ValidationError::InvalidSubject(
            inject.into()
        )))
    );
    assert!(matches!(
        f.conn.subscribe("a b", None),
        Err(CommandError::Invalid(_))
    ));
    assert!(matches!(
        f.conn.subscribe("a", Some("q q")),
        Err(CommandError::Invalid(_))
    ));
    assert!(matches!(
        f.conn.publish("a.*", None, None, b""),
        Err(CommandError::Invalid(_))
    ));
    assert!(matches!(
        f.conn.publish("a", Some("r r"), None, b""),
        Err(CommandError::Invalid(_))
    ));
    assert!(matches!(
        f.conn
            .request(f.now, "a..b", None, b"", Duration::from_secs(1)),
        Err(CommandError::Invalid(_))
    ));
    assert_eq!(f.sent(), "");
    assert_eq!(
        f.conn.unsubscribe(99, None),
        Err(CommandError::UnknownSubscription(99))
    );
}

#[test]
fn max_control_line_follows_the_option() {
    let mut f = Fixture::connected_to(
        crate::conn::test_fixture::with_servers(&["nats://a:1"]).max_control_line(100),
    );
    f.sent();
    // "PUB " + subject + " 0\r\n": a 92-byte subject makes the 100 bytes allowed.
    f.conn.publish(&"k".repeat(92), None, None, b"").unwrap();
    assert_eq!(f.sent().len(), 100 + 2);
    assert!(matches!(
        f.conn.publish(&"k".repeat(93), None, None, b""),
        Err(CommandError::Invalid(ValidationError::ControlLineTooLong {
            len: 101,
            max: 100
        }))
    ));
}

#[test]
fn a_command_longer_than_max_control_line_is_refused_and_nothing_is_written() {
    let mut f = Fixture::connected();
    // The first request subscribes the connection's inbox; that SUB is not the refused one.
    let timeout = Duration::from_secs(1);
    f.conn.request(f.now, "a", None, b"", timeout).unwrap();
    f.sent();
    // "PUB " + subject + " 0\r\n" is 4096 bytes with a 4088-byte subject.
    let fits = "k".repeat(4088);
    f.conn.publish(&fits, None, None, b"").unwrap();
    assert_eq!(f.sent().len(), 4096 + 2);
    let long = "k".repeat(4089);
    assert_eq!(
        f.conn.publish(&long, None, None, b""),
        Err(CommandError::Invalid(ValidationError::ControlLineTooLong {
            len: 4097,
            max: 4096
        }))
    );
    let refused = |r: Result<_, CommandError>| {
        matches!(
            r,
            Err(CommandError::Invalid(
                ValidationError::ControlLineTooLong { .. }
            ))
        )
    };
    assert!(refused(
        f.conn.publish("a", Some(&long), None, b"").map(|_| ())
    ));
    let mut headers = HeaderMap::new();
    headers.append("K", "v").unwrap();
    assert!(refused(
        f.conn.publish(&long, None, Some(&headers), b"").map(|_| ())
    ));
    assert!(refused(f.conn.subscribe(&long, None).map(|_| ())));
    assert!(refused(f.conn.subscribe("a", Some(&long)).map(|_| ())));
    assert!(refused(
        f.conn.request(f.now, &long, None, b"", timeout).map(|_| ())
    ));
    assert_eq!(f.sent(), "");
}

#[test]
fn payloads_up_to_max_payload_pass_and_one_byte_more_is_refused() {
    let mut f = Fixture::connected();
    f.conn.publish("a", None, None, &[b'x'; 1024]).unwrap();
    assert_eq!(
        f.conn.publish("a", None, None, &[b'x'; 1025]),
        Err(CommandError::Invalid(ValidationError::MaxPayloadExceeded {
            size: 1025,
            max: 1024
        }))
    );
    let mut headers = HeaderMap::new();
    headers.append("K", "v").unwrap(); // 18 bytes of header block
    assert!(f
        .conn
        .publish("a", None, Some(&headers), &[0; 1024 - 18])
        .is_ok());
    assert!(f
        .conn
        .publish("a", None, Some(&headers), &[0; 1024 - 17])
        .is_err());
}

#[test]
fn a_second_info_is_reported_and_updates_the_server_details() {
    let mut f = Fixture::connected();
    f.input("INFO {\"server_id\":\"S1\",\"max_payload\":2048,\"connect_urls\":[\"127.0.0.1:4281\"],\"ldm\":true} \r\n");
    match &f.events()[..] {
        [Event::ServerInfo(info), Event::LameDuckMode { .. }] => {
            assert!(info.ldm);
            assert_eq!(info.connect_urls, ["127.0.0.1:4281"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.sent(), "", "no second CONNECT");
    assert!(f.conn.publish("a", None, None, &[0; 2048]).is_ok());
}

#[test]
fn fatal_errors_close_and_recoverable_errors_are_reported() {
    let mut f = Fixture::connected();
    f.input("-ERR 'Permissions Violation for Publish to \"secret.x\"'\r\n");
    match &f.events()[..] {
        [Event::ServerError(e)] => assert!(e.to_string().contains("secret.x")),
        other => panic!("{other:?}"),
    }
    assert!(!f.conn.is_closed());
    let id = f.request("a", 500);
    f.input("-ERR 'Authorization Violation'\r\nPING\r\n");
    let events = f.events();
    assert_eq!(
        events[0],
        Event::RequestFailed {
            id,
            kind: RequestFailure::Closed
        }
    );
    assert!(matches!(
        events.last(),
        Some(Event::Closed(CloseReason::Server(ServerError {
            kind: ServerErrorKind::AuthorizationViolation,
            ..
        })))
    ));
    f.sent();
    f.input("PING\r\n");
    assert_eq!(f.sent(), "", "nothing after close");
}

#[test]
fn garbage_from_the_server_closes_with_a_protocol_error() {
    let mut f = Fixture::connected();
    f.input("HTTP/1.1 200 OK\r\n");
    assert!(matches!(
        f.events()[..],
        [Event::Closed(CloseReason::Protocol(_))]
    ));
}

#[test]
fn statistics_count_messages_and_payload_bytes() {
    let mut f = Fixture::connected();
    let sid = f.conn.subscribe("a", None).unwrap();
    f.conn.publish("a", None, None, b"12345").unwrap();
    f.input(&format!("MSG a {sid} 3\r\nabc\r\n"));
    let s = f.conn.statistics();
    assert_eq!(
        (s.out_messages, s.out_bytes, s.in_messages, s.in_bytes),
        (1, 5, 1, 3)
    );
}

#[test]
fn a_transport_closed_by_the_network_fails_pending_requests_at_once() {
    let mut f = Fixture::connected();
    let id = f.request("a", 60_000);
    f.conn.handle_transport_closed(f.now, "socket reset");
    assert_eq!(
        f.events(),
        [
            Event::RequestFailed {
                id,
                kind: RequestFailure::Closed
            },
            Event::Closed(CloseReason::TransportClosed("socket reset".into()))
        ]
    );
}

#[test]
fn with_trace_on_every_op_sent_and_received_is_reported_in_order() {
    let mut f = Fixture::new(ConnectOptions::new().trace(true).token("hidden"));
    f.input(INFO);
    f.input("PONG\r\n");
    f.conn.subscribe("greet.*", None).unwrap();
    let lines: Vec<String> = f
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Trace(TraceLine {
                direction, line, ..
            }) => Some(format!(
                "{}{}",
                if direction == Direction::Sent {
                    "> "
                } else {
                    "< "
                },
                line
            )),
            _ => None,
        })
        .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(lines, ["< INFO", "> CONNECT", "> PING", "< PONG", "> SUB"]);
}
