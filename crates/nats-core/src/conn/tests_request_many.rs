//! `request_many`, driven with scripted server bytes and a fake clock: each end condition,
//! no responders, cancel, late replies, and a connection drain waiting for it.

use super::test_fixture::Fixture;
use super::*;
// Also in the browser (`wasm-pack test -- --lib`): wasm32 is where the connection ships.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const SECOND: Duration = Duration::from_secs(1);

/// Starts a request_many to `subject`; returns its id and reply subject.
fn many(f: &mut Fixture, subject: &str, options: RequestManyOptions) -> (RequestId, String) {
    let id = f
        .conn
        .request_many(f.now, subject, None, b"q", &options)
        .unwrap();
    (id, Fixture::reply_subject(&f.sent()))
}

/// The server delivers `payload` to `reply` on the inbox (sid 1 on a fresh fixture).
fn reply_msg(reply: &str, payload: &str) -> String {
    format!("MSG {reply} 1 {}\r\n{payload}\r\n", payload.len())
}

/// The payloads of the replies among `events` and the ends, in order, as text.
fn outline(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::RequestManyResponse { id, message } => Some(format!(
                "{} {}",
                id.0,
                String::from_utf8_lossy(&message.payload)
            )),
            Event::RequestManyEnded { id, end } => Some(format!("{} end {end:?}", id.0)),
            _ => None,
        })
        .collect()
}

#[test]
fn request_many_ends_after_max_messages_and_later_replies_are_dropped() {
    let mut f = Fixture::connected();
    let options = RequestManyOptions {
        max_messages: Some(2),
        ..RequestManyOptions::new(5 * SECOND)
    };
    let (id, reply) = many(&mut f, "greet.all", options);
    let n = id.0;
    f.input(&(reply_msg(&reply, "a") + &reply_msg(&reply, "b") + &reply_msg(&reply, "c")));
    assert_eq!(
        outline(&f.events()),
        [
            format!("{n} a"),
            format!("{n} b"),
            format!("{n} end MaxMessages")
        ]
    );
    f.advance(10 * SECOND);
    assert_eq!(f.events(), [], "no second end, no timeout");
    f.input(&reply_msg(&reply, "late"));
    assert_eq!(f.events(), [], "a reply after the end is dropped");
}

#[test]
fn request_many_ends_at_max_wait_however_many_replies_came() {
    let mut f = Fixture::connected();
    let (id, reply) = many(&mut f, "greet.all", RequestManyOptions::new(2 * SECOND));
    let n = id.0;
    assert_eq!(f.conn.poll_timeout(), Some(f.now + 2 * SECOND));
    f.advance(SECOND);
    f.input(&(reply_msg(&reply, "a") + &reply_msg(&reply, "b")));
    assert_eq!(
        f.conn.poll_timeout(),
        Some(f.now + SECOND),
        "replies move no deadline"
    );
    f.advance(SECOND - Duration::from_millis(1));
    f.input(&reply_msg(&reply, "c"));
    f.advance(Duration::from_millis(1));
    assert_eq!(
        outline(&f.events()),
        [
            format!("{n} a"),
            format!("{n} b"),
            format!("{n} c"),
            format!("{n} end MaxWait")
        ]
    );
    f.input(&reply_msg(&reply, "late"));
    assert_eq!(f.events(), [], "a reply after the end is dropped");
}

#[test]
fn request_many_ends_when_no_reply_comes_within_the_stall_after_the_previous_one() {
    let mut f = Fixture::connected();
    let options = RequestManyOptions {
        stall: Some(Duration::from_millis(300)),
        ..RequestManyOptions::new(10 * SECOND)
    };
    let (id, reply) = many(&mut f, "greet.all", options);
    let n = id.0;
    // Before the first reply only the total wait applies.
    assert_eq!(f.conn.poll_timeout(), Some(f.now + 10 * SECOND));
    f.advance(2 * SECOND);
    f.input(&reply_msg(&reply, "a"));
    assert_eq!(
        f.conn.poll_timeout(),
        Some(f.now + Duration::from_millis(300)),
        "each reply moves the stall deadline"
    );
    f.advance(Duration::from_millis(299));
    f.input(&reply_msg(&reply, "b"));
    assert_eq!(
        f.conn.poll_timeout(),
        Some(f.now + Duration::from_millis(300))
    );
    f.advance(Duration::from_millis(300));
    assert_eq!(
        outline(&f.events()),
        [format!("{n} a"), format!("{n} b"), format!("{n} end Stall")]
    );
}

#[test]
fn the_stall_never_outlasts_the_max_wait() {
    let mut f = Fixture::connected();
    let options = RequestManyOptions {
        stall: Some(5 * SECOND),
        ..RequestManyOptions::new(SECOND)
    };
    let (id, reply) = many(&mut f, "greet.all", options);
    f.advance(Duration::from_millis(500));
    f.input(&reply_msg(&reply, "a"));
    assert_eq!(f.advance_to_deadline(), Duration::from_millis(500));
    assert_eq!(
        outline(&f.events()),
        [format!("{} a", id.0), format!("{} end MaxWait", id.0)]
    );
}

