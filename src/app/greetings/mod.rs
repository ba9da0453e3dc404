//! The greetings bucket at run time: opened (created if missing) on the playground's
//! connection, watched live into the [`GreetingBook`] the greet responders read (no KV `get`
//! per request while the book holds the whole bucket), and edited from the Greetings panel.
//! Without JetStream on the server the book stays empty: the responders answer
//! `hello, <name>`, and the panel says why.

#[cfg(feature = "jetstream")]
mod edit;
#[cfg(not(feature = "jetstream"))]
mod unsupported;
#[cfg(feature = "jetstream")]
mod watch;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use yew::Callback;

use super::services::sleep;
use super::state::{hello, Action, Availability, GreetingBook, GreetingsChange, LogLine, Reply};
use nats_web::client::{channel, Client};
#[cfg(feature = "jetstream")]
use nats_web::kv::Store;

/// How long the example waits at most for the bucket's current values before its responder
/// answers from what it has (`hello, <name>` for all, if nothing came).
pub const SETTLE_WAIT: Duration = Duration::from_secs(5);

/// At most this many replies read the bucket at once (the book does not hold their values);
/// a request past them is answered `hello, <name>` and logged, so that a peer asking for
/// names at random cannot queue unbounded reads.
pub const MAX_BUCKET_READS: usize = 8;

/// The page's greetings; cheap to clone, one per page.
#[derive(Clone)]
pub struct Greetings {
    bucket: Rc<str>,
    book: Rc<RefCell<GreetingBook>>,
    /// The playground's connection, once there.
    client: Rc<RefCell<Option<Client>>>,
    /// The bucket, once open.
    #[cfg(feature = "jetstream")]
    store: Rc<RefCell<Option<Store>>>,
    /// Whether the book is loaded, or known not to come (no JetStream, a failure).
    settled: Rc<Cell<bool>>,
    /// Who waits for [`Greetings::settled`]: each is told by its sender's drop.
    waiters: Rc<RefCell<Vec<channel::Sender<()>>>>,
    /// Whether the server turned out to have no JetStream.
    no_jetstream: Rc<Cell<bool>>,
    /// Bumped by each open: a watch of an older one stops.
    generation: Rc<Cell<u64>>,
    /// Replies reading the bucket now (at most [`MAX_BUCKET_READS`]).
    reads: Rc<Cell<usize>>,
    report: Callback<Action>,
}

impl PartialEq for Greetings {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.book, &other.book)
    }
}

