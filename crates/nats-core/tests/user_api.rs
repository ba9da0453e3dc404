//! The options and commands NATS users know from async-nats (issue 10), against a real
//! nats-server over TCP: no_echo, retrying the first connect, forcing a reconnect, measuring
//! the round trip (bounded), headers refused by a server without header support, the reconnect
//! delay callback and the connection timeout.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nats_core::conn::{CloseReason, CommandError, ConnectOptions, Event, RequestFailure};
use nats_core::proto::validate::ValidationError;
use nats_core::proto::HeaderMap;
use nats_core::Instant;
use support::connz::{client_ids, server_subscriptions};
use support::driver::{Driver, PATIENCE};
use support::server::NatsServer;

fn url(server: &NatsServer) -> String {
    format!("nats://{}", server.tcp_addr())
}

/// Waits for the next message on `sid`; returns its payload.
fn next_payload(nc: &mut Driver, sid: u64) -> Vec<u8> {
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: s, message } if s == sid => Some(message.payload),
        _ => None,
    })
}

/// Flushes, and returns the payloads that arrived on `sid` meanwhile (the driver's own
/// `flush` drops them).
fn flush_collecting(nc: &mut Driver, sid: u64) -> Vec<Vec<u8>> {
    let id = nc.conn.flush().expect("flush accepted");
    let mut got = Vec::new();
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Flushed(f) if f == id => Some(()),
        Event::Message { sid: s, message } if s == sid => {
            got.push(message.payload);
            None
        }
        _ => None,
    });
    got
}

#[test]
fn with_no_echo_a_connection_does_not_get_its_own_publishes_but_others_do() {
    let server = NatsServer::start();
    let mut quiet = Driver::connect(server.tcp_addr(), ConnectOptions::new().no_echo()).unwrap();
    let mut other = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let own_sid = quiet.conn.subscribe("chat", None).unwrap();
    let other_sid = other.conn.subscribe("chat", None).unwrap();
    quiet.flush();
    other.flush();

    quiet.conn.publish("chat", None, None, b"mine").unwrap();
    // The server has handled "mine" (and sent it to whoever gets it).
    assert!(flush_collecting(&mut quiet, own_sid).is_empty());
    assert_eq!(next_payload(&mut other, other_sid), b"mine");

    // Anything the server sent us before this publish from the other connection would come
    // first: the first message we get is the other's.
    other.conn.publish("chat", None, None, b"theirs").unwrap();
    other.flush();
    assert_eq!(next_payload(&mut quiet, own_sid), b"theirs");
}

#[test]
fn with_echo_on_a_connection_gets_its_own_publishes() {
    // The control for the test above: the same steps deliver "mine" with echo on.
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let sid = nc.conn.subscribe("chat", None).unwrap();
    nc.conn.publish("chat", None, None, b"mine").unwrap();
    let mut got = flush_collecting(&mut nc, sid);
    if got.is_empty() {
        got.push(next_payload(&mut nc, sid));
    }
    assert_eq!(got, [b"mine"]);
}

#[test]
fn retry_on_initial_connect_connects_once_the_server_comes_up() {
    let mut server = NatsServer::start();
    let options = ConnectOptions::new()
        .servers([url(&server)])
        .retry_on_initial_connect()
        .max_reconnects(None)
        .reconnect_wait(Duration::from_millis(50))
        .reconnect_jitter(Duration::ZERO);
    server.kill(); // nothing listens on its port now
    let mut nc = Driver::start(options);
    let sid = nc.conn.subscribe("early", None).unwrap();
    nc.conn.publish("early", None, None, b"held").unwrap();
    // Two attempts fail (refused), and the connection is still trying.
    let mut failed = 0;
    while failed < 2 {
        for event in nc.turn(Duration::from_millis(50)) {
            assert!(!matches!(event, Event::Closed(_)), "gave up: {event:?}");
            failed += usize::from(matches!(event, Event::Disconnected { .. }));
        }
    }
    server.restart();
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Connected(_) => Some(()),
        Event::Closed(reason) => panic!("closed: {reason}"),
        _ => None,
    });
    assert_eq!(
        next_payload(&mut nc, sid),
        b"held",
        "subscribed and published"
    );
}

