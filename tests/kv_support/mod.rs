//! Helpers for the Key-Value browser tests: the restartable JetStream server the test command
//! started, fresh bucket names, and the nats-py KV peer (`scripts/kv_peer.py`) on each server.
#![allow(dead_code)]

use std::cell::Cell;
use std::time::Duration;

use futures::StreamExt;
use nats_web::jetstream::{self, Context};
use nats_web::kv::{Entry, KvConfig, Operation, Store, Watch, WatchEvent};
use nats_web::{connect, Client, ConnectOptions, RequestErrorKind};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::web::{sleep, within_patience};

/// A JetStream nats-server (file storage, one store_dir across restarts) that the tests may
/// kill and start again through [`JS_CONTROL_URL`].
pub const JS_RESTARTABLE_WS_URL: &str = match option_env!("NATS_JS_RESTARTABLE_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4291",
};

/// `scripts/nats_control.py`'s HTTP endpoint for [`JS_RESTARTABLE_WS_URL`]'s server.
pub const JS_CONTROL_URL: &str = match option_env!("NATS_JS_CONTROL_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:4297",
};

/// Asks the control program to `kill` or `start` the restartable JetStream server.
pub async fn js_control(action: &str) {
    let window = web_sys::window().unwrap();
    let response = JsFuture::from(window.fetch_with_str(&format!("{JS_CONTROL_URL}/{action}")))
        .await
        .expect("the control program answers");
    let response: web_sys::Response = response.dyn_into().unwrap();
    assert!(
        response.ok(),
        "{action} failed: status {}",
        response.status()
    );
}

thread_local! {
    static NEXT_BUCKET: Cell<u32> = const { Cell::new(0) };
}

/// A bucket name no other test (nor an earlier run against the same server) uses.
pub fn fresh_bucket(what: &str) -> String {
    let n = NEXT_BUCKET.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let stamp = js_sys::Date::now() as u64;
    format!("{what}_{stamp}_{n}")
}

/// A client of `url` that reconnects quickly and for ever.
pub async fn client_of(url: &str) -> Client {
    connect(
        ConnectOptions::new()
            .servers([url])
            .reconnect_wait(Duration::from_millis(100))
            .max_reconnects(None),
    )
    .await
    .expect("the JetStream server accepts the connection")
}

/// Asks the nats-py peer on `client`'s server: `kvpeer.<action>` with `body`; its JSON
/// answer (a peer error fails the test). While the peer is not subscribed (it reconnects
/// after a server restart too) the request finds no responders: it is asked again, for at
/// most the tests' patience.
pub async fn peer(client: &Client, action: &str, body: Value) -> Value {
    let asking = async {
        loop {
            let reply = client
                .request(format!("kvpeer.{action}"), body.to_string())
                .timeout(Duration::from_secs(10))
                .await;
            match reply {
                Err(e) if e.kind() == RequestErrorKind::NoResponders => sleep(RETRY).await,
                other => break other,
            }
        }
    };
    let reply = within_patience(asking)
        .await
        .expect("the nats-py peer is subscribed in time")
        .unwrap_or_else(|e| panic!("the nats-py peer answers kvpeer.{action}: {e}"));
    let answer: Value = serde_json::from_slice(&reply.payload).expect("the peer answers JSON");
    assert!(answer.get("error").is_none(), "nats-py: {answer}");
    answer
}

/// How long to wait before asking a peer that is not subscribed yet again.
const RETRY: Duration = Duration::from_millis(100);

/// nats-py's `put`: the revision it got.
pub async fn peer_put(client: &Client, bucket: &str, key: &str, value: &str) -> u64 {
    let answer = peer(
        client,
        "put",
        json!({"bucket": bucket, "key": key, "value": value}),
    )
    .await;
    answer["revision"].as_u64().expect("a revision")
}

/// nats-py's `get`: the value, or `None` when nats-py finds none.
pub async fn peer_get(client: &Client, bucket: &str, key: &str) -> Option<String> {
    let answer = peer(client, "get", json!({"bucket": bucket, "key": key})).await;
    answer["value"].as_str().map(str::to_owned)
}

/// The next event of `watch`, waited for at most the tests' patience.
pub async fn next_event(watch: &mut Watch) -> WatchEvent {
    within_patience(watch.next())
        .await
        .expect("the watch delivers in time")
        .expect("the watch goes on")
        .expect("the watch has no error")
}

/// A client, its JetStream context and a new bucket keeping `history` values per key.
pub async fn bucket(what: &str, history: u8) -> (Client, Context, Store) {
    let client = client_of(super::web::JS_WS_URL).await;
    let js = jetstream::new(client.clone());
    let config = KvConfig {
        history,
        ..KvConfig::new(fresh_bucket(what))
    };
    let store = js
        .create_key_value(config)
        .await
        .expect("the bucket is created");
    (client, js, store)
}

/// The entry an event holds (fails the test on the marker).
pub fn entry(event: WatchEvent) -> Entry {
    match event {
        WatchEvent::Entry(entry) => entry,
        WatchEvent::InitialDone => panic!("expected an entry, got the initial-values marker"),
    }
}

/// (key, value, operation) of an entry, for comparing.
pub fn kvo(entry: &Entry) -> (String, String, Operation) {
    (
        entry.key.clone(),
        String::from_utf8_lossy(&entry.value).into_owned(),
        entry.operation,
    )
}

/// (key, value, `Put`), for comparing with [`kvo`].
pub fn put(key: &str, value: &str) -> (String, String, Operation) {
    (key.into(), value.into(), Operation::Put)
}
