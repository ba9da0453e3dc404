//! The ordered consumer (ADR-17) as a state machine: what to do with each message and status
//! an ephemeral push consumer delivers, and the [`ConsumerConfig`] of each (re)create.
//!
//! An ordered consumer replays a stream (or the part its filters pick) in stream order, each
//! message once: it creates an ephemeral push consumer (no acks, flow control, idle
//! heartbeats, in memory, one replica) on a fresh inbox, checks each delivery's consumer
//! sequence against the one it expects, and when anything is missing (a gap, a missed
//! heartbeat, a reconnect, the consumer deleted) it drops that consumer and creates a new one
//! starting right after the last stream sequence it delivered. So the messages it delivers
//! have strictly increasing stream sequences, none twice, none skipped.
//!
//! [`OrderedConsumer`] holds no clock and does no I/O. Its owner:
//! 1. subscribes to a new inbox and creates the consumer with
//!    [`OrderedConsumer::consumer_config`] (then tells it [`OrderedConsumer::created`]);
//! 2. gives it every message of that subscription ([`OrderedConsumer::on_message`]) and acts
//!    on the [`Verdict`]: deliver, skip, publish an empty reply, or reset;
//! 3. on a reset (also one it decides itself: [`OrderedConsumer::reset`] after a missed
//!    heartbeat or a reconnect) unsubscribes, deletes the old consumer and goes back to 1.
//!
//! The heartbeat check is [`HeartbeatMonitor`]: measured from the last activity by the
//! owner's clock, and confirmed by a round trip to the server before it declares a heartbeat
//! missed, so a timer that fires late (a background tab) never causes a reset.

mod heartbeat;

use std::time::Duration;

pub use heartbeat::{HeartbeatCheck, HeartbeatMonitor};

use super::consumer::{AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy};
use super::headers::{CONSUMER_STALLED, LAST_CONSUMER};
use super::message_info::MessageInfo;
use crate::proto::{validate, HeaderMap, StatusCode};

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

/// Why an ordered consumer was recreated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetReason {
    /// A delivery or heartbeat showed a consumer sequence past the one expected: something
    /// was not received (also a message the subscription dropped past its pending limits).
    Gap,
    /// Neither a message nor a heartbeat arrived within two heartbeat intervals, confirmed by
    /// a round trip to the server.
    MissedHeartbeat,
    /// The connection was re-established: what the server sent meanwhile is lost.
    Reconnect,
    /// The server said the consumer is gone (status 409, e.g. "Consumer Deleted").
    ConsumerGone,
}

/// How many times an ordered consumer was recreated, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResetCounts {
    /// After a gap.
    pub gap: u64,
    /// After a missed heartbeat.
    pub missed_heartbeat: u64,
    /// After a reconnect.
    pub reconnect: u64,
    /// After the server deleted the consumer.
    pub consumer_gone: u64,
    /// The reason of the latest reset.
    pub last: Option<ResetReason>,
}

impl ResetCounts {
    /// Resets for every reason.
    pub fn total(&self) -> u64 {
        self.gap + self.missed_heartbeat + self.reconnect + self.consumer_gone
    }

    fn count(&mut self, reason: ResetReason) {
        let counter = match reason {
            ResetReason::Gap => &mut self.gap,
            ResetReason::MissedHeartbeat => &mut self.missed_heartbeat,
            ResetReason::Reconnect => &mut self.reconnect,
            ResetReason::ConsumerGone => &mut self.consumer_gone,
        };
        *counter += 1;
        self.last = Some(reason);
    }
}

/// Drop the current consumer and create the next one ([`OrderedConsumer::consumer_config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reset {
    /// Where the next consumer starts: right after the last stream sequence delivered.
    /// `None` while nothing has been delivered: it starts as the first one did.
    pub from_stream_seq: Option<u64>,
    /// Why.
    pub reason: ResetReason,
}

/// What to do with one message of the consumer's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The next message, in order: hand it to the application.
    Deliver(MessageInfo),
    /// Nothing to deliver: a heartbeat in order, a duplicate, a message of an earlier
    /// consumer, or something that is no JetStream delivery.
    Skip,
    /// Publish an empty message to this subject (flow control, or a stalled consumer's
    /// heartbeat), then go on.
    Respond(String),
    /// The consumer lost something or is gone: recreate it.
    Reset(Reset),
}

