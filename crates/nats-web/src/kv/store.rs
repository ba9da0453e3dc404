//! [`Store`]: one bucket's reads, writes, key listing, history and watches.

use std::rc::Rc;

use nats_core::jetstream::{GetRequest, StreamInfo};
use nats_core::kv::{Entry, InitialValues, KvStatus, KvSubjects, OpenedBucket, Operation};

use super::error::{err_code, KvError, KvErrorKind, WRONG_LAST_SEQUENCE};
use super::patience::{Patience, INITIAL_VALUES_IDLE};
use super::watch::{entry_of, Watch, WatchOptions};
use crate::jetstream::{
    Context, DeliverFrom, JetStreamError, JetStreamErrorKind, OrderedMessages, OrderedOptions,
    PublishOptions,
};

/// One Key-Value bucket: a cheap handle (clones share it), from
/// [`Context::create_key_value`] or [`Context::key_value`].
///
/// Keys are checked as ADR-8 defines them before anything is sent (an invalid one fails with
/// [`KvErrorKind::InvalidKey`]). Reads go through direct get when the bucket allows it (every
/// bucket this client or nats.go creates), else through `STREAM.MSG.GET`.
#[derive(Clone)]
pub struct Store {
    context: Context,
    subjects: Rc<KvSubjects>,
    use_direct: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("bucket", &self.subjects.bucket())
            .field("use_direct", &self.use_direct)
            .finish()
    }
}

impl Store {
    /// A store for the bucket `opened` describes: refused when its stream is not a bucket, and
    /// when it is a mirror ([`KvErrorKind::Unsupported`](super::KvErrorKind::Unsupported)): a
    /// mirror's entries are under the origin's subjects, so a store would read nothing and
    /// write where no stream listens.
    pub(crate) fn new(context: Context, opened: &OpenedBucket) -> Result<Self, KvError> {
        let bucket = opened.bucket()?;
        if let Some(origin) = opened.mirror() {
            return Err(KvError::new(
                KvErrorKind::Unsupported,
                format!(
                    "bucket {bucket:?} is a mirror of stream {origin:?}: mirrored buckets are not supported yet"
                ),
            ));
        }
        let subjects = KvSubjects::new(bucket, context.api_prefix())?;
        Ok(Store {
            context,
            subjects: Rc::new(subjects),
            use_direct: opened.allow_direct(),
        })
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        self.subjects.bucket()
    }

    /// The bucket's status now (values, history, TTL, bytes, ...), from its stream's info.
    pub async fn status(&self) -> Result<KvStatus, KvError> {
        let info: StreamInfo = self
            .context
            .stream_info(self.subjects.stream())
            .await
            .map_err(|e| KvError::from_request("reading the bucket's status", e))?;
        Ok(KvStatus::from_stream_info(info)?)
    }

