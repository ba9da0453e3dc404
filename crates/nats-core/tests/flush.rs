//! Flush against a real nats-server: confirmed when the server answers, and a typed timeout
//! when it does not.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_core::conn::{ConnectOptions, Event};
use nats_core::Instant;
use support::driver::{Driver, PATIENCE};
use support::server::NatsServer;

#[test]
fn a_flush_to_a_frozen_server_times_out_instead_of_waiting_forever() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let answered = nc
        .conn
        .flush_within(Instant::now(), Duration::from_secs(5))
        .unwrap();
    nc.run_until(PATIENCE, |_, e| {
        (e == Event::Flushed(answered)).then_some(())
    });

    server.pause();
    let id = nc
        .conn
        .flush_within(Instant::now(), Duration::from_millis(300))
        .unwrap();
    let outcome = nc.run_until(PATIENCE, |_, e| match e {
        Event::Flushed(got) if got == id => Some(e),
        Event::FlushTimedOut(got) if got == id => Some(e),
        _ => None,
    });
    server.resume();
    assert_eq!(outcome, Event::FlushTimedOut(id));
}
