//! The greetings the page's responders answer with: the KV bucket's keys as the page's live
//! watch saw them ([`GreetingBook`], the local map the responders read instead of a KV `get`
//! per request), and what the Greetings panel shows of them ([`GreetingsView`]). Pure: the
//! runtime in `app::greetings` feeds it the watch's entries.

use std::rc::Rc;

use super::LogLine;

/// Keys the page keeps. When it is full, a deleted key's row makes room for a new key; past
/// that, puts of further keys are counted in [`GreetingBook::more`], and requests for names
/// the book does not hold are answered from the bucket (a KV `get`), not from the book.
pub const GREETINGS_LIMIT: usize = 1_000;

/// The bucket the page uses unless told otherwise (`?bucket=`).
pub const DEFAULT_BUCKET: &str = "greetings";

/// How many values of each key the page's bucket keeps (its `history`): the last few edits
/// stay readable (`nats kv history greetings joe`) without the bucket growing.
pub const HISTORY: u8 = 5;

/// Largest greeting the page's bucket accepts, in bytes (its `max_value_size`): a greeting is
/// a line, and a reply stays small. It is also the largest value the book keeps: a bucket the
/// page did not create may hold larger ones (up to the server's max_payload), which the book
/// lists by size only, and whose replies are fetched from the bucket (a KV `get`).
pub const MAX_GREETING_BYTES: u32 = 1_024;

/// The longest name (key) the panel's Name field takes, in bytes: the KV key bound
/// (`nats_web::kv::MAX_KEY_LEN`), so a pasted long name is cut in the field instead of refused.
pub const MAX_NAME_BYTES: usize = 1_024;

/// What last happened to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastOperation {
    /// A value was put.
    Put,
    /// The key was deleted (its history kept).
    Delete,
    /// The key was purged (its history removed).
    Purge,
}

impl LastOperation {
    /// The word the panel shows.
    pub fn name(self) -> &'static str {
        match self {
            LastOperation::Put => "put",
            LastOperation::Delete => "delete",
            LastOperation::Purge => "purge",
        }
    }
}

/// One key of the bucket as the watch last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreetingRow {
    /// The key: the name a greeting is for.
    pub key: String,
    /// Its value (empty after a delete or purge, and when it is larger than
    /// [`MAX_GREETING_BYTES`]: see [`GreetingRow::too_large`]).
    pub value: Vec<u8>,
    /// The value's size in bytes, kept or not.
    pub size: usize,
    /// Its revision: the stream sequence of that change, what an update must name.
    pub revision: u64,
    /// What that change was.
    pub operation: LastOperation,
}

impl GreetingRow {
    /// The row of a change of `key` to `value`: the value is kept only up to
    /// [`MAX_GREETING_BYTES`].
    pub fn new(key: String, value: Vec<u8>, revision: u64, operation: LastOperation) -> Self {
        let size = value.len();
        let value = if size > MAX_GREETING_BYTES as usize {
            Vec::new()
        } else {
            value
        };
        GreetingRow {
            key,
            value,
            size,
            revision,
            operation,
        }
    }

    /// Whether the key holds a value larger than [`MAX_GREETING_BYTES`], which the book does
    /// not keep.
    pub fn too_large(&self) -> bool {
        self.operation == LastOperation::Put && self.size > MAX_GREETING_BYTES as usize
    }
}

/// How to answer a `greet.<name>` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// With these bytes, from the book.
    Ready(Vec<u8>),
    /// With the bucket's value of `key` (a KV `get`), or `hello, <key>` when it has none: the
    /// book does not hold the key's value (larger than [`MAX_GREETING_BYTES`], or the book
    /// was full when the key was put).
    FromBucket {
        /// The key to get.
        key: String,
    },
}

/// The bucket's keys, sorted, at most [`GREETINGS_LIMIT`] of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GreetingBook {
    rows: Vec<GreetingRow>,
    /// Puts of keys not kept (the book was full and held no deleted key to make room).
    pub more: usize,
}

