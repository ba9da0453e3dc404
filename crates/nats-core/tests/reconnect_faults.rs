//! Staying connected under faults, checked against a real nats-server's own view: commands
//! given in a reconnect's handshake window (between the new INFO and its PONG) reach the
//! server, a request reported failed while disconnected never reaches a subscriber, and a held
//! publish over a restarted server's smaller `max_payload` is reported, not sent.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_core::conn::{ConnectOptions, Event, Phase, RequestFailure};
use nats_core::proto::validate::ValidationError;
use nats_core::Instant;
use support::driver::{Driver, PATIENCE};
use support::server::NatsServer;

fn reconnecting(server: &NatsServer, wait: Duration) -> ConnectOptions {
    ConnectOptions::new()
        .servers([format!("nats://{}", server.tcp_addr())])
        .reconnect_wait(wait)
        .reconnect_jitter(Duration::ZERO)
        .max_reconnects(None)
}

/// A server and a client connected to it that reconnects every `wait`, after the server was
/// killed and the client noticed.
fn connected_then_server_killed(wait: Duration) -> (NatsServer, Driver) {
    let mut server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), reconnecting(&server, wait)).unwrap();
    server.kill();
    nc.run_until(PATIENCE, |_, e| {
        matches!(e, Event::Disconnected { .. }).then_some(())
    });
    (server, nc)
}

/// The bodies `peer` receives on `sid`, in order, up to and including one that says `end`.
fn bodies_until_end(peer: &mut Driver, sid: u64) -> Vec<String> {
    let mut arrived = Vec::new();
    peer.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: s, message } if s == sid => {
            let body = String::from_utf8_lossy(&message.payload).into_owned();
            let end = body == "end";
            arrived.push(body);
            end.then_some(())
        }
        _ => None,
    });
    arrived
}

/// The subjects the server holds for the client named `name`, from `/connz?subs=1`.
fn server_subscriptions(server: &NatsServer, name: &str) -> Vec<String> {
    let connz: serde_json::Value =
        serde_json::from_str(&server.monitor_get("/connz?subs=1")).expect("connz is JSON");
    let conn = connz["connections"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no connection named {name} in {connz}"));
    let mut subjects: Vec<String> = conn["subscriptions_list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    subjects.sort();
    subjects
}

#[test]
fn a_queue_member_unsubscribed_and_a_subscriber_made_in_the_handshake_window_reach_the_server() {
    let mut server = NatsServer::start();
    let options = reconnecting(&server, Duration::from_millis(100)).name("window");
    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    let member = nc.conn.subscribe("work", Some("q")).unwrap();
    nc.flush();

    server.restart();
    // Step until the new transport's INFO is handled: CONNECT and the resubscription are
    // queued, and the PONG cannot have come (nothing was sent yet).
    let give_up = Instant::now() + PATIENCE;
    while nc.conn.phase() != &Phase::Handshake {
        assert!(Instant::now() < give_up, "no new INFO within {PATIENCE:?}");
        nc.step(Duration::from_millis(20));
    }
    nc.conn.unsubscribe(member, None).unwrap();
    let fresh = nc.conn.subscribe("fresh", None).unwrap();
    nc.run_until(PATIENCE, |_, e| {
        matches!(e, Event::Reconnected { .. }).then_some(())
    });
    nc.flush();
    assert_eq!(server_subscriptions(&server, "window"), ["fresh"]);

    // The group's other member gets every message; the new subscriber gets its own.
    let mut other = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let other_member = other.conn.subscribe("work", Some("q")).unwrap();
    other.flush();
    for i in 0..20 {
        let body = i.to_string();
        other
            .conn
            .publish("work", None, None, body.as_bytes())
            .unwrap();
    }
    other.conn.publish("fresh", None, None, b"hello").unwrap();
    let mut share = 0;
    other.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid, .. } if sid == other_member => {
            share += 1;
            (share == 20).then_some(())
        }
        _ => None,
    });
    let mut stolen = 0;
    let hello = nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid, .. } if sid == member => {
            stolen += 1;
            None
        }
        Event::Message { sid, message } if sid == fresh => Some(message.payload),
        _ => None,
    });
    assert_eq!(hello, b"hello");
    assert_eq!(stolen, 0, "the unsubscribed member took a share");
}

#[test]
fn requests_that_failed_while_disconnected_never_reach_a_subscriber() {
    let (mut server, mut nc) = connected_then_server_killed(Duration::from_secs(3));
    nc.conn.publish("svc", None, None, b"kept-1").unwrap();
    // Fails by its own timeout, before the next attempt (3 s after the last).
    let timed_out = nc.conn.request(
        Instant::now(),
        "svc",
        None,
        b"timed-out",
        Duration::from_millis(200),
    );
    assert_eq!(
        nc.await_request(timed_out.unwrap()).unwrap_err(),
        RequestFailure::TimedOut
    );
    // Fails when the next attempt fails.
    let disconnected = nc.conn.request(
        Instant::now(),
        "svc",
        None,
        b"failed-attempt",
        Duration::from_secs(60),
    );
    assert_eq!(
        nc.await_request(disconnected.unwrap()).unwrap_err(),
        RequestFailure::Disconnected
    );
    nc.conn.publish("svc", None, None, b"kept-2").unwrap();

    server.restart();
    let mut peer = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let counted = peer.conn.subscribe("svc", None).unwrap();
    peer.flush();
    nc.run_until(PATIENCE, |_, e| {
        matches!(e, Event::Reconnected { .. }).then_some(())
    });
    nc.conn.publish("svc", None, None, b"end").unwrap();
    nc.flush();
    let arrived = bodies_until_end(&mut peer, counted);
    assert_eq!(arrived, ["kept-1", "kept-2", "end"]);
}

#[test]
fn held_publishes_over_a_smaller_max_payload_after_a_restart_are_reported_and_the_rest_arrive() {
    let (mut server, mut nc) = connected_then_server_killed(Duration::from_millis(100));
    nc.conn.publish("held", None, None, b"small-1").unwrap();
    nc.conn.publish("held", None, None, &[b'x'; 600]).unwrap();
    nc.conn.publish("held", None, None, b"small-2").unwrap();

    server.restart_with("max_payload: 512");
    let mut peer = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let counted = peer.conn.subscribe("held", None).unwrap();
    peer.flush();
    let mut dropped = Vec::new();
    nc.run_until(PATIENCE, |_, e| match e {
        Event::PublishDropped {
            subject, reason, ..
        } => {
            dropped.push((subject, reason));
            None
        }
        Event::Reconnected { .. } => Some(()),
        _ => None,
    });
    assert_eq!(
        dropped,
        [(
            "held".to_owned(),
            ValidationError::MaxPayloadExceeded {
                size: 600,
                max: 512
            }
        )]
    );
    nc.conn.publish("held", None, None, b"end").unwrap();
    nc.flush(); // the server kept the connection open
    let arrived = bodies_until_end(&mut peer, counted);
    assert_eq!(arrived, ["small-1", "small-2", "end"]);
}
