//! The API a NATS user already knows from async-nats, in real headless Chromium against a real
//! nats-server's WebSocket listener: publishing with a reply subject and headers, responding
//! with headers, inboxes of one's own, a message's status line and length, the connection's
//! state, its events, and the request and subscription defaults of `ConnectOptions`.

#![cfg(target_arch = "wasm32")]

mod web;

use std::time::Duration;

use futures::{FutureExt, StreamExt};
use nats_web::client::{channel, connect_with_events, ClientEvent, RequestErrorKind};
use nats_web::conn::CloseReason;
use nats_web::{connect, Client, ConnectOptions, HeaderMap, State, StatusCode};
use wasm_bindgen_futures::spawn_local;
use wasm_bindgen_test::*;
use web::{control, next_matching, within_patience, RESTARTABLE_WS_URL, WS_URL};

wasm_bindgen_test_configure!(run_in_browser);

async fn client_with(options: ConnectOptions) -> Client {
    connect(options.servers([WS_URL]))
        .await
        .expect("connect to the test server")
}

fn headers(entries: &[(&str, &str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in entries {
        headers.append(*name, *value).unwrap();
    }
    headers
}

#[wasm_bindgen_test]
async fn publish_with_reply_and_headers_delivers_the_reply_subject_the_headers_and_the_payload() {
    let client = client_with(ConnectOptions::new()).await;
    let mut sub = client.subscribe("api.hpub").await.unwrap();
    let sent = headers(&[("Trace-Id", "abc-1"), ("Trace-Id", "abc-2"), ("Kind", "x")]);
    client
        .publish_with_reply_and_headers("api.hpub", "api.answers", &sent, "body")
        .await
        .unwrap();
    let msg = within_patience(sub.next()).await.flatten().unwrap();
    assert_eq!(msg.subject, "api.hpub");
    assert_eq!(msg.reply.as_deref(), Some("api.answers"));
    assert_eq!(msg.headers.as_ref(), Some(&sent));
    assert_eq!(msg.payload, b"body");
    drop(sub); // a drain waits for every Subscriber to be read to its end or dropped
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn respond_with_headers_answers_a_request_with_headers_and_payload() {
    let client = client_with(ConnectOptions::new()).await;
    let mut service = client.subscribe("api.headers.service").await.unwrap();
    spawn_local(async move {
        while let Some(msg) = service.next().await {
            let answer = headers(&[("Served-By", "browser"), ("Asked", &msg.subject)]);
            msg.respond_with_headers(&answer, "done").await.unwrap();
        }
    });
    client.flush().await.unwrap();
    let reply = client.request("api.headers.service", "go").await.unwrap();
    let got = reply.headers.as_ref().expect("the reply has headers");
    assert_eq!(got.get("Served-By"), Some("browser"));
    assert_eq!(got.get("Asked"), Some("api.headers.service"));
    assert_eq!(reply.payload, b"done");
    assert_eq!(
        reply.status(),
        None,
        "a responder's headers carry no status"
    );
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn new_inbox_is_a_fresh_subject_under_the_inbox_prefix_on_every_call() {
    let default = client_with(ConnectOptions::new()).await;
    let (a, b) = (default.new_inbox(), default.new_inbox());
    assert!(a.starts_with("_INBOX."), "{a}");
    assert_ne!(a, b, "every call gives a new inbox");

    let custom = client_with(ConnectOptions::new().inbox_prefix("api.replies")).await;
    let inbox = custom.new_inbox();
    let nuid = inbox
        .strip_prefix("api.replies.")
        .expect("under the prefix");
    assert_eq!(nuid.len(), 22, "{inbox}: <prefix>.<22-character nuid>");

    // Replies published to it arrive on a subscription to it.
    let mut replies = custom.subscribe(&inbox).await.unwrap();
    let mut service = custom.subscribe("api.inbox.service").await.unwrap();
    spawn_local(async move {
        while let Some(msg) = service.next().await {
            msg.respond("one").await.unwrap();
            msg.respond("two").await.unwrap();
        }
    });
    custom
        .publish_with_reply("api.inbox.service", &inbox, "")
        .await
        .unwrap();
    for expected in ["one", "two"] {
        let reply = within_patience(replies.next()).await.flatten().unwrap();
        assert_eq!(reply.subject, inbox);
        assert_eq!(reply.payload, expected.as_bytes());
    }
    drop(replies);
    default.drain().await.unwrap();
    custom.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_publish_nobody_listens_to_brings_a_503_no_responders_status_to_its_inbox() {
    let client = client_with(ConnectOptions::new()).await;
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(&inbox).await.unwrap();
    client
        .publish_with_reply("api.nobody.listens", &inbox, "anyone?")
        .await
        .unwrap();
    let reply = within_patience(replies.next()).await.flatten().unwrap();
    assert_eq!(reply.status(), Some(StatusCode::NO_RESPONDERS));
    assert_eq!(reply.status().map(StatusCode::as_u16), Some(503));
    assert!(reply.payload.is_empty());
    // The server's whole header block is counted, with the subject.
    let raw = reply.raw_headers.as_ref().unwrap();
    assert!(raw.starts_with(b"NATS/1.0 503"), "{raw:?}");
    assert_eq!(reply.length, inbox.len() + raw.len());
    drop(replies);
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_message_with_a_status_line_has_its_status_description_and_length() {
    let client = client_with(ConnectOptions::new()).await;
    let mut sub = client.subscribe("api.status").await.unwrap();
    let mut sent = headers(&[("Kind", "late")]);
    sent.set_status(StatusCode::TIMEOUT, Some("Request Timeout".into()));
    client
        .publish_with_reply_and_headers("api.status", "api.r", &sent, "12345")
        .await
        .unwrap();
    let mut plain = HeaderMap::new();
    plain.set_status(StatusCode::NOT_FOUND, None);
    client
        .publish_with_headers("api.status", &plain, "")
        .await
        .unwrap();
    client.publish("api.status", "no headers").await.unwrap();

    let msg = within_patience(sub.next()).await.flatten().unwrap();
    assert_eq!(msg.status(), Some(StatusCode::TIMEOUT));
    assert_eq!(msg.status().map(StatusCode::as_u16), Some(408));
    assert_eq!(msg.description(), Some("Request Timeout"));
    let block = b"NATS/1.0 408 Request Timeout\r\nKind: late\r\n\r\n";
    assert_eq!(msg.raw_headers.as_deref(), Some(&block[..]));
    // As async-nats counts it: subject, reply, header block and payload.
    assert_eq!(
        msg.length,
        "api.status".len() + "api.r".len() + block.len() + 5
    );

    let msg = within_patience(sub.next()).await.flatten().unwrap();
    assert_eq!(msg.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(msg.description(), None);

    let msg = within_patience(sub.next()).await.flatten().unwrap();
    assert_eq!((msg.status(), msg.description()), (None, None));
    assert_eq!(msg.length, "api.status".len() + "no headers".len());
    drop(sub);
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn connection_state_is_connected_disconnected_while_the_server_is_gone_then_draining_and_closed(
) {
    let (tx, mut events) = channel::unbounded();
    let options = ConnectOptions::new()
        .servers([RESTARTABLE_WS_URL])
        .reconnect_wait(Duration::from_millis(100))
        .max_reconnects(None);
    let client = connect_with_events(options, Some(tx)).await.unwrap();
    assert_eq!(client.connection_state(), State::Connected);

    control("kill").await;
    next_matching(&mut events, |e| {
        matches!(e, ClientEvent::Disconnected { .. }).then_some(())
    })
    .await;
    assert_eq!(client.connection_state(), State::Disconnected);
    control("start").await;
    next_matching(&mut events, |e| {
        matches!(e, ClientEvent::Reconnected { .. }).then_some(())
    })
    .await;
    assert_eq!(client.connection_state(), State::Connected);

    // A subscriber that is never read holds the drain in its "handled" stage.
    let unread = client.subscribe("api.state").await.unwrap();
    client.publish("api.state", "waits").await.unwrap();
    client.flush().await.unwrap();
    let draining = client.clone();
    let (drained_tx, mut drained) = channel::unbounded();
    spawn_local(async move {
        let _ = drained_tx.send(draining.drain().await);
    });
    next_matching(&mut events, |e| {
        matches!(e, ClientEvent::Draining).then_some(())
    })
    .await;
    assert_eq!(client.connection_state(), State::Draining);
    drop(unread);
    within_patience(drained.next())
        .await
        .flatten()
        .unwrap()
        .unwrap();
    assert_eq!(client.connection_state(), State::Closed);
}

#[wasm_bindgen_test]
async fn events_report_draining_then_closed_in_that_order() {
    let client = client_with(ConnectOptions::new()).await;
    let mut events = client.events();
    client.drain().await.unwrap();
    let mut seen = Vec::new();
    while let Some(event) = within_patience(events.next()).await.flatten() {
        seen.push(event);
    }
    assert_eq!(
        seen,
        [
            ClientEvent::Draining,
            ClientEvent::Closed(CloseReason::Drained)
        ]
    );
}

#[wasm_bindgen_test]
async fn a_server_entering_lame_duck_mode_is_reported_as_a_lame_duck_event() {
    let (tx, mut events) = channel::unbounded();
    let options = ConnectOptions::new()
        .servers([RESTARTABLE_WS_URL])
        .reconnect_wait(Duration::from_millis(100))
        .max_reconnects(None);
    let client = connect_with_events(options, Some(tx)).await.unwrap();
    control("lame_duck").await;
    let url = next_matching(&mut events, |e| match e {
        ClientEvent::LameDuckMode { url } => Some(url),
        _ => None,
    })
    .await;
    assert_eq!(url, RESTARTABLE_WS_URL);
    // Still usable: with no other server to go to, the client stays until the server goes.
    assert_eq!(client.connection_state(), State::Connected);
    client.flush().await.unwrap();
    client.close();
    // Leave the restartable server as the other tests expect it: up, not shutting down.
    control("kill").await;
    control("start").await;
}

#[wasm_bindgen_test]
async fn the_default_request_timeout_applies_to_a_request_given_none_of_its_own() {
    let client =
        client_with(ConnectOptions::new().request_timeout(Some(Duration::from_millis(200)))).await;
    let silent = client.subscribe("api.silent").await.unwrap();
    client.flush().await.unwrap();
    let err = client.request("api.silent", "").await.unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::TimedOut);
    assert_eq!(
        err.to_string(),
        "request to api.silent timed out after 200 ms"
    );
    // Its own timeout wins over the default.
    let err = client
        .request("api.silent", "")
        .timeout(Duration::from_millis(50))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "request to api.silent timed out after 50 ms"
    );
    drop(silent);
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn without_a_request_timeout_a_request_waits_until_the_connection_closes() {
    let client = client_with(ConnectOptions::new().request_timeout(None)).await;
    let _silent = client.subscribe("api.silent.forever").await.unwrap();
    client.flush().await.unwrap();
    let requester = client.clone();
    let (outcome_tx, mut outcome) = channel::unbounded();
    spawn_local(async move {
        let _ = outcome_tx.send(requester.request("api.silent.forever", "").await);
    });
    // Past the 10 s a request waits by default: with no timeout, only the close ends it.
    client.flush().await.unwrap();
    web::sleep(Duration::from_millis(10_500)).await;
    assert!(outcome.next().now_or_never().is_none(), "still waiting");
    client.close();
    let err = within_patience(outcome.next())
        .await
        .flatten()
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::Closed);
}

#[wasm_bindgen_test]
async fn subscription_capacity_bounds_every_subscription_without_limits_of_its_own() {
    let client = client_with(ConnectOptions::new().subscription_capacity(3)).await;
    let mut sub = client.subscribe("api.capacity").await.unwrap();
    assert_eq!(sub.pending_limits().messages, 3);
    for i in 0..10 {
        client.publish("api.capacity", i.to_string()).await.unwrap();
    }
    client.flush().await.unwrap(); // every message came back before the flush's PONG
    assert_eq!(sub.pending_messages(), 3);
    assert_eq!(sub.dropped(), 7);
    for expected in ["0", "1", "2"] {
        let msg = within_patience(sub.next()).await.flatten().unwrap();
        assert_eq!(msg.payload, expected.as_bytes());
    }
    client.close();
}
