//! The client in a dedicated Web Worker (no `window` there), in real headless Chromium over a
//! real nats-server: it connects, a request's timeout fires, and a request gets its reply.

#![cfg(target_arch = "wasm32")]

mod web;

use std::future::IntoFuture;
use std::time::Duration;

use futures::StreamExt;
use nats_web::client::RequestErrorKind;
use nats_web::{connect, ConnectOptions};
use wasm_bindgen_futures::spawn_local;
use wasm_bindgen_test::*;
use web::{within_patience, WS_URL};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn in_a_worker_timeouts_fire_and_requests_get_replies() {
    assert!(web_sys::window().is_none(), "this test runs in a worker");
    let client = within_patience(connect(ConnectOptions::new().servers([WS_URL])))
        .await
        .expect("connect resolves")
        .expect("connect to the test server");

    // A subscriber that never answers: the request can only end by its own timeout.
    let silent = client.subscribe("worker.silent").await.unwrap();
    let mut echo = client.subscribe("worker.echo").await.unwrap();
    spawn_local(async move {
        while let Some(msg) = echo.next().await {
            let _ = msg.respond(&msg.payload).await;
        }
    });
    client.flush().await.unwrap();

    let timeout = Duration::from_millis(200);
    let outcome = within_patience(
        client
            .request("worker.silent", "")
            .timeout(timeout)
            .into_future(),
    )
    .await
    .expect("the request's timeout fires in a worker");
    assert_eq!(outcome.unwrap_err().kind(), RequestErrorKind::TimedOut);

    let reply = within_patience(client.request("worker.echo", "ping").into_future())
        .await
        .expect("the request resolves")
        .unwrap();
    assert_eq!(reply.payload, b"ping");
    // A drain waits for every Subscriber to be read to its end or dropped.
    drop(silent);
    client.drain().await.unwrap();
}