impl Greetings {
    /// The greetings of `bucket`, reporting to `report`; not open yet.
    pub fn new(bucket: &str, report: Callback<Action>) -> Self {
        Greetings {
            bucket: bucket.into(),
            book: Rc::default(),
            client: Rc::default(),
            #[cfg(feature = "jetstream")]
            store: Rc::default(),
            settled: Rc::default(),
            no_jetstream: Rc::default(),
            waiters: Rc::default(),
            generation: Rc::default(),
            reads: Rc::default(),
            report,
        }
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The reply to a request on `subject`: the value of key `<name>` for `greet.<name>`,
    /// else `hello, <name>`; `None` for any other subject. It comes from the book, without a
    /// request, unless the book does not hold the value (larger than
    /// [`MAX_GREETING_BYTES`](super::state::MAX_GREETING_BYTES), or not kept because the book
    /// was full): then from the bucket (a KV `get`, bounded by the JetStream timeout, at most
    /// [`MAX_BUCKET_READS`] at once). Responders answer each request in a task of its own, so
    /// a slow read holds up no other reply.
    pub async fn reply_to(&self, subject: &str) -> Option<Vec<u8>> {
        let reply = self.book.borrow().reply_to(subject)?;
        Some(match reply {
            Reply::Ready(bytes) => bytes,
            Reply::FromBucket { key } => self.get(&key).await,
        })
    }

    /// The bucket's value of `key`, or `hello, <key>` when it has none (or cannot be read:
    /// the panel's log says why).
    #[cfg(feature = "jetstream")]
    async fn get(&self, key: &str) -> Vec<u8> {
        let store = self.store.borrow().clone();
        let Some(store) = store else {
            return hello(key);
        };
        if nats_web::kv::validate_key(key).is_err() {
            return hello(key); // not a key: the bucket cannot have it
        }
        if self.reads.get() >= MAX_BUCKET_READS {
            self.log(LogLine::error(format!(
                "greet.{}: {MAX_BUCKET_READS} bucket reads already waiting: replied hello",
                super::display::subject(key)
            )));
            return hello(key);
        }
        self.reads.set(self.reads.get() + 1);
        let read = store.get(key).await;
        self.reads.set(self.reads.get().saturating_sub(1));
        match read {
            Ok(Some(value)) => value,
            Ok(None) => hello(key),
            Err(e) => {
                self.log(LogLine::error(format!(
                    "greet.{}: reading the bucket failed ({}): replied hello",
                    super::display::subject(key),
                    super::display::error(&e)
                )));
                hello(key)
            }
        }
    }

    /// Without JetStream there is no bucket: `hello, <key>`.
    #[cfg(not(feature = "jetstream"))]
    async fn get(&self, key: &str) -> Vec<u8> {
        hello(key)
    }

    /// Whether the server turned out to have no JetStream (then there are no greetings).
    pub fn no_jetstream(&self) -> bool {
        self.no_jetstream.get()
    }

    /// How many keys have a greeting now.
    pub fn count(&self) -> usize {
        self.book.borrow().value_count()
    }

    /// Waits until the bucket's current values are in the book, or it is known they will
    /// not come, for at most `within`; whether that happened.
    pub async fn settled(&self, within: Duration) -> bool {
        if self.settled.get() {
            return true;
        }
        let (tx, mut rx) = channel::unbounded::<()>();
        self.waiters.borrow_mut().push(tx);
        let told = std::pin::pin!(rx.next());
        let timeout = std::pin::pin!(sleep(within));
        matches!(select(told, timeout).await, Either::Left(_)) || self.settled.get()
    }

    /// Marks the book loaded (or not coming) and wakes who waits.
    fn settle(&self) {
        self.settled.set(true);
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        drop(waiters);
    }

    fn change(&self, change: GreetingsChange) {
        self.report.emit(Action::Greetings(change));
    }

    fn available(&self, availability: Availability) {
        self.change(GreetingsChange::Availability(availability));
    }

    fn log(&self, line: LogLine) {
        self.change(GreetingsChange::Log(line));
    }

    /// Shows the book as it is now.
    #[cfg_attr(not(feature = "jetstream"), allow(dead_code))]
    fn show_rows(&self) {
        let book = self.book.borrow();
        let rows = Rc::new(book.rows().to_vec());
        let more = book.more;
        drop(book);
        self.change(GreetingsChange::Rows(rows, more));
    }

    /// Opens the bucket on `client` (the playground's connection) and watches it until the
    /// watch ends or another open supersedes it.
    pub async fn open(&self, client: Client) {
        *self.client.borrow_mut() = Some(client.clone());
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        self.run(client, generation).await;
    }

    /// Stops the watch (the page goes away): nothing is reported after this.
    pub fn stop(&self) {
        self.generation.set(self.generation.get() + 1);
        self.settle();
    }

    /// The playground could not connect: no bucket, and nobody waits for one.
    pub fn not_connected(&self, why: &str) {
        self.available(Availability::Failed(format!(
            "the playground could not connect ({why}): replies are hello, <name>"
        )));
        self.settle();
    }

    /// Opens the bucket again on the connection it had (the panel's Retry).
    pub async fn retry(&self) {
        let client = self.client.borrow().clone();
        match client {
            Some(client) => self.open(client).await,
            None => self.log(LogLine::error(
                "not connected: see the playground status above",
            )),
        }
    }
}
