//! Key-Value watches in real headless Chromium against a JetStream nats-server: the latest
//! value per key, then the initial-values marker (once, also for an empty bucket), then every
//! change; options; filters; the end when the bucket is deleted; and interop with nats-py's KV
//! both ways (`scripts/kv_peer.py` on the same server, over TCP); and a watcher whose timers
//! run late (a busy or background page) that is not reset for it.

#![cfg(target_arch = "wasm32")]

mod kv_support;
mod web;

use std::time::Duration;

use kv_support::{bucket, entry, kvo, next_event, peer, peer_get, peer_put, put};
use nats_web::kv::{KvErrorKind, Operation, WatchEvent, WatchOptions};
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_watch_gives_the_latest_value_per_key_then_the_marker_then_every_change() {
    let (_client, _js, store) = bucket("watch", 5).await;
    store.put("a", "1").await.unwrap();
    store.put("a", "2").await.unwrap();
    store.put("b", "1").await.unwrap();
    let mut watch = store.watch_all().await.unwrap();
    assert_eq!(kvo(&entry(next_event(&mut watch).await)), put("a", "2"));
    assert_eq!(kvo(&entry(next_event(&mut watch).await)), put("b", "1"));
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);

    store.put("c", "1").await.unwrap();
    store.delete("a").await.unwrap();
    store.purge("b").await.unwrap();
    let c = entry(next_event(&mut watch).await);
    assert_eq!(kvo(&c), put("c", "1"));
    assert_eq!(c.bucket, store.bucket());
    let deleted = entry(next_event(&mut watch).await);
    assert_eq!(
        (deleted.key.as_str(), deleted.operation),
        ("a", Operation::Delete)
    );
    let purged = entry(next_event(&mut watch).await);
    assert_eq!(
        (purged.key.as_str(), purged.operation),
        ("b", Operation::Purge)
    );
    assert!(c.revision < deleted.revision && deleted.revision < purged.revision);
}

#[wasm_bindgen_test]
async fn a_watch_of_an_empty_bucket_sends_the_marker_first() {
    let (_client, _js, store) = bucket("watch_empty", 1).await;
    let mut watch = store.watch_all().await.unwrap();
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);
    store.put("k", "v").await.unwrap();
    assert_eq!(kvo(&entry(next_event(&mut watch).await)), put("k", "v"));
}

#[wasm_bindgen_test]
async fn a_watch_without_initial_values_sends_the_marker_then_only_new_changes() {
    let (_client, _js, store) = bucket("watch_new", 1).await;
    store.put("old", "v").await.unwrap();
    let options = WatchOptions::new().include_initial(false);
    let mut watch = store.watch_with(">", options).await.unwrap();
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);
    store.put("new", "v").await.unwrap();
    assert_eq!(kvo(&entry(next_event(&mut watch).await)), put("new", "v"));
}

#[wasm_bindgen_test]
async fn a_watch_of_a_key_or_a_wildcard_sees_only_the_keys_it_matches() {
    let (_client, _js, store) = bucket("watch_filter", 1).await;
    store.put("greet.joe", "1").await.unwrap();
    store.put("other", "1").await.unwrap();
    let mut wildcard = store.watch("greet.*").await.unwrap();
    let mut one = store.watch("greet.sue").await.unwrap();
    assert_eq!(
        kvo(&entry(next_event(&mut wildcard).await)),
        put("greet.joe", "1")
    );
    assert_eq!(next_event(&mut wildcard).await, WatchEvent::InitialDone);
    assert_eq!(next_event(&mut one).await, WatchEvent::InitialDone);

    store.put("other", "2").await.unwrap();
    store.put("greet.sue", "2").await.unwrap();
    store.put("greet.sue.deeper", "2").await.unwrap();
    assert_eq!(
        kvo(&entry(next_event(&mut wildcard).await)),
        put("greet.sue", "2")
    );
    assert_eq!(
        kvo(&entry(next_event(&mut one).await)),
        put("greet.sue", "2")
    );
    store.put("greet.bob", "3").await.unwrap();
    assert_eq!(
        kvo(&entry(next_event(&mut wildcard).await)),
        put("greet.bob", "3")
    );
}

