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
mod options;
mod reset;
pub mod retry;

pub use heartbeat::{HeartbeatCheck, HeartbeatMonitor};
pub use options::{
    takes_filter_subjects, DeliverFrom, OrderedError, OrderedOptions, DEFAULT_IDLE_HEARTBEAT,
    DEFAULT_INACTIVE_THRESHOLD,
};
pub use reset::{Reset, ResetCounts, ResetReason};

use super::consumer::{AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy};
use super::headers::{CONSUMER_STALLED, LAST_CONSUMER};
use super::message_info::MessageInfo;
use crate::proto::{validate, HeaderMap, StatusCode};

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
        let start = match self.resume_after {
            Some(last) => DeliverFrom::Sequence(last.saturating_add(1)),
            None => self.options.deliver,
        };
        match filters.as_slice() {
            // The server takes the last per subject only with a filter (10094): all of them,
            // as nats.go fills in (one filter, so that nats-server 2.9 takes it too).
            [] if start == DeliverFrom::LastPerSubject => {
                config.filter_subject = Some(">".to_owned());
            }
            [] => {}
            [one] => config.filter_subject = Some(one.clone()),
            several => config.filter_subjects = several.to_vec(),
        }
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
    /// consumer. Before the first delivery, [`OrderedConsumer::pending`] is what the server
    /// still has for it plus what it delivered before it answered (on its way, not read
    /// yet): `num_pending + delivered.consumer_seq`, as nats.go counts the initial values.
    pub fn created(&mut self, info: &ConsumerInfo) {
        let fresh = self.current.as_ref().is_some_and(|g| g.consumer_seq == 0);
        let nothing_yet = fresh && self.resume_after.is_none() && info.delivered.consumer_seq == 0;
        if nothing_yet && self.options.deliver != DeliverFrom::LastPerSubject {
            self.resume_after = Some(info.delivered.stream_seq);
        }
        if fresh {
            self.pending = info.num_pending.saturating_add(info.delivered.consumer_seq);
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

#[cfg(test)]
#[path = "ordered_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "ordered_property_tests.rs"]
mod property_tests;
