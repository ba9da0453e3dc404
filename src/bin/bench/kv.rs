//! The Key-Value workloads of the benchmark page (`bench/ours-kv.html`: this page built with the
//! `jetstream` feature), the same as `bench/js/kv.js` runs with @nats-io/kv: every value is 16
//! bytes, puts go to keys `k<i % KEYSPACE>`, pipelined puts keep `IN_FLIGHT` in flight, each
//! page load has a bucket of its own (history 1, file storage), deleted at the end.

use futures::channel::oneshot;
use futures::stream::{self, StreamExt, TryStreamExt};
use nats_web::client::Client;
use nats_web::jetstream;
use nats_web::kv::{KvConfig, Store, WatchEvent, WatchOptions};
use wasm_bindgen_futures::spawn_local;

use super::{now, Json, WARMUP};

const VALUE: &[u8; 16] = b"0123456789abcdef";
const KEYSPACE: usize = 1000;
const IN_FLIGHT: usize = 100;
const GET_KEYS: usize = 1000;

/// Runs KV workload `workload` with `n` operations on `client` (and, for `kv_watch`, `other`,
/// which publishes).
pub async fn run(workload: &str, client: Client, other: Client, n: usize) -> Result<Json, String> {
    let store = bucket(&client, workload).await?;
    let result = match workload {
        "kv_put" => put(&store, n).await,
        "kv_put_pipelined" => put_pipelined(&store, n).await,
        "kv_get" => get(&store, n).await,
        "kv_watch" => watch(&store, &other, n).await,
        "kv_load" => load(&store, n).await,
        other => Err(format!("unknown workload {other:?}")),
    };
    let context = jetstream::new(client);
    context
        .delete_key_value(store.bucket())
        .await
        .map_err(|e| e.to_string())?;
    result
}

async fn bucket(client: &Client, workload: &str) -> Result<Store, String> {
    let name = format!("bench_{workload}_{}", (js_sys::Math::random() * 1e9) as u64);
    jetstream::new(client.clone())
        .create_key_value(KvConfig::new(name))
        .await
        .map_err(|e| e.to_string())
}

fn key(i: usize, keyspace: usize) -> String {
    format!("k{}", i % keyspace)
}

/// `n` puts, `IN_FLIGHT` at a time, to keys `k<i % keyspace>`.
async fn fill(store: &Store, n: usize, keyspace: usize) -> Result<(), String> {
    stream::iter(0..n)
        .map(|i| async move { store.put(&key(i, keyspace), VALUE.as_slice()).await })
        .buffer_unordered(IN_FLIGHT)
        .map_err(|e| e.to_string())
        .try_for_each(|_| async { Ok(()) })
        .await
}

/// Puts awaited one by one.
async fn put(store: &Store, n: usize) -> Result<Json, String> {
    let mut latencies = Vec::with_capacity(n);
    let start = now();
    for i in 0..n {
        let t = now();
        store
            .put(&key(i, KEYSPACE), VALUE.as_slice())
            .await
            .map_err(|e| e.to_string())?;
        latencies.push(now() - t);
    }
    Ok(Json::object()
        .numbers("latencies_ms", &latencies)
        .integer("n", n)
        .number("total_ms", now() - start))
}

async fn put_pipelined(store: &Store, n: usize) -> Result<Json, String> {
    let start = now();
    fill(store, n, KEYSPACE).await?;
    Ok(Json::object()
        .integer("n", n)
        .number("total_ms", now() - start))
}

/// Gets one by one from a bucket of `GET_KEYS` keys (filled first, not timed).
async fn get(store: &Store, n: usize) -> Result<Json, String> {
    fill(store, GET_KEYS, GET_KEYS).await?;
    for i in 0..WARMUP {
        store
            .get(&key(i, GET_KEYS))
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut latencies = Vec::with_capacity(n);
    let start = now();
    for i in 0..n {
        let key = key(i * 7919, GET_KEYS);
        let t = now();
        let value = store.get(&key).await.map_err(|e| e.to_string())?;
        latencies.push(now() - t);
        if value.as_deref() != Some(VALUE.as_slice()) {
            return Err(format!("get {key}: {:?} bytes", value.map(|v| v.len())));
        }
    }
    Ok(Json::object()
        .numbers("latencies_ms", &latencies)
        .integer("n", n)
        .number("total_ms", now() - start))
}

/// A watcher (updates only) receiving `n` puts that `publisher` publishes to the bucket's
/// subjects as fast as it can, each to a key of its own (a lagging watcher of a history-1
/// bucket would otherwise see only a key's latest value, as KV promises).
async fn watch(store: &Store, publisher: &Client, n: usize) -> Result<Json, String> {
    let options = WatchOptions::new().include_initial(false);
    let mut watch = store
        .watch_with(">", options)
        .await
        .map_err(|e| e.to_string())?;
    let (done_tx, done_rx) = oneshot::channel();
    spawn_local(async move {
        let mut count = 0;
        while let Some(event) = watch.next().await {
            match event {
                Ok(WatchEvent::Entry(entry)) if entry.value.len() == VALUE.len() => count += 1,
                Ok(WatchEvent::Entry(entry)) => {
                    let _ = done_tx.send(Err(format!(
                        "watch: {} has {} bytes",
                        entry.key,
                        entry.value.len()
                    )));
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = done_tx.send(Err(e.to_string()));
                    return;
                }
            }
            if count == n {
                let _ = done_tx.send(Ok(now()));
                return;
            }
        }
    });
    let prefix = format!("$KV.{}.", store.bucket());
    let start = now();
    for i in 0..n {
        publisher
            .publish(&format!("{prefix}k{i}"), VALUE.as_slice())
            .await
            .map_err(|e| e.to_string())?;
    }
    publisher.flush().await.map_err(|e| e.to_string())?;
    let publish_ms = now() - start;
    let received_at = done_rx
        .await
        .map_err(|_| "the watch ended early".to_string())??;
    Ok(Json::object()
        .integer("n", n)
        .number("publish_ms", publish_ms)
        .number("receive_ms", received_at - start))
}

/// The initial values of an `n`-key bucket (filled first, not timed) through a watcher of every
/// key, until its InitialDone marker.
async fn load(store: &Store, n: usize) -> Result<Json, String> {
    fill(store, n, n).await?;
    let start = now();
    let mut watch = store.watch_all().await.map_err(|e| e.to_string())?;
    let mut count = 0;
    while let Some(event) = watch.next().await {
        match event.map_err(|e| e.to_string())? {
            WatchEvent::Entry(_) => count += 1,
            WatchEvent::InitialDone => break,
        }
    }
    let total = now() - start;
    if count != n {
        return Err(format!("initial values: {count} of {n} keys"));
    }
    Ok(Json::object().integer("n", n).number("total_ms", total))
}