impl GreetingBook {
    /// Folds one change in; an older revision than the one kept (a redelivery) is ignored. A
    /// delete or purge of a key the book does not hold changes nothing. A put of a new key
    /// when the book is full takes the place of a deleted key's row, or, with none, is
    /// counted in [`GreetingBook::more`].
    pub fn apply(&mut self, row: GreetingRow) {
        match self.rows.binary_search_by(|r| r.key.as_str().cmp(&row.key)) {
            Ok(at) => {
                if let Some(kept) = self.rows.get_mut(at).filter(|k| k.revision < row.revision) {
                    *kept = row;
                }
            }
            Err(_) if row.operation != LastOperation::Put => {}
            Err(at) if self.rows.len() < GREETINGS_LIMIT => self.rows.insert(at, row),
            Err(_) => match self
                .rows
                .iter()
                .position(|r| r.operation != LastOperation::Put)
            {
                Some(removed) => {
                    self.rows.remove(removed);
                    let at = self
                        .rows
                        .binary_search_by(|r| r.key.as_str().cmp(&row.key))
                        .unwrap_or_else(|at| at);
                    self.rows.insert(at, row);
                }
                None => self.more += 1,
            },
        }
    }

    /// The keys, sorted, deleted ones included.
    pub fn rows(&self) -> &[GreetingRow] {
        &self.rows
    }

    /// How many keys have a value (are neither deleted nor purged).
    pub fn value_count(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.operation == LastOperation::Put)
            .count()
    }

    /// The key's value, if it has one (not deleted, not purged) and the book keeps it (not
    /// [`GreetingRow::too_large`]).
    pub fn value(&self, key: &str) -> Option<&[u8]> {
        let at = self
            .rows
            .binary_search_by(|r| r.key.as_str().cmp(key))
            .ok()?;
        self.rows
            .get(at)
            .filter(|r| r.operation == LastOperation::Put && !r.too_large())
            .map(|r| r.value.as_slice())
    }

    /// The reply to a request on `subject`: the value of key `<name>` for `greet.<name>`,
    /// else `hello, <name>`; from the bucket when the book does not hold the value (too
    /// large, or not kept because the book was full); nothing for any other subject (a
    /// server may deliver anything; nothing here may panic).
    pub fn reply_to(&self, subject: &str) -> Option<Reply> {
        let name = subject.strip_prefix("greet.").filter(|n| !n.is_empty())?;
        let at = self.rows.binary_search_by(|r| r.key.as_str().cmp(name));
        let from_bucket = || Reply::FromBucket { key: name.into() };
        Some(match at.ok().and_then(|at| self.rows.get(at)) {
            Some(row) if row.too_large() => from_bucket(),
            Some(row) if row.operation == LastOperation::Put => Reply::Ready(row.value.clone()),
            None if self.more > 0 => from_bucket(),
            _ => Reply::Ready(hello(name)),
        })
    }
}

/// The reply for a name without a greeting: `hello, <name>`.
pub fn hello(name: &str) -> Vec<u8> {
    format!("hello, {name}").into_bytes()
}

/// Whether the page can use its bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Availability {
    /// The playground is not connected yet.
    #[default]
    Waiting,
    /// Opening (or creating) the bucket and starting the watch.
    Opening,
    /// The watch is delivering the bucket's current values.
    Loading,
    /// Every current value is in; changes show as they happen.
    Live,
    /// The server has no JetStream (its API has no responders): no bucket, the responders
    /// answer `hello, <name>`.
    NoJetStream,
    /// The bucket could not be opened or the watch ended: why.
    Failed(String),
}

impl Availability {
    /// Whether the panel may edit the bucket.
    pub fn editable(&self) -> bool {
        matches!(self, Availability::Loading | Availability::Live)
    }
}

