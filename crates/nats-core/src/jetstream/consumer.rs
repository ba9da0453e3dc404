//! Consumers: their configuration, what `CONSUMER.CREATE` takes and answers, and the pull
//! request (`CONSUMER.MSG.NEXT`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::{refuse_unknown, ConfigError};
use super::stream::{validate_name, ClusterInfo, NameError};
use super::wire::{self, is_zero, is_zero_u64};
use crate::proto::validate;

/// Checks a consumer name (or durable name): the rule of
/// [`super::stream::validate_stream_name`].
pub fn validate_consumer_name(name: &str) -> Result<(), NameError> {
    validate_name("consumer", name)
}

/// Where in the stream a new consumer starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliverPolicy {
    /// From the first message (the default).
    #[default]
    All,
    /// From the last message.
    Last,
    /// Only messages stored after it was created.
    New,
    /// From [`ConsumerConfig::opt_start_seq`].
    ByStartSequence,
    /// From [`ConsumerConfig::opt_start_time`].
    ByStartTime,
    /// The last message of every subject, then the new ones.
    LastPerSubject,
    /// A value this client does not know (a newer server's): read so that the rest of the
    /// reply still reads; refused when written (serializing it fails, saying to set a known
    /// value; nothing is sent).
    #[serde(other, serialize_with = "refuse_unknown::<DeliverPolicy, _>")]
    Unknown,
}

/// What a consumer needs acknowledged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AckPolicy {
    /// Nothing: delivered is done (ordered consumers).
    None,
    /// An ack acknowledges every message before it too.
    All,
    /// Every message on its own (the default; pull consumers need it).
    #[default]
    Explicit,
    /// A value this client does not know (a newer server's): read so that the rest of the
    /// reply still reads; refused when written (serializing it fails, saying to set a known
    /// value; nothing is sent).
    #[serde(other, serialize_with = "refuse_unknown::<AckPolicy, _>")]
    Unknown,
}

/// How fast a consumer replays stored messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplayPolicy {
    /// As fast as they can go (the default).
    #[default]
    Instant,
    /// At the pace they were stored.
    Original,
    /// A value this client does not know (a newer server's): read so that the rest of the
    /// reply still reads; refused when written (serializing it fails, saying to set a known
    /// value; nothing is sent).
    #[serde(other, serialize_with = "refuse_unknown::<ReplayPolicy, _>")]
    Unknown,
}

/// A consumer's configuration. [`Default`] is a pull consumer on the whole stream with
/// explicit acks and the server's defaults for the rest; a zero duration, a 0 count and
/// `None` are "not set" and left out of what is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    /// Its name (2.9+); `None` with no `durable_name`: the server names an ephemeral one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A durable name: the consumer outlives its clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable_name: Option<String>,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Push consumers: the subject it delivers to (`None`: a pull consumer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliver_subject: Option<String>,
    /// Push consumers: the queue group it delivers to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliver_group: Option<String>,
    /// Where it starts.
    pub deliver_policy: DeliverPolicy,
    /// The first stream sequence, with [`DeliverPolicy::ByStartSequence`].
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    /// The first time (Unix nanoseconds), with [`DeliverPolicy::ByStartTime`].
    #[serde(with = "wire::opt_time", skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<u64>,
    /// What must be acknowledged.
    pub ack_policy: AckPolicy,
    /// How long a delivery waits for its ack before it is redelivered (zero: 30 s).
    #[serde(with = "wire::nanos", skip_serializing_if = "is_zero")]
    pub ack_wait: Duration,
    /// Deliveries of one message at most (0: no limit; the server reports -1).
    #[serde(skip_serializing_if = "is_not_positive")]
    pub max_deliver: i64,
    /// Only messages on this subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_subject: Option<String>,
    /// Only messages on these subjects (2.10+).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filter_subjects: Vec<String>,
    /// Replay pace.
    pub replay_policy: ReplayPolicy,
    /// Push consumers: bits per second at most (0: no limit).
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub rate_limit_bps: u64,
    /// Pull consumers: pull requests waiting at most (0: the server's default, 512).
    #[serde(skip_serializing_if = "is_not_positive")]
    pub max_waiting: i64,
    /// Unacknowledged messages at most (0: the server's default, 1000; -1: no limit).
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub max_ack_pending: i64,
    /// Push consumers: flow control (needs `idle_heartbeat`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flow_control: bool,
    /// Push consumers: a heartbeat after this long without messages.
    #[serde(with = "wire::nanos", skip_serializing_if = "is_zero")]
    pub idle_heartbeat: Duration,
    /// Deliver headers only (with `Nats-Msg-Size`), no payloads.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub headers_only: bool,
    /// Pull consumers: the largest batch a pull may ask for (0: no limit).
    #[serde(skip_serializing_if = "is_not_positive")]
    pub max_batch: i64,
    /// Pull consumers: the longest `expires` a pull may ask for (zero: no limit).
    #[serde(with = "wire::nanos", skip_serializing_if = "is_zero")]
    pub max_expires: Duration,
    /// Deleted after this long without activity (ephemeral consumers; zero: the server's
    /// default, 5 s for ephemerals).
    #[serde(with = "wire::nanos", skip_serializing_if = "is_zero")]
    pub inactive_threshold: Duration,
    /// Replicas (0: as the stream).
    #[serde(skip_serializing_if = "is_zero_usize")]
    pub num_replicas: usize,
    /// Keeps its state in memory.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mem_storage: bool,
    /// Redelivery delays, one per delivery.
    #[serde(with = "wire::nanos_list", skip_serializing_if = "Vec::is_empty")]
    pub backoff: Vec<Duration>,
    /// Free-form metadata (2.10+).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// The fields this client does not model (`sample_freq`, `max_bytes`, `pause_until`,
    /// priority groups, a newer server's ...), as the server sent them: written back
    /// unchanged, so a config read from a consumer's info and sent again drops nothing.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The JSON names of [`ConsumerConfig`]'s own fields (`extra` may hold none of them).
