//! `Client::request_many` (scatter-gather, nats.js `requestMany`) in real headless Chromium,
//! against real responders on the same nats-server: each end condition, no responders, a
//! `Responses` dropped mid-way, its pending limit, and a drain with one in flight.

#![cfg(target_arch = "wasm32")]

mod web;

use std::future::IntoFuture;
use std::time::Duration;

use futures::StreamExt;
use nats_web::client::{connect, RequestErrorKind, Responses, ResponsesEnd};
use nats_web::{Client, ConnectOptions};
use wasm_bindgen_futures::spawn_local;
use wasm_bindgen_test::*;
use web::{sleep, within_patience, PATIENCE, WS_URL};

wasm_bindgen_test_configure!(run_in_browser);

const LONG: Duration = Duration::from_secs(60);

async fn client() -> Client {
    connect(ConnectOptions::new().servers([WS_URL]))
        .await
        .expect("connect to the test server")
}

/// A subject no other test uses.
fn unique(name: &str) -> String {
    let token = (js_sys::Math::random() * 1e15) as u64;
    format!("rm.{name}.{token}")
}

/// A client of its own with `n` subscriptions to `subject`, each answering every request with
/// `<name><i>` after `delay`.
async fn responders(subject: &str, name: &str, n: usize, delay: Duration) -> Client {
    let client = client().await;
    for i in 0..n {
        let mut sub = client.subscribe(subject).await.unwrap();
        let answer = format!("{name}{i}");
        spawn_local(async move {
            while let Some(msg) = sub.next().await {
                if !delay.is_zero() {
                    sleep(delay).await;
                }
                let _ = msg.respond(answer.as_str()).await;
            }
        });
    }
    client.flush().await.unwrap();
    client
}

/// A subject no other test uses, with a client of its own whose `n` responders answer every
/// request on it at once: `r0`, `r1`, ...
async fn answering(name: &str, n: usize) -> (String, Client) {
    let subject = unique(name);
    let responders = responders(&subject, "r", n, Duration::ZERO).await;
    (subject, responders)
}

/// Every reply's payload until the stream ends (bounded by [`PATIENCE`]), sorted.
async fn gather(responses: &mut Responses) -> Vec<String> {
    let mut replies: Vec<String> = within_patience(async {
        let mut replies = Vec::new();
        while let Some(reply) = responses.next().await {
            let reply = reply.expect("a reply, not an error");
            replies.push(String::from_utf8_lossy(&reply.payload).into_owned());
        }
        replies
    })
    .await
    .expect("the stream ended in time");
    replies.sort();
    replies
}

#[wasm_bindgen_test]
async fn request_many_ends_after_max_messages() {
    let (subject, _responders) = answering("count", 4).await;
    let client = client().await;
    let mut responses = client
        .request_many(subject.as_str(), "q")
        .max_messages(2)
        .max_wait(LONG)
        .await
        .unwrap();
    assert_eq!(gather(&mut responses).await.len(), 2);
    assert_eq!(responses.end(), Some(ResponsesEnd::MaxMessages));
}

#[wasm_bindgen_test]
async fn request_many_gathers_every_responder_until_max_wait() {
    let (subject, _responders) = answering("wait", 3).await;
    let client = client().await;
    let mut responses = client
        .request_many(subject.as_str(), "q")
        .max_wait(Duration::from_millis(500))
        .await
        .unwrap();
    assert_eq!(gather(&mut responses).await, ["r0", "r1", "r2"]);
    assert_eq!(responses.end(), Some(ResponsesEnd::MaxWait));
}

#[wasm_bindgen_test]
async fn request_many_ends_at_a_stall_after_the_last_reply() {
    let (subject, responders) = answering("stall", 3).await;
    // One more subscriber that never answers: only the stall ends it before the max wait.
    let _silent = responders.subscribe(&subject).await.unwrap();
    responders.flush().await.unwrap();
    let client = client().await;
    let mut responses = client
        .request_many(subject.as_str(), "q")
        .stall(Duration::from_millis(200))
        .max_wait(LONG)
        .await
        .unwrap();
    assert_eq!(gather(&mut responses).await, ["r0", "r1", "r2"]);
    assert_eq!(responses.end(), Some(ResponsesEnd::Stall));
}