/// An edit the Greetings panel asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GreetingEdit {
    /// Put a value for a key the page does not list.
    Put {
        /// The key (a name).
        key: String,
        /// Its greeting.
        value: String,
    },
    /// Replace a listed key's value, only if its revision is still `revision` (the one the
    /// panel showed): a change made elsewhere meanwhile makes it fail, not get overwritten.
    Update {
        /// The key (a name).
        key: String,
        /// Its new greeting.
        value: String,
        /// The revision the panel showed.
        revision: u64,
    },
    /// Delete a key (its history is kept; replies are `hello, <name>` again).
    Delete {
        /// The key.
        key: String,
    },
}

impl GreetingEdit {
    /// The edit the form's Put button stands for: an update from `editing`'s revision if
    /// the person clicked Edit on this key, an update from the revision listed if the key is
    /// listed, else a put.
    pub fn from_form(
        view: &GreetingsView,
        editing: Option<&(String, u64)>,
        key: String,
        value: String,
    ) -> Self {
        let revision = match editing {
            Some((k, revision)) if *k == key => Some(*revision),
            _ => view.row(&key).map(|r| r.revision),
        };
        match revision {
            Some(revision) => GreetingEdit::Update {
                key,
                value,
                revision,
            },
            None => GreetingEdit::Put { key, value },
        }
    }
}

/// Something that happened to the page's bucket, for [`GreetingsView::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GreetingsChange {
    /// The bucket can be used, or not.
    Availability(Availability),
    /// The watch changed the book: its keys now, and the changes not kept.
    Rows(Rc<Vec<GreetingRow>>, usize),
    /// A line for the panel's log (what an edit did).
    Log(LogLine),
}

/// What the Greetings panel shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GreetingsView {
    /// The bucket's name.
    pub bucket: String,
    /// Whether it can be used.
    pub availability: Availability,
    /// Its keys as the watch saw them, sorted.
    pub rows: Rc<Vec<GreetingRow>>,
    /// Changes of keys beyond [`GREETINGS_LIMIT`], not kept.
    pub more: usize,
    /// What the panel's edits did, oldest first.
    pub log: Rc<Vec<LogLine>>,
}

impl GreetingsView {
    /// The view of bucket `bucket` before the page connected.
    pub fn new(bucket: impl Into<String>) -> Self {
        GreetingsView {
            bucket: bucket.into(),
            ..Self::default()
        }
    }

    /// Folds `change` in.
    pub fn apply(&mut self, change: GreetingsChange) {
        match change {
            GreetingsChange::Availability(a) => self.availability = a,
            GreetingsChange::Rows(rows, more) => {
                self.rows = rows;
                self.more = more;
            }
            GreetingsChange::Log(line) => super::push_bounded(Rc::make_mut(&mut self.log), line),
        }
    }

    /// The row of `key`, if the watch saw one.
    pub fn row(&self, key: &str) -> Option<&GreetingRow> {
        self.rows.iter().find(|r| r.key == key)
    }