#[test]
fn without_retry_on_initial_connect_a_server_that_is_not_there_closes_the_connection() {
    let mut server = NatsServer::start();
    let options = ConnectOptions::new().servers([url(&server)]);
    server.kill();
    let reason = Driver::connect(server.tcp_addr(), options)
        .err()
        .expect("refused");
    assert!(
        matches!(reason, CloseReason::TransportClosed(_)),
        "{reason}"
    );
}

#[test]
fn force_reconnect_gives_a_new_connection_with_every_subscription_and_loses_nothing() {
    let server = NatsServer::start();
    let options = ConnectOptions::new().servers([url(&server)]);
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    let mut watcher = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let watched = watcher.conn.subscribe("kept", None).unwrap();
    watcher.flush();
    let old_cid = nc.conn.server_info().unwrap().client_id;
    let sid = nc.conn.subscribe("kept", None).unwrap();
    nc.conn.publish("kept", None, None, b"before").unwrap();

    nc.force_reconnect();
    nc.conn.publish("kept", None, None, b"during").unwrap();
    let mut got = Vec::new();
    let new_cid = nc.run_until(PATIENCE, |_, e| match e {
        Event::Reconnected { info, .. } => Some(info.client_id),
        Event::Message { sid: s, message } if s == sid => {
            got.push(message.payload);
            None
        }
        _ => None,
    });
    nc.conn.publish("kept", None, None, b"after").unwrap();
    got.extend(flush_collecting(&mut nc, sid));

    assert_ne!(new_cid, old_cid);
    let cids = client_ids(&server);
    assert!(
        cids.contains(&new_cid) && !cids.contains(&old_cid),
        "{cids:?}"
    );
    let port = nc.local_port().unwrap();
    let subs = server_subscriptions(&server, port).expect("listed");
    assert_eq!(subs.get(&sid).map(|s| s.subject.as_str()), Some("kept"));
    // "before" went to the old connection; its echo may have been on the way when that
    // connection was dropped. Nothing published after the call is lost.
    while got.iter().filter(|p| p.as_slice() != b"before").count() < 2 {
        got.push(next_payload(&mut nc, sid));
    }
    got.retain(|p| p.as_slice() != b"before");
    assert_eq!(got, [b"during".to_vec(), b"after".to_vec()]);
    // Every publish reached the server: the one queued before the call went out on the old
    // connection before it was dropped.
    for expected in [&b"before"[..], b"during", b"after"] {
        assert_eq!(next_payload(&mut watcher, watched), expected);
    }
}

#[test]
fn rtt_measures_a_round_trip_to_the_server() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let started = Instant::now();
    let id = nc.conn.rtt(Instant::now()).unwrap();
    let rtt = nc.run_until(PATIENCE, |_, e| match e {
        Event::Rtt { id: got, rtt } if got == id => Some(rtt),
        _ => None,
    });
    let rtt = rtt.expect("the server answered");
    assert!(rtt > Duration::ZERO);
    assert!(rtt <= started.elapsed(), "{rtt:?} is within the wait");
}

#[test]
fn a_server_without_header_support_gets_no_hpub_the_publish_is_refused() {
    let server = NatsServer::start_with("no_header_support: true");
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    assert!(!nc.conn.server_info().unwrap().headers);
    let sid = nc.conn.subscribe("h", None).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("X-Trace", "abc").unwrap();
    assert_eq!(
        nc.conn.publish("h", None, Some(&headers), b"x"),
        Err(CommandError::HeadersNotSupported)
    );
    // The connection is fine: plain publishes still work.
    nc.conn.publish("h", None, None, b"plain").unwrap();
    assert_eq!(next_payload(&mut nc, sid), b"plain");
}

