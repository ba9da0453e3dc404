//! The client in real headless Chromium, over a real nats-server's WebSocket listener
//! (`wasm-pack test --headless --chrome`; the test command sets the URLs at compile time).

#![cfg(target_arch = "wasm32")]

mod web;

use std::time::Duration;

use futures::stream::{self, StreamExt};
use nats_web::nats::client::{
    channel, connect, connect_with_events, ClientEvent, ConnectErrorKind, ErrorKind,
    RequestErrorKind,
};
use nats_web::nats::conn::Direction;
use nats_web::nats::{Client, ConnectOptions};
use wasm_bindgen_futures::spawn_local;
use wasm_bindgen_test::*;
use web::{CLOSED_WS_URL, TCP_PORT_AS_WS_URL, WS_URL};

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
) -> nats_web::nats::client::SubscriberHandle {
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
    let _silent = client.subscribe("silent").await.unwrap();
    client.flush().await.unwrap();
    let err = client
        .request("silent", "")
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RequestErrorKind::TimedOut);
    assert_eq!(err.to_string(), "request to silent timed out after 300 ms");
    client.drain().await.unwrap();
}