/// The consumer now in use: which deliveries are its own, and the next one expected.
#[derive(Debug, Clone)]
struct Generation {
    name: String,
    deliver_subject: String,
    /// The consumer sequence of the last delivery taken (0 before the first).
    consumer_seq: u64,
}

/// The ordered consumer's state: see the module documentation.
#[derive(Debug, Clone)]
pub struct OrderedConsumer {
    options: OrderedOptions,
    /// The last stream sequence delivered, or where the first consumer was pinned to start
    /// (minus one); `None` before either.
    resume_after: Option<u64>,
    current: Option<Generation>,
    pending: u64,
    resets: ResetCounts,
}

impl OrderedConsumer {
    /// An ordered consumer reading as `options` say; checks the filter subjects and the
    /// heartbeat before anything is sent.
    pub fn new(options: OrderedOptions) -> Result<Self, OrderedError> {
        for subject in &options.filter_subjects {
            validate::subscribe_subject(subject).map_err(OrderedError::InvalidFilter)?;
        }
        if options.idle_heartbeat.is_zero() {
            return Err(OrderedError::ZeroHeartbeat);
        }
        Ok(OrderedConsumer {
            options,
            resume_after: None,
            current: None,
            pending: 0,
            resets: ResetCounts::default(),
        })
    }

    /// What it was created with.
    pub fn options(&self) -> &OrderedOptions {
        &self.options
    }

    /// The stream sequence of the last message delivered (0 before the first).
    pub fn last_stream_seq(&self) -> u64 {
        self.resume_after.unwrap_or(0)
    }

    /// Messages left in the stream after the last one delivered, as the server last said.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// How many times the consumer was reset, and why.
    pub fn resets(&self) -> ResetCounts {
        self.resets
    }

    /// The name of the consumer in use (`None` after a reset, until the next config).
    pub fn consumer_name(&self) -> Option<&str> {
        self.current.as_ref().map(|g| g.name.as_str())
    }

    /// Starts a new consumer: the config to create it with, named `name`, delivering to
    /// `deliver_subject` (a fresh inbox the owner has subscribed to). From now on only that
    /// consumer's deliveries count. `server_version` is the server's INFO `version`: several
    /// filter subjects fail on one older than 2.10.
    pub fn consumer_config(
        &mut self,
        deliver_subject: &str,
        name: &str,
        server_version: &str,
    ) -> Result<ConsumerConfig, OrderedError> {
        let filters = &self.options.filter_subjects;
        if filters.len() > 1 && !takes_filter_subjects(server_version) {
            return Err(OrderedError::FilterSubjectsUnsupported {
                version: server_version.to_owned(),
                count: filters.len(),
            });
        }
        self.current = Some(Generation {
            name: name.to_owned(),
            deliver_subject: deliver_subject.to_owned(),
            consumer_seq: 0,
        });
        let mut config = ConsumerConfig {
            name: Some(name.to_owned()),
            deliver_subject: Some(deliver_subject.to_owned()),
            ack_policy: AckPolicy::None,
            max_deliver: 1,
            flow_control: true,
            idle_heartbeat: self.options.idle_heartbeat,
            headers_only: self.options.headers_only,
            mem_storage: true,
            num_replicas: 1,
            inactive_threshold: self.options.inactive_threshold,
            ..ConsumerConfig::default()
        };
        match filters.as_slice() {
            [] => {}
            [one] => config.filter_subject = Some(one.clone()),
            several => config.filter_subjects = several.to_vec(),
        }
        let start = match self.resume_after {
            Some(last) => DeliverFrom::Sequence(last.saturating_add(1)),
            None => self.options.deliver,
        };
        match start {
            DeliverFrom::All => config.deliver_policy = DeliverPolicy::All,
            DeliverFrom::Last => config.deliver_policy = DeliverPolicy::Last,
            DeliverFrom::New => config.deliver_policy = DeliverPolicy::New,
            DeliverFrom::LastPerSubject => config.deliver_policy = DeliverPolicy::LastPerSubject,
            DeliverFrom::Sequence(seq) => {
                config.deliver_policy = DeliverPolicy::ByStartSequence;
                config.opt_start_seq = seq.max(1);
            }
            DeliverFrom::Time(nanos) => {
                config.deliver_policy = DeliverPolicy::ByStartTime;
                config.opt_start_time = Some(nanos);
            }
        }
        Ok(config)
    }

