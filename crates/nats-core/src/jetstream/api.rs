//! Where JetStream's API listens: `$JS.API` by default, `$JS.<domain>.API` for a JetStream
//! domain (a leaf node's), or any prefix an account import chose.

use serde::{Deserialize, Serialize};

use crate::proto::validate::{self, ValidationError};

/// The default API prefix.
pub const DEFAULT_PREFIX: &str = "$JS.API";

/// The subject prefix of the JetStream API, validated once so that every subject built on it
/// is a valid publish subject when its tail is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPrefix {
    prefix: String,
}

impl Default for ApiPrefix {
    fn default() -> Self {
        ApiPrefix {
            prefix: DEFAULT_PREFIX.to_owned(),
        }
    }
}

impl ApiPrefix {
    /// `$JS.<domain>.API`: the API of JetStream domain `domain`. The domain must be one
    /// subject token (no `.`, wildcard or whitespace).
    pub fn domain(domain: &str) -> Result<Self, ValidationError> {
        validate::subject_token(domain)?;
        Ok(ApiPrefix {
            prefix: format!("$JS.{domain}.API"),
        })
    }

    /// Any prefix, such as an account import's `JS.acc1.API`: a publish subject (no
    /// wildcards); a trailing `.` is dropped.
    pub fn custom(prefix: &str) -> Result<Self, ValidationError> {
        let prefix = prefix.strip_suffix('.').unwrap_or(prefix);
        validate::publish_subject(prefix)?;
        Ok(ApiPrefix {
            prefix: prefix.to_owned(),
        })
    }

    /// The prefix itself, e.g. `$JS.API`.
    pub fn as_str(&self) -> &str {
        &self.prefix
    }

    /// The API subject `<prefix>.<tail>`, e.g. `subject("STREAM.INFO.orders")` is
    /// `$JS.API.STREAM.INFO.orders`. The tail is not checked: build it from validated names.
    pub fn subject(&self, tail: &str) -> String {
        format!("{}.{tail}", self.prefix)
    }
}

/// The reply of API calls that return nothing but success (`STREAM.DELETE`,
/// `CONSUMER.DELETE`, `STREAM.PURGE` also says how many it purged).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SuccessResponse {
    /// Whether the server did it.
    pub success: bool,
    /// Messages purged (`STREAM.PURGE` only).
    pub purged: u64,
}

/// `$JS.API.INFO`: the account's JetStream usage and limits (enough to tell that JetStream
/// is there and how much room it has).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountInfo {
    /// Bytes of memory storage in use.
    pub memory: u64,
    /// Bytes of file storage in use.
    pub storage: u64,
    /// Streams in the account.
    pub streams: u64,
    /// Consumers in the account.
    pub consumers: u64,
    /// The JetStream domain, if the server is in one.
    pub domain: Option<String>,
}

/// The API subject tails, built from names the caller validated.
pub mod tail {
    /// `STREAM.CREATE.<stream>`.
    pub fn stream_create(stream: &str) -> String {
        format!("STREAM.CREATE.{stream}")
    }
    /// `STREAM.UPDATE.<stream>`.
    pub fn stream_update(stream: &str) -> String {
        format!("STREAM.UPDATE.{stream}")
    }
    /// `STREAM.INFO.<stream>`.
    pub fn stream_info(stream: &str) -> String {
        format!("STREAM.INFO.{stream}")
    }
    /// `STREAM.DELETE.<stream>`.
    pub fn stream_delete(stream: &str) -> String {
        format!("STREAM.DELETE.{stream}")
    }
    /// `STREAM.PURGE.<stream>`.
    pub fn stream_purge(stream: &str) -> String {
        format!("STREAM.PURGE.{stream}")
    }
    /// `STREAM.MSG.GET.<stream>`.
    pub fn stream_msg_get(stream: &str) -> String {
        format!("STREAM.MSG.GET.{stream}")
    }
    /// `DIRECT.GET.<stream>` (the prefix applies: direct get goes through the API prefix
    /// too, `$JS.API.DIRECT.GET.<stream>`).
    pub fn direct_get(stream: &str) -> String {
        format!("DIRECT.GET.{stream}")
    }
    /// `CONSUMER.CREATE.<stream>.<name>` for a named (or durable) consumer, else
    /// `CONSUMER.CREATE.<stream>` (an ephemeral one the server names; nats-server 2.9.0 and
    /// later take both).
    pub fn consumer_create(stream: &str, name: Option<&str>) -> String {
        match name {
            Some(name) => format!("CONSUMER.CREATE.{stream}.{name}"),
            None => format!("CONSUMER.CREATE.{stream}"),
        }
    }
    /// `CONSUMER.INFO.<stream>.<consumer>`.
    pub fn consumer_info(stream: &str, consumer: &str) -> String {
        format!("CONSUMER.INFO.{stream}.{consumer}")
    }
    /// `CONSUMER.DELETE.<stream>.<consumer>`.
    pub fn consumer_delete(stream: &str, consumer: &str) -> String {
        format!("CONSUMER.DELETE.{stream}.{consumer}")
    }
    /// `CONSUMER.MSG.NEXT.<stream>.<consumer>`: a pull request.
    pub fn consumer_next(stream: &str, consumer: &str) -> String {
        format!("CONSUMER.MSG.NEXT.{stream}.{consumer}")
    }
    /// `INFO`: the account's JetStream info.
    pub const ACCOUNT_INFO: &str = "INFO";
}
