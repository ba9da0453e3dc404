//! A bucket's configuration, and the stream configuration ADR-8 makes of it.

use std::time::Duration;

use thiserror::Error;

use super::subjects::KvSubjects;
use super::validate::InvalidName;
use crate::jetstream::api::ApiPrefix;
use crate::jetstream::stream::{Compression, Discard, Retention, Storage, StreamConfig};

/// The most values a bucket keeps per key (ADR-8).
pub const MAX_HISTORY: u8 = 64;

/// The longest duplicate window a bucket gets: two minutes, or the TTL when it is shorter.
pub const MAX_DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// A bucket's configuration (nats.go's `KeyValueConfig`). [`KvConfig::new`] has ADR-8's
/// defaults: one value per key, no TTL, no size limits, file storage, one replica.
///
/// ```
/// use std::time::Duration;
/// use nats_core::kv::KvConfig;
///
/// let config = KvConfig { history: 5, ttl: Duration::from_secs(3600), ..KvConfig::new("greetings") };
/// let stream = config.to_stream_config().unwrap();
/// assert_eq!(stream.name, "KV_greetings");
/// assert_eq!(stream.max_msgs_per_subject, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvConfig {
    /// The bucket's name: `[a-zA-Z0-9_-]+`.
    pub bucket: String,
    /// A description, shown by `nats kv info`.
    pub description: Option<String>,
    /// How many values are kept per key, the latest included: 1 to [`MAX_HISTORY`].
    pub history: u8,
    /// How long a value is kept (zero: for ever).
    pub ttl: Duration,
    /// The largest value, in bytes (`None`: as large as the server takes).
    pub max_value_size: Option<u32>,
    /// The most bytes the bucket holds (`None`: no limit); a put beyond it is refused.
    pub max_bytes: Option<u64>,
    /// Where the values are stored.
    pub storage: Storage,
    /// Replicas in a cluster (0 is taken as 1).
    pub replicas: usize,
    /// S2 compression of the stored values (nats-server 2.10 and later).
    pub compression: bool,
}

impl KvConfig {
    /// The bucket `bucket` with ADR-8's defaults.
    pub fn new(bucket: impl Into<String>) -> Self {
        KvConfig {
            bucket: bucket.into(),
            description: None,
            history: 1,
            ttl: Duration::ZERO,
            max_value_size: None,
            max_bytes: None,
            storage: Storage::File,
            replicas: 1,
            compression: false,
        }
    }

