//! Key-Value under random operations and faults, with the server as the oracle. A seeded run
//! of puts, creates, updates (from the right or a stale revision), deletes and purges on a
//! few keys, with forced reconnects in between, while a watcher runs:
//!
//! * every operation returns what a model of the bucket predicts (the revision it got, or
//!   `KeyExists` / `WrongLastRevision`);
//! * nats-py (another library, reading what the server holds) finds for every key the
//!   history the model keeps and the latest value, and so do this client's `history` and
//!   `get`; `keys` lists the live ones;
//! * the watcher delivered every successful write once, in revision order, none missed,
//!   through the reconnects (each one resets its consumer).
//!
//! The server itself removes stored revisions (a purge's rollup, the per-key history bound),
//! and a watcher cannot deliver what is gone: before a write that may remove one, the run
//! waits for the watcher to have delivered that one (no further), so that "every write" is
//! what it must deliver; otherwise it runs ahead of the watcher, reconnects included.
//!
//! Every seed runs against Debian's nats-server 2.9.10 and the venv's 2.15.1. A failure names
//! its seed and server: the operations are the same for the same seed.
//!
//! Found by this test: nats-server 2.9.10 can skip the first message stored right after a
//! reconnect, while the watcher recreates its push consumer (the consumer reports the message
//! pending at its creation, then delivers the next one with consumer sequence 1, so no gap is
//! visible to the client); about one run in three hit it, 2.15.1 never did. On 2.9 the run
//! therefore lets the watcher settle after each reconnect ([`SETTLE_ON_2_9`]); on 2.10 and
//! later it writes straight on.

#![cfg(target_arch = "wasm32")]

mod kv_support;
mod web;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::future::{AbortHandle, Abortable};
use futures::StreamExt;
use kv_support::{client_of, fresh_bucket, peer, peer_get};
use nats_web::kv::KvConfig;
use nats_web::kv::{Entry, KvError, KvErrorKind, Operation, Store, WatchEvent};
use serde_json::json;
use wasm_bindgen_test::*;
use web::within_patience;

wasm_bindgen_test_configure!(run_in_browser);

/// The keys the run writes: dots, slashes and `=` as ADR-8 allows them.
const KEYS: [&str; 5] = ["a", "b.c", "d/e", "f=g", "h_i-j"];
/// Values kept per key: small, so the server drops old ones during the run.
const HISTORY: u8 = 3;
/// How long the run waits after a reconnect on nats-server 2.9 before it writes (see the
/// module docs); the reconnect and the consumer's recreation take a few milliseconds here.
const SETTLE_ON_2_9: std::time::Duration = std::time::Duration::from_millis(150);
/// Operations per seed.
const OPERATIONS: usize = 200;
const SEEDS: [u64; 8] = [
    0x5EED_0001,
    0x5EED_0002,
    0x5EED_0003,
    0x5EED_0004,
    0x5EED_0005,
    0x5EED_0006,
    0x5EED_0007,
    0x5EED_0008,
];

/// xorshift64*: the run's choices, the same for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One stored revision of a key, as the model keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Kept {
    revision: u64,
    operation: Operation,
    value: String,
}

/// What the bucket holds, by the model: each key's kept revisions (at most [`HISTORY`]; a
/// purge leaves only its marker), and the stream's last sequence (each write takes the next).
#[derive(Default)]
struct Model {
    keys: BTreeMap<&'static str, Vec<Kept>>,
    last: u64,
    /// Every successful write, in order: what the watcher must deliver.
    writes: Vec<Kept>,
    /// The key of each write, in the same order.
    write_keys: Vec<&'static str>,
}

impl Model {
    /// The revision of the key's latest entry (0 when the bucket holds none).
    fn latest(&self, key: &str) -> u64 {
        self.keys
            .get(key)
            .and_then(|kept| kept.last())
            .map_or(0, |k| k.revision)
    }