#[wasm_bindgen_test]
async fn request_many_ends_at_the_sentinel_which_is_not_yielded() {
    let subject = unique("sentinel");
    let streamer = client().await;
    let mut sub = streamer.subscribe(&subject).await.unwrap();
    spawn_local(async move {
        while let Some(msg) = sub.next().await {
            for chunk in ["one", "two", "three", "", "after"] {
                let _ = msg.respond(chunk).await;
            }
        }
    });
    streamer.flush().await.unwrap();
    let client = client().await;
    let mut responses = client
        .request_many(subject.as_str(), "q")
        .sentinel()
        .max_wait(LONG)
        .await
        .unwrap();
    let mut replies = Vec::new();
    while let Some(reply) = within_patience(responses.next()).await.unwrap() {
        replies.push(String::from_utf8(reply.unwrap().payload).unwrap());
    }
    assert_eq!(
        replies,
        ["one", "two", "three"],
        "in order, without the sentinel"
    );
    assert_eq!(responses.end(), Some(ResponsesEnd::Sentinel));
}

#[wasm_bindgen_test]
async fn request_many_without_responders_yields_one_no_responders_error() {
    let client = client().await;
    let subject = unique("nobody");
    let mut responses = client
        .request_many(subject.as_str(), "q")
        .max_wait(LONG)
        .await
        .unwrap();
    let first = within_patience(responses.next()).await.unwrap();
    let err = first.expect("one item").expect_err("an error");
    assert_eq!(err.kind(), RequestErrorKind::NoResponders);
    assert_eq!(err.to_string(), format!("no responders for {subject}"));
    assert!(responses.next().await.is_none(), "then the end");
    assert_eq!(responses.end(), Some(ResponsesEnd::NoResponders));
    let single = client.request(subject.as_str(), "").await.unwrap_err();
    assert_eq!(single.kind(), err.kind(), "as a request reports it");
}

#[wasm_bindgen_test]
async fn dropping_responses_mid_way_cancels_it_and_leaks_nothing() {
    let subject = unique("drop");
    let _fast = responders(&subject, "fast", 1, Duration::ZERO).await;
    let _slow = responders(&subject, "slow", 2, Duration::from_millis(300)).await;
    let client = client().await;
    let mut responses = client
        .request_many(subject.as_str(), "q")
        .max_wait(LONG)
        .await
        .unwrap();
    let first = within_patience(responses.next()).await.unwrap().unwrap();
    assert_eq!(first.unwrap().payload, b"fast0");
    assert_eq!(responses.end(), None, "still waiting for more");
    drop(responses);
    // The slow replies arrive for a token that is gone: dropped without a trace.
    sleep(Duration::from_millis(500)).await;
    let reply = client
        .request(subject.as_str(), "again")
        .timeout(PATIENCE)
        .await
        .unwrap();
    assert_eq!(reply.payload, b"fast0", "a later request works");
    // The connection holds no request: the drain does not wait out the 60 s max wait.
    within_patience(client.drain())
        .await
        .expect("the drain waits for no canceled request")
        .unwrap();
}

