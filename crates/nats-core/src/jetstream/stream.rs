//! Streams: their configuration (what `STREAM.CREATE` and `STREAM.UPDATE` take), their info
//! (what those and `STREAM.INFO` answer) and the rule for their names.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::{refuse_unknown, ConfigError};
use super::wire::{self, is_zero, is_zero_u64};
use crate::proto::validate;

/// Why a stream, consumer or bucket name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} name {name:?}: {why}")]
pub struct NameError {
    /// What was named: "stream", "consumer", ...
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The rule it breaks.
    pub why: &'static str,
}

/// The longest name the server takes (it becomes part of file names).
pub const MAX_NAME_LEN: usize = 255;

/// The JSON names of [`StreamConfig`]'s own fields (`extra` may hold none of them).
pub(crate) const STREAM_CONFIG_FIELDS: [&str; 28] = [
    "name",
    "description",
    "subjects",
    "retention",
    "max_consumers",
    "max_msgs",
    "max_bytes",
    "max_age",
    "max_msgs_per_subject",
    "max_msg_size",
    "discard",
    "storage",
    "num_replicas",
    "no_ack",
    "duplicate_window",
    "mirror",
    "sources",
    "sealed",
    "deny_delete",
    "deny_purge",
    "allow_rollup_hdrs",
    "allow_direct",
    "mirror_direct",
    "discard_new_per_subject",
    "republish",
    "compression",
    "first_seq",
    "metadata",
];

/// Checks a stream name as nats-server does: not empty, at most [`MAX_NAME_LEN`] bytes, and
/// none of `.`, `*`, `>`, `/`, `\`, whitespace or control characters (a name is one subject
/// token and a directory name).
pub fn validate_stream_name(name: &str) -> Result<(), NameError> {
    validate_name("stream", name)
}

/// The rule of [`validate_stream_name`] for any JetStream name (`what` says which).
pub fn validate_name(what: &'static str, name: &str) -> Result<(), NameError> {
    let fail = |why| {
        Err(NameError {
            what,
            name: name.to_owned(),
            why,
        })
    };
    if name.is_empty() {
        return fail("it is empty");
    }
    if name.len() > MAX_NAME_LEN {
        return fail("it is longer than 255 bytes");
    }
    if name
        .chars()
        .any(|c| matches!(c, '.' | '*' | '>' | '/' | '\\') || c.is_whitespace() || c.is_control())
    {
        return fail(
            "it may not contain '.', '*', '>', '/', '\\', whitespace or control characters",
        );
    }
    Ok(())
}

/// Where a stream keeps its messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    /// On disk (the server's default).
    #[default]
    File,
    /// In memory: lost when the server stops.
    Memory,
    /// A value this client does not know (a newer server's): read so that the rest of the
    /// reply still reads; refused when written (serializing it fails, saying to set a known
    /// value; nothing is sent).
    #[serde(other, serialize_with = "refuse_unknown::<Storage, _>")]
    Unknown,
}

/// When a stream lets go of a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Retention {
    /// At its limits (messages, bytes, age): the default.
    #[default]
    Limits,
    /// When every consumer has acknowledged it.
    Interest,
    /// When one consumer has acknowledged it (a work queue).
    #[serde(rename = "workqueue")]
    WorkQueue,
    /// A value this client does not know (a newer server's): read so that the rest of the
    /// reply still reads; refused when written (serializing it fails, saying to set a known
    /// value; nothing is sent).
    #[serde(other, serialize_with = "refuse_unknown::<Retention, _>")]
    Unknown,
}

/// What a full stream does with a new message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Discard {
    /// Drops its oldest messages (the default).
    #[default]
    Old,
    /// Refuses the new one.
    New,
    /// A value this client does not know (a newer server's): read so that the rest of the
    /// reply still reads; refused when written (serializing it fails, saying to set a known
    /// value; nothing is sent).
    #[serde(other, serialize_with = "refuse_unknown::<Discard, _>")]
    Unknown,
}

