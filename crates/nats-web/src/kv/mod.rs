//! Key-Value buckets in the browser (ADR-8; feature `jetstream`), on the JetStream
//! [`Context`](crate::jetstream::Context): create, open and delete buckets; read, write,
//! list, look back and watch keys.
//!
//! ```no_run
//! use futures::StreamExt;
//! use nats_web::jetstream;
//! use nats_web::kv::{KvConfig, WatchEvent};
//!
//! async fn greetings(client: nats_web::Client) -> Result<(), Box<dyn std::error::Error>> {
//!     let js = jetstream::new(client);
//!     let store = js.create_key_value(KvConfig { history: 5, ..KvConfig::new("greetings") }).await?;
//!     let revision = store.put("joe", "hello, joe").await?;
//!     store.update("joe", "hi, joe", revision).await?; // fails if someone wrote it since
//!     assert_eq!(store.get("joe").await?.as_deref(), Some(&b"hi, joe"[..]));
//!
//!     let mut watch = store.watch_all().await?;
//!     while let Some(event) = watch.next().await {
//!         match event? {
//!             WatchEvent::Entry(entry) => println!("{} = {:?} ({})", entry.key, entry.value, entry.operation),
//!             WatchEvent::InitialDone => println!("up to date"),
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! What is promised:
//! * keys and bucket names are checked as ADR-8 defines them before anything is sent;
//! * `create` fails with [`KvErrorKind::KeyExists`] when the key holds a value and succeeds
//!   when its latest entry is a delete or purge; `update` fails with
//!   [`KvErrorKind::WrongLastRevision`] when the revision is not the key's latest;
//! * a [`Watch`] delivers every revision of the watched keys once, in order, across
//!   reconnects and server restarts (its ordered consumer is recreated from the last revision
//!   delivered), and sends [`WatchEvent::InitialDone`] exactly once, also for an empty bucket.

mod bucket;
mod error;
mod patience;
mod store;
mod watch;

pub use error::{KvError, KvErrorKind};
pub use nats_core::kv::{validate_bucket, validate_key, validate_watch_filter};
pub use nats_core::kv::{Entry, KvConfig, KvStatus, Operation, MAX_HISTORY, MAX_KEY_LEN};
pub use patience::INITIAL_VALUES_IDLE;
pub use store::Store;
pub use watch::{Watch, WatchEvent, WatchOptions};