    /// Whether the key has a value now (its latest entry is a put).
    fn live(&self, key: &str) -> bool {
        self.value(key).is_some()
    }

    /// The key's value now, if it has one.
    fn value(&self, key: &str) -> Option<&str> {
        self.keys
            .get(key)
            .and_then(|kept| kept.last())
            .filter(|k| k.operation == Operation::Put)
            .map(|k| k.value.as_str())
    }

    /// The revision the next write to `key` would make the server drop, if any: its oldest
    /// kept one when the history is full; every kept one, up to the latest, for a purge.
    fn removed_by(&self, key: &str, purge: bool) -> u64 {
        let kept = self.keys.get(key).map_or(&[][..], Vec::as_slice);
        match (purge, kept.first(), kept.last()) {
            (true, _, Some(latest)) => latest.revision,
            (false, Some(oldest), _) if kept.len() >= usize::from(HISTORY) => oldest.revision,
            _ => 0,
        }
    }

    /// Records a successful write and returns its revision.
    fn write(&mut self, key: &'static str, operation: Operation, value: String) -> u64 {
        self.last += 1;
        let kept = Kept {
            revision: self.last,
            operation,
            value,
        };
        let history = self.keys.entry(key).or_default();
        if operation == Operation::Purge {
            history.clear();
        }
        history.push(kept.clone());
        if history.len() > usize::from(HISTORY) {
            history.remove(0);
        }
        self.writes.push(kept);
        self.write_keys.push(key);
        self.last
    }
}

#[wasm_bindgen_test]
async fn random_operations_and_reconnects_agree_with_the_server_and_the_watcher_misses_nothing() {
    for url in [web::JS_WS_URL, JS_NEWER_WS_URL] {
        for seed in SEEDS {
            run(url, seed).await;
        }
    }
}

/// The JetStream server on the venv's newer nats-server (2.15.1) that the test command starts.
const JS_NEWER_WS_URL: &str = match option_env!("NATS_JS_NEWER_WS_URL") {
    Some(url) => url,
    None => "ws://127.0.0.1:4298",
};

