//! Defects the fault oracle (`tests/fault_oracle.rs`) found beyond issue 9's list, each pinned
//! as a deterministic scenario against a real nats-server.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_core::conn::{ConnectOptions, Event};
use support::connz::server_subscriptions;
use support::driver::{Driver, PATIENCE};
use support::server::NatsServer;

fn reconnecting(server: &NatsServer) -> ConnectOptions {
    ConnectOptions::new()
        .servers([format!("nats://{}", server.tcp_addr())])
        .reconnect_wait(Duration::from_millis(30))
        .max_reconnects(None)
}

/// Runs `nc` until it has seen `n` more messages on `sid`.
fn await_messages(nc: &mut Driver, sid: u64, n: usize) {
    let mut count = 0;
    nc.run_until(PATIENCE, |_, event| {
        if matches!(&event, Event::Message { sid: s, .. } if *s == sid) {
            count += 1;
        }
        (count == n).then_some(())
    });
}

/// Runs `nc` until it is connected again after a lost transport.
fn await_reconnected(nc: &mut Driver) -> Vec<Event> {
    let mut seen = Vec::new();
    nc.run_until(PATIENCE, |_, event| {
        let done = matches!(event, Event::Reconnected { .. });
        seen.push(event);
        done.then_some(())
    });
    seen
}

/// The server counts an `UNSUB <max>` from the SUB it was sent, which after a reconnect is the
/// resubscription: a limit given later must leave out what the old server delivered, or the
/// server keeps the subscription (and, for a queue member, its share of the group's messages)
/// after the client has ended it.
#[test]
fn an_unsubscribe_limit_given_after_a_reconnect_ends_the_subscription_on_the_server_too() {
    let server = NatsServer::start();
    let mut peer = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let mut nc = Driver::connect(server.tcp_addr(), reconnecting(&server)).unwrap();
    let sid = nc.conn.subscribe("limit.x", None).unwrap();
    nc.flush();
    for _ in 0..2 {
        peer.conn.publish("limit.x", None, None, b"before").unwrap();
    }
    peer.flush();
    await_messages(&mut nc, sid, 2);

    assert!(nc.kill_transport());
    await_reconnected(&mut nc);
    // Three in total: one more.
    nc.conn.unsubscribe(sid, Some(3)).unwrap();
    nc.flush();
    // The one it still wants: the server must then drop the subscription too.
    peer.conn.publish("limit.x", None, None, b"after").unwrap();
    peer.flush();
    let mut delivered = 0;
    nc.run_until(PATIENCE, |_, event| match event {
        Event::Message { sid: s, .. } if s == sid => {
            delivered += 1;
            None
        }
        Event::SubscriptionEnded { sid: s } if s == sid => Some(()),
        _ => None,
    });
    assert_eq!(delivered, 1, "the limit allowed one more message");
    nc.flush();

    let port = nc.local_port().expect("connected");
    let held = server_subscriptions(&server, port).expect("/connz lists the client");
    assert_eq!(
        held.get(&sid),
        None,
        "the client ended sid {sid}, the server still holds it"
    );
}

/// A subscription unsubscribed while its drain waits for the PONG has ended; losing the
/// transport before that PONG must not end it a second time with `SubscriptionDrained`.
#[test]
fn a_drain_cut_short_by_a_disconnect_does_not_end_an_unsubscribed_subscription_again() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), reconnecting(&server)).unwrap();
    let sid = nc.conn.subscribe("drain.x", None).unwrap();
    nc.flush();
    nc.conn.drain_subscription(sid).unwrap();
    nc.conn.unsubscribe(sid, None).unwrap();
    assert!(nc.kill_transport());
    let events = await_reconnected(&mut nc);
    let ends: Vec<&Event> = events
        .iter()
        .filter(|e| {
            matches!(e, Event::SubscriptionEnded { sid: s } | Event::SubscriptionDrained { sid: s }
                if *s == sid)
        })
        .collect();
    assert_eq!(
        ends,
        [&Event::SubscriptionEnded { sid }],
        "sid {sid} must end exactly once"
    );
}