#[wasm_bindgen_test]
async fn watch_options_leave_out_deletes_values_or_add_history() {
    let (_client, _js, store) = bucket("watch_options", 5).await;
    store.put("a", "1").await.unwrap();
    store.put("a", "2").await.unwrap();
    store.put("b", "1").await.unwrap();
    store.delete("b").await.unwrap();

    let no_deletes = WatchOptions::new().include_deletes(false);
    let mut watch = store.watch_with("", no_deletes).await.unwrap();
    assert_eq!(kvo(&entry(next_event(&mut watch).await)), put("a", "2"));
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);
    store.delete("a").await.unwrap();
    store.put("c", "1").await.unwrap();
    assert_eq!(kvo(&entry(next_event(&mut watch).await)), put("c", "1"));

    let headers_only = WatchOptions::new().headers_only(true);
    let mut watch = store.watch_with("c", headers_only).await.unwrap();
    let c = entry(next_event(&mut watch).await);
    assert_eq!((c.key.as_str(), c.value.as_slice()), ("c", &b""[..]));

    let history = WatchOptions::new().include_history(true);
    let mut watch = store.watch_with("a", history).await.unwrap();
    let mut seen = Vec::new();
    while let WatchEvent::Entry(e) = next_event(&mut watch).await {
        seen.push(kvo(&e));
    }
    assert_eq!(
        seen,
        [
            put("a", "1"),
            put("a", "2"),
            ("a".into(), String::new(), Operation::Delete)
        ]
    );
}

#[wasm_bindgen_test]
async fn the_marker_is_sent_once() {
    let (_client, _js, store) = bucket("marker_once", 1).await;
    store.put("a", "1").await.unwrap();
    let mut watch = store.watch_all().await.unwrap();
    assert_eq!(kvo(&entry(next_event(&mut watch).await)), put("a", "1"));
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);
    for i in 0..5 {
        store.put("a", i.to_string()).await.unwrap();
    }
    for i in 0..5 {
        assert_eq!(
            kvo(&entry(next_event(&mut watch).await)),
            put("a", &i.to_string())
        );
    }
}

#[wasm_bindgen_test]
async fn a_value_put_by_the_page_is_read_by_nats_py_and_seen_by_its_watcher() {
    let (client, _js, store) = bucket("interop_out", 5).await;
    let id = store.bucket().to_owned();
    let mut seen = client
        .subscribe(&format!("kvpeer.watched.{id}"))
        .await
        .unwrap();
    let started = peer(
        &client,
        "watch",
        json!({"bucket": id, "filter": ">", "id": id}),
    )
    .await;
    assert_eq!(started["ok"], true);

    let revision = store.put("greet.joe", "hello from the page").await.unwrap();
    assert_eq!(
        peer_get(&client, store.bucket(), "greet.joe")
            .await
            .as_deref(),
        Some("hello from the page")
    );
    let watched = web::within_patience(futures::StreamExt::next(&mut seen))
        .await
        .flatten()
        .expect("nats-py's watcher saw the put");
    let watched: serde_json::Value = serde_json::from_slice(&watched.payload).unwrap();
    assert_eq!(watched["key"], "greet.joe");
    assert_eq!(watched["value"], "hello from the page");
    assert_eq!(watched["revision"], revision);
    assert_eq!(watched["operation"], "PUT");

    store.delete("greet.joe").await.unwrap();
    assert_eq!(peer_get(&client, store.bucket(), "greet.joe").await, None);
    let history = peer(
        &client,
        "history",
        json!({"bucket": store.bucket(), "key": "greet.joe"}),
    )
    .await;
    let ops: Vec<&str> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        ["PUT", "DEL"],
        "nats-py reads our delete marker as a delete"
    );
    let _ = peer(&client, "unwatch", json!({"id": id})).await;
}

