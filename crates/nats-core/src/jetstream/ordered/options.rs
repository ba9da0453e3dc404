//! What an ordered consumer reads ([`OrderedOptions`], [`DeliverFrom`]), what can be wrong
//! with it ([`OrderedError`]), and which servers take several filters.

use std::time::Duration;

use crate::proto::validate;

/// The idle heartbeat when none is given (ADR-17: 5 s).
pub const DEFAULT_IDLE_HEARTBEAT: Duration = Duration::from_secs(5);
/// How long the server keeps a consumer nobody reads (the page closed) when none is given.
pub const DEFAULT_INACTIVE_THRESHOLD: Duration = Duration::from_secs(5 * 60);

/// Where an ordered consumer starts, before it has delivered anything; after that, every
/// consumer it creates starts right after the last stream sequence it delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliverFrom {
    /// From the first message of the stream (or of its filters).
    #[default]
    All,
    /// From the last message.
    Last,
    /// Only messages stored after the consumer was created.
    New,
    /// The last message of each subject (a KV bucket's current values), then what follows.
    /// Without filter subjects it filters on `>` (the server takes this policy only with a
    /// filter), which is the whole stream.
    LastPerSubject,
    /// From this stream sequence on.
    Sequence(u64),
    /// From the first message stored at or after this time (nanoseconds since the Unix
    /// epoch, UTC).
    Time(u64),
}

/// What an ordered consumer reads and how it watches its consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedOptions {
    /// Subjects to deliver (wildcards allowed); none: the whole stream. Several need
    /// nats-server 2.10 or later.
    pub filter_subjects: Vec<String>,
    /// Where to start.
    pub deliver: DeliverFrom,
    /// Deliver headers only (the payload's size is in the `Nats-Msg-Size` header).
    pub headers_only: bool,
    /// How often the server sends a heartbeat while it has nothing to deliver
    /// ([`DEFAULT_IDLE_HEARTBEAT`]); missing two (by the owner's clock, confirmed by a round
    /// trip) recreates the consumer.
    pub idle_heartbeat: Duration,
    /// How long the server keeps the consumer when nobody reads it
    /// ([`DEFAULT_INACTIVE_THRESHOLD`]).
    pub inactive_threshold: Duration,
}

impl Default for OrderedOptions {
    fn default() -> Self {
        OrderedOptions {
            filter_subjects: Vec::new(),
            deliver: DeliverFrom::All,
            headers_only: false,
            idle_heartbeat: DEFAULT_IDLE_HEARTBEAT,
            inactive_threshold: DEFAULT_INACTIVE_THRESHOLD,
        }
    }
}

impl OrderedOptions {
    /// The whole stream from its first message, 5 s heartbeats.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only messages on `subject` (wildcards allowed); adds to the filters given before.
    pub fn filter_subject(mut self, subject: impl Into<String>) -> Self {
        self.filter_subjects.push(subject.into());
        self
    }

    /// Only messages on these subjects (several need nats-server 2.10).
    pub fn filter_subjects<S: Into<String>>(
        mut self,
        subjects: impl IntoIterator<Item = S>,
    ) -> Self {
        self.filter_subjects = subjects.into_iter().map(Into::into).collect();
        self
    }

    /// Where to start (see [`DeliverFrom`]).
    pub fn deliver(mut self, from: DeliverFrom) -> Self {
        self.deliver = from;
        self
    }

    /// Deliver headers only.
    pub fn headers_only(mut self, headers_only: bool) -> Self {
        self.headers_only = headers_only;
        self
    }

    /// The server's idle heartbeat interval.
    pub fn idle_heartbeat(mut self, interval: Duration) -> Self {
        self.idle_heartbeat = interval;
        self
    }

    /// How long the server keeps a consumer nobody reads.
    pub fn inactive_threshold(mut self, threshold: Duration) -> Self {
        self.inactive_threshold = threshold;
        self
    }
}

/// Why an ordered consumer could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderedError {
    /// A filter subject that is not a subject.
    #[error("invalid filter subject: {0}")]
    InvalidFilter(validate::ValidationError),
    /// A zero idle heartbeat: the consumer could never be checked.
    #[error("the idle heartbeat must be more than zero")]
    ZeroHeartbeat,
    /// Several filter subjects for a server older than 2.10, which takes only one.
    #[error(
        "nats-server {version} takes one filter subject, {count} were given: filter on one \
         subject (a wildcard), or use nats-server 2.10 or later"
    )]
    FilterSubjectsUnsupported {
        /// The server's version.
        version: String,
        /// Filter subjects given.
        count: usize,
    },
}

/// Whether a server of `version` (INFO's `2.10.4`, `v2.11.0-RC.1`, ...) takes
/// `filter_subjects`: 2.10 and later. One it cannot read is given the benefit of the doubt
/// (the server then answers for itself).
pub fn takes_filter_subjects(version: &str) -> bool {
    let mut parts = version.trim().trim_start_matches('v').split('.');
    let number = |part: Option<&str>| -> Option<u64> {
        let digits: String = part?.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    match (number(parts.next()), number(parts.next())) {
        (Some(major), Some(minor)) => (major, minor) >= (2, 10),
        _ => true,
    }
}