    /// The panel's status sentence.
    pub fn summary(&self) -> String {
        let bucket = &self.bucket;
        match &self.availability {
            Availability::Waiting => "waiting for the playground connection…".into(),
            Availability::Opening => format!("opening bucket {bucket}…"),
            Availability::Loading => format!("loading bucket {bucket}…"),
            Availability::Live => {
                let values = self
                    .rows
                    .iter()
                    .filter(|r| r.operation == LastOperation::Put)
                    .count();
                let keys = match values {
                    1 => "1 greeting".to_owned(),
                    n => format!("{n} greetings"),
                };
                let more = match self.more {
                    0 => String::new(),
                    n => format!(
                        "; more than {GREETINGS_LIMIT} keys: {n} puts of further keys not listed (their replies are read from the bucket)"
                    ),
                };
                format!("watching bucket {bucket} live: {keys}{more}")
            }
            Availability::NoJetStream => {
                "this server has no JetStream (nothing answers its $JS.API): there is no bucket, \
                 and the responders answer hello, <name>; everything else works. Start \
                 nats-server with -js to use KV."
                    .into()
            }
            Availability::Failed(why) => format!("error: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, value: &str, revision: u64, operation: LastOperation) -> GreetingRow {
        GreetingRow::new(key.into(), value.into(), revision, operation)
    }

    fn ready(text: &str) -> Option<Reply> {
        Some(Reply::Ready(text.into()))
    }

    fn from_bucket(key: &str) -> Option<Reply> {
        Some(Reply::FromBucket { key: key.into() })
    }

    fn put(key: &str, value: &str, revision: u64) -> GreetingRow {
        row(key, value, revision, LastOperation::Put)
    }

    #[cfg(feature = "jetstream")]
    #[test]
    fn the_name_field_s_bound_is_the_kv_key_bound() {
        assert_eq!(MAX_NAME_BYTES, nats_web::kv::MAX_KEY_LEN);
    }

    #[test]
    fn an_empty_book_answers_as_the_original_responder() {
        let book = GreetingBook::default();
        for name in ["joe", "sue", "bob"] {
            assert_eq!(
                book.reply_to(&format!("greet.{name}")),
                ready(&format!("hello, {name}"))
            );
        }
    }

    #[test]
    fn a_put_value_is_the_reply_and_a_delete_brings_hello_back() {
        let mut book = GreetingBook::default();
        book.apply(put("joe", "hi joe", 1));
        assert_eq!(book.reply_to("greet.joe"), ready("hi joe"));
        assert_eq!(book.reply_to("greet.sue"), ready("hello, sue"));
        book.apply(row("joe", "", 2, LastOperation::Delete));
        assert_eq!(book.reply_to("greet.joe"), ready("hello, joe"));
        assert_eq!(book.rows().len(), 1, "the deleted key stays listed");
        book.apply(put("joe", "hey", 3));
        book.apply(row("joe", "", 4, LastOperation::Purge));
        assert_eq!(book.reply_to("greet.joe"), ready("hello, joe"));
    }

    #[test]
    fn a_redelivered_older_revision_does_not_undo_a_newer_one() {
        let mut book = GreetingBook::default();
        book.apply(put("joe", "new", 5));
        book.apply(put("joe", "old", 4));
        book.apply(put("joe", "again", 5));
        assert_eq!(book.value("joe"), Some(&b"new"[..]));
    }

    #[test]
    fn keys_are_kept_sorted() {
        let mut book = GreetingBook::default();
        for (i, key) in ["sue", "ann", "zed", "bob"].into_iter().enumerate() {
            book.apply(put(key, key, i as u64 + 1));
        }
        let keys: Vec<_> = book.rows().iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["ann", "bob", "sue", "zed"]);
    }

    #[test]
    fn the_book_keeps_its_limit_of_keys_and_counts_the_rest() {
        let mut book = GreetingBook::default();
        for i in 0..GREETINGS_LIMIT + 3 {
            book.apply(put(&format!("k{i:05}"), "v", i as u64 + 1));
        }
        assert_eq!(book.rows().len(), GREETINGS_LIMIT);
        assert_eq!(book.more, 3);
        // A kept key still changes.
        book.apply(put("k00000", "w", 10_000));
        assert_eq!(book.value("k00000"), Some(&b"w"[..]));
    }

    #[test]
    fn past_the_limit_a_name_the_book_does_not_hold_is_answered_from_the_bucket() {
        let mut book = GreetingBook::default();
        for i in 0..=GREETINGS_LIMIT {
            book.apply(put(&format!("k{i:05}"), "v", i as u64 + 1));
        }
        let last = format!("k{GREETINGS_LIMIT:05}");
        assert_eq!(book.value(&last), None, "not kept");
        assert_eq!(book.reply_to(&format!("greet.{last}")), from_bucket(&last));
        assert_eq!(book.reply_to("greet.nobody"), from_bucket("nobody"));
        assert_eq!(
            book.reply_to("greet.k00000"),
            ready("v"),
            "kept: from the book"
        );
    }

    #[test]
    fn removals_of_keys_the_book_does_not_hold_take_no_room() {
        let mut book = GreetingBook::default();
        for i in 0..GREETINGS_LIMIT as u64 {
            book.apply(row(&format!("gone{i}"), "", i + 1, LastOperation::Delete));
        }
        assert!(book.rows().is_empty());
        book.apply(put("new", "hi new", 5_000));
        assert_eq!(book.reply_to("greet.new"), ready("hi new"));
        assert_eq!(book.more, 0);
    }

    #[test]
    fn a_full_book_makes_room_for_a_new_key_by_dropping_a_deleted_one() {
        let mut book = GreetingBook::default();
        let mut revision = 0;
        for i in 0..GREETINGS_LIMIT {
            revision += 1;
            book.apply(put(&format!("k{i:05}"), "v", revision));
        }
        for i in 0..GREETINGS_LIMIT {
            revision += 1;
            book.apply(row(
                &format!("k{i:05}"),
                "",
                revision,
                LastOperation::Delete,
            ));
        }
        assert_eq!(
            book.rows().len(),
            GREETINGS_LIMIT,
            "deleted keys stay listed"
        );
        book.apply(put("new", "hi new", revision + 1));
        assert_eq!(book.reply_to("greet.new"), ready("hi new"));
        assert_eq!(book.rows().len(), GREETINGS_LIMIT);
        assert_eq!(book.more, 0);
        let keys: Vec<_> = book.rows().iter().map(|r| r.key.as_str()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "still sorted");
        assert_eq!(book.reply_to("greet.k00500"), ready("hello, k00500"));
    }

    #[test]
    fn a_value_over_the_limit_is_not_kept_and_its_reply_comes_from_the_bucket() {
        let mut book = GreetingBook::default();
        let big = "<img src=x onerror=alert(1)>\u{7}\r\n".repeat(40_000);
        book.apply(put("big", &big, 1));
        let kept = &book.rows()[0];
        assert!(kept.too_large() && kept.value.is_empty());
        assert_eq!(kept.size, big.len());
        assert_eq!(book.reply_to("greet.big"), from_bucket("big"));
        let small = "x".repeat(MAX_GREETING_BYTES as usize);
        book.apply(put("small", &small, 2));
        assert_eq!(book.reply_to("greet.small"), ready(&small));
        book.apply(row("big", "", 3, LastOperation::Delete));
        assert_eq!(book.reply_to("greet.big"), ready("hello, big"));
    }

    #[test]
    fn no_subject_panics_and_only_greet_dot_a_name_is_answered() {
        let book = GreetingBook::default();
        for subject in ["greet", "greet.", "gr", "", "other.joe", "gré", "greetéjoe"] {
            assert_eq!(book.reply_to(subject), None, "{subject:?}");
        }
    }

    #[test]
    fn the_form_updates_from_the_revision_the_person_saw() {
        let mut view = GreetingsView::new("greetings");
        view.rows = Rc::new(vec![put("joe", "hi", 7)]);
        let edit = |editing: Option<&(String, u64)>, key: &str| {
            GreetingEdit::from_form(&view, editing, key.into(), "v".into())
        };
        let update = |key: &str, revision| GreetingEdit::Update {
            key: key.into(),
            value: "v".into(),
            revision,
        };
        // Edit clicked at revision 5; the list has moved on to 7 since: 5 it is.
        assert_eq!(edit(Some(&("joe".into(), 5)), "joe"), update("joe", 5));
        assert_eq!(edit(None, "joe"), update("joe", 7));
        assert_eq!(
            edit(Some(&("joe".into(), 5)), "ann"),
            GreetingEdit::Put {
                key: "ann".into(),
                value: "v".into()
            }
        );
    }

    #[test]
    fn the_summary_says_what_the_panel_can_do() {
        let mut view = GreetingsView::new("greetings");
        view.availability = Availability::Live;
        view.rows = Rc::new(vec![
            put("joe", "hi", 1),
            row("sue", "", 3, LastOperation::Delete),
        ]);
        assert_eq!(view.summary(), "watching bucket greetings live: 1 greeting");
        view.availability = Availability::NoJetStream;
        assert!(
            view.summary().contains("no JetStream"),
            "{}",
            view.summary()
        );
        assert!(!view.availability.editable());
    }
}