pub(crate) const CONSUMER_CONFIG_FIELDS: [&str; 27] = [
    "name",
    "durable_name",
    "description",
    "deliver_subject",
    "deliver_group",
    "deliver_policy",
    "opt_start_seq",
    "opt_start_time",
    "ack_policy",
    "ack_wait",
    "max_deliver",
    "filter_subject",
    "filter_subjects",
    "replay_policy",
    "rate_limit_bps",
    "max_waiting",
    "max_ack_pending",
    "flow_control",
    "idle_heartbeat",
    "headers_only",
    "max_batch",
    "max_expires",
    "inactive_threshold",
    "num_replicas",
    "mem_storage",
    "backoff",
    "metadata",
];

fn is_not_positive(n: &i64) -> bool {
    *n <= 0
}

fn is_zero_i64(n: &i64) -> bool {
    *n == 0
}

fn is_zero_usize(n: &usize) -> bool {
    *n == 0
}

impl ConsumerConfig {
    /// The name a create request goes under: `name`, else `durable_name`.
    pub fn create_name(&self) -> Option<&str> {
        self.name.as_deref().or(self.durable_name.as_deref())
    }

    /// Checks the config before it is sent: `name` and `durable_name` valid, and equal when
    /// both are given; `deliver_subject` a subject to publish to, `deliver_group` a queue
    /// group, `filter_subject` and `filter_subjects` subjects (wildcards allowed); `extra`
    /// holding none of the fields modelled here.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_extra(&self.extra, &CONSUMER_CONFIG_FIELDS)?;
        for name in [&self.name, &self.durable_name].into_iter().flatten() {
            validate_consumer_name(name)?;
        }
        if let (Some(name), Some(durable)) = (&self.name, &self.durable_name) {
            if name != durable {
                return Err(NameError {
                    what: "consumer",
                    name: name.clone(),
                    why: "name and durable_name differ",
                }
                .into());
            }
        }
        if let Some(subject) = &self.deliver_subject {
            ConfigError::check("deliver_subject", subject, validate::publish_subject)?;
        }
        if let Some(group) = &self.deliver_group {
            ConfigError::check("deliver_group", group, validate::queue_group)?;
        }
        for filter in self.filter_subject.iter().chain(&self.filter_subjects) {
            ConfigError::check("filter_subjects", filter, validate::subscribe_subject)?;
        }
        Ok(())
    }
}

/// The body of `CONSUMER.CREATE`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateConsumerRequest {
    /// The stream.
    pub stream_name: String,
    /// The consumer.
    pub config: ConsumerConfig,
}

/// A position in a stream, as a consumer's info reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SequenceInfo {
    /// The consumer's own sequence.
    pub consumer_seq: u64,
    /// The stream's sequence.
    pub stream_seq: u64,
    /// When this was last reached (Unix nanoseconds, 0: never; 2.9+).
    #[serde(with = "wire::time", skip_serializing_if = "is_zero_u64")]
    pub last_active: u64,
}