#[test]
fn request_many_ends_at_the_sentinel_which_is_not_a_reply() {
    let mut f = Fixture::connected();
    let options = RequestManyOptions {
        sentinel: true,
        ..RequestManyOptions::new(5 * SECOND)
    };
    let (id, reply) = many(&mut f, "greet.all", options);
    let n = id.0;
    // An empty reply with headers is a reply, not the sentinel.
    let block = "NATS/1.0\r\nA: b\r\n\r\n";
    f.input(&format!(
        "MSG {reply} 1 1\r\na\r\nHMSG {reply} 1 {0} {0}\r\n{block}\r\n",
        block.len()
    ));
    f.input(&(reply_msg(&reply, "") + &reply_msg(&reply, "after")));
    assert_eq!(
        outline(&f.events()),
        [
            format!("{n} a"),
            format!("{n} "),
            format!("{n} end Sentinel")
        ]
    );
}

#[test]
fn without_sentinel_an_empty_reply_is_a_reply() {
    let mut f = Fixture::connected();
    let (id, reply) = many(&mut f, "greet.all", RequestManyOptions::new(SECOND));
    f.input(&reply_msg(&reply, ""));
    assert_eq!(outline(&f.events()), [format!("{} ", id.0)]);
}

#[test]
fn no_responders_as_the_first_reply_ends_request_many_with_no_responders() {
    let mut f = Fixture::connected();
    let (id, reply) = many(&mut f, "nobody", RequestManyOptions::new(5 * SECOND));
    f.input(&format!("HMSG {reply} 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"));
    assert_eq!(
        f.events(),
        [Event::RequestManyEnded {
            id,
            end: ResponsesEnd::NoResponders
        }]
    );
    assert_eq!(
        ResponsesEnd::NoResponders.failure(),
        Some(RequestFailure::NoResponders),
        "reported as a single request's"
    );
    assert_eq!(
        f.conn.poll_timeout(),
        Some(f.now + 10 * SECOND),
        "only the keepalive"
    );
}

#[test]
fn a_503_after_a_reply_is_a_responders_message() {
    let mut f = Fixture::connected();
    let (id, reply) = many(&mut f, "greet.all", RequestManyOptions::new(5 * SECOND));
    f.input(&reply_msg(&reply, "a"));
    f.input(&format!("HMSG {reply} 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"));
    let events = f.events();
    assert_eq!(
        outline(&events),
        [format!("{} a", id.0), format!("{} ", id.0)]
    );
}

#[test]
fn concurrent_requests_share_the_inbox_and_each_gets_only_its_replies() {
    let mut f = Fixture::connected();
    let (a, reply_a) = many(&mut f, "x", RequestManyOptions::new(5 * SECOND));
    let single = f.request("y", 5000);
    let reply_single = Fixture::reply_subject(&f.sent());
    let (b, reply_b) = many(&mut f, "z", RequestManyOptions::new(5 * SECOND));
    f.input(
        &(reply_msg(&reply_b, "b1")
            + &reply_msg(&reply_single, "s")
            + &reply_msg(&reply_a, "a1")
            + &reply_msg(&reply_b, "b2")),
    );
    let events = f.events();
    assert_eq!(
        outline(&events),
        [
            format!("{} b1", b.0),
            format!("{} a1", a.0),
            format!("{} b2", b.0)
        ]
    );
    assert!(events.iter().any(
        |e| matches!(e, Event::Response { id, message } if *id == single && message.payload == b"s")
    ));
}

#[test]
fn a_canceled_request_many_frees_its_token_and_reports_nothing_more() {
    let mut f = Fixture::connected();
    let (id, reply) = many(&mut f, "greet.all", RequestManyOptions::new(5 * SECOND));
    f.input(&reply_msg(&reply, "a"));
    assert_eq!(outline(&f.events()), [format!("{} a", id.0)]);
    f.conn.cancel_request(id);
    assert_eq!(
        f.conn.poll_timeout(),
        Some(f.now + 10 * SECOND),
        "only the keepalive"
    );
    f.input(&reply_msg(&reply, "late"));
    f.advance(6 * SECOND);
    assert_eq!(f.events(), [], "no reply and no end after the cancel");
    f.conn.cancel_request(id); // twice: nothing
    assert_eq!(f.events(), []);
}

#[test]
fn a_request_many_canceled_while_disconnected_never_reaches_the_wire() {
    let mut f = Fixture::new(super::test_fixture::with_servers(&["nats://a:1"]));
    f.transports();
    let kept = f
        .conn
        .request_many(
            f.now,
            "kept",
            None,
            b"",
            &RequestManyOptions::new(5 * SECOND),
        )
        .unwrap();
    let gone = f
        .conn
        .request_many(
            f.now,
            "gone",
            None,
            b"",
            &RequestManyOptions::new(5 * SECOND),
        )
        .unwrap();
    f.conn.cancel_request(gone);
    f.handshake(super::test_fixture::INFO);
    let sent = f.sent();
    assert!(sent.contains("PUB kept "), "{sent}");
    assert!(!sent.contains("PUB gone "), "{sent}");
    assert_ne!(kept, gone);
}

