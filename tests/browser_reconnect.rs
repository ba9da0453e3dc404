//! Reconnecting in real headless Chromium: the nats-server behind the WebSocket is killed and
//! started again (through `scripts/nats_control.py`, since a page cannot run processes).

#![cfg(target_arch = "wasm32")]

mod web;

use std::time::Duration;

use futures::StreamExt;
use nats_web::client::{channel, connect_with_events, ClientEvent, RequestErrorKind};
use nats_web::ws::live_sockets;
use nats_web::ConnectOptions;
use wasm_bindgen_futures::spawn_local;
use wasm_bindgen_test::*;
use web::{control, RESTARTABLE_WS_URL};

wasm_bindgen_test_configure!(run_in_browser);

/// Waits for the first event `f` picks out.
async fn next_matching<T>(
    events: &mut channel::Receiver<ClientEvent>,
    mut f: impl FnMut(ClientEvent) -> Option<T>,
) -> T {
    while let Some(event) = events.next().await {
        if let Some(found) = f(event) {
            return found;
        }
    }
    panic!("the event stream ended first");
}

#[wasm_bindgen_test]
async fn a_restarted_server_is_rejoined_with_subscriptions_and_buffered_publishes() {
    let (tx, mut events) = channel::unbounded();
    let options = ConnectOptions::new()
        .servers([RESTARTABLE_WS_URL])
        .reconnect_wait(Duration::from_millis(100))
        .max_reconnects(None);
    let sockets_before = live_sockets();
    let client = connect_with_events(options, Some(tx)).await.unwrap();
    let mut buffered = client.subscribe("buffered").await.unwrap();
    let _silent = client.subscribe("silent").await.unwrap();
    client.flush().await.unwrap();

    let (failed_tx, mut failed_rx) = channel::unbounded();
    let requester = client.clone();
    spawn_local(async move {
        let outcome = requester
            .request("silent", "")
            .timeout(Duration::from_secs(60))
            .await;
        let _ = failed_tx.send(outcome.err().map(|e| e.kind()));
    });
    client.flush().await.unwrap();

    control("kill").await;
    next_matching(&mut events, |e| {
        matches!(e, ClientEvent::Disconnected { .. }).then_some(())
    })
    .await;
    assert_eq!(
        failed_rx.next().await.flatten(),
        Some(RequestErrorKind::Disconnected)
    );
    for i in 0..50 {
        client.publish("buffered", i.to_string()).await.unwrap();
    }

    control("start").await;
    next_matching(&mut events, |e| {
        matches!(e, ClientEvent::Reconnected { .. }).then_some(())
    })
    .await;
    let mut received = Vec::new();
    while received.len() < 50 {
        let msg = buffered.next().await.expect("the subscription survives");
        received.push(String::from_utf8(msg.payload).unwrap());
    }
    let expected: Vec<String> = (0..50).map(|i| i.to_string()).collect();
    assert_eq!(received, expected);
    assert_eq!(
        live_sockets(),
        sockets_before + 1,
        "one socket per client, no ghosts"
    );
    // A drain waits for every subscriber to be read to its end or dropped.
    drop((buffered, _silent));
    client.drain().await.unwrap();
    assert_eq!(live_sockets(), sockets_before, "closed with the client");
}

#[wasm_bindgen_test]
async fn the_page_shows_the_reconnect_and_its_responder_answers_again() {
    let sockets_before = live_sockets();
    let root = web::fresh_root();
    let app = nats_web_demo::app::mount(root.clone().into(), vec![RESTARTABLE_WS_URL.to_owned()]);
    web::wait_for_text(&root, "connection drained").await; // the example is done
    web::wait_for_text(&root, "Playground connection: connected to").await;
    web::click_when_enabled(&web::button(&root, "Start service")).await;
    web::wait_for_text(&root, "service greet 1.0.0 started").await;

    control("kill").await;
    // The log keeps the loss; the status line moves on between "disconnected" and
    // "reconnecting to … (attempt n)" while the server is down.
    web::wait_for_text(&root, &format!("lost {RESTARTABLE_WS_URL}")).await;
    web::wait_for_text(&root, "Playground connection: disconnected").await;
    control("start").await;
    let text = web::wait_for_text(&root, "reconnected to").await;
    assert!(text.contains("subscriptions restored"), "{text}");
    web::wait_for_text(&root, "Playground connection: connected to").await;

    web::button(&root, "Send request").click(); // the name field says "ann"
    web::wait_for_text(&root, "hello, ann").await;

    // Leaving the page drains the playground connection and closes its socket.
    app.destroy();
    let deadline = web_time::Instant::now() + web::PATIENCE;
    while live_sockets() != sockets_before {
        assert!(
            web_time::Instant::now() < deadline,
            "the page left a socket open"
        );
        web::sleep(Duration::from_millis(20)).await;
    }
}
