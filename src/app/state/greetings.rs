//! The greetings the page's responders answer with: the KV bucket's keys as the page's live
//! watch saw them ([`GreetingBook`], the local map the responders read instead of a KV `get`
//! per request), and what the Greetings panel shows of them ([`GreetingsView`]). Pure: the
//! runtime in `app::greetings` feeds it the watch's entries.

use std::rc::Rc;

use super::LogLine;

/// Keys the page keeps; updates of further keys are counted in [`GreetingBook::more`], and
/// requests for them are answered `hello, <name>` (the panel says so).
pub const GREETINGS_LIMIT: usize = 1_000;

/// The bucket the page uses unless told otherwise (`?bucket=`).
pub const DEFAULT_BUCKET: &str = "greetings";

/// How many values of each key the page's bucket keeps (its `history`): the last few edits
/// stay readable (`nats kv history greetings joe`) without the bucket growing.
pub const HISTORY: u8 = 5;

/// Largest greeting the page's bucket accepts, in bytes (its `max_value_size`): a greeting is
/// a line, and a reply stays small.
pub const MAX_GREETING_BYTES: u32 = 1_024;

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
    /// Its value (empty after a delete or purge).
    pub value: Vec<u8>,
    /// Its revision: the stream sequence of that change, what an update must name.
    pub revision: u64,
    /// What that change was.
    pub operation: LastOperation,
}

/// The bucket's keys, sorted, at most [`GREETINGS_LIMIT`] of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GreetingBook {
    rows: Vec<GreetingRow>,
    /// Changes of keys beyond [`GREETINGS_LIMIT`], not kept.
    pub more: usize,
}

impl GreetingBook {
    /// Folds one change in; an older revision than the one kept (a redelivery) is ignored.
    pub fn apply(&mut self, row: GreetingRow) {
        match self.rows.binary_search_by(|r| r.key.as_str().cmp(&row.key)) {
            Ok(at) => {
                if let Some(kept) = self.rows.get_mut(at).filter(|k| k.revision < row.revision) {
                    *kept = row;
                }
            }
            Err(_) if self.rows.len() >= GREETINGS_LIMIT => self.more += 1,
            Err(at) => self.rows.insert(at, row),
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

    /// The key's value, if it has one (not deleted, not purged).
    pub fn value(&self, key: &str) -> Option<&[u8]> {
        let at = self
            .rows
            .binary_search_by(|r| r.key.as_str().cmp(key))
            .ok()?;
        self.rows
            .get(at)
            .filter(|r| r.operation == LastOperation::Put)
            .map(|r| r.value.as_slice())
    }

    /// The reply to a request on `subject`: the value of key `<name>` for `greet.<name>`,
    /// else `hello, <name>`; nothing for any other subject (a server may deliver anything;
    /// nothing here may panic).
    pub fn reply_to(&self, subject: &str) -> Option<Vec<u8>> {
        let name = subject.strip_prefix("greet.").filter(|n| !n.is_empty())?;
        Some(match self.value(name) {
            Some(value) => value.to_vec(),
            None => format!("hello, {name}").into_bytes(),
        })
    }
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
                        "; more than {GREETINGS_LIMIT} keys: {n} changes of further keys not kept (their replies are hello, <name>)"
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
        GreetingRow {
            key: key.into(),
            value: value.into(),
            revision,
            operation,
        }
    }

    fn put(key: &str, value: &str, revision: u64) -> GreetingRow {
        row(key, value, revision, LastOperation::Put)
    }

    #[test]
    fn an_empty_book_answers_as_the_original_responder() {
        let book = GreetingBook::default();
        for name in ["joe", "sue", "bob"] {
            assert_eq!(
                book.reply_to(&format!("greet.{name}")),
                Some(format!("hello, {name}").into_bytes())
            );
        }
    }

    #[test]
    fn a_put_value_is_the_reply_and_a_delete_brings_hello_back() {
        let mut book = GreetingBook::default();
        book.apply(put("joe", "hi joe", 1));
        assert_eq!(book.reply_to("greet.joe").unwrap(), b"hi joe");
        assert_eq!(book.reply_to("greet.sue").unwrap(), b"hello, sue");
        book.apply(row("joe", "", 2, LastOperation::Delete));
        assert_eq!(book.reply_to("greet.joe").unwrap(), b"hello, joe");
        assert_eq!(book.rows().len(), 1, "the deleted key stays listed");
        book.apply(put("joe", "hey", 3));
        book.apply(row("joe", "", 4, LastOperation::Purge));
        assert_eq!(book.reply_to("greet.joe").unwrap(), b"hello, joe");
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