#[test]
fn publishes_with_headers_made_before_the_first_info_never_reach_a_server_without_header_support() {
    let server = NatsServer::start_with("no_header_support: true");
    let mut nc = Driver::start(ConnectOptions::new().servers([url(&server)]));
    let sid = nc.conn.subscribe("h", None).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("X-Trace", "abc").unwrap();
    // Before any INFO: nothing says yet that this server takes no headers.
    nc.conn
        .publish("h", None, Some(&headers), b"headers")
        .unwrap();
    let request = nc
        .conn
        .request(Instant::now(), "svc", Some(&headers), b"", PATIENCE)
        .unwrap();
    nc.conn.publish("h", None, None, b"plain").unwrap();
    let mut dropped = Vec::new();
    let mut failed = None;
    nc.run_until(PATIENCE, |_, e| match e {
        Event::PublishDropped {
            subject, reason, ..
        } => {
            dropped.push((subject, reason));
            None
        }
        Event::RequestFailed { id, kind } if id == request => {
            failed = Some(kind);
            None
        }
        Event::Connected(_) => Some(()),
        Event::Closed(reason) => panic!("closed: {reason}"),
        _ => None,
    });
    let not_supported = ValidationError::HeadersNotSupported;
    assert_eq!(
        dropped,
        [
            ("h".to_owned(), not_supported.clone()),
            ("svc".to_owned(), not_supported)
        ]
    );
    assert_eq!(failed, Some(RequestFailure::HeadersNotSupported));
    // The server kept the connection (no HPUB reached it) and got the plain publish.
    assert_eq!(flush_collecting(&mut nc, sid), [b"plain".to_vec()]);
}

#[test]
fn rtt_within_fails_with_timed_out_on_a_server_that_stopped_answering_without_keepalive() {
    let server = NatsServer::start();
    let options = ConnectOptions::new().ping_interval(Duration::ZERO);
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    server.pause(); // the socket stays open; nothing is answered
    let id = nc
        .conn
        .rtt_within(Instant::now(), Duration::from_millis(300))
        .unwrap();
    let rtt = nc.run_until(PATIENCE, |_, e| match e {
        Event::Rtt { id: got, rtt } if got == id => Some(rtt),
        _ => None,
    });
    server.resume();
    assert_eq!(rtt, Err(RequestFailure::TimedOut));
    // Once the server answers again, so does the next measurement (the late PONG of the
    // first one is not taken for it).
    let id = nc.conn.rtt_within(Instant::now(), PATIENCE).unwrap();
    let rtt = nc.run_until(PATIENCE, |_, e| match e {
        Event::Rtt { id: got, rtt } if got == id => Some(rtt),
        _ => None,
    });
    assert!(rtt.is_ok(), "{rtt:?}");
}

#[test]
fn the_reconnect_delay_callback_gets_each_attempt_number_and_its_answer_is_the_wait() {
    let mut server = NatsServer::start();
    let calls: Arc<Mutex<Vec<(usize, Duration)>>> = Arc::default();
    let recorded = Arc::clone(&calls);
    let options = ConnectOptions::new()
        .servers([url(&server)])
        .max_reconnects(None)
        .reconnect_delay_callback(move |attempt| {
            let wait = Duration::from_millis(30 * attempt as u64);
            recorded.lock().unwrap().push((attempt, wait));
            wait
        });
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    server.kill();
    let mut attempts = Vec::new();
    let mut losses = 0;
    while losses < 4 {
        for event in nc.turn(Duration::from_millis(20)) {
            match event {
                Event::Disconnected { .. } => {
                    losses += 1;
                    // The next attempt is scheduled from the loss by what the callback said.
                    let next = nc
                        .conn
                        .poll_timeout()
                        .expect("the next attempt is scheduled");
                    let wait = next.saturating_duration_since(nc.lost_at.unwrap());
                    let (_, answer) = *calls.lock().unwrap().last().expect("asked");
                    assert_eq!(wait, answer, "loss {losses}");
                }
                Event::Reconnecting { attempt, .. } => attempts.push(attempt),
                Event::Closed(reason) => panic!("gave up: {reason}"),
                _ => {}
            }
        }
    }
    let asked: Vec<usize> = calls.lock().unwrap().iter().map(|(a, _)| *a).collect();
    assert_eq!(
        asked,
        [1, 2, 3, 4],
        "once per loss, with the attempt coming next"
    );
    assert_eq!(attempts, [1, 2, 3], "the attempts made so far");
    server.restart();
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Reconnected { .. } => Some(()),
        Event::Closed(reason) => panic!("closed: {reason}"),
        _ => None,
    });
}

#[test]
fn a_server_that_accepts_the_connection_but_says_nothing_fails_it_at_the_connection_timeout() {
    let server = NatsServer::start();
    server.pause(); // the kernel still accepts TCP connections; no INFO comes
    let options = ConnectOptions::new().connection_timeout(Duration::from_millis(300));
    let outcome = Driver::connect(server.tcp_addr(), options);
    server.resume();
    assert_eq!(outcome.err(), Some(CloseReason::ConnectTimeout));
}
