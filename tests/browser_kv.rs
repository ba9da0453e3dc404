//! Key-Value in real headless Chromium against a JetStream nats-server: every store
//! operation, optimistic concurrency, key rules, history, keys, watches, and interop with
//! nats-py's KV both ways (`scripts/kv_peer.py` on the same server, over TCP).

#![cfg(target_arch = "wasm32")]

mod kv_support;
mod web;

use std::time::Duration;

use kv_support::{client_of, fresh_bucket, next_event, peer, peer_get, peer_put};
use nats_web::jetstream::{self, Context};
use nats_web::kv::{Entry, KvConfig, KvErrorKind, Operation, Store, WatchEvent, WatchOptions};
use nats_web::Client;
use serde_json::json;
use wasm_bindgen_test::*;
use web::JS_WS_URL;

wasm_bindgen_test_configure!(run_in_browser);

/// A client, its JetStream context and a new bucket keeping `history` values per key.
async fn bucket(what: &str, history: u8) -> (Client, Context, Store) {
    let client = client_of(JS_WS_URL).await;
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
fn entry(event: WatchEvent) -> Entry {
    match event {
        WatchEvent::Entry(entry) => entry,
        WatchEvent::InitialDone => panic!("expected an entry, got the initial-values marker"),
    }
}

/// (key, value, operation) of an entry, for comparing.
fn kvo(entry: &Entry) -> (String, String, Operation) {
    (
        entry.key.clone(),
        String::from_utf8_lossy(&entry.value).into_owned(),
        entry.operation,
    )
}

fn put(key: &str, value: &str) -> (String, String, Operation) {
    (key.into(), value.into(), Operation::Put)
}

#[wasm_bindgen_test]
async fn put_then_get_and_entry_give_the_value_with_its_revision() {
    let (_client, _js, store) = bucket("put_get", 1).await;
    let first = store.put("joe", "hello, joe").await.unwrap();
    assert_eq!(first, 1, "the first write of a new bucket is revision 1");
    let second = store.put("sue", b"hello, sue").await.unwrap();
    assert_eq!(second, 2);

    assert_eq!(
        store.get("joe").await.unwrap().as_deref(),
        Some(&b"hello, joe"[..])
    );
    let entry = store.entry("sue").await.unwrap().expect("an entry");
    assert_eq!(entry.bucket, store.bucket());
    assert_eq!(entry.key, "sue");
    assert_eq!(entry.value, b"hello, sue");
    assert_eq!(entry.revision, 2);
    assert_eq!(entry.operation, Operation::Put);
    assert_eq!(entry.delta, 0);
    let now_nanos = (js_sys::Date::now() * 1e6) as u64;
    let hour = 3_600_000_000_000;
    assert!(
        entry.created > now_nanos - hour && entry.created < now_nanos + hour,
        "created is the server's time: {}",
        entry.created
    );
}

#[wasm_bindgen_test]
async fn a_key_never_written_has_no_value_and_no_entry() {
    let (_client, _js, store) = bucket("missing", 1).await;
    assert_eq!(store.get("nobody").await.unwrap(), None);
    assert_eq!(store.entry("nobody").await.unwrap(), None);
}

#[wasm_bindgen_test]
async fn a_put_replaces_the_value_and_history_keeps_the_configured_number() {
    let (_client, _js, store) = bucket("history", 3).await;
    for value in ["a", "b", "c", "d"] {
        store.put("k", value).await.unwrap();
    }
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"d"[..]));
    let history = store.history("k").await.unwrap();
    let seen: Vec<_> = history.iter().map(kvo).collect();
    assert_eq!(seen, [put("k", "b"), put("k", "c"), put("k", "d")]);
    let revisions: Vec<u64> = history.iter().map(|e| e.revision).collect();
    assert_eq!(revisions, [2, 3, 4]);
    let deltas: Vec<u64> = history.iter().map(|e| e.delta).collect();
    assert_eq!(deltas, [2, 1, 0], "the latest has delta 0");
}

#[wasm_bindgen_test]
async fn the_history_of_a_key_never_written_is_empty() {
    let (_client, _js, store) = bucket("history_empty", 5).await;
    store.put("other", "x").await.unwrap();
    assert_eq!(store.history("nobody").await.unwrap(), []);
}

#[wasm_bindgen_test]
async fn create_fails_with_key_exists_while_the_key_holds_a_value() {
    let (_client, _js, store) = bucket("create", 5).await;
    let revision = store.create("k", "first").await.unwrap();
    let err = store.create("k", "second").await.unwrap_err();
    assert_eq!(err.kind(), KvErrorKind::KeyExists, "{err}");
    assert_eq!(
        store.get("k").await.unwrap().as_deref(),
        Some(&b"first"[..])
    );
    assert_eq!(store.entry("k").await.unwrap().unwrap().revision, revision);
}

