//! [`Watch`]: a live view of a bucket's keys, as a `Stream` of [`WatchEvent`]s, on an
//! ordered consumer (which resumes after a reconnect, a gap or a server restart from the
//! last revision it delivered: nothing missed, nothing twice).

use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures::Stream;
use nats_core::kv::{Entry, InitialValues, KvSubjects, StoredParts};

use super::error::KvError;
use crate::jetstream::ordered::DEFAULT_IDLE_HEARTBEAT;
use crate::jetstream::{JetStreamError, JsMessage, OrderedMessages, ResetCounts};

/// What to watch besides new changes, and how much of each entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchOptions {
    pub(crate) include_initial: bool,
    pub(crate) include_history: bool,
    pub(crate) include_deletes: bool,
    pub(crate) headers_only: bool,
    pub(crate) idle_heartbeat: Duration,
}

impl Default for WatchOptions {
    /// The latest value of every watched key, then [`WatchEvent::InitialDone`], then every
    /// change; deletes and purges included; values included.
    fn default() -> Self {
        WatchOptions {
            include_initial: true,
            include_history: false,
            include_deletes: true,
            headers_only: false,
            idle_heartbeat: DEFAULT_IDLE_HEARTBEAT,
        }
    }
}

impl WatchOptions {
    /// The defaults (see [`WatchOptions::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// `true` (the default): first the latest entry of every watched key (a delete or purge
    /// marker too, unless [`include_deletes`](Self::include_deletes) is off), then
    /// [`WatchEvent::InitialDone`]. `false`: only changes made from now on, with
    /// `InitialDone` first (ADR-8's `UpdatesOnly`).
    pub fn include_initial(mut self, include: bool) -> Self {
        self.include_initial = include;
        self
    }

    /// With the initial values, every revision the bucket still keeps of each key, oldest
    /// first, instead of only the latest (ADR-8's `IncludeHistory`; off by default).
    pub fn include_history(mut self, include: bool) -> Self {
        self.include_history = include;
        self
    }

    /// `true` (the default): deletes and purges are delivered as entries with their
    /// operation; `false`: only puts (ADR-8's `IgnoreDeletes`).
    pub fn include_deletes(mut self, include: bool) -> Self {
        self.include_deletes = include;
        self
    }

    /// Entries without their values (empty `value`), as ADR-8's `MetaOnly` (off by default).
    pub fn headers_only(mut self, headers_only: bool) -> Self {
        self.headers_only = headers_only;
        self
    }

    /// How often the server sends a heartbeat while nothing changes (default
    /// [`DEFAULT_IDLE_HEARTBEAT`], 5 s); two missed (by the page's clock, confirmed by a round
    /// trip) recreate the watch's consumer, and a deleted bucket is noticed then.
    pub fn idle_heartbeat(mut self, every: Duration) -> Self {
        self.idle_heartbeat = every;
        self
    }
}

/// One thing a [`Watch`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// A key's entry: a value put, or a delete or purge marker.
    Entry(Entry),
    /// The initial values are all delivered (ADR-8's end of initial data, nats.js and
    /// async-nats' `seen_current`): sent exactly once, also for an empty bucket, and first
    /// when the watch does not include initial values.
    InitialDone,
}

/// A watch of a bucket's keys: a `Stream` of [`WatchEvent`]s, in revision order.
///
/// It ends only when it cannot go on: the bucket was deleted or the connection closed,
/// reported as one `Err` item, then the end. Dropping it stops the watch (its consumer is
/// removed by the server once idle).
pub struct Watch {
    messages: OrderedMessages,
    subjects: Rc<KvSubjects>,
    initial: InitialValues,
    /// The marker is owed: sent before the next entry (an empty bucket, updates only), or
    /// right after the entry that completed the initial values.
    marker_owed: bool,
    include_deletes: bool,
    ended: bool,
}

impl Watch {
    /// A watch over `messages`, whose consumer had `pending_at_create` messages for it.
    pub(crate) fn new(
        messages: OrderedMessages,
        subjects: Rc<KvSubjects>,
        options: &WatchOptions,
        pending_at_create: u64,
    ) -> Self {
        let initial = InitialValues::new(options.include_initial, pending_at_create);
        Watch {
            messages,
            subjects,
            marker_owed: initial.is_done(),
            initial,
            include_deletes: options.include_deletes,
            ended: false,
        }
    }
}

impl Watch {
    /// How many times its ordered consumer was recreated, and why (a reconnect, a gap, a
    /// missed heartbeat, the consumer gone): each time it resumed right after the last
    /// revision delivered.
    pub fn resets(&self) -> ResetCounts {
        self.messages.resets()
    }

    /// Why the watch is paused, if it is: the refusal of its consumer's last recreate, one
    /// it keeps retrying (JetStream restarting, a consumer limit reached, ...: see
    /// [`OrderedMessages::retrying`](crate::jetstream::ordered::OrderedMessages::retrying));
    /// `None` while it delivers. A page can say "live updates paused: ..." meanwhile.
    pub fn retrying(&self) -> Option<&JetStreamError> {
        self.messages.retrying()
    }

    /// The revision of the last entry received from the server (0 before the first), whether
    /// or not the options let it through.
    pub fn last_revision(&self) -> u64 {
        self.messages.last_stream_sequence()
    }
}

/// The entry a delivered message holds, if it is one of the bucket's keys.
pub(crate) fn entry_of(subjects: &KvSubjects, mut message: JsMessage) -> Option<Entry> {
    let value = std::mem::take(&mut message.message.payload);
    let parts = StoredParts {
        subject: &message.message.subject,
        headers: message.message.headers.as_ref(),
        sequence: message.info.stream_sequence,
        time: message.info.timestamp_nanos,
        pending: message.info.pending,
    };
    Entry::from_stored(subjects, parts, value)
}

impl Stream for Watch {
    type Item = Result<WatchEvent, KvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.marker_owed {
                this.marker_owed = false;
                return Poll::Ready(Some(Ok(WatchEvent::InitialDone)));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            let message = match Pin::new(&mut this.messages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(KvError::from_request("watching", e))));
                }
                Poll::Ready(Some(Ok(message))) => message,
            };
            let pending = message.info.pending;
            this.marker_owed = this.initial.on_message(pending);
            let Some(entry) = entry_of(&this.subjects, message) else {
                continue;
            };
            if !this.include_deletes && entry.operation.is_removal() {
                continue;
            }
            return Poll::Ready(Some(Ok(WatchEvent::Entry(entry))));
        }
    }
}
