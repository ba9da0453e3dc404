//! Key-Value store operations in real headless Chromium against a JetStream nats-server:
//! put, get, entry, create and update (optimistic concurrency, with their error kinds),
//! delete, purge, keys, history, status, buckets, and key rules checked before anything is
//! sent. Watches and interop with nats-py: `browser_kv_watch.rs`.

#![cfg(target_arch = "wasm32")]

mod kv_support;
mod web;

use std::time::Duration;

use kv_support::{bucket, client_of, fresh_bucket, kvo, put};
use nats_web::jetstream;
use nats_web::kv::{KvConfig, KvErrorKind, Operation};
use wasm_bindgen_test::*;
use web::JS_WS_URL;

wasm_bindgen_test_configure!(run_in_browser);

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