#[wasm_bindgen_test]
async fn create_succeeds_after_a_delete_or_a_purge() {
    let (_client, _js, store) = bucket("create_again", 5).await;
    store.create("deleted", "1").await.unwrap();
    store.delete("deleted").await.unwrap();
    let revision = store.create("deleted", "2").await.unwrap();
    assert_eq!(
        store.get("deleted").await.unwrap().as_deref(),
        Some(&b"2"[..])
    );
    assert_eq!(
        store.entry("deleted").await.unwrap().unwrap().revision,
        revision
    );

    store.create("purged", "1").await.unwrap();
    store.purge("purged").await.unwrap();
    store.create("purged", "2").await.unwrap();
    assert_eq!(
        store.get("purged").await.unwrap().as_deref(),
        Some(&b"2"[..])
    );
}

#[wasm_bindgen_test]
async fn update_needs_the_latest_revision_and_fails_with_wrong_last_revision_otherwise() {
    let (_client, _js, store) = bucket("update", 5).await;
    let first = store.put("k", "1").await.unwrap();
    let second = store.update("k", "2", first).await.unwrap();
    assert!(second > first);

    let err = store.update("k", "stale", first).await.unwrap_err();
    assert_eq!(err.kind(), KvErrorKind::WrongLastRevision, "{err}");
    let api = err.api_error().expect("the server's error is kept");
    assert_eq!(api.err_code, 10071, "{api:?}");
    assert!(!api.description.is_empty());
    assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"2"[..]));

    let err = store.update("never", "x", 7).await.unwrap_err();
    assert_eq!(err.kind(), KvErrorKind::WrongLastRevision, "{err}");
    store
        .update("never", "x", 0)
        .await
        .expect("0: the key has no revision yet");
}

#[wasm_bindgen_test]
async fn delete_keeps_history_and_leaves_a_delete_marker() {
    let (_client, _js, store) = bucket("delete", 5).await;
    store.put("k", "1").await.unwrap();
    store.put("k", "2").await.unwrap();
    store.delete("k").await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), None);
    let marker = store
        .entry("k")
        .await
        .unwrap()
        .expect("the marker is the latest entry");
    assert_eq!(marker.operation, Operation::Delete);
    assert!(marker.value.is_empty());
    let history: Vec<_> = store.history("k").await.unwrap().iter().map(kvo).collect();
    assert_eq!(
        history,
        [
            put("k", "1"),
            put("k", "2"),
            ("k".into(), String::new(), Operation::Delete)
        ]
    );
}

#[wasm_bindgen_test]
async fn purge_removes_the_history_leaving_one_purge_marker() {
    let (_client, _js, store) = bucket("purge", 5).await;
    store.put("k", "1").await.unwrap();
    store.put("k", "2").await.unwrap();
    store.put("other", "stays").await.unwrap();
    store.purge("k").await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), None);
    let history = store.history("k").await.unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].operation, Operation::Purge);
    assert_eq!(
        store.get("other").await.unwrap().as_deref(),
        Some(&b"stays"[..])
    );
}

#[wasm_bindgen_test]
async fn keys_lists_the_keys_that_hold_a_value() {
    let (_client, _js, store) = bucket("keys", 5).await;
    assert_eq!(
        store.keys().await.unwrap(),
        Vec::<String>::new(),
        "an empty bucket"
    );
    for key in ["a", "b.c", "d", "e"] {
        store.put(key, "v").await.unwrap();
    }
    store.put("a", "again").await.unwrap();
    store.delete("d").await.unwrap();
    store.purge("e").await.unwrap();
    let mut keys = store.keys().await.unwrap();
    keys.sort();
    assert_eq!(keys, ["a", "b.c"]);
}

#[wasm_bindgen_test]
async fn status_reports_the_bucket_s_configuration_and_contents() {
    let client = client_of(JS_WS_URL).await;
    let js = jetstream::new(client);
    let config = KvConfig {
        history: 4,
        ttl: Duration::from_secs(3600),
        description: Some("greetings by name".into()),
        ..KvConfig::new(fresh_bucket("status"))
    };
    let store = js.create_key_value(config.clone()).await.unwrap();
    store.put("a", "1").await.unwrap();
    store.put("a", "2").await.unwrap();
    let status = store.status().await.unwrap();
    assert_eq!(status.bucket, config.bucket);
    assert_eq!(status.history, 4);
    assert_eq!(status.ttl, Duration::from_secs(3600));
    assert_eq!(status.values, 2);
    assert!(status.bytes > 0);
    assert!(status.allow_direct);
    assert_eq!(status.backing_store(), "JetStream");
    assert_eq!(
        status.info.config.description.as_deref(),
        Some("greetings by name")
    );
    assert_eq!(
        status.info.config.duplicate_window,
        Duration::from_secs(120)
    );
}