/// A stream's compression of its stored messages (nats-server 2.10 and later).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// None (the default).
    #[default]
    None,
    /// S2.
    S2,
    /// A value this client does not know (a newer server's): read so that the rest of the
    /// reply still reads; refused when written (serializing it fails, saying to set a known
    /// value; nothing is sent).
    #[serde(other, serialize_with = "refuse_unknown::<Compression, _>")]
    Unknown,
}

/// Another stream a stream copies from (`mirror`, `sources`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSource {
    /// The stream copied from.
    pub name: String,
    /// The first sequence copied (0: from the start).
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    /// Only messages on this subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_subject: Option<String>,
    /// Where the source's API is, when it is in another domain or account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
    /// The fields this client does not model (`subject_transforms`, a newer server's ...),
    /// as the server sent them: written back unchanged.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The API and delivery prefixes of a source in another account or domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct External {
    /// The API prefix, e.g. `$JS.hub.API`.
    pub api: String,
    /// The delivery prefix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliver: Option<String>,
}

/// Republishing every stored message to another subject (nats-server 2.9 and later).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Republish {
    /// The stream subjects republished.
    pub src: String,
    /// Where to.
    pub dest: String,
    /// Headers only, no payload.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub headers_only: bool,
}

/// A stream's configuration, as `STREAM.CREATE` and `STREAM.UPDATE` take it and every stream
/// info returns it. [`Default`] is the server's default: no limits (`-1`), file storage,
/// limits retention, discard old, one replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    /// The name ([`validate_stream_name`]).
    pub name: String,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The subjects it stores (wildcards allowed); empty: just its name (or none for a mirror).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// When messages go.
    pub retention: Retention,
    /// At most this many consumers (-1: no limit).
    pub max_consumers: i64,
    /// At most this many messages (-1: no limit).
    pub max_msgs: i64,
    /// At most this many bytes (-1: no limit).
    pub max_bytes: i64,
    /// At most this old (zero: no limit).
    #[serde(with = "wire::nanos")]
    pub max_age: Duration,
    /// At most this many messages per subject (-1: no limit; a key-value bucket's history).
    pub max_msgs_per_subject: i64,
    /// At most this many bytes per message (-1: no limit).
    pub max_msg_size: i64,
    /// What a full stream does.
    pub discard: Discard,
    /// Where it stores.
    pub storage: Storage,
    /// Replicas in a cluster (1 alone).
    pub num_replicas: usize,
    /// Acknowledges no publishes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_ack: bool,
    /// The window in which a `Nats-Msg-Id` seen before is a duplicate (zero: the server's
    /// default, two minutes).
    #[serde(with = "wire::nanos", skip_serializing_if = "is_zero")]
    pub duplicate_window: Duration,
    /// A stream it mirrors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSource>,
    /// Streams it sources from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<StreamSource>,
    /// Takes no more messages.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sealed: bool,
    /// Refuses deleting messages.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deny_delete: bool,
    /// Refuses purges.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deny_purge: bool,
    /// Honours `Nats-Rollup` headers.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_rollup_hdrs: bool,
    /// Answers direct gets (`DIRECT.GET`) from every replica.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_direct: bool,
    /// A mirror also answers direct gets for its origin.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mirror_direct: bool,
    /// With `discard: new`, the per-subject limit refuses new messages too (2.10+).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub discard_new_per_subject: bool,
    /// Republishes what it stores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub republish: Option<Republish>,
    /// Compression (2.10+; `none` is not sent, so older servers take the config).
    #[serde(skip_serializing_if = "is_no_compression")]
    pub compression: Compression,
    /// The first sequence of a new stream (2.10+; 0: 1).
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub first_seq: u64,
    /// Free-form metadata (2.10+).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// The fields this client does not model, as the server sent them (`subject_transform`,
    /// `placement`, `consumer_limits`, `allow_msg_ttl`, `subject_delete_marker_ttl`,
    /// `allow_atomic`, a newer server's ...): written back unchanged, so that
    /// `update_stream(stream_info(..).config)` with one field changed changes only that field.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn is_no_compression(c: &Compression) -> bool {
    *c == Compression::None
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            name: String::new(),
            description: None,
            subjects: Vec::new(),
            retention: Retention::Limits,
            max_consumers: wire::unlimited(),
            max_msgs: wire::unlimited(),
            max_bytes: wire::unlimited(),
            max_age: Duration::ZERO,
            max_msgs_per_subject: wire::unlimited(),
            max_msg_size: wire::unlimited(),
            discard: Discard::Old,
            storage: Storage::File,
            num_replicas: 1,
            no_ack: false,
            duplicate_window: Duration::ZERO,
            mirror: None,
            sources: Vec::new(),
            sealed: false,
            deny_delete: false,
            deny_purge: false,
            allow_rollup_hdrs: false,
            allow_direct: false,
            mirror_direct: false,
            discard_new_per_subject: false,
            republish: None,
            compression: Compression::None,
            first_seq: 0,
            metadata: BTreeMap::new(),
            extra: serde_json::Map::new(),
        }
    }
}