    /// The key's value, or `None` when it has none (never written, deleted, purged or
    /// expired).
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self
            .entry(key)
            .await?
            .filter(|e| e.operation == Operation::Put)
            .map(|e| e.value))
    }

    /// The key's latest entry: its value with revision, creation time and operation, or its
    /// delete or purge marker (`operation` says which); `None` when the bucket holds nothing
    /// for it.
    pub async fn entry(&self, key: &str) -> Result<Option<Entry>, KvError> {
        let subject = self.subjects.key_subject(key)?;
        let request = GetRequest::last_by_subject(subject);
        let stream = self.subjects.stream();
        let stored = if self.use_direct {
            self.context.direct_get(stream, &request).await
        } else {
            self.context.stream_message(stream, &request).await
        }
        .map_err(|e| KvError::from_request(&format!("reading key {key:?}"), e))?;
        Ok(stored.and_then(|m| Entry::from_stored_message(&self.subjects, m)))
    }

    /// Stores `value` under `key`; its revision.
    pub async fn put(&self, key: &str, value: impl AsRef<[u8]>) -> Result<u64, KvError> {
        self.write(
            key,
            value.as_ref(),
            PublishOptions::new(),
            "putting the key",
        )
        .await
    }

    /// Stores `value` under `key` only if the key has no value: never written, or its latest
    /// entry is a delete or purge (ADR-8). Fails with [`KvErrorKind::KeyExists`] otherwise.
    pub async fn create(&self, key: &str, value: impl AsRef<[u8]>) -> Result<u64, KvError> {
        let value = value.as_ref();
        match self.update(key, value, 0).await {
            Err(e) if e.kind() == KvErrorKind::WrongLastRevision => {}
            Err(e) => return Err(e),
            Ok(revision) => return Ok(revision),
        }
        let key_exists = || {
            KvError::new(
                KvErrorKind::KeyExists,
                format!("creating key {key:?}: the key exists (it holds a value)"),
            )
        };
        match self.entry(key).await? {
            Some(latest) if latest.operation.is_removal() => {
                match self.update(key, value, latest.revision).await {
                    Err(e) if e.kind() == KvErrorKind::WrongLastRevision => Err(key_exists()),
                    other => other,
                }
            }
            _ => Err(key_exists()),
        }
    }

    /// Stores `value` under `key` only if the key's latest revision is `revision` (0: the
    /// bucket holds no entry of the key, not even a delete or purge marker); optimistic
    /// concurrency. Fails with
    /// [`KvErrorKind::WrongLastRevision`] when someone wrote the key since.
    pub async fn update(
        &self,
        key: &str,
        value: impl AsRef<[u8]>,
        revision: u64,
    ) -> Result<u64, KvError> {
        let options = PublishOptions::new().expected_last_subject_sequence(revision);
        self.write(key, value.as_ref(), options, "updating the key")
            .await
    }

    /// Deletes `key`, keeping its history: a delete marker becomes its latest entry.
    pub async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.write_marker(key, Operation::Delete, "deleting the key")
            .await
    }

    /// Purges `key`: removes its history, leaving one purge marker (`Nats-Rollup: sub`).
    pub async fn purge(&self, key: &str) -> Result<(), KvError> {
        self.write_marker(key, Operation::Purge, "purging the key")
            .await
    }

    /// Writes `key`'s delete or purge marker.
    async fn write_marker(&self, key: &str, op: Operation, doing: &str) -> Result<(), KvError> {
        let mut options = PublishOptions::new();
        if let Some(headers) = op.marker_headers() {
            options = options.headers(headers);
        }
        self.write(key, b"", options, doing).await.map(drop)
    }

    /// One write of `key` (checked first), with the revision the bucket gave it.
    async fn write(
        &self,
        key: &str,
        value: &[u8],
        options: PublishOptions,
        doing: &str,
    ) -> Result<u64, KvError> {
        let subject = self.subjects.write_subject(key)?;
        match self.context.publish_with(&subject, value, options).await {
            Ok(ack) => Ok(ack.seq),
            Err(e) if err_code(&e) == Some(WRONG_LAST_SEQUENCE) => Err(KvError::request(
                KvErrorKind::WrongLastRevision,
                &format!("{doing} {key:?}: its latest revision is not the one expected"),
                e,
            )),
            Err(e) => Err(KvError::from_request(&format!("{doing} {key:?}"), e)),
        }
    }

    /// Every key that has a value now (not deleted or purged), in the order of their latest
    /// revisions; read with a headers-only ordered consumer of the latest entry per key.
    /// Fails with a timeout ([`KvErrorKind::JetStream`]) when no entry comes for
    /// [`INITIAL_VALUES_IDLE`] while some are still pending.
    pub async fn keys(&self) -> Result<Vec<String>, KvError> {
        let options = WatchOptions::new()
            .headers_only(true)
            .include_deletes(false);
        let entries = self.initial_entries(">", &options).await?;
        let mut seen = std::collections::HashSet::new();
        Ok(entries
            .into_iter()
            .map(|e| e.key)
            .filter(|key| seen.insert(key.clone()))
            .collect())
    }

    /// Every revision the bucket keeps of `key`, oldest first, delete and purge markers
    /// included; empty when it holds none. Bounded as [`Store::keys`] is.
    pub async fn history(&self, key: &str) -> Result<Vec<Entry>, KvError> {
        self.subjects.key_subject(key)?;
        let options = WatchOptions::new().include_history(true);
        self.initial_entries(key, &options).await
    }

    /// Watches the keys `filter` matches (a key, or a pattern with `*` and `>`; `""` is the
    /// whole bucket) with [`WatchOptions::default`].
    pub async fn watch(&self, filter: &str) -> Result<Watch, KvError> {
        self.watch_with(filter, WatchOptions::default()).await
    }

    /// Watches every key of the bucket with [`WatchOptions::default`].
    pub async fn watch_all(&self) -> Result<Watch, KvError> {
        self.watch_with(">", WatchOptions::default()).await
    }

    /// Watches the keys `filter` matches (`""`: all) with `options`.
    pub async fn watch_with(&self, filter: &str, options: WatchOptions) -> Result<Watch, KvError> {
        let filter = if filter.is_empty() { ">" } else { filter };
        let (messages, pending) = self.consume(filter, &options).await?;
        Ok(Watch::new(
            messages,
            self.subjects.clone(),
            &options,
            pending,
        ))
    }

    /// The initial entries of a watch of `filter` (up to the one with nothing pending).
    async fn initial_entries(
        &self,
        filter: &str,
        options: &WatchOptions,
    ) -> Result<Vec<Entry>, KvError> {
        let (mut messages, pending) = self.consume(filter, options).await?;
        let mut initial = InitialValues::new(true, pending);
        let mut entries = Vec::new();
        let mut patience = Patience::new();
        while !initial.is_done() {
            let message = match patience.next(&mut messages, INITIAL_VALUES_IDLE).await {
                Some(Some(Ok(message))) => message,
                Some(Some(Err(e))) => return Err(KvError::from_request("reading the bucket", e)),
                Some(None) => break,
                None => return Err(idle_timeout(entries.len())),
            };
            initial.on_message(message.info.pending);
            if let Some(entry) = entry_of(&self.subjects, message) {
                if options.include_deletes || !entry.operation.is_removal() {
                    entries.push(entry);
                }
            }
        }
        Ok(entries)
    }

    /// An ordered consumer of `filter`'s entries as `options` ask, with the number of
    /// messages pending for it when it was created.
    async fn consume(
        &self,
        filter: &str,
        options: &WatchOptions,
    ) -> Result<(OrderedMessages, u64), KvError> {
        let subject = self.subjects.filter_subject(filter)?;
        let deliver = if !options.include_initial {
            DeliverFrom::New
        } else if options.include_history {
            DeliverFrom::All
        } else {
            DeliverFrom::LastPerSubject
        };
        let ordered = OrderedOptions {
            filter_subjects: vec![subject],
            deliver,
            headers_only: options.headers_only,
            idle_heartbeat: options.idle_heartbeat,
            ..OrderedOptions::default()
        };
        let messages = self
            .context
            .ordered_consumer(self.subjects.stream(), ordered)
            .await
            .map_err(|e| KvError::from_request("starting the watch", e))?;
        // Counts what the server delivered before it answered the create too.
        let pending = messages.pending();
        Ok((messages, pending))
    }
}

/// `keys` or `history` waited [`INITIAL_VALUES_IDLE`] for an entry in vain.
fn idle_timeout(read: usize) -> KvError {
    let doing = format!("reading the bucket ({read} entries read)");
    let why = format!(
        "no entry for {} s while entries were still pending (is the server up?)",
        INITIAL_VALUES_IDLE.as_secs()
    );
    KvError::from_request(
        &doing,
        JetStreamError::new(JetStreamErrorKind::Timeout, why),
    )
}
