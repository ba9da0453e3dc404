//! What the scenarios of tests/browser_hostile.rs have in common: connecting to a run, reading
//! a message within patience, checking that a connection still works, and the pacing check.

use std::time::Duration;

use futures::StreamExt;
use nats_web::client::{
    channel, connect, connect_with_events, Client, ClientEvent, ConnectError, Subscriber,
};
use nats_web::ws::live_sockets;
use nats_web::Message;
use wasm_bindgen::JsValue;

use super::{options, path, print_on_server, report, url, within};
use crate::web;

/// Connects to `scenario`'s client run with an event stream.
pub async fn connect_to(scenario: &str) -> (Client, channel::Receiver<ClientEvent>) {
    let (tx, events) = channel::unbounded();
    let client = within(
        scenario,
        connect_with_events(options(&url(scenario, "client")), Some(tx)),
    )
    .await
    .unwrap_or_else(|e| panic!("{scenario}: connect failed: {e}"));
    (client, events)
}

/// The next message of `sub`, within patience; fails with the close reason if it ended.
pub async fn next_message(client: &Client, sub: &mut Subscriber, what: &str) -> Message {
    within(what, sub.next()).await.unwrap_or_else(|| {
        panic!(
            "{what}: the subscription ended; the connection: {:?}",
            client.close_reason().map(|r| r.to_string())
        )
    })
}

/// A publish to `subject` comes back on `sub` (echo is on): the connection works.
pub async fn still_works(client: &Client, sub: &mut Subscriber, subject: &str) {
    client.publish(subject, "still here").await.unwrap();
    let msg = next_message(client, sub, "a message after the hostile part").await;
    assert_eq!(msg.payload, b"still here");
}

/// The connect error for a scenario the client cannot connect to at all.
pub async fn connect_error(scenario: &str) -> ConnectError {
    match within(scenario, connect(options(&url(scenario, "client")))).await {
        Ok(_) => panic!("{scenario}: connected to a server that sent no usable INFO"),
        Err(e) => e,
    }
}

/// Lets `scenario` flap for a while with `reconnect_wait`, then checks from the server's own
/// timestamps that it saw at most one attempt per wait: n <= ceil(span / wait) + 1, where span
/// is the time from the first connection to the last.
pub async fn assert_paced(scenario: &str, subscribe: bool) {
    let wait = Duration::from_millis(250);
    let sockets_before = live_sockets();
    let options = options(&url(scenario, "client"))
        .reconnect_wait(wait)
        .reconnect_jitter(Duration::from_millis(50))
        .max_reconnects(None);
    let client = within(scenario, connect(options)).await.unwrap();
    let _sub = if subscribe {
        Some(client.subscribe("flap").await.unwrap())
    } else {
        None
    };
    for _ in 0..30 {
        web::sleep(Duration::from_millis(100)).await;
        assert!(
            live_sockets() <= sockets_before + 1,
            "{scenario}: more than one socket at a time"
        );
    }
    client.close();
    let seen = report(&path(scenario, "client")).await;
    let first = seen.opened_ms.first().copied().unwrap_or(0.0);
    let last = seen.opened_ms.last().copied().unwrap_or(0.0);
    let span_ms = last - first;
    let bound = (span_ms / wait.as_millis() as f64).ceil() as u32 + 1;
    let gaps: Vec<u32> = seen
        .opened_ms
        .windows(2)
        .map(|w| (w[1] - w[0]) as u32)
        .take(20)
        .collect();
    print_on_server(&format!(
        "{scenario}: {} connections in {span_ms:.0} ms, reconnect_wait {wait:?}; first gaps in ms: {gaps:?}",
        seen.connections
    ))
    .await;
    assert!(
        seen.connections >= 2,
        "{scenario}: it never reconnected: {seen:?}"
    );
    assert!(
        seen.connections <= bound,
        "{scenario}: {} connections in {span_ms:.0} ms with reconnect_wait {wait:?} (at most {bound}); first gaps in ms: {gaps:?}",
        seen.connections
    );
}

pub fn assert_no_xss_ran() {
    let window = web_sys::window().unwrap();
    let value = js_sys::Reflect::get(&window, &"__hostileXss".into()).unwrap();
    assert_eq!(value, JsValue::UNDEFINED, "server text ran as script");
}
