//! Streams: create, info, update, delete, purge.

use nats_core::jetstream::api::{tail, SuccessResponse};
use nats_core::jetstream::stream::validate_stream_name;

use super::{Context, JetStreamError, JetStreamErrorKind, StreamConfig, StreamInfo};

impl Context {
    /// Creates the stream `config` describes; an API error (err_code 10058) if one of that
    /// name exists with another configuration (the same configuration is not an error).
    pub async fn create_stream(&self, config: StreamConfig) -> Result<StreamInfo, JetStreamError> {
        config.validate().map_err(JetStreamError::invalid)?;
        self.request(&tail::stream_create(&config.name), &config)
            .await
    }

    /// The stream `name`'s configuration and state; an API error (err_code 10059) if there
    /// is none.
    pub async fn stream_info(&self, name: &str) -> Result<StreamInfo, JetStreamError> {
        validate_stream_name(name)?;
        self.request(&tail::stream_info(name), &()).await
    }

    /// Changes the stream `config.name` to `config` (what the server allows to change:
    /// limits, subjects, description, ...).
    pub async fn update_stream(&self, config: StreamConfig) -> Result<StreamInfo, JetStreamError> {
        config.validate().map_err(JetStreamError::invalid)?;
        self.request(&tail::stream_update(&config.name), &config)
            .await
    }

    /// Deletes the stream `name` and everything in it.
    pub async fn delete_stream(&self, name: &str) -> Result<(), JetStreamError> {
        validate_stream_name(name)?;
        let reply: SuccessResponse = self.request(&tail::stream_delete(name), &()).await?;
        succeeded(reply, "deleting stream", name).map(|_| ())
    }

    /// Deletes every message of the stream `name`; returns how many.
    pub async fn purge_stream(&self, name: &str) -> Result<u64, JetStreamError> {
        validate_stream_name(name)?;
        let reply: SuccessResponse = self.request(&tail::stream_purge(name), &()).await?;
        succeeded(reply, "purging stream", name)
    }
}

/// The count of a `{"success": true, ...}` answer; one that says `false` is malformed (the
/// server sends an error instead).
pub(super) fn succeeded(
    reply: SuccessResponse,
    what: &str,
    name: &str,
) -> Result<u64, JetStreamError> {
    if reply.success {
        Ok(reply.purged)
    } else {
        Err(JetStreamError::new(
            JetStreamErrorKind::Malformed,
            format!("{what} {name}: the server answered without success and without an error"),
        ))
    }
}