impl StreamConfig {
    /// Checks the config before it is sent: its name and the names of the streams it copies
    /// from ([`validate_stream_name`]), its `subjects` and the sources' `filter_subject`
    /// (wildcards allowed), and `republish`'s `src` and `dest`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_extra(&self.extra, &STREAM_CONFIG_FIELDS)?;
        validate_stream_name(&self.name)?;
        for subject in &self.subjects {
            ConfigError::check("subjects", subject, validate::subscribe_subject)?;
        }
        for source in self.mirror.iter().chain(&self.sources) {
            validate_stream_name(&source.name)?;
            if let Some(filter) = &source.filter_subject {
                ConfigError::check("filter_subject", filter, validate::subscribe_subject)?;
            }
        }
        if let Some(republish) = &self.republish {
            ConfigError::check("republish.src", &republish.src, validate::subscribe_subject)?;
            ConfigError::check(
                "republish.dest",
                &republish.dest,
                validate::subscribe_subject,
            )?;
        }
        Ok(())
    }

    /// A stream `name` on `subjects`, with the server's defaults for everything else.
    pub fn new(
        name: impl Into<String>,
        subjects: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        StreamConfig {
            name: name.into(),
            subjects: subjects.into_iter().map(Into::into).collect(),
            ..StreamConfig::default()
        }
    }
}

/// What a stream holds now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamState {
    /// Messages stored.
    pub messages: u64,
    /// Their bytes.
    pub bytes: u64,
    /// The first sequence stored (or the next one, when empty).
    pub first_seq: u64,
    /// When the first stored message came (Unix nanoseconds, 0: none).
    #[serde(rename = "first_ts", with = "wire::time")]
    pub first_time: u64,
    /// The last sequence stored.
    pub last_seq: u64,
    /// When the last stored message came (Unix nanoseconds, 0: none).
    #[serde(rename = "last_ts", with = "wire::time")]
    pub last_time: u64,
    /// Distinct subjects stored.
    pub num_subjects: u64,
    /// Deleted messages between the first and the last.
    pub num_deleted: u64,
    /// Consumers on it.
    pub consumer_count: u64,
}

/// The cluster a stream or consumer lives in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    /// The cluster's name.
    pub name: Option<String>,
    /// The server leading it.
    pub leader: Option<String>,
}

/// A stream's configuration and state, as `STREAM.CREATE`, `STREAM.UPDATE` and
/// `STREAM.INFO` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamInfo {
    /// Its configuration, with the server's defaults filled in.
    pub config: StreamConfig,
    /// When it was created (Unix nanoseconds).
    #[serde(with = "wire::time")]
    pub created: u64,
    /// What it holds now.
    pub state: StreamState,
    /// Its cluster, in a cluster.
    pub cluster: Option<ClusterInfo>,
}