/// A consumer's configuration and state, as `CONSUMER.CREATE` and `CONSUMER.INFO` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerInfo {
    /// The stream.
    pub stream_name: String,
    /// The consumer's name.
    pub name: String,
    /// When it was created (Unix nanoseconds).
    #[serde(with = "wire::time")]
    pub created: u64,
    /// Its configuration, with the server's defaults filled in.
    pub config: ConsumerConfig,
    /// The last message delivered.
    pub delivered: SequenceInfo,
    /// Everything up to here is acknowledged.
    pub ack_floor: SequenceInfo,
    /// Delivered and not acknowledged.
    pub num_ack_pending: u64,
    /// Redelivered at least once.
    pub num_redelivered: u64,
    /// Pull requests waiting.
    pub num_waiting: u64,
    /// Messages left to deliver.
    pub num_pending: u64,
    /// Its cluster, in a cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// Push consumers: whether a subscriber is on its deliver subject.
    pub push_bound: bool,
}

/// A pull request's body (`CONSUMER.MSG.NEXT`): up to `batch` messages, the request ending
/// after `expires` (with a 408 status) or at once when there are none and `no_wait` is set
/// (with a 404).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NextRequest {
    /// Messages at most.
    pub batch: usize,
    /// How long the server keeps the request (zero: until it is filled; always set one).
    #[serde(with = "wire::nanos", skip_serializing_if = "is_zero")]
    pub expires: Duration,
    /// End at once (404) when there is nothing to deliver.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_wait: bool,
    /// Bytes at most (0: no limit).
    #[serde(skip_serializing_if = "is_zero_usize")]
    pub max_bytes: usize,
    /// A heartbeat (status 100) after this long without messages (zero: none).
    #[serde(with = "wire::nanos", skip_serializing_if = "is_zero")]
    pub idle_heartbeat: Duration,
}

/// What a status message on a pull's inbox means (ADR-13, as nats-server sends them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullStatus {
    /// 100: an idle heartbeat; the pull goes on.
    Heartbeat,
    /// 404 (`No Messages`): a `no_wait` pull found nothing; the pull is over.
    NoMessages,
    /// 408 (`Request Timeout`): the pull's `expires` passed; it is over.
    Expired,
    /// 409 for this pull only, for a reason that passes (`Exceeded MaxWaiting`: too many
    /// pulls waiting, `Leadership Change`, ...): the pull is over, the consumer is still
    /// there, a later pull may be taken; the description says why.
    Refused(String),
    /// A refusal that every pull with the same settings gets (409 `Exceeded
    /// MaxRequestBatch`, `Exceeded MaxRequestExpires`, `Exceeded MaxRequestMaxBytes`, 400
    /// `Bad Request`): pulling again the same way is pointless; the description says why.
    Rejected(String),
    /// 409 `Consumer Deleted` or `Consumer is push based`: no pull will ever be answered.
    ConsumerGone(String),
    /// 503: nobody takes pulls for this consumer (2.10+: it does not exist).
    NoResponders,
    /// Any other status, with its code and description: the pull is over.
    Other(u16, String),
}

impl PullStatus {
    /// The meaning of status `code` with `description` on a pull's inbox.
    pub fn new(code: crate::proto::StatusCode, description: Option<&str>) -> Self {
        use crate::proto::StatusCode;
        let description = description.unwrap_or_default().trim();
        match code {
            StatusCode::IDLE_HEARTBEAT => PullStatus::Heartbeat,
            StatusCode::NOT_FOUND => PullStatus::NoMessages,
            StatusCode::TIMEOUT => PullStatus::Expired,
            StatusCode::NO_RESPONDERS => PullStatus::NoResponders,
            StatusCode::REQUEST_TERMINATED => {
                let gone = ["Consumer Deleted", "Consumer is push based"]
                    .iter()
                    .any(|d| description.eq_ignore_ascii_case(d));
                let always = description
                    .get(..18)
                    .is_some_and(|d| d.eq_ignore_ascii_case("Exceeded MaxReques"));
                if gone {
                    PullStatus::ConsumerGone(description.to_owned())
                } else if always {
                    PullStatus::Rejected(description.to_owned())
                } else {
                    PullStatus::Refused(description.to_owned())
                }
            }
            other if other.as_u16() == 400 => PullStatus::Rejected(description.to_owned()),
            other => PullStatus::Other(other.as_u16(), description.to_owned()),
        }
    }
}