async fn run(url: &str, seed: u64) {
    let client = client_of(url).await;
    let version = client.server_info().map(|i| i.version).unwrap_or_default();
    let settle = version.starts_with("2.9.");
    let js = nats_web::jetstream::new(client.clone());
    let config = KvConfig {
        history: HISTORY,
        ..KvConfig::new(fresh_bucket("oracle"))
    };
    let store = js.create_key_value(config).await.unwrap();
    let watcher = Watcher::start(&store).await;
    let mut rng = Rng(seed);
    let seed_text = format!("{seed:#x} on {version}");
    let seed = seed_text.as_str();

    let mut model = Model::default();
    let mut reconnects = 0;
    for step in 0..OPERATIONS {
        let key = KEYS[rng.below(KEYS.len() as u64) as usize];
        let value = format!("{step}");
        let at = format!("seed {seed}, step {step}, key {key}");
        let choice = rng.below(22);
        let removes = match choice {
            0..=15 => model.removed_by(key, false),
            16 | 17 => model.removed_by(key, true),
            // Three puts to keys not chosen yet: wait for all that is there.
            20 | 21 => model.last,
            _ => 0,
        };
        watcher.catch_up(seed, removes).await;
        match choice {
            0..=5 => {
                let got = store.put(key, &value).await.expect(&at);
                assert_eq!(got, model.write(key, Operation::Put, value), "put, {at}");
            }
            6..=8 => {
                let got = store.create(key, &value).await;
                if model.live(key) {
                    assert_eq!(kind(got), KvErrorKind::KeyExists, "create, {at}");
                } else {
                    let want = model.write(key, Operation::Put, value);
                    assert_eq!(got.expect(&at), want, "create, {at}");
                }
            }
            9..=12 => {
                let latest = model.latest(key);
                // The right revision half the time, else one a step off either way.
                let from = match rng.below(4) {
                    0 | 1 => latest,
                    2 => latest + 1,
                    _ => latest.saturating_sub(1),
                };
                let got = store.update(key, &value, from).await;
                if from == latest {
                    let want = model.write(key, Operation::Put, value);
                    assert_eq!(got.expect(&at), want, "update from {from}, {at}");
                } else {
                    assert_eq!(
                        kind(got),
                        KvErrorKind::WrongLastRevision,
                        "update from {from} (latest {latest}), {at}"
                    );
                }
            }
            13..=15 => {
                store.delete(key).await.expect(&at);
                model.write(key, Operation::Delete, String::new());
            }
            16 | 17 => {
                store.purge(key).await.expect(&at);
                model.write(key, Operation::Purge, String::new());
            }
            20 | 21 => {
                // Three puts in flight at once: sent in order on the one connection, so the
                // stream stores them in that order.
                let keys: Vec<&'static str> = (0..3)
                    .map(|_| KEYS[rng.below(KEYS.len() as u64) as usize])
                    .collect();
                let puts = keys.iter().enumerate().map(|(i, k)| {
                    let value = format!("{value}.{i}");
                    let store = store.clone();
                    async move { store.put(k, value).await }
                });
                let got = futures::future::join_all(puts).await;
                for (i, (k, got)) in keys.iter().zip(got).enumerate() {
                    let want = model.write(k, Operation::Put, format!("{value}.{i}"));
                    assert_eq!(got.expect(&at), want, "put {i} of three in flight, {at}");
                }
            }
            _ => {
                // A fault: the connection drops and comes back; the next operations are held
                // for it, and the watcher's consumer is recreated from where it was.
                client.force_reconnect().await.expect(&at);
                reconnects += 1;
                if settle {
                    web::sleep(SETTLE_ON_2_9).await;
                }
            }
        }
    }
    assert!(reconnects > 0, "seed {seed} made no reconnect");

    watcher.catch_up(seed, model.last).await;
    the_watcher_saw_every_write_once_in_order(seed, &model, &watcher.seen.borrow());
    assert!(
        watcher.resets.get() > 0,
        "seed {seed}: {reconnects} reconnects reset the watcher's consumer"
    );
    the_server_holds_what_the_model_keeps(seed, &model, &store, &client).await;
    watcher.stop();
    js.delete_key_value(store.bucket()).await.unwrap();
}

/// A watch of the whole bucket, read in a task of its own into `seen`, as a page reads one.
struct Watcher {
    seen: Rc<RefCell<Vec<Entry>>>,
    /// The watch's error, if it ended with one (checked while waiting).
    failed: Rc<RefCell<Option<KvError>>>,
    /// Its consumer's resets so far.
    resets: Rc<std::cell::Cell<u64>>,
    task: AbortHandle,
}

impl Watcher {
    /// Starts on a fresh, empty bucket: the marker comes first, then only changes.
    async fn start(store: &Store) -> Watcher {
        let mut watch = store.watch_all().await.unwrap();
        let first = within_patience(watch.next()).await.flatten();
        assert!(
            matches!(first, Some(Ok(WatchEvent::InitialDone))),
            "{first:?}"
        );
        let seen = Rc::new(RefCell::new(Vec::new()));
        let failed = Rc::new(RefCell::new(None));
        let resets = Rc::new(std::cell::Cell::new(0));
        let (task, registration) = AbortHandle::new_pair();
        let (into, error, counted) = (seen.clone(), failed.clone(), resets.clone());
        let read = async move {
            while let Some(event) = watch.next().await {
                counted.set(watch.resets().total());
                match event {
                    Ok(WatchEvent::Entry(entry)) => into.borrow_mut().push(entry),
                    Ok(WatchEvent::InitialDone) => {}
                    Err(e) => {
                        *error.borrow_mut() = Some(e);
                        return;
                    }
                }
            }
        };
        wasm_bindgen_futures::spawn_local(async move {
            let _ = Abortable::new(read, registration).await;
        });
        Watcher {
            seen,
            failed,
            resets,
            task,
        }
    }

