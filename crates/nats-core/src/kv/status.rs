//! A bucket's status, read from its stream's info.

use std::time::Duration;

use thiserror::Error;

use super::opened::bucket_of;
use crate::jetstream::stream::{Compression, Storage, StreamInfo};

/// What a bucket is and holds now (ADR-8's `Status`), from `STREAM.INFO KV_<bucket>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvStatus {
    /// The bucket's name.
    pub bucket: String,
    /// How many values it holds, history, delete and purge markers included.
    pub values: u64,
    /// How many values it keeps per key.
    pub history: u64,
    /// How long it keeps a value (zero: for ever).
    pub ttl: Duration,
    /// The bytes it holds.
    pub bytes: u64,
    /// Where it stores them.
    pub storage: Storage,
    /// Whether it compresses them.
    pub compressed: bool,
    /// Whether reads go through direct get (`allow_direct`).
    pub allow_direct: bool,
    /// The whole stream info, for everything else.
    pub info: StreamInfo,
}

impl KvStatus {
    /// The status of the bucket a stream info describes; refused when the stream is not a
    /// bucket (its name does not start with `KV_`, or it keeps no values per subject).
    pub fn from_stream_info(info: StreamInfo) -> Result<Self, NotABucket> {
        let bucket = bucket_of(&info.config.name, info.config.max_msgs_per_subject)?.to_owned();
        Ok(KvStatus {
            bucket,
            values: info.state.messages,
            history: u64::try_from(info.config.max_msgs_per_subject).unwrap_or(0),
            ttl: info.config.max_age,
            bytes: info.state.bytes,
            storage: info.config.storage,
            compressed: info.config.compression != Compression::None,
            allow_direct: info.config.allow_direct,
            info,
        })
    }

    /// ADR-8's name for the kind of backend: `JetStream`.
    pub fn backing_store(&self) -> &'static str {
        "JetStream"
    }
}

/// A stream that is not a Key-Value bucket.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("stream {0:?} is not a Key-Value bucket (a bucket is a stream KV_<bucket> that keeps at least one message per subject)")]
pub struct NotABucket(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::KvConfig;

    fn info_of(config: &KvConfig) -> StreamInfo {
        let mut info = StreamInfo {
            config: config.to_stream_config().unwrap(),
            ..StreamInfo::default()
        };
        info.state.messages = 7;
        info.state.bytes = 512;
        info
    }

    #[test]
    fn the_status_reads_history_ttl_values_and_bytes_from_the_stream() {
        let config = KvConfig {
            history: 5,
            ttl: Duration::from_secs(60),
            compression: true,
            ..KvConfig::new("greetings")
        };
        let status = KvStatus::from_stream_info(info_of(&config)).unwrap();
        assert_eq!(status.bucket, "greetings");
        assert_eq!(status.values, 7);
        assert_eq!(status.history, 5);
        assert_eq!(status.ttl, Duration::from_secs(60));
        assert_eq!(status.bytes, 512);
        assert_eq!(status.storage, Storage::File);
        assert!(status.compressed && status.allow_direct);
        assert_eq!(status.backing_store(), "JetStream");
    }

    #[test]
    fn a_stream_that_is_not_a_bucket_is_refused() {
        let mut info = info_of(&KvConfig::new("b"));
        info.config.name = "ORDERS".into();
        assert_eq!(
            KvStatus::from_stream_info(info.clone()),
            Err(NotABucket("ORDERS".into()))
        );
        info.config.name = "KV_b".into();
        info.config.max_msgs_per_subject = -1;
        assert!(KvStatus::from_stream_info(info).is_err());
    }
}