#[wasm_bindgen_test]
async fn replies_past_the_pending_limit_are_dropped_and_counted() {
    let (subject, _responders) = answering("limit", 5).await;
    let client = client().await;
    let mut responses = client
        .request_many(subject.as_str(), "q")
        .pending_limits(2, 1 << 20)
        .max_wait(Duration::from_millis(500))
        .await
        .unwrap();
    // Not read until it ended: only two replies could wait.
    within_patience(async {
        while responses.end().is_none() {
            sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("it ended");
    assert_eq!((responses.pending_messages(), responses.dropped()), (2, 3));
    assert_eq!(gather(&mut responses).await.len(), 2);
    assert_eq!(responses.end(), Some(ResponsesEnd::MaxWait));
}

#[wasm_bindgen_test]
async fn a_drain_waits_for_a_request_many_in_flight_to_end() {
    let subject = unique("drain");
    let _slow = responders(&subject, "r", 2, Duration::from_millis(300)).await;
    let client = client().await;
    let mut responses = client
        .request_many(subject.as_str(), "q")
        .max_messages(2)
        .max_wait(LONG)
        .await
        .unwrap();
    let draining = client.clone();
    let drained = futures::future::join(
        async move { draining.drain().await },
        gather(&mut responses),
    );
    let (drained, replies) = within_patience(drained).await.expect("drained in time");
    assert_eq!(replies, ["r0", "r1"], "the replies came before the close");
    assert_eq!(responses.end(), Some(ResponsesEnd::MaxMessages));
    drained.unwrap();
    let refused = client.request_many("x", "").await.err().unwrap();
    assert_eq!(refused.kind(), RequestErrorKind::Closed);
}

#[wasm_bindgen_test]
async fn without_max_wait_it_waits_the_request_timeout_of_the_options() {
    let (subject, _responders) = answering("default", 2).await;
    let options = ConnectOptions::new()
        .servers([WS_URL])
        .request_timeout(Some(Duration::from_millis(300)));
    let client = connect(options).await.unwrap();
    let mut responses = client.request_many(subject.as_str(), "q").await.unwrap();
    assert_eq!(gather(&mut responses).await, ["r0", "r1"]);
    assert_eq!(responses.end(), Some(ResponsesEnd::MaxWait));
}

#[wasm_bindgen_test]
async fn a_close_ends_it_with_one_closed_error_after_the_replies_so_far() {
    let (subject, _responders) = answering("close", 1).await;
    let client = client().await;
    let mut responses = client
        .request_many(subject.as_str(), "q")
        .max_wait(LONG)
        .await
        .unwrap();
    let first = within_patience(responses.next()).await.unwrap().unwrap();
    assert_eq!(first.unwrap().payload, b"r0");
    client.close();
    let err = within_patience(responses.next())
        .await
        .unwrap()
        .expect("one item")
        .expect_err("an error");
    assert_eq!(err.kind(), RequestErrorKind::Closed);
    assert!(responses.next().await.is_none(), "then the end");
    assert_eq!(responses.end(), Some(ResponsesEnd::Closed));
}

#[wasm_bindgen_test]
async fn a_single_request_dropped_before_its_reply_is_cancelled_and_a_drain_does_not_wait_for_it() {
    let subject = unique("dropped-single");
    // Subscribed, never answers: the request would wait its whole 60 s timeout.
    let silent = client().await;
    let _sub = silent.subscribe(subject.as_str()).await.unwrap();
    silent.flush().await.unwrap();
    let client = client().await;
    let request = client
        .request(subject.as_str(), "anyone?")
        .timeout(LONG)
        .into_future();
    let gave_up = futures::future::select(request, Box::pin(sleep(Duration::from_millis(200))));
    assert!(
        matches!(gave_up.await, futures::future::Either::Right(_)),
        "nobody answers"
    );
    // The request's future is gone: the connection holds nothing for it.
    within_patience(client.drain())
        .await
        .expect("the drain waits for no dropped request")
        .unwrap();
}

#[wasm_bindgen_test]
async fn concurrent_request_manys_and_a_request_on_one_inbox_each_get_exactly_their_own_replies() {
    let (a, b, c, nobody) = (
        unique("mux-a"),
        unique("mux-b"),
        unique("mux-c"),
        unique("mux-d"),
    );
    // Answering a while after the requests: all four are in flight on the inbox at once.
    let delay = Duration::from_millis(50);
    let _a = responders(&a, "a", 2, delay).await;
    let _b = responders(&b, "b", 3, delay).await;
    let _c = responders(&c, "c", 1, delay).await;
    let client = client().await;
    let mut to_a = client
        .request_many(a.as_str(), "q")
        .max_messages(2)
        .max_wait(LONG)
        .await
        .unwrap();
    let mut to_nobody = client
        .request_many(nobody.as_str(), "q")
        .max_wait(LONG)
        .await
        .unwrap();
    let single = client
        .request(c.as_str(), "q")
        .timeout(PATIENCE)
        .into_future();
    let mut to_b = client
        .request_many(b.as_str(), "q")
        .max_messages(3)
        .max_wait(LONG)
        .await
        .unwrap();
    let (from_a, from_b, answer, no_one) = futures::join!(
        gather(&mut to_a),
        gather(&mut to_b),
        single,
        to_nobody.next()
    );
    assert_eq!(from_a, ["a0", "a1"]);
    assert_eq!(from_b, ["b0", "b1", "b2"]);
    assert_eq!(answer.expect("the single reply").payload, b"c0");
    let no_one = no_one.expect("one item").expect_err("no responders");
    assert_eq!(no_one.kind(), RequestErrorKind::NoResponders);
    assert!(to_nobody.next().await.is_none());
    assert_eq!(to_a.end(), Some(ResponsesEnd::MaxMessages));
    assert_eq!(to_b.end(), Some(ResponsesEnd::MaxMessages));
    assert_eq!(to_nobody.end(), Some(ResponsesEnd::NoResponders));
}