    /// The stream that holds the bucket, as ADR-8 defines it: `KV_<bucket>` on
    /// `$KV.<bucket>.>`, `max_msgs_per_subject` = history, `max_age` = TTL, duplicate window
    /// = TTL when shorter than two minutes (else two minutes), `max_msg_size` = the largest
    /// value, discard new, rollup headers allowed, deletes denied, direct gets allowed.
    pub fn to_stream_config(&self) -> Result<StreamConfig, InvalidConfig> {
        let subjects = KvSubjects::new(&self.bucket, &ApiPrefix::default())?;
        if !(1..=MAX_HISTORY).contains(&self.history) {
            return Err(InvalidConfig::History(self.history));
        }
        let duplicate_window = if !self.ttl.is_zero() && self.ttl < MAX_DUPLICATE_WINDOW {
            self.ttl
        } else {
            MAX_DUPLICATE_WINDOW
        };
        Ok(StreamConfig {
            name: subjects.stream().to_owned(),
            description: self.description.clone(),
            subjects: vec![subjects.stream_subjects()],
            retention: Retention::Limits,
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: self.max_bytes.map_or(-1, saturating_i64),
            max_age: self.ttl,
            max_msgs_per_subject: i64::from(self.history),
            max_msg_size: self.max_value_size.map_or(-1, i64::from),
            discard: Discard::New,
            storage: self.storage,
            num_replicas: self.replicas.max(1),
            duplicate_window,
            deny_delete: true,
            allow_rollup_hdrs: true,
            allow_direct: true,
            compression: if self.compression {
                Compression::S2
            } else {
                Compression::None
            },
            ..StreamConfig::default()
        })
    }
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A bucket configuration that cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidConfig {
    /// The bucket name is not `[a-zA-Z0-9_-]+`.
    #[error(transparent)]
    Bucket(#[from] InvalidName),
    /// The history is not 1 to 64.
    #[error("history {0} is out of range: a bucket keeps 1 to 64 values per key")]
    History(u8),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_is_the_stream_adr_8_describes() {
        let stream = KvConfig::new("CONFIGURATION").to_stream_config().unwrap();
        assert_eq!(stream.name, "KV_CONFIGURATION");
        assert_eq!(stream.subjects, ["$KV.CONFIGURATION.>"]);
        assert_eq!(stream.retention, Retention::Limits);
        assert_eq!(stream.max_msgs_per_subject, 1);
        assert_eq!(
            (stream.max_msgs, stream.max_bytes, stream.max_msg_size),
            (-1, -1, -1)
        );
        assert_eq!(stream.max_consumers, -1);
        assert_eq!(stream.max_age, Duration::ZERO);
        assert_eq!(stream.discard, Discard::New);
        assert!(stream.allow_rollup_hdrs && stream.deny_delete && stream.allow_direct);
        assert!(!stream.deny_purge && !stream.mirror_direct);
        assert_eq!(stream.storage, Storage::File);
        assert_eq!(stream.num_replicas, 1);
        assert_eq!(stream.duplicate_window, Duration::from_secs(120));
        assert_eq!(stream.compression, Compression::None);
    }

    #[test]
    fn history_ttl_sizes_storage_replicas_and_compression_carry_over() {
        let config = KvConfig {
            description: Some("greetings by name".into()),
            history: 64,
            ttl: Duration::from_secs(3600),
            max_value_size: Some(1024),
            max_bytes: Some(1 << 20),
            storage: Storage::Memory,
            replicas: 3,
            compression: true,
            ..KvConfig::new("b")
        };
        let stream = config.to_stream_config().unwrap();
        assert_eq!(stream.description.as_deref(), Some("greetings by name"));
        assert_eq!(stream.max_msgs_per_subject, 64);
        assert_eq!(stream.max_age, Duration::from_secs(3600));
        assert_eq!(stream.max_msg_size, 1024);
        assert_eq!(stream.max_bytes, 1 << 20);
        assert_eq!(stream.storage, Storage::Memory);
        assert_eq!(stream.num_replicas, 3);
        assert_eq!(stream.compression, Compression::S2);
        assert_eq!(stream.duplicate_window, Duration::from_secs(120));
    }

    #[test]
    fn a_ttl_shorter_than_two_minutes_is_the_duplicate_window() {
        let config = KvConfig {
            ttl: Duration::from_secs(30),
            ..KvConfig::new("b")
        };
        let stream = config.to_stream_config().unwrap();
        assert_eq!(stream.duplicate_window, Duration::from_secs(30));
        assert_eq!(stream.max_age, Duration::from_secs(30));
    }

    #[test]
    fn zero_replicas_is_one() {
        let config = KvConfig {
            replicas: 0,
            ..KvConfig::new("b")
        };
        assert_eq!(config.to_stream_config().unwrap().num_replicas, 1);
    }

    #[test]
    fn history_must_be_1_to_64_and_the_bucket_name_valid() {
        for history in [0, 65, 255] {
            let config = KvConfig {
                history,
                ..KvConfig::new("b")
            };
            assert_eq!(
                config.to_stream_config(),
                Err(InvalidConfig::History(history))
            );
        }
        assert!(matches!(
            KvConfig::new("a.b").to_stream_config(),
            Err(InvalidConfig::Bucket(_))
        ));
        assert!(InvalidConfig::History(65).to_string().contains("1 to 64"));
    }
}