#[wasm_bindgen_test]
async fn buckets_are_opened_and_deleted_and_a_missing_one_is_not_found() {
    let (_client, js, store) = bucket("open", 1).await;
    store.put("k", "v").await.unwrap();
    let opened = js.key_value(store.bucket()).await.unwrap();
    assert_eq!(opened.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));

    js.delete_key_value(store.bucket()).await.unwrap();
    let err = js.key_value(store.bucket()).await.unwrap_err();
    assert_eq!(err.kind(), KvErrorKind::NotFound, "{err}");
    let err = js.delete_key_value(store.bucket()).await.unwrap_err();
    assert_eq!(err.kind(), KvErrorKind::NotFound, "{err}");
    let err = js.key_value("never_created_bucket").await.unwrap_err();
    assert_eq!(err.kind(), KvErrorKind::NotFound, "{err}");
}

#[wasm_bindgen_test]
async fn creating_an_existing_bucket_with_the_same_configuration_opens_it() {
    let (_client, js, store) = bucket("again", 2).await;
    store.put("k", "v").await.unwrap();
    let config = KvConfig {
        history: 2,
        ..KvConfig::new(store.bucket())
    };
    let again = js.create_key_value(config).await.unwrap();
    assert_eq!(again.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
}

#[wasm_bindgen_test]
async fn invalid_keys_and_bucket_names_are_refused_before_anything_is_sent() {
    let (client, js, store) = bucket("invalid", 1).await;
    let before = client.statistics().out_messages;
    for key in ["", ".a", "a.", "a..b", "a b", "a*", "a.>", "ä", "$x"] {
        let kinds = [
            store.put(key, "v").await.unwrap_err().kind(),
            store.create(key, "v").await.unwrap_err().kind(),
            store.update(key, "v", 1).await.unwrap_err().kind(),
            store.get(key).await.unwrap_err().kind(),
            store.entry(key).await.unwrap_err().kind(),
            store.delete(key).await.unwrap_err().kind(),
            store.purge(key).await.unwrap_err().kind(),
            store.history(key).await.unwrap_err().kind(),
        ];
        assert!(
            kinds.iter().all(|k| *k == KvErrorKind::InvalidKey),
            "{key:?}: {kinds:?}"
        );
    }
    for filter in [">.a", "a*", "a.>.b", ".>"] {
        let err = store.watch(filter).await.err().expect("refused");
        assert_eq!(err.kind(), KvErrorKind::InvalidKey, "{filter:?}");
    }
    for name in ["", "a.b", "a b", "a*", "a>"] {
        let kinds = [
            js.create_key_value(KvConfig::new(name))
                .await
                .unwrap_err()
                .kind(),
            js.key_value(name).await.unwrap_err().kind(),
            js.delete_key_value(name).await.unwrap_err().kind(),
        ];
        assert!(
            kinds.iter().all(|k| *k == KvErrorKind::InvalidBucket),
            "{name:?}: {kinds:?}"
        );
    }
    for history in [0, 65] {
        let config = KvConfig {
            history,
            ..KvConfig::new("fine_name")
        };
        let err = js.create_key_value(config).await.unwrap_err();
        assert_eq!(
            err.kind(),
            KvErrorKind::InvalidBucket,
            "history {history}: {err}"
        );
    }
    assert_eq!(
        client.statistics().out_messages,
        before,
        "nothing was published"
    );
    let err = store.put("a..b", "v").await.unwrap_err();
    assert!(err.to_string().contains("a..b"), "{err}");
}

#[wasm_bindgen_test]
async fn a_bucket_without_direct_get_is_read_through_stream_msg_get() {
    let client = client_of(JS_WS_URL).await;
    let js = jetstream::new(client);
    let name = fresh_bucket("no_direct");
    let mut stream = KvConfig::new(name.as_str()).to_stream_config().unwrap();
    stream.allow_direct = false;
    js.create_stream(stream).await.unwrap();
    let store = js.key_value(&name).await.unwrap();
    assert!(!store.status().await.unwrap().allow_direct);
    assert_eq!(store.get("k").await.unwrap(), None);
    let revision = store.put("k", "v").await.unwrap();
    let entry = store.entry("k").await.unwrap().unwrap();
    assert_eq!(
        (entry.value.as_slice(), entry.revision),
        (&b"v"[..], revision)
    );
    store.delete("k").await.unwrap();
    assert_eq!(
        store.entry("k").await.unwrap().unwrap().operation,
        Operation::Delete
    );
}

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