    /// Waits until the watcher has delivered revision `revision` (nothing for 0).
    async fn catch_up(&self, seed: &str, revision: u64) {
        let waited = within_patience(async {
            while self.seen.borrow().last().map_or(0, |e| e.revision) < revision {
                if let Some(e) = self.failed.borrow().as_ref() {
                    panic!("seed {seed}: the watch failed: {e}");
                }
                web::sleep(std::time::Duration::from_millis(1)).await;
            }
        })
        .await;
        assert!(
            waited.is_some(),
            "seed {seed}: the watcher stopped short of revision {revision}"
        );
    }

    /// Ends the watch (its consumer is deleted) before its bucket goes.
    fn stop(&self) {
        self.task.abort();
    }
}

fn the_watcher_saw_every_write_once_in_order(seed: &str, model: &Model, seen: &[Entry]) {
    let seen: Vec<(&str, Kept)> = seen
        .iter()
        .map(|e| {
            let kept = Kept {
                revision: e.revision,
                operation: e.operation,
                value: String::from_utf8_lossy(&e.value).into_owned(),
            };
            (e.key.as_str(), kept)
        })
        .collect();
    let want: Vec<(&str, Kept)> = model
        .write_keys
        .iter()
        .copied()
        .zip(model.writes.iter().cloned())
        .collect();
    assert_eq!(seen, want, "seed {seed}: the watcher's entries");
}

async fn the_server_holds_what_the_model_keeps(
    seed: &str,
    model: &Model,
    store: &Store,
    client: &nats_web::Client,
) {
    for (key, kept) in &model.keys {
        let by_peer = peer(
            client,
            "history",
            json!({"bucket": store.bucket(), "key": key}),
        )
        .await;
        let by_peer: Vec<Kept> = by_peer["entries"]
            .as_array()
            .expect("nats-py lists the entries")
            .iter()
            .map(|e| Kept {
                revision: e["revision"].as_u64().unwrap_or_default(),
                operation: match e["operation"].as_str() {
                    Some("DEL") => Operation::Delete,
                    Some("PURGE") => Operation::Purge,
                    _ => Operation::Put,
                },
                value: e["value"].as_str().unwrap_or_default().to_owned(),
            })
            .collect();
        assert_eq!(&by_peer, kept, "seed {seed}: nats-py's history of {key}");
        let ours: Vec<Kept> = store
            .history(key)
            .await
            .unwrap()
            .into_iter()
            .map(|e| Kept {
                revision: e.revision,
                operation: e.operation,
                value: String::from_utf8_lossy(&e.value).into_owned(),
            })
            .collect();
        assert_eq!(&ours, kept, "seed {seed}: our history of {key}");
        let value = model.value(key);
        let by_peer = peer_get(client, store.bucket(), key).await;
        assert_eq!(
            by_peer.as_deref(),
            value,
            "seed {seed}: nats-py's get of {key}"
        );
        let ours = store.get(key).await.unwrap();
        let ours = ours.map(|v| String::from_utf8_lossy(&v).into_owned());
        assert_eq!(ours.as_deref(), value, "seed {seed}: our get of {key}");
    }
    let mut keys = store.keys().await.unwrap();
    keys.sort();
    let mut live: Vec<String> = KEYS
        .iter()
        .filter(|k| model.live(k))
        .map(|k| k.to_string())
        .collect();
    live.sort();
    assert_eq!(keys, live, "seed {seed}: the live keys");
}

/// The kind of the refusal the model expected (fails the test on a success).
fn kind<T: std::fmt::Debug>(result: Result<T, KvError>) -> KvErrorKind {
    match result {
        Ok(value) => panic!("succeeded with {value:?} where the model expected a refusal"),
        Err(e) => e.kind(),
    }
}
