//! What a NATS user asks of a connection, against a real nats-server over TCP: its state
//! (pending, connected, disconnected, draining, closed), inboxes of their own, and the status
//! line of a message (a real no-responders reply, a publisher's own status).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_core::conn::{CloseReason, ConnectOptions, Connection, Event, Message, State};
use nats_core::proto::{HeaderMap, StatusCode};
use nats_core::Instant;
use support::driver::{random_seed, Driver, PATIENCE};
use support::server::NatsServer;

/// Waits for the next message on `sid`.
fn next_message(nc: &mut Driver, sid: u64) -> Message {
    nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: got, message } if got == sid => Some(message),
        _ => None,
    })
}

#[test]
fn connection_state_is_pending_connected_disconnected_connected_draining_then_closed() {
    let server = NatsServer::start();
    let options = ConnectOptions::new()
        .servers([format!("nats://{}", server.tcp_addr())])
        .reconnect_wait(Duration::from_millis(50))
        .max_reconnects(None);
    let fresh = Connection::new(Instant::now(), options.clone(), random_seed());
    assert_eq!(fresh.state(), State::Pending, "before any server answered");

    let mut nc = Driver::connect(server.tcp_addr(), options).unwrap();
    assert_eq!(nc.conn.state(), State::Connected);

    assert!(nc.kill_transport());
    assert_eq!(nc.conn.state(), State::Disconnected, "lost, reconnecting");
    nc.run_until(PATIENCE, |conn, e| match e {
        // Trying again, before the handshake: still disconnected, not pending.
        Event::Reconnecting { .. } => {
            assert_eq!(conn.state(), State::Disconnected);
            None
        }
        Event::Reconnected { .. } => Some(()),
        _ => None,
    });
    assert_eq!(nc.conn.state(), State::Connected);

    nc.conn.drain(Instant::now()).unwrap();
    assert_eq!(nc.conn.state(), State::Draining);
    let reason = nc.run_until(PATIENCE, |_, e| match e {
        Event::Closed(reason) => Some(reason),
        _ => None,
    });
    assert_eq!(reason, CloseReason::Drained);
    assert_eq!(nc.conn.state(), State::Closed);
}

#[test]
fn a_publish_nobody_listens_to_brings_a_no_responders_status_to_its_own_inbox() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let inbox = nc.conn.new_inbox();
    let sid = nc.conn.subscribe(&inbox, None).unwrap();
    nc.conn
        .publish("nobody.listens.here", Some(&inbox), None, b"anyone?")
        .unwrap();
    let reply = next_message(&mut nc, sid);
    assert_eq!(reply.status(), Some(StatusCode::NO_RESPONDERS));
    assert_eq!(reply.status().map(StatusCode::as_u16), Some(503));
    assert!(reply.is_no_responders());
    assert!(reply.payload.is_empty());
}

#[test]
fn a_status_and_description_a_publisher_puts_on_the_header_line_reach_the_subscriber() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let sid = nc.conn.subscribe("status.line", None).unwrap();
    let mut headers = HeaderMap::new();
    headers.set_status(StatusCode::TIMEOUT, Some("Request Timeout".into()));
    headers.insert("Kind", "test").unwrap();
    nc.conn
        .publish("status.line", None, Some(&headers), b"late")
        .unwrap();
    let message = next_message(&mut nc, sid);
    assert_eq!(message.status(), Some(StatusCode::TIMEOUT));
    assert_eq!(message.description(), Some("Request Timeout"));
    assert_eq!(message.payload, b"late");
    assert!(!message.is_no_responders());
}
