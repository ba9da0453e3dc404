//! Key-Value reads and limits in real headless Chromium against a JetStream nats-server:
//! which API a read goes through (observed by a second connection subscribed to
//! `$JS.API.>`), keys too long for the server's control line refused without losing the
//! connection, and mirrored buckets refused.

#![cfg(target_arch = "wasm32")]

mod kv_support;
mod web;

use futures::{FutureExt, StreamExt};
use kv_support::{bucket, client_of, fresh_bucket};
use nats_web::jetstream;
use nats_web::kv::{KvConfig, KvErrorKind, Store, MAX_KEY_LEN};
use nats_web::{Client, ErrorKind, Subscriber};
use wasm_bindgen_test::*;
use web::JS_WS_URL;

wasm_bindgen_test_configure!(run_in_browser);

/// A second connection that sees every JetStream API request (core fan-out: the server
/// delivers a request to every subscriber of its subject, JetStream included).
async fn api_observer() -> (Client, Subscriber) {
    let observer = client_of(JS_WS_URL).await;
    let api = observer.subscribe("$JS.API.>").await.unwrap();
    observer.flush().await.unwrap();
    (observer, api)
}

/// The subjects of the API requests `api` saw until now (`client`'s requests are all at the
/// server once it answered them; the observer's flush brings every copy in).
async fn api_subjects_seen(observer: &Client, api: &mut Subscriber) -> Vec<String> {
    observer.flush().await.unwrap();
    let mut seen = Vec::new();
    while let Some(Some(message)) = api.next().now_or_never() {
        seen.push(message.subject.to_string());
    }
    seen
}

/// The API subjects `store.get("k")` and `store.entry("k")` used.
async fn read_subjects(store: &Store) -> Vec<String> {
    let (observer, mut api) = api_observer().await;
    store.get("k").await.unwrap();
    store.entry("k").await.unwrap();
    api_subjects_seen(&observer, &mut api).await
}

#[wasm_bindgen_test]
async fn reads_of_a_bucket_with_direct_get_go_through_direct_get() {
    let (_client, _js, store) = bucket("direct", 1).await;
    store.put("k", "v").await.unwrap();
    let stream = format!("KV_{}", store.bucket());
    let seen = read_subjects(&store).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|s| s.starts_with(&format!("$JS.API.DIRECT.GET.{stream}"))),
        "{seen:?}"
    );
}

#[wasm_bindgen_test]
async fn reads_of_a_bucket_without_direct_get_go_through_stream_msg_get() {
    let js = jetstream::new(client_of(JS_WS_URL).await);
    let name = fresh_bucket("msg_get");
    let mut stream = KvConfig::new(name.as_str()).to_stream_config().unwrap();
    stream.allow_direct = false;
    js.create_stream(stream).await.unwrap();
    let store = js.key_value(&name).await.unwrap();
    store.put("k", "v").await.unwrap();
    let seen = read_subjects(&store).await;
    let msg_get = format!("$JS.API.STREAM.MSG.GET.KV_{name}");
    assert_eq!(seen, [msg_get.clone(), msg_get]);
}

#[wasm_bindgen_test]
async fn a_key_too_long_for_the_control_line_is_refused_and_the_connection_stays_up() {
    let (client, _js, store) = bucket("long_key", 1).await;
    let mut events = client.events();
    let before = client.statistics().out_messages;
    // 5000 bytes: `PUB $KV.<bucket>.<key> ..` would exceed nats-server's max_control_line
    // (4096), which closes the connection.
    let long = "k".repeat(5000);
    for key in [long.as_str(), &"k".repeat(MAX_KEY_LEN + 1)] {
        let err = store.put(key, "v").await.unwrap_err();
        assert_eq!(err.kind(), KvErrorKind::InvalidKey, "{err}");
        assert!(err.to_string().contains("longer than"), "{err}");
    }
    let err = store.watch(&long).await.err().expect("refused");
    assert_eq!(err.kind(), KvErrorKind::InvalidKey);
    // The connection refuses any publish whose control line is too long, KV or not.
    let subject = format!("$KV.{}.{long}", store.bucket());
    let err = client.publish(&subject, "v").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSubject, "{err}");
    assert!(err.to_string().contains("max_control_line"), "{err}");
    assert_eq!(client.statistics().out_messages, before, "nothing was sent");

    let longest = "k".repeat(MAX_KEY_LEN);
    let revision = store.put(&longest, "v").await.unwrap();
    assert_eq!(store.put("k", "v").await.unwrap(), revision + 1);
    client.flush().await.unwrap();
    assert!(
        events.next().now_or_never().is_none(),
        "no connection event: the connection stayed up"
    );
}

#[wasm_bindgen_test]
async fn a_mirrored_bucket_is_refused_as_unsupported() {
    let (_client, js, origin) = bucket("origin", 1).await;
    origin.put("k", "v").await.unwrap();
    let name = fresh_bucket("mirror");
    let mut mirror = KvConfig::new(name.as_str()).to_stream_config().unwrap();
    mirror.subjects.clear();
    mirror.mirror = Some(nats_web::nats_core::jetstream::stream::StreamSource {
        name: format!("KV_{}", origin.bucket()),
        ..Default::default()
    });
    js.create_stream(mirror).await.unwrap();
    let err = js.key_value(&name).await.expect_err("refused");
    assert_eq!(err.kind(), KvErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("not supported yet"), "{err}");
}
