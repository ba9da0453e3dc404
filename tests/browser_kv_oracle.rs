//! Key-Value under random operations and faults, with the server as the oracle. A seeded run
//! of puts, creates, updates (from the right or a stale revision), deletes and purges on a
//! few keys, with forced reconnects in between, while a watcher runs:
//!
//! * every operation returns what a model of the bucket predicts (the revision it got, or
//!   `KeyExists` / `WrongLastRevision`);
//! * nats-py (another library, reading what the server holds) finds for every key the
//!   history the model keeps, and so does this client's `history`; `keys` lists the live ones;
//! * the watcher delivered every successful write once, in revision order, none missed,
//!   through the reconnects (each one resets its consumer).
//!
//! The server itself removes stored revisions (a purge's rollup, the per-key history bound),
//! and a watcher cannot deliver what is gone: before a write that may remove one, the run
//! waits for the watcher to catch up, so that "every write" is what it must deliver.
//!
//! A failure names its seed: the run is the same for the same seed.

#![cfg(target_arch = "wasm32")]

mod kv_support;
mod web;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::StreamExt;
use kv_support::{bucket, peer};
use nats_web::kv::{Entry, KvErrorKind, Operation, Store, WatchEvent};
use serde_json::json;
use wasm_bindgen_test::*;
use web::within_patience;

wasm_bindgen_test_configure!(run_in_browser);

/// The keys the run writes: dots, slashes and `=` as ADR-8 allows them.
const KEYS: [&str; 5] = ["a", "b.c", "d/e", "f=g", "h_i-j"];
/// Values kept per key: small, so the server drops old ones during the run.
const HISTORY: u8 = 3;
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
        self.keys
            .get(key)
            .and_then(|kept| kept.last())
            .is_some_and(|k| k.operation == Operation::Put)
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
    for seed in SEEDS {
        run(seed).await;
    }
}

async fn run(seed: u64) {
    let (client, js, store) = bucket("oracle", HISTORY).await;
    let seen = Rc::new(RefCell::new(Vec::<Entry>::new()));
    watch_into(&store, seen.clone()).await;

    let mut rng = Rng(seed);
    let mut model = Model::default();
    let mut reconnects = 0;
    for step in 0..OPERATIONS {
        let key = KEYS[rng.below(KEYS.len() as u64) as usize];
        let value = format!("{seed:x}-{step}");
        let at = format!("seed {seed:#x}, step {step}, key {key}");
        let choice = rng.below(22);
        let full = model.keys.get(key).map_or(0, Vec::len) >= usize::from(HISTORY);
        if full || (16..=17).contains(&choice) || choice >= 20 {
            catch_up(seed, &seen, model.last).await;
        }
        match choice {
            0..=5 => {
                let got = store.put(key, &value).await.expect(&at);
                assert_eq!(got, model.write(key, Operation::Put, value), "put, {at}");
            }
            6..=8 => {
                let got = store.create(key, &value).await;
                if model.live(key) {
                    assert_eq!(kind(got), Some(KvErrorKind::KeyExists), "create, {at}");
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
                        Some(KvErrorKind::WrongLastRevision),
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
            }
        }
    }
    assert!(reconnects > 0, "seed {seed:#x} made no reconnect");

    catch_up(seed, &seen, model.last).await;
    the_watcher_saw_every_write_once_in_order(seed, &model, &seen.borrow());
    the_server_holds_what_the_model_keeps(seed, &model, &store, &client).await;
    js.delete_key_value(store.bucket()).await.unwrap();
}

/// Waits until the watcher has delivered revision `last`.
async fn catch_up(seed: u64, seen: &Rc<RefCell<Vec<Entry>>>, last: u64) {
    let waited = within_patience(async {
        while seen.borrow().last().map_or(0, |e| e.revision) < last {
            web::sleep(std::time::Duration::from_millis(1)).await;
        }
    })
    .await;
    assert!(
        waited.is_some(),
        "seed {seed:#x}: the watcher stopped short of revision {last}"
    );
}

/// A watch of the whole bucket whose entries go into `seen` (from a fresh, empty bucket:
/// only changes come, after the marker).
async fn watch_into(store: &Store, seen: Rc<RefCell<Vec<Entry>>>) {
    let mut watch = store.watch_all().await.unwrap();
    let first = within_patience(watch.next()).await.flatten();
    assert!(
        matches!(first, Some(Ok(WatchEvent::InitialDone))),
        "{first:?}"
    );
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(event) = watch.next().await {
            match event {
                Ok(WatchEvent::Entry(entry)) => seen.borrow_mut().push(entry),
                Ok(WatchEvent::InitialDone) => {}
                Err(e) => panic!("the watch failed: {e}"),
            }
        }
    });
}

fn the_watcher_saw_every_write_once_in_order(seed: u64, model: &Model, seen: &[Entry]) {
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
    assert_eq!(seen, want, "seed {seed:#x}: the watcher's entries");
}

async fn the_server_holds_what_the_model_keeps(
    seed: u64,
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
        assert_eq!(&by_peer, kept, "seed {seed:#x}: nats-py's history of {key}");
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
        assert_eq!(&ours, kept, "seed {seed:#x}: our history of {key}");
    }
    let mut keys = store.keys().await.unwrap();
    keys.sort();
    let mut live: Vec<String> = KEYS
        .iter()
        .filter(|k| model.live(k))
        .map(|k| k.to_string())
        .collect();
    live.sort();
    assert_eq!(keys, live, "seed {seed:#x}: the live keys");
}

fn kind<T: std::fmt::Debug>(result: Result<T, nats_web::kv::KvError>) -> Option<KvErrorKind> {
    match result {
        Ok(value) => panic!("succeeded with {value:?} where the model expected a refusal"),
        Err(e) => Some(e.kind()),
    }
}
