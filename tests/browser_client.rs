//! The client in real headless Chromium, over a real nats-server's WebSocket listener
//! (`wasm-pack test --headless --chrome`; the test command sets the URLs at compile time).

#![cfg(target_arch = "wasm32")]

mod web;

use std::time::Duration;

use futures::stream::{self, StreamExt};
use nats_web::client::{
    channel, connect, connect_with_events, ClientEvent, ConnectErrorKind, DrainError, ErrorKind,
    RequestErrorKind,
};
use nats_web::conn::Direction;
use nats_web::{Client, ConnectOptions};
use wasm_bindgen_futures::spawn_local;
use wasm_bindgen_test::*;
use web::{
    control, within_patience, CLOSED_WS_URL, RESTARTABLE_WS_URL, TCP_PORT_AS_WS_URL, USERS_WS_URL,
    WATCHER_PASSWORD, WATCHER_USER, WS_URL,
};

wasm_bindgen_test_configure!(run_in_browser);

const HALF_SECOND: Duration = Duration::from_millis(500);

async fn client() -> Client {
    connect(ConnectOptions::new().servers([WS_URL]))
        .await
        .expect("connect to the test server")
}

/// Answers every request on `subject` with `reply(subject)`, until drained.
async fn responder(
    client: &Client,
    subject: &str,
    reply: impl Fn(&str) -> Vec<u8> + 'static,
) -> nats_web::client::SubscriberHandle {
    let mut sub = client.subscribe(subject).await.unwrap();
    let handle = sub.handle();
    spawn_local(async move {
        while let Some(msg) = sub.next().await {
            msg.respond(reply(&msg.subject)).await.unwrap();
        }
    });
    client.flush().await.unwrap();
    handle
}

#[wasm_bindgen_test]
async fn the_seed_program_over_websocket() {
    let client = client().await;
    let greeter = responder(&client, "greet.*", |s| {
        format!("hello, {}", s.strip_prefix("greet.").unwrap_or_default()).into_bytes()
    })
    .await;
    for name in ["joe", "sue", "bob"] {
        let reply = client
            .request(format!("greet.{name}"), "")
            .timeout(HALF_SECOND)
            .await
            .unwrap();
        assert_eq!(reply.payload, format!("hello, {name}").as_bytes());
    }
    greeter.drain().await.unwrap();
    let err = client
        .request("greet.joe", "")
        .timeout(HALF_SECOND)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::NoResponders);
    assert_eq!(err.to_string(), "no responders for greet.joe");
    client.drain().await.unwrap();
    assert_eq!(
        client.publish("x", "").await.unwrap_err().kind(),
        ErrorKind::Closed
    );
}

