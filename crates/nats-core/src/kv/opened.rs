//! What opening or creating a bucket reads of its stream's info: the stream's name, its
//! per-subject limit, whether it answers direct gets and the stream it mirrors, if any. Every other field of the reply is
//! skipped unread, so a page that only opens buckets does not carry the reader of the whole
//! [`StreamInfo`](crate::jetstream::StreamInfo) (about 20 KB of wasm); [`KvStatus`] reads it
//! all.
//!
//! [`KvStatus`]: super::KvStatus

use serde::Deserialize;

use super::status::NotABucket;
use super::subjects::STREAM_PREFIX;

/// The part of a `STREAM.INFO` or `STREAM.CREATE` answer that opening a bucket needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct OpenedBucket {
    config: OpenedConfig,
}

/// The fields of the stream's configuration read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
struct OpenedConfig {
    name: String,
    max_msgs_per_subject: i64,
    allow_direct: bool,
    mirror: Option<OpenedMirror>,
}

/// The stream a mirrored bucket copies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
struct OpenedMirror {
    name: String,
}

impl OpenedBucket {
    /// The bucket's name; refused as [`KvStatus::from_stream_info`] refuses it when the
    /// stream is not a bucket.
    ///
    /// [`KvStatus::from_stream_info`]: super::KvStatus::from_stream_info
    pub fn bucket(&self) -> Result<&str, NotABucket> {
        bucket_of(&self.config.name, self.config.max_msgs_per_subject)
    }

    /// Whether reads go through direct get (`allow_direct`).
    pub fn allow_direct(&self) -> bool {
        self.config.allow_direct
    }

    /// The name of the stream this bucket mirrors, when it is a mirror.
    pub fn mirror(&self) -> Option<&str> {
        self.config
            .mirror
            .as_ref()
            .map(|origin| origin.name.as_str())
    }
}

/// The bucket of stream `name`: refused when the name does not start with `KV_` (or is just
/// that), or the stream keeps no values per subject.
pub(crate) fn bucket_of(name: &str, max_msgs_per_subject: i64) -> Result<&str, NotABucket> {
    match name.strip_prefix(STREAM_PREFIX) {
        Some(bucket) if !bucket.is_empty() && max_msgs_per_subject >= 1 => Ok(bucket),
        _ => Err(NotABucket(name.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::read_response;

    #[test]
    fn opening_reads_the_name_history_limit_and_direct_get_and_skips_the_rest() {
        let reply = br#"{"type":"io.nats.jetstream.api.v1.stream_info_response","config":{"name":"KV_greetings","subjects":["$KV.greetings.>"],"max_msgs_per_subject":5,"max_age":0,"allow_direct":true,"new_field":{"x":[1]}},"created":"2024-01-01T00:00:00Z","state":{"messages":3},"cluster":{"leader":"n1"}}"#;
        let opened: OpenedBucket = read_response(reply).unwrap();
        assert_eq!(opened.bucket(), Ok("greetings"));
        assert!(opened.allow_direct());
        assert_eq!(opened.mirror(), None);
    }

    #[test]
    fn a_bucket_without_allow_direct_is_read_through_msg_get() {
        // nats-py makes buckets without allow_direct.
        let reply = br#"{"config":{"name":"KV_py","max_msgs_per_subject":1}}"#;
        let opened: OpenedBucket = read_response(reply).unwrap();
        assert_eq!(opened.bucket(), Ok("py"));
        assert!(!opened.allow_direct());
    }

    #[test]
    fn a_mirrored_bucket_names_its_origin() {
        let reply = br#"{"config":{"name":"KV_copy","max_msgs_per_subject":1,"mirror":{"name":"KV_origin","opt_start_seq":0}}}"#;
        let opened: OpenedBucket = read_response(reply).unwrap();
        assert_eq!(opened.mirror(), Some("KV_origin"));
    }

    #[test]
    fn a_stream_that_is_not_a_bucket_is_refused_as_the_status_refuses_it() {
        let not = |json: &[u8]| {
            read_response::<OpenedBucket>(json)
                .unwrap()
                .bucket()
                .is_err()
        };
        assert!(not(
            br#"{"config":{"name":"ORDERS","max_msgs_per_subject":1}}"#
        ));
        assert!(not(
            br#"{"config":{"name":"KV_","max_msgs_per_subject":1}}"#
        ));
        assert!(not(
            br#"{"config":{"name":"KV_b","max_msgs_per_subject":-1}}"#
        ));
        assert!(not(br#"{"config":{"name":"KV_b"}}"#));
        assert!(not(br#"{}"#));
    }
}
