//! Headers and payload limits against a real nats-server.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use nats_web::nats::conn::{CommandError, ConnectOptions, Event};
use nats_web::nats::proto::validate::ValidationError;
use nats_web::nats::proto::HeaderMap;
use support::driver::{Driver, PATIENCE};
use support::server::NatsServer;

#[test]
fn headers_round_trip_with_repeats_and_case_preserved() {
    let server = NatsServer::start();
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let sid = nc.conn.subscribe("h", None).unwrap();
    let mut headers = HeaderMap::new();
    headers.append("X-Trace", "abc").unwrap();
    headers.append("X-Multi", "1").unwrap();
    headers.append("x-multi", "2").unwrap();
    nc.conn.publish("h", None, Some(&headers), b"body").unwrap();
    let msg = nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: s, message } if s == sid => Some(message),
        _ => None,
    });
    let got = msg.headers.expect("headers arrive");
    assert_eq!(got, headers);
    assert_eq!(got.get_all("X-MULTI").collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(msg.payload, b"body");
}

#[test]
fn a_payload_of_exactly_max_payload_passes_and_one_byte_more_is_refused_before_sending() {
    let server = NatsServer::start_with("max_payload: 4096");
    let mut nc = Driver::connect(server.tcp_addr(), ConnectOptions::new()).unwrap();
    let max = nc.conn.server_info().unwrap().max_payload;
    assert_eq!(max, 4096);
    let sid = nc.conn.subscribe("big", None).unwrap();
    nc.conn.publish("big", None, None, &vec![7u8; max]).unwrap();
    let msg = nc.run_until(PATIENCE, |_, e| match e {
        Event::Message { sid: s, message } if s == sid => Some(message),
        _ => None,
    });
    assert_eq!(msg.payload.len(), max);

    let before = nc.conn.statistics().out_messages;
    assert_eq!(
        nc.conn.publish("big", None, None, &vec![7u8; max + 1]),
        Err(CommandError::Invalid(ValidationError::MaxPayloadExceeded {
            size: max + 1,
            max
        }))
    );
    assert_eq!(
        nc.conn.statistics().out_messages,
        before,
        "nothing was sent"
    );
    // The connection is still usable: the server never saw the oversized message.
    nc.conn.publish("big", None, None, b"small").unwrap();
    nc.flush();
    assert!(!nc.conn.is_closed());
    let reply = nc.request("nobody.home", b"", Duration::from_millis(500));
    assert!(reply.is_err());
}