#[wasm_bindgen_test]
async fn a_200_kb_reply_cut_into_4_kb_frames_arrives_intact() {
    let client = client().await;
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let expected = body.clone();
    let _big = responder(&client, "big.reply", move |_| body.clone()).await;
    let reply = client
        .request("big.reply", "")
        .timeout(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(reply.payload.len(), expected.len());
    assert!(reply.payload == expected, "payload corrupted");
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_thousand_requests_with_a_hundred_in_flight_are_all_answered() {
    let client = client().await;
    let _echo = responder(&client, "echo.*", |s| s.as_bytes().to_vec()).await;
    let answers: Vec<bool> = stream::iter(0..1000)
        .map(|i| {
            let client = client.clone();
            async move {
                let subject = format!("echo.{i}");
                let reply = client
                    .request(subject.clone(), "")
                    .timeout(Duration::from_secs(5))
                    .await;
                reply
                    .map(|m| m.payload == subject.as_bytes())
                    .unwrap_or(false)
            }
        })
        .buffer_unordered(100)
        .collect()
        .await;
    assert_eq!(answers.len(), 1000);
    assert!(
        answers.iter().all(|ok| *ok),
        "{} wrong or missing",
        answers.iter().filter(|ok| !**ok).count()
    );
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn an_invalid_subject_is_refused_and_nothing_is_sent() {
    let (tx, mut events) = channel::unbounded();
    let client = connect_with_events(
        ConnectOptions::new().servers([WS_URL]).trace(true),
        Some(tx),
    )
    .await
    .unwrap();
    let before = client.statistics();
    let bad = "greet.jo e\r\nPUB evil 0";
    assert_eq!(
        client.publish(bad, "").await.unwrap_err().kind(),
        ErrorKind::InvalidSubject
    );
    assert_eq!(
        client.subscribe("a..b").await.err().unwrap().kind(),
        ErrorKind::InvalidSubject
    );
    let err = client.request("greet.*", "").await.unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::InvalidSubject);
    assert!(err.to_string().contains("invalid"), "{err}");
    client.flush().await.unwrap(); // still usable
    assert_eq!(client.statistics().out_messages, before.out_messages);
    client.drain().await.unwrap();
    let mut sent = Vec::new();
    while let Some(event) = events.next().await {
        if let ClientEvent::Trace(line) = event {
            if line.direction == Direction::Sent {
                sent.push(line.line);
            }
        }
    }
    assert!(
        sent.iter()
            .all(|l| !l.contains("evil") && !l.contains("a..b") && !l.contains("greet")),
        "{sent:?}"
    );
}

#[wasm_bindgen_test]
async fn draining_a_subscription_delivers_what_arrived_before_it() {
    let subscriber_client = client().await;
    let publisher = client().await;
    let mut sub = subscriber_client.subscribe("events").await.unwrap();
    subscriber_client.flush().await.unwrap();
    for i in 0..200 {
        publisher.publish("events", i.to_string()).await.unwrap();
    }
    publisher.flush().await.unwrap();
    sub.drain().await.unwrap();
    let mut received = Vec::new();
    while let Some(msg) = sub.next().await {
        received.push(String::from_utf8(msg.payload).unwrap());
    }
    let expected: Vec<String> = (0..200).map(|i| i.to_string()).collect();
    assert_eq!(received, expected);
    publisher.drain().await.unwrap();
    subscriber_client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn connecting_to_a_closed_port_is_a_clear_error_not_a_hang() {
    let err = connect(ConnectOptions::new().servers([CLOSED_WS_URL]))
        .await
        .err()
        .expect("no server there");
    assert_eq!(err.kind(), ConnectErrorKind::Unreachable);
    let text = err.to_string();
    assert!(
        text.contains(CLOSED_WS_URL) && text.contains("websocket"),
        "{text}"
    );
}

#[wasm_bindgen_test]
async fn the_tcp_client_port_is_not_a_websocket_listener_and_the_error_says_so() {
    let err = connect(ConnectOptions::new().servers([TCP_PORT_AS_WS_URL]))
        .await
        .err()
        .expect("a WebSocket cannot speak to the TCP port");
    assert_eq!(err.kind(), ConnectErrorKind::Unreachable);
    let text = err.to_string();
    assert!(text.contains("monitoring or the TCP client port"), "{text}");
}

#[wasm_bindgen_test]
async fn a_url_without_a_websocket_scheme_is_refused_with_a_hint() {
    let err = connect(ConnectOptions::new().servers(["nats://127.0.0.1:4222"]))
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), ConnectErrorKind::InvalidUrl);
    assert!(err.to_string().contains("ws://"), "{err}");
}

#[wasm_bindgen_test]
async fn a_request_to_a_responder_that_never_answers_times_out() {
    let client = client().await;
    let silent = client.subscribe("silent").await.unwrap();
    client.flush().await.unwrap();
    let err = client
        .request("silent", "")
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::TimedOut);
    assert_eq!(err.to_string(), "request to silent timed out after 300 ms");
    // A subscriber kept but never read would make the drain wait for it: drop it.
    drop(silent);
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_responder_still_handling_a_request_when_its_client_drains_gets_its_reply_out() {
    let responder = client().await;
    let requester = client().await;
    let mut sub = responder.subscribe("slow.svc").await.unwrap();
    let (received_tx, mut received) = channel::unbounded();
    spawn_local(async move {
        while let Some(msg) = sub.next().await {
            let _ = received_tx.send(());
            web::sleep(Duration::from_millis(200)).await; // still handling as the drain begins
            let _ = msg.respond("answer").await;
        }
    });
    responder.flush().await.unwrap();
    let (reply_tx, mut reply) = channel::unbounded();
    let asking = requester.clone();
    spawn_local(async move {
        let outcome = asking
            .request("slow.svc", "")
            .timeout(Duration::from_secs(5))
            .await;
        let _ = reply_tx.send(outcome.map(|m| m.payload).map_err(|e| e.to_string()));
    });
    received.next().await.unwrap();
    responder.drain().await.unwrap();
    assert_eq!(reply.next().await.unwrap(), Ok(b"answer".to_vec()));
    requester.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn draining_a_subscription_that_ends_otherwise_resolves_once_its_stream_has_ended() {
    let client = client().await;

    // Its unsubscribe_after limit is reached while the drain waits for its PONG.
    let mut racing = client.subscribe("ends.racing").await.unwrap();
    racing.handle().unsubscribe_after(1).unwrap();
    client.publish("ends.racing", "last").await.unwrap();
    racing.drain().await.unwrap();
    assert_eq!(racing.next().await.unwrap().payload, b"last");
    assert!(racing.next().await.is_none());

    // It reached its limit before the drain was asked for.
    let mut limited = client.subscribe("ends.limited").await.unwrap();
    limited.handle().unsubscribe_after(1).unwrap();
    client.publish("ends.limited", "1").await.unwrap();
    assert!(limited.next().await.is_some());
    limited.drain().await.unwrap();

    // Unsubscribed while draining, and drained twice at once.
    let gone = client.subscribe("ends.gone").await.unwrap();
    let handle = gone.handle();
    let (drained, unsubscribed) = futures::join!(handle.drain(), async { handle.unsubscribe() });
    unsubscribed.unwrap();
    drained.unwrap();
    let twice = client.subscribe("ends.twice").await.unwrap();
    let (a, b) = futures::join!(twice.drain(), twice.drain());
    a.unwrap();
    b.unwrap();
    drop((racing, limited, gone, twice));
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn while_reconnecting_drain_is_refused_with_what_waits_and_flush_times_out() {
    let (tx, mut events) = channel::unbounded();
    let options = ConnectOptions::new()
        .servers([RESTARTABLE_WS_URL])
        .reconnect_wait(Duration::from_millis(100))
        .max_reconnects(None);
    let client = connect_with_events(options, Some(tx)).await.unwrap();
    let mut held = client.subscribe("held").await.unwrap();
    client.flush().await.unwrap();

    control("kill").await;
    while !matches!(
        events.next().await,
        Some(ClientEvent::Disconnected { .. }) | None
    ) {}
    client.publish("held", "one").await.unwrap();
    client.publish("held", "two").await.unwrap();
    match client.drain().await {
        Err(DrainError::NotConnected {
            held_messages: 2,
            held_bytes,
        }) => assert!(held_bytes > 6, "{held_bytes}"),
        other => panic!("drain while reconnecting: {other:?}"),
    }
    let err = client
        .flush()
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);

    control("start").await;
    while !matches!(
        events.next().await,
        Some(ClientEvent::Reconnected { .. }) | None
    ) {}
    assert_eq!(
        held.next().await.unwrap().payload,
        b"one",
        "nothing was lost"
    );
    assert_eq!(held.next().await.unwrap().payload, b"two");
    drop(held);
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_denied_subscription_ends_with_the_error_and_a_denied_inbox_fails_requests_at_once() {
    let options = ConnectOptions::new()
        .servers([USERS_WS_URL])
        .user_and_password(WATCHER_USER, WATCHER_PASSWORD);
    let client = connect(options).await.unwrap();
    let mut denied = client.subscribe("secret.plans").await.unwrap();
    assert!(denied.next().await.is_none(), "the stream ends");
    let err = denied.error().expect("the stream says why it ended");
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(err.to_string().contains("\"secret.plans\""), "{err}");
    assert_eq!(
        denied.drain().await.unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );

    // Longer than the test runner waits: only failing at once lets this pass.
    let err = client
        .request("svc", "")
        .timeout(Duration::from_secs(600))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::PermissionDenied, "{err}");
    let err = client.request("svc", "").await.unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::PermissionDenied, "{err}");
    drop(denied);
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn an_inbox_prefix_that_is_not_a_literal_subject_fails_the_connect_and_sends_nothing() {
    let error = connect(
        ConnectOptions::new()
            .servers([WS_URL])
            .inbox_prefix("my inbox"),
    )
    .await
    .err()
    .expect("refused");
    assert_eq!(error.kind(), ConnectErrorKind::InvalidOptions);
    assert!(error.to_string().contains("inbox prefix"), "{error}");
}

#[wasm_bindgen_test]
async fn a_url_the_browser_refuses_at_once_fails_the_connect_instead_of_hanging() {
    // A port outside 0..=65535: `new WebSocket` throws before any socket exists.
    let outcome = within_patience(connect(
        ConnectOptions::new().servers(["ws://127.0.0.1:99999"]),
    ))
    .await
    .expect("connect resolves");
    let error = outcome.err().expect("refused");
    assert!(error.to_string().contains("99999"), "{error}");
}

#[wasm_bindgen_test]
async fn a_server_given_as_host_and_port_gets_ws_on_a_plain_http_page() {
    assert_eq!(
        web_sys::window().unwrap().location().protocol().unwrap(),
        "http:",
        "the test page"
    );
    let host_port = WS_URL.strip_prefix("ws://").expect("a ws:// test URL");
    let client = connect(ConnectOptions::new().servers([host_port]))
        .await
        .expect("127.0.0.1:<port> means ws:// on an http: page");
    assert_eq!(client.server_url(), WS_URL);
    let mut sub = client.subscribe("schemeless").await.unwrap();
    client.publish("schemeless", "hi").await.unwrap();
    assert_eq!(sub.next().await.unwrap().payload, b"hi");
    drop(sub);
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn rtt_measures_a_round_trip_and_force_reconnect_keeps_subscriptions() {
    let (tx, mut events) = channel::unbounded();
    let client = connect_with_events(ConnectOptions::new().servers([WS_URL]), Some(tx))
        .await
        .unwrap();
    client.rtt().await.expect("a round trip is measured");
    let mut sub = client.subscribe("kept").await.unwrap();
    client.flush().await.unwrap();

    client.force_reconnect().await.unwrap();
    client.publish("kept", "after").await.unwrap();
    within_patience(async {
        while !matches!(
            events.next().await,
            Some(ClientEvent::Reconnected { .. }) | None
        ) {}
    })
    .await
    .expect("reconnected");
    assert_eq!(sub.next().await.unwrap().payload, b"after");
    drop(sub);
    client.drain().await.unwrap();
    assert_eq!(client.rtt().await.unwrap_err().kind(), ErrorKind::Closed);
}

#[wasm_bindgen_test]
async fn with_retry_on_initial_connect_connect_returns_at_once_and_connects_when_the_server_starts()
{
    control("kill").await;
    let (tx, mut events) = channel::unbounded();
    let options = ConnectOptions::new()
        .servers([RESTARTABLE_WS_URL])
        .retry_on_initial_connect()
        .max_reconnects(None)
        .reconnect_delay_callback(|_| Duration::from_millis(100));
    let client = within_patience(connect_with_events(options, Some(tx)))
        .await
        .expect("returns without waiting for the server")
        .unwrap();
    let mut sub = client.subscribe("early").await.unwrap();
    client.publish("early", "held").await.unwrap();
    while !matches!(
        events.next().await,
        Some(ClientEvent::Disconnected { .. }) | None
    ) {}
    control("start").await;
    within_patience(async {
        while !matches!(
            events.next().await,
            Some(ClientEvent::Connected { .. }) | None
        ) {}
    })
    .await
    .expect("connected once the server is up");
    assert_eq!(sub.next().await.unwrap().payload, b"held");
    drop(sub);
    client.drain().await.unwrap();
}

#[wasm_bindgen_test]
async fn with_retry_on_initial_connect_options_that_can_never_work_still_fail_connect() {
    // Refused before anything is opened: retrying in the background would retry nothing.
    let bad_prefix = ConnectOptions::new()
        .servers([WS_URL])
        .retry_on_initial_connect()
        .inbox_prefix("not a subject");
    let error = connect(bad_prefix).await.err().expect("refused");
    assert_eq!(error.kind(), ConnectErrorKind::InvalidOptions, "{error}");

    let bad_seed = ConnectOptions::new()
        .servers([WS_URL])
        .retry_on_initial_connect()
        .nkey("SUAnot-a-seed");
    let error = connect(bad_seed).await.err().expect("refused");
    assert_eq!(
        error.kind(),
        ConnectErrorKind::InvalidCredentials,
        "{error}"
    );
}

#[wasm_bindgen_test]
async fn rtt_fails_with_timed_out_when_the_server_stops_answering_even_without_keepalive() {
    control("start").await; // in case an earlier test left it down
    let options = ConnectOptions::new()
        .servers([RESTARTABLE_WS_URL])
        .ping_interval(Duration::ZERO);
    let client = connect(options).await.unwrap();
    control("pause").await; // the WebSocket stays open; nothing is answered
    let outcome = client.rtt().timeout(HALF_SECOND).await;
    control("resume").await;
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::TimedOut);
    client
        .rtt()
        .await
        .expect("measured again once the server answers");
    client.close();
}
