//! A Key-Value watch through a JetStream server restart (file storage, the same store
//! directory): writes made while the server was down (held by a second client, sent when it
//! is back) and writes by nats-py after the restart are all seen, each revision exactly once,
//! in order.

#![cfg(target_arch = "wasm32")]

mod kv_support;
mod web;

use kv_support::{
    client_of, fresh_bucket, js_control, next_event, peer_put, JS_RESTARTABLE_WS_URL,
};
use nats_web::jetstream;
use nats_web::kv::{Entry, KvConfig, Watch, WatchEvent};
use nats_web::ClientEvent;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The next entry of the watch (the marker is not expected after the initial values).
async fn next_entry(watch: &mut Watch) -> Entry {
    match next_event(watch).await {
        WatchEvent::Entry(entry) => entry,
        WatchEvent::InitialDone => panic!("the initial-values marker came twice"),
    }
}

fn value_of(entry: &Entry) -> String {
    String::from_utf8_lossy(&entry.value).into_owned()
}

#[wasm_bindgen_test]
async fn a_watch_sees_every_revision_once_in_order_through_a_server_restart() {
    let watcher_client = client_of(JS_RESTARTABLE_WS_URL).await;
    let writer_client = client_of(JS_RESTARTABLE_WS_URL).await;
    let bucket = fresh_bucket("restart");
    let config = KvConfig {
        history: 64,
        ..KvConfig::new(bucket.as_str())
    };
    let store = jetstream::new(watcher_client.clone())
        .create_key_value(config)
        .await
        .unwrap();
    let writer = jetstream::new(writer_client.clone())
        .key_value(&bucket)
        .await
        .unwrap();

    let mut last = 0;
    for i in 0..3 {
        last = writer.put("k", format!("before {i}")).await.unwrap();
    }
    let mut watch = store.watch_all().await.unwrap();
    let latest = next_entry(&mut watch).await;
    assert_eq!(
        (latest.revision, value_of(&latest)),
        (last, "before 2".into())
    );
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);

    // Down: the writer's puts (plain publishes to the keys' subjects) wait in its reconnect
    // buffer and reach the server once it is back.
    let mut writer_events = writer_client.events();
    js_control("kill").await;
    web::next_matching(&mut writer_events, |e| {
        matches!(e, ClientEvent::Disconnected { .. }).then_some(())
    })
    .await;
    let held: Vec<String> = (0..5).map(|i| format!("while down {i}")).collect();
    for (i, value) in held.iter().enumerate() {
        let subject = format!("$KV.{bucket}.down.{i}");
        writer_client.publish(&subject, value).await.unwrap();
    }
    js_control("start").await;
    web::next_matching(&mut writer_events, |e| {
        matches!(e, ClientEvent::Reconnected { .. }).then_some(())
    })
    .await;
    writer_client.flush().await.unwrap();

    // Back: nats-py writes too, through its peer on the same server.
    let after: Vec<String> = (0..3).map(|i| format!("nats-py after {i}")).collect();
    let mut nats_py_revisions = Vec::new();
    for value in &after {
        nats_py_revisions.push(peer_put(&writer_client, &bucket, "py", value).await);
    }

    // Every write, each once, in revision order with no gap: held ones in the order they
    // were published, nats-py's at the revisions nats-py was told.
    let mut seen = Vec::new();
    for _ in 0..held.len() + after.len() {
        let entry = next_entry(&mut watch).await;
        assert_eq!(
            entry.revision,
            last + 1,
            "no gap and no repeat after {seen:?}"
        );
        last = entry.revision;
        seen.push((entry.revision, value_of(&entry)));
    }
    let values: Vec<&str> = seen.iter().map(|(_, v)| v.as_str()).collect();
    let held_seen: Vec<&str> = values
        .iter()
        .copied()
        .filter(|v| v.starts_with("while"))
        .collect();
    assert_eq!(
        held_seen,
        held.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let py_seen: Vec<(u64, &str)> = seen
        .iter()
        .filter(|(_, v)| v.starts_with("nats-py"))
        .map(|(r, v)| (*r, v.as_str()))
        .collect();
    let py_wanted: Vec<(u64, &str)> = nats_py_revisions
        .iter()
        .copied()
        .zip(after.iter().map(String::as_str))
        .collect();
    assert_eq!(py_seen, py_wanted);

    assert!(
        watch.resets().reconnect >= 1,
        "the consumer was recreated after the restart: {:?}",
        watch.resets()
    );

    // Nothing else is owed: the next entry is the next write.
    let end = writer.put("k", "the end").await.unwrap();
    let next = next_entry(&mut watch).await;
    assert_eq!((next.revision, value_of(&next)), (end, "the end".into()));
    assert_eq!(end, last + 1);
}
