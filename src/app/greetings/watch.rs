//! Opening the bucket (creating it if missing) and the live watch that keeps the book.

use futures::StreamExt;

use super::Greetings;
use crate::app::display;
use crate::app::state::{
    Availability, GreetingBook, GreetingRow, LastOperation, LogLine, HISTORY, MAX_GREETING_BYTES,
};
use nats_web::client::Client;
use nats_web::jetstream::{self, JetStreamErrorKind, Storage};
use nats_web::kv::{Entry, KvConfig, KvError, KvErrorKind, Operation, Store, WatchEvent};

/// The page's bucket: file storage, so the greetings people edited survive a server restart
/// (memory storage would lose them); a few values of history per key; small values.
fn config(bucket: &str) -> KvConfig {
    KvConfig {
        description: Some(
            "the nats-web demo's greetings: key <name>, value the reply to greet.<name>".into(),
        ),
        history: HISTORY,
        max_value_size: Some(MAX_GREETING_BYTES),
        storage: Storage::File,
        ..KvConfig::new(bucket)
    }
}

/// Whether `e` says the server has no JetStream (nothing answers its API).
fn no_jetstream(e: &KvError) -> bool {
    e.jetstream_error().map(|j| j.kind()) == Some(JetStreamErrorKind::NoResponders)
}

/// The row the book keeps for a watched entry.
fn row(entry: Entry) -> GreetingRow {
    let operation = match entry.operation {
        Operation::Put => LastOperation::Put,
        Operation::Delete => LastOperation::Delete,
        Operation::Purge => LastOperation::Purge,
    };
    GreetingRow::new(entry.key, entry.value, entry.revision, operation)
}

impl Greetings {
    /// Opens the bucket and keeps the book until the watch ends or open number `generation`
    /// is superseded; says in the panel what happened.
    pub(super) async fn run(&self, client: Client, generation: u64) {
        let current = || self.generation.get() == generation;
        self.settled.set(false);
        *self.book.borrow_mut() = GreetingBook::default();
        self.show_rows();
        self.available(Availability::Opening);
        let store = match self.open_or_create(client).await {
            Ok(store) => store,
            Err(e) => return self.unavailable(&e, "could not open bucket"),
        };
        if !current() {
            return;
        }
        *self.store.borrow_mut() = Some(store.clone());
        self.available(Availability::Loading);
        let mut watch = match store.watch_all().await {
            Ok(watch) => watch,
            Err(e) => return self.unavailable(&e, "could not watch bucket"),
        };
        let mut live = false;
        let mut last_error = None;
        while let Some(event) = watch.next().await {
            if !current() {
                return;
            }
            match event {
                Ok(WatchEvent::Entry(entry)) => {
                    self.book.borrow_mut().apply(row(entry));
                    if live {
                        self.show_rows();
                    }
                }
                Ok(WatchEvent::InitialDone) => {
                    live = true;
                    self.show_rows();
                    self.available(Availability::Live);
                    self.settle();
                }
                Err(e) => {
                    let e = display::error(&e);
                    self.log(LogLine::error(format!("the watch: {e}")));
                    last_error = Some(e);
                }
            }
        }
        if !current() {
            return;
        }
        // The watch ended: stale greetings would be wrong ones, so the book goes with it.
        *self.store.borrow_mut() = None;
        *self.book.borrow_mut() = GreetingBook::default();
        self.show_rows();
        let why = last_error.unwrap_or_else(|| "it ended".into());
        self.available(Availability::Failed(format!(
            "the watch of bucket {} ended ({why}): replies are hello, <name> until it is opened again",
            display::subject(&self.bucket)
        )));
        self.settle();
    }

    /// The bucket, created (and said so) if it is missing.
    async fn open_or_create(&self, client: Client) -> Result<Store, KvError> {
        let js = jetstream::new(client);
        let bucket = display::subject(&self.bucket).into_owned();
        match js.key_value(&self.bucket).await {
            Ok(store) => {
                self.log(LogLine::step(format!("opened bucket {bucket}")));
                Ok(store)
            }
            Err(e) if e.kind() == KvErrorKind::NotFound => {
                let store = js.create_key_value(config(&self.bucket)).await?;
                self.log(LogLine::step(format!(
                    "created bucket {bucket}: file storage, history {HISTORY}, greetings up to {MAX_GREETING_BYTES} B"
                )));
                Ok(store)
            }
            Err(e) => Err(e),
        }
    }

    /// The bucket cannot be used: the panel says why, the responders answer `hello, <name>`.
    fn unavailable(&self, e: &KvError, what: &str) {
        let missing = no_jetstream(e);
        self.no_jetstream.set(missing);
        let availability = if missing {
            Availability::NoJetStream
        } else {
            Availability::Failed(format!(
                "{what} {}: {}",
                display::subject(&self.bucket),
                display::error(e)
            ))
        };
        self.available(availability);
        self.settle();
    }
}