#[test]
fn a_connection_drain_waits_for_a_request_many_in_flight_to_end() {
    let mut f = Fixture::connected();
    let options = RequestManyOptions {
        max_messages: Some(2),
        ..RequestManyOptions::new(60 * SECOND)
    };
    let (id, reply) = many(&mut f, "greet.all", options);
    f.conn.drain(f.now).unwrap();
    assert_eq!(
        f.conn
            .request_many(f.now, "x", None, b"", &RequestManyOptions::new(SECOND)),
        Err(CommandError::Draining)
    );
    assert_eq!(f.sent(), "PING\r\n", "the inbox stays subscribed");
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::AllSubscriptionsDrained]);
    f.conn.messages_handled();
    f.input(&reply_msg(&reply, "a"));
    assert_eq!(f.sent(), "", "the drain waits for the request_many");
    f.input(&reply_msg(&reply, "b"));
    assert_eq!(
        outline(&f.events()),
        [
            format!("{} a", id.0),
            format!("{} b", id.0),
            format!("{} end MaxMessages", id.0)
        ]
    );
    assert_eq!(f.sent(), "UNSUB 1\r\nPING\r\n", "ended: the drain goes on");
    f.input("PONG\r\n");
    assert_eq!(f.events(), [Event::Closed(CloseReason::Drained)]);
}

#[test]
fn a_drain_that_times_out_ends_a_request_many_as_closed() {
    let options = ConnectOptions::new()
        .ping_interval(60 * SECOND)
        .drain_timeout(5 * SECOND);
    let mut f = Fixture::connected_to(options);
    let (id, _) = many(&mut f, "greet.all", RequestManyOptions::new(3600 * SECOND));
    f.conn.drain(f.now).unwrap();
    f.input("PONG\r\n");
    f.conn.messages_handled();
    f.events();
    assert_eq!(f.advance_to_deadline(), 5 * SECOND);
    let events = f.events();
    assert_eq!(
        events.first(),
        Some(&Event::RequestManyEnded {
            id,
            end: ResponsesEnd::Closed
        })
    );
    assert_eq!(
        events.last(),
        Some(&Event::Closed(CloseReason::DrainTimeout))
    );
}

#[test]
fn a_canceled_request_many_lets_a_waiting_drain_finish() {
    let mut f = Fixture::connected();
    let (id, _) = many(&mut f, "greet.all", RequestManyOptions::new(60 * SECOND));
    f.conn.drain(f.now).unwrap();
    f.input("PONG\r\n");
    f.conn.messages_handled();
    f.sent();
    f.conn.cancel_request(id);
    assert_eq!(f.sent(), "UNSUB 1\r\nPING\r\n");
}

#[test]
fn a_lost_transport_or_a_close_ends_request_many_as_a_request_fails() {
    let mut f = Fixture::new(super::test_fixture::with_servers(&["nats://a:1"]));
    f.transports();
    f.handshake(super::test_fixture::INFO);
    f.events();
    let (lost, reply) = many(&mut f, "greet.all", RequestManyOptions::new(60 * SECOND));
    f.input(&reply_msg(&reply, "a"));
    f.lose_transport();
    let events = f.events();
    assert_eq!(
        outline(&events),
        [
            format!("{} a", lost.0),
            format!("{} end Disconnected", lost.0)
        ]
    );

    let mut f = Fixture::connected();
    let (closed, _) = many(&mut f, "greet.all", RequestManyOptions::new(60 * SECOND));
    f.conn.close();
    assert_eq!(outline(&f.events()), [format!("{} end Closed", closed.0)]);
}

#[test]
fn a_held_request_many_the_next_server_cannot_take_ends_and_is_never_sent() {
    let mut f = Fixture::new(super::test_fixture::with_servers(&["nats://a:1"]));
    f.transports();
    let mut headers = HeaderMap::new();
    headers.insert("A", "b").unwrap();
    let id = f
        .conn
        .request_many(
            f.now,
            "asked",
            Some(&headers),
            b"",
            &RequestManyOptions::new(60 * SECOND),
        )
        .unwrap();
    f.handshake(&super::test_fixture::INFO.replace("\"headers\":true", "\"headers\":false"));
    assert!(!f.sent().contains("HPUB"));
    let events = f.events();
    assert!(
        events.contains(&Event::RequestManyEnded {
            id,
            end: ResponsesEnd::HeadersNotSupported
        }),
        "{events:?}"
    );
    f.advance(61 * SECOND);
    assert_eq!(outline(&f.events()), Vec::<String>::new(), "ended once");
}
