//! Buckets from the JetStream [`Context`]: create, open, delete.

use nats_core::jetstream::api::tail;
use nats_core::kv::{KvConfig, KvSubjects, OpenedBucket};

use super::error::KvError;
use super::store::Store;
use crate::jetstream::Context;

impl Context {
    /// Creates the bucket `config` describes (the stream ADR-8 defines, see
    /// [`KvConfig::to_stream_config`]) and opens it. Creating a bucket that exists with the
    /// same configuration opens it; with another configuration the server refuses
    /// ([`KvErrorKind::JetStream`](super::KvErrorKind::JetStream), its API error says why).
    pub async fn create_key_value(&self, config: KvConfig) -> Result<Store, KvError> {
        let stream = config.to_stream_config()?;
        // The stream's name is valid: `to_stream_config` checked the bucket's.
        let opened: OpenedBucket = self
            .request(&tail::stream_create(&stream.name), &stream)
            .await
            .map_err(|e| {
                KvError::from_request(&format!("creating bucket {:?}", config.bucket), e)
            })?;
        Store::new(self.clone(), &opened)
    }

    /// Opens the existing bucket `bucket`; fails with
    /// [`KvErrorKind::NotFound`](super::KvErrorKind::NotFound) when there is none (or its
    /// stream is not a bucket), [`KvErrorKind::Unsupported`](super::KvErrorKind::Unsupported)
    /// when it mirrors another bucket.
    pub async fn key_value(&self, bucket: &str) -> Result<Store, KvError> {
        let subjects = KvSubjects::new(bucket, self.api_prefix())?;
        let opened: OpenedBucket = self
            .request(&tail::stream_info(subjects.stream()), &())
            .await
            .map_err(|e| KvError::from_request(&format!("opening bucket {bucket:?}"), e))?;
        Store::new(self.clone(), &opened)
    }

    /// Deletes the bucket `bucket` and everything in it; fails with
    /// [`KvErrorKind::NotFound`](super::KvErrorKind::NotFound) when there is none.
    pub async fn delete_key_value(&self, bucket: &str) -> Result<(), KvError> {
        let subjects = KvSubjects::new(bucket, self.api_prefix())?;
        self.delete_stream(subjects.stream())
            .await
            .map_err(|e| KvError::from_request(&format!("deleting bucket {bucket:?}"), e))
            .map(drop)
    }
}