#[wasm_bindgen_test]
async fn a_value_put_by_nats_py_is_seen_by_the_page_s_watcher_and_read() {
    let (client, _js, store) = bucket("interop_in", 5).await;
    let mut watch = store.watch_all().await.unwrap();
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);

    let revision = peer_put(&client, store.bucket(), "greet.sue", "hello from nats-py").await;
    let seen = entry(next_event(&mut watch).await);
    assert_eq!(kvo(&seen), put("greet.sue", "hello from nats-py"));
    assert_eq!(seen.revision, revision);
    assert_eq!(
        store.get("greet.sue").await.unwrap().as_deref(),
        Some(&b"hello from nats-py"[..])
    );
    let _ = peer(
        &client,
        "delete",
        json!({"bucket": store.bucket(), "key": "greet.sue"}),
    )
    .await;
    let deleted = entry(next_event(&mut watch).await);
    assert_eq!(
        (deleted.key.as_str(), deleted.operation),
        ("greet.sue", Operation::Delete)
    );
}

#[wasm_bindgen_test]
async fn a_watch_of_a_deleted_bucket_ends_with_not_found_then_nothing() {
    let (_client, js, store) = bucket("watch_gone", 1).await;
    store.put("k", "v").await.unwrap();
    let options = WatchOptions::new().idle_heartbeat(Duration::from_millis(500));
    let mut watch = store.watch_with(">", options).await.unwrap();
    assert_eq!(kvo(&entry(next_event(&mut watch).await)), put("k", "v"));
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);

    js.delete_key_value(store.bucket()).await.unwrap();
    let end = web::within_patience(futures::StreamExt::next(&mut watch))
        .await
        .expect("the end came in time")
        .expect("an item");
    let err = end.expect_err("an error");
    assert_eq!(err.kind(), KvErrorKind::NotFound, "{err}");
    let after = web::within_patience(futures::StreamExt::next(&mut watch)).await;
    assert!(after.expect("at once").is_none(), "nothing after the error");
}

/// Blocks the page's only thread for `duration`, as a long task or a background tab's
/// throttling does: no timer and no socket event runs meanwhile.
fn block_main_thread(duration: Duration) {
    let script = format!(
        "const end = performance.now() + {}; while (performance.now() < end) {{}}",
        duration.as_millis()
    );
    js_sys::eval(&script).expect("the busy loop runs");
}

#[wasm_bindgen_test]
async fn a_watcher_whose_timers_run_three_heartbeat_intervals_late_is_not_reset_and_misses_nothing()
{
    let (client, _js, store) = bucket("busy_watch", 1).await;
    let heartbeat = Duration::from_millis(500);
    let options = WatchOptions::new().idle_heartbeat(heartbeat);
    let mut watch = store.watch_with("", options).await.unwrap();
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);
    // nats-py writes 20 values while the page is busy: they and the server's heartbeats wait
    // in the socket, and every timer of the page fires late.
    let _ = peer(
        &client,
        "put_later",
        json!({"bucket": store.bucket(), "key": "k", "value": "v", "delay": 0.2, "count": 20}),
    )
    .await;
    block_main_thread(heartbeat * 3);
    for i in 0..20 {
        let seen = entry(next_event(&mut watch).await);
        assert_eq!(kvo(&seen), put(&format!("k.{i}"), "v"));
    }
    // And for a few heartbeats more, as a page in the background again and again.
    for _ in 0..3 {
        block_main_thread(heartbeat * 3);
        web::sleep(heartbeat).await;
    }
    assert_eq!(watch.resets().total(), 0, "{:?}", watch.resets());
    let revision = store.put("after", "x").await.unwrap();
    let seen = entry(next_event(&mut watch).await);
    assert_eq!((seen.key.as_str(), seen.revision), ("after", revision));
    assert_eq!(watch.resets().total(), 0, "{:?}", watch.resets());
    assert!(watch.retrying().is_none(), "delivering, not paused");
}
