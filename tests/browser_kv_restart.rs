//! A Key-Value watch through a JetStream server restart (file storage, the same store
//! directory): writes made while the server was down (held by a second client, sent when it
//! is back) and writes by nats-py after the restart are all seen, each revision exactly once,
//! in order.

#![cfg(target_arch = "wasm32")]

mod kv_support;
mod web;

use futures::future::join_all;
use futures::StreamExt;
use kv_support::{
    client_of, fresh_bucket, js_control, next_event, peer_put, JS_RESTARTABLE_WS_URL,
};
use nats_web::client::channel;
use nats_web::jetstream;
use nats_web::kv::{Entry, KvConfig, WatchEvent};
use nats_web::ClientEvent;
use wasm_bindgen_futures::spawn_local;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The next entry of the watch (the marker is not expected after the initial values).
async fn next_entry(watch: &mut nats_web::kv::Watch) -> Entry {
    match next_event(watch).await {
        WatchEvent::Entry(entry) => entry,
        WatchEvent::InitialDone => panic!("the initial-values marker came twice"),
    }
}

#[wasm_bindgen_test]
async fn a_watch_sees_every_revision_once_in_order_through_a_server_restart() {
    let watcher_client = client_of(JS_RESTARTABLE_WS_URL).await;
    let writer_client = client_of(JS_RESTARTABLE_WS_URL).await;
    let watcher_js = jetstream::new(watcher_client.clone());
    let writer_js = jetstream::new(writer_client.clone());
    let bucket = fresh_bucket("restart");
    let store = watcher_js
        .create_key_value(KvConfig {
            history: 64,
            ..KvConfig::new(bucket.as_str())
        })
        .await
        .unwrap();
    let writer = writer_js.key_value(&bucket).await.unwrap();

    let mut expected = Vec::new();
    for i in 0..3 {
        let value = format!("before {i}");
        expected.push((writer.put("k", &value).await.unwrap(), value));
    }
    let mut watch = store.watch_all().await.unwrap();
    let mut seen = Vec::new();
    let last_initial = next_entry(&mut watch).await;
    seen.push(last_initial.revision);
    assert_eq!(next_event(&mut watch).await, WatchEvent::InitialDone);
    assert_eq!(
        last_initial.revision, expected[2].0,
        "history: the latest per key only"
    );
    let keys_before: Vec<u64> = expected.iter().map(|(r, _)| *r).collect();

    // Down: the writer's puts wait in its reconnect buffer and go out once it is back.
    let mut writer_events = writer_client.events();
    js_control("kill").await;
    web::next_matching(&mut writer_events, |e| {
        matches!(e, ClientEvent::Disconnected { .. }).then_some(())
    })
    .await;
    let (done_tx, mut done_rx) = channel::unbounded();
    let held = writer.clone();
    spawn_local(async move {
        let puts = (0..5).map(|i| {
            let held = held.clone();
            async move {
                let value = format!("while down {i}");
                let revision = held.put(&format!("down.{i}"), &value).await;
                (i, revision.map(|r| (r, value)))
            }
        });
        let _ = done_tx.send(join_all(puts).await);
    });
    js_control("start").await;
    let outcomes = web::within_patience(done_rx.next())
        .await
        .flatten()
        .expect("the held puts complete");
    let mut while_down = Vec::new();
    for (i, outcome) in outcomes {
        let (revision, value) =
            outcome.unwrap_or_else(|e| panic!("put {i} held while the server was down: {e}"));
        while_down.push((revision, value));
    }
    assert_eq!(while_down.len(), 5, "every held put completed");
    while_down.sort();

    // Back: nats-py writes too, through the peer on the same server.
    let mut after = Vec::new();
    for i in 0..3 {
        let value = format!("nats-py after {i}");
        after.push((peer_put(&writer_client, &bucket, "py", &value).await, value));
    }

    let wanted: Vec<(u64, String)> = while_down.into_iter().chain(after).collect();
    for (revision, value) in &wanted {
        let entry = next_entry(&mut watch).await;
        assert_eq!(
            (
                entry.revision,
                String::from_utf8_lossy(&entry.value).into_owned()
            ),
            (*revision, value.clone()),
            "revision {revision}: in order, none missed, none twice (seen before: {seen:?})"
        );
        seen.push(entry.revision);
    }
    // Nothing else is owed: the next entry is the next write.
    let last = writer.put("k", "the end").await.unwrap();
    assert_eq!(next_entry(&mut watch).await.revision, last);
    let mut all: Vec<u64> = keys_before;
    all.extend(wanted.iter().map(|(r, _)| *r));
    all.push(last);
    assert_eq!(
        all,
        (1..=all.len() as u64).collect::<Vec<_>>(),
        "revisions are 1..n"
    );
}