    /// The server created the consumer and answered with `info`. A consumer that has
    /// delivered nothing yet says where it starts, so that a reset before the first delivery
    /// starts there too (a `New` consumer recreated later would skip what was stored in
    /// between); the last value per subject is the exception, recomputed by the next
    /// consumer. Before the first delivery, [`OrderedConsumer::pending`] is its
    /// `num_pending`.
    pub fn created(&mut self, info: &ConsumerInfo) {
        let fresh = self.current.as_ref().is_some_and(|g| g.consumer_seq == 0);
        let nothing_yet = fresh && self.resume_after.is_none() && info.delivered.consumer_seq == 0;
        if nothing_yet && self.options.deliver != DeliverFrom::LastPerSubject {
            self.resume_after = Some(info.delivered.stream_seq);
        }
        if fresh {
            self.pending = info.num_pending;
        }
    }

    /// Recreate the consumer for `reason` (a missed heartbeat, a reconnect): what to start
    /// from. Deliveries of the consumer in use are skipped from now on.
    pub fn reset(&mut self, reason: ResetReason) -> Reset {
        self.current = None;
        self.resets.count(reason);
        Reset {
            from_stream_seq: self.resume_after.map(|last| last.saturating_add(1)),
            reason,
        }
    }

    /// What to do with one message of the consumer's subscription: its subject, reply
    /// subject and headers.
    pub fn on_message(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
    ) -> Verdict {
        let Some(current) = self.current.as_ref() else {
            return Verdict::Skip;
        };
        if let Some(status) = headers.and_then(HeaderMap::status) {
            if subject != current.deliver_subject {
                return Verdict::Skip;
            }
            return self.on_status(status, reply, headers);
        }
        let Some(info) = reply.and_then(MessageInfo::from_reply) else {
            return Verdict::Skip;
        };
        let taken = current.consumer_seq;
        if info.consumer != current.name || info.consumer_sequence <= taken {
            return Verdict::Skip;
        }
        if info.consumer_sequence != taken + 1 {
            return Verdict::Reset(self.reset(ResetReason::Gap));
        }
        if let Some(current) = self.current.as_mut() {
            current.consumer_seq = info.consumer_sequence;
        }
        if self
            .resume_after
            .is_some_and(|last| info.stream_sequence <= last)
        {
            return Verdict::Skip;
        }
        self.resume_after = Some(info.stream_sequence);
        self.pending = info.pending;
        Verdict::Deliver(info)
    }

    /// A status message on the deliver subject: heartbeat, flow control, or the consumer
    /// gone.
    fn on_status(
        &mut self,
        status: StatusCode,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
    ) -> Verdict {
        let delivered = self.current.as_ref().map_or(0, |g| g.consumer_seq);
        match status.as_u16() {
            100 => {
                if let Some(reply) = reply.filter(|r| !r.is_empty()) {
                    return Verdict::Respond(reply.to_owned());
                }
                let last = headers
                    .and_then(|h| h.get(LAST_CONSUMER))
                    .and_then(|v| v.trim().parse::<u64>().ok());
                if last.is_some_and(|last| last > delivered) {
                    return Verdict::Reset(self.reset(ResetReason::Gap));
                }
                match headers.and_then(|h| h.get(CONSUMER_STALLED)) {
                    Some(stalled) if !stalled.trim().is_empty() => {
                        Verdict::Respond(stalled.trim().to_owned())
                    }
                    _ => Verdict::Skip,
                }
            }
            409 => Verdict::Reset(self.reset(ResetReason::ConsumerGone)),
            _ => Verdict::Skip,
        }
    }
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

#[cfg(test)]
#[path = "ordered_tests.rs"]
mod tests;
